"""Regular expressions in linear time: RE2 over a whole column at once, with a time limit.

Python's ``re`` backtracks, so a pattern such as ``(a+)+$`` on ``"a" * 40 + "!"`` runs for
longer than the universe has existed and cannot be interrupted. RE2 (``google-re2``) matches in
time linear in the text, has no backreferences or lookaround (the features that need
backtracking), and is the engine the offline page uses too (``re2js``), so both sides accept
the same patterns and find the same points.

Calling RE2 once per value would cost a Python call per point, so the values are joined into
one UTF-8 text, one value a line, and searched with ``never_nl`` (the pattern cannot match a
newline, so it never reaches from one value into the next) in multi-line mode (``^`` and ``$``
are a value's start and end). The pattern is wrapped so that one match covers a whole run of
consecutive matching lines (each line's newline eaten by ``\\C``, one byte, which
``never_nl`` does not stop); runs map back to values through a binary search over the line
starts, so a search costs one Python call per run of matches, not per match. Values that hold
a newline themselves, and the few patterns that would see the text as a whole (``\\C``,
``\\Q...``, a flag group clearing a flag such as ``(?-m)``), are matched one value at a time
instead, with the same answers.

The search runs in slices of the text sized by the compiled program, so no slice takes long,
and gives up with :class:`RegexTooSlowError` once ``TIME_LIMIT_S`` has passed.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import re2

#: RE2's memory budget for one compiled pattern (program and DFA cache); larger patterns are
#: refused at compile time ("pattern too large").
MAX_MEM = 8 << 20
#: A search over one column gives up after this many seconds.
TIME_LIMIT_S = 1.0
#: About how many (byte x program instruction) steps one slice of the text may cost, so the
#: time limit is checked often even when RE2 falls back from its DFA to the slower NFA.
_STEPS_PER_SLICE = 20_000_000
_MIN_SLICE_BYTES = 256
_VALUES_PER_CHECK = 1024
#: Values joined into one text at a time, so the joined copy stays a small part of the column.
_VALUES_PER_BLOCK = 1 << 20

# Escapes, one at a time (so an escaped backslash is never read as the start of another), and
# flag groups that clear a flag, such as (?-m), which would make ^ and $ the whole text's ends.
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_CLEARS_FLAG = re.compile(r"\(\?[A-Za-z]*-")
# A value's start and end, which in the multi-line search are a line's.
_LINE_ANCHORS = {"A": "^", "z": "$"}


class RegexTooSlowError(ValueError):
    """A regular expression search ran past the time limit."""


@dataclass(frozen=True)
class Pattern:
    """A validated query, compiled for one value at a time and, when possible, for lines."""

    query: str
    compile_s: float  # seconds compiling took, counted against the time limit
    lines: Any  # re2's compiled pattern for one value a line; None: one value at a time
    each: str  # the pattern to run on one value at a time (compiled when first needed)


def _options(*, never_nl: bool) -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.never_capture = True
    options.never_nl = never_nl
    options.log_errors = False  # errors come back as exceptions; don't also print them
    options.max_mem = MAX_MEM
    return options


_HINTS = (
    (re.compile(r"invalid escape sequence: \\[1-9]"), "backreferences are not supported"),
    (
        re.compile(r"invalid perl operator: \(\?(=|!|<=|<!)"),
        "lookahead and lookbehind are not supported",
    ),
    (re.compile(r"invalid escape sequence: \\Z"), "write \\z for the end of the value"),
    (re.compile(r"pattern too large"), "use fewer or smaller repetitions"),
)


def _explain(reason: str) -> str:
    """RE2's reason for refusing a pattern, with what to do about the usual ones."""
    for found, hint in _HINTS:
        if found.search(reason):
            return f"{reason} ({hint}: search uses RE2, which matches in linear time)"
    return reason


