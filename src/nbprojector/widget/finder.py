"""Search by meaning: the user's encoder turns a text into a vector of the embedding's
space, its nearest points are found and selected, and the query is placed in the layout.

:class:`Finder` owns the encoders, the last query, and the traits that show it: ``find``
(state, message, error, the marker) and ``_found`` / ``_found_distances`` (the points found,
nearest first, as binary buffers). From the page the encoder runs in a background job, so
a slow model never blocks the kernel; from Python (``p.search(text, by="meaning")``) it runs
in the caller's cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import protocol
from ..encoding import EXACT, NEIGHBOUR_MEAN, Encoder, encode, encoders_for, neighbour_mean
from ..jobs import JobRunner
from ..layout import normalize_point
from ..neighbors import METRICS
from .inspector import MAX_PAGE_K, Inspector
from .projections import Projections
from .state import ViewState

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector


@dataclass(frozen=True)
class Found:
    """A query found: its text, vector, embedding, and its neighbours nearest first."""

    text: str
    vector: np.ndarray
    embedding: str
    indices: np.ndarray
    distances: np.ndarray
    metric: str


class Finder:
    """Encoders, the last search by meaning, and its marker."""

    def __init__(self, widget: Projector, view: ViewState, projections: Projections,
                 inspector: Inspector, encoder: Any) -> None:  # fmt: skip
        self._widget = widget
        self._view = view
        self._projections = projections
        self._inspector = inspector
        self._encoders: dict[str, Encoder] = encoders_for(encoder, view.data.embeddings)
        self._runner = JobRunner()
        self._last: Found | None = None

    @property
    def embeddings_with_encoder(self) -> list[str]:
        return list(self._encoders)

    # ---------------------------------------------------------------- encoding

    def encoder(self) -> Encoder:
        """The current embedding's encoder, or a ValueError saying how to give one."""
        name = self._view.embedding
        fn = self._encoders.get(name)
        if fn is None:
            hint = ("Projector(..., encoder=fn)" if not self._encoders else
                    f"encoder={{{name!r}: fn, ...}}")  # fmt: skip
            raise ValueError(
                f"no encoder for embedding {name!r}: pass one with {hint}, where fn takes a "
                "list of strings and returns an (n, D) array in the embedding's space"
            )
        return fn

    def encode(self, texts: list[str]) -> np.ndarray:
        """``texts`` encoded by the current embedding's encoder, checked."""
        return encode(self.encoder(), texts, self._view.n_dims, self._view.embedding)

    def wants_encoding(self, query: Any, encode: bool | None) -> bool:
        """Whether ``p.neighbors(query)`` encodes ``query``: when forced, or when it is a
        text that is no point's label and the current embedding has an encoder."""
        if encode is not None:
            if encode and not isinstance(query, str):
                raise TypeError(f"encode=True needs a text query, got {type(query).__name__}")
            return bool(encode)
        if not isinstance(query, str) or self._view.embedding not in self._encoders:
            return False
        return len(self._view.data.rows_labelled(self._widget.label_by, query)) == 0

    # ---------------------------------------------------------------- searching

    def search_by(self, query: str, column: str | None, regex: bool, by: str,
                  k: int) -> np.ndarray:  # fmt: skip
        """``Projector.search``: by meaning here, by text in the inspector."""
        if by == "meaning":
            if column is not None or regex:
                raise ValueError("column and regex apply to by='text' only")
            return self.search(query, k)
        if by != "text":
            raise ValueError(f"by must be 'text' or 'meaning', got {by!r}")
        return self._inspector.search(query, column, regex)

    def neighbors(self, query: Any, k: int, metric: str, *, encode: bool | None, exact: bool,
                  where: str | None) -> pd.DataFrame:  # fmt: skip
        """``Projector.neighbors``: ``query`` encoded when :meth:`wants_encoding` says so,
        then looked up by the inspector."""
        if self.wants_encoding(query, encode):
            query = self.encode([query])[0]
        return self._inspector.neighbors(query, k, metric, exact=exact, where=where)

    def search(self, text: str, k: int, metric: str = "cosine") -> np.ndarray:
        """Encode ``text`` now, select its ``k`` nearest points, mark it; the indices,
        nearest first."""
        k, metric = _checked(text, k, metric)
        found = self._find(text, self.encode([text])[0], k, metric)
        self._show(found)
        return found.indices.copy()

    def _find(self, text: str, vector: np.ndarray, k: int, metric: str) -> Found:
        indices, distances, _angles, _space = self._inspector.nearest(vector, k, metric)
        return Found(text, vector, self._view.embedding, indices, distances, metric)

    def _show(self, found: Found) -> None:
        w = self._widget
        with w.hold_sync():
            self._last = found
            self._view.select(found.indices)
            w._found = found.indices.astype(np.uint32).tobytes()
            w._found_distances = found.distances.astype(np.float32).tobytes()
            n = len(found.indices)
            self._set("done", f"{n} nearest to {found.text!r}", query=found.text, count=n,
                      metric=found.metric, undrawn=self._inspector.undrawn_labels(found.indices),
                      **self._marker(found))  # fmt: skip

    def _marker(self, found: Found) -> dict[str, Any]:
        """Where the query goes in the layout shown: ``{"marker": {position, how}}``, or
        nothing when no layout of its embedding is shown."""
        layout = self._view.layouts.get(found.embedding)
        if layout is None or found.embedding != self._view.embedding:
            return {}
        pca = self._projections.pca_of_layout(found.embedding)
        if pca is not None and len(pca[1]) == layout.dims:
            result, components = pca
            axes = result.components[[c - 1 for c in components]]
            point = (found.vector - result.mean) @ axes.T
            how = EXACT
        else:
            point = neighbour_mean(layout.coords, found.indices, found.distances)
            how = NEIGHBOUR_MEAN
        position = normalize_point(point, layout.coords, layout.rows,
                                   robust=bool(layout.description.get("running")))
        if not np.isfinite(position).all():
            return {}
        return {"marker": {"position": [float(v) for v in position], "how": how,
                           "method": str(layout.description.get("method", ""))}}  # fmt: skip

    def relocate(self) -> None:
        """Move the marker to the layout now shown (or drop it for another embedding)."""
        last = self._last
        current = dict(self._widget.find)
        if last is None or current.get("state") != "done":
            return
        current.pop("marker", None)
        self._widget.set_trait("find", {**current, **self._marker(last)})

    def clear(self) -> None:
        """Forget the last query and its marker."""
        self._runner.cancel()
        self._last = None
        w = self._widget
        with w.hold_sync():
            w._found = b""
            w._found_distances = b""
            self._set("idle", "")

    def _set(self, state: str, message: str, **extra: Any) -> None:
        self._widget.set_trait("find", {"state": state, "message": message, **extra})

    # ---------------------------------------------------------------- the page

    def handle_find(self, payload: dict[str, Any], _buffers: list[bytes]) -> dict[str, Any]:
        """Start encoding ``query`` in the background; ``find`` says when it is done."""
        query = payload.get("query")
        if not isinstance(query, str):
            raise protocol.ProtocolError("'query' must be a string")
        if not query.strip():
            self.clear()
            return {"state": "idle"}
        k = protocol.payload_int(payload, "k", 1, MAX_PAGE_K, default=100)
        metric = str(payload.get("metric", "cosine"))
        k, metric = _checked(query, k, metric)
        fn = self.encoder()
        embedding, dims = self._view.embedding, self._view.n_dims

        def run(ctx: Any) -> Found:
            ctx.progress(f"encoding {query!r}")
            vector = encode(fn, [query], dims, embedding)[0]
            ctx.check()
            return self._find(query, vector, k, metric)

        def on_done(found: Found) -> None:
            if found.embedding == self._view.embedding:
                self._show(found)

        def on_error(err: BaseException) -> None:
            self._set("failed", f"search for {query!r} failed", query=query, error=str(err))

        self._set("running", f"encoding {query!r}", query=query)
        self._runner.submit(run, on_done=on_done, on_error=on_error, name="find",
                            immediate=True)  # fmt: skip
        return {"state": "running"}


def _checked(text: Any, k: Any, metric: Any) -> tuple[int, str]:
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"search by meaning needs a non-empty text, got {text!r}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if not isinstance(metric, str) or metric.lower() not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(map(repr, METRICS))}; got {metric!r}")
    return int(k), metric.lower()
