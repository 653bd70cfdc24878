"""A source over an in-memory float32 matrix: the default, used as is (never copied)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .base import DEFAULT_MEMORY_BUDGET, check_chunk_rows, rows_within


class ArraySource:
    """A source over an in-memory C-contiguous float32 matrix (not copied)."""

    in_memory = True

    def __init__(
        self,
        array: np.ndarray,
        *,
        name: str = "embedding",
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
    ) -> None:
        if array.ndim != 2 or array.dtype != np.float32:
            raise ValueError(
                f"an ArraySource holds a 2-D float32 matrix, got {array.ndim}-D {array.dtype}"
            )
        self.array = np.ascontiguousarray(array)
        self.name = name
        self.memory_budget = memory_budget

    def __array__(self, dtype: np.dtype | None = None, copy: bool | None = None) -> np.ndarray:
        """numpy reads the source as its matrix (no copy unless ``dtype`` asks for one)."""
        return self.array if dtype is None else self.array.astype(dtype)

    @property
    def shape(self) -> tuple[int, int]:
        n, d = self.array.shape
        return int(n), int(d)

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    def rows_per_chunk(self, memory_budget: int | None = None) -> int:
        budget = self.memory_budget if memory_budget is None else memory_budget
        return rows_within(budget, self.shape[1], self.shape[0])

    def chunks(self, rows_per_chunk: int) -> Iterator[tuple[int, np.ndarray]]:
        check_chunk_rows(rows_per_chunk)
        for start in range(0, self.shape[0], rows_per_chunk):
            yield start, self.array[start : start + rows_per_chunk]

    def take(self, rows: np.ndarray) -> np.ndarray:
        return self.array[np.asarray(rows, dtype=np.int64)]
