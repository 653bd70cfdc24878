"""Named clusters of the layout shown: the ``cluster`` column and the names on the map.

:class:`ClusterNames` owns the last clustering (each point's cluster id and the clusters'
table) and the ``clustering`` trait the page draws the names from (state, message, and per
cluster its id, name, size and anchor: the member point whose position the name is drawn
at, so the name follows the layout as it moves). The names themselves live in the metadata
table's ``cluster`` column, which it writes through :class:`Annotations` (the table's one
owner): colour by cluster, search and isolate work on it, and undo takes a clustering or a
rename back. From the page the clustering runs in a background job; from Python
(``p.cluster()``) in the caller's cell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import protocol
from ..clusters import NOISE, UNCLUSTERED, ClusterError, Clustering, cluster, name_column
from ..jobs import JobRunner
from .annotations import Annotations
from .state import ViewState

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector

#: The metadata column that holds each point's cluster name ("cluster (2)" ... when the data
#: brings a column of that name: it is the user's, never overwritten).
COLUMN = "cluster"
#: Clustering the original vectors (HDBSCAN in D dimensions) is offered up to this many points.
MAX_ORIGINAL_POINTS = 20_000
#: Clusters are named from at most this many rows' text of a column left on disk.
NAMING_SAMPLE = 20_000
SPACES = ("layout", "original")


class ClusterNames:
    """The last clustering, its names on the map, and renaming."""

    def __init__(self, widget: Projector, view: ViewState, annotations: Annotations) -> None:
        self._widget = widget
        self._view = view
        self._annotations = annotations
        self._runner = JobRunner()
        self._labels: np.ndarray | None = None  # cluster id per point (NOISE: none / not shown)
        self._table: pd.DataFrame | None = None
        self._column: str | None = None  # the column the last clustering wrote

    # ---------------------------------------------------------------- Python API

    def run(self, column: str | None, space: str, options: dict[str, Any]) -> pd.DataFrame:
        """Cluster now (in the caller's thread) and show the names; the clusters' table."""
        work = self._prepare(column, space, options)
        self._apply(work())
        return self.table()

    def table(self) -> pd.DataFrame:
        """``p.clusters``: id, name, size, top_terms, centre (layout units or the original
        space, as clustered). Names are the ``cluster`` column's, so edits show here."""
        if self._table is None or self._column not in self._view.table.columns:
            # None yet, or the clustering was taken back (undo).
            return pd.DataFrame(columns=["id", "name", "size", "top_terms", "centre"])
        out = self._table.drop(columns="anchor").copy()
        out["name"] = self._current_names()
        return out

    def rename(self, cluster_id: Any, name: Any) -> None:
        """Give cluster ``cluster_id`` the name ``name`` (in the column and on the map)."""
        column = self._shown_column()
        assert self._labels is not None and self._table is not None  # set with the column
        ids = [int(c) for c in self._table["id"]]
        if isinstance(cluster_id, bool) or not isinstance(cluster_id, (int, np.integer)) or \
                int(cluster_id) not in ids:  # fmt: skip
            raise ValueError(f"unknown cluster id {cluster_id!r}; the ids are {ids}")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"a cluster's name must be a non-empty text, got {name!r}")
        name = name.strip()
        names = dict(zip(ids, self._current_names(), strict=True))
        taken = {n for c, n in names.items() if c != int(cluster_id)} | {UNCLUSTERED}
        if name in taken:
            raise ValueError(f"the name {name!r} is taken; give cluster {cluster_id} another")
        names[int(cluster_id)] = name
        self._annotations.set_column(column, name_column(self._labels, names), "rename cluster")

    # ---------------------------------------------------------------- the page

    def handle(self, payload: dict[str, Any], _buffers: list[bytes]) -> dict[str, Any]:
        """The Clusters button (``run``: in a background job, ``clustering`` says when it
        is done) and a name edited on the map (``rename``)."""
        action = payload["action"]
        if action == "rename":
            self.rename(payload.get("id"), payload.get("name"))
            return {"state": "done"}
        if action != "run":
            raise protocol.ProtocolError(f"unknown cluster action {action!r}; use run or rename")
        work = self._prepare(payload.get("column"), str(payload.get("space", "layout")), {})
        self._set("running", "finding clusters…")
        self._runner.submit(
            lambda _ctx: work(),
            on_done=self._apply,
            on_error=lambda err: self._set("failed", str(err), error=str(err)),
            name="cluster",
        )
        return {"state": "running"}

    def table_changed(self) -> None:
        """The metadata changed (an edit, an undo): the names drawn are the column's."""
        if self._table is not None:
            self._publish("done", self._widget.clustering.get("message", ""))

    # ---------------------------------------------------------------- internals

    def _prepare(self, column: str | None, space: str, options: dict[str, Any]) -> Any:
        """Check the inputs and read what the run needs now; returns the run (no widget
        state is touched while it computes, so it can run in a thread)."""
        view = self._view
        if space not in SPACES:
            raise ClusterError(f"space must be one of {SPACES}, got {space!r}")
        column = self._naming_column(column)
        rows = view.isolated if view.isolated is not None else np.arange(view.n_points)
        if view.drawn is not None:
            # Above the draw budget: the drawn points (all shown), so every name is drawn at
            # its anchor and a layout fitted on them has coordinates for each.
            rows = view.drawn
        if space == "layout":
            layout = view.layouts.get(view.embedding)
            if layout is None:
                raise ClusterError("no layout is shown yet; wait for the projection, then cluster")
            coords = np.asarray(layout.coords[rows], dtype=np.float32)
        else:
            if len(rows) > MAX_ORIGINAL_POINTS:
                raise ClusterError(
                    f"clustering the original space is offered up to {MAX_ORIGINAL_POINTS} "
                    f"points ({len(rows)} shown); cluster the layout (space='layout') or "
                    "isolate fewer points"
                )
            coords = view.source.take(rows)
        values = None if column is None else _naming_values(view, column, rows)
        n = view.n_points

        def work() -> tuple[np.ndarray, Clustering, str]:
            found = cluster(coords, values, **options)
            labels = np.full(n, NOISE, dtype=np.int64)
            labels[rows] = found.labels
            found.table["anchor"] = rows[found.table["anchor"].to_numpy()]
            return labels, found, space

        return work

    def _naming_column(self, column: str | None) -> str | None:
        data = self._view.data
        if column is None:  # the labels shown, unless they are the clusters themselves
            column = self._widget.label_by
            return None if column == self._column else column
        if not data.has_column(column):
            raise ClusterError(
                f"unknown column {column!r} to name clusters by; choose one of {data.columns}"
            )
        return column

    def _apply(self, result: tuple[np.ndarray, Clustering, str]) -> None:
        labels, found, space = result
        names = dict(zip(found.table["id"].tolist(), found.table["name"], strict=True))
        with self._widget.hold_sync():
            self._labels, self._table = labels, found.table
            clustered = int((labels != NOISE).sum())
            message = (f"{len(names)} clusters of the {space}, {clustered} points in them; "
                       f"{int((labels == NOISE).sum())} unclustered")  # fmt: skip
            self._widget.set_trait("clustering", {"state": "running", "message": message})
            self._column = self._target_column()
            self._annotations.set_column(self._column, name_column(labels, names), "cluster")
            self._publish("done", message)

    def _target_column(self) -> str:
        """``cluster``, or ``cluster (2)`` ... when a column of that name is not ours."""
        taken = set(self._view.data.columns)
        name, k = COLUMN, 1
        while name in taken and name != self._column:  # ours (or none): written over
            k += 1
            name = f"{COLUMN} ({k})"
        return name

    def _shown_column(self) -> str:
        """The column of the clustering shown; a ValueError when it was taken back."""
        if self._table is None or self._column is None or \
                self._column not in self._view.table.columns:  # fmt: skip
            raise ValueError("no clusters shown: run p.cluster() first")
        return self._column

    def _current_names(self) -> list[str]:
        """Each cluster's name as the column says it (at its anchor point)."""
        assert self._table is not None
        column = self._view.table[self._shown_column()]
        return [str(v) for v in column.iloc[self._table["anchor"].to_numpy()]]

    def _publish(self, state: str, message: str) -> None:
        if self._table is None or self._column not in self._view.table.columns:
            # None yet, or the column was taken back (undo): no names to draw.
            self._set("idle" if self._table is None else "done", message, names=[])
            return
        names = [
            {"id": int(c), "name": name, "size": int(s), "anchor": int(a)}
            for c, name, s, a in zip(self._table["id"], self._current_names(),
                                     self._table["size"], self._table["anchor"], strict=True)
        ]  # fmt: skip
        self._set(state, message, names=names, column=self._column)

    def _set(self, state: str, message: str, **extra: Any) -> None:
        self._widget.set_trait("clustering", {"state": state, "message": message, **extra})


def _naming_values(view: ViewState, column: str, rows: np.ndarray) -> pd.Series:
    """``column`` at ``rows``, the values the clusters are named from. A text column left on
    disk is read for a seeded sample of ``NAMING_SAMPLE`` rows only (the others missing,
    which naming skips): class-based TF-IDF needs the common terms of a cluster, which a
    sample finds, not every member's text."""
    if not view.data.is_on_disk(column) or len(rows) <= NAMING_SAMPLE:
        return view.data.values(column, rows)
    picked = np.sort(np.random.default_rng(0).choice(len(rows), NAMING_SAMPLE, replace=False))
    values = pd.Series(np.full(len(rows), None, dtype=object), dtype=object)
    values.iloc[picked] = view.data.values(column, rows[picked]).to_numpy(dtype=object)
    return values
