"""Search a metadata column: case-insensitive substring or regular expression.

Values are matched by their text form, the way a user sees them in the inspector: numbers as
numbers are written (``3.0`` reads ``3``, as TensorBoard shows a TSV's ``3``), strings as they
are. Missing values never match anything, not even ``.*``.

Substrings go through pandas' ``.str.contains``; regular expressions through RE2
(:mod:`nbprojector.regex_match`: linear time, a time limit, the offline page's engine too), so
no query can hang the kernel and there is no Python loop over points in this module.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from . import regex_match
from .regex_match import Pattern, compile_pattern, find

EMPTY_QUERY = "empty query: type some text to search for"


def compile_query(query: str, *, regex: bool = False) -> Pattern | None:
    """Validate a query; return its compiled pattern when ``regex`` is true, else ``None``.

    Raises:
        ValueError: the query is empty, or is not a valid RE2 regular expression (the message
            names the pattern and RE2's own explanation, for the widget to show as is).
    """
    if not isinstance(query, str):
        raise TypeError(f"query must be a string, got {type(query).__name__}")
    if query == "":
        raise ValueError(EMPTY_QUERY)
    if not regex:
        return None
    return compile_pattern(query)


def as_text(values: pd.Series | np.ndarray | Sequence[object]) -> tuple[pd.Series, np.ndarray]:
    """Render a column as text for searching.

    Returns:
        ``(text, missing)``: a string Series (missing entries are NaN) and a bool mask of the
        missing values, both of length N.
    """
    if isinstance(values, pd.Series):
        # A fresh RangeIndex: the caller's index (possibly duplicated or unordered) is irrelevant
        # here and would only slow down alignment.
        series = values.reset_index(drop=True)
    else:
        arr = np.asarray(values, dtype=object) if isinstance(values, list) else np.asarray(values)
        if arr.ndim != 1:
            raise ValueError(f"search expects a 1-D column, got shape {arr.shape}")
        series = pd.Series(arr, copy=False)
    missing = series.isna().to_numpy(dtype=bool)
    text = series.astype(str)
    if pd.api.types.is_float_dtype(series.dtype):
        # Integral floats read as integers, like the TSV they usually came from ("3", not "3.0").
        text = text.str.replace(r"\.0$", "", regex=True)
    return text, missing


def match(
    values: pd.Series | np.ndarray | Sequence[object], query: str, *, regex: bool = False
) -> np.ndarray:
    """Which values contain ``query`` (case-insensitive), or match it as a regular expression.

    Args:
        values: one metadata column (N values of any type); numbers match by their text form.
        query: the text to look for; with ``regex=True`` an RE2 regular expression (Python's
            syntax without backreferences or lookaround), searched anywhere in the value
            (anchor it with ``^`` / ``$`` to match whole values).
        regex: treat ``query`` as a regular expression instead of a plain substring.

    Returns:
        (N,) bool array; missing values are always False.

    Raises:
        ValueError: empty query, or an invalid regular expression (the message says which
            pattern and why, e.g. ``invalid regular expression '(': missing ): (``).
        RegexTooSlowError: a regular expression search ran past its time limit (a
            ``ValueError`` too).
    """
    return _match(values, query, compile_query(query, regex=regex), regex_match.TIME_LIMIT_S)


def match_blocks(
    blocks: Iterable[tuple[int, pd.Series]], n: int, query: str, *, regex: bool = False
) -> np.ndarray:
    """:func:`match` over a column read a block at a time: ``blocks`` yields (start,
    values) covering rows 0..n-1, so the column is never whole in memory. The answers are
    :func:`match`'s, block by block; a regular expression gets the same time limit over all
    blocks together as over a whole column (reading the blocks not counted).

    Returns:
        (n,) bool array; missing values are always False.
    """
    pattern = compile_query(query, regex=regex)
    hits = np.zeros(n, dtype=bool)
    left = regex_match.TIME_LIMIT_S  # read now: a test may change it
    compile_s = 0.0 if pattern is None else pattern.compile_s
    for number, (start, values) in enumerate(blocks):
        # find counts the compile time against its limit: once, so later blocks get it back.
        limit = left if number == 0 else left + compile_s
        began = time.perf_counter()
        hits[start : start + len(values)] = _match(values, query, pattern, limit)
        left -= time.perf_counter() - began + (compile_s if number == 0 else 0.0)
    return hits


def _match(values: pd.Series | np.ndarray | Sequence[object], query: str,
           pattern: Pattern | None, time_limit: float) -> np.ndarray:  # fmt: skip
    text, missing = as_text(values)
    if len(text) == 0:
        return np.zeros(0, dtype=bool)
    if pattern is None:
        hits = text.str.contains(query, case=False, regex=False, na=False)
    else:
        return find(pattern, text.where(~missing, ""), time_limit=time_limit) & ~missing
    # pandas may hand back a read-only view of its own buffer: build a new array.
    return hits.to_numpy(dtype=bool, na_value=False) & ~missing
