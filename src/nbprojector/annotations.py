"""Editing the metadata table: annotations, their log, undo and redo.

:class:`TableEdits` is the one way the table changes after it is loaded. Each step (an
annotation, a whole column set at once, a bookmark's annotations put back) is kept with
the values it replaced, so undo and redo put the table back exactly. Pure pandas / numpy;
nothing here knows about the widget.

Editable columns are the ones made by edits and the data's text columns; numbers that came
with the data (measurements, ids) and categorical-dtype columns are not edited in place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

import numpy as np
import pandas as pd

from .wording import plural

Kind = Literal["text", "number"]
TEXT: Literal["text"] = "text"
NUMBER: Literal["number"] = "number"


class AnnotationError(ValueError):
    """An edit that cannot be made; the message says why and how to fix it. Nothing changed."""


@dataclass(frozen=True)
class ColumnEdit:
    """New values for some rows of one column, and the values they replaced."""

    column: str
    indices: np.ndarray  # sorted unique int64
    old: np.ndarray  # object: the values before, one per index (unused when created)
    new: np.ndarray  # object: the values after, one per index
    created: bool  # the column did not exist before this edit
    kind: Kind


@dataclass(frozen=True)
class Step:
    """What one undo takes back: one or more column edits made together."""

    action: str
    time: datetime
    edits: tuple[ColumnEdit, ...]


@dataclass
class _Stacks:
    done: list[Step] = field(default_factory=list)
    undone: list[Step] = field(default_factory=list)


def value_kind(value: Any) -> Kind | None:
    """TEXT for a string, NUMBER for a finite real number, None for None (clear)."""
    if value is None:
        return None
    if isinstance(value, str):
        return TEXT
    if isinstance(value, (bool, np.bool_)):
        raise AnnotationError(
            f"annotation value {value!r} is a boolean; use text (e.g. 'yes' / 'no') or a number"
        )
    if isinstance(value, (int, float, np.integer, np.floating)):
        try:
            finite = math.isfinite(float(value))
        except OverflowError:  # an int beyond float64's range
            finite = False
        if not finite:
            raise AnnotationError(f"annotation value {value!r} is not a finite number")
        return NUMBER
    raise AnnotationError(
        f"annotation value {value!r} is a {type(value).__name__}; give text, a number, or None "
        "to clear"
    )


def column_kind_of(series: pd.Series) -> Kind | None:
    """TEXT or NUMBER for a column that can hold annotations, None for one that cannot."""
    if isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_float_dtype(series):
        return NUMBER
    if isinstance(series.dtype, pd.StringDtype):
        return TEXT  # holds text or missing values, nothing else
    # Every present value a str (or none present), found in one pass in C: a column of a
    # million distinct labels is typed without a Python loop over its values.
    textual = series.dtype == object or pd.api.types.is_string_dtype(series)
    if textual and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return TEXT
    return None


class TableEdits:
    """The edits of one metadata table (changed in place), with undo and redo."""

    def __init__(self, table: pd.DataFrame) -> None:
        self._table = table
        self._stacks = _Stacks()
        #: Columns made by edits (editable whatever their kind).
        self._created: set[str] = set()
        #: Each edited column's values before its first edit (None: the column was made).
        self._original: dict[str, pd.Series | None] = {}

    # ---------------------------------------------------------------- reading

    @property
    def table(self) -> pd.DataFrame:
        return self._table

    @property
    def can_undo(self) -> int:
        return len(self._stacks.done)

    @property
    def can_redo(self) -> int:
        return len(self._stacks.undone)

    def editable(self, column: str) -> bool:
        return column in self._table.columns and self._editable_kind(column) is not None

    def kind(self, column: str) -> Kind | None:
        """TEXT or NUMBER for an editable column, None for one that is not."""
        return self._editable_kind(column)

    def _editable_kind(self, column: str) -> Kind | None:
        series = self._table[column]
        kind = column_kind_of(series)
        if column in self._created:
            return kind or TEXT
        return kind if kind == TEXT else None

    def log(self) -> pd.DataFrame:
        """One row per column edit in effect, oldest first: time, action, column, indices,
        old and new values (arrays, one per index), created."""
        rows = [
            {"time": step.time, "action": step.action, "column": e.column,
             "indices": e.indices.copy(), "old": e.old.copy(), "new": e.new.copy(),
             "created": e.created}
            for step in self._stacks.done for e in step.edits
        ]  # fmt: skip
        names = ["time", "action", "column", "indices", "old", "new", "created"]
        return pd.DataFrame(rows, columns=names)

    def describe(self) -> dict[str, Any]:
        """What the undo / redo buttons show."""
        done, undone = self._stacks.done, self._stacks.undone
        return {
            "undo": len(done),
            "redo": len(undone),
            "next_undo": _step_text(done[-1]) if done else "",
            "next_redo": _step_text(undone[-1]) if undone else "",
            "editable": [str(c) for c in self._table.columns if self.editable(str(c))],
        }

    # ---------------------------------------------------------------- editing

    def annotate(self, indices: Any, column: Any, value: Any) -> Step:
        """Give the rows ``indices`` the ``value`` in ``column`` (made when missing)."""
        rows = self._rows(indices)
        name = self._column_name(column)
        kind = value_kind(value)
        edit = self._column_edit(name, rows, np.full(len(rows), value, dtype=object), kind)
        return self._do(Step("annotate", _now(), (edit,)))

    def set_column(self, column: Any, values: Any, action: str = "set column") -> Step:
        """Set a whole column at once (made when missing); one undo step."""
        name = self._column_name(column)
        series = pd.Series(values).reset_index(drop=True)
        n = len(self._table)
        if series.ndim != 1 or len(series) != n:
            raise AnnotationError(
                f"column {name!r} needs one value per point ({n}), got {len(series)}"
            )
        kinds = {value_kind(v) for v in pd.unique(series.dropna().astype(object))} - {None}
        if len(kinds) > 1:
            raise AnnotationError(
                f"values for column {name!r} mix text and numbers; give one kind of value"
            )
        new = _objects(series)
        edit = self._column_edit(name, np.arange(n, dtype=np.int64), new, next(iter(kinds), None))
        return self._do(Step(action, _now(), (edit,)))

    def undo(self) -> Step:
        if not self._stacks.done:
            raise AnnotationError("nothing to undo")
        step = self._stacks.done.pop()
        for edit in reversed(step.edits):
            self._revert(edit)
        self._stacks.undone.append(step)
        return step

    def redo(self) -> Step:
        if not self._stacks.undone:
            raise AnnotationError("nothing to redo")
        step = self._stacks.undone.pop()
        for edit in step.edits:
            self._write(edit.column, edit.indices, edit.new, edit.kind, edit.created)
        self._stacks.done.append(step)
        return step

    def rollback(self) -> Step:
        """Undo the last step and forget it (no redo): for a change that failed half-way."""
        step = self.undo()
        self._stacks.undone.pop()
        return step

    # ---------------------------------------------------------------- net edits

    def net(self) -> list[dict[str, Any]]:
        """The table's edits against the data as loaded, as JSON (for bookmarks): per
        edited column, its kind, whether it was made, and each new value with its rows."""
        out = []
        for name, original in self._original.items():
            if name not in self._table.columns:
                continue  # a made column whose making was undone
            current = self._table[name]
            if original is None:
                changed = current.notna().to_numpy()
            else:
                same = (current == original) | (current.isna() & original.isna())
                changed = ~same.to_numpy(dtype=bool)
            rows = np.flatnonzero(changed)
            if original is not None and not len(rows):
                continue  # edited, then put back as it was
            values = current.to_numpy(dtype=object)[rows]
            out.append({"column": name, "created": original is None,
                        "kind": self._editable_kind(name) or TEXT,
                        "groups": _groups(rows, values)})  # fmt: skip
        return out

    def put_back(self, net: list[dict[str, Any]]) -> Step | None:
        """Make the table equal to the data as loaded plus ``net`` (from :meth:`net`), as
        one undo step; None when it already is. Checked whole before anything changes."""
        wanted = {entry["column"]: entry for entry in net}
        n = len(self._table)
        edits = []
        for name in list(self._original) + [c for c in wanted if c not in self._original]:
            entry = wanted.get(name)
            exists = name in self._table.columns
            original = self._original[name] if name in self._original else (
                self._table[name] if exists else None)  # fmt: skip
            if entry is None and (original is None or not exists):
                continue  # a column made since: left as it is
            kind: Kind = entry["kind"] if entry else (self._editable_kind(name) or TEXT)
            self._check_column(name, kind)
            target = _objects(original) if original is not None else np.full(n, None, object)
            for group in entry["groups"] if entry else []:
                target[np.asarray(group["indices"], dtype=np.int64)] = group["value"]
            current = _objects(self._table[name]) if exists else np.full(n, None, object)
            rows = np.flatnonzero(_differs(current, target)) if exists else np.arange(n)
            if len(rows):
                edits.append(ColumnEdit(name, rows, current[rows], target[rows], not exists, kind))
        if not edits:
            return None
        return self._do(Step("bookmark", _now(), tuple(edits)))

    # ---------------------------------------------------------------- internals

    def _rows(self, indices: Any) -> np.ndarray:
        n = len(self._table)
        arr = np.asarray(indices if indices is not None else [])
        if arr.dtype == bool:
            raise AnnotationError(
                "indices must be point indices, not a boolean mask; use np.flatnonzero(mask)"
            )
        if arr.ndim > 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
            raise AnnotationError(
                f"indices must be a 1-D list of whole point numbers, got {arr.dtype} with "
                f"shape {arr.shape}"
            )
        rows = np.unique(arr.astype(np.int64).ravel())
        if not len(rows):
            raise AnnotationError("no points to annotate: select some first (indices is empty)")
        if rows[0] < 0 or rows[-1] >= n:
            raise AnnotationError(
                f"indices must be in 0..{n - 1}, got min {rows[0]} and max {rows[-1]}"
            )
        return rows

    def _column_name(self, column: Any) -> str:
        if not isinstance(column, str) or not column.strip():
            raise AnnotationError(f"the column name must be non-empty text, got {column!r}")
        return column

    def _check_column(self, name: str, kind: Kind | None) -> None:
        if name not in self._table.columns:
            return
        have = self._editable_kind(name)
        if have is None:
            raise AnnotationError(
                f"column {name!r} came with the data as "
                f"{'numbers' if pd.api.types.is_numeric_dtype(self._table[name]) else 'categories'}"
                f" and is not editable; annotate a new column (e.g. {name + ' (edited)'!r})"
            )
        if kind is not None and kind != have:
            raise AnnotationError(
                f"column {name!r} holds {have}, so its value must be {have} too"
                + (" (quote it: '...')" if have == TEXT else "")
            )

    def _column_edit(
        self, name: str, rows: np.ndarray, new: np.ndarray, kind: Kind | None
    ) -> ColumnEdit:
        exists = name in self._table.columns
        if not exists and kind is None:
            raise AnnotationError(
                f"column {name!r} does not exist yet; give a value (text or a number) to make it"
            )
        self._check_column(name, kind)
        kind = kind if kind is not None else self._editable_kind(name)
        assert kind is not None
        if exists:
            series = self._table[name]
            old = _objects(series)[rows]
        else:
            old = np.full(len(rows), None, dtype=object)
        return ColumnEdit(name, rows, old, new, not exists, kind)

    def _do(self, step: Step) -> Step:
        for edit in step.edits:
            if edit.column not in self._original:
                existed = edit.column in self._table.columns
                self._original[edit.column] = self._table[edit.column].copy() if existed else None
            self._write(edit.column, edit.indices, edit.new, edit.kind, edit.created)
        self._stacks.done.append(step)
        self._stacks.undone.clear()
        return step

    def _write(
        self, name: str, rows: np.ndarray, values: np.ndarray, kind: Kind, create: bool
    ) -> None:
        if create:
            self._created.add(name)
            empty = np.full(len(self._table), None if kind == TEXT else np.nan, dtype=object)
            self._table[name] = pd.Series(empty, dtype=object if kind == TEXT else np.float64)
        column = self._table[name].copy()
        if kind == NUMBER:
            numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
            column.iloc[rows] = numbers.to_numpy(dtype=np.float64)
        else:
            column.iloc[rows] = values
        self._table[name] = column

    def _revert(self, edit: ColumnEdit) -> None:
        if edit.created:
            del self._table[edit.column]
            self._created.discard(edit.column)
        else:
            self._write(edit.column, edit.indices, edit.old, edit.kind, False)


def _objects(series: pd.Series) -> np.ndarray:
    """A column's values as an object array, None where missing."""
    return series.astype(object).where(series.notna(), None).to_numpy(dtype=object, copy=True)


