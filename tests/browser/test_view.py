"""The foundation in a real browser: drawing, hover, click, panels, camera, Python both ways."""

from __future__ import annotations

import json

import numpy as np
import pytest

from .harness import notebook_fixture

CELLS = [
    "import numpy as np\n"
    "from sklearn.datasets import load_digits\n"
    "from nbprojector import Projector\n"
    "d = load_digits()\n"
    "names = [f'<b>d{i}</b>' for i in range(len(d.target))]\n"
    "p = Projector(d.data, {'name': names, 'digit': d.target, 'ink': d.data.sum(1)},\n"
    "              label_by='name', color_by='digit', height=520)\n"
    "p",
]


nb = notebook_fixture("view.ipynb", CELLS)


def background_share(pixels: np.ndarray) -> float:
    """Share of pixels equal to the most common colour (the background)."""
    flat = pixels.reshape(-1, 3)
    _, counts = np.unique(flat, axis=0, return_counts=True)
    return counts.max() / len(flat)


def isolated_point(nb, candidates=range(0, 1797, 7), min_gap=14.0) -> tuple[int, list[float]]:
    """A point with no other point drawn within `min_gap` px, and where it is on the page."""
    xy = np.array(nb.handle("Array.from({length: h.count()}, (_, i) => h.clientPosition(i))"))
    for i in candidates:
        d = np.hypot(*(xy - xy[i]).T)
        d[i] = np.inf
        if d.min() > min_gap:
            return i, list(xy[i])
    raise AssertionError("no isolated point found")


def test_draws_points_and_status(nb):
    nb.settle()
    pixels = nb.canvas_pixels()
    assert background_share(pixels) < 0.995, "the canvas shows no points"
    status = nb.view.locator(".nbp-status").inner_text()
    assert "1,797 points" in status and "64 dimensions" in status and "PCA 3D" in status
    assert nb.handle("h.count()") == 1797


def test_hover_shows_label_as_text(nb):
    nb.settle()
    i, (x, y) = isolated_point(nb)
    nb.page.mouse.move(x, y)
    nb.wait_for(f"h.hovered() === {i}")
    tooltip = nb.view.locator(".nbp-tooltip")
    assert tooltip.inner_text() == f"<b>d{i}</b>"  # shown as text, never as HTML
    assert tooltip.locator("b").count() == 0


def test_click_selects_and_python_sees_it(nb):
    nb.settle()
    i, (x, y) = isolated_point(nb)
    nb.page.mouse.click(x, y)
    # A click selects the point and its 100 nearest neighbours.
    nb.page.wait_for_function(
        "() => document.querySelector('.nbp-selection-summary')?.textContent === '101 selected'"
    )
    # The page's write reaches the kernel a moment later (ipywidgets throttles updates).
    for _ in range(50):
        selected = json.loads(nb.py("print(p.selection.tolist())"))
        if len(selected) == 101:
            break
        nb.page.wait_for_timeout(200)
    assert i in selected and len(selected) == 101
    card = nb.view.locator(".nbp-card")
    card.locator("dd").first.wait_for()
    assert f"<b>d{i}</b>" in card.inner_text()
    nb.view.locator(".nbp-clear-selection").click()
    nb.page.wait_for_timeout(300)
    assert nb.py("print(len(p.selection))").strip() == "0"


def test_python_sets_selection(nb):
    nb.py("p.selection = [3, 5, 8]")
    nb.view.locator(".nbp-status", has_text="3 selected").wait_for()
    assert nb.view.locator(".nbp-selection-summary").inner_text() == "3 selected"
    nb.py("p.selection = []")


def test_color_by_changes_pixels_not_positions(nb):
    nb.settle()
    layout = nb.view.get_attribute("data-layout")
    before = nb.canvas_pixels()
    nb.view.locator("select.nbp-color-by").select_option("")
    nb.page.wait_for_timeout(400)
    nb.settle()
    after = nb.canvas_pixels()
    assert np.abs(before.astype(int) - after.astype(int)).sum(axis=2).astype(bool).mean() > 0.001
    assert nb.py("print(repr(p.color_by))").strip() == "''"
    assert nb.view.get_attribute("data-layout") == layout, "colours must not resend positions"
    nb.py("p.color_by = 'ink'")  # numeric: a gradient legend
    nb.view.locator(".nbp-gradient").wait_for()
    nb.py("p.color_by = 'digit'")
    nb.view.locator(".nbp-legend-row").first.wait_for()
    assert nb.view.locator(".nbp-legend-row").count() == 10


