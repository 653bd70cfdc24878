"""Trait helpers for the widget: binary traits the page writes, finite floats, and the
default colour column."""

from __future__ import annotations

import math
from typing import Any

import traitlets as t


def bytes_from_page(value: Any, _widget: Any) -> bytes:
    """Binary traits written by the page arrive as memoryview; traitlets wants bytes."""
    return bytes(value) if value is not None else b""


BINARY = {"from_json": bytes_from_page}


class FiniteFloat(t.Float):  # type: ignore[type-arg]
    """A float trait that refuses NaN and infinities, naming the trait."""

    def validate(self, obj: Any, value: Any) -> float:
        number = float(super().validate(obj, value))
        if not math.isfinite(number):
            raise t.TraitError(f"{self.name} must be a finite number, got {value!r}")
        return number


def default_color_column(columns: list[dict[str, Any]]) -> str:
    """The first categorical column with 2 to 50 values, else any such column, else none.

    ``columns`` is the data panel's description of the table (``describe_columns``): each
    column's kind and number of distinct values, counted once for both."""
    for column in columns:
        if column["kind"] == "categorical" and 1 < column["unique"] <= 50:
            return str(column["name"])
    for column in columns:
        if column["name"] != "index" and 1 < column["unique"] <= 50:
            return str(column["name"])
    return ""