def _differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise "not the same value" for object arrays holding None for missing."""
    a_missing = pd.isna(pd.Series(a, dtype=object)).to_numpy()
    b_missing = pd.isna(pd.Series(b, dtype=object)).to_numpy()
    equal = (a == b) | (a_missing & b_missing)
    return ~np.asarray(equal, dtype=bool)


def _groups(rows: np.ndarray, values: np.ndarray) -> list[dict[str, Any]]:
    """Rows grouped by value (annotations give many rows few values): JSON-ready."""
    if not len(rows):
        return []
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    out = []
    for code, value in enumerate(uniques):
        out.append({"value": _plain(value), "indices": rows[codes == code].tolist()})
    if (codes < 0).any():
        out.append({"value": None, "indices": rows[codes < 0].tolist()})
    return out


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _step_text(step: Step) -> str:
    edit = step.edits[0]
    if step.action == "annotate":
        value = edit.new[0] if len(edit.new) else None
        return f"{edit.column} = {value!r} on {plural(len(edit.indices), 'point')}"
    columns = ", ".join(e.column for e in step.edits)
    return f"{step.action}: {columns}"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def check_net(net: Any, n_points: int, where: str) -> list[dict[str, Any]]:
    """Validate net edits read from a file; raise ValueError naming what is wrong."""
    if not isinstance(net, list):
        raise ValueError(f"{where}: annotations must be a list")
    out = []
    for i, entry in enumerate(net):
        if not isinstance(entry, Mapping):
            raise ValueError(f"{where}: annotation {i + 1} is not an object")
        column, kind, groups = entry.get("column"), entry.get("kind"), entry.get("groups")
        if not isinstance(column, str) or not column.strip():
            raise ValueError(f"{where}: annotation {i + 1} has no column name")
        if kind not in (TEXT, NUMBER):
            raise ValueError(f"{where}: column {column!r} has kind {kind!r}, not text or number")
        if not isinstance(groups, list):
            raise ValueError(f"{where}: column {column!r} has no list of groups")
        clean = []
        for group in groups:
            if not isinstance(group, Mapping) or not isinstance(group.get("indices"), list):
                raise ValueError(f"{where}: column {column!r} has a group without indices")
            value = group.get("value")
            try:
                got = value_kind(value)
            except AnnotationError as err:
                raise ValueError(f"{where}: column {column!r}: {err}") from None
            if got not in (None, kind):
                raise ValueError(f"{where}: column {column!r} holds {kind}, got {value!r}")
            idx = np.asarray(group["indices"])
            if idx.size and (not np.issubdtype(idx.dtype, np.integer) or idx.ndim != 1
                             or idx.min() < 0 or idx.max() >= n_points):  # fmt: skip
                raise ValueError(
                    f"{where}: column {column!r} has indices outside 0..{n_points - 1}"
                )
            clean.append({"value": value, "indices": idx.astype(np.int64).tolist()})
        created = entry.get("created", False)
        if not isinstance(created, bool):
            raise ValueError(f"{where}: column {column!r}: 'created' must be true or false")
        out.append({"column": column, "created": created,
                    "kind": kind, "groups": clean})  # fmt: skip
    return out
