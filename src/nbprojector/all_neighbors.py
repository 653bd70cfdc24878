"""Exact k nearest neighbours of many points at once, in bounded memory.

:mod:`nbprojector.neighbors` answers one query with a matrix-vector product; asking it for
every point of 100k would take 100k such passes. Here a block of queries is compared with
a chunk of rows in one float32 matrix-matrix product (memory: one block x chunk of scores,
never N x N), each query keeps its ``k + EXTRA`` best candidates by that screen, and the
candidates are then refined in float64 and ordered by (distance, index), as
:class:`~nbprojector.neighbors.NeighborIndex` orders them.

Why the result is exact: every row that was not kept as a candidate screened at least as
far as the last candidate kept. A query's answer is accepted when its refined k-th
distance is below that screen value minus the float32 error bound (the same bound as
:mod:`nbprojector.neighbors`); the rare query where it is not (near-ties at the edge of
the screen) is asked again of a :class:`~nbprojector.neighbors.NeighborIndex`, which is
exact for every query.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .neighbors import METRICS, NeighborIndex, _gamma

#: Queries compared with the rows at once; scores use QUERY_BLOCK x ROW_CHUNK float32.
QUERY_BLOCK = 256
ROW_CHUNK = 16_384
#: Candidates kept beyond k per query, so that near-ties at the k-th are settled exactly.
EXTRA = 8

_U32 = 2.0**-24


def all_knn(
    vectors: np.ndarray,
    k: int,
    metric: str,
    queries: np.ndarray | None = None,
    check: Callable[[], object] | None = None,
) -> np.ndarray:
    """The ``k`` nearest rows of ``vectors`` to each query row (itself left out).

    Args:
        vectors: (N, D) finite float32 matrix (already spherized when that space is wanted).
        k: neighbours per query, 1 <= k < N.
        metric: "cosine" or "euclidean".
        queries: row indices to answer for (default: every row).
        check: called between blocks of queries; a background job's cancellation point
            (it raises to stop).

    Returns:
        (len(queries), k) int64 row indices, nearest first, ties by lower index.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(map(repr, METRICS))}; got {metric!r}")
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    n, d = x.shape
    if not 1 <= k < n:
        raise ValueError(f"k must be between 1 and {n - 1} (the number of other points), got {k}")
    rows = np.arange(n, dtype=np.int64) if queries is None else np.asarray(queries, np.int64)
    if metric == "cosine":
        norms = np.sqrt(np.einsum("ij,ij->i", x, x))
        inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        base = x * inverse[:, None]  # unit rows; zero rows stay zero (similarity 0)
        sq = np.zeros(n, dtype=np.float32)
    else:
        base = x
        sq = np.einsum("ij,ij->i", x, x)
    index: NeighborIndex | None = None
    out = np.empty((rows.size, k), dtype=np.int64)
    for start in range(0, rows.size, QUERY_BLOCK):
        if check is not None:
            check()
        block = rows[start : start + QUERY_BLOCK]
        found, settled = _block_knn(x, base, sq, block, k, metric, d)
        out[start : start + block.size] = found
        for i in np.flatnonzero(~settled):  # rare: near-ties at the screen's edge
            index = index if index is not None else NeighborIndex(x)
            out[start + i] = index.query(int(block[i]), k, metric).indices
    return out


def _block_knn(
    x: np.ndarray, base: np.ndarray, sq: np.ndarray, block: np.ndarray, k: int, metric: str,
    d: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Screen every row for one block of queries, refine the candidates; returns the
    (B, k) answers and, per query, whether the screen proves them exact."""
    n = base.shape[0]
    keep = min(k + EXTRA, n - 1)
    q = base[block]
    qsq = sq[block].astype(np.float64)
    b = block.size
    cand = np.empty((b, 0), dtype=np.int64)
    cand_score = np.empty((b, 0), dtype=np.float32)
    for start in range(0, n, ROW_CHUNK):
        stop = min(n, start + ROW_CHUNK)
        scores = q @ base[start:stop].T  # similarity (cosine) or dot product
        if metric == "cosine":
            scores = 1.0 - scores
        else:
            scores = sq[start:stop][None, :] + sq[block][:, None] - 2.0 * scores
        own = (block >= start) & (block < stop)
        scores[np.flatnonzero(own), block[own] - start] = np.inf  # a point is not its neighbour
        take = min(keep, stop - start)
        part = np.argpartition(scores, take - 1, axis=1)[:, :take]
        cand = np.concatenate([cand, part + start], axis=1)
        cand_score = np.concatenate([cand_score, np.take_along_axis(scores, part, 1)], axis=1)
        if cand.shape[1] > keep:
            best = np.argpartition(cand_score, keep - 1, axis=1)[:, :keep]
            cand = np.take_along_axis(cand, best, 1)
            cand_score = np.take_along_axis(cand_score, best, 1)
    # Exact distances of the candidates, in float64 (squared for euclidean: same order).
    rows64 = x[cand].astype(np.float64)  # (B, keep, D): a few MB per block
    q64 = x[block].astype(np.float64)[:, None, :]
    if metric == "cosine":
        dots = np.einsum("bkd,bkd->bk", rows64, np.broadcast_to(q64, rows64.shape))
        root = np.sqrt(np.einsum("bkd,bkd->bk", rows64, rows64) * (q64[:, :, :] ** 2).sum(-1))
        cos = np.divide(dots, root, out=np.zeros_like(dots), where=root > 0)
        exact = 1.0 - np.clip(cos, -1.0, 1.0)
    else:
        diff = rows64 - q64
        exact = np.einsum("bkd,bkd->bk", diff, diff)
    order = np.lexsort((cand, exact), axis=1)[:, :k]
    found = np.take_along_axis(cand, order, 1)
    kth = np.take_along_axis(exact, order[:, -1:], 1)[:, 0]
    # Every row left out screened at or above the largest candidate score kept.
    edge = cand_score.max(axis=1).astype(np.float64)
    if metric == "cosine":
        tol = _gamma(d) + 16 * _U32
        settled = kth < edge - tol
    else:
        tol = 2.0 * _gamma(d) + 16 * _U32
        margin = tol * (float(sq.max()) + qsq)
        settled = kth < edge - 2 * margin
    if keep >= n - 1:  # every other row is a candidate: nothing was left out
        settled[:] = True
    return found, settled


def shared_counts(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row, how many indices rows of ``a`` and ``b`` have in common (each row of each
    holds distinct indices). Sorting the two rows together puts every shared index next to
    its twin, so counting equal neighbours counts them, with no loop over rows."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"expected the same number of rows, got {a.shape[0]} and {b.shape[0]}")
    both = np.sort(np.concatenate([a, b], axis=1), axis=1)
    counts: np.ndarray = (both[:, 1:] == both[:, :-1]).sum(axis=1)
    return counts