def compile_pattern(query: str) -> Pattern:
    """Compile ``query`` as a case-insensitive RE2 pattern.

    Raises:
        ValueError: the pattern is not valid RE2 syntax; the message names the pattern and
            says why (and what to write instead, for Perl-only features).
    """
    started = time.perf_counter()
    try:
        re2.compile(query, _options(never_nl=False))
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args else "invalid"
        raise ValueError(f"invalid regular expression {query!r}: {_explain(reason)}") from None
    lines = None
    per_line = _per_line(query)
    if per_line is not None:
        # One or more whole lines that each contain a match, each with its newline.
        wrapped = f"(?m)(?:^(?s:.)*?(?:{per_line})(?s:.)*\\C)+"
        try:
            lines = re2.compile(wrapped, _options(never_nl=True))
        except re2.error:
            lines = None  # too large once wrapped: the value-at-a-time path still works
    # A match begins on a character, as in the line search: RE2 alone would also try \B
    # between two bytes of one character. (\Q... stays as it is: its text is literal.)
    each = query if _escapes(query) & {"Q"} else f"^(?s:.)*?(?:{query})"
    return Pattern(query, time.perf_counter() - started, lines, each)


def _escapes(query: str) -> set[str]:
    """The characters escaped in ``query`` (``C`` for ``\\C`` ...)."""
    return {m[1] for m in _ESCAPE.finditer(query)}


def _per_line(query: str) -> str | None:
    """``query`` for the search over lines, or None when it must see one value at a time.

    ``\\A`` and ``\\z`` become ``^`` and ``$`` (the same places in a value without newlines);
    ``\\C`` (one byte, which could be a newline), ``\\Q...`` (its text is literal, so it is not
    rewritten) and flag groups that clear a flag keep to one value at a time.
    """
    if _CLEARS_FLAG.search(query):
        return None
    if _escapes(query) & {"C", "Q"}:
        return None
    return _ESCAPE.sub(lambda m: _LINE_ANCHORS.get(m[1], m[0]), query)


def find(pattern: Pattern, text: pd.Series, *, time_limit: float | None = None) -> np.ndarray:
    """Which of ``text``'s values contain a match of ``pattern``.

    Args:
        pattern: from :func:`compile_pattern`.
        text: N strings (missing values should already be empty strings). Arrow-backed text
            (``str`` in pandas 3, ``string[pyarrow]``) is joined into lines by Arrow itself,
            block by block, so no Python string is made per value.
        time_limit: seconds before giving up, compiling the pattern included (default
            ``TIME_LIMIT_S``).

    Returns:
        (N,) bool array.

    Raises:
        RegexTooSlowError: the search took longer than ``time_limit``.
    """
    if time_limit is None:
        time_limit = TIME_LIMIT_S
    deadline = time.perf_counter() + time_limit - pattern.compile_s
    hits = np.zeros(len(text), dtype=bool)
    for start in range(0, len(text), _VALUES_PER_BLOCK):
        block = text.iloc[start : start + _VALUES_PER_BLOCK]
        hits[start : start + len(block)] = _find_block(pattern, block, deadline, time_limit)
    return hits


def _find_block(
    pattern: Pattern, text: pd.Series, deadline: float, time_limit: float
) -> np.ndarray:
    hits = np.zeros(len(text), dtype=bool)
    if pattern.lines is None:
        _find_each(pattern, text.tolist(), np.arange(len(text)), hits, deadline, time_limit)
        return hits
    arrow = _arrow_text(text)
    if arrow is not None:
        data, multiline = _arrow_lines(arrow)
    else:
        data, multiline = _python_lines(text)
    ends = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)  # each line's newline
    starts = np.concatenate(([0], ends[:-1] + 1))
    runs = _find_runs(pattern, data, starts, deadline, time_limit)
    # A run from byte a to byte b covers the lines starting in [a, b).
    first = np.searchsorted(starts, runs[:, 0])
    after = np.searchsorted(starts, runs[:, 1])
    edges = np.zeros(len(text) + 1, dtype=np.int64)
    np.add.at(edges, first, 1)
    np.add.at(edges, after, -1)
    hits[:] = np.cumsum(edges[:-1]) > 0
    if len(multiline):
        hits[multiline] = False
        values = text.iloc[multiline].tolist()
        found = np.zeros(len(values), dtype=bool)
        _find_each(pattern, values, np.arange(len(values)), found, deadline, time_limit)
        hits[multiline] = found
    return hits


