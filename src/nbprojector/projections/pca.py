"""Exact PCA on every point: covariance in row chunks, then ``eigh`` (the Gram matrix when D > N).

Why not sklearn's PCA: its full SVD is unusable past ~10k x 768 and its randomized
solver is 5-10x slower than a D x D covariance + ``eigh`` on this kind of matrix
(N >> D). Chunking keeps the extra memory at one chunk of rows, never a second
N x D copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Rows per chunk: bounds temporary memory to CHUNK_ROWS x D floats, and the rows a float32
#: matrix product sums before the float64 accumulation takes over.
CHUNK_ROWS = 32_768

#: Rows whose mean is the shift the data is centred on (see :func:`pca`).
SHIFT_ROWS = 4_096

#: Largest |mean| / std of a column (estimated on the first rows) for which the raw rows go
#: into the float32 product uncentred: the covariance's relative error grows with the square
#: of this ratio times float32's 6e-8, so 10 keeps it near 1e-5.
MAX_RAW_OFFSET = 10.0

#: The projections panel offers at most this many components (TensorBoard does the same).
MAX_COMPONENTS = 10


@dataclass(frozen=True)
class PCAResult:
    """Top principal components of a matrix.

    Attributes:
        scores: (N, k) float32, the points on the components (for data so large that
            they would exceed float32's range, divided by a power of two).
        explained_variance_ratio: (k,) share of the total variance each component explains.
        components: (k, D) float32, unit principal axes (rows).
        mean: (D,) float32, the mean that was subtracted.
    """

    scores: np.ndarray
    explained_variance_ratio: np.ndarray
    components: np.ndarray
    mean: np.ndarray


def _minus(rows: np.ndarray, shift: np.ndarray, buffer: np.ndarray | None) -> np.ndarray:
    """``rows - shift`` into a reused buffer (fresh arrays would page-fault on every chunk),
    or the rows themselves when there is no shift."""
    if buffer is None:
        return rows
    out = buffer[: len(rows)]
    np.subtract(rows, shift, out=out)
    return out


def scatter_of(x: np.ndarray, shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum over rows of (x - shift)^T (x - shift), and of (x - shift), in float64."""
    n, d = x.shape
    scatter = np.zeros((d, d), dtype=np.float64)
    total = np.zeros(d, dtype=np.float64)
    ones = np.ones((1, min(CHUNK_ROWS, n)), dtype=np.float32)
    buffer = np.empty((min(CHUNK_ROWS, n), d), dtype=np.float32) if shift.any() else None
    for start in range(0, n, CHUNK_ROWS):
        chunk = _minus(x[start : start + CHUNK_ROWS], shift, buffer)
        scatter += chunk.T @ chunk
        total += (ones[:, : len(chunk)] @ chunk)[0]
    return scatter, total


def pca(vectors: np.ndarray, n_components: int = MAX_COMPONENTS) -> PCAResult:
    """Compute the top ``n_components`` principal components of ``vectors``.

    A matrix with more dimensions than points (D > N) goes through the N x N Gram matrix
    instead of the D x D covariance: the same components (up to sign), in O(N^2 + N D)
    memory. Finite values whose squares exceed float32's range are scaled by a power of
    two first (exact), so huge but finite data never turns into NaN.

    Args:
        vectors: (N, D) float matrix; float32 is used as is, anything else converted.
        n_components: how many components to keep; capped at min(D, N).

    Returns:
        A :class:`PCAResult`. Signs are fixed so that each component's largest
        loading is positive, which makes results deterministic across runs.
    """
    x = np.asarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"pca expects a 2-D matrix, got shape {x.shape}")
    n, d = x.shape
    k = max(1, min(n_components, d, n))
    if d > n:
        return _gram_pca(x, k)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # detected below, then redone
            return _covariance_pca(x, k)
    except _Float32Overflow:
        pass
    # float32 products overflowed (values beyond ~1e17 squared and summed): run on the data
    # scaled by a power of two, which changes no digit, and scale the scores back.
    exponent = int(np.frexp(_max_abs(x))[1])
    scaled = _covariance_pca(np.ldexp(x, -exponent).astype(np.float32), k)
    scores = scaled.scores.astype(np.float64) * 2.0**exponent
    return PCAResult(
        _fit_float32(scores), scaled.explained_variance_ratio, scaled.components,
        (scaled.mean.astype(np.float64) * 2.0**exponent).astype(np.float32),
    )  # fmt: skip


