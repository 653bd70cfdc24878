"""The data behind a projector: one or more embeddings of the same N items, and their metadata.

Validation happens here, at the boundary, so every later step can trust the arrays.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .metadata import load_metadata
from .search import as_text, match, match_blocks
from .sources import ArraySource, VectorSource, open_source, source_kind
from .sources.base import DEFAULT_MEMORY_BUDGET, check_memory_budget
from .wording import plural

if TYPE_CHECKING:  # Arrow is an extra: imported by the Lance and Parquet sources only
    from .sources.disk_text import DiskText

#: Rows checked at a time for NaN / infinity, so the check needs no N x D boolean copy.
_CHECK_ROWS = 65_536


class EmbeddingError(ValueError):
    """An embedding that cannot be used as given; the message says how to fix it."""


def as_embedding(data: Any, name: str = "embedding") -> np.ndarray:
    """Validate ``data`` and return it as a C-contiguous float32 (N, D) matrix.

    Anything ``numpy.asarray`` turns into a 2-D numeric matrix is accepted: numpy arrays,
    CPU torch tensors, lists of lists, numeric DataFrames. A float32 C-contiguous array is
    used as is (no copy), so the projector never holds a second N x D copy.
    """
    if isinstance(data, pd.DataFrame):
        non_numeric = [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])]
        if non_numeric:
            raise EmbeddingError(
                f"{name} has non-numeric columns {non_numeric[:5]}; pass only the vector "
                "columns and give labels as metadata"
            )
    try:
        with warnings.catch_warnings():
            # numpy drops the imaginary part of complex numbers with only a warning.
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            with np.errstate(over="ignore"):  # values past float32's range: reported below
                matrix = np.asarray(data, dtype=np.float32)
    except np.exceptions.ComplexWarning:
        raise _complex_error(name) from None
    except (TypeError, ValueError) as err:
        if "complex" in str(err):
            raise _complex_error(name) from None
        raise EmbeddingError(
            f"{name} must be numeric, but converting it to float32 failed ({err}); "
            "pass a numeric matrix and give text labels as metadata"
        ) from None
    if matrix.ndim != 2:
        raise EmbeddingError(
            f"{name} must be 2-D (points x dimensions), got shape {matrix.shape}; "
            + (
                "reshape it with emb.reshape(len(emb), -1)"
                if matrix.ndim > 2
                else "wrap a single vector as [vector] or use reshape(1, -1)"
            )
        )
    _check_size(name, *matrix.shape)
    bad_rows = _non_finite_rows(matrix)
    if len(bad_rows) and isinstance(data, np.ndarray) and np.isfinite(data[bad_rows[0]]).all():
        raise EmbeddingError(
            f"{name} has values beyond float32's range (+-3.4e38) in row {bad_rows[0]}; "
            "divide it by a constant (e.g. emb / np.abs(emb).max()) before passing it"
        )
    if len(bad_rows):
        raise EmbeddingError(
            f"{name} has NaN or infinite values in {plural(len(bad_rows), 'row')}, the first "
            f"at row {bad_rows[0]}; drop or impute those rows (e.g. emb[np.isfinite(emb).all(1)])"
        )
    return np.ascontiguousarray(matrix)


def _check_size(name: str, n: int, d: int) -> None:
    """An embedding of ``n`` points in ``d`` dimensions can be projected, or EmbeddingError."""
    if n < 2:
        raise EmbeddingError(f"{name} has {plural(n, 'point')}; a projection needs at least 2")
    if d < 2:
        raise EmbeddingError(
            f"{name} has {plural(d, 'dimension')}; a projection needs at least 2"
        )


def _complex_error(name: str) -> EmbeddingError:
    return EmbeddingError(
        f"{name} holds complex numbers; pass real vectors, e.g. np.abs(emb), emb.real, "
        "or np.hstack([emb.real, emb.imag])"
    )


def _non_finite_rows(matrix: np.ndarray) -> np.ndarray:
    bad = [np.empty(0, dtype=np.int64)]
    for start in range(0, len(matrix), _CHECK_ROWS):
        finite = np.isfinite(matrix[start : start + _CHECK_ROWS])
        # One reduction over the whole block is ~10x faster than one per row (axis=1 of a
        # narrow matrix); rows are looked at only in a block that holds a bad value.
        if not finite.all():
            bad.append(start + np.flatnonzero(~finite.all(axis=1)))
    return np.concatenate(bad)


@dataclass
class Dataset:
    """Embeddings (name -> source of vectors, all with the same N) and the shared metadata.

    An in-memory matrix is held as an :class:`ArraySource` over the validated float32
    matrix (not copied); Lance, Parquet, Zarr and Dask inputs stay where they are, read a
    block of rows at a time within ``memory_budget`` bytes.
    """

    embeddings: dict[str, VectorSource]
    table: pd.DataFrame
    #: One RGBA thumbnail per point, (N, h, w, 4) uint8, or None (set by the widget).
    images: np.ndarray | None = None
    #: Bytes a reader may spend on one block of rows of a source that is not in memory.
    memory_budget: int = DEFAULT_MEMORY_BUDGET
    #: The text columns of a Lance or Parquet source left on disk (too many distinct values
    #: to hold), read by rows or by blocks; their names follow the table's columns.
    on_disk: DiskText | None = None

    @classmethod
    def from_inputs(
        cls,
        emb: Any,
        meta: Any = None,
        *,
        vector_column: str | None = None,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
    ) -> Dataset:
        """Build from what a user passes to ``Projector(emb, meta)``."""
        budget = check_memory_budget(memory_budget)
        if isinstance(emb, Mapping):
            if not emb:
                raise EmbeddingError("no embeddings given: the dict is empty")
            named = {str(k): (v, f"embedding {k!r}") for k, v in emb.items()}
        else:
            named = {"embedding": (emb, "embedding")}
        if vector_column is not None and not any(
            source_kind(v) in ("path", "lance", "parquet") for v, _ in named.values()
        ):
            raise EmbeddingError(
                f"vector_column={vector_column!r} names the vector column of a Lance or "
                "Parquet source, but no such source was given; leave vector_column out"
            )
        embeddings = {
            key: _open(value, label, vector_column, budget)
            for key, (value, label) in named.items()
        }
        counts = {k: v.shape[0] for k, v in embeddings.items()}
        if len(set(counts.values())) > 1:
            raise EmbeddingError(
                f"all embeddings must describe the same points, but their lengths differ: {counts}"
            )
        n = next(iter(counts.values()))
        on_disk = None
        if meta is None:
            meta, on_disk = _metadata_of_sources(embeddings.values())
        return cls(embeddings, load_metadata(meta, n), memory_budget=budget, on_disk=on_disk)

    @property
    def n_points(self) -> int:
        return len(self.table)

    # Metadata columns, wherever they are: held in ``table`` or left on disk.
    @property
    def columns(self) -> list[str]:
        """Every metadata column: the table's, then those left on disk."""
        disk = [] if self.on_disk is None else self.on_disk.names
        return [str(c) for c in self.table.columns] + [c for c in disk if c not in self.table]

    def has_column(self, column: object) -> bool:
        return column in self.table.columns or self.is_on_disk(column)

    def is_on_disk(self, column: object) -> bool:
        """Whether ``column`` is text left on disk (read by rows, never whole)."""
        return (
            self.on_disk is not None and column in self.on_disk and column not in self.table
        )

    def text_on_disk(self) -> dict[str, int]:
        """Each column left on disk and the distinct values counted before it was (a lower
        bound of how many it has)."""
        if self.on_disk is None:
            return {}
        return {c: self.on_disk.distinct_seen[c] for c in self.columns if self.is_on_disk(c)}

    def values(self, column: str, rows: np.ndarray) -> pd.Series:
        """Column ``column`` at ``rows`` (int indices, any order), indexed 0..len(rows)-1."""
        if self.is_on_disk(column):
            assert self.on_disk is not None
            return self.on_disk.take(column, rows)
        return self.table[column].iloc[np.asarray(rows, dtype=np.int64)].reset_index(drop=True)

    def rows(self, rows: np.ndarray) -> pd.DataFrame:
        """Every column at ``rows``, in :attr:`columns` order, indexed 0..len(rows)-1."""
        picked = np.asarray(rows, dtype=np.int64)
        frame = self.table.iloc[picked].reset_index(drop=True)
        disk = [c for c in self.columns if self.is_on_disk(c)]
        if disk:
            assert self.on_disk is not None
            read = self.on_disk.take_rows(picked, disk)
            frame = pd.concat([frame, read], axis=1)
        return frame

    def held(self) -> Dataset:
        """This dataset with its columns left on disk read into the table (for an export
        of every point, which writes them all anyway); itself when none is on disk."""
        if self.on_disk is None:
            return self
        table = self.rows(np.arange(self.n_points))
        return dataclasses.replace(self, table=table, on_disk=None)

    def matches(self, column: str, query: str, *, regex: bool = False) -> np.ndarray:
        """(N,) bool: which points' ``column`` holds ``query`` (see :func:`search.match`);
        a column on disk is searched a block at a time."""
        if self.is_on_disk(column):
            assert self.on_disk is not None
            return match_blocks(self.on_disk.blocks(column), self.n_points, query, regex=regex)
        return match(self.table[column], query, regex=regex)

    def rows_labelled(self, column: str, label: str) -> np.ndarray:
        """The points whose ``column`` reads exactly ``label`` (as the inspector shows it)."""
        if self.is_on_disk(column):
            assert self.on_disk is not None
            found = [
                start + np.flatnonzero(as_text(values)[0].to_numpy() == label)
                for start, values in self.on_disk.blocks(column)
            ]
            return np.concatenate(found) if found else np.empty(0, dtype=np.int64)
        text, _missing = as_text(self.table[column])
        return np.flatnonzero(text.to_numpy() == label)

    def source(self, name: str) -> VectorSource:
        """The vectors of embedding ``name``, read through the source interface."""
        return self.embeddings[name]


