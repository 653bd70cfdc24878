"""Metadata: reading the table (TSV by TensorBoard's rules), typing columns, labels.

Colours and legends are in :mod:`nbprojector.colors`.

Pure functions over pandas objects; nothing here knows about the widget.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .colors import column_kind, distinct_count
from .numpy_text import arrow_text


class MetadataError(ValueError):
    """Metadata that cannot be used as given; the message says how to fix it."""


def read_tsv(source: str | os.PathLike | io.TextIOBase) -> pd.DataFrame:
    """Read a metadata TSV file the way TensorBoard's projector does.

    - The first line is a header only when it contains a tab; a single-column file has
      no header and its column is named ``label``.
    - Empty cells are missing values.
    - A column is numeric when every non-missing value parses as a number.
    - Rows end at ``\n`` (or ``\r\n``); a UTF-8 byte-order mark is dropped; text that is
      not UTF-8 is an error naming the file and the byte offset.
    """
    if isinstance(source, io.TextIOBase):
        text = source.read().removeprefix("\ufeff")
    else:
        text = _decode_utf8(Path(source))
    # Rows end at "\n" only (TensorBoard's rule; "\r\n" too): never at the other line
    # breaks str.splitlines knows (U+2028, U+0085, form feed...), which may sit inside labels.
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    while lines and lines[-1] == "":
        lines.pop()  # a trailing newline is not an empty row
    if not lines:
        return pd.DataFrame({"label": pd.Series([], dtype=object)})
    has_header = "\t" in lines[0]
    if has_header:
        header, rows = lines[0].split("\t"), lines[1:]
    else:
        header, rows = ["label"], lines
    width = len(header)
    cells = [row.split("\t") for row in rows]
    for number, row in enumerate(cells, start=2 if has_header else 1):
        if len(row) != width:
            raise MetadataError(
                f"metadata line {number} has {len(row)} fields but the header has {width}; "
                "every line needs the same number of tab-separated fields"
            )
    columns = list(zip(*cells, strict=True)) if cells else [()] * width
    table = {}
    for name, values in zip(_unique_names(header), columns, strict=True):
        table[name] = _typed_column(pd.Series(values, dtype=object).replace("", None))
    return pd.DataFrame(table)


def _decode_utf8(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise MetadataError(f"cannot read the metadata file {path}: {err.strerror}") from None
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    try:
        return raw[len(bom) :].decode("utf-8")
    except UnicodeDecodeError as err:
        raise MetadataError(
            f"metadata file {path} is not UTF-8 text: byte {err.start + len(bom)} is "
            f"{raw[err.start + len(bom)]:#04x}; save it as UTF-8 (e.g. iconv -f latin1 -t utf-8)"
        ) from None


def write_tsv(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``table`` as TensorBoard metadata: a header only when there are 2+ columns."""
    clean = table.astype(object).where(table.notna(), "")
    text = clean.astype(str).apply(lambda col: col.str.replace("\t", " ").str.replace("\n", " "))
    lines = [] if table.shape[1] == 1 else ["\t".join(map(str, table.columns))]
    lines += ["\t".join(row) for row in text.itertuples(index=False, name=None)]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _unique_names(names: Sequence[str]) -> list[str]:
    """Column names, blank ones filled and duplicates suffixed " (2)", " (3)"..., so every
    column is reachable: a suffix never takes a name that another column already has."""
    filled = [name.strip() or f"column {i + 1}" for i, name in enumerate(names)]
    given = set(filled)
    taken: set[str] = set()
    out = []
    for name in filled:
        candidate, n = name, 2
        while candidate in taken or (candidate != name and candidate in given):
            candidate, n = f"{name} ({n})", n + 1
        taken.add(candidate)
        out.append(candidate)
    return out


def _typed_column(values: pd.Series) -> pd.Series:
    """Numeric when every non-missing value parses as a number, else text."""
    present = values.dropna()
    if len(present) == 0:
        return values
    numbers = pd.to_numeric(present, errors="coerce")
    if numbers.notna().all():
        return pd.to_numeric(values, errors="coerce")
    return values