class _Float32Overflow(ArithmeticError):
    """A float32 product of the covariance path exceeded float32's range."""


def _max_abs(x: np.ndarray) -> float:
    return max(float(np.abs(x[s : s + CHUNK_ROWS]).max()) for s in range(0, len(x), CHUNK_ROWS))


def _fit_float32(scores: np.ndarray) -> np.ndarray:
    """float64 scores as float32; if they exceed float32's range (data near 3e38), divided
    by a power of two so that they fit: the layout's shape is kept, only its unit changes."""
    largest = float(np.abs(scores).max()) if scores.size else 0.0
    if largest > _SCORE_LIMIT:
        scores = np.ldexp(scores, -int(np.frexp(largest / _SCORE_LIMIT)[1]))
    return scores.astype(np.float32)


#: Largest score kept in its own unit; beyond it scores are scaled down (see _fit_float32),
#: leaving room for the view to centre and scale them in float32.
_SCORE_LIMIT = 2.0**120

#: float64 bytes of one column block of the Gram path (bounds its temporary memory).
_GRAM_BLOCK_BYTES = 64 << 20


def _fix_signs(vectors: np.ndarray) -> np.ndarray:
    """+1 / -1 per row of ``vectors`` (k, D) so that its largest absolute entry is positive."""
    flip = np.sign(vectors[np.arange(len(vectors)), np.abs(vectors).argmax(axis=1)])
    flip[flip == 0] = 1.0
    return flip


