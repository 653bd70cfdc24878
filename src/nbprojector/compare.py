"""How much two embeddings of the same points disagree about each point's neighbours.

For each point, its k nearest neighbours in embedding A and in embedding B (each in its own
original space) are compared as sets: ``kept`` are in both, ``lost`` only in A, ``gained``
only in B, and the change is 1 - Jaccard = 1 - kept / (kept + lost + gained): 0 when the
neighbourhood is the same, 1 when nothing of it is left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .all_neighbors import shared_counts


@dataclass(frozen=True)
class NeighbourChange:
    """Per point of the rows compared: change in [0, 1] (float32) and kept / gained / lost
    counts (int32); every row of A and B holds k neighbours, so gained == lost."""

    change: np.ndarray
    kept: np.ndarray
    gained: np.ndarray
    lost: np.ndarray


def neighbour_change(knn_a: np.ndarray, knn_b: np.ndarray) -> NeighbourChange:
    """Compare two (n, k) tables of neighbour indices, row by row."""
    if knn_a.shape != knn_b.shape:
        raise ValueError(
            f"the two neighbour tables must have the same shape, got {knn_a.shape} and "
            f"{knn_b.shape}"
        )
    k = knn_a.shape[1]
    kept = shared_counts(knn_a, knn_b).astype(np.int32)
    lost = (k - kept).astype(np.int32)
    gained = lost.copy()
    union = kept + lost + gained
    change = (1.0 - kept / np.maximum(union, 1)).astype(np.float32)
    return NeighbourChange(change, kept, gained, lost)
