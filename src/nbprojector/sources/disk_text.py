"""The metadata of a Lance or Parquet source, read in bounded memory.

Numbers and booleans become numpy columns (a few bytes a point). A text column becomes a
pandas categorical (its distinct values once, then 1 or 2 bytes a point) when it has at most
``MAX_HELD_VALUES`` distinct values: what can colour, stratify the drawn sample and be
counted in a legend. Every other text column stays on disk, in :class:`DiskText`: such a
column's size per point has no bound (a RAG corpus's chunks are about 1 KB each, 10 GB of
text at 10M rows), so it is read by rows when rows are needed (the labels of the drawn
points, the point card, a neighbour list) and a block of rows at a time when every row is
(a search). The distinct values are counted in one pass over blocks that stops as soon as
a column has more than ``MAX_HELD_VALUES``: never a hash table of every value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_columns import metadata_frame, text_dtype
from .base import as_rows

if TYPE_CHECKING:  # the reader whose files hold the columns
    from .arrow_reader import ArrowFileSource

#: A text column with at most this many distinct values is held in memory as a categorical
#: (int16 codes: 2 bytes a point at most); one with more stays on disk.
MAX_HELD_VALUES = 32_767
#: Rows sampled at open to size the blocks of text read at a time.
_SAMPLE_ROWS = 1024
#: A block of text exists several times over while it is read and searched (Lance's
#: reader alone peaked at 3x the text it returned; then Arrow's buffers, pandas' view, the
#: joined text RE2 reads): a block holds the budget split by this.
_COPIES_PER_TEXT_BLOCK = 8
_MIN_BLOCK_ROWS = 1024
#: And at most this many: counting a block's distinct values hashes all of them (a column
#: of unique values is left on disk after one such block, having hashed this many).
_MAX_BLOCK_ROWS = 131_072


def is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _plain_text(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A block of a text column as one plain string array (dictionaries decoded)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return column


class DiskText:
    """Text columns of a Lance or Parquet source left on disk, read by rows or by blocks.

    Attributes:
        names: the columns, in the source's order.
        distinct_seen: per column, how many distinct values were counted before it was left
            on disk (a lower bound of its distinct values, more than ``MAX_HELD_VALUES``).
    """

    def __init__(
        self, source: ArrowFileSource, names: list[str], distinct_seen: dict[str, int],
        block_rows: int,
    ) -> None:  # fmt: skip
        self._source = source
        self.names = list(names)
        self.distinct_seen = dict(distinct_seen)
        self._block_rows = block_rows
        self._n = source.shape[0]

    def __contains__(self, column: object) -> bool:
        return column in self.names

    def take(self, column: str, rows: object) -> pd.Series:
        """Column ``column`` at ``rows`` (any order, repeats allowed), in that order, as
        pandas' Arrow-backed text (missing values NaN), indexed 0..len(rows)-1."""
        return self.take_rows(rows, [column])[column]

    def take_rows(self, rows: object, columns: list[str] | None = None) -> pd.DataFrame:
        """``columns`` (default: all of them) at ``rows``, one row per index asked for."""
        columns = self.names if columns is None else columns
        picked = as_rows(rows, self._n, self._source.label)
        unique, inverse = np.unique(picked, return_inverse=True)
        parts = [
            self._source.take_columns(unique[i : i + self._block_rows], columns)
            for i in range(0, len(unique), self._block_rows)
        ]
        if not parts:
            schema = pa.schema([(c, pa.string()) for c in columns])
            parts = [schema.empty_table()]
        table = pa.concat_tables(parts)  # chunks kept: pandas reads them as they are
        table = pa.table([_decoded(c) for c in table.columns], names=columns)
        if len(unique) != len(picked) or not np.array_equal(unique, picked):
            table = table.take(pa.array(inverse.reshape(-1), type=pa.int64()))
        return metadata_frame(table)

    def blocks(self, column: str) -> Iterator[tuple[int, pd.Series]]:
        """(start, values) for consecutive blocks of ``column``, every row once, in order;
        each block is Arrow-backed text of a bounded number of rows."""
        start = 0
        for batch in self._source.scan([column], self._block_rows):
            values = pd.Series(_plain_text(batch.column(0)).to_pandas(types_mapper=_text_map))
            yield start, values
            start += len(values)


