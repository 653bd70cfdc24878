"""Where the vectors come from: the N x D matrix read through one small interface.

Everything that needs the vectors of an embedding (projections, nearest neighbours, the
offline export, the log-dir writer) reads them through a :class:`VectorSource`, so that a
source bigger than the kernel's memory (memory-mapped, on disk, remote) can later plug in
without changing those readers. Today's one implementation is :class:`ArraySource`, an
in-memory float32 matrix.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class VectorSource(Protocol):
    """An (N, D) matrix of vectors, read by blocks of rows or by picking rows."""

    @property
    def shape(self) -> tuple[int, int]:
        """(N, D)."""
        ...

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the blocks returned (float32 for every source so far)."""
        ...

    def chunks(self, rows_per_chunk: int) -> Iterator[tuple[int, np.ndarray]]:
        """(start, block) for consecutive blocks of at most ``rows_per_chunk`` rows."""
        ...

    def take(self, rows: np.ndarray) -> np.ndarray:
        """The rows ``rows`` (int indices) as one (len(rows), D) array, in that order."""
        ...


class ArraySource:
    """A source over an in-memory C-contiguous float32 matrix (not copied)."""

    def __init__(self, array: np.ndarray) -> None:
        if array.ndim != 2 or array.dtype != np.float32:
            raise ValueError(
                f"an ArraySource holds a 2-D float32 matrix, got {array.ndim}-D {array.dtype}"
            )
        self.array = np.ascontiguousarray(array)

    @property
    def shape(self) -> tuple[int, int]:
        n, d = self.array.shape
        return int(n), int(d)

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    def chunks(self, rows_per_chunk: int) -> Iterator[tuple[int, np.ndarray]]:
        if rows_per_chunk < 1:
            raise ValueError(f"rows_per_chunk must be at least 1, got {rows_per_chunk}")
        for start in range(0, self.shape[0], rows_per_chunk):
            yield start, self.array[start : start + rows_per_chunk]

    def take(self, rows: np.ndarray) -> np.ndarray:
        return self.array[np.asarray(rows, dtype=np.int64)]