def _python_lines(text: pd.Series) -> tuple[bytes, np.ndarray]:
    """The values one a line as UTF-8 (values holding a newline blanked), and where those
    values are."""
    values = text.tolist()
    joined = "\n".join(values)
    multiline = np.zeros(0, dtype=np.int64)
    if joined.count("\n") != len(values) - 1:
        # Some values hold a newline: blank them in the joined text, match them one by one.
        multiline = np.flatnonzero(text.str.contains("\n", regex=False).to_numpy(dtype=bool))
        for i in multiline:
            values[i] = ""
        joined = "\n".join(values)
    return (joined + "\n").encode("utf-8", "surrogatepass"), multiline


def _arrow_text(text: pd.Series) -> Any:
    """``text``'s values as one Arrow large-string array when pandas keeps them in Arrow
    (pyarrow is then installed), else None."""
    dtype = text.dtype
    if isinstance(dtype, pd.StringDtype):
        arrow_backed = dtype.storage == "pyarrow"
    elif isinstance(dtype, pd.ArrowDtype):
        arrow_backed = str(dtype.pyarrow_dtype) in ("string", "large_string")
    else:
        arrow_backed = False
    if not arrow_backed:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(text)  # the column's own Arrow buffers, not a copy per value
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return pc.fill_null(array.cast(pa.large_string()), "")


def _arrow_lines(array: Any) -> tuple[bytes, np.ndarray]:
    """As :func:`_python_lines`, joined by Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    multiline_mask = pc.match_substring(array, "\n")
    multiline = np.flatnonzero(multiline_mask.to_numpy(zero_copy_only=False))
    empty = pa.scalar("", pa.large_string())
    if len(multiline):
        array = pc.if_else(multiline_mask, empty, array)
    # One more empty value at the end: the joined text then ends with a newline too.
    lines = pa.concat_arrays([array, pa.array([""], pa.large_string())])
    whole = pa.LargeListArray.from_arrays(pa.array([0, len(lines)], pa.int64()), lines)
    joined = pc.binary_join(whole, pa.scalar("\n", pa.large_string()))[0].as_buffer()
    return joined.to_pybytes(), multiline


def _too_slow(pattern: Pattern, count: int, time_limit: float) -> RegexTooSlowError:
    return RegexTooSlowError(
        f"regular expression {pattern.query!r} took longer than {time_limit:g} s over "
        f"{count:,} values and was stopped; simplify it (fewer or smaller repetitions)"
    )


def _find_runs(
    pattern: Pattern, data: bytes, starts: np.ndarray, deadline: float, time_limit: float
) -> np.ndarray:
    """(start, end) byte offsets of each run of matching lines, a slice of lines at a time."""
    assert pattern.lines is not None
    slice_bytes = max(_MIN_SLICE_BYTES, _STEPS_PER_SLICE // max(1, pattern.lines.programsize))
    # Slices begin where a line begins, so ^ and $ see the same neighbours as in the whole text.
    cuts = np.unique(np.searchsorted(starts, np.arange(0, len(data), slice_bytes)))
    bounds = [int(b) for b in starts[cuts]] + [len(data)]
    found: list[tuple[int, int]] = []
    search = pattern.lines.finditer
    for lo, hi in itertools.pairwise(bounds):
        found.extend(m.span() for m in search(data, lo, hi))
        if time.perf_counter() > deadline:
            raise _too_slow(pattern, len(starts), time_limit)
    return np.asarray(found, dtype=np.int64).reshape(-1, 2)


def _find_each(
    pattern: Pattern,
    values: list[str],
    which: np.ndarray,
    hits: np.ndarray,
    deadline: float,
    time_limit: float,
) -> None:
    """Match the values at ``which`` one at a time (values with newlines, whole-text patterns)."""
    search = re2.compile(pattern.each, _options(never_nl=False)).search
    for done, i in enumerate(which.tolist(), 1):
        hits[i] = search(values[i]) is not None
        if done % _VALUES_PER_CHECK == 0 and time.perf_counter() > deadline:
            raise _too_slow(pattern, len(values), time_limit)
