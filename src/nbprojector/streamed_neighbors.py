"""Exact nearest neighbours over a source that need not fit in memory: per block, merged.

Each block of rows answers the query with an exact :class:`~nbprojector.neighbors.NeighborIndex`
over that block alone (its own k nearest, with distances computed in float64 from the rows
and rounded to float32); the kernel keeps the k best of all blocks by (distance, index).
Because every distance is computed from its row and the query alone, and the order is
the same total order, the result is exactly the in-memory index's: same ids, same
distances, ties to the lower index, whatever the block sizes. Blocks run where a
:class:`~nbprojector.chunk_runner.ChunkRunner` sends them (a Dask cluster, Dask's threads,
or this process), so the N x D matrix is never in the kernel.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .chunk_runner import ChunkRunner
from .neighbor_backend import ExactNeighbors, Found, _spherize_with
from .neighbors import METRICS, NeighborIndex, _spherize_rows
from .sources import VectorSource

#: What the neighbour list says about how it was found.
EXACT_LABEL = "exact"


def _check_k_and_metric(k: object, metric: object) -> str:
    if not isinstance(metric, str) or metric.lower() not in METRICS:
        choices = ", ".join(map(repr, METRICS))
        raise ValueError(f"metric must be one of {choices}; got {metric!r}")
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(f"k must be an integer, got {type(k).__name__}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return metric.lower()


def _spherized(rows: np.ndarray, mean: np.ndarray, subset: bool) -> np.ndarray:
    """Rows spherized with the mean of all points, by the in-memory backend's own code for
    the same search (its index over all points and its index over a subset spherize with
    different, equally exact, float32 formulas), so a row gets bit-identical values."""
    if subset:
        return _spherize_with(rows, mean)
    out = np.empty_like(rows)
    _spherize_rows(rows, mean, out)
    return out


def _block_nearest(
    rows: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int, metric: str,
    mean: np.ndarray | None, exclude: int | None, subset: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:  # fmt: skip
    """The k nearest of one block: (point indices, float32 distances, angles or None)."""
    if mean is not None:
        rows = _spherized(rows, mean, subset)
    local = None
    if exclude is not None:
        at = int(np.searchsorted(ids, exclude))
        local = at if at < len(ids) and ids[at] == exclude else None
    kc = min(k, len(rows) - (local is not None))
    if kc <= 0:
        return np.empty(0, np.int64), np.empty(0, np.float32), None
    found = NeighborIndex(rows).query(query, kc, metric, exclude=local)
    return ids[found.indices], found.distances, found.angles_deg


def query_vector(source: VectorSource, query: int | np.ndarray) -> tuple[np.ndarray, int | None]:
    """(the query as a float32 vector in the original space, the point it is or None):
    a point index (checked, its row read from ``source``) or a vector (checked)."""
    n, d = source.shape
    if isinstance(query, int | np.integer) and not isinstance(query, bool):
        i = int(query)
        if not 0 <= i < n:
            raise IndexError(
                f"query index {i} is out of range: there are {n} points (0..{n - 1})"
            )
        return np.asarray(source.take(np.array([i]))[0], dtype=np.float32), i
    vector = np.asarray(query)
    if vector.ndim != 1 or vector.shape[0] != d:
        raise ValueError(f"query vector must be 1-D of length {d}, got shape {vector.shape}")
    if not np.issubdtype(vector.dtype, np.number) or np.iscomplexobj(vector):
        raise ValueError(f"query vector must be real numbers, got dtype {vector.dtype}")
    vector = vector.astype(np.float32)
    if not np.isfinite(vector).all():
        raise ValueError("query vector contains NaN or infinite values")
    return vector, None


class StreamedNeighbors:
    """Exact neighbours streamed over the blocks of a source (see the module docstring).

    ``knn_table`` (all-points tables for layout fidelity) reads the rows it is asked for into
    memory, as the in-memory backend does.
    """

    exact = True
    label = EXACT_LABEL

    def __init__(self, source: VectorSource, runner: ChunkRunner | None = None) -> None:
        self._source = source
        self._runner = runner or ChunkRunner()
        self._mean: np.ndarray | None = None
        self._tables: ExactNeighbors | None = None

    def mean(self, check: Callable[[int, int], object] | None = None) -> np.ndarray:
        """The float32 mean of all points (float64 sums per block), computed once."""
        if self._mean is None:
            total = np.zeros(self._source.shape[1], dtype=np.float64)

            def add(_ids: np.ndarray, part: np.ndarray) -> None:
                total.__iadd__(part)

            self._runner.run(self._source, lambda b, _ids: b.sum(axis=0, dtype=np.float64), add,
                             progress=check)  # fmt: skip
            self._mean = (total / self._source.shape[0]).astype(np.float32)
        return self._mean

    def query_vector(self, query: int | np.ndarray) -> tuple[np.ndarray, int | None]:
        """(the query as a float32 vector in the original space, the point it is or None)."""
        return query_vector(self._source, query)

    def query(
        self,
        query: int | np.ndarray,
        k: int,
        metric: str,
        *,
        spherize: bool = False,
        rows: np.ndarray | None = None,
    ) -> Found:
        """As :meth:`ExactNeighbors.query <nbprojector.neighbor_backend.ExactNeighbors.query>`,
        with the same results."""
        metric = _check_k_and_metric(k, metric)
        vector, point = self.query_vector(query)
        if rows is not None:
            rows = np.asarray(rows, dtype=np.int64)
            if point is not None:
                at = int(np.searchsorted(rows, point))
                if not (at < len(rows) and rows[at] == point):
                    point = None  # a hidden point: asked with its vector, not left out
        mean = self.mean() if spherize else None
        if mean is not None:
            vector = _spherized(vector[None, :], mean, rows is not None)[0]
        if metric == "cosine" and not vector.any():
            raise ValueError(
                "the query is a zero vector"
                + (" after spherizing (it equals the mean)" if spherize else "")
                + ": cosine distance is undefined; use metric='euclidean'"
            )
        searched = self._source.shape[0] if rows is None else len(rows)
        k = min(int(k), searched - (point is not None))
        best_ids = np.empty(0, np.int64)
        best_d = np.empty(0, np.float32)
        best_angles = np.empty(0, np.float32) if metric == "cosine" else None

        def merge(_ids: np.ndarray, part: tuple[np.ndarray, np.ndarray, np.ndarray | None]
                  ) -> None:  # fmt: skip
            nonlocal best_ids, best_d, best_angles
            ids, distances, angles = part
            all_ids = np.concatenate([best_ids, ids])
            all_d = np.concatenate([best_d, distances])
            order = np.lexsort((all_ids, all_d))[:k]  # by distance, then index
            best_ids, best_d = all_ids[order], all_d[order]
            if best_angles is not None:
                all_angles = np.concatenate([best_angles, np.asarray(angles, np.float32)
                                             if angles is not None else np.empty(0, np.float32)])
                best_angles = all_angles[order]

        if k > 0:
            self._runner.run(
                self._source,
                lambda b, ids: _block_nearest(b, ids, vector, k, metric, mean, point,
                                                 rows is not None),
                merge, rows=rows,
            )  # fmt: skip
        space = "spherized" if spherize else "original"
        return Found(best_ids, best_d, best_angles, space)

    def knn_table(
        self,
        k: int,
        metric: str,
        *,
        spherize: bool = False,
        rows: np.ndarray | None = None,
        queries: np.ndarray | None = None,
        check: Callable[[], object] | None = None,
    ) -> np.ndarray:
        """As the in-memory backend's (the rows asked for are read into memory)."""
        if self._tables is None:
            self._tables = ExactNeighbors(self._source)
            if self._mean is not None:
                self._tables._mean = self._mean
        return self._tables.knn_table(k, metric, spherize=spherize, rows=rows,
                                      queries=queries, check=check)  # fmt: skip
