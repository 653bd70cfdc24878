"""Approximate nearest neighbours from a Lance IVF-PQ index, re-ranked exactly.

For clicks on tens of millions of points a streamed exact query (a pass over every row) is
too slow; an IVF-PQ index (Lance's, the one LanceDB tables use) finds candidates in
milliseconds. Lance refines its candidates with exact distances (``refine_factor``); the
kernel then recomputes the distances of the ones it returns from their vectors, exactly as
the exact backends do, so every distance shown is exact and only the choice of points may
miss a true neighbour. Each answer says which it is ("approximate (IVF-PQ, refined)" or
"exact"); what the index cannot answer (another metric, the spherized space, a subset of
rows, ``exact=True``) goes to the exact streamed backend.

A source stored in Lance is indexed in place; any other source is first written, a block of
rows at a time, to a Lance dataset in a folder the user names (with the scalar metadata
columns, so ``where=`` filters can use them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .neighbor_backend import Found, NeighborBackend
from .sources import VectorSource
from .streamed_neighbors import (
    StreamedNeighbors,
    _block_nearest,
    _check_k_and_metric,
    query_vector,
)

#: What a neighbour list found through the index says.
APPROXIMATE_LABEL = "approximate (IVF-PQ, refined)"
#: Candidates re-ranked exactly, as a multiple of k: at 10M x 128, 20 gave recall@100 0.78,
#: 70 gave 0.955 (88 ms a query), 100 gave 0.98 (124 ms) in bench/beyond.py.
DEFAULT_REFINE = 70

#: progress(message, fraction)
Progress = Callable[[str, "float | None"], object]

MISSING_MESSAGE = "the IVF-PQ index needs Lance: pip install 'nbprojector[lance]'"

_LANCE_METRICS = {"cosine": "cosine", "euclidean": "l2"}
_WRITE_ROWS = 65_536
_ROW_BITS = 32  # a Lance row address is fragment id << 32 | offset in the fragment


#: Partitions beyond this cost more build time than they save at query time: k-means trains
#: on 256 rows a partition against every centroid, so its cost grows with partitions squared.
#: 10M x 128 with 1,024 partitions builds in about 11 minutes on two shared cores (sqrt(N),
#: 3,162, would take hours there) and answers k = 100 within 100 ms at recall@100 0.95 with
#: ``refine_factor`` 70 (bench/beyond.py).
MAX_PARTITIONS = 1_024


def default_partitions(n: int) -> int:
    """IVF partitions: about sqrt(N) (Lance's advice) up to :data:`MAX_PARTITIONS`, at least
    1, and no more than N / 40 so that k-means has enough points per centroid."""
    return int(max(1, min(round(math.sqrt(n)), n // 40, MAX_PARTITIONS)))


def default_sub_vectors(d: int) -> int:
    """PQ sub-vectors: the largest divisor of D that is at most D / 8 (8 dimensions per
    code, the density LanceDB's documentation suggests), at least 1."""
    target = max(1, d // 8)
    return next(m for m in range(target, 0, -1) if d % m == 0)


def _lance() -> Any:
    try:
        import lance
    except ImportError:
        raise ImportError(MISSING_MESSAGE) from None
    return lance


def _record_batches(source: VectorSource, table: pd.DataFrame | None,
                    progress: Progress | None) -> Iterator[Any]:  # fmt: skip
    import pyarrow as pa

    n, d = source.shape
    blocks = max(1, -(-n // _WRITE_ROWS))
    for i, (start, block) in enumerate(source.chunks(_WRITE_ROWS), 1):
        block = np.ascontiguousarray(block, dtype=np.float32)
        if not np.isfinite(block).all():
            bad = start + int(np.flatnonzero(~np.isfinite(block).all(axis=1))[0])
            raise ValueError(
                f"the vectors have NaN or infinite values (first at point {bad}); an index "
                "cannot be built over them: fix those rows first"
            )
        columns = {"vector": pa.FixedSizeListArray.from_arrays(pa.array(block.ravel()), d)}
        if table is not None:
            part = table.iloc[start : start + len(block)]
            for name in part.columns:
                columns[str(name)] = pa.Array.from_pandas(part[name])
        yield pa.RecordBatch.from_pydict(columns)
        if progress is not None:
            progress(f"writing the vectors to Lance, {i:,} of {blocks:,} chunks", i / blocks)


def _scalar_columns(table: pd.DataFrame | None) -> pd.DataFrame | None:
    """The metadata columns Lance can filter on (numbers, booleans, text)."""
    if table is None:
        return None
    types = pd.api.types
    kinds = (types.is_numeric_dtype, types.is_bool_dtype, types.is_string_dtype,
             types.is_object_dtype)  # fmt: skip
    keep = [c for c in table.columns if c != "vector" and any(k(table[c]) for k in kinds)]
    scalars = table[keep].copy()
    for c in scalars.columns:
        if pd.api.types.is_object_dtype(scalars[c]):
            scalars[c] = scalars[c].map(lambda v: None if pd.isna(v) else str(v)).astype(object)
    return scalars.reset_index(drop=True)


def lance_dataset_of(source: VectorSource) -> tuple[Any, str] | None:
    """(the ``lance.LanceDataset``, its vector column) of a source stored in Lance."""
    dataset = getattr(source, "dataset", None)
    column = getattr(source, "vector_column", None)
    if dataset is None or column is None:
        return None
    lance = _lance()
    return (dataset, str(column)) if isinstance(dataset, lance.LanceDataset) else None


def write_lance(source: VectorSource, folder: str | Path, table: pd.DataFrame | None = None,
                on_progress: Progress | None = None) -> Any:  # fmt: skip
    """Write the vectors of ``source`` (column ``vector``) and the scalar columns of
    ``table`` to a new Lance dataset in ``folder``, a block of rows at a time."""
    import pyarrow as pa

    lance = _lance()
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(
            f"{folder} exists and is not empty; give a new folder for the index's dataset "
            "(or delete this one)"
        )
    scalars = _scalar_columns(table)
    batches = _record_batches(source, scalars, on_progress)
    first = next(batches)
    reader = pa.RecordBatchReader.from_batches(first.schema, _chain(first, batches))
    return lance.write_dataset(reader, str(folder), max_rows_per_file=1 << 24)


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def build_ivf_pq(
    dataset: Any, vector_column: str, *, metric: str = "cosine",
    num_partitions: int | None = None, num_sub_vectors: int | None = None,
    on_progress: Progress | None = None,
) -> None:  # fmt: skip
    """Build (or replace) the IVF-PQ index of ``vector_column``; ``on_progress`` hears when
    it starts (with its sizes) and when it is done."""
    metric = _check_k_and_metric(1, metric)
    n = dataset.count_rows()
    d = dataset.schema.field(vector_column).type.list_size
    partitions = default_partitions(n) if num_partitions is None else int(num_partitions)
    sub_vectors = default_sub_vectors(d) if num_sub_vectors is None else int(num_sub_vectors)
    if not 1 <= partitions <= n:
        raise ValueError(f"num_partitions must be between 1 and the {n:,} points, "
                         f"got {partitions}")  # fmt: skip
    if sub_vectors < 1 or d % sub_vectors:
        raise ValueError(f"num_sub_vectors must divide the dimension {d}, got {sub_vectors}")

    if on_progress is not None:
        on_progress(f"building the IVF-PQ index ({partitions:,} partitions, "
                    f"{sub_vectors} sub-vectors) over {n:,} points", None)  # fmt: skip
    # Lance's own progress_callback is not used: with pylance 14 a create_index given one
    # hung (no CPU used, for minutes) once the dataset object had served a take(), which
    # the neighbour backends do; without it the same build finished in about a minute.
    dataset.create_index(vector_column, index_type="IVF_PQ", metric=_LANCE_METRICS[metric],
                         num_partitions=partitions, num_sub_vectors=sub_vectors,
                         replace=True)  # fmt: skip
    if on_progress is not None:
        on_progress("built the IVF-PQ index", 1.0)


class _Positions:
    """Lance row addresses (fragment id << 32 | offset) -> point indices (scan order)."""

    def __init__(self, dataset: Any) -> None:
        fragments = dataset.get_fragments()
        if any(f.count_rows() != f.physical_rows for f in fragments):
            raise ValueError(
                "the Lance dataset has deleted rows, so its row addresses do not number the "
                "points; compact it first (dataset.optimize.compact_files())"
            )
        ids = np.array([f.fragment_id for f in fragments], dtype=np.int64)
        counts = np.array([f.physical_rows for f in fragments], dtype=np.int64)
        order = np.argsort(ids)
        self._ids = ids[order]
        self._starts = (np.cumsum(counts) - counts)[order]  # fragments in scan order

    def __call__(self, addresses: np.ndarray) -> np.ndarray:
        addresses = np.asarray(addresses, dtype=np.uint64)
        fragment = (addresses >> np.uint64(_ROW_BITS)).astype(np.int64)
        offset = (addresses & np.uint64((1 << _ROW_BITS) - 1)).astype(np.int64)
        return self._starts[np.searchsorted(self._ids, fragment)] + offset


def rows_where(dataset: Any, where: str, positions: _Positions | None = None) -> np.ndarray:
    """The sorted point indices of the rows of a Lance ``dataset`` that satisfy the SQL
    filter ``where`` (read with Lance's scanner: only the filtered columns are loaded)."""
    try:
        table = dataset.to_table(columns=[], filter=where, with_row_address=True)
    except Exception as err:  # Lance reports a bad filter as one of several error types
        reason = re.sub(r",? \S+\.rs:\d+:\d+", "", str(err))  # its Rust source location
        raise ValueError(
            f"the filter where={where!r} is not valid for this dataset ({reason}); use SQL "
            "on its columns, e.g. \"lang = 'en'\""
        ) from None
    positions = positions or _Positions(dataset)
    return np.sort(positions(table.column("_rowaddr").to_numpy()))


class LanceIndexNeighbors:
    """Neighbours from a Lance IVF-PQ index with exact distances (see the module docstring).

    Args:
        source: the vectors (the exact fallback and the re-ranking read them).
        dataset, vector_column: the Lance dataset holding the same vectors, row for row.
        metric: the metric the index was built with.
        exact_backend: answers what the index cannot (default: streamed over ``source``).
        nprobes: IVF partitions searched per query.
        refine_factor: Lance re-ranks ``refine_factor * k`` candidates with exact distances.
    """

    exact = False
    label = APPROXIMATE_LABEL

    def __init__(self, source: VectorSource, dataset: Any, vector_column: str, metric: str,
                 *, exact_backend: NeighborBackend | None = None, nprobes: int = 20,
                 refine_factor: int = DEFAULT_REFINE) -> None:  # fmt: skip
        self._source = source
        self.dataset = dataset
        self.vector_column = vector_column
        self.metric = metric
        self.exact_backend = exact_backend or StreamedNeighbors(source)
        self.nprobes = int(nprobes)
        self.refine_factor = int(refine_factor)
        self._positions = _Positions(dataset)
        if dataset.count_rows() != source.shape[0]:
            raise ValueError(f"the Lance dataset has {dataset.count_rows():,} rows but the "
                             f"embedding has {source.shape[0]:,} points")  # fmt: skip

    def rows_where(self, where: str) -> np.ndarray:
        """The sorted point indices whose metadata satisfy the SQL filter ``where``."""
        return rows_where(self.dataset, where, self._positions)

    def query(
        self,
        query: int | np.ndarray,
        k: int,
        metric: str,
        *,
        spherize: bool = False,
        rows: np.ndarray | None = None,
        where: str | None = None,
        exact: bool = False,
    ) -> Found:
        """As the exact backends' ``query``, plus ``where`` (a Lance SQL filter on the
        metadata columns) and ``exact`` (skip the index). The answer's ``label`` says whether
        the points came from the index."""
        metric = _check_k_and_metric(k, metric)
        if where is not None:
            matching = self.rows_where(where)
            rows = matching if rows is None else np.intersect1d(rows, matching)
        if exact or spherize or metric != self.metric or (rows is not None and where is None):
            return self.exact_backend.query(query, k, metric, spherize=spherize, rows=rows)
        if rows is not None and not len(rows):
            return Found(np.empty(0, np.int64), np.empty(0, np.float32),
                         np.empty(0, np.float32) if metric == "cosine" else None, "original",
                         APPROXIMATE_LABEL)  # fmt: skip
        vector, point = query_vector(self._source, query)
        if metric == "cosine" and not vector.any():
            raise ValueError("the query is a zero vector: cosine distance is undefined; "
                             "use metric='euclidean'")  # fmt: skip
        asked = int(k) + (point is not None)
        nearest = {"column": self.vector_column, "q": vector, "k": asked,
                   "nprobes": self.nprobes, "refine_factor": self.refine_factor}  # fmt: skip
        table = self.dataset.to_table(
            nearest=nearest, columns=["_distance"], filter=where, prefilter=where is not None,
            with_row_address=True,
        )
        candidates = np.unique(self._positions(table.column("_rowaddr").to_numpy()))
        # Exact distances of the candidates, ordered by (distance, index) as the exact
        # backends order theirs.
        ids, distances, angles = _block_nearest(
            np.ascontiguousarray(self._source.take(candidates), dtype=np.float32), candidates,
            vector, int(k), metric, None, point, False,
        )  # fmt: skip
        return Found(ids, distances, angles, "original", APPROXIMATE_LABEL)

    def knn_table(
        self, k: int, metric: str, *, spherize: bool = False, rows: np.ndarray | None = None,
        queries: np.ndarray | None = None, check: Callable[[], object] | None = None,
    ) -> np.ndarray:  # fmt: skip
        """Exact all-points tables (layout fidelity) come from the exact backend."""
        return self.exact_backend.knn_table(k, metric, spherize=spherize, rows=rows,
                                            queries=queries, check=check)  # fmt: skip
