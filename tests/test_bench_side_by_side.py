"""The side-by-side bench compares like with like: nbprojector draws every point, as
jupyter-scatter does, also above the default draw budget."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import side_by_side

from nbprojector import draw_budget


def test_the_nbprojector_cell_draws_every_point_above_the_default_budget():
    n = draw_budget.DEFAULT_MAX_POINTS + 1_000
    imports, data, widget = (cell.format(n=n) for cell in side_by_side.CELLS["nbprojector"])
    scope: dict = {}
    exec(imports + "\n" + data, scope)  # the bench's own cells
    mark, expression = widget.split("\n", 1)  # the widget cell: its mark, then the widget
    assert mark == side_by_side.WIDGET_MARK
    p = eval(expression, scope)
    assert p.n_points == n
    assert len(p.drawn) == n
    p.close()
