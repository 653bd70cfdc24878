"""A source over a 2-D ``dask.array.Array``: blocks are computed on Dask's scheduler (the
``dask.distributed`` Client active in the notebook, else Dask's local threads)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dask.array as da
import numpy as np

from .base import DEFAULT_MEMORY_BUDGET, BlockSource, SourceError, check_chunk_rows, take_sorted


class DaskSource(BlockSource):
    """Vectors in a 2-D Dask array (points x dimensions).

    Attributes:
        array: the Dask array, as float32 (a lazy cast when it held another type).
    """


    def __init__(
        self, data: Any, *, name: str = "embedding", memory_budget: int = DEFAULT_MEMORY_BUDGET
    ) -> None:
        self.label = f"Dask array {name!r}"
        if not isinstance(data, da.Array):
            raise SourceError(f"{self.label} must be a dask.array.Array, got {type(data).__name__}")
        if data.ndim != 2:
            raise SourceError(
                f"{self.label} has shape {data.shape}, but vectors must be a 2-D array "
                "(points x dimensions); reshape it, e.g. arr.reshape(len(arr), -1)"
            )
        if any(np.isnan(size) for size in data.shape):
            raise SourceError(
                f"{self.label} has unknown chunk sizes {data.shape}; call "
                "arr.compute_chunk_sizes() first"
            )
        if not (np.issubdtype(data.dtype, np.floating) or np.issubdtype(data.dtype, np.integer)):
            raise SourceError(f"{self.label} holds {data.dtype}, not numbers; pass float vectors")
        self.array: da.Array = (
            data if data.dtype == np.float32 else data.astype(np.float32)  # type: ignore[no-untyped-call]
        )
        self.name = name
        self.memory_budget = memory_budget

    @property
    def shape(self) -> tuple[int, int]:
        n, d = self.array.shape
        return int(n), int(d)

    def chunks(self, rows_per_chunk: int) -> Iterator[tuple[int, np.ndarray]]:
        check_chunk_rows(rows_per_chunk)
        for start in range(0, self.shape[0], rows_per_chunk):
            block = self.array[start : start + rows_per_chunk].compute()
            yield start, np.asarray(block, dtype=np.float32)

    def take(self, rows: np.ndarray) -> np.ndarray:
        def read_sorted(sorted_rows: np.ndarray) -> np.ndarray:
            return np.asarray(self.array[sorted_rows].compute(), dtype=np.float32)

        n, d = self.shape
        return take_sorted(rows, n, d, self.label, read_sorted, self.rows_per_chunk())
