"""The checks of a bookmark's fields, shared by nbprojector's file format and TensorBoard's:
each returns the field's value as the view takes it, or raises :class:`BookmarkError` naming
the bookmark and the field, so that a bookmark that loads can be restored."""

from __future__ import annotations

import math
from typing import Any, overload

import numpy as np

from .neighbors import METRICS, most_neighbours


class BookmarkError(ValueError):
    """A bookmark file or record that cannot be used; the message says why."""


#: The view's limits for each size a bookmark holds (the widget's traits have the same; a
#: test keeps them equal), so that a bookmark that loads can be restored.
SIZE_RANGES = {"point_size": (0.5, 64.0), "label_size": (6.0, 48.0), "image_size": (4.0, 128.0)}

MISSING = object()


def field_of(record: dict, key: str, kind: type, where: str, default: Any = MISSING) -> Any:
    """``record[key]``, which must be a ``kind`` (or null / absent when there is a default)."""
    value = record.get(key)
    if value is None and default is not MISSING:
        return default
    if not isinstance(value, kind):
        names = {str: "a string", bool: "true or false", dict: "an object", list: "a list"}
        raise BookmarkError(
            f"{where}: field {key!r} must be {names.get(kind, kind.__name__)}, got {value!r:.80}"
        )
    return value


@overload
def size_of(record: dict, key: str, where: str, default: float) -> float: ...
@overload
def size_of(record: dict, key: str, where: str, default: None) -> float | None: ...
def size_of(record: dict, key: str, where: str, default: float | None) -> float | None:
    """``record[key]`` as a size within its range, or ``default`` when it is absent."""
    value = record.get(key)
    if value is None:
        return default
    lo, hi = SIZE_RANGES[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise BookmarkError(
            f"{where}: field {key!r} must be a number from {lo:g} to {hi:g}, got {value!r:.80}"
        )
    return float(value)


def point_indices(indices: np.ndarray, n_points: int, what: str) -> np.ndarray:
    """``indices`` (unsigned), which must be a flat list of indices below ``n_points``."""
    if indices.ndim != 1:
        raise BookmarkError(f"{what} must be a flat list of point indices, got {indices.shape}")
    if len(indices) and int(indices.max()) >= n_points:
        raise BookmarkError(f"{what}: index {int(indices.max())} >= {n_points} points")
    return indices


def check_finite(value: Any, what: str) -> None:
    """Every number nested in ``value`` must be finite (JSON written later must be strict)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise BookmarkError(f"{what} holds a non-finite number ({value})")
    if isinstance(value, dict):
        for item in value.values():
            check_finite(item, what)
    elif isinstance(value, list):
        for item in value:
            check_finite(item, what)


def check_camera(camera: dict, what: str) -> None:
    """Finite numbers; ``position``, ``target`` and ``up`` of 3; a positive ``zoom``."""
    check_finite(camera, what)
    for key in ("position", "target", "up"):
        vector = camera.get(key)
        if vector is not None and not (
            isinstance(vector, list) and len(vector) == 3
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vector)
        ):  # fmt: skip
            raise BookmarkError(f"{what}: {key!r} must be 3 numbers, got {vector!r:.80}")
    zoom = camera.get("zoom")
    if zoom is not None and (isinstance(zoom, bool) or not isinstance(zoom, (int, float))
                             or not zoom > 0):  # fmt: skip
        raise BookmarkError(f"{what}: 'zoom' must be a positive number, got {zoom!r:.80}")


def metric_of(record: dict, where: str) -> str | None:
    """``record["metric"]``, a neighbour distance the view offers, or None when absent."""
    value = record.get("metric")
    if value is None:
        return None
    if not isinstance(value, str) or value not in METRICS:
        raise BookmarkError(
            f"{where}: field 'metric' must be one of {', '.join(map(repr, METRICS))}, "
            f"got {value!r:.80}"
        )
    return value


def neighbour_count_of(record: dict, key: str, n_points: int, where: str) -> int | None:
    """``record[key]``, a number of neighbours per point as the view's ``fidelity_k`` and
    ``compare_k`` take it (a whole number from 1 to the other points), or None when absent."""
    value = record.get(key)
    if value is None:
        return None
    most = most_neighbours(n_points)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise BookmarkError(
            f"{where}: field {key!r} must be a whole number from 1 to {most} (the other "
            f"points), got {value!r:.80}"
        )
    return value
