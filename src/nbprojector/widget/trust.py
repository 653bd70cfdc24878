"""Can the map be trusted, and what changed between embeddings: layout fidelity per point
and neighbour change between two embeddings of the same points.

:class:`Trust` computes both from the view's data through the neighbour backends (exact,
chunked) and owns nothing but its arguments' checks; the fidelity summary goes into the
layout's description through the :class:`~nbprojector.widget.state.ViewState`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import protocol
from ..compare import neighbour_change
from ..fidelity import (
    ANCHOR_BUDGET,
    Fidelity,
    anchor_positions,
    check_k,
    layout_fidelity,
    layout_knn,
)
from ..jobs import JobContext, JobRunner
from ..layout import Layout
from ..neighbors import METRICS
from .state import ViewState

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector


#: The ``color_by`` value that colours the points by layout fidelity (not a column name).
COLOR_BY_FIDELITY = ":layout fidelity"


#: The ``color_by`` value that colours the points by the last comparison's neighbour change.
COLOR_BY_CHANGE = ":neighbour change"


def change_caption(summary: dict[str, Any]) -> str:
    """The legend's sentence for colouring by neighbour change."""
    k = summary["k"]
    return (
        f"Neighbour change from {summary['a']} to {summary['b']}: 1 - Jaccard of each "
        f"point's {k} nearest neighbours ({summary['metric']}, {summary['space']} space) in "
        f"the two (0: the same neighbours, 1: none shared). {summary['mean']:.0%} on average."
    )


def fidelity_caption(result: Fidelity, metric: str, space: str) -> str:
    """The legend's sentence: what the colours measure, the mean and the chance level."""
    k = result.k
    text = (
        f"Layout fidelity: the share of each point's {k} nearest neighbours ({metric}, "
        f"{space} space) that are also among its {k} nearest in the map (1: all kept, "
        f"0: none). Keeps {result.mean:.0%} of {k}-NN on average; chance is "
        f"{result.chance:.1%}."
    )
    if result.sampled:
        text += f" Scored on a fixed sample of {result.anchors.size:,} anchor points (others grey)."
    return text


#: The most changed points listed by the data panel's comparison.
MOST_CHANGED = 20


def comparison_summary(
    frame: pd.DataFrame, neighbours: tuple[np.ndarray, np.ndarray]
) -> dict[str, Any]:
    """The ``comparison`` trait: the mean change and the most changed points, each with its
    neighbours in a and in b (point indices, nearest first). Strict JSON."""
    a, b = frame.attrs["a"], frame.attrs["b"]
    rows = frame["index"].to_numpy()
    position = {int(p): i for i, p in enumerate(np.sort(rows))}
    changed = []
    for record in frame.head(MOST_CHANGED).itertuples(index=False):
        at = position[int(record.index)]
        changed.append({
            "index": int(record.index), "label": str(record.label),
            "change": float(record.change), "kept": int(record.kept),
            "gained": int(record.gained), "lost": int(record.lost),
            "a": [int(i) for i in neighbours[0][at]], "b": [int(i) for i in neighbours[1][at]],
        })  # fmt: skip
    return {"a": a, "b": b, "k": int(frame.attrs["k"]), "metric": frame.attrs["metric"],
            "space": frame.attrs["space"], "state": "done",
            "mean": float(frame["change"].mean()), "changed": changed}  # fmt: skip


def _check_metric(metric: object) -> str:
    if not isinstance(metric, str) or metric.lower() not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(map(repr, METRICS))}; got {metric!r}")
    return metric.lower()


