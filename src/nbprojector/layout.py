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

    def positions(self, drawn: np.ndarray | None = None) -> np.ndarray:
        """The (N, 3) float32 positions sent to the page (see :func:`normalize_positions`),
        or those of the ``drawn`` points only, in that order.

        A frame of a running optimisation is framed robustly: t-SNE's early frames throw a
        few points far out, and fitting them would leave the bulk a smear in one corner. The
        finished layout is fitted whole."""
        running = bool(self.description.get("running"))
        return normalize_positions(self.coords, self.rows, robust=running, drawn=drawn)


# Percentiles framed by a robust fit, and the least number of points it applies to.
ROBUST_PERCENTILES = (1.0, 99.0)
ROBUST_MIN_POINTS = 100
# How far (in view half-widths) a robustly framed frame's outliers may be drawn.
ROBUST_CLAMP = 8.0
# float32 coordinates are centred and scaled in float32 while the centre and the extent and
# its inverse (the scale) stay within this (no overflow, no subnormal); beyond, in float64.
_FLOAT32_SAFE = 1e30


def normalize_positions(
    coords: np.ndarray,
    rows: np.ndarray | None = None,
    robust: bool = False,
    drawn: np.ndarray | None = None,
) -> np.ndarray:
    """(N, 2|3) -> (N, 3) float32 centred on the bounding box, fitted in [-1, 1].

    One scale for every axis, so the aspect ratio is preserved (TensorBoard stretches
    each axis independently, which distorts distances). 2D layouts get z = 0. With
    ``rows``, only those points are fitted (an isolated subset fills the view). ``robust``
    fits the 1st-99th percentile box instead of the bounding box: the bulk fills the view
    and the few points beyond it are drawn outside [-1, 1] (still finite). ``drawn``: only
    those points are returned (in that order), fitted as they are among all of them (a
    layout fitted on the drawn points only has ``rows``: its other points may be NaN).
    """
    coords = np.asarray(coords)
    dims = coords.shape[1]
    chosen = coords if drawn is None else coords[drawn]
    out = np.zeros((len(chosen), 3), dtype=np.float32)
    fitted = coords if rows is None else coords[rows]
    if len(fitted) == 0:
        return out
    centre, scale = _fit(fitted, robust)
    placed = out[:, :dims]
    in_float32 = (np.abs(centre).max() < _FLOAT32_SAFE
                  and 1 / _FLOAT32_SAFE < scale < _FLOAT32_SAFE)  # fmt: skip
    if chosen.dtype == np.float32 and in_float32:
        # In place in float32: no (N, dims) float64 temporaries on the way to the page.
        np.subtract(chosen, centre.astype(np.float32), out=placed)
        placed *= np.float32(scale)
    else:  # float64 input, or float32 near its limits (their difference may overflow it)
        placed[:] = (chosen - centre) * scale
    if robust:  # far outliers of a running frame stay a few view widths out, and finite
        np.clip(placed, -ROBUST_CLAMP, ROBUST_CLAMP, out=placed)
    if not np.isfinite(out).all():  # never send the page a NaN: it would draw nothing
        bad = int(np.flatnonzero(~np.isfinite(chosen).all(axis=1))[0])
        row = bad if drawn is None else int(drawn[bad])
        raise ValueError(
            f"the layout has a NaN or infinite coordinate at point {row}; the projection "
            "failed to converge: try another method or different parameters"
        )
    return out


def _fit(fitted: np.ndarray, robust: bool = False) -> tuple[np.ndarray, float]:
    """The centre and scale that fit ``fitted`` into [-1, 1] (one scale for every axis);
    ``robust`` fits the 1st-99th percentile box (see :func:`normalize_positions`)."""
    if robust and len(fitted) >= ROBUST_MIN_POINTS:
        lo, hi = np.percentile(fitted.astype(np.float64), ROBUST_PERCENTILES, axis=0)
    else:
        # float64 bounds: the span of float32 coordinates near +-3e38 overflows float32.
        # Column by column: a reduction over one strided column is ~40x faster than one
        # over axis 0 of a narrow (N, 2|3) matrix (numpy reduces it row by row).
        columns = range(fitted.shape[1])
        lo = np.array([fitted[:, k].min() for k in columns], dtype=np.float64)
        hi = np.array([fitted[:, k].max() for k in columns], dtype=np.float64)
    centre = (lo + hi) / 2
    half = float((hi - lo).max()) / 2
    return centre, (1.0 / half if half > 0 else 1.0)


def normalize_point(point: np.ndarray, coords: np.ndarray, rows: np.ndarray | None = None,
                    robust: bool = False) -> np.ndarray:  # fmt: skip
    """One point in layout units -> float32 (3,) page position, moved and scaled exactly as
    :func:`normalize_positions` moves and scales ``coords``."""
    coords = np.asarray(coords, dtype=np.float32)
    fitted = coords if rows is None else coords[rows]
    out = np.zeros(3, dtype=np.float32)
    if len(fitted) == 0:
        return out
    centre, scale = _fit(fitted, robust)
    placed = (np.asarray(point, dtype=np.float64) - centre) * scale
    if robust:
        placed = np.clip(placed, -ROBUST_CLAMP, ROBUST_CLAMP)
    out[: coords.shape[1]] = placed
    return out


def embed_subset(
    subset_coords: np.ndarray,
    rows: np.ndarray | None,
    previous: Layout | None,
    n_points: int,
    fill: float = 0.0,
) -> np.ndarray:
    """Full (N, k) coordinates from a projection of ``rows`` only.

    Points outside the subset are hidden while isolated; they keep their previous
    coordinates (of the same dimension) so that "show all" has somewhere to put them.
    Without a previous layout they get ``fill`` (NaN: a layout fitted on the drawn points
    has no coordinates for the others).
    """
    if rows is None:
        return np.ascontiguousarray(subset_coords, dtype=np.float32)
    dims = subset_coords.shape[1]
    full = np.full((n_points, dims), fill, dtype=np.float32)
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