def test_pca_panel_switches_to_2d_and_components(nb):
    nb.view.locator(".nbp-tab-body[data-method='pca'] button.nbp-dims[data-dims='2']").click()
    nb.wait_for("h.dims() === 2")
    assert nb.py("print(p.coordinates.shape)").strip() == "(1797, 2)"
    nb.view.locator("select.nbp-pca-x").select_option("4")
    nb.page.wait_for_function("() => document.querySelector('select.nbp-pca-x').value === '4'")
    nb.wait_for("true")
    assert json.loads(nb.py("print(p.projection['params']['components'])")) == [4, 2]
    nb.settle()
    # The drawn x order agrees with Python's coordinates (screen x grows with component 4).
    coords = np.array(json.loads(nb.py("print(p.coordinates.tolist())")))
    xy = np.array(nb.handle("Array.from({length: h.count()}, (_, i) => h.clientPosition(i))"))
    assert np.corrcoef(coords[:, 0], xy[:, 0])[0, 1] > 0.999
    assert np.corrcoef(coords[:, 1], -xy[:, 1])[0, 1] > 0.999
    # Aspect ratio preserved: screen distances are proportional to projection distances.
    sx = np.ptp(xy[:, 0]) / np.ptp(coords[:, 0])
    sy = np.ptp(xy[:, 1]) / np.ptp(coords[:, 1])
    assert sx == pytest.approx(sy, rel=0.02)
    nb.view.locator(".nbp-tab-body[data-method='pca'] button.nbp-dims[data-dims='3']").click()
    nb.wait_for("h.dims() === 3")
    assert nb.py("print(p.coordinates.shape)").strip() == "(1797, 3)"


def test_rotate_and_reset_view(nb):
    nb.py("p.project('pca', components=(1, 2, 3))")
    nb.wait_for("h.dims() === 3")
    nb.settle()
    start = nb.handle("h.clientPosition(10)")
    box = nb.view.locator("canvas").first.bounding_box()
    # A plain click on empty space moves no camera, so none is sent.
    nb.record_sends()
    nb.page.mouse.click(box["x"] + 5, box["y"] + 5)
    nb.page.wait_for_timeout(300)
    assert not [m for m in nb.sends("update") if "camera" in m["traits"]]
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    nb.page.mouse.move(cx, cy)
    nb.page.mouse.down()
    nb.page.mouse.move(cx + 120, cy + 40, steps=8)
    nb.page.mouse.up()
    nb.settle()
    moved = nb.handle("h.clientPosition(10)")
    assert np.hypot(moved[0] - start[0], moved[1] - start[1]) > 5
    assert [m for m in nb.sends("update") if "camera" in m["traits"]]
    # Python has the page's camera (to the last bits of the float text form).
    where = [round(v, 9) for v in nb.handle("h.camera()")["position"]]
    assert nb.eventually("[round(v, 9) for v in p.camera['position']]", where) == where
    nb.view.locator("button.nbp-reset").click()
    nb.settle()
    back = nb.handle("h.clientPosition(10)")
    assert back == pytest.approx(start, abs=0.5)


def test_height_and_width_follow(nb):
    nb.py("p.height = 400")
    nb.page.wait_for_function(
        "() => document.querySelector('.nbprojector').getBoundingClientRect().height === 400"
    )
    width = nb.view.locator("canvas").first.bounding_box()["width"]
    nb.view.locator("button.nbp-toggle-left").click()
    nb.page.wait_for_timeout(300)
    wider = nb.view.locator("canvas").first.bounding_box()["width"]
    assert wider > width + 100, "the canvas follows the space it is given"
    nb.view.locator("button.nbp-toggle-left").click()
    nb.py("p.height = 520")
