"""Strict JSON out: no NaN or Infinity, which ``JSON.parse`` (and most readers) refuse.

Python's ``json.dumps`` writes ``NaN`` by default; every JSON this package writes goes
through :func:`dumps`, which refuses a non-finite number and says where it is.
"""

from __future__ import annotations

import json
import math
from typing import Any


class NonFiniteError(ValueError):
    """A value to write as JSON holds NaN or an infinity; the message gives its path."""


def dumps(value: Any, what: str = "the data", **options: Any) -> str:
    """``json.dumps(value, allow_nan=False, **options)``, with a message naming where a
    non-finite number sits (``what`` names the document)."""
    try:
        return json.dumps(value, allow_nan=False, **options)
    except ValueError:
        where = non_finite_path(value)
        if where is None:
            raise
        raise NonFiniteError(
            f"{what} holds a non-finite number at {where}; JSON cannot carry NaN or "
            "infinity: set a finite value there"
        ) from None


def non_finite_path(value: Any, path: str = "") -> str | None:
    """The path (``a.b[2]``) of the first NaN or infinity in nested dicts and lists."""
    if isinstance(value, float):
        return None if math.isfinite(value) else path or "the top level"
    if isinstance(value, dict):
        items = ((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    else:
        return None
    for where, item in items:
        found = non_finite_path(item, where)
        if found is not None:
            return found
    return None
