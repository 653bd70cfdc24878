"""Labels of a clicked point's neighbours in a dense view: none overlaps another or the hover
tooltip, and the clicked point's own label is always shown."""

from __future__ import annotations

import numpy as np

from .harness import notebook_fixture

CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "cloud = np.random.default_rng(5).normal(size=(3000, 8)).astype('float32')\n"
    "p = Projector(cloud, [f'word {i}' for i in range(3000)], height=520)\n"
    "p.project('pca', components=(1, 2))\n"
    "p",
]

nb = notebook_fixture("labels.ipynb", CELLS)


def overlap(a, b) -> bool:
    """Whether two [x, y, w, h] boxes share any area."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_neighbour_labels_never_overlap_each_other_nor_the_tooltip(nb):
    nb.wait_for("h.dims() === 2")
    nb.settle()
    xy = np.array(nb.handle("h.clientPositions()"), dtype=float).reshape(-1, 2)
    middle = int(np.argmin(np.hypot(*(xy - np.nanmedian(xy, axis=0)).T)))  # the dense middle
    nb.page.mouse.click(*xy[middle])
    nb.wait_for("h.neighbors() !== null && h.focus() >= 0")
    nb.settle()
    focus = nb.handle("h.focus()")  # the point drawn on top there
    neighbours = nb.handle("h.neighbors()")
    assert len(neighbours) == 100
    # Hover the neighbours drawn nearest the clicked point: their tooltips fall where its
    # label and its neighbours' labels would be.
    gap = np.hypot(*(xy[neighbours] - xy[focus]).T)
    others = 0
    for j in [j for j in np.argsort(gap) if gap[j] > 8][:6]:  # off the clicked point's dot
        nb.page.mouse.move(*xy[neighbours[j]])
        nb.wait_for("h.hovered() >= 0 && h.tooltipBox() !== null")
        nb.settle()
        hovered = nb.handle("h.hovered()")
        placed = nb.handle("h.labelsPlaced()")
        tooltip = nb.handle("h.tooltipBox()")
        labelled = [p[0] for p in placed]
        if hovered == focus:  # its label is in the tooltip
            assert nb.handle("h.tooltip()") == f"word {focus}"
        else:
            others += 1
            assert focus in labelled, "the clicked point's label is always shown"
        assert hovered not in labelled, "the tooltip shows the hovered label, once"
        assert len(placed) >= 10, "neighbours are labelled where they fit"
        boxes = [p[1:] for p in placed]
        for a in range(len(boxes)):
            assert not overlap(boxes[a], tooltip), f"label {labelled[a]} is under the tooltip"
            for b in range(a):
                pair = f"{labelled[a]}, {labelled[b]}"
                assert not overlap(boxes[a], boxes[b]), f"labels {pair} overlap"
        assert nb.handle("h.tooltip()") == f"word {hovered}"
    assert others >= 4, "the tooltips were of other points than the clicked one"
    nb.page.mouse.move(1, 1)
    nb.view.locator(".nbp-clear-selection").click()