def _gram_pca(x: np.ndarray, k: int) -> PCAResult:
    """PCA of a wide matrix (D > N) from the N x N Gram matrix of the centred rows.

    With the centred data Xc = U S V^T, Xc Xc^T = U S^2 U^T: its eigenvectors give the
    scores (U S) and the components (V = Xc^T U / S) exactly. Everything is float64, one
    block of columns at a time, so memory is the Gram matrix plus one block.
    """
    n, d = x.shape
    columns = max(1, _GRAM_BLOCK_BYTES // (8 * n))
    mean = np.empty(d, dtype=np.float64)
    gram = np.zeros((n, n), dtype=np.float64)
    for start in range(0, d, columns):
        block = x[:, start : start + columns].astype(np.float64)
        mean[start : start + columns] = block.mean(axis=0)
        block -= mean[start : start + columns]
        gram += block @ block.T
    eigvals, eigvecs = np.linalg.eigh(gram)
    order = np.argsort(eigvals)[::-1]
    eigvals = np.clip(eigvals[order], 0.0, None)
    u = eigvecs[:, order[:k]]
    singular = np.sqrt(eigvals[:k])
    # Components with (numerically) zero variance have no direction in the data: any unit
    # vector orthogonal to the others will do (their scores are zero).
    real = singular > singular[0] * 1e-10 if singular[0] > 0 else np.zeros(k, dtype=bool)
    components = np.zeros((k, d), dtype=np.float64)
    for start in range(0, d, columns):
        block = x[:, start : start + columns].astype(np.float64)
        block -= mean[start : start + columns]
        components[real, start : start + columns] = (u[:, real].T @ block) / singular[real, None]
    _complete_basis(components, real)
    flip = _fix_signs(components)
    components *= flip[:, None]
    scores = u * np.where(real, singular, 0.0) * flip
    variance = float(eigvals.sum())
    ratio = eigvals[:k] / variance if variance > 0 else np.zeros(k)
    return PCAResult(
        _fit_float32(scores), ratio.astype(np.float64), components.astype(np.float32),
        mean.astype(np.float32),
    )  # fmt: skip


def _complete_basis(components: np.ndarray, real: np.ndarray) -> None:
    """Fill the rows of ``components`` not marked ``real`` with unit vectors orthogonal to
    every other row (Gram-Schmidt on coordinate axes), in place."""
    axis = 0
    for row in np.flatnonzero(~real):
        while True:
            candidate = np.zeros(components.shape[1])
            candidate[axis] = 1.0
            axis += 1
            done = components[np.arange(len(components)) != row]
            for _ in range(2):  # twice: orthogonal to working precision
                candidate -= done.T @ (done @ candidate)
            norm = np.linalg.norm(candidate)
            if norm > 1e-3:
                components[row] = candidate / norm
                break


def choose_shift(probe: np.ndarray) -> np.ndarray:
    """The float32 point the rows are centred on before the float32 products (from the
    first rows, ``probe``): zero when the data sit close to the origin compared with their
    spread, else the probe's mean.

    When the data sit close to the origin (most embeddings), one float32 matrix product of
    the raw rows, corrected by the mean afterwards, is exact enough and is the fastest way;
    otherwise the rows minus the shift go into the product, chunk by chunk, so that a large
    offset costs no precision.
    """
    probe = probe[:SHIFT_ROWS].astype(np.float64)
    shift64 = probe.mean(axis=0)
    spread = probe.std(axis=0)
    offset_ratio = np.abs(shift64) / np.where(spread > 0, spread, np.inf)
    offset_ratio[(spread == 0) & (shift64 != 0)] = np.inf
    if offset_ratio.max() <= MAX_RAW_OFFSET:
        return np.zeros(probe.shape[1], np.float32)
    return shift64.astype(np.float32)


@dataclass(frozen=True)
class Axes:
    """The principal axes found from the scatter of the rows minus a shift.

    Attributes:
        components: (k, D) float32 unit axes, signs fixed.
        ratio: (k,) share of the total variance of each.
        mean: (D,) float32 mean of the rows.
        correction: (k,) float32, subtracted from ``(rows - shift) @ components.T`` to
            give the scores of the rows centred on their mean.
    """

    components: np.ndarray
    ratio: np.ndarray
    mean: np.ndarray
    correction: np.ndarray


def axes_from_scatter(
    scatter: np.ndarray, total: np.ndarray, n: int, shift: np.ndarray, k: int
) -> Axes:
    """Principal axes from the float64 sums over ``n`` rows of (x - shift)^T (x - shift)
    (``scatter``) and of (x - shift) (``total``): covariance, ``eigh``, signs fixed.

    Raises :class:`_Float32Overflow` when the covariance is not finite."""
    offset = total / n  # mean - shift
    mean = shift.astype(np.float64) + offset
    cov = (scatter - n * np.outer(offset, offset)) / max(n - 1, 1)
    if not np.isfinite(cov).all():
        raise _Float32Overflow
    eigvals, eigvecs = np.linalg.eigh(cov)
    order = np.argsort(eigvals)[::-1]
    eigvals = np.clip(eigvals[order], 0.0, None)
    eigvecs = eigvecs[:, order[:k]]
    # Deterministic signs: the largest absolute loading of each component is positive.
    eigvecs = eigvecs * _fix_signs(eigvecs.T)
    variance = float(eigvals.sum())
    ratio = eigvals[:k] / variance if variance > 0 else np.zeros(k)
    correction = (offset @ eigvecs).astype(np.float32)
    return Axes(eigvecs.T.astype(np.float32), ratio.astype(np.float64),
                mean.astype(np.float32), correction)  # fmt: skip


def scores_of(rows: np.ndarray, shift: np.ndarray, axes: Axes, out: np.ndarray) -> None:
    """Write the scores of ``rows`` (float32, centred on the data's mean) into ``out``,
    chunk by chunk."""
    n, d = rows.shape
    buffer = np.empty((min(CHUNK_ROWS, n), d), dtype=np.float32) if shift.any() else None
    for start in range(0, n, CHUNK_ROWS):
        chunk = _minus(rows[start : start + CHUNK_ROWS], shift, buffer)
        np.matmul(chunk, axes.components.T, out=out[start : start + CHUNK_ROWS])
    out -= axes.correction


def _covariance_pca(x: np.ndarray, k: int) -> PCAResult:
    """PCA of a tall matrix (N >= D) from its D x D covariance."""
    n, _d = x.shape
    shift = choose_shift(x[:SHIFT_ROWS])
    scatter, total = scatter_of(x, shift)
    axes = axes_from_scatter(scatter, total, n, shift, k)
    # Scores of the data minus the shift, corrected by the offset's projection.
    scores = np.empty((n, k), dtype=np.float32)
    scores_of(x, shift, axes, scores)
    if not np.isfinite(scores).all():
        raise _Float32Overflow
    return PCAResult(scores, axes.ratio, axes.components, axes.mean)
