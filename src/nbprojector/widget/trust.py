"""Can the map be trusted, and what changed between embeddings: layout fidelity per point
and neighbour change between two embeddings of the same points.

:class:`Trust` computes both from the view's data through the neighbour backends (exact,
chunked) and owns nothing but its arguments' checks; the fidelity summary goes into the
layout's description through the :class:`~nbprojector.widget.state.ViewState`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..compare import neighbour_change
from ..fidelity import ANCHOR_BUDGET, Fidelity, anchor_positions, check_k, layout_fidelity
from ..neighbors import METRICS
from .state import ViewState

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector


def _check_metric(metric: object) -> str:
    if not isinstance(metric, str) or metric.lower() not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(map(repr, METRICS))}; got {metric!r}")
    return metric.lower()


class Trust:
    """Layout fidelity of the layout shown, and neighbour change between two embeddings."""

    def __init__(self, widget: Projector, view: ViewState) -> None:
        self._widget = widget
        self._view = view

    def _rows(self) -> np.ndarray:
        rows = self._view.isolated
        return np.arange(self._view.n_points, dtype=np.int64) if rows is None else rows

    def layout_fidelity(self, k: int, metric: str, budget: int = ANCHOR_BUDGET) -> Fidelity:
        """Fidelity of the current layout over the points it was computed on."""
        view = self._view
        metric = _check_metric(metric)
        if view.embedding not in view.layouts:
            raise ValueError("no layout is shown yet; run a projection first")
        layout = view.layouts[view.embedding]
        rows = layout.rows
        n = view.n_points if rows is None else len(rows)
        k = check_k(k, n)
        anchors = anchor_positions(n, budget)
        original = view.neighbors().knn_table(
            k, metric, spherize=self._widget.spherize, rows=rows, queries=anchors
        )
        coords = layout.coords if rows is None else layout.coords[rows]
        return layout_fidelity(original, coords, anchors, sampled=anchors.size < n)

    def fidelity(self, k: int, metric: str) -> pd.Series:
        """Per-point fidelity as a Series indexed by point; the summary (k, mean, chance)
        goes into ``projection["fidelity"]`` and the Series' ``attrs``."""
        metric = _check_metric(metric)
        result = self.layout_fidelity(k, metric)
        rows = self._view.layouts[self._view.embedding].rows
        index = np.arange(self._view.n_points) if rows is None else rows
        summary = {**result.describe(), "metric": metric,
                   "space": "spherized" if self._widget.spherize else "original"}  # fmt: skip
        self._view.describe_layout("fidelity", summary)
        series = pd.Series(result.scores, index=pd.Index(index, name="index"), name="fidelity")
        series.attrs.update(summary)
        return series

    def compare(self, a: str, b: str, k: int, metric: str) -> pd.DataFrame:
        """Neighbour change per point shown between embeddings ``a`` and ``b``, most
        changed first (ties by index)."""
        names = list(self._view.data.embeddings)
        for name in (a, b):
            if name not in names:
                raise ValueError(f"unknown embedding {name!r}; choose one of {names}")
        metric = _check_metric(metric)
        rows = self._rows()
        k = check_k(k, len(rows))
        subset = None if self._view.isolated is None else rows
        spherize = self._widget.spherize
        tables = [
            self._view.neighbors(name).knn_table(k, metric, spherize=spherize, rows=subset)
            for name in (a, b)
        ]
        change = neighbour_change(tables[0], tables[1])
        label = self._view.table[self._widget.label_by].to_numpy()[rows]
        columns = {"index": rows, "label": label, "change": change.change,
                   "kept": change.kept, "gained": change.gained, "lost": change.lost}  # fmt: skip
        frame = pd.DataFrame(columns)
        frame = frame.sort_values(["change", "index"], ascending=[False, True], kind="stable")
        frame = frame.reset_index(drop=True)
        frame.attrs.update(a=a, b=b, k=k, metric=metric)
        return frame
