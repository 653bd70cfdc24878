"""Metadata: reading the table (TSV by TensorBoard's rules), typing columns, colours, legends.

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

#: 32 categorical colours picked greedily for the largest minimum CIELAB distance to each
#: other and to white, near-black and the two greys below (so none reads as "missing" or
#: vanishes on either theme). The first nine are matplotlib's tab10, minus its grey.
PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22",
    "#17becf", "#0000ff", "#ff1eff", "#00f000", "#4b5a0f", "#690fb4", "#00f0b4", "#f0b478",
    "#ff0078", "#b4e196", "#0078ff", "#960f4b", "#00785a", "#965a00", "#ff8787", "#c300a5",
    "#e1c3ff", "#96e11e", "#d269ff", "#ffb400", "#00f078", "#004bff", "#5a3c69", "#005a69",
]  # fmt: skip
#: Points with no value in the colour-by column.
MISSING_COLOR = "#bebebe"
#: Category values beyond the palette share this colour (and one legend row).
OTHER_COLOR = "#808080"
#: Colour of every point when nothing is chosen to colour by.
DEFAULT_COLOR = "#4a7fd1"
#: Viridis sampled at 11 evenly spaced stops; interpolated linearly in between.
VIRIDIS = [
    "#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
    "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725",
]  # fmt: skip

NUMERIC = "numeric"
CATEGORICAL = "categorical"


class MetadataError(ValueError):
    """Metadata that cannot be used as given; the message says how to fix it."""


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """'#rrggbb' -> (r, g, b)."""
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


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
        arr = np.asarray(values, dtype=object) if not isinstance(values, pd.Series) else values
        if np.ndim(arr) != 1:
            raise MetadataError(f"metadata column {name!r} must be 1-D, got shape {np.shape(arr)}")
        if len(arr) != n_points:
            raise MetadataError(
                f"metadata column {name!r} has {len(arr)} values but the embedding has "
                f"{n_points} points; every column needs one value per point"
            )
        series = pd.Series(values).reset_index(drop=True)
        columns[len(columns)] = _typed_column(series) if series.dtype == object else series
    table = pd.DataFrame(columns)
    table.columns = _unique_names([str(name) for name in meta])  # 1 and "1" stay two columns
    return table


def column_kind(values: pd.Series) -> str:
    """'numeric' (a continuous colour map) or 'categorical' (a palette and counts).

    Numbers are numeric, except class labels: whole numbers with at most len(PALETTE)
    distinct values (digits 0-9, cluster ids) read better as categories. Booleans and
    text are categorical.
    """
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return CATEGORICAL
    present = values.dropna()
    whole = pd.api.types.is_integer_dtype(values) or bool(np.all(np.mod(present, 1) == 0))
    if whole and present.nunique() <= len(PALETTE):
        return CATEGORICAL
    return NUMERIC


def describe_columns(table: pd.DataFrame) -> list[dict[str, Any]]:
    """What the data panel lists: each column's name, kind and number of distinct values."""
    return [
        {"name": name, "kind": column_kind(table[name]), "unique": int(table[name].nunique())}
        for name in table.columns
    ]


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
    million points has a handful); the per-point buffer is then gathered with numpy.
    """
    codes, uniques = pd.factorize(values, sort=False)
    strings = label_strings(pd.Series(uniques, dtype=values.dtype))
    strings.append("")  # code -1 (missing) picks this empty label
    joined = "".join(strings)
    if joined.isascii():  # the common case: one character is one byte, no per-value encode
        buffer = joined.encode("ascii")
        unique_lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    else:
        encoded = [s.encode("utf-8") for s in strings]
        buffer = b"".join(encoded)
        unique_lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    unique_starts = np.zeros(len(strings), dtype=np.int64)
    np.cumsum(unique_lengths[:-1], out=unique_starts[1:])
    lengths = unique_lengths[codes]  # -1 indexes the appended empty label
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] >= 2**32:
        raise MetadataError("labels exceed 4 GB of text; label by a shorter column")
    # Byte j of point i comes from byte (j - offsets[i]) of its unique value's text.
    source = np.repeat(unique_starts[codes] - offsets[:-1], lengths) + np.arange(offsets[-1])
    data = np.frombuffer(buffer, dtype=np.uint8)[source].tobytes()
    return data, offsets.astype(np.uint32).tobytes()


def color_points(values: pd.Series | None) -> tuple[np.ndarray | None, dict[str, Any]]:
    """Colours (N x 3 uint8) and the legend for colouring by ``values``.

    Categorical: values ranked by count; the first len(PALETTE) get palette colours, the
    rest share OTHER_COLOR. Numeric: viridis from min to max. Missing: MISSING_COLOR.
    """
    if values is None:
        return None, {"kind": "none"}
    if column_kind(values) == NUMERIC:
        return _color_numeric(values)
    return _color_categorical(values)


def _color_categorical(values: pd.Series) -> tuple[np.ndarray, dict[str, Any]]:
    codes, uniques = pd.factorize(values, sort=False)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    # Most frequent first; ties in order of first appearance (stable sort).
    ranking = np.argsort(-counts, kind="stable")
    rank_of = np.empty(len(uniques), dtype=np.int64)
    rank_of[ranking] = np.arange(len(uniques))
    lut = np.array([hex_to_rgb(c) for c in PALETTE], dtype=np.uint8)
    n_named = min(len(PALETTE), len(uniques))
    colors = np.empty((len(values), 3), dtype=np.uint8)
    colors[:] = hex_to_rgb(OTHER_COLOR)
    ranks = np.where(codes >= 0, rank_of[np.maximum(codes, 0)], -1)
    named = (ranks >= 0) & (ranks < n_named)
    colors[named] = lut[ranks[named]]
    missing = codes < 0
    colors[missing] = hex_to_rgb(MISSING_COLOR)
    entries = [
        {"value": _json_value(uniques[i]), "color": PALETTE[r], "count": int(counts[i])}
        for r, i in enumerate(ranking[:n_named])
    ]
    legend: dict[str, Any] = {"kind": CATEGORICAL, "entries": entries}
    other = int(counts[ranking[n_named:]].sum())
    if other:
        legend["other"] = {
            "values": int(len(uniques) - n_named),
            "count": other,
            "color": OTHER_COLOR,
        }
    if missing.any():
        legend["missing"] = {"count": int(missing.sum()), "color": MISSING_COLOR}
    return colors, legend


def _color_numeric(values: pd.Series) -> tuple[np.ndarray, dict[str, Any]]:
    x = values.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = ~np.isfinite(x)
    lo = float(np.nanmin(x[~missing])) if (~missing).any() else 0.0
    hi = float(np.nanmax(x[~missing])) if (~missing).any() else 1.0
    t = np.zeros_like(x) if hi == lo else (x - lo) / (hi - lo)
    t = np.clip(np.nan_to_num(t), 0.0, 1.0)
    stops = np.array([hex_to_rgb(c) for c in VIRIDIS], dtype=np.float64)
    grid = np.linspace(0.0, 1.0, len(VIRIDIS))
    colors = np.stack([np.interp(t, grid, stops[:, ch]) for ch in range(3)], axis=1)
    colors = np.rint(colors).astype(np.uint8)
    colors[missing] = hex_to_rgb(MISSING_COLOR)
    legend: dict[str, Any] = {"kind": NUMERIC, "min": lo, "max": hi, "stops": VIRIDIS}
    if missing.any():
        legend["missing"] = {"count": int(missing.sum()), "color": MISSING_COLOR}
    return colors, legend


def _json_value(value: Any) -> Any:
    """A legend value as plain JSON (numpy scalars become Python ones)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
