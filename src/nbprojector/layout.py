"""A computed layout and how it is put on screen."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Layout:
    """Coordinates of every point in projection units, and what produced them.

    Attributes:
        coords: (N, 2) or (N, 3) float32. When the projection ran on a subset (isolation),
            rows outside it keep the coordinates of the layout before.
        description: what the ``projection`` trait says about it (method, params, dims...).
        rows: the indices the projection was computed on, or None for all points.
    """

    coords: np.ndarray
    description: dict[str, Any] = field(default_factory=dict)
    rows: np.ndarray | None = None

    @property
    def dims(self) -> int:
        return int(self.coords.shape[1])

    def positions(self) -> np.ndarray:
        """The (N, 3) float32 positions sent to the page (see :func:`normalize_positions`)."""
        return normalize_positions(self.coords, self.rows)


def normalize_positions(coords: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """(N, 2|3) -> (N, 3) float32 centred on the bounding box, fitted in [-1, 1].

    One scale for every axis, so the aspect ratio is preserved (TensorBoard stretches
    each axis independently, which distorts distances). 2D layouts get z = 0. With
    ``rows``, only those points are fitted (an isolated subset fills the view).
    """
    coords = np.asarray(coords, dtype=np.float32)
    n, dims = coords.shape
    out = np.zeros((n, 3), dtype=np.float32)
    fitted = coords if rows is None else coords[rows]
    if len(fitted) == 0:
        return out
    centre, scale = _fit(fitted)
    out[:, :dims] = (coords - centre) * scale
    return out


def _fit(fitted: np.ndarray) -> tuple[np.ndarray, float]:
    """The centre and scale that fit ``fitted`` into [-1, 1] (one scale for every axis)."""
    lo, hi = fitted.min(axis=0), fitted.max(axis=0)
    centre = (lo + hi) / 2
    half = float((hi - lo).max()) / 2
    return centre, (1.0 / half if half > 0 else 1.0)


def normalize_point(point: np.ndarray, coords: np.ndarray, rows: np.ndarray | None = None
                    ) -> np.ndarray:  # fmt: skip
    """One point in layout units -> float32 (3,) page position, moved and scaled exactly as
    :func:`normalize_positions` moves and scales ``coords``."""
    coords = np.asarray(coords, dtype=np.float32)
    fitted = coords if rows is None else coords[rows]
    out = np.zeros(3, dtype=np.float32)
    if len(fitted) == 0:
        return out
    centre, scale = _fit(fitted)
    out[: coords.shape[1]] = (np.asarray(point, dtype=np.float32) - centre) * scale
    return out


def embed_subset(
    subset_coords: np.ndarray, rows: np.ndarray | None, previous: Layout | None, n_points: int
) -> np.ndarray:
    """Full (N, k) coordinates from a projection of ``rows`` only.

    Points outside the subset are hidden while isolated; they keep their previous
    coordinates (of the same dimension) so that "show all" has somewhere to put them.
    """
    if rows is None:
        return np.ascontiguousarray(subset_coords, dtype=np.float32)
    dims = subset_coords.shape[1]
    full = np.zeros((n_points, dims), dtype=np.float32)
    if previous is not None:
        k = min(dims, previous.dims)
        full[:, :k] = previous.coords[:, :k]
    full[rows] = subset_coords
    return full


def visible_mask(rows: np.ndarray | None, n_points: int) -> bytes:
    """The ``_visible`` trait for an isolated subset: uint8 N (1 = shown), or empty for all."""
    if rows is None:
        return b""
    mask = np.zeros(n_points, dtype=np.uint8)
    mask[rows] = 1
    return mask.tobytes()