def _open(value: Any, label: str, vector_column: str | None, budget: int) -> VectorSource:
    """An in-memory matrix validated as an :class:`ArraySource`; any other source opened
    and its sizes checked. Its rows are not read here: NaN and infinity are found when they
    are read, by the first layout, the reading of the other drawn rows or the exact PCA's
    first pass."""
    if isinstance(value, ArraySource):
        value = value.array  # checked as any matrix is (not copied)
    kind = source_kind(value)
    if kind is None:
        return ArraySource(as_embedding(value, label), name=label, memory_budget=budget)
    source = open_source(
        value,
        vector_column=vector_column if kind in ("path", "lance", "parquet") else None,
        memory_budget=budget,
        name=label,
    )
    _check_size(label, *source.shape)
    return source


def _metadata_of_sources(sources: Iterable[VectorSource]
                         ) -> tuple[pd.DataFrame | None, DiskText | None]:  # fmt: skip
    """The first source's own scalar columns (Lance, Parquet): those held in memory and the
    text left on disk; (None, None) when no source has any."""
    for source in sources:
        read = getattr(source, "metadata", None)
        found = read() if callable(read) else None
        if found is not None:
            table, on_disk = found
            if table is None:  # every column stays on disk: the index is the table's
                table = pd.DataFrame({"index": np.arange(source.shape[0])})
            return table, on_disk
    return None, None