def load_metadata(meta: Any, n_points: int) -> pd.DataFrame:
    """Turn any supported metadata form into a DataFrame of ``n_points`` rows.

    Accepted: None (a column ``index``), a DataFrame, a dict of equal-length columns, a
    plain sequence of labels (one column ``label``), or a path to a TSV file.
    """
    if meta is None:
        return pd.DataFrame({"index": np.arange(n_points)})
    header_hint = ""
    if isinstance(meta, (str, os.PathLike)):
        path = Path(meta)
        if not path.is_file():
            raise MetadataError(f"metadata file not found: {path}")
        table = read_tsv(path)
        header_hint = _header_hint(path, table, n_points)
    elif isinstance(meta, pd.DataFrame):
        table = meta.reset_index(drop=True).copy()
        table.columns = _unique_names([str(c) for c in table.columns])
    elif isinstance(meta, pd.Series):
        table = pd.DataFrame({str(meta.name or "label"): meta.reset_index(drop=True)})
    elif isinstance(meta, Mapping):
        table = _table_from_dict(meta, n_points)
    elif isinstance(meta, (Sequence, np.ndarray)):
        values = np.asarray(meta, dtype=object)
        if values.ndim != 1:
            raise MetadataError(
                f"a metadata sequence must be 1-D (one label per point), got shape "
                f"{values.shape}; pass a DataFrame or a dict of columns for several columns"
            )
        table = pd.DataFrame({"label": _typed_column(pd.Series(values, dtype=object))})
    else:
        raise MetadataError(
            f"unsupported metadata type {type(meta).__name__}: pass a DataFrame, a dict of "
            "columns, a sequence of labels or the path to a TSV file"
        )
    if len(table) != n_points:
        raise MetadataError(
            f"metadata has {len(table)} rows but the embedding has {n_points} points; "
            f"they must match one to one{header_hint}"
        )
    if table.shape[1] == 0:
        raise MetadataError("metadata has no columns")
    return table


def _header_hint(path: Path, table: pd.DataFrame, n_points: int) -> str:
    """TensorBoard's most common mistake: a header on one column, or none on several."""
    if table.shape[1] == 1 and len(table) == n_points + 1:
        return " (single-column metadata must not have a header row)"
    if table.shape[1] == 1 and len(table) == n_points - 1:
        return " (multi-column metadata needs a header row; is a tab missing in the first line?)"
    if table.shape[1] > 1 and len(table) == n_points - 1:
        return " (the first line was read as a header: multi-column metadata needs one)"
    return ""


def _table_from_dict(meta: Mapping, n_points: int) -> pd.DataFrame:
    columns: dict[Any, Any] = {}
    for name, values in meta.items():
        # Arrays and Series are checked as they are; only other sequences are converted.
        arr = values if isinstance(values, (pd.Series, np.ndarray)) else np.asarray(
            values, dtype=object
        )
        if np.ndim(arr) != 1:
            raise MetadataError(f"metadata column {name!r} must be 1-D, got shape {np.shape(arr)}")
        if len(arr) != n_points:
            raise MetadataError(
                f"metadata column {name!r} has {len(arr)} values but the embedding has "
                f"{n_points} points; every column needs one value per point"
            )
        series = _series_of(values)
        columns[len(columns)] = _typed_column(series) if series.dtype == object else series
    table = pd.DataFrame(columns)
    table.columns = _unique_names([str(name) for name in meta])  # 1 and "1" stay two columns
    return table


