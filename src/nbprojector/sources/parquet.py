"""A source over Parquet: one file, a folder of shards, or a ``pyarrow.dataset.Dataset``,
read a block of rows at a time (rows in the order of the files, then within each file)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads

from .arrow_reader import ArrowFileSource
from .base import DEFAULT_MEMORY_BUDGET


class ParquetSource(ArrowFileSource):
    """Vectors in the vector column of Parquet files.

    Attributes:
        dataset: the ``pyarrow.dataset.Dataset`` read.
        vector_column: the column that holds the vectors.
    """

    def __init__(
        self,
        data: Any,
        *,
        vector_column: str | None = None,
        name: str = "embedding",
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
    ) -> None:
        if isinstance(data, pads.Dataset):
            dataset, where = data, f"{type(data).__name__}"
            files = getattr(data, "files", None)
            if files:
                where = files[0] if len(files) == 1 else f"{files[0]} and {len(files) - 1} more"
        else:
            dataset, where = pads.dataset(str(data), format="parquet"), str(data)
        self.dataset: pads.Dataset = dataset
        label = f"Parquet dataset {where!r}"
        super().__init__(
            dataset.schema, vector_column, name=name, label=label, memory_budget=memory_budget
        )

    def _count_rows(self) -> int:
        return int(self.dataset.count_rows())

    def _batches(self, columns: list[str], rows_per_batch: int) -> Iterator[pa.RecordBatch]:
        # Fragment by fragment, each file's batches in order: the rows' order never depends
        # on which thread finished first.
        for fragment in self.dataset.get_fragments():
            yield from fragment.to_batches(columns=columns, batch_size=rows_per_batch)

    def _take_table(self, rows: np.ndarray, columns: list[str]) -> pa.Table:
        return self.dataset.take(pa.array(rows, type=pa.int64()), columns=columns)

    def _read_columns(self, columns: list[str]) -> pa.Table:
        return pa.concat_tables(
            fragment.to_table(columns=columns) for fragment in self.dataset.get_fragments()
        )
