"""The inspector's Python side: the metadata card, search, nearest neighbours, isolation,
and the selection read and written from notebook cells.

Once points are isolated, the inspector works on the points shown, as TensorBoard does after
"isolate": search and neighbours never return a hidden point. Indices never change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from ipywidgets import CallbackDispatcher

from .. import protocol
from ..neighbor_backend import Found
from ..neighbors import METRICS
from ..search import as_text
from .neighbor_index import NeighborIndexes
from .projections import Projections
from .state import ViewState

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector

#: The page lists at most this many search matches (all of them are selected).
LISTED_MATCHES = 100

#: The page's neighbour count: from 1 to this (TensorBoard's range).
MAX_PAGE_K = 999


class Inspector:
    """Search, neighbours, isolation and selection callbacks. Owns the callbacks; the
    selection and isolation themselves belong to the :class:`ViewState`."""

    def __init__(self, widget: Projector, view: ViewState, projections: Projections) -> None:
        self._widget = widget
        self._view = view
        self._projections = projections
        self._selection_callbacks = CallbackDispatcher()
        #: The neighbour indexes built (``Projector.build_index``) and the query options.
        self.indexes = NeighborIndexes(view)

    # ---------------------------------------------------------------- selection

    def on_selection(self, callback: Callable[[np.ndarray], Any], remove: bool) -> None:
        self._selection_callbacks.register_callback(callback, remove=remove)

    def selection_changed(self) -> None:
        self._selection_callbacks(self._view.selection)

    def selected_metadata(self) -> pd.DataFrame:
        return self.metadata_rows(self._view.selection)

    def metadata_rows(self, indices: np.ndarray) -> pd.DataFrame:
        """Every column at ``indices`` (checked), indexed by point."""
        n = self._view.n_points
        if len(indices) and (indices.min() < 0 or indices.max() >= n):
            raise IndexError(f"point indices must be in 0..{n - 1}, got min "
                             f"{indices.min()} and max {indices.max()}")  # fmt: skip
        rows = self._view.data.rows(indices)
        rows.index = pd.Index(indices, name=None)
        return rows

    # ---------------------------------------------------------------- the metadata card

    def handle_row(self, payload: dict[str, Any], _buffers: list[bytes]) -> dict[str, Any]:
        index = protocol.payload_int(payload, "index", 0, self._view.n_points - 1)
        row = self._view.data.rows(np.array([index])).iloc[0]
        return {
            "index": index,
            "row": {str(k): (None if pd.isna(v) else _plain(v)) for k, v in row.items()},
        }

    def handle_labels(self, _payload: dict[str, Any], _buffers: list[bytes]) -> dict[str, Any]:
        """The page drew its first frame: send the labels (until now hover and the card
        asked for rows), and let an exact PCA waiting behind the first layout start."""
        self._view.send_labels()
        self._projections.first_frame_drawn()
        return {}

    # ---------------------------------------------------------------- search

    def search(self, query: str, column: str | None, regex: bool) -> np.ndarray:
        data = self._view.data
        column = self._widget.label_by if column is None else column
        if not data.has_column(column):
            raise ValueError(f"unknown column {column!r}; choose one of {data.columns}")
        hits = data.matches(column, query, regex=regex)
        shown = self._view.shown_mask()
        if shown is not None:
            hits &= shown
        indices = np.flatnonzero(hits).astype(np.int64)
        self._view.select(indices)
        return indices

    def handle_search(
        self, payload: dict[str, Any], _buffers: list[bytes]
    ) -> tuple[dict[str, Any], list[bytes]]:
        query = payload.get("query")
        if not isinstance(query, str):
            raise protocol.ProtocolError("'query' must be a string")
        column = payload.get("column") or None
        if column is not None and not isinstance(column, str):
            raise protocol.ProtocolError("'column' must be a string")
        indices = self.search(query, column, bool(payload.get("regex", False)))
        listed = indices[:LISTED_MATCHES].astype(np.uint32)
        result = {"count": len(indices), "listed": len(listed),
                  "column": column or self._widget.label_by,
                  "undrawn": self.undrawn_labels(listed.astype(np.int64))}  # fmt: skip
        return result, [listed.tobytes()]

    # ---------------------------------------------------------------- neighbours

    def neighbors(self, query: Any, k: int, metric: str, *, exact: bool = False,
                  where: str | None = None) -> pd.DataFrame:  # fmt: skip
        found = self.found(self._resolve_query(query), k, metric, exact=exact, where=where)
        indices, distances, angles = found.indices, found.distances, found.angles_deg
        labels = self._view.data.values(self._widget.label_by, indices).to_numpy()
        frame = pd.DataFrame(
            {
                "index": indices,
                "label": labels,
                "distance": distances,
                "angle": angles if angles is not None else np.full(len(indices), np.nan),
            }
        )
        frame.attrs.update(metric=metric.lower(), space=found.space, found_by=found.label)
        return frame

    def _resolve_query(self, query: Any) -> int | np.ndarray:
        """An index (checked) or a vector, from what a user passes to ``neighbors``."""
        n = self._view.n_points
        if isinstance(query, bool):
            raise TypeError("query must be a point index, a label or a vector, not a bool")
        if isinstance(query, (int, np.integer)):
            i = int(query)
            if not 0 <= i < n:
                raise IndexError(f"point index {i} is out of range: 0..{n - 1}")
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
        dims = self._view.n_dims
        if vector.shape[0] != dims:
            raise ValueError(
                f"query vector has length {vector.shape[0]} but the embedding has {dims} dimensions"
            )
        return vector

    def _index_of_label(self, label: str) -> int:
        label_by = self._widget.label_by
        hits = self._view.data.rows_labelled(label_by, label)
        if len(hits) == 0:
            raise ValueError(
                f"no point has the label {label!r} in column {label_by!r}; pass an index "
                "or a vector, or set label_by to the column that holds this label"
            )
        if len(hits) > 1:
            first = ", ".join(map(str, hits[:5])) + (", ..." if len(hits) > 5 else "")
            raise ValueError(
                f"the label {label!r} is ambiguous: {len(hits)} points have it in column "
                f"{label_by!r} (indices {first}); pass one index instead"
            )
        return int(hits[0])

    def nearest(
        self, query: int | np.ndarray, k: int, metric: str, spherize: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
        """(indices, distances, angles or None, space) of the nearest points shown, in the
        spherized space if ``spherize`` (default: the ``spherize`` trait)."""
        found = self.found(query, k, metric, spherize)
        return found.indices, found.distances, found.angles_deg, found.space

    def found(self, query: int | np.ndarray, k: int, metric: str, spherize: bool | None = None,
              *, exact: bool = False, where: str | None = None) -> Found:  # fmt: skip
        """The nearest points shown, with how they were found (``Found.label``); ``exact``
        skips an approximate index, ``where`` filters on the metadata (Lance SQL)."""
        if not isinstance(metric, str) or metric.lower() not in METRICS:
            raise ValueError(
                f"metric must be one of {', '.join(map(repr, METRICS))}; got {metric!r}"
            )
        in_sphere = bool(self._widget.spherize if spherize is None else spherize)
        return self.indexes.query(query, k, metric, spherize=in_sphere,
                                  rows=self._view.isolated, exact=exact, where=where)  # fmt: skip

    def handle_neighbors(
        self, payload: dict[str, Any], _buffers: list[bytes]
    ) -> tuple[dict[str, Any], list[bytes]]:
        index = protocol.payload_int(payload, "index", 0, self._view.n_points - 1)
        k = protocol.payload_int(payload, "k", 1, MAX_PAGE_K, default=100)
        metric = payload.get("metric", "cosine")
        if metric not in METRICS:
            raise protocol.ProtocolError(f"'metric' must be one of {', '.join(METRICS)}")
        # The page says which space it shows: its spherize toggle may have changed an instant
        # ago, and ipywidgets can hold a trait update back while this request goes ahead.
        spherize = payload.get("spherize")
        if spherize is not None and not isinstance(spherize, bool):
            raise protocol.ProtocolError("'spherize' must be true or false")
        found = self.found(index, k, metric, spherize)
        indices, distances, angles = found.indices, found.distances, found.angles_deg
        buffers = [indices.astype(np.uint32).tobytes(), distances.astype(np.float32).tobytes()]
        if angles is not None:
            buffers.append(angles.astype(np.float32).tobytes())
        result = {
            "index": index,
            "count": len(indices),
            "metric": metric,
            "space": found.space,
            "angles": angles is not None,
            "undrawn": self.undrawn_labels(indices),
            "found_by": found.label,
        }
        return result, buffers

    # ---------------------------------------------------------------- the draw budget

    def show_points(self, indices: Any) -> np.ndarray:
        view = self._view
        wanted = np.unique(np.asarray(indices if indices is not None else [], np.int64).ravel())
        if len(wanted) and (wanted[0] < 0 or wanted[-1] >= view.n_points):
            bad = int(wanted[0] if wanted[0] < 0 else wanted[-1])
            raise IndexError(
                f"show_points: point index {bad} is out of range; indices go from 0 to "
                f"{view.n_points - 1}"
            )
        before = view.snapshot()
        drawn = view.draw(wanted)
        if view.missing_coordinates():
            try:
                # Placed on the axes shown when those are final but for the exact pass;
                # otherwise fitted on the drawn points: fit them anew.
                if not self._projections.place_drawn():
                    self._projections.rerun()
            except Exception as err:
                view.restore_snapshot(before)
                raise ValueError(f"cannot draw these {len(wanted)} points: {err}") from err
        return drawn.copy()

    def handle_show_points(self, payload: dict[str, Any], buffers: list[bytes]
                           ) -> dict[str, Any]:  # fmt: skip
        """Draw the uint32 point indices in buffer 0 ("Show these"); none: nothing new."""
        raw = bytes(buffers[0]) if buffers else b""
        if len(raw) % 4:
            raise protocol.ProtocolError("show_points' buffer must hold uint32 point indices")
        drawn = self.show_points(np.frombuffer(raw, np.uint32))
        return {"drawn": len(drawn)}

    def undrawn_labels(self, indices: np.ndarray) -> dict[str, Any]:
        """The points of ``indices`` the page does not draw, and their labels (it holds
        the drawn points' labels only)."""
        drawn = self._view.drawn
        if drawn is None or len(indices) == 0:
            return {"indices": [], "labels": []}
        missing = indices[~np.isin(indices, drawn)]
        text, _missing = as_text(self._view.data.values(self._widget.label_by, missing))
        return {"indices": missing.tolist(), "labels": text.fillna("").tolist()}

    # ---------------------------------------------------------------- isolation

    def isolate(self, indices: Any) -> np.ndarray:
        view = self._view
        if indices is None:
            rows = view.selection
        else:
            rows = np.frombuffer(view.selection_bytes(indices), np.uint32).astype(np.int64)
        # The selection keeps those of its points that are shown (isolating a clicked
        # point's neighbourhood keeps it and its neighbours selected).
        return self._isolate(rows, np.intersect1d(view.selection, rows))

    def _isolate(self, rows: np.ndarray, kept: np.ndarray) -> np.ndarray:
        """Isolate ``rows`` with the selection ``kept``; all or nothing."""
        view = self._view
        if len(rows) == 0:
            raise ValueError("nothing to isolate: select some points first, or pass indices")
        before = view.snapshot()
        view.set_isolation(rows, kept.astype(np.uint32).tobytes())
        try:
            # Not under hold_sync: a projection's layout arrives from its job's thread.
            self._projections.rerun()
        except Exception as err:
            view.restore_snapshot(before)
            raise ValueError(f"cannot isolate {len(rows)} points: {err}") from err
        return rows.copy()

    def show_all(self) -> None:
        if self._view.isolated is None:
            return
        view = self._view
        view.set_isolation(None, view.selection_bytes(view.selection))
        self._projections.rerun()

    def handle_isolate(self, payload: dict[str, Any], buffers: list[bytes]) -> dict[str, Any]:
        """``{"show_all": true}`` shows every point; otherwise isolate the uint32 indices in
        the first buffer (the page sends the selection it shows: ipywidgets may still hold
        back the page's last selection write), or the selection when no buffer comes."""
        if payload.get("show_all"):
            self.show_all()
            return {"shown": self._view.n_points}
        if not buffers:
            return {"shown": len(self.isolate(None))}
        raw = bytes(buffers[0])
        if len(raw) % 4:
            raise protocol.ProtocolError("isolate's buffer must hold uint32 indices")
        # The page's selection, which stays selected (Python's copy may not have caught up).
        view = self._view
        rows = np.frombuffer(view.selection_bytes(np.frombuffer(raw, np.uint32)), np.uint32)
        return {"shown": len(self._isolate(rows.astype(np.int64), rows))}


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value if isinstance(value, (str, int, float, bool)) else str(value)
