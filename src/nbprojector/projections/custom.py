"""Custom projection: axes from searches, TensorBoard's "Custom" tab.

An axis is the difference of two centroids computed in the original space: x goes from the
centroid of the points matching Left to the centroid of those matching Right, y from Down to Up.

Coordinates. Each point is projected on the unit direction of each axis, after centring on the
mean of all points::

    x_i = (v_i - mean) . a_x / |a_x|        a_x = centroid(Right) - centroid(Left)

TensorBoard takes the dot product with the unnormalised axis, which only rescales each axis;
dividing by |a_x| keeps the units of the original space (the Left and Right centroids land
exactly |a_x| apart on x) and makes x and y comparable, so the view's preserved aspect ratio
means something. Centring on the mean only moves the origin to the data's centre.

As in TensorBoard, y is not made orthogonal to x: if "good - bad" and "best - worst" point the
same way, the layout shows a diagonal, which is the finding.

Filtering. The axes always come from ALL points, the layout is of the points shown: after
isolating the neighbours of "politics", projecting them on "worst" -> "best" works although
neither word is among them (TensorBoard does the same: its centroids are over the whole data
set). So the searches run over every point, and :meth:`Axes.project` lays out any rows.

When Down and Up are not given, y is the first principal axis of the data made orthogonal to x
(Gram-Schmidt; the second principal axis if the first is parallel to x): the direction of
largest spread "beside" x, cheap to get from :func:`~nbprojector.projections.pca.pca`, and the
two axes are then orthonormal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..search import match
from .pca import pca

FIELDS = ("Left", "Right", "Down", "Up")

# Relative length under which two centroids count as the same point (float32 round-off).
_SAME_CENTROID_RTOL = 1e-6


class NoMatchError(ValueError):
    """A custom-axis field matched no points; ``counts`` holds every field's match count."""

    def __init__(self, message: str, counts: dict[str, int]) -> None:
        super().__init__(message)
        self.counts = counts


def _mask(mask: np.ndarray, n: int, field: str) -> np.ndarray:
    m = np.asarray(mask)
    if m.dtype != bool:
        raise TypeError(f"{field} must be a boolean mask, got dtype {m.dtype}")
    if m.shape != (n,):
        raise ValueError(f"{field} mask has shape {m.shape}, expected ({n},)")
    if not m.any():
        raise NoMatchError(f"{field} matched no points", {})
    return m


def centroid(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the rows of ``x`` where ``mask`` is true, as float64 (D,).

    A mask-weighted matrix product rather than ``x[mask].mean(0)``: no copy of the selected
    rows, whatever their number.
    """
    weights = mask.astype(x.dtype)
    return (weights @ x).astype(np.float64) / float(mask.sum())


def _direction(start: np.ndarray, end: np.ndarray, names: tuple[str, str]) -> np.ndarray:
    """Unnormalised axis ``end - start`` between two centroids, refusing a zero-length one."""
    axis = end - start
    length = float(np.linalg.norm(axis))
    tiny = float(np.finfo(np.float32).tiny)
    scale = max(float(np.linalg.norm(start)), float(np.linalg.norm(end)), tiny)
    if length <= _SAME_CENTROID_RTOL * scale:
        raise ValueError(
            f"{names[0]} and {names[1]} have the same centroid (they matched the same points, "
            f"or sets with equal means): the axis from {names[0]} to {names[1]} has no direction"
        )
    return axis


def _project(x: np.ndarray, mean: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """(x - mean) . unit for every row, without forming the centred N x D matrix."""
    return (x @ unit.astype(np.float32)).astype(np.float64) - float(mean @ unit)


@dataclass(frozen=True)
class Axes:
    """A custom projection's frame in the original space: origin and unit x / y directions."""

    mean: np.ndarray  # (D,) float64, the mean of all points
    x: np.ndarray  # (D,) float64, unit
    y: np.ndarray  # (D,) float64, unit

    def project(self, vectors: np.ndarray) -> np.ndarray:
        """(M, 2) float32: each row's scalar projection on x and y, centred on ``mean``."""
        v = np.asarray(vectors, dtype=np.float32)
        out = np.empty((v.shape[0], 2), dtype=np.float32)
        out[:, 0] = _project(v, self.mean, self.x)
        out[:, 1] = _project(v, self.mean, self.y)
        return out


def fit_axes(
    vectors: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    down: np.ndarray | None = None,
    up: np.ndarray | None = None,
) -> Axes:
    """The axes of :func:`custom_axes` without laying anything out (same arguments)."""
    x = np.asarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"custom projection expects a 2-D matrix (N x D), got shape {x.shape}")
    n, d = x.shape
    if (down is None) != (up is None):
        raise ValueError("give both Down and Up for the y axis, or neither")
    given = {"Left": left, "Right": right, "Down": down, "Up": up}
    masks = {f: _mask(m, n, f) for f, m in given.items() if m is not None}
    centroids = {field: centroid(x, mask) for field, mask in masks.items()}

    def principal() -> np.ndarray:
        return pca(x, n_components=min(2, d)).components

    return axes_from_centroids(centroids, x.mean(axis=0, dtype=np.float64), principal)


