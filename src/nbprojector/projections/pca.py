"""Exact PCA on every point: covariance in row chunks, then ``eigh``.

Why not sklearn's PCA: its full SVD is unusable past ~10k x 768 and its randomized
solver is 5-10x slower than a D x D covariance + ``eigh`` on this kind of matrix
(N >> D). Chunking keeps the extra memory at one chunk of rows, never a second
N x D copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Rows per chunk when centring; bounds temporary memory to CHUNK_ROWS x D floats.
CHUNK_ROWS = 65_536

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
    mean = x.mean(axis=0, dtype=np.float64)
    mean32 = mean.astype(np.float32)

    # Accumulate the centred scatter matrix chunk by chunk, in float64 for accuracy.
    scatter = np.zeros((d, d), dtype=np.float64)
    for start in range(0, n, CHUNK_ROWS):
        chunk = x[start : start + CHUNK_ROWS] - mean32
        scatter += chunk.T @ chunk
    cov = scatter / max(n - 1, 1)

    eigvals, eigvecs = np.linalg.eigh(cov)
    order = np.argsort(eigvals)[::-1]
    eigvals = np.clip(eigvals[order], 0.0, None)
    eigvecs = eigvecs[:, order[:k]]
    # Deterministic signs: the largest absolute loading of each component is positive.
    flip = np.sign(eigvecs[np.abs(eigvecs).argmax(axis=0), np.arange(k)])
    flip[flip == 0] = 1.0
    eigvecs = eigvecs * flip

    total = float(eigvals.sum())
    ratio = eigvals[:k] / total if total > 0 else np.zeros(k)
    components = eigvecs.T.astype(np.float32)

    scores = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, CHUNK_ROWS):
        chunk = x[start : start + CHUNK_ROWS] - mean32
        scores[start : start + CHUNK_ROWS] = chunk @ components.T
    return PCAResult(scores, ratio.astype(np.float64), components, mean32)
