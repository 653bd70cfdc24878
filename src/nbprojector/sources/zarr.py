"""A source over a 2-D Zarr array (a ``zarr.Array`` or the path of a ``*.zarr`` store),
read a block of rows at a time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import zarr

from .base import DEFAULT_MEMORY_BUDGET, BlockSource, SourceError, check_chunk_rows, take_sorted


def _open_array(data: Any, label: str) -> Any:
    if isinstance(data, zarr.Array):
        return data
    opened = zarr.open(str(data), mode="r")
    if isinstance(opened, zarr.Array):
        return opened
    arrays = [name for name, _ in opened.arrays()]
    hint = f"zarr.open_group({str(data)!r})[{arrays[0]!r}]" if arrays else "a Zarr array"
    raise SourceError(
        f"{label} is a Zarr group (arrays: {arrays}), not an array; pass one of its arrays, "
        f"e.g. {hint}"
    )


class ZarrSource(BlockSource):
    """Vectors in a 2-D Zarr array (points x dimensions).

    Attributes:
        array: the ``zarr.Array``.
    """


    def __init__(
        self, data: Any, *, name: str = "embedding", memory_budget: int = DEFAULT_MEMORY_BUDGET
    ) -> None:
        where = data if isinstance(data, str) else str(getattr(data, "store_path", None) or data)
        self.label = f"Zarr array {where!r}"
        array = _open_array(data, self.label)
        if array.ndim != 2:
            fix = (
                "reshape it to (points, dimensions) when writing it"
                if array.ndim > 2
                else "store the vectors as a 2-D array (points x dimensions)"
            )
            raise SourceError(
                f"{self.label} has shape {array.shape}, but vectors must be a 2-D array "
                f"(points x dimensions); {fix}"
            )
        if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
            raise SourceError(
                f"{self.label} holds {array.dtype}, not numbers; store the vectors as floats"
            )
        self.array = array
        self.name = name
        self.memory_budget = memory_budget

    @property
    def shape(self) -> tuple[int, int]:
        n, d = self.array.shape
        return int(n), int(d)

    def chunks(self, rows_per_chunk: int) -> Iterator[tuple[int, np.ndarray]]:
        check_chunk_rows(rows_per_chunk)
        for start in range(0, self.shape[0], rows_per_chunk):
            yield start, np.asarray(self.array[start : start + rows_per_chunk], dtype=np.float32)

    def take(self, rows: np.ndarray) -> np.ndarray:
        def read_sorted(sorted_rows: np.ndarray) -> np.ndarray:
            picked = self.array.get_orthogonal_selection((sorted_rows, slice(None)))
            return np.asarray(picked, dtype=np.float32)

        n, d = self.shape
        return take_sorted(rows, n, d, self.label, read_sorted, self.rows_per_chunk())
