"""Aligning one layout to another, so that switching embeddings keeps the map still.

Two layouts of the same points (two checkpoints of a model, two models) are free to come
out rotated, mirrored or scaled against each other: PCA's axes have arbitrary signs and
order, a custom projection's units depend on the embedding. :func:`procrustes_align` finds
the rotation (or reflection), uniform scale and shift that bring a new layout closest to the
previous one in the least-squares sense (orthogonal Procrustes, ``scipy.linalg``), so that
what remains of the movement is what really changed between the embeddings.

t-SNE and UMAP are not aligned after the fact: they start from the previous layout instead
(:func:`initial_layout`), so points move only as far as their neighbourhoods changed.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import orthogonal_procrustes


def procrustes_align(coords: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``coords`` rotated or reflected, uniformly scaled and shifted to lie as close as
    possible to ``reference`` (both (N, k), the same points in the same order).

    Returns a new float32 (N, k) array; the shape of ``coords`` (distances up to one scale)
    is kept exactly. A layout with no spread (one point, or all points equal) is only
    shifted onto the reference's centre.

    Raises:
        ValueError: the two shapes differ, or either holds NaN or infinite values.
    """
    x = np.asarray(coords, dtype=np.float64)
    y = np.asarray(reference, dtype=np.float64)
    if x.ndim != 2 or x.shape != y.shape:
        raise ValueError(
            f"cannot align a layout of shape {x.shape} to one of shape {y.shape}: both must "
            "be (N, k) layouts of the same points"
        )
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("cannot align layouts that hold NaN or infinite coordinates")
    x_centre, y_centre = x.mean(axis=0), y.mean(axis=0)
    xc, yc = x - x_centre, y - y_centre
    spread = float(np.sum(xc * xc))
    if spread == 0.0 or not np.any(yc):
        return np.ascontiguousarray(xc + y_centre, dtype=np.float32)
    rotation, singular_sum = orthogonal_procrustes(xc, yc)
    # The least-squares scale for a given rotation: trace(R^T X^T Y) / ||X||^2, and the
    # trace is the sum of the singular values scipy returns.
    scale = float(singular_sum) / spread
    return np.ascontiguousarray(xc @ rotation * scale + y_centre, dtype=np.float32)


def initial_layout(reference: np.ndarray, n_components: int) -> np.ndarray | None:
    """The previous layout as a starting layout for t-SNE / UMAP (float64, (N, k)), or
    None when it cannot be one (another number of dimensions, or no spread)."""
    ref = np.asarray(reference, dtype=np.float64)
    if ref.ndim != 2 or ref.shape[1] != n_components or not np.isfinite(ref).all():
        return None
    if not np.all(ref.std(axis=0) > 0):
        return None
    return np.ascontiguousarray(ref)