class Trust:
    """Layout fidelity of the layout shown, and neighbour change between two embeddings."""

    def __init__(self, widget: Projector, view: ViewState) -> None:
        self._widget = widget
        self._view = view
        self._runner = JobRunner()  # the colouring run: a newer layout supersedes it
        self._coloured: Layout | None = None  # the layout the fidelity colours are of
        self._compare_runner = JobRunner()  # the data panel's comparison
        #: The last comparison's change per point (NaN: not compared) and its caption.
        self._change: tuple[np.ndarray, str] | None = None

    # ---------------------------------------------------------------- colouring

    def colouring(self) -> bool:
        """True while ``color_by`` asks for computed colours (layout fidelity or neighbour
        change; a column of the same name wins)."""
        color_by = self._widget.color_by
        computed = (COLOR_BY_FIDELITY, COLOR_BY_CHANGE)
        return color_by in computed and not self._view.data.has_column(color_by)

    def _show_change_colors(self) -> None:
        """Colour by the neighbour change of the last comparison (grey before one)."""
        if self._change is None:
            self._view.show_score_colors(
                np.full(self._view.n_points, np.nan), COLOR_BY_CHANGE,
                "Compare two embeddings (data panel: Compare) to colour by neighbour change.",
            )  # fmt: skip
        else:
            self._view.show_score_colors(self._change[0], COLOR_BY_CHANGE, self._change[1])

    def refresh_colors(self, *, force: bool = False) -> None:
        """While ``color_by`` is layout fidelity, colour the points by the fidelity of the
        layout shown: computed in the background, restarted when the layout changes
        (a new projection, isolation, a t-SNE or UMAP run finishing), and not started
        while a run is still moving the points."""
        view = self._view
        if not self.colouring() or self._widget.color_by == COLOR_BY_CHANGE:
            self._runner.cancel()
            self._coloured = None
            if self.colouring():
                self._show_change_colors()
            return
        layout = view.layouts.get(view.embedding)
        if layout is None or self._widget.projection.get("running"):
            self._runner.cancel()
            self._coloured = None
            return
        if layout is self._coloured and not force:
            return
        self._coloured = layout
        k, metric = self._widget.fidelity_k, self._widget.metric
        n = view.n_points if layout.rows is None else len(layout.rows)
        if n < 2:
            view.show_score_colors(np.full(view.n_points, np.nan), COLOR_BY_FIDELITY,
                                   "Layout fidelity needs at least 2 points.")  # fmt: skip
            return
        k = min(k, n - 1)
        view.show_score_colors(np.full(view.n_points, np.nan), COLOR_BY_FIDELITY,
                               f"Computing layout fidelity ({k}-NN, {metric})...")  # fmt: skip

        def run(ctx: JobContext) -> Fidelity:
            return self.layout_fidelity(k, metric, layout=layout, check=ctx.check)

        def on_done(result: Fidelity) -> None:
            if self._coloured is not layout or view.layouts.get(view.embedding) is not layout:
                return  # the map changed meanwhile; its own run colours it
            scores = np.full(view.n_points, np.nan, dtype=np.float32)
            scores[np.arange(view.n_points) if layout.rows is None else layout.rows] = (
                result.scores
            )
            view.show_score_colors(scores, COLOR_BY_FIDELITY, fidelity_caption(result, metric,
                                   self._summary(result, metric)["space"]))  # fmt: skip
            view.describe_layout("fidelity", self._summary(result, metric))

        def on_error(err: BaseException) -> None:
            view.show_score_colors(np.full(view.n_points, np.nan), COLOR_BY_FIDELITY,
                                   f"Layout fidelity failed: {err}")  # fmt: skip

        self._runner.submit(run, on_done=on_done, on_error=on_error, name="fidelity")

    def recompare(self) -> None:
        """Compare the data panel's embeddings again (the metric, k or spherize changed)."""
        if self._widget.comparison:
            self.compare_in_background(list(self._widget.compare_embeddings))

    def compare_in_background(self, names: list[str]) -> None:
        """Compare embeddings ``names`` = [a, b] in the background, with the view's
        ``compare_k`` and ``metric``, and put the most changed points, with their neighbours
        in each, into ``comparison``."""
        w = self._widget
        if len(names) != 2:
            self._compare_runner.cancel()
            self._change = None
            w.set_trait("comparison", {})
            if self.colouring() and w.color_by == COLOR_BY_CHANGE:
                self._show_change_colors()
            return
        a, b = names
        k, metric = min(w.compare_k, max(1, len(self._rows()) - 1)), w.metric
        w.set_trait("comparison", {"a": a, "b": b, "state": "running"})

        def run(ctx: JobContext) -> tuple[dict[str, Any], np.ndarray]:
            frame, neighbours = self._compared(a, b, k, metric, check=ctx.check)
            scores = np.full(self._view.n_points, np.nan, dtype=np.float32)
            scores[frame["index"].to_numpy()] = frame["change"].to_numpy()
            return comparison_summary(frame, neighbours), scores

        def on_done(result: tuple[dict[str, Any], np.ndarray]) -> None:
            summary, scores = result
            self._change = (scores, change_caption(summary))
            w.set_trait("comparison", summary)
            if self.colouring() and w.color_by == COLOR_BY_CHANGE:
                self._show_change_colors()

        def on_error(err: BaseException) -> None:
            w.set_trait("comparison", {"a": a, "b": b, "state": "failed", "error": str(err)})

        self._compare_runner.submit(run, on_done=on_done, on_error=on_error, name="compare")

    # ---------------------------------------------------------------- values

    def handle_fidelity_point(
        self, payload: dict[str, Any], _buffers: list[bytes]
    ) -> dict[str, Any]:
        """The point card's fidelity: one point of the layout shown, with its k nearest in
        the original space split into those also near it in the map and those far."""
        view = self._view
        if view.embedding not in view.layouts:
            raise ValueError("no layout is shown yet")
        layout = view.layouts[view.embedding]
        rows = np.arange(view.n_points) if layout.rows is None else layout.rows
        index = protocol.payload_int(payload, "index", 0, view.n_points - 1)
        position = int(np.searchsorted(rows, index))
        if position >= len(rows) or rows[position] != index:
            raise ValueError(f"point {index} is not in the layout shown (it is hidden)")
        most = max(1, len(rows) - 1)
        default = min(self._widget.fidelity_k, most)
        k = protocol.payload_int(payload, "k", 1, most, default=default)
        metric = self._widget.metric
        queries = np.array([position])
        original = view.neighbors().knn_table(
            k, metric, spherize=self._widget.spherize, rows=layout.rows, queries=queries
        )[0]
        coords = layout.coords if layout.rows is None else layout.coords[layout.rows]
        in_map = set(layout_knn(coords, k, queries)[0].tolist())
        near = [int(rows[j]) for j in original if j in in_map]
        far = [int(rows[j]) for j in original if j not in in_map]
        return {"index": index, "k": k, "fidelity": len(near) / k, "near": near, "far": far,
                "metric": metric,
                "space": "spherized" if self._widget.spherize else "original"}  # fmt: skip

    def _rows(self) -> np.ndarray:
        rows = self._view.isolated
        return np.arange(self._view.n_points, dtype=np.int64) if rows is None else rows

    def layout_fidelity(
        self, k: int, metric: str, budget: int = ANCHOR_BUDGET, layout: Layout | None = None,
        check: Callable[[], object] | None = None,
    ) -> Fidelity:  # fmt: skip
        """Fidelity of ``layout`` (default: the current one) over the points it was
        computed on; ``check`` is a cancellation point for a background run."""
        view = self._view
        metric = _check_metric(metric)
        if layout is None:
            if view.embedding not in view.layouts:
                raise ValueError("no layout is shown yet; run a projection first")
            layout = view.layouts[view.embedding]
        rows = layout.rows
        n = view.n_points if rows is None else len(rows)
        k = check_k(k, n)
        anchors = anchor_positions(n, budget)
        original = view.neighbors().knn_table(
            k, metric, spherize=self._widget.spherize, rows=rows, queries=anchors, check=check
        )
        coords = layout.coords if rows is None else layout.coords[rows]
        return layout_fidelity(original, coords, anchors, sampled=anchors.size < n)

    def _summary(self, result: Fidelity, metric: str) -> dict[str, Any]:
        space = "spherized" if self._widget.spherize else "original"
        return {**result.describe(), "metric": metric, "space": space}

    def fidelity(self, k: int, metric: str) -> pd.Series:
        """Per-point fidelity as a Series indexed by point; the summary (k, mean, chance)
        goes into ``projection["fidelity"]`` and the Series' ``attrs``."""
        metric = _check_metric(metric)
        result = self.layout_fidelity(k, metric)
        rows = self._view.layouts[self._view.embedding].rows
        index = np.arange(self._view.n_points) if rows is None else rows
        summary = self._summary(result, metric)
        self._view.describe_layout("fidelity", summary)
        series = pd.Series(result.scores, index=pd.Index(index, name="index"), name="fidelity")
        series.attrs.update(summary)
        return series

    def compare(self, a: str, b: str, k: int, metric: str) -> pd.DataFrame:
        """Neighbour change per point shown between embeddings ``a`` and ``b``, most
        changed first (ties by index)."""
        return self._compared(a, b, k, metric)[0]

    def _compared(
        self, a: str, b: str, k: int, metric: str, check: Callable[[], object] | None = None
    ) -> tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray]]:
        """:meth:`compare`'s table, and each point's neighbours in ``a`` and in ``b`` (point
        indices, one row per point shown in index order)."""
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
            self._view.neighbors(name).knn_table(
                k, metric, spherize=spherize, rows=subset, check=check
            )
            for name in (a, b)
        ]
        change = neighbour_change(tables[0], tables[1])
        label = self._view.data.values(self._widget.label_by, rows).to_numpy()
        columns = {"index": rows, "label": label, "change": change.change,
                   "kept": change.kept, "gained": change.gained, "lost": change.lost}  # fmt: skip
        frame = pd.DataFrame(columns)
        frame = frame.sort_values(["change", "index"], ascending=[False, True], kind="stable")
        frame = frame.reset_index(drop=True)
        frame.attrs.update(a=a, b=b, k=k, metric=metric,
                           space="spherized" if spherize else "original")  # fmt: skip
        # Each point's neighbours in a and in b (point indices), for the inspector's lists.
        return frame, (rows[tables[0]], rows[tables[1]])