def _decoded(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A text column read by rows, dictionaries decoded, its chunks left as they are."""
    if pa.types.is_dictionary(column.type):
        return column.cast(column.type.value_type)
    return column


def _text_map(kind: pa.DataType) -> object:
    return text_dtype() if is_text(kind) else None


def text_block_rows(source: ArrowFileSource, columns: list[str]) -> int:
    """Rows of ``columns`` that one block may read within the source's memory budget,
    sized from the text of the first rows."""
    n = source.shape[0]
    if not columns or n == 0:
        return max(1, n)
    sample = source.take_columns(np.arange(min(n, _SAMPLE_ROWS)), columns)
    per_row = max(1.0, sample.nbytes / max(1, sample.num_rows))
    rows = int(source.memory_budget / (_COPIES_PER_TEXT_BLOCK * per_row))
    return max(1, min(n, _MAX_BLOCK_ROWS, max(_MIN_BLOCK_ROWS, rows)))


def held_text(source: ArrowFileSource, column: str, block_rows: int
              ) -> tuple[pd.Categorical | None, int]:  # fmt: skip
    """``column`` as a categorical when it has at most ``MAX_HELD_VALUES`` distinct values
    (categories in order of first appearance), else None; and how many distinct values
    were counted (all of them, or the count past the limit when it stopped)."""
    seen = pa.array([], type=pa.string())  # distinct values, in order of first appearance
    codes: list[np.ndarray] = []
    for batch in source.scan([column], block_rows):
        values = _plain_text(batch.column(0))
        if pa.types.is_large_string(values.type):
            values = values.cast(pa.string())
        encoded = values.dictionary_encode()  # nulls stay null: no category for them
        words = encoded.dictionary
        new = words.filter(pc.invert(pc.is_in(words, value_set=seen)))
        if len(new):
            seen = pa.concat_arrays([seen, new])
        if len(seen) > MAX_HELD_VALUES:
            return None, len(seen)
        to_seen = pc.index_in(words, value_set=seen).to_numpy(zero_copy_only=False)
        local = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        block = np.where(local >= 0, to_seen[np.maximum(local, 0)], -1).astype(np.int16)
        codes.append(block)
    categories = pd.Index(seen.to_pylist(), dtype=object)
    all_codes = np.concatenate(codes) if codes else np.empty(0, dtype=np.int16)
    return pd.Categorical.from_codes(all_codes, categories=categories), len(seen)


def read_metadata(source: ArrowFileSource, names: list[str]
                  ) -> tuple[pd.DataFrame | None, DiskText | None]:  # fmt: skip
    """The columns ``names`` of ``source``: those held in memory as one DataFrame (in the
    source's order), and the text columns left on disk (None when there is none)."""
    schema = source.schema
    text = [name for name in names if is_text(schema.field(name).type)]
    plain = [name for name in names if name not in text]
    held: dict[str, pd.Series] = {}
    if plain:
        frame = metadata_frame(source.read_columns(plain))
        held.update({name: frame[name] for name in plain})
    block_rows = text_block_rows(source, text)
    on_disk, seen = [], {}
    for name in text:
        values, count = held_text(source, name, block_rows)
        if values is None:
            on_disk.append(name)
            seen[name] = count
        else:
            held[name] = pd.Series(values, name=name)
    kept = [name for name in names if name in held]
    table = pd.DataFrame({name: held[name] for name in kept}) if kept else None
    disk = DiskText(source, on_disk, seen, block_rows) if on_disk else None
    return table, disk
