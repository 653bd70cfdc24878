"""Approximate neighbour indexes: building one per embedding, and the neighbour queries'
options that only some backends answer (``exact=``, ``where=``).

:class:`NeighborIndexes` builds a Lance IVF-PQ index for an embedding (in place over a
Lance source, or over a Lance copy written to a folder the user names) and hands it to the
view as that embedding's neighbour backend; see :mod:`nbprojector.lance_index`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..chunk_runner import in_memory
from ..lance_index import (
    LanceIndexNeighbors,
    build_ivf_pq,
    lance_dataset_of,
    rows_where,
    write_lance,
)
from ..neighbor_backend import Found
from .state import ViewState

#: The index kinds ``build_index`` / ``Projector(index=...)`` know.
INDEX_KINDS = ("ivf_pq",)


class NeighborIndexes:
    """Builds indexes and answers neighbour queries with their options."""

    def __init__(self, view: ViewState) -> None:
        self._view = view

    def build(
        self, embedding: str | None = None, *, folder: Any = None, metric: str = "cosine",
        num_partitions: int | None = None, num_sub_vectors: int | None = None,
        nprobes: int = 20, refine_factor: int = 70,
        on_progress: Callable[[str, float | None], object] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """See ``Projector.build_index``."""
        view = self._view
        name = view.embedding if embedding is None else str(embedding)
        if name not in view.data.embeddings:
            raise ValueError(f"unknown embedding {name!r}; the embeddings are "
                             f"{', '.join(map(repr, view.data.embeddings))}")  # fmt: skip
        source = view.data.source(name)
        stored = lance_dataset_of(source)
        if stored is not None and folder is None:
            dataset, column = stored
        elif folder is None:
            raise ValueError(
                f"embedding {name!r} is not stored in Lance, so its index needs a copy of the "
                "vectors on disk: give build_index(folder='vectors.lance'), a new folder"
            )
        else:
            dataset, column = write_lance(source, folder, view.table, on_progress), "vector"
        build_ivf_pq(dataset, column, metric=metric, num_partitions=num_partitions,
                     num_sub_vectors=num_sub_vectors, on_progress=on_progress)  # fmt: skip
        exact = view.neighbors(name)
        if isinstance(exact, LanceIndexNeighbors):  # rebuilt: keep the exact backend behind it
            exact = exact.exact_backend
        view.use_neighbors(name, LanceIndexNeighbors(
            source, dataset, column, metric.lower(), exact_backend=exact, nprobes=nprobes,
            refine_factor=refine_factor))  # fmt: skip
        return {"embedding": name, "kind": "ivf_pq", "uri": str(dataset.uri),
                "metric": metric.lower(), "points": int(dataset.count_rows())}  # fmt: skip

    def query(self, query: int | np.ndarray, k: int, metric: str, *, spherize: bool,
              rows: np.ndarray | None, exact: bool = False, where: str | None = None
              ) -> Found:  # fmt: skip
        """The current embedding's neighbours, through its index when it has one (``where``:
        a Lance SQL filter on the metadata; ``exact``: skip the index)."""
        view = self._view
        backend = view.neighbors()
        if isinstance(backend, LanceIndexNeighbors):
            return backend.query(query, k, metric, spherize=spherize, rows=rows, where=where,
                                 exact=exact)  # fmt: skip
        if where is not None:
            stored = lance_dataset_of(view.source)
            if stored is None:
                raise ValueError(
                    "where= filters run on Lance: the embedding must be a Lance source, or "
                    "have an index built with build_index(folder=...)"
                )
            matching = rows_where(stored[0], where)
            rows = matching if rows is None else np.intersect1d(rows, matching)
        if rows is not None and not len(rows):
            return Found(np.empty(0, np.int64), np.empty(0, np.float32),
                         np.empty(0, np.float32) if metric.lower() == "cosine" else None,
                         "spherized" if spherize else "original")  # fmt: skip
        return backend.query(query, k, metric, spherize=spherize, rows=rows)

    def describe(self) -> dict[str, str]:
        """What answers each embedding's neighbour queries: "exact", "exact, streamed" or
        the index's label."""
        out = {}
        for name in self._view.data.embeddings:
            backend = self._view.neighbors(name)
            label = getattr(backend, "label", "exact")
            if label == "exact" and not in_memory(self._view.data.source(name)):
                label = "exact, streamed"
            out[name] = label
        return out
