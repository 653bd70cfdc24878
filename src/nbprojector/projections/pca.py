"""Exact PCA on every point: covariance in row chunks, then ``eigh``.

Why not sklearn's PCA: its full SVD is unusable past ~10k x 768 and its randomized
solver is 5-10x slower than a D x D covariance + ``eigh`` on this kind of matrix
(N >> D). Chunking keeps the extra memory at one chunk of rows, never a second
N x D copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg.blas import ssyrk

#: Rows per chunk; bounds temporary memory to CHUNK_ROWS x D floats and keeps a chunk
#: near the CPU's caches between the subtraction and the matrix product.
CHUNK_ROWS = 8_192

#: Rows whose mean is the shift the data is centred on (see :func:`pca`).
SHIFT_ROWS = 4_096

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
    # Centre on a shift close to the mean (the mean of the first rows) rather than the mean
    # itself: that needs no separate pass over the data, and as the data minus the shift is
    # near zero on average, float32 products lose no precision to a large offset. The exact
    # mean comes out of the same pass, and the covariance is corrected for the difference.
    shift = x[:SHIFT_ROWS].mean(axis=0, dtype=np.float64).astype(np.float32)
    scatter = np.zeros((d, d), dtype=np.float64)
    total = np.zeros(d, dtype=np.float64)
    ones = np.ones((1, CHUNK_ROWS), dtype=np.float32)
    for start in range(0, n, CHUNK_ROWS):
        chunk = x[start : start + CHUNK_ROWS] - shift
        # syrk: chunk.T @ chunk at half a matrix product's cost (upper triangle only).
        # chunk.T is Fortran-ordered, which BLAS takes without a copy.
        scatter += ssyrk(1.0, chunk.T, trans=0, lower=0)
        total += (ones[:, : len(chunk)] @ chunk)[0]
    scatter = np.triu(scatter) + np.triu(scatter, 1).T
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

    # Scores of the data minus the shift, corrected by the (small) offset's projection.
    scores = np.empty((n, k), dtype=np.float32)
    correction = (offset @ eigvecs).astype(np.float32)
    for start in range(0, n, CHUNK_ROWS):
        chunk = x[start : start + CHUNK_ROWS] - shift
        scores[start : start + CHUNK_ROWS] = chunk @ components.T - correction
    return PCAResult(scores, ratio.astype(np.float64), components, mean32)
