"""The seams the widget reads data through: vector sources, neighbour backends, compute."""

from __future__ import annotations

import numpy as np
import pytest

from nbprojector.compute import LocalCompute, vectors_of
from nbprojector.neighbor_backend import ExactNeighbors, NeighborBackend
from nbprojector.neighbors import NeighborIndex
from nbprojector.sources import ArraySource, VectorSource


@pytest.fixture
def source(digit_vectors) -> ArraySource:
    return ArraySource(np.ascontiguousarray(digit_vectors[:500]))


def test_array_source_reads_every_row_once_in_order(source):
    assert isinstance(source, VectorSource)
    blocks = list(source.chunks(128))
    assert [start for start, _ in blocks] == [0, 128, 256, 384]
    np.testing.assert_array_equal(np.concatenate([b for _, b in blocks]), source.array)
    rows = np.array([7, 3, 499])
    np.testing.assert_array_equal(source.take(rows), source.array[rows])
    assert source.shape == (500, 64) and source.dtype == np.float32


def test_array_source_refuses_what_it_cannot_hold():
    with pytest.raises(ValueError, match="2-D float32"):
        ArraySource(np.zeros((3, 2), np.float64))
    with pytest.raises(ValueError, match="rows_per_chunk"):
        list(ArraySource(np.zeros((3, 2), np.float32)).chunks(0))


def test_exact_backend_over_a_subset_answers_as_an_index_of_those_rows(source):
    backend: NeighborBackend = ExactNeighbors(source)
    assert backend.exact is True
    rows = np.arange(0, 500, 3)
    found = backend.query(int(rows[4]), 10, "euclidean", rows=rows)
    direct = NeighborIndex(source.array[rows]).query(4, 10, "euclidean")
    np.testing.assert_array_equal(found.indices, rows[direct.indices])
    np.testing.assert_array_equal(found.distances, direct.distances)
    assert found.space == "original"
    hidden = backend.query(1, 5, "cosine", rows=rows)  # a point outside the subset
    assert set(hidden.indices) <= set(rows.tolist()) and len(hidden.indices) == 5


def test_local_compute_reads_the_rows_asked_for(source):
    rows = np.arange(100)
    np.testing.assert_array_equal(vectors_of(source, rows), source.array[:100])
    assert vectors_of(source, None) is source.array
    result = LocalCompute().pca(source, rows)
    assert result.scores.shape[0] == 100
    offered = LocalCompute().methods()
    assert set(offered) == {"pca", "tsne", "umap", "custom"}
    assert all("params" in offered[m] for m in ("tsne", "umap"))


class _CountingSource:
    """A VectorSource that is not an in-memory array: it only hands out blocks of rows."""

    name = "counted"
    in_memory = False

    def __init__(self, array: np.ndarray) -> None:
        self._array = array
        self.blocks = 0

    def rows_per_chunk(self, memory_budget: int | None = None) -> int:
        return 10

    @property
    def shape(self) -> tuple[int, int]:
        return self._array.shape  # type: ignore[return-value]

    @property
    def dtype(self) -> np.dtype:
        return self._array.dtype

    def chunks(self, rows_per_chunk: int):
        for start in range(0, len(self._array), rows_per_chunk):
            self.blocks += 1
            yield start, self._array[start : start + rows_per_chunk]

    def take(self, rows: np.ndarray) -> np.ndarray:
        return self._array[rows]


def test_log_dir_tensors_are_written_from_a_source_by_blocks(tmp_path, monkeypatch):
    from nbprojector import tensorfiles
    from nbprojector.tensorfiles import read_tensor, write_tensor

    monkeypatch.setattr(tensorfiles, "_CHUNK", 64 * 10)  # 10 rows a block
    vectors = np.random.default_rng(0).normal(size=(95, 64)).astype(np.float32)
    for kind in ("tsv", "bytes"):
        source = _CountingSource(vectors)
        path = tmp_path / f"t.{kind}"
        assert write_tensor(path, source, kind) == [95, 64]
        assert source.blocks == 2 * 10  # a checking pass, then a writing pass
        if kind == "tsv":
            np.testing.assert_array_equal(read_tensor(path)[0], vectors)
        else:
            np.testing.assert_array_equal(np.fromfile(path, "<f4").reshape(95, 64), vectors)
    bad = vectors.copy()
    bad[42, 3] = np.nan
    with pytest.raises(ValueError, match="row 42"):
        write_tensor(tmp_path / "bad.tsv", _CountingSource(bad))
    assert not (tmp_path / "bad.tsv").exists()  # checked before anything is written


def test_to_logdir_reads_the_vectors_through_the_sources(tmp_path, monkeypatch, digit_vectors):
    from nbprojector import Projector
    from nbprojector.dataset import Dataset

    p = Projector(digit_vectors[:200])
    read: list[str] = []
    original = Dataset.source

    def spy(self: Dataset, name: str):
        read.append(name)
        return original(self, name)

    monkeypatch.setattr(Dataset, "source", spy)
    p.to_logdir(tmp_path / "logs")
    assert read == list(p.embeddings)
    back = Projector.from_logdir(tmp_path / "logs")
    np.testing.assert_array_equal(back.vectors, p.vectors)
