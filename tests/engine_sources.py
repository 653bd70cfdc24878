"""Small vector sources for the engine tests: each hands out blocks of rows like a source
beyond the kernel would (none is an ArraySource), so the engines take their streamed paths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np


class BlockSource:
    """A numpy matrix read only through ``chunks`` and ``take``; says it is not in memory."""

    in_memory = False
    name = "blocks"

    def __init__(self, vectors: np.ndarray) -> None:
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.taken = 0  # rows handed out by take (tests check reads stay bounded)

    @property
    def shape(self) -> tuple[int, int]:
        n, d = self._vectors.shape
        return int(n), int(d)

    @property
    def dtype(self) -> np.dtype:
        return self._vectors.dtype

    def chunks(self, rows_per_chunk: int) -> Iterator[tuple[int, np.ndarray]]:
        for start in range(0, self.shape[0], rows_per_chunk):
            yield start, self._vectors[start : start + rows_per_chunk].copy()

    def take(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        self.taken += rows.size
        return self._vectors[rows].copy()


class DaskArraySource(BlockSource):
    """A source over a float32 ``dask.array.Array`` (its row chunks are the blocks)."""

    name = "dask"

    def __init__(self, vectors: np.ndarray, rows_per_chunk: int) -> None:
        import dask.array as da

        super().__init__(vectors)
        self.array = da.from_array(self._vectors, chunks=(rows_per_chunk, -1))


class LanceVectorSource(BlockSource):
    """A Lance dataset written to ``folder`` (vector column ``vector`` plus ``extra``
    columns), read back through Lance only."""

    name = "lance"

    def __init__(self, vectors: np.ndarray, folder: Path, extra: dict[str, Any] | None = None
                 ) -> None:  # fmt: skip
        import lance
        import pyarrow as pa

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, d = vectors.shape
        column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), d)
        table = pa.table({"vector": column, **(extra or {})})
        self.uri = str(folder)
        self.dataset = lance.write_dataset(table, self.uri, mode="overwrite")
        self.vector_column = "vector"
        self._n, self._d = n, d
        self.taken = 0

    @property
    def shape(self) -> tuple[int, int]:
        return self._n, self._d

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float32)

    def chunks(self, rows_per_chunk: int) -> Iterator[tuple[int, np.ndarray]]:
        for start in range(0, self._n, rows_per_chunk):
            yield start, self.take(np.arange(start, min(self._n, start + rows_per_chunk)))

    def take(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        self.taken += rows.size
        table = self.dataset.take(rows, columns=[self.vector_column])
        flat = table.column(self.vector_column).combine_chunks().flatten()
        return flat.to_numpy().astype(np.float32).reshape(len(rows), self._d)

    def __getstate__(self) -> dict[str, Any]:  # workers reopen the dataset from its folder
        return {"uri": self.uri, "vector_column": self.vector_column, "_n": self._n,
                "_d": self._d, "taken": 0}  # fmt: skip

    def __setstate__(self, state: dict[str, Any]) -> None:
        import lance

        self.__dict__.update(state)
        self.dataset = lance.dataset(self.uri)


def clustered(n: int, d: int, clusters: int, seed: int = 0, spread: float = 0.3) -> np.ndarray:
    """``n`` float32 points around ``clusters`` random centres in ``d`` dimensions."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, d)).astype(np.float32) * 3
    labels = rng.integers(0, clusters, n)
    return (centres[labels] + rng.normal(scale=spread, size=(n, d))).astype(np.float32)
