"""What Lance and Parquet sources share: Arrow tables with a vector column.

The vector column is the one column of fixed-size lists of numbers or lists of floats, or
the column named by ``vector_column=``. Its blocks become float32 matrices here, checked on
the way: every row must hold a vector (no nulls) of the same length. The other scalar
columns (numbers, booleans, text) can become the metadata, read as Arrow-backed pandas
columns (text stays in Arrow buffers, not one Python object per value).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .base import SourceError


def _is_list(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_fixed_size_list(kind) or pa.types.is_list(kind) or pa.types.is_large_list(kind)
    )


def _is_numeric(kind: pa.DataType) -> bool:
    return bool(pa.types.is_floating(kind) or pa.types.is_integer(kind))


def _is_candidate(kind: pa.DataType) -> bool:
    """A column that holds vectors without being named: fixed-size lists of numbers or
    lists of floats."""
    if pa.types.is_fixed_size_list(kind):
        return _is_numeric(kind.value_type)
    return _is_list(kind) and pa.types.is_floating(kind.value_type)


def vector_column_of(schema: pa.Schema, vector_column: str | None, label: str) -> str:
    """The name of the vector column of ``schema``, found or checked (a SourceError naming
    ``label`` and the fix otherwise)."""
    names = list(schema.names)
    if vector_column is not None:
        if not isinstance(vector_column, str):
            raise SourceError(
                f"vector_column must be a column name (a string), got {vector_column!r}"
            )
        if vector_column not in names:
            raise SourceError(
                f"{label} has no column {vector_column!r}; its columns are {names}: pass one "
                "of them as vector_column="
            )
        kind = schema.field(vector_column).type
        if not (_is_list(kind) and _is_numeric(kind.value_type)):
            raise SourceError(
                f"column {vector_column!r} of {label} holds {kind}, not vectors (lists of "
                "numbers); pass the column that holds the vectors as vector_column="
            )
        return str(vector_column)
    found = [field.name for field in schema if _is_candidate(field.type)]
    if not found:
        raise SourceError(
            f"{label} has no vector column (a fixed-size list of numbers or a list of floats) "
            f"among its columns {names}; write the vectors as one such column "
            "(e.g. pa.list_(pa.float32(), D)), or name it with vector_column="
        )
    if len(found) > 1:
        raise SourceError(
            f"{label} has {len(found)} vector columns {found}; choose one with "
            f"vector_column={found[0]!r}"
        )
    return str(found[0])


def fixed_dims(schema: pa.Schema, vector_column: str) -> int | None:
    """The vector length when the column's type fixes it, else None (read it from row 0)."""
    kind = schema.field(vector_column).type
    return int(kind.list_size) if pa.types.is_fixed_size_list(kind) else None


def block_vectors(
    column: pa.Array | pa.ChunkedArray, dims: int, start: int, vector_column: str, label: str
) -> np.ndarray:
    """One block of the vector column (rows ``start...``) as a float32 (n, dims) matrix."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if column.null_count:
        row = start + int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
        raise SourceError(
            f"row {row} of {label} has no vector (column {vector_column!r} is null there); "
            "drop the rows without a vector before opening it"
        )
    if not pa.types.is_fixed_size_list(column.type) or column.type.list_size != dims:
        lengths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
        bad = np.flatnonzero(lengths != dims)
        if len(bad):
            row = start + int(bad[0])
            raise SourceError(
                f"column {vector_column!r} of {label} holds vectors of different lengths: "
                f"row {row} has {lengths[bad[0]]} values where row 0 has {dims}; every row "
                "needs a vector of the same length"
            )
    values = column.flatten().to_numpy(zero_copy_only=False)  # missing values read as NaN
    return np.array(values, dtype=np.float32).reshape(len(column), dims)


def first_row_dims(column: pa.Array | pa.ChunkedArray, vector_column: str, label: str) -> int:
    """The length of row 0's vector (the length every row must have)."""
    if len(column) == 0:
        raise SourceError(f"{label} has no rows; a projection needs at least 2 points")
    first = column[0]
    if not first.is_valid:
        raise SourceError(
            f"row 0 of {label} has no vector (column {vector_column!r} is null there); "
            "drop the rows without a vector before opening it"
        )
    return len(first.values)


def metadata_columns(schema: pa.Schema, vector_column: str) -> list[str]:
    """The scalar columns that can be metadata: numbers, booleans and text."""
    names = []
    for field in schema:
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        scalar = (
            _is_numeric(kind)
            or pa.types.is_boolean(kind)
            or pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
        )
        if scalar and field.name != vector_column:
            names.append(field.name)
    return names


def text_dtype() -> pd.StringDtype:
    """pandas' Arrow-backed text dtype: pandas 3's default ``str`` (missing values NaN, as
    the rest of the widget sees text), ``string[pyarrow]`` before pandas 3."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return pd.StringDtype("pyarrow", na_value=np.nan)
    return pd.StringDtype("pyarrow")


def metadata_frame(table: pa.Table) -> pd.DataFrame:
    """``table``'s columns as a DataFrame: numbers as numpy columns, text Arrow-backed."""
    text = text_dtype()
    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        if pa.types.is_dictionary(field.type):
            column = column.cast(field.type.value_type)
        columns.append(column)
    plain = pa.table(columns, names=table.column_names)

    def as_pandas_type(kind: pa.DataType) -> object:
        return text if pa.types.is_string(kind) or pa.types.is_large_string(kind) else None

    return plain.to_pandas(types_mapper=as_pandas_type).reset_index(drop=True)
