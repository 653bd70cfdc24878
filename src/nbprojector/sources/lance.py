"""A source over a Lance dataset (a ``*.lance`` folder, a ``lance.LanceDataset`` or a
LanceDB table), read a block of rows at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lance
import numpy as np
import pyarrow as pa

from .arrow_reader import ArrowFileSource
from .base import DEFAULT_MEMORY_BUDGET


class LanceSource(ArrowFileSource):
    """Vectors in a Lance dataset's vector column.

    Attributes:
        uri: where the dataset lives (a path or an object-store URI).
        dataset: the ``lance.LanceDataset``.
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
        if isinstance(data, lance.LanceDataset):
            dataset = data
        elif callable(getattr(data, "to_lance", None)):  # a LanceDB table
            dataset = data.to_lance()
        else:
            local = Path(data).expanduser()
            dataset = lance.dataset(str(local.resolve()) if local.exists() else str(data))
        self.dataset: lance.LanceDataset = dataset
        self.uri = str(dataset.uri)
        label = f"Lance dataset {self.uri!r}"
        super().__init__(
            dataset.schema, vector_column, name=name, label=label, memory_budget=memory_budget
        )

    def _count_rows(self) -> int:
        return int(self.dataset.count_rows())

    def _batches(self, columns: list[str], rows_per_batch: int) -> Iterator[pa.RecordBatch]:
        # One bounded read per block: Lance's streaming scan reads ahead several of its pages
        # (tens of MB each), which measured twice the memory of reading block by block.
        for start in range(0, self._n, rows_per_batch):
            table = self.dataset.to_table(columns=columns, offset=start, limit=rows_per_batch)
            yield from table.combine_chunks().to_batches()

    def _take_table(self, rows: np.ndarray, columns: list[str]) -> pa.Table:
        return self.dataset.take(pa.array(rows, type=pa.uint64()), columns=columns)

    def _read_columns(self, columns: list[str]) -> pa.Table:
        return self.dataset.to_table(columns=columns, scan_in_order=True)
