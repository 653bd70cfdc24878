"""How faithful a 2D / 3D layout is to the space it was made from, point by point.

A point's fidelity is the share of its k nearest neighbours in the original space that are
also among its k nearest in the layout (euclidean there): kNN preservation, whose mean over
the points is Lee and Verleysen's Q_NX(k). 1 means the map keeps the point's neighbourhood,
0 that none of it survived; a random layout scores about k / (N - 1), the chance level.

The original space's neighbours come from the caller (exact, see
:mod:`nbprojector.all_neighbors`); the layout's from a KD-tree (scipy's cKDTree), which is
exact and fast in two or three dimensions. Above ``budget`` points only a deterministic
sample of anchor points is scored (the others get NaN), since each score needs a pass over
all N original vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from .all_neighbors import shared_counts

#: Neighbours compared per point by default.
DEFAULT_K = 15
#: Above this many points, fidelity is scored on this many anchor points only.
ANCHOR_BUDGET = 200_000


@dataclass(frozen=True)
class Fidelity:
    """Per-point layout fidelity.

    Attributes:
        scores: (n,) float32 in [0, 1] per point of the layout's rows; NaN for points that
            were not anchors.
        anchors: positions (into the rows) that were scored, sorted.
        k: neighbours compared.
        mean: mean score over the anchors (Q_NX(k)).
        chance: k / (n - 1), the expected score of a random layout.
        sampled: True when only a sample of anchor points was scored.
    """

    scores: np.ndarray
    anchors: np.ndarray
    k: int
    mean: float
    chance: float
    sampled: bool

    def describe(self) -> dict[str, float | int | bool]:
        """The JSON summary shown with the projection (strict JSON: all finite)."""
        return {"k": self.k, "mean": self.mean, "chance": self.chance,
                "anchors": int(self.anchors.size), "sampled": self.sampled}  # fmt: skip


def check_k(k: object, n: int) -> int:
    """``k`` as an int, or a ValueError saying the range it must be in for ``n`` points."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(f"k must be an integer, got {type(k).__name__}")
    if n < 2:
        raise ValueError(f"fidelity needs at least 2 points, got {n}")
    if not 1 <= int(k) <= n - 1:
        raise ValueError(f"k must be between 1 and {n - 1} (the other points), got {k}")
    return int(k)


def anchor_positions(n: int, budget: int = ANCHOR_BUDGET) -> np.ndarray:
    """Positions 0..n-1 to score: all of them up to ``budget``, else a fixed-seed sample of
    ``budget`` (the same every time, so the map's colours do not flicker between runs)."""
    if n <= budget:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng(0).choice(n, size=budget, replace=False))


def layout_knn(coords: np.ndarray, k: int, queries: np.ndarray) -> np.ndarray:
    """The ``k`` nearest rows of ``coords`` (euclidean) to each query row, itself left out.

    Returns (len(queries), k) int64. Asks the tree for k + 1 and drops the query itself
    (or, when it shares its spot with k others, the farthest), so duplicates are handled.
    """
    coords = np.asarray(coords, dtype=np.float64)
    tree = cKDTree(coords)
    _dist, found = tree.query(coords[queries], k=k + 1)
    found = np.asarray(found, dtype=np.int64).reshape(len(queries), k + 1)
    is_self = found == queries[:, None]
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), k)
    keep = np.ones_like(found, dtype=bool)
    keep[np.arange(len(queries)), drop] = False
    out: np.ndarray = found[keep].reshape(len(queries), k)
    return out


def layout_fidelity(
    original_knn: np.ndarray, coords: np.ndarray, anchors: np.ndarray, sampled: bool
) -> Fidelity:
    """Fidelity of the layout ``coords`` (n, 2|3) given each anchor's k nearest in the
    original space (``original_knn``, (len(anchors), k) positions into the same n rows)."""
    n = coords.shape[0]
    k = original_knn.shape[1]
    kept = shared_counts(original_knn, layout_knn(coords, k, anchors))
    scores = np.full(n, np.nan, dtype=np.float32)
    scores[anchors] = kept / k
    mean = float(kept.mean() / k) if kept.size else 0.0
    return Fidelity(scores, anchors, k, mean, k / (n - 1), sampled)
