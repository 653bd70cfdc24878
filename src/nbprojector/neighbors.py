"""Exact k nearest neighbours, cosine and euclidean, in bounded memory.

Why exact and not an approximate index: one query is a single float32 matrix-vector product
over the N x D matrix (100k x 768 in ~10-20 ms), fast enough for clicks, and users compare
the distances they see with their own (TensorBoard's projector is often doubted on this).

How a query runs, one chunk of ``CHUNK_ROWS`` rows at a time (memory stays at one chunk's
scores, never N x N, and no Python loop runs per point):

1. *Screen* (fast, float32): a BLAS matrix-vector product gives every row of the chunk an
   approximate distance together with a rigorous error bound, i.e. an interval [lo, hi]
   that contains the exact distance (see :func:`_gamma` for the bound).
2. *Prune*: a row whose lower bound is above the k-th smallest upper bound of the chunk, or
   above the running k-th best distance, cannot be among the k nearest and is dropped.
   Typically only k plus a handful of rows survive.
3. *Refine* (exact, float64): the survivors' distances are recomputed from their rows,
   rounded to float32 (the type reported), and merged with the running top k by
   (distance, index). Near-ties are therefore ordered correctly and exact ties (duplicate
   points) go to the lower index, deterministically, whatever the chunking or BLAS.

The tolerance is the classic dot-product error bound gamma_D = D u / (1 - D u) with
u = 2**-24 (float32 unit roundoff): about 4.6e-5 for D = 768, relative to |a|^2 + |b|^2 for
euclidean and absolute for cosine. The larger it is, the more rows reach step 3, never a
different result. Data far from the origin compared with its spread (a large common offset)
makes the float32 screen blunt; results stay exact but more rows are refined (slower).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Rows per chunk of a query: bounds the per-query scratch memory to a few vectors of this
#: length (the float32 scores of one chunk), independent of N. Tests monkeypatch it.
CHUNK_ROWS = 65_536

#: Elements (rows x D) per block when building arrays or refining candidates in float64;
#: 2**22 float64 values are 32 MB of scratch.
BLOCK_ELEMENTS = 2**22

METRICS = ("cosine", "euclidean")

_U32 = 2.0**-24  # float32 unit roundoff
_SLACK = 2.0**-20  # relative room for float32 rounding of the reported distances


def most_neighbours(n_points: int) -> int:
    """The most neighbours per point a view option (``fidelity_k``, ``compare_k``) may ask
    for among ``n_points`` points: every other point, and at least 1."""
    return max(1, n_points - 1)


@dataclass(frozen=True)
class Neighbors:
    """The k nearest neighbours of one query, nearest first.

    Attributes:
        indices: (k,) int64 row indices, sorted by distance, ties by lower index.
        distances: (k,) float32; cosine distance (1 - cosine similarity) or euclidean.
        angles_deg: (k,) float32 angle between the query and each neighbour in degrees
            (cosine only, else None).
        metric: "cosine" or "euclidean".
        space: "original" or "spherized": where the distances were computed.
    """

    indices: np.ndarray
    distances: np.ndarray
    angles_deg: np.ndarray | None
    metric: str
    space: str

    def __len__(self) -> int:
        return int(self.indices.size)


def _block_rows(d: int) -> int:
    """Rows per block so that a float64 block of width ``d`` stays near BLOCK_ELEMENTS."""
    return max(1, BLOCK_ELEMENTS // max(d, 1))


def _gamma(d: int) -> float:
    """Bound on the relative rounding error of a length-``d`` float32 dot product.

    |fl(a.b) - a.b| <= gamma_d * |a| |b| for any summation order (Higham, Accuracy and
    Stability of Numerical Algorithms, section 3.1); FMA only tightens it.
    """
    du = d * _U32
    return du / (1.0 - du) if du < 0.5 else 1.0


def _row_norms(x: np.ndarray) -> np.ndarray:
    """Euclidean norms of the rows of a float32 block, computed row by row.

    ``(x * x).sum(axis=1)`` reduces each row with the same pairwise order, so identical rows
    get bit-identical norms (which keeps duplicate points exact duplicates after spherizing).
    """
    return np.sqrt((x * x).sum(axis=1))


def _inverse(norms: np.ndarray) -> np.ndarray:
    """1 / norms, with 0 for zero norms (so zero vectors stay zero rather than NaN)."""
    return np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)


def _as_matrix(vectors: np.ndarray) -> np.ndarray:
    x = np.asarray(vectors)
    if x.ndim != 2:
        raise ValueError(f"expected a 2-D (N, D) matrix of vectors, got shape {x.shape}")
    if x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"expected at least one point and one dimension, got shape {x.shape}")
    if not (np.issubdtype(x.dtype, np.number) and not np.iscomplexobj(x)):
        raise ValueError(f"expected a real-valued numeric matrix, got dtype {x.dtype}")
    # No copy when the caller already passes C-contiguous float32 (the Dataset does).
    return np.ascontiguousarray(x, dtype=np.float32)


def _spherize_rows(x: np.ndarray, mean: np.ndarray, out: np.ndarray) -> None:
    """Write (x - mean) / |x - mean| into ``out`` (zero rows stay zero), in blocks."""
    step = _block_rows(x.shape[1])
    for start in range(0, x.shape[0], step):
        block = np.subtract(x[start : start + step], mean, out=out[start : start + step])
        block *= _inverse(_row_norms(block))[:, None]


def _spherize_with_mean(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = _as_matrix(vectors)
    total = np.zeros(x.shape[1], dtype=np.float64)  # float64 sum: the mean of 1M rows is exact
    step = _block_rows(x.shape[1])
    for start in range(0, x.shape[0], step):
        total += x[start : start + step].sum(axis=0, dtype=np.float64)
    mean = (total / x.shape[0]).astype(np.float32)
    out = np.empty_like(x)
    _spherize_rows(x, mean, out)
    return out, mean


def spherize(vectors: np.ndarray) -> np.ndarray:
    """Centre ``vectors`` on their mean and scale every row to unit norm.

    Args:
        vectors: (N, D) real matrix.

    Returns:
        A new (N, D) float32 matrix. Rows equal to the mean (zero after centring) stay zero
        instead of becoming NaN.
    """
    return _spherize_with_mean(vectors)[0]


class NeighborIndex:
    """Exact nearest-neighbour search over one (N, D) matrix.

    Memory: the index keeps a reference to ``vectors`` (no copy when it is C-contiguous
    float32), their squared norms (N float32), and at most ONE extra N x D float32 array:

    * ``spherized=False``: the unit-normalised rows, built lazily on the first cosine query
      (euclidean-only use never pays for it);
    * ``spherized=True``: the spherized rows, built at once; they are already unit norm, so
      they serve cosine queries as well and nothing else is built.

    The caller must not modify ``vectors`` in place afterwards.

    Args:
        vectors: (N, D) real matrix with finite values.
        spherized: search in the spherized space (centred on the mean, unit rows) instead
            of the original one. Query vectors are then spherized with the same mean.
    """

    def __init__(self, vectors: np.ndarray, *, spherized: bool = False) -> None:
        self._mean: np.ndarray | None = None
        self._unit: np.ndarray | None = None
        if spherized:
            self._base, self._mean = _spherize_with_mean(vectors)
            self._unit = self._base
        else:
            self._base = _as_matrix(vectors)
        self.space = "spherized" if spherized else "original"
        n, d = self._base.shape
        self._sq_norms = np.empty(n, dtype=np.float32)
        step = _block_rows(d)
        for start in range(0, n, step):
            block = self._base[start : start + step]
            self._sq_norms[start : start + step] = np.einsum("ij,ij->i", block, block)
        if not np.isfinite(self._sq_norms).all():
            bad = int(np.flatnonzero(~np.isfinite(self._sq_norms))[0])
            raise ValueError(
                f"row {bad} of the vectors contains NaN or infinite values (or values too "
                "large to square in float32); remove or fix such rows first"
            )

    @property
    def shape(self) -> tuple[int, int]:
        """(N, D) of the indexed matrix."""
        return self._base.shape

    def _unit_rows(self) -> np.ndarray:
        """The unit-normalised rows (zero rows stay zero); built on first use."""
        if self._unit is None:
            unit = np.empty_like(self._base)
            step = _block_rows(self._base.shape[1])
            for start in range(0, self._base.shape[0], step):
                inverse = _inverse(np.sqrt(self._sq_norms[start : start + step]))
                np.multiply(
                    self._base[start : start + step],
                    inverse[:, None],
                    out=unit[start : start + step],
                )
            self._unit = unit
        return self._unit

    # ---- validation ---------------------------------------------------------------------

    def _check_index(self, value: object, what: str) -> int:
        n = self._base.shape[0]
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"{what} must be an integer row index, got {type(value).__name__}")
        i = int(value)
        if not 0 <= i < n:
            raise IndexError(f"{what} index {i} is out of range: there are {n} points (0..{n - 1})")
        return i

    def _query_vector(self, query: object) -> np.ndarray:
        q = np.asarray(query)
        d = self._base.shape[1]
        if not np.issubdtype(q.dtype, np.number) or np.iscomplexobj(q):
            raise ValueError(f"query vector must be real numbers, got dtype {q.dtype}")
        if q.ndim != 1:
            raise ValueError(f"query vector must be 1-D of length {d}, got shape {q.shape}")
        if q.shape[0] != d:
            raise ValueError(
                f"query vector has length {q.shape[0]} but the vectors have dimension {d}"
            )
        q = q.astype(np.float32)
        if not np.isfinite(q).all():
            raise ValueError("query vector contains NaN or infinite values")
        if self._mean is not None:
            # Same code path as the indexed rows, so a copy of row i lands exactly on row i.
            out = np.empty((1, d), dtype=np.float32)
            _spherize_rows(q[None, :], self._mean, out)
            q = out[0]
        return q

    # ---- search -------------------------------------------------------------------------

    def query(
        self,
        query: int | np.ndarray,
        k: int = 100,
        metric: str = "cosine",
        exclude: int | None = None,
    ) -> Neighbors:
        """Return the ``k`` nearest points to ``query``.

        Args:
            query: a row index (that point itself is left out of the result) or a vector
                of length D in the original space (spherized here when the index is).
            k: how many neighbours; more than there are points returns all of them.
            metric: "cosine" (1 - cosine similarity, plus the angle) or "euclidean".
            exclude: one more row index to leave out (e.g. the point a vector came from).

        Returns:
            :class:`Neighbors`, nearest first, ties broken by lower index.

        Raises:
            ValueError: bad ``k``, ``metric`` or query vector; a zero query vector with
                cosine (its direction is undefined). Zero *rows* get cosine similarity 0.
            IndexError / TypeError: a bad row index.
        """
        if not isinstance(metric, str) or metric.lower() not in METRICS:
            choices = ", ".join(map(repr, METRICS))
            raise ValueError(f"metric must be one of {choices}; got {metric!r}")
        metric = metric.lower()
        if isinstance(k, bool) or not isinstance(k, int | np.integer):
            raise TypeError(f"k must be an integer, got {type(k).__name__}")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")

        excluded: set[int] = set()
        if isinstance(query, int | np.integer) and not isinstance(query, bool):
            i = self._check_index(query, "query")
            q = self._base[i]
            excluded.add(i)
        else:
            q = self._query_vector(query)
        if exclude is not None:
            excluded.add(self._check_index(exclude, "exclude"))
        k = min(int(k), self._base.shape[0] - len(excluded))

        q64 = q.astype(np.float64)
        qq = float(q64 @ q64)
        if metric == "cosine":
            if qq == 0.0:
                raise ValueError(
                    "the query is a zero vector"
                    + (" after spherizing (it equals the mean)" if self._mean is not None else "")
                    + ": cosine distance is undefined; use metric='euclidean'"
                )
            unit = self._unit_rows()
            q_unit = (q64 / np.sqrt(qq)).astype(np.float32)
            # |error| <= gamma_D (matmul) + a few ulps from normalising rows and query.
            tol = _gamma(q.size) + 16 * _U32

            def screen(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
                approx = 1.0 - (unit[start:stop] @ q_unit).astype(np.float64)
                return approx - tol, approx + tol

            def exact(rows: np.ndarray) -> np.ndarray:
                return 1.0 - self._exact_cos(rows, q64, qq)
        else:
            base, sq_norms = self._base, self._sq_norms
            # Squared norms (float32) and the dot product each err by <= gamma_D, relative.
            tol = 2.0 * _gamma(q.size) + 16 * _U32

            def screen(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
                norms = sq_norms[start:stop].astype(np.float64)
                d2 = norms + qq - 2.0 * (base[start:stop] @ q).astype(np.float64)
                margin = tol * (norms + qq)
                lo = np.sqrt(np.maximum(d2 - margin, 0.0))
                return lo, np.sqrt(np.maximum(d2 + margin, 0.0))

            def exact(rows: np.ndarray) -> np.ndarray:
                return self._exact_euclidean(rows, q64)

        indices, distances = _top_k(self._base.shape[0], k, excluded, screen, exact)
        angles = None
        if metric == "cosine":
            cos = self._exact_cos(indices, q64, qq)
            angles = np.degrees(np.arccos(cos)).astype(np.float32)
        return Neighbors(indices, distances, angles, metric, self.space)

    def _exact_cos(self, rows: np.ndarray, q64: np.ndarray, qq: float) -> np.ndarray:
        """Cosine similarity of ``rows`` to the query, in float64, clipped to [-1, 1] so that
        distances are never negative from rounding; zero rows give 0."""
        out = np.empty(rows.size, dtype=np.float64)
        step = _block_rows(self._base.shape[1])
        for start in range(0, rows.size, step):
            a = self._base[rows[start : start + step]].astype(np.float64)
            # Row-wise sums: identical rows give bit-identical results (exact ties stay ties).
            dots, nn = (a * q64).sum(axis=1), (a * a).sum(axis=1)
            denom = np.sqrt(nn * qq)  # sqrt(x*x) == x, so a copy of the query gets exactly 1
            out[start : start + step] = np.divide(
                dots, denom, out=np.zeros_like(dots), where=denom > 0
            )
        return np.clip(out, -1.0, 1.0, out=out)

    def _exact_euclidean(self, rows: np.ndarray, q64: np.ndarray) -> np.ndarray:
        """Euclidean distance of ``rows`` to the query, from differences, in float64."""
        out = np.empty(rows.size, dtype=np.float64)
        step = _block_rows(self._base.shape[1])
        for start in range(0, rows.size, step):
            diff = self._base[rows[start : start + step]].astype(np.float64) - q64
            out[start : start + step] = np.sqrt((diff * diff).sum(axis=1))
        return out


def _top_k(
    n: int,
    k: int,
    excluded: set[int],
    screen: Callable[[int, int], tuple[np.ndarray, np.ndarray]],
    exact: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Chunked screen / prune / refine loop (see the module docstring).

    ``screen(start, stop)`` returns float64 bounds (lo, hi) on each row's exact distance;
    ``exact(rows)`` returns the float64 distances. Returns (int64 indices, float32
    distances) sorted by (distance, index).
    """
    best_idx = np.empty(0, dtype=np.int64)
    best_d = np.empty(0, dtype=np.float32)
    if k <= 0:
        return best_idx, best_d
    for start in range(0, n, CHUNK_ROWS):
        stop = min(n, start + CHUNK_ROWS)
        lo, hi = screen(start, stop)
        local_ex = np.array([e - start for e in excluded if start <= e < stop], dtype=np.int64)
        hi[local_ex] = np.inf
        kc = min(k, stop - start - local_ex.size)
        if kc <= 0:
            continue
        # Rows above the chunk's k-th upper bound are beaten by k rows of the chunk; the
        # slack keeps rows whose float32-rounded distance could still tie it.
        kth_hi = np.partition(hi, kc - 1)[kc - 1]
        keep = lo <= kth_hi * (1.0 + _SLACK)
        if best_idx.size == k:
            # Every row here has a higher index than the running best, so it must be
            # strictly nearer than the running k-th to enter.
            keep &= lo < float(best_d[-1]) * (1.0 + _SLACK)
        keep[local_ex] = False
        rows = np.flatnonzero(keep) + start
        if rows.size == 0:
            continue
        dist = exact(rows).astype(np.float32)
        all_idx = np.concatenate([best_idx, rows])
        all_d = np.concatenate([best_d, dist])
        order = np.lexsort((all_idx, all_d))[:k]  # by distance, then index
        best_idx, best_d = all_idx[order], all_d[order]
    return best_idx, best_d
