"""The reading both Arrow-file sources (Lance, Parquet) do, over their own dataset objects."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from .arrow_columns import (
    block_vectors,
    first_row_dims,
    fixed_dims,
    metadata_columns,
    vector_column_of,
)
from .base import BlockSource, check_chunk_rows, take_sorted
from .disk_text import DiskText, read_metadata


class ArrowFileSource(BlockSource):
    """The shared part of a source over an Arrow dataset on disk with a vector column.

    Subclasses say how to count rows, scan batches of columns in row order, pick rows and
    read whole columns; this class turns the vector column into float32 blocks.
    """


    def __init__(
        self, schema: pa.Schema, vector_column: str | None, *, name: str, label: str,
        memory_budget: int,
    ) -> None:  # fmt: skip
        self.name = name
        #: What the source is, for messages: "Lance dataset '/data/x.lance'".
        self.label = label
        self.memory_budget = memory_budget
        self.vector_column = vector_column_of(schema, vector_column, label)
        self._schema = schema
        self._n = self._count_rows()
        dims = fixed_dims(schema, self.vector_column)
        if dims is None:
            head = self._take_table(np.array([0], dtype=np.int64), [self.vector_column])
            dims = first_row_dims(head.column(0), self.vector_column, label) if self._n else 0
        self._dims = int(dims)

    # What each file format provides.
    def _count_rows(self) -> int:
        raise NotImplementedError

    def _batches(self, columns: list[str], rows_per_batch: int) -> Iterable[pa.RecordBatch]:
        raise NotImplementedError

    def _take_table(self, rows: np.ndarray, columns: list[str]) -> pa.Table:
        raise NotImplementedError

    def _read_columns(self, columns: list[str]) -> pa.Table:
        raise NotImplementedError

    # The VectorSource interface.
    @property
    def shape(self) -> tuple[int, int]:
        return self._n, self._dims

    def chunks(self, rows_per_chunk: int) -> Iterator[tuple[int, np.ndarray]]:
        check_chunk_rows(rows_per_chunk)
        start = 0
        for batch in self._batches([self.vector_column], rows_per_chunk):
            # A reader may hand out batches larger than asked: cut them.
            for offset in range(0, batch.num_rows, rows_per_chunk):
                part = batch.slice(offset, rows_per_chunk)
                yield start, block_vectors(
                    part.column(0), self._dims, start, self.vector_column, self.label
                )
                start += part.num_rows

    def take(self, rows: np.ndarray) -> np.ndarray:
        def read_sorted(sorted_rows: np.ndarray) -> np.ndarray:
            table = self._take_table(sorted_rows, [self.vector_column])
            return block_vectors(
                table.column(0), self._dims, int(sorted_rows[0]), self.vector_column, self.label
            )

        return take_sorted(
            rows, self._n, self._dims, self.label, read_sorted, self.rows_per_chunk()
        )

    # Metadata, and the reads it is made of.
    @property
    def schema(self) -> pa.Schema:
        return self._schema

    def scan(self, columns: list[str], rows_per_batch: int) -> Iterable[pa.RecordBatch]:
        """Batches of ``columns``, every row once, in row order."""
        return self._batches(columns, rows_per_batch)

    def take_columns(self, rows: np.ndarray, columns: list[str]) -> pa.Table:
        """``columns`` at ``rows`` (sorted unique indices), in that order."""
        return self._take_table(rows, columns)

    def read_columns(self, columns: list[str]) -> pa.Table:
        """Whole columns (small ones: numbers, booleans), every row in order."""
        return self._read_columns(columns)

    def metadata(self) -> tuple[pd.DataFrame | None, DiskText | None] | None:
        """The source's scalar columns (numbers, booleans, text; not the vectors), one row
        per vector: those held in memory, and the text columns left on disk (see
        :mod:`.disk_text`); None when it has no scalar column."""
        names = metadata_columns(self._schema, self.vector_column)
        if not names:
            return None
        return read_metadata(self, names)
