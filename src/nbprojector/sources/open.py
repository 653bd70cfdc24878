"""Open whatever a user passes as vectors that do not sit in memory.

Lance, Parquet, Zarr and Dask are extras: their libraries are imported only when a source of
their kind is opened, and a missing one says which extra to install.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from .base import DEFAULT_MEMORY_BUDGET, SourceError, VectorSource, check_memory_budget

#: The extra that installs each kind's library.
_EXTRAS = {"lance": "lance", "parquet": "lance", "zarr": "zarr", "dask": "dask"}
_LIBRARIES = {"lance": "pylance and lancedb", "parquet": "pyarrow", "zarr": "zarr",
              "dask": "dask"}  # fmt: skip
_MODULES = {"lance": "lance", "parquet": "parquet", "zarr": "zarr", "dask": "dask"}
_CLASSES = {"lance": "LanceSource", "parquet": "ParquetSource", "zarr": "ZarrSource",
            "dask": "DaskSource"}  # fmt: skip


def _is_source(obj: Any) -> bool:
    return all(callable(getattr(obj, m, None)) for m in ("chunks", "take", "rows_per_chunk")) and (
        hasattr(obj, "shape") and hasattr(obj, "in_memory")
    )


def source_kind(obj: Any) -> str | None:
    """'lance', 'parquet', 'zarr', 'dask', 'path' or 'source' (already a VectorSource) for
    what :func:`open_source` opens; None for anything else (such as an in-memory matrix).
    No library is imported to tell."""
    if isinstance(obj, (str, os.PathLike)):
        return "path"
    if _is_source(obj):
        return "source"
    module = type(obj).__module__.split(".")[0]
    if module in ("lance", "lancedb") and (
        callable(getattr(obj, "to_lance", None)) or type(obj).__name__ == "LanceDataset"
    ):
        return "lance"
    if module == "pyarrow" and "Dataset" in type(obj).__name__:
        return "parquet"
    if module == "zarr" and type(obj).__name__ in ("Array", "Group"):
        return "zarr"
    if module == "dask" and type(obj).__name__ == "Array":
        return "dask"
    return None


def _is_url(obj: object) -> bool:
    return isinstance(obj, str) and "://" in obj


def _url_kind(url: str, name: str) -> str:
    """The kind of a dataset in an object store (s3://, gs://, file://...), by its suffix:
    its contents cannot be listed before the library that reads it opens it."""
    suffix = Path(url.rstrip("/")).suffix.lower()
    kinds = {".lance": "lance", ".zarr": "zarr", ".parquet": "parquet", ".pq": "parquet"}
    if suffix in kinds:
        return kinds[suffix]
    raise SourceError(
        f"{name}: cannot tell what kind of data {url!r} holds from its name; open a URL "
        "ending in .lance, .zarr or .parquet, or open the dataset yourself (lance.dataset, "
        "zarr.open_array, pyarrow.dataset.dataset) and pass it"
    )


def _path_kind(path: Path, name: str) -> str:
    if not path.exists():
        raise SourceError(
            f"{name}: there is no file or folder at {str(path)!r} (relative paths start at "
            f"{os.getcwd()!r}); check the path"
        )
    suffix = path.suffix.lower()
    if suffix == ".lance" or (path / "_versions").is_dir():
        return "lance"
    zarr_marks = (".zarray", ".zgroup", "zarr.json")
    if suffix == ".zarr" or any((path / mark).is_file() for mark in zarr_marks):
        return "zarr"
    if path.is_file() and suffix in (".parquet", ".pq"):
        return "parquet"
    if path.is_dir() and any(path.rglob("*.parquet")):
        return "parquet"
    raise SourceError(
        f"{name}: cannot tell what kind of data {str(path)!r} holds; open a Lance dataset "
        "(*.lance), Parquet (a *.parquet file or a folder of them) or a Zarr array (*.zarr), "
        "or load the vectors yourself and pass the matrix (e.g. np.load(path) for .npy)"
    )


def _source_class(kind: str, what: str) -> Any:
    try:
        module = importlib.import_module(f"{__package__}.{_MODULES[kind]}")
    except ImportError as err:
        raise ImportError(
            f"opening {what} needs {_LIBRARIES[kind]} ({err}); install them with "
            f'pip install "nbprojector[{_EXTRAS[kind]}]"'
        ) from None
    return getattr(module, _CLASSES[kind])


def open_source(
    obj: Any,
    *,
    vector_column: str | None = None,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    name: str = "embedding",
) -> VectorSource:
    """Open vectors that stay where they are: a Lance dataset (a ``*.lance`` path, a
    ``lance.LanceDataset`` or a LanceDB table), Parquet (a file, a folder of shards or a
    ``pyarrow.dataset.Dataset``), a 2-D Zarr array (a ``zarr.Array`` or a ``*.zarr`` path)
    or a 2-D ``dask.array.Array``. A :class:`VectorSource` is returned as it is.

    Args:
        vector_column: for Lance and Parquet, the column that holds the vectors; by
            default the one column of fixed-size lists of numbers or lists of floats.
        memory_budget: bytes a reader may spend on one block of rows (1 GiB by default).
        name: the embedding's name, used in messages.

    Raises:
        SourceError: the source cannot be used (the message names it and the fix).
        ImportError: the extra that reads this kind is not installed (the message says
            which: ``pip install "nbprojector[lance]"``, ``[zarr]`` or ``[dask]``).
    """
    budget = check_memory_budget(memory_budget)
    kind = source_kind(obj)
    if kind == "source":
        return obj  # type: ignore[no-any-return]
    if kind is None:
        raise SourceError(
            f"{name}: cannot open a {type(obj).__name__} as a source of vectors; pass a Lance "
            "or Parquet path or dataset, a Zarr array, a Dask array, or an in-memory matrix"
        )
    what = f"{name} ({obj!s})" if kind == "path" else f"{name} (a {type(obj).__name__})"
    if kind == "path":
        kind = _url_kind(str(obj), name) if _is_url(obj) else _path_kind(Path(obj), name)
    if vector_column is not None and kind not in ("lance", "parquet"):
        raise SourceError(
            f"vector_column={vector_column!r} names a column of a Lance or Parquet dataset, "
            f"but {name} is a {kind.capitalize()} array; leave vector_column out"
        )
    cls = _source_class(kind, what)
    if kind in ("lance", "parquet"):
        return cls(obj, vector_column=vector_column, name=name, memory_budget=budget)  # type: ignore[no-any-return]
    return cls(obj, name=name, memory_budget=budget)  # type: ignore[no-any-return]
