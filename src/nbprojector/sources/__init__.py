"""Where the vectors come from: the N x D matrix read through one small interface.

:class:`VectorSource` is the interface; :class:`ArraySource` (an in-memory matrix) is the
default, and :func:`open_source` opens the kinds that stay on disk or on a cluster: Lance,
Parquet, Zarr and Dask (each in its own module, imported only when used).
"""

from .array import ArraySource
from .base import DEFAULT_MEMORY_BUDGET, SourceError, VectorSource, rows_within
from .open import open_source, source_kind

__all__ = [
    "DEFAULT_MEMORY_BUDGET",
    "ArraySource",
    "SourceError",
    "VectorSource",
    "open_source",
    "rows_within",
    "source_kind",
]
