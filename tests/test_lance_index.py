"""Neighbours from a Lance IVF-PQ index: recall against the exact index on clustered data,
exact distances for every point returned, SQL filters, labels, and the exact fallbacks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from engine_sources import BlockSource, LanceVectorSource, clustered

pytest.importorskip("lance", reason="Lance is not installed: pip install 'nbprojector[lance]'")

from nbprojector.chunk_runner import ChunkRunner
from nbprojector.lance_index import (
    APPROXIMATE_LABEL,
    LanceIndexNeighbors,
    build_ivf_pq,
    default_sub_vectors,
    write_lance,
)
from nbprojector.neighbor_backend import ExactNeighbors
from nbprojector.sources import ArraySource
from nbprojector.streamed_neighbors import StreamedNeighbors

N, D = 20_000, 64


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[np.ndarray, LanceVectorSource, pd.DataFrame]:
    vectors = clustered(N, D, clusters=50, seed=11, spread=0.6)
    lang = np.where(np.arange(N) % 3 == 0, "en", "fr")
    folder = tmp_path_factory.mktemp("lance") / "points.lance"
    source = LanceVectorSource(vectors, folder, extra={"lang": lang})
    return vectors, source, pd.DataFrame({"lang": lang})


@pytest.fixture(scope="module")
def cosine_index(data) -> LanceIndexNeighbors:
    _vectors, source, _table = data
    stages = []
    build_ivf_pq(source.dataset, "vector", metric="cosine",
                 on_progress=lambda m, f: stages.append(m))  # fmt: skip
    assert stages[0] == ("building the IVF-PQ index (141 partitions, 8 sub-vectors) over "
                         "20,000 points")  # fmt: skip
    assert stages[-1] == "built the IVF-PQ index"
    exact = StreamedNeighbors(source, ChunkRunner(rows_per_chunk=8_192, use_dask=False))
    return LanceIndexNeighbors(source, source.dataset, "vector", "cosine", exact_backend=exact)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return len(np.intersect1d(found, truth)) / len(truth)


def test_recall_at_10_with_exact_distances(data, cosine_index):
    vectors, _source, _table = data
    exact = ExactNeighbors(ArraySource(vectors))
    queries = np.random.default_rng(0).choice(N, 60, replace=False)
    recalls = []
    for q in queries:
        found = cosine_index.query(int(q), 10, "cosine")
        assert found.label == APPROXIMATE_LABEL
        assert int(q) not in found.indices and len(found.indices) == 10
        truth = exact.query(int(q), 10, "cosine")
        recalls.append(recall(found.indices, truth.indices))
        # Every distance is the exact backend's for that point, in (distance, index) order.
        wide = exact.query(int(q), 400, "cosine")
        position = {int(i): j for j, i in enumerate(wide.indices)}
        assert all(int(i) in position for i in found.indices)
        at = [position[int(i)] for i in found.indices]
        np.testing.assert_array_equal(found.distances, wide.distances[at])
        np.testing.assert_array_equal(found.angles_deg, wide.angles_deg[at])
        assert (np.diff(found.distances) >= 0).all()
    assert np.mean(recalls) >= 0.95


def test_a_vector_query_and_euclidean_index(data, tmp_path):
    vectors, _source, table = data
    source = BlockSource(vectors)
    dataset = write_lance(source, tmp_path / "copy.lance", table)
    assert dataset.count_rows() == N and "lang" in dataset.schema.names
    build_ivf_pq(dataset, "vector", metric="euclidean", num_partitions=100)
    index = LanceIndexNeighbors(source, dataset, "vector", "euclidean")
    exact = ExactNeighbors(ArraySource(vectors))
    recalls = []
    for i in range(0, N, N // 30):
        probe = vectors[i] + 0.01
        found = index.query(probe, 10, "euclidean")
        truth = exact.query(probe, 10, "euclidean")
        assert found.label == APPROXIMATE_LABEL
        recalls.append(recall(found.indices, truth.indices))
        common = np.intersect1d(found.indices, truth.indices)
        for j in common:
            assert found.distances[found.indices == j][0] == truth.distances[truth.indices == j][0]
    assert np.mean(recalls) >= 0.95


def test_where_filters_on_metadata_columns(data, cosine_index):
    vectors, _source, table = data
    found = cosine_index.query(4, 20, "cosine", where="lang = 'en'")
    assert found.label == APPROXIMATE_LABEL
    assert len(found.indices) == 20 and (found.indices % 3 == 0).all()
    english = np.flatnonzero(table["lang"].to_numpy() == "en")
    truth = ExactNeighbors(ArraySource(vectors)).query(4, 20, "cosine", rows=english)
    assert recall(found.indices, truth.indices) >= 0.9
    # exact=True with a filter: the exact answer over the matching points
    exact = cosine_index.query(4, 20, "cosine", where="lang = 'en'", exact=True)
    assert exact.label == "exact"
    np.testing.assert_array_equal(exact.indices, truth.indices)
    np.testing.assert_array_equal(exact.distances, truth.distances)


def test_what_the_index_cannot_answer_is_exact_and_says_so(data, cosine_index):
    vectors, _source, _table = data
    exact = ExactNeighbors(ArraySource(vectors))
    for kwargs in ({"exact": True}, {"spherize": True}, {"rows": np.arange(0, N, 7)}):
        found = cosine_index.query(21, 10, "cosine", **kwargs)
        assert found.label == "exact"
        expected = exact.query(21, 10, "cosine", spherize=kwargs.get("spherize", False),
                               rows=kwargs.get("rows"))  # fmt: skip
        np.testing.assert_array_equal(found.indices, expected.indices)
    found = cosine_index.query(21, 10, "euclidean")  # the index is cosine
    assert found.label == "exact"
    np.testing.assert_array_equal(found.indices, exact.query(21, 10, "euclidean").indices)


def test_bad_filters_and_folders_are_named(data, cosine_index, tmp_path):
    vectors, _source, _table = data
    with pytest.raises(ValueError, match=r"where='lang = ' is not valid .*sql parser") as bad:
        cosine_index.query(0, 5, "cosine", where="lang = ")
    assert ".rs:" not in str(bad.value)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(FileExistsError, match="is not empty; give a new folder"):
        write_lance(BlockSource(vectors), tmp_path / "full")
    with pytest.raises(ValueError, match="num_sub_vectors must divide the dimension 64"):
        build_ivf_pq(_source.dataset, "vector", num_sub_vectors=7)


def test_default_sub_vectors_divide_the_dimension():
    assert [default_sub_vectors(d) for d in (64, 128, 768, 100, 3)] == [8, 16, 96, 10, 1]
