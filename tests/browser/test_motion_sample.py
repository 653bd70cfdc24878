"""While the camera moves, a software renderer draws a fixed sample of the points and every
emphasised one; once the camera rests, every point again, in the same picture as before the
move. This machine's Chromium draws with SwiftShader, so the sample is in use here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from .harness import changed_share, notebook_fixture

N = 40_000
BUDGET = 8_000  # the page's own is 250,000: far more points than a test should draw
SELECTED = list(range(5, N, 401))

CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "rng = np.random.default_rng(2)\n"
    "centres = rng.normal(scale=6.0, size=(12, 2))\n"
    f"cluster = rng.integers(0, 12, {N})\n"
    f"xy = (centres[cluster] + rng.standard_normal(({N}, 2))).astype(np.float32)\n"
    "p = Projector(xy, {'cluster': cluster.astype(str)}, color_by='cluster', point_size=5)\n"
    "p",
]

nb = notebook_fixture("motion_sample.ipynb", CELLS)


def sample_size(n: int, budget: int) -> int:
    """How many points the page samples: point i when (i + 1) * 0x9E3779B1 mod 2^32 is below
    budget / n of 2^32 (a fixed hash: the same points every frame)."""
    hashes = ((np.arange(1, n + 1, dtype=np.uint64) * 0x9E3779B1) % (1 << 32)).astype(np.float64)
    return int((hashes < min(1.0, budget / n) * 2.0**32).sum())


def to_centre(nb) -> None:
    """The pointer over the canvas centre (a hover there picks the point under it)."""
    box = nb.view.locator("canvas").first.bounding_box()
    nb.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    nb.settle()


def wheel(nb, delta: int, times: int) -> list[int]:
    """Turn the wheel where the pointer is `times` times; how many points each frame drew
    while it turned (read from the page after each turn)."""
    drawn = []
    for _ in range(times):
        frames = nb.handle("h.frames()")
        nb.page.mouse.wheel(0, delta)
        nb.wait_for(f"h.frames() > {frames}")
        drawn.append(nb.handle("h.drawnLastFrame()"))
    return drawn


def test_moving_draws_the_sample_and_the_selection_then_rest_draws_all(nb, tmp_path: Path):
    nb.py(f"p.selection = {SELECTED}")
    nb.eventually("len(p.selection)", len(SELECTED))
    nb.handle(f"h.setMotionBudget({BUDGET})")
    to_centre(nb)
    assert nb.handle("h.drawnLastFrame()") == N
    before = nb.canvas_pixels()
    scans, passes = nb.handle("h.motionScans()"), nb.handle("h.screenPasses()")

    moving = wheel(nb, -100, 4)
    # Every frame while the wheel turns: the sample, and the selected and hovered points
    # besides it (each drawn, whether the sample holds it or not).
    emphasised = set(SELECTED) | ({nb.handle("h.hovered()")} - {-1})
    assert moving == [sample_size(N, BUDGET) + len(emphasised)] * 4, moving
    Image.fromarray(nb.canvas_pixels()).save(tmp_path / "moving.png")
    # The flags were read once for the whole move, not once a frame, and no frame projected
    # every point to the screen.
    assert nb.handle("h.motionScans()") == scans + 1
    assert nb.handle("h.screenPasses()") == passes
    # At rest: every point again, without another turn of the wheel.
    nb.wait_for(f"!h.cameraMoving() && h.drawnLastFrame() === {N}", timeout=10_000)
    assert nb.handle("h.camera()")["zoom"] > 1.1

    wheel(nb, 100, 4)  # back to where it was
    nb.wait_for(f"!h.cameraMoving() && h.drawnLastFrame() === {N}", timeout=10_000)
    nb.settle()
    after = nb.canvas_pixels()
    Image.fromarray(after).save(tmp_path / "rest.png")
    # The same picture as before the move (the zoom out undoes the zoom in to a rounding).
    assert changed_share(before, after) < 0.002, changed_share(before, after)


def test_below_the_budget_and_when_code_moves_the_camera_every_point_is_drawn(nb):
    nb.handle("h.setMotionBudget(null)")  # the page's own: 250,000 on a software renderer
    to_centre(nb)
    assert wheel(nb, -100, 3) == [N] * 3  # fewer points than the budget: all of them
    nb.handle(f"h.setMotionBudget({BUDGET})")
    nb.wait_for("!h.cameraMoving()", timeout=10_000)
    # A camera set by code (the reset button, a bookmark) is no motion: every point at once.
    nb.page.locator(".nbp-reset").first.click()
    nb.settle()
    assert nb.handle("h.camera()")["zoom"] == 1
    assert nb.handle("h.drawnLastFrame()") == N


def test_a_drag_draws_the_sample_and_holding_still_draws_all(nb):
    """A drag (in 2D it pans; in 3D the same controls rotate) draws the sample while the
    pointer moves, and every point once it stops moving, the button still held."""
    nb.py("p.selection = []")
    nb.eventually("len(p.selection)", 0)
    nb.handle(f"h.setMotionBudget({BUDGET})")
    to_centre(nb)
    box = nb.view.locator("canvas").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    nb.page.mouse.down()
    drawn = []
    for step in range(1, 5):
        frames = nb.handle("h.frames()")
        nb.page.mouse.move(x + 15 * step, y + 10 * step)
        nb.wait_for(f"h.frames() > {frames}")
        drawn.append(nb.handle("h.drawnLastFrame()"))
    assert max(drawn) < N / 4, drawn  # the sample (and a hovered point, if any)
    nb.wait_for(f"!h.cameraMoving() && h.drawnLastFrame() === {N}", timeout=10_000)
    nb.page.mouse.up()
    assert nb.handle("h.camera()")["position"][0] < 0  # it panned (the view moved right)