def axes_from_centroids(
    centroids: dict[str, np.ndarray], mean: np.ndarray, principal: Callable[[], np.ndarray]
) -> Axes:
    """The frame from each field's centroid (float64 (D,), keyed by field name: Left and
    Right, and Down and Up or neither), the mean of all points, and ``principal()``: the
    top principal axes of all points as (k, D) rows, asked for only when Down and Up are
    not given (y is then the first of them made orthogonal to x).

    In memory or streamed over a source's blocks, both ways end here, so they agree.
    """
    if ("Down" in centroids) != ("Up" in centroids):
        raise ValueError("give both Down and Up for the y axis, or neither")
    a_x = _direction(centroids["Left"], centroids["Right"], ("Left", "Right"))
    u_x = a_x / np.linalg.norm(a_x)
    if "Down" in centroids:
        a_y = _direction(centroids["Down"], centroids["Up"], ("Down", "Up"))
        u_y = a_y / np.linalg.norm(a_y)
    else:
        if len(u_x) < 2:
            raise ValueError("a custom projection without Down/Up needs at least 2 dimensions")
        u_y = _orthogonal_spread(principal(), u_x)
    return Axes(mean=np.asarray(mean, dtype=np.float64), x=u_x, y=u_y)


def custom_axes(
    vectors: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    down: np.ndarray | None = None,
    up: np.ndarray | None = None,
) -> np.ndarray:
    """Lay points out on axes defined by groups of points.

    Args:
        vectors: (N, D) float matrix, the original space.
        left, right: (N,) bool masks; x runs from the centroid of ``left`` to that of ``right``.
        down, up: (N,) bool masks for y, both or neither. Neither: y is the first principal
            axis made orthogonal to x (see the module docstring).

    Returns:
        (N, 2) float32: each centred vector's scalar projection on the unit x and y axes.

    Raises:
        ValueError: a mask matched no points ("Left matched no points"), only one of down/up
            was given, or an axis' two centroids coincide.
    """
    return fit_axes(vectors, left, right, down, up).project(vectors)


def _orthogonal_spread(components: np.ndarray, u_x: np.ndarray) -> np.ndarray:
    """Unit direction of the first principal axis (rows of ``components``) with its x
    component removed."""
    d = len(u_x)
    for c in components.astype(np.float64):
        w = c - (c @ u_x) * u_x
        norm = float(np.linalg.norm(w))
        if norm > 1e-6:
            return w / norm
    # Every principal axis found lies along x (data spread on a line): any orthogonal direction
    # will do, all points project to the same y anyway.
    e = np.zeros(d)
    e[int(np.argmin(np.abs(u_x)))] = 1.0
    w = e - (e @ u_x) * u_x
    return w / np.linalg.norm(w)


