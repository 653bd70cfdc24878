"""Exact PCA on every point: covariance in row chunks, then ``eigh``.

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
        scores: (N, k) float32, the points on the components.
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


def _scatter(x: np.ndarray, shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
    # Centre on a shift close to the mean: the mean of the first rows. When the data sit
    # close to the origin compared with their spread (most embeddings), one float32 matrix
    # product of the raw rows, corrected by the mean afterwards, is exact enough and is the
    # fastest way; otherwise the rows minus the shift go into the product, chunk by chunk,
    # so that a large offset costs no precision.
    probe = x[:SHIFT_ROWS].astype(np.float64)
    shift64 = probe.mean(axis=0)
    spread = probe.std(axis=0)
    offset_ratio = np.abs(shift64) / np.where(spread > 0, spread, np.inf)
    offset_ratio[(spread == 0) & (shift64 != 0)] = np.inf
    shift = np.zeros(d, np.float32) if offset_ratio.max() <= MAX_RAW_OFFSET else shift64
    shift = shift.astype(np.float32)
    scatter, total = _scatter(x, shift)
    offset = total / n  # mean - shift
    mean = shift.astype(np.float64) + offset
    cov = (scatter - n * np.outer(offset, offset)) / max(n - 1, 1)
    mean32 = mean.astype(np.float32)

    eigvals, eigvecs = np.linalg.eigh(cov)
    order = np.argsort(eigvals)[::-1]
    eigvals = np.clip(eigvals[order], 0.0, None)
    eigvecs = eigvecs[:, order[:k]]
    # Deterministic signs: the largest absolute loading of each component is positive.
    flip = np.sign(eigvecs[np.abs(eigvecs).argmax(axis=0), np.arange(k)])
    flip[flip == 0] = 1.0
    eigvecs = eigvecs * flip

    variance = float(eigvals.sum())
    ratio = eigvals[:k] / variance if variance > 0 else np.zeros(k)
    components = eigvecs.T.astype(np.float32)

    # Scores of the data minus the shift, corrected by the offset's projection.
    scores = np.empty((n, k), dtype=np.float32)
    correction = (offset @ eigvecs).astype(np.float32)
    buffer = np.empty((min(CHUNK_ROWS, n), d), dtype=np.float32) if shift.any() else None
    for start in range(0, n, CHUNK_ROWS):
        chunk = _minus(x[start : start + CHUNK_ROWS], shift, buffer)
        np.matmul(chunk, components.T, out=scores[start : start + CHUNK_ROWS])
    scores -= correction
    return PCAResult(scores, ratio.astype(np.float64), components, mean32)
