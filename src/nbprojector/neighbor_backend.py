"""How the widget asks for nearest neighbours: one small interface, one exact backend.

A :class:`NeighborBackend` answers "the k nearest points to this point or vector, among
these rows, in this space". Today's one backend, :class:`ExactNeighbors`, keeps exact
:class:`~nbprojector.neighbors.NeighborIndex` objects over a
:class:`~nbprojector.sources.VectorSource`; an approximate index for data bigger than
memory would be another backend (with ``exact = False``, which the page can say).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .all_neighbors import all_knn
from .neighbors import NeighborIndex, Neighbors
from .neighbors import spherize as spherize_all
from .sources import ArraySource, VectorSource


@dataclass(frozen=True)
class Found:
    """Neighbours found: point indices (int64), distances, angles (cosine only), space, and
    how they were found ("exact", or an approximate index's name)."""

    indices: np.ndarray
    distances: np.ndarray
    angles_deg: np.ndarray | None
    space: str
    label: str = "exact"


class NeighborBackend(Protocol):
    """Nearest neighbours over one embedding's vectors."""

    #: True when the neighbours are exact (not approximated by an index).
    exact: bool

    def query(
        self,
        query: int | np.ndarray,
        k: int,
        metric: str,
        *,
        spherize: bool = False,
        rows: np.ndarray | None = None,
    ) -> Found:
        """The ``k`` nearest points to ``query`` (a point index, left out of the result,
        or a vector of the embedding's dimension), searching only ``rows`` (sorted point
        indices) when given. ``spherize``: in the spherized space of ALL points (centred
        on their mean, unit rows), so distances do not change when a subset is searched."""
        ...

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
        """The ``k`` nearest of ``rows`` (sorted point indices; default all) to each of
        ``queries`` (positions into those rows; default every one), as a
        (len(queries), k) int64 table of positions into ``rows``, nearest first, exact.
        ``check`` is called now and then and may raise to stop (a cancelled job)."""
        ...


def _spherize_with(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """(x - mean) / |x - mean| row by row, float32; rows equal to the mean stay zero."""
    centred = np.asarray(x, dtype=np.float32) - mean
    norms = np.sqrt((centred * centred).sum(axis=-1, keepdims=True))
    unit: np.ndarray = np.divide(centred, norms, out=np.zeros_like(centred), where=norms > 0)
    return unit


class ExactNeighbors:
    """Exact neighbours: one index per space over all points, built on first use, and one
    over the last subset of rows asked for (isolation changes rarely; searches repeat)."""

    exact = True

    def __init__(self, source: VectorSource) -> None:
        self._source = source
        self._full: dict[bool, NeighborIndex] = {}
        self._mean: np.ndarray | None = None
        self._subset: tuple[tuple[bytes, bool], NeighborIndex] | None = None

    def _all_rows(self) -> np.ndarray:
        if isinstance(self._source, ArraySource):
            return self._source.array  # no copy for the in-memory source
        return self._source.take(np.arange(self._source.shape[0]))

    def _full_index(self, spherize: bool) -> NeighborIndex:
        if spherize not in self._full:
            self._full[spherize] = NeighborIndex(self._all_rows(), spherized=spherize)
        return self._full[spherize]

    def _mean_of_all(self) -> np.ndarray:
        if self._mean is None and isinstance(self._source, ArraySource):
            self._mean = self._source.array.mean(axis=0, dtype=np.float64).astype(np.float32)
        if self._mean is None:
            total = np.zeros(self._source.shape[1], dtype=np.float64)
            for _start, block in self._source.chunks(65_536):
                total += block.sum(axis=0, dtype=np.float64)
            self._mean = (total / self._source.shape[0]).astype(np.float32)
        return self._mean

    def _subset_index(self, rows: np.ndarray, spherize: bool) -> NeighborIndex:
        key = (rows.tobytes(), spherize)
        if self._subset is None or self._subset[0] != key:
            vectors = self._source.take(rows)
            if spherize:
                vectors = _spherize_with(vectors, self._mean_of_all())
            self._subset = (key, NeighborIndex(vectors))
        return self._subset[1]

    def query(
        self,
        query: int | np.ndarray,
        k: int,
        metric: str,
        *,
        spherize: bool = False,
        rows: np.ndarray | None = None,
    ) -> Found:
        space = "spherized" if spherize else "original"
        if rows is None:
            found = self._full_index(spherize).query(query, k, metric)
            return Found(found.indices.astype(np.int64), found.distances, found.angles_deg,
                         space)  # fmt: skip
        index = self._subset_index(rows, spherize)
        found_local: Neighbors | None = None
        if isinstance(query, int):
            local = int(np.searchsorted(rows, query))
            if local < len(rows) and rows[local] == query:
                found_local = index.query(local, k, metric)
            else:  # a hidden point: ask with its vector (it is not among the rows)
                query = self._source.take(np.array([query]))[0]
        if found_local is None:
            vector = np.asarray(query, dtype=np.float32)
            if spherize:
                vector = _spherize_with(vector, self._mean_of_all())
                if metric.lower() == "cosine" and not vector.any():
                    raise ValueError(
                        "the query equals the mean of the points, so after spherizing it is "
                        "a zero vector and cosine distance is undefined; use 'euclidean'"
                    )
            found_local = index.query(vector, k, metric)
        indices = rows[found_local.indices].astype(np.int64)
        return Found(indices, found_local.distances, found_local.angles_deg, space)

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
        if rows is None:
            vectors = self._all_rows()
            if spherize:
                vectors = spherize_all(vectors)
        else:
            vectors = self._source.take(rows)
            if spherize:
                vectors = _spherize_with(vectors, self._mean_of_all())
        return all_knn(vectors, k, metric, queries, check)