def _series_of(values: Any) -> pd.Series:
    """``pd.Series(values)`` with a fresh index, the same column pandas makes, made sooner
    for a numpy array of text: pandas turns each value into a Python string on the way to
    its Arrow-backed string column; :func:`arrow_text` makes that Arrow array from the
    array's buffer, and the column gets the very dtype pandas would infer."""
    if (
        type(values) is np.ndarray  # not a subclass: a masked array's mask is pandas' to read
        and values.ndim == 1
        and values.dtype.kind == "U"
        and values.dtype.isnative
    ):
        dtype = pd.Series(values[:0]).dtype  # what pandas makes of numpy text here
        if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
            text = arrow_text(values)
            if text is not None:
                return pd.Series(pd.array(text, dtype=dtype))
    return pd.Series(values).reset_index(drop=True)


def describe_columns(
    table: pd.DataFrame, text_on_disk: Mapping[str, int] | None = None
) -> list[dict[str, Any]]:
    """What the data panel lists: each column's name, kind and number of distinct values;
    then the text columns left on disk (``text_on_disk``: name -> distinct values counted
    before the column was left there, a lower bound), of kind ``text``."""
    held = [
        {"name": name, "kind": column_kind(table[name]), "unique": distinct_count(table[name])}
        for name in table.columns
    ]
    disk = [
        {"name": str(name), "kind": "text", "unique": int(seen)}
        for name, seen in (text_on_disk or {}).items()
    ]
    return held + disk


def label_strings(values: pd.Series) -> list[str]:
    """Each value as the text a person reads; missing values as an empty string."""
    text = values.astype(object).where(values.notna(), "")
    if pd.api.types.is_float_dtype(values):
        # 3.0 reads better as "3" when the column holds whole numbers.
        present = values.dropna()
        if len(present) and np.all(np.equal(np.mod(present, 1), 0)):
            text = values.astype("Int64").astype(object).where(values.notna(), "")
    return text.astype(str).tolist()


def pack_labels(values: pd.Series) -> tuple[bytes, bytes]:
    """One UTF-8 buffer of all labels, plus uint32 offsets (N + 1): no per-point JSON.

    Only the distinct values are turned into text and encoded (a category column of a
    million points has a handful); the buffer is their encodings joined in point order by
    one C-level join, so it costs the labels' bytes once (gathering it byte by byte with
    numpy took 8 bytes of index per byte of text: 1 GB for 200,000 labels of 600 bytes).
    """
    packed = _arrow_packed(values)
    if packed is not None:
        return packed
    codes, uniques = pd.factorize(values, sort=False)
    strings = label_strings(pd.Series(uniques, dtype=values.dtype))
    strings.append("")  # code -1 (missing) picks this empty label
    encoded = np.empty(len(strings), dtype=object)
    encoded[:] = [s.encode("utf-8") for s in strings]
    unique_lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    lengths = unique_lengths[codes]  # -1 indexes the appended empty label
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] >= 2**32:
        raise MetadataError("labels exceed 4 GB of text; label by a shorter column")
    data = b"".join(encoded[codes])
    return data, offsets.astype(np.uint32).tobytes()


def _arrow_packed(values: pd.Series) -> tuple[bytes, bytes] | None:
    """Arrow-backed text already is one UTF-8 buffer with offsets: those, with missing
    values as empty labels (no Python string made); None for any other column."""
    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    import pyarrow as pa  # present: the column is Arrow-backed
    import pyarrow.compute as pc

    column = pa.chunked_array(pa.array(values))
    pieces, lengths = [], [np.zeros(1, dtype=np.int64)]
    for chunk in column.chunks:  # each chunk's bytes as they are: joined once, below
        text = pc.fill_null(chunk, "")
        width = np.int32 if pa.types.is_string(text.type) else np.int64  # large: int64
        offsets = np.frombuffer(text.buffers()[1], width, count=text.offset + len(text) + 1)
        offsets = offsets[text.offset :].astype(np.int64)
        if len(text):
            pieces.append(memoryview(text.buffers()[2])[offsets[0] : offsets[-1]])
        lengths.append(np.diff(offsets))
    ends = np.cumsum(np.concatenate(lengths))
    if ends[-1] >= 2**32:
        raise MetadataError("labels exceed 4 GB of text; label by a shorter column")
    return b"".join(pieces), ends.astype(np.uint32).tobytes()
