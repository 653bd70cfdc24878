"""The inspector's Python side: search, nearest neighbours, isolation, and the selection read
and written from notebook cells (SPEC I1-I8, D4).

:class:`InspectorMixin` is one of :class:`~nbprojector.widget.Projector`'s bases. It owns:

* the ``spherize`` and ``all_labels`` traits;
* ``search`` / ``neighbors`` / ``isolate`` / ``show_all`` / ``on_selection`` /
  ``selected_metadata`` and the page's ``search`` / ``neighbors`` / ``isolate`` requests;
* the writes of the isolated subset ``self._isolated`` (sorted indices, or None when every
  point is shown) and of the ``_visible`` mask. The projections (``running.py``) read
  ``_isolated`` and :meth:`_rerun_projection` lays the points shown out again.

Once points are isolated, the inspector works on the points shown, as TensorBoard does after
"isolate": search and neighbours never return a hidden point. Indices never change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import traitlets as t
from ipywidgets import CallbackDispatcher

from . import protocol
from .layout import visible_mask
from .neighbors import METRICS, NeighborIndex
from .search import as_text, match

#: The page lists at most this many search matches (all of them are selected).
LISTED_MATCHES = 100

#: The page's neighbour count: from 1 to this (TensorBoard's range).
MAX_PAGE_K = 999


@dataclass(frozen=True)
class _Space:
    """Where neighbours are searched: an index over all points or over the isolated rows.

    ``rows`` maps the index's row numbers to point indices (None: the identity).
    ``mean`` is set only for an isolated subset in the spherized space: its rows were
    spherized with the mean of ALL points (so distances do not change when isolating),
    and query vectors must be spherized the same way before they reach the index.
    """

    index: NeighborIndex
    rows: np.ndarray | None
    mean: np.ndarray | None
    space: str


def _spherize_with(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """(x - mean) / |x - mean| row by row, float32; rows equal to the mean stay zero."""
    centred = np.asarray(x, dtype=np.float32) - mean
    norms = np.sqrt((centred * centred).sum(axis=-1, keepdims=True))
    return np.divide(centred, norms, out=np.zeros_like(centred), where=norms > 0)


class InspectorMixin(t.HasTraits):
    """Search, neighbours, isolation and selection callbacks for the Projector widget."""

    spherize = t.Bool(
        False,
        help="Compute neighbour distances in the spherized space (centred on the mean, every "
        "vector scaled to unit norm) instead of the original one. Off unless turned on.",
    ).tag(sync=True)
    all_labels = t.Bool(
        False, help="Label every point shown that fits without overlapping another label"
    ).tag(sync=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._isolation_id = 0  # bumped on every isolate / show all: keys the subset caches
        self._neighbor_indexes: dict[tuple[str, bool], NeighborIndex] = {}
        self._subset_space: tuple[tuple[Any, ...], _Space] | None = None
        self._means: dict[str, np.ndarray] = {}
        self._selection_callbacks = CallbackDispatcher()
        super().__init__(*args, **kwargs)

    # ---------------------------------------------------------------- selection

    def on_selection(self, callback: Callable[[np.ndarray], Any], *, remove: bool = False) -> None:
        """Call ``callback(indices)`` whenever the selection changes.

        Fires for clicks, regions and searches in the page and for assignments from Python;
        ``indices`` is the new selection (sorted int64). An exception in a callback is shown
        and does not stop the others. ``remove=True`` unregisters ``callback``.
        """
        self._selection_callbacks.register_callback(callback, remove=remove)

    @t.observe("_selection")
    def _selection_changed(self, _change: dict[str, Any]) -> None:
        self._selection_callbacks(self.selection)

    def selected_metadata(self) -> pd.DataFrame:
        """The metadata rows of the selected points, indexed by point index."""
        selected = self.selection
        rows = self.metadata.iloc[selected].copy()
        rows.index = pd.Index(selected, name=None)
        return rows

    @property
    def isolated(self) -> np.ndarray | None:
        """Indices of the points shown after :meth:`isolate`, or None when all are shown."""
        return None if self._isolated is None else self._isolated.copy()

    def _shown_mask(self) -> np.ndarray | None:
        if self._isolated is None:
            return None
        mask = np.zeros(self.n_points, dtype=bool)
        mask[self._isolated] = True
        return mask

    # ---------------------------------------------------------------- search (I1)

    def search(self, query: str, column: str | None = None, regex: bool = False) -> np.ndarray:
        """Select every point whose ``column`` contains ``query`` and return their indices.

        Args:
            query: text to find, case-insensitive; with ``regex=True`` a Python regular
                expression searched anywhere in the value (anchor it with ``^`` / ``$``).
            column: the metadata column to search (default: the ``label_by`` column).
            regex: treat ``query`` as a regular expression.

        Returns:
            Sorted int64 indices of the matches (only points shown, once isolated); they
            also become the selection.

        Raises:
            ValueError: unknown column, empty query, or an invalid regular expression.
        """
        column = self.label_by if column is None else column
        if column not in self.metadata.columns:
            raise ValueError(
                f"unknown column {column!r}; choose one of {list(map(str, self.metadata.columns))}"
            )
        hits = match(self.metadata[column], query, regex=regex)
        shown = self._shown_mask()
        if shown is not None:
            hits &= shown
        indices = np.flatnonzero(hits).astype(np.int64)
        self.selection = indices
        return indices

    def _request_search(
        self, payload: dict[str, Any], _buffers: list[Any]
    ) -> tuple[dict[str, Any], list[bytes]]:
        query = payload.get("query")
        if not isinstance(query, str):
            raise protocol.ProtocolError("'query' must be a string")
        column = payload.get("column") or None
        if column is not None and not isinstance(column, str):
            raise protocol.ProtocolError("'column' must be a string")
        indices = self.search(query, column=column, regex=bool(payload.get("regex", False)))
        listed = indices[:LISTED_MATCHES].astype(np.uint32)
        result = {"count": len(indices), "listed": len(listed), "column": column or self.label_by}
        return result, [listed.tobytes()]

    # ---------------------------------------------------------------- neighbours (I2, I7)

    def neighbors(self, query: Any, k: int = 10, metric: str = "cosine") -> pd.DataFrame:
        """The ``k`` nearest points to ``query``, exact, nearest first.

        Args:
            query: a point index (int), a label (a value of the ``label_by`` column, which
                must name exactly one point), or a vector of the embedding's dimension.
                An index or label leaves that point itself out of the result.
            k: how many neighbours; more than there are points gives all of them.
            metric: "cosine" (distance 1 - cosine similarity, plus the angle in degrees)
                or "euclidean".

        Returns:
            A DataFrame with columns ``index``, ``label``, ``distance`` and ``angle``
            (degrees; NaN for euclidean), ties in distance ordered by index. Its ``attrs``
            say ``metric`` and ``space`` ("original" or "spherized", see ``spherize``).
            Once points are isolated, only the points shown are searched.
        """
        indices, distances, angles, space = self._nearest(self._resolve_query(query), k, metric)
        labels = self.metadata[self.label_by].to_numpy()[indices]
        frame = pd.DataFrame(
            {
                "index": indices,
                "label": labels,
                "distance": distances,
                "angle": angles if angles is not None else np.full(len(indices), np.nan),
            }
        )
        frame.attrs.update(metric=metric.lower(), space=space)
        return frame

    def _resolve_query(self, query: Any) -> int | np.ndarray:
        """An index (checked) or a vector, from what a user passes to ``neighbors``."""
        if isinstance(query, bool):
            raise TypeError("query must be a point index, a label or a vector, not a bool")
        if isinstance(query, (int, np.integer)):
            i = int(query)
            if not 0 <= i < self.n_points:
                raise IndexError(f"point index {i} is out of range: 0..{self.n_points - 1}")
            return i
        if isinstance(query, str):
            return self._index_of_label(query)
        vector = np.asarray(query)
        if vector.ndim != 1 or not np.issubdtype(vector.dtype, np.number):
            raise TypeError(
                "query must be a point index (int), a label (str) or a 1-D numeric vector, "
                f"got {type(query).__name__}"
                + (f" of shape {vector.shape}" if vector.ndim != 1 else "")
            )
        dims = self.vectors.shape[1]
        if vector.shape[0] != dims:
            raise ValueError(
                f"query vector has length {vector.shape[0]} but the embedding has {dims} dimensions"
            )
        return vector

    def _index_of_label(self, label: str) -> int:
        text, _missing = as_text(self.metadata[self.label_by])
        hits = np.flatnonzero(text.to_numpy() == label)
        if len(hits) == 0:
            raise ValueError(
                f"no point has the label {label!r} in column {self.label_by!r}; pass an index "
                "or a vector, or set label_by to the column that holds this label"
            )
        if len(hits) > 1:
            first = ", ".join(map(str, hits[:5])) + (", ..." if len(hits) > 5 else "")
            raise ValueError(
                f"the label {label!r} is ambiguous: {len(hits)} points have it in column "
                f"{self.label_by!r} (indices {first}); pass one index instead"
            )
        return int(hits[0])

    def _full_index(self, spherize: bool) -> NeighborIndex:
        key = (self.embedding, spherize)
        if key not in self._neighbor_indexes:
            self._neighbor_indexes[key] = NeighborIndex(self.vectors, spherized=spherize)
        return self._neighbor_indexes[key]

    def _mean(self) -> np.ndarray:
        if self.embedding not in self._means:
            self._means[self.embedding] = self.vectors.mean(axis=0, dtype=np.float64).astype(
                np.float32
            )
        return self._means[self.embedding]

    def _space(self, spherize: bool) -> _Space:
        """The neighbour index for the points shown, built once per state and cached."""
        space = "spherized" if spherize else "original"
        rows = self._isolated
        if rows is None:
            return _Space(self._full_index(spherize), None, None, space)
        key = (self.embedding, spherize, self._isolation_id)
        if self._subset_space is None or self._subset_space[0] != key:
            if spherize:
                mean = self._mean()
                index = NeighborIndex(_spherize_with(self.vectors[rows], mean))
            else:
                mean, index = None, NeighborIndex(self.vectors[rows])
            self._subset_space = (key, _Space(index, rows, mean, space))
        return self._subset_space[1]

    def _nearest(
        self, query: int | np.ndarray, k: int, metric: str, spherize: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
        """(indices, distances, angles or None, space) of the nearest points shown, in the
        spherized space if ``spherize`` (default: the ``spherize`` trait)."""
        if not isinstance(metric, str) or metric.lower() not in METRICS:
            raise ValueError(
                f"metric must be one of {', '.join(map(repr, METRICS))}; got {metric!r}"
            )
        s = self._space(bool(self.spherize if spherize is None else spherize))
        if isinstance(query, int):
            local = query if s.rows is None else int(np.searchsorted(s.rows, query))
            if s.rows is None or (local < len(s.rows) and s.rows[local] == query):
                found = s.index.query(local, k, metric)
            else:  # a hidden point: ask with its vector (it is not among the rows)
                query = self.vectors[query]
        if not isinstance(query, int):
            vector = np.asarray(query, dtype=np.float32)
            if s.mean is not None:
                vector = _spherize_with(vector, s.mean)
                if metric.lower() == "cosine" and not vector.any():
                    raise ValueError(
                        "the query equals the mean of the points, so after spherizing it is "
                        "a zero vector and cosine distance is undefined; use 'euclidean'"
                    )
            found = s.index.query(vector, k, metric)
        indices = found.indices if s.rows is None else s.rows[found.indices]
        return indices.astype(np.int64), found.distances, found.angles_deg, s.space

    def _request_neighbors(
        self, payload: dict[str, Any], _buffers: list[Any]
    ) -> tuple[dict[str, Any], list[bytes]]:
        index = protocol.payload_int(payload, "index", 0, self.n_points - 1)
        k = protocol.payload_int(payload, "k", 1, MAX_PAGE_K, default=100)
        metric = payload.get("metric", "cosine")
        if metric not in METRICS:
            raise protocol.ProtocolError(f"'metric' must be one of {', '.join(METRICS)}")
        # The page says which space it shows: its spherize toggle may have changed an instant
        # ago, and ipywidgets can hold a trait update back while this request goes ahead.
        spherize = payload.get("spherize")
        if spherize is not None and not isinstance(spherize, bool):
            raise protocol.ProtocolError("'spherize' must be true or false")
        indices, distances, angles, space = self._nearest(index, k, metric, spherize)
        buffers = [indices.astype(np.uint32).tobytes(), distances.astype(np.float32).tobytes()]
        if angles is not None:
            buffers.append(angles.astype(np.float32).tobytes())
        result = {
            "index": index,
            "count": len(indices),
            "metric": metric,
            "space": space,
            "angles": angles is not None,
        }
        return result, buffers

    # ---------------------------------------------------------------- isolation (I4, I5)

    def isolate(self, indices: Any = None) -> np.ndarray:
        """Show only ``indices`` (default: the selection) and rerun the projection on them.

        The selection keeps those of its points that are shown (isolating a clicked point's
        neighbourhood keeps it and its neighbours selected); indices never change, so labels,
        colours, images and neighbour lists stay right. Returns the sorted indices shown.

        Raises:
            ValueError: nothing to isolate, or the current projection cannot run on these
                points (e.g. t-SNE's perplexity needs more of them); nothing changes then.
        """
        if indices is None:
            rows = self.selection
        else:
            rows = np.frombuffer(self._selection_bytes(indices), np.uint32).astype(np.int64)
        return self._isolate(rows, np.intersect1d(self.selection, rows))

    def _isolate(self, rows: np.ndarray, kept: np.ndarray) -> np.ndarray:
        """Isolate ``rows`` with the selection ``kept``; all or nothing."""
        if len(rows) == 0:
            raise ValueError("nothing to isolate: select some points first, or pass indices")
        before = (self._isolated, self._visible, self._selection)
        kept_bytes = kept.astype(np.uint32).tobytes()
        self._set_isolation(rows, visible_mask(rows, self.n_points), kept_bytes)
        try:
            # Not under hold_sync: a projection's layout arrives from its job's thread.
            self._rerun_projection()
        except Exception as err:
            self._set_isolation(*before)
            raise ValueError(f"cannot isolate {len(rows)} points: {err}") from err
        return rows.copy()

    def show_all(self) -> None:
        """Undo :meth:`isolate`: show every point and rerun the projection on all of them."""
        if self._isolated is None:
            return
        self._set_isolation(None, b"", self._selection)
        self._rerun_projection()

    def _set_isolation(self, rows: np.ndarray | None, visible: bytes, selection: bytes) -> None:
        self._isolated = rows
        self._isolation_id += 1
        # Layouts kept for other embeddings were computed on other points: recompute them
        # when shown rather than show a layout of a different subset.
        for name in [n for n in self._layouts if n != self.embedding]:
            del self._layouts[name]
        with self.hold_sync():
            self._selection = selection
            self._visible = visible

    def _request_isolate(self, payload: dict[str, Any], buffers: list[Any]) -> dict[str, Any]:
        """``{"show_all": true}`` shows every point; otherwise isolate the uint32 indices in
        the first buffer (the page sends the selection it shows: ipywidgets may still hold
        back the page's last selection write), or the selection when no buffer comes."""
        if payload.get("show_all"):
            self.show_all()
            return {"shown": self.n_points}
        if not buffers:
            return {"shown": len(self.isolate())}
        raw = bytes(buffers[0])
        if len(raw) % 4:
            raise protocol.ProtocolError("isolate's buffer must hold uint32 indices")
        # The page's selection, which stays selected (Python's copy may not have caught up).
        rows = np.frombuffer(self._selection_bytes(np.frombuffer(raw, np.uint32)), np.uint32)
        return {"shown": len(self._isolate(rows.astype(np.int64), rows))}
