"""numpy text arrays as Arrow strings, the storage of pandas' text columns.

pyarrow converts a numpy text array (fixed-width UTF-32) one value at a time, through a
Python string each. Text that is all ASCII (class names, cluster names, ids, file names)
has one UTF-8 byte per code unit: its Arrow array is made with whole-array numpy steps
instead (each value's code units up to its length, narrowed to bytes, joined; the lengths'
running sum is the offsets), three times sooner for a million labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def arrow_text(values: np.ndarray) -> Any | None:
    """The 1-D native-order numpy text array ``values`` as an Arrow ``large_string`` array
    of the same strings, or None when pyarrow's conversion would lose text: it cuts a
    value at a U+0000 inside it, which the ASCII way keeps (as pandas does)."""
    import pyarrow as pa  # pandas' storage for text: installed with it

    text = _ascii_text(values)
    if text is not None:
        return text
    text = pa.array(values, type=pa.large_string())
    return None if _cut_at_inner_nul(values, text) else text


def _ascii_text(values: np.ndarray) -> Any | None:
    """``values`` as an Arrow ``large_string`` array when every code unit is ASCII; None
    otherwise (and for no values or a width of none, which pyarrow converts at once)."""
    import pyarrow as pa

    n, width = len(values), values.dtype.itemsize // 4  # UTF-32 code units a value
    if n == 0 or width == 0:
        return None
    units = np.ascontiguousarray(values).view(np.uint32).reshape(n, width)
    if units.max() > 0x7F:
        return None
    # numpy's length runs to a value's last code unit that is not U+0000 (the rest is
    # padding): a U+0000 before it is part of the value.
    lengths = _lengths(values)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    data = units.astype(np.uint8)[np.arange(width) < lengths[:, None]]
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(data), null_count=0
    )


def _cut_at_inner_nul(values: np.ndarray, text: Any) -> bool:
    """Whether pyarrow cut a value of the numpy text array ``values`` short when it made
    ``text``: it stops at a U+0000 inside a value (numpy pads every value with U+0000, which
    is no text). numpy's lengths count a U+0000 inside a value and not the padding, so the
    two totals differ exactly when a value was cut."""
    import pyarrow.compute as pc

    kept = pc.sum(pc.utf8_length(text)).as_py() or 0
    lengths = _lengths(values)
    return int(kept) != int(lengths.sum(dtype=np.int64))


def _lengths(values: np.ndarray) -> np.ndarray:
    """Each value's length in code units: up to its last one that is not U+0000 (numpy's
    padding), so a U+0000 inside a value counts."""
    return np.strings.str_len(values) if hasattr(np, "strings") else np.char.str_len(values)
