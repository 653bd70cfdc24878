"""The interface every source of vectors implements, and what the readers share.

Everything that needs the vectors of an embedding (projections, nearest neighbours, the
offline export, the log-dir writer) reads them through a :class:`VectorSource`: blocks of
consecutive rows (:meth:`~VectorSource.chunks`) or picked rows (:meth:`~VectorSource.take`).
A source that is not in memory (Lance, Parquet, Zarr, Dask) is never read whole: readers ask
:meth:`~VectorSource.rows_per_chunk` how many rows fit their memory budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol, runtime_checkable

import numpy as np

#: The memory a reader may spend on one block of rows when none is given: 1 GiB.
DEFAULT_MEMORY_BUDGET = 1 << 30
#: A block of rows read from disk briefly exists several times over (the reader's pages and
#: buffers, the decoded column, the float32 matrix, the caller's scratch): the budget is
#: split by this factor. Measured on Lance, the hungriest reader: a 2M x 128 scan in blocks
#: of 8 MB peaked 160 MB above its start, in blocks of 32 MB 410 MB.
_COPIES_PER_BLOCK = 16


class SourceError(ValueError):
    """A source of vectors that cannot be used as given; the message says how to fix it."""


@runtime_checkable
class VectorSource(Protocol):
    """An (N, D) matrix of vectors, read by blocks of rows or by picking rows."""

    #: The embedding's name, used in messages.
    name: str
    #: True only when the whole matrix already sits in the kernel's memory.
    in_memory: bool

    @property
    def shape(self) -> tuple[int, int]:
        """(N, D)."""
        ...

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the blocks returned (float32 for every source)."""
        ...

    def chunks(self, rows_per_chunk: int) -> Iterator[tuple[int, np.ndarray]]:
        """(start, block) for consecutive blocks of at most ``rows_per_chunk`` rows."""
        ...

    def take(self, rows: np.ndarray) -> np.ndarray:
        """The rows ``rows`` (int indices, any order, repeats allowed) as one
        (len(rows), D) float32 array, in that order."""
        ...

    def rows_per_chunk(self, memory_budget: int | None = None) -> int:
        """How many rows one block may hold so that reading it stays within
        ``memory_budget`` bytes (default: the budget the source was opened with)."""
        ...


def rows_within(memory_budget: int, n_dims: int, n_rows: int) -> int:
    """Rows of ``n_dims`` float32 values a block may hold within ``memory_budget`` bytes
    (at least 1, at most ``n_rows``)."""
    if memory_budget < 1:
        raise SourceError(f"memory_budget must be a positive number of bytes, got {memory_budget}")
    per_row = 4 * max(1, n_dims) * _COPIES_PER_BLOCK
    return int(min(max(1, n_rows), max(1, memory_budget // per_row)))


class BlockSource:
    """What every source outside the kernel's memory shares: float32 blocks sized from
    ``memory_budget``. A subclass sets ``memory_budget`` and gives ``shape``."""

    in_memory = False
    memory_budget: int

    @property
    def shape(self) -> tuple[int, int]:
        raise NotImplementedError

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float32)

    def rows_per_chunk(self, memory_budget: int | None = None) -> int:
        budget = self.memory_budget if memory_budget is None else memory_budget
        n, d = self.shape
        return rows_within(budget, d, n)


def check_memory_budget(memory_budget: object) -> int:
    """``memory_budget`` as an int of bytes, or a SourceError saying what it must be."""
    if isinstance(memory_budget, bool) or not isinstance(memory_budget, (int, np.integer)):
        raise SourceError(
            f"memory_budget must be a number of bytes (an int, e.g. 1 << 30 for 1 GiB), "
            f"got {memory_budget!r}"
        )
    if memory_budget < 1:
        raise SourceError(f"memory_budget must be a positive number of bytes, got {memory_budget}")
    return int(memory_budget)


def check_chunk_rows(rows_per_chunk: int) -> None:
    if rows_per_chunk < 1:
        raise ValueError(f"rows_per_chunk must be at least 1, got {rows_per_chunk}")


def as_rows(rows: object, n_rows: int, name: str) -> np.ndarray:
    """``rows`` as int64 indices, each in ``0..n_rows-1`` (an IndexError names the range)."""
    picked = np.asarray(rows, dtype=np.int64).reshape(-1)
    if len(picked) and (picked.min() < 0 or picked.max() >= n_rows):
        raise IndexError(
            f"rows of {name} must be in 0..{n_rows - 1}, got min {picked.min()} and "
            f"max {picked.max()}"
        )
    return picked


def take_sorted(
    rows: object,
    n_rows: int,
    n_dims: int,
    name: str,
    read_sorted: Callable[[np.ndarray], np.ndarray],
    max_rows: int,
) -> np.ndarray:
    """Rows in any order, with repeats, from a reader of sorted unique rows.

    Files are read fastest in row order and each row once, so ``read_sorted`` gets sorted
    unique indices, at most ``max_rows`` at a time, and the answer is put back in the order
    asked for.
    """
    picked = as_rows(rows, n_rows, name)
    if len(picked) == 0:
        return np.empty((0, n_dims), dtype=np.float32)
    # Rows already sorted and unique (the points drawn, a block's ids) skip the sort.
    in_order = bool(np.all(picked[1:] > picked[:-1]))
    unique, inverse = (picked, None) if in_order else np.unique(picked, return_inverse=True)
    if len(unique) <= max_rows:
        read = read_sorted(unique)
    else:  # block by block into one array: no second copy of every block at the end
        read = np.empty((len(unique), n_dims), dtype=np.float32)
        for i in range(0, len(unique), max_rows):
            read[i : i + max_rows] = read_sorted(unique[i : i + max_rows])
    return read if inverse is None else read[inverse.reshape(-1)]


def non_finite_rows(block: np.ndarray) -> np.ndarray:
    """Row positions of ``block`` holding NaN or an infinity."""
    return np.flatnonzero(~np.isfinite(block).all(axis=1))
