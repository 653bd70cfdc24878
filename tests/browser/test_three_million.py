"""Three million in-memory points, all drawn: the page holds them all, a hover and a click
on one far from the rest name the right row, and the labels of all three million arrive.

Kept as light as the size allows (2-D points, labels of at most 8 characters, one notebook
for every check) so that it fits in the suite's time on a small machine.
"""

from __future__ import annotations

import numpy as np

from .harness import notebook_fixture
from .test_view import background_share

N = 3_000_000
TARGET = 2_345_678  # far above 65,535 and 2**21: index types and buffers must hold it
CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    f"xy = np.random.default_rng(0).standard_normal(({N}, 2), dtype=np.float32)\n"
    f"xy[{TARGET}] = (12.0, 12.0)  # alone in a corner: only it is under the pointer there\n"
    f"words = np.strings.add('p', np.arange({N}).astype(str))\n"
    f"p = Projector(xy, {{'word': words}}, max_points={N}, height=480)\n"
    "p",
]

nb = notebook_fixture("three_million.ipynb", CELLS)


def test_three_million_points_are_drawn_picked_and_labelled(nb, tmp_path):
    nb.settle()
    # Every point is drawn, on the page and as Python sees it.
    assert nb.handle("h.count()") == N
    assert nb.handle("h.drawn()") is None  # no sample: every point is drawn
    assert nb.py_json("[len(p.drawn), int(p.drawn[-1])]") == [N, N - 1]
    status = nb.view.locator(".nbp-status").inner_text()
    assert f"{N:,} points" in status and "drawing" not in status
    assert background_share(nb.canvas_pixels()) < 0.99, "the canvas shows no points"

    # The labels follow the first frame: every one of the three million reaches the page.
    nb.wait_for(f"h.labelCount() === {N}", timeout=120_000)
    assert nb.py_json("len(p._label_offsets) // 4") == N + 1

    # The far point is where Python's layout puts it, and the pointer over it picks it.
    page_xyz = nb.handle(f"h.positions().slice({3 * TARGET}, {3 * TARGET + 3})")
    nb.py("from nbprojector.codec import decode_positions")
    sent = nb.py_json(f"decode_positions(p._positions)[{TARGET}].tolist()")
    assert np.allclose(page_xyz, sent, atol=1e-6)
    x, y = nb.handle(f"h.clientPosition({TARGET})")
    nb.page.mouse.move(x, y)
    nb.wait_for(f"h.hovered() === {TARGET}", timeout=30_000)
    nb.wait_for(f"h.tooltip() === 'p{TARGET}'", timeout=30_000)

    # A click there: the card names its row, and Python sees it selected.
    nb.page.mouse.click(x, y)
    card = nb.view.locator(".nbp-card")
    card.locator("dd").first.wait_for()
    assert f"p{TARGET}" in card.inner_text()
    nb.page.screenshot(path=str(tmp_path / "three_million.png"))
    assert nb.handle("h.focus()") == TARGET
    selected = nb.eventually(f"int({TARGET} in set(p.selection.tolist()))", 1, timeout=30)
    assert selected == 1
