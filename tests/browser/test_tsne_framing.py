"""t-SNE with a few far outliers, run from its tab: while it runs, each frame is framed on its
bulk (the bulk fills the canvas, the outliers are drawn outside it), and the finished layout
is fitted whole (every point inside the canvas)."""

from __future__ import annotations

import re

import numpy as np

from .harness import notebook_fixture

N_BULK, N_OUT = 1200, 6
# Three clusters, and a few points a hundred times farther out than the clusters' spread.
CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "rng = np.random.default_rng(5)\n"
    f"centres = rng.normal(scale=6, size=(3, 20))\n"
    f"x = centres[np.arange({N_BULK}) % 3] + rng.normal(size=({N_BULK}, 20))\n"
    f"out = rng.normal(size=({N_OUT}, 20))\n"
    "out *= 1000 / np.linalg.norm(out, axis=1, keepdims=True)\n"
    "x = np.vstack([x, out]).astype(np.float32)\n"
    f"kind = ['bulk'] * {N_BULK} + ['outlier'] * {N_OUT}\n"
    "p = Projector(x, {'kind': kind}, color_by='kind')\n"
    "p.project('pca', components=(1, 2))\n"
    "p",
]

nb = notebook_fixture("tsne_framing.ipynb", CELLS)


def drawn(nb) -> tuple[np.ndarray, dict]:
    """Every point's client position, and the canvas's box, once the frame is drawn."""
    nb.settle()
    box = nb.view.locator("canvas").first.bounding_box()
    xy = np.array(nb.handle("h.clientPositions()"), dtype=float).reshape(-1, 2)
    return xy, box


def inside(xy: np.ndarray, box: dict) -> np.ndarray:
    x, y = xy[:, 0], xy[:, 1]
    right, bottom = box["x"] + box["width"], box["y"] + box["height"]
    return (x >= box["x"]) & (x <= right) & (y >= box["y"]) & (y <= bottom)


def test_running_tsne_frames_the_bulk_and_the_finished_layout_whole(nb):
    nb.view.locator(".nbp-tab[data-method='tsne']").click()
    tab = nb.view.locator(".nbp-tab-body[data-method='tsne']")
    tab.locator("input.nbp-iterations").fill("1000")
    line = tab.locator(".nbp-progress")
    tab.locator("button.nbp-run").click()
    # An early frame: pause there, so the frame read is the one on screen.
    line.filter(has_text=re.compile(r"^iteration \d+ / 1,000$")).wait_for(timeout=120_000)
    tab.locator("button.nbp-pause").click()
    line.filter(has_text=re.compile(r"^paused at iteration \d+$")).wait_for()
    at = int(re.search(r"\d+", line.inner_text()).group())
    assert at < 1000
    assert nb.py_json("p.projection.get('running')") is True
    xy, box = drawn(nb)
    assert np.isfinite(xy).all()
    bulk = xy[:N_BULK]
    lo, hi = np.percentile(bulk, [2, 98], axis=0)
    span = max((hi[0] - lo[0]) / box["width"], (hi[1] - lo[1]) / box["height"])
    # Framed on its bulk it spans ~80% (fitted whole, early frames showed ~40%).
    assert span > 0.65, f"at iteration {at}, the bulk spans {span:.0%} of the canvas: a smear"
    assert inside(bulk, box).mean() > 0.95
    # Resume to the end: the finished layout is fitted whole, outliers included.
    tab.locator("button.nbp-pause", has_text="Resume").click()
    line.filter(has_text="t-SNE done, 1,000 iterations").wait_for(timeout=300_000)
    assert not nb.py_json("p.projection.get('running', False)")
    xy, box = drawn(nb)
    assert inside(xy, box).all(), "a point of the finished layout is outside the canvas"
    positions = np.abs(np.array(nb.handle("h.positions()")))
    assert positions.max() == np.float32(1) or abs(positions.max() - 1) < 1e-5