def field_masks(
    find: Callable[[str], np.ndarray],
    left: str,
    right: str,
    down: str | None = None,
    up: str | None = None,
    regex: bool = False,
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Each field's matches, found by ``find(query)`` ((N,) bool, e.g. a column searched in
    memory or block by block on disk), and how many points each matched.

    ``regex`` only words the error of a field that matched nothing; ``find`` does the
    searching. Down and Up are both given or neither (``None`` or "").

    Raises:
        ValueError: the error of a search, named by its field ("Right: empty query ...");
            a :class:`NoMatchError` when fields matched nothing, after every field was
            counted (so the panel can show all the counts at once).
    """
    queries = {"Left": left, "Right": right, "Down": down or None, "Up": up or None}
    if (queries["Down"] is None) != (queries["Up"] is None):
        raise ValueError("give both Down and Up for the y axis, or neither")
    masks: dict[str, np.ndarray] = {}
    for field in FIELDS:
        query = queries[field]
        if query is None:
            continue
        try:
            masks[field] = find(query)
        except ValueError as exc:
            raise ValueError(f"{field}: {exc}") from None
    counts = {field: int(mask.sum()) for field, mask in masks.items()}
    empty = [field for field in masks if counts[field] == 0]
    if empty:
        kind = "regular expression" if regex else "search"
        what = "; ".join(f"{f} matched no points ({kind} {queries[f]!r})" for f in empty)
        raise NoMatchError(what, counts)
    return masks, counts


def axes_from_queries(
    vectors: np.ndarray,
    column_values: pd.Series | np.ndarray | Sequence[object],
    left: str,
    right: str,
    down: str | None = None,
    up: str | None = None,
    regex: bool = False,
) -> tuple[Axes, dict[str, int]]:
    """Custom axes from four searches over one metadata column, over ALL the points given.

    Args:
        vectors: (N, D) float matrix: every point, also while a subset is shown.
        column_values: the N values of the column searched (see :func:`nbprojector.search.match`).
        left, right: queries for the x axis (required).
        down, up: queries for the y axis; both, or neither (``None`` or "").
        regex: the queries are regular expressions rather than substrings.

    Returns:
        ``(axes, counts)``: the :class:`Axes` and how many points each field matched, e.g.
        ``{"Left": 12, "Right": 9}`` (plus "Down"/"Up" when given).

    Raises:
        ValueError: an empty Left/Right query, an invalid regular expression, a field that
            matched nothing (a :class:`NoMatchError` naming the field and its query, with
            every field's count in ``.counts``), coinciding centroids.
    """
    x = np.asarray(vectors, dtype=np.float32)
    n = x.shape[0] if x.ndim == 2 else -1
    if len(column_values) != n:
        raise ValueError(f"the column has {len(column_values)} values for {n} points")
    masks, counts = field_masks(lambda query: match(column_values, query, regex=regex),
                                left, right, down, up, regex)  # fmt: skip
    axes = fit_axes(x, masks["Left"], masks["Right"], masks.get("Down"), masks.get("Up"))
    return axes, counts


def custom_from_queries(
    vectors: np.ndarray,
    column_values: pd.Series | np.ndarray | Sequence[object],
    left: str,
    right: str,
    down: str | None = None,
    up: str | None = None,
    regex: bool = False,
    rows: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, int]]:
    """Custom projection from four searches over one metadata column (the Custom panel).

    The arguments are those of :func:`axes_from_queries`, plus ``rows``: the indices of the
    points laid out (the isolated ones), or None for all. The axes come from all points.

    Returns:
        ``(layout, counts)``: the (len(rows) or N, 2) float32 layout and each field's count.
    """
    axes, counts = axes_from_queries(vectors, column_values, left, right, down, up, regex)
    x = np.asarray(vectors, dtype=np.float32)
    return axes.project(x if rows is None else x[rows]), counts
