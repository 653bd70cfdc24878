"""Exact neighbours streamed over the blocks of a source: the same ids and distances (ties
included) as the in-memory exact index, in process, on Dask's threads and on a cluster."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from engine_sources import BlockSource, DaskArraySource, LanceVectorSource, clustered

from nbprojector.chunk_runner import ChunkRunner
from nbprojector.neighbor_backend import ExactNeighbors
from nbprojector.sources import ArraySource
from nbprojector.streamed_neighbors import StreamedNeighbors


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    """Clustered points with exact duplicates (ties) spread over different blocks, and
    quantised values so that many distances tie too."""
    x = np.round(clustered(3_000, 12, clusters=6, seed=5), 1)
    x[[10, 1_210, 2_410, 2_999]] = x[500]  # duplicates of point 500 in other blocks
    x[[777, 2_222]] = x[1_500]
    return np.ascontiguousarray(x, dtype=np.float32)


def assert_same(found, expected) -> None:
    np.testing.assert_array_equal(found.indices, expected.indices)
    np.testing.assert_array_equal(found.distances, expected.distances)
    assert found.space == expected.space
    if expected.angles_deg is None:
        assert found.angles_deg is None
    else:
        np.testing.assert_array_equal(found.angles_deg, expected.angles_deg)


QUERIES = [500, 1_500, 0, 2_999]
CASES = list(itertools.product(("cosine", "euclidean"), (False, True)))


@pytest.mark.parametrize(("metric", "spherize"), CASES)
def test_in_process_blocks_equal_the_in_memory_index(vectors, metric, spherize):
    memory = ExactNeighbors(ArraySource(vectors))
    streamed = StreamedNeighbors(BlockSource(vectors), ChunkRunner(rows_per_chunk=700,
                                                                   use_dask=False))  # fmt: skip
    rng = np.random.default_rng(0)
    subset = np.sort(rng.choice(len(vectors), 1_100, replace=False))
    subset = np.union1d(subset, [500, 10, 2_410])
    for query in [*QUERIES, vectors[1_500] + 0.05]:
        for k in (1, 7, 40):
            assert_same(streamed.query(query, k, metric, spherize=spherize),
                        memory.query(query, k, metric, spherize=spherize))  # fmt: skip
            # rows=: a shown point and a hidden one (asked with its vector)
            assert_same(streamed.query(query, k, metric, spherize=spherize, rows=subset),
                        memory.query(query, k, metric, spherize=spherize, rows=subset))  # fmt: skip


def test_ties_go_to_the_lower_index_across_blocks(vectors):
    streamed = StreamedNeighbors(BlockSource(vectors), ChunkRunner(rows_per_chunk=500,
                                                                   use_dask=False))  # fmt: skip
    found = streamed.query(500, 5, "euclidean")
    assert found.indices[:4].tolist() == [10, 1_210, 2_410, 2_999]
    assert (found.distances[:4] == 0).all()


@pytest.mark.parametrize(("metric", "spherize"), CASES)
def test_on_a_local_cluster(vectors, dask_client, metric, spherize):
    memory = ExactNeighbors(ArraySource(vectors))
    streamed = StreamedNeighbors(DaskArraySource(vectors, rows_per_chunk=800),
                                 ChunkRunner(dask_client))  # fmt: skip
    subset = np.arange(0, len(vectors), 3)
    for query in (500, 1_501):
        assert_same(streamed.query(query, 25, metric, spherize=spherize),
                    memory.query(query, 25, metric, spherize=spherize))  # fmt: skip
        assert_same(streamed.query(query, 25, metric, spherize=spherize, rows=subset),
                    memory.query(query, 25, metric, spherize=spherize, rows=subset))  # fmt: skip


def test_dask_threads_and_a_lance_source_on_the_cluster(vectors, dask_client, tmp_path):
    memory = ExactNeighbors(ArraySource(vectors))
    threads = StreamedNeighbors(DaskArraySource(vectors, rows_per_chunk=900))
    assert threads._runner.where(threads._source) == "threads"
    lance_source = LanceVectorSource(vectors, tmp_path / "v.lance")
    on_cluster = StreamedNeighbors(lance_source, ChunkRunner(dask_client, rows_per_chunk=1_000))
    for backend in (threads, on_cluster):
        assert_same(backend.query(1_500, 30, "cosine", spherize=True),
                    memory.query(1_500, 30, "cosine", spherize=True))  # fmt: skip


def test_more_neighbours_than_points_returns_all_others(vectors):
    few = vectors[:9]
    streamed = StreamedNeighbors(BlockSource(few), ChunkRunner(rows_per_chunk=4, use_dask=False))
    found = streamed.query(3, 50, "euclidean")
    assert sorted(found.indices.tolist()) == [0, 1, 2, 4, 5, 6, 7, 8]
    assert_same(found, ExactNeighbors(ArraySource(few)).query(3, 50, "euclidean"))


def test_bad_queries_are_named(vectors):
    streamed = StreamedNeighbors(BlockSource(vectors), ChunkRunner(use_dask=False))
    with pytest.raises(IndexError, match="query index 3000 is out of range: there are 3000"):
        streamed.query(3_000, 5, "cosine")
    with pytest.raises(ValueError, match="metric must be one of"):
        streamed.query(1, 5, "manhattan")
    with pytest.raises(ValueError, match="length 12"):
        streamed.query(np.zeros(5), 5, "cosine")
    with pytest.raises(ValueError, match="zero vector: cosine distance is undefined"):
        streamed.query(np.zeros(12), 5, "cosine")
    with pytest.raises(ValueError, match="NaN"):
        streamed.query(np.full(12, np.nan), 5, "euclidean")


def test_reads_stay_blockwise(vectors):
    """A query reads every row once, a block at a time; never the whole matrix at once."""
    source = BlockSource(vectors)
    seen = []
    original = source.take

    def take(rows):
        seen.append(len(rows))
        return original(rows)

    source.take = take  # type: ignore[method-assign]
    StreamedNeighbors(source, ChunkRunner(rows_per_chunk=600, use_dask=False)).query(5, 10,
                                                                                     "cosine")
    assert max(seen) == 600 and sum(seen) == len(vectors) + 1  # + the query's own row
