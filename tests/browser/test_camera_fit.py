"""A 3D fit (the first draw, Reset view) puts every point inside the canvas, whatever its
shape: a narrow canvas (both side panels open) is fitted by its horizontal field of view, a
wide one by its vertical field of view."""

from __future__ import annotations

import numpy as np
import pytest

from .harness import close_notebook
from .test_layout import open_in_fresh_layout

# A cloud that fills its PCA box to the corners: uniform in a box, so the fitted layout
# reaches [-1, 1] on the first component and far out on the other two.
CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "rng = np.random.default_rng(3)\n"
    "x = rng.uniform(-1, 1, (3000, 6)) * np.array([1.0, 0.9, 0.8, 0.05, 0.05, 0.05])\n"
    "p = Projector(x, {'k': np.arange(3000) % 5}, color_by='k')\n"
    "p",
]


@pytest.fixture(scope="module")
def nb(server, browser):
    notebook = open_in_fresh_layout(browser, server, "camera_fit.ipynb", CELLS)
    yield notebook
    close_notebook(notebook)


def set_panel(nb, side: str, shown: bool) -> None:
    toggle = nb.view.locator(f"button.nbp-toggle-{side}")
    if (toggle.get_attribute("aria-pressed") == "true") != shown:
        toggle.click()
    assert (toggle.get_attribute("aria-pressed") == "true") == shown


def points_outside_canvas(nb) -> tuple[int, dict]:
    """How many points are drawn with their centre outside the canvas, and the canvas box."""
    nb.page.wait_for_timeout(300)  # the resize reaches the canvas
    nb.settle()
    box = nb.view.locator("canvas").first.bounding_box()
    xy = np.array(nb.handle("h.clientPositions()"), dtype=float).reshape(-1, 2)
    assert np.isfinite(xy).all(), "a point is behind the camera"
    x, y = xy[:, 0], xy[:, 1]
    right, bottom = box["x"] + box["width"], box["y"] + box["height"]
    outside = (x < box["x"]) | (x > right) | (y < box["y"]) | (y > bottom)
    return int(outside.sum()), box


def spread(nb, box: dict) -> float:
    """The share of the canvas's narrower side that the points span (the fit is not tiny)."""
    xy = np.array(nb.handle("h.clientPositions()"), dtype=float).reshape(-1, 2)
    return max(np.ptp(xy[:, 0]) / box["width"], np.ptp(xy[:, 1]) / box["height"])


@pytest.mark.parametrize("panels", [True, False], ids=["narrow", "wide"])
def test_reset_view_fits_every_point_in_the_canvas(nb, panels):
    nb.py("p.project('pca', components=(1, 2, 3)).wait()")
    assert nb.handle("h.dims()") == 3
    set_panel(nb, "left", panels)
    set_panel(nb, "right", panels)
    # Turn the view away, then fit it again with the button.
    canvas = nb.view.locator("canvas").first
    box = canvas.bounding_box()
    nb.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    nb.page.mouse.wheel(0, -600)  # zoom in: points leave the canvas
    nb.page.wait_for_timeout(400)
    nb.view.locator("button.nbp-reset").click()
    outside, box = points_outside_canvas(nb)
    aspect = box["width"] / box["height"]
    assert (aspect < 1) if panels else (aspect > 1.5), f"canvas {box['width']} x {box['height']}"
    size = f"{box['width']:.0f} x {box['height']:.0f}"
    assert outside == 0, f"{outside} points drawn outside a {size} canvas"
    assert spread(nb, box) > 0.6, "the fit leaves the layout small"


def test_resized_canvas_is_fitted_again_until_the_camera_is_moved(nb):
    # The first fit was for another canvas shape: opening the panels narrows the canvas,
    # and the camera, never moved since its fit, fits the new shape.
    set_panel(nb, "left", False)
    set_panel(nb, "right", False)
    nb.view.locator("button.nbp-reset").click()
    nb.settle()
    set_panel(nb, "left", True)
    set_panel(nb, "right", True)
    outside, box = points_outside_canvas(nb)
    assert box["width"] < box["height"]
    assert outside == 0, f"{outside} points drawn outside the narrowed canvas"
