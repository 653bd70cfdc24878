"""Sources that cannot be used get an error naming the source and saying how to fix it."""

from __future__ import annotations

import sys

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
lance = pytest.importorskip("lance")
zarr = pytest.importorskip("zarr")
da = pytest.importorskip("dask.array")

from nbprojector import Projector  # noqa: E402
from nbprojector.dataset import Dataset  # noqa: E402
from nbprojector.sources import SourceError, open_source  # noqa: E402

N, D = 300, 8


def _vectors(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(N, D)).astype(np.float32)


def _fixed(x: np.ndarray) -> pa.Array:
    return pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), x.shape[1])


def test_no_vector_column(tmp_path):
    path = tmp_path / "plain.lance"
    lance.write_dataset(pa.table({"word": ["a"] * N, "n": np.arange(N)}), path)
    with pytest.raises(SourceError, match="no vector column") as err:
        Dataset.from_inputs(str(path))
    message = str(err.value)
    assert "plain.lance" in message and "['word', 'n']" in message
    assert "vector_column=" in message and "pa.list_(pa.float32(), D)" in message


def test_two_candidate_columns_are_named(tmp_path):
    path = tmp_path / "two.parquet"
    pq.write_table(pa.table({"text_emb": _fixed(_vectors(1)), "image_emb": _fixed(_vectors(2))}),
                   path)  # fmt: skip
    with pytest.raises(SourceError) as err:
        Projector(path)
    message = str(err.value)
    assert "two.parquet" in message and "['text_emb', 'image_emb']" in message
    assert "vector_column='text_emb'" in message
    p = Projector(path, vector_column="image_emb")  # the fix works
    np.testing.assert_array_equal(p.source.take([7]), _vectors(2)[[7]])


def test_a_vector_column_that_is_not_there_or_holds_no_vectors(tmp_path):
    path = tmp_path / "v.parquet"
    pq.write_table(pa.table({"vector": _fixed(_vectors()), "word": ["w"] * N}), path)
    with pytest.raises(SourceError, match=r"has no column 'vec'; its columns are \['vector', "
                       r"'word'\]: pass one of them as vector_column="):  # fmt: skip
        open_source(path, vector_column="vec")
    with pytest.raises(SourceError, match=r"column 'word' of Parquet dataset .* holds string, "
                       "not vectors"):  # fmt: skip
        open_source(path, vector_column="word")
    with pytest.raises(SourceError, match="names a column of a Lance or Parquet dataset"):
        open_source(da.zeros((N, D)), vector_column="vector")
    with pytest.raises(ValueError, match="no such source was given"):
        Projector(_vectors(), vector_column="vector")


def test_ragged_vectors_name_the_first_bad_row(tmp_path):
    rows = _vectors().tolist()
    rows[237] = rows[237][:5]  # in a later block than the first
    path = tmp_path / "ragged.parquet"
    pq.write_table(pa.table({"vector": pa.array(rows, pa.list_(pa.float32()))}), path,
                   row_group_size=64)  # fmt: skip
    with pytest.raises(SourceError) as err:
        Projector(path, memory_budget=50 * D * 4 * 16)  # blocks of 50 rows
    message = str(err.value)
    assert "ragged.parquet" in message and "'vector'" in message
    assert "row 237 has 5 values where row 0 has 8" in message


def test_a_missing_vector_names_its_row(tmp_path):
    rows: list[list[float] | None] = _vectors().tolist()
    rows[120] = None
    path = tmp_path / "holes.lance"
    lance.write_dataset(pa.table({"vector": pa.array(rows, pa.list_(pa.float32(), D))}), path)
    with pytest.raises(SourceError, match=r"row 120 of Lance dataset .*holes\.lance.* has no "
                       "vector"):  # fmt: skip
        Projector(str(path))  # found when the first layout reads the rows


@pytest.mark.parametrize("kind", ["lance", "parquet", "zarr", "dask"])
def test_nan_rows_are_counted_in_the_streaming_pass(tmp_path, kind):
    x = _vectors()
    x[[150, 151, 290], 3] = np.nan
    x[299, 0] = np.inf
    if kind == "lance":
        path = tmp_path / "nan.lance"
        lance.write_dataset(pa.table({"vector": _fixed(x)}), path, max_rows_per_file=100)
        emb: object = str(path)
    elif kind == "parquet":
        path = tmp_path / "nan.parquet"
        pq.write_table(pa.table({"vector": _fixed(x)}), path, row_group_size=64)
        emb = path
    elif kind == "zarr":
        emb = zarr.create_array(tmp_path / "nan.zarr", shape=x.shape, dtype="float32",
                                chunks=(64, D))  # fmt: skip
        emb[:] = x  # type: ignore[index]
    else:
        emb = da.from_array(x, chunks=(64, D))
    with pytest.raises(SourceError, match="has NaN or infinite values in 4 rows, the first at "
                       "row 150; drop or impute those rows"):  # fmt: skip
        Projector(emb, memory_budget=40 * D * 4 * 16)  # blocks of 40 rows


@pytest.mark.parametrize("shape", [(N,), (N, 4, 2)])
def test_a_zarr_array_that_is_not_2d(tmp_path, shape):
    path = tmp_path / "cube.zarr"
    zarr.create_array(path, shape=shape, dtype="float32")[...] = 1.0
    with pytest.raises(SourceError) as err:
        Projector(str(path))
    message = str(err.value)
    assert "cube.zarr" in message and f"has shape {shape}" in message
    assert "2-D array (points x dimensions)" in message


def test_a_zarr_group_says_to_pick_an_array(tmp_path):
    group = zarr.open_group(tmp_path / "g.zarr", mode="w")
    group.create_array("vectors", shape=(N, D), dtype="float32")
    with pytest.raises(SourceError, match=r"is a Zarr group \(arrays: \['vectors'\]\), not an "
                       r"array; pass one of its arrays, e.g. zarr.open_group\("):  # fmt: skip
        open_source(tmp_path / "g.zarr")


def test_a_path_that_does_not_exist(tmp_path):
    missing = tmp_path / "nowhere.lance"
    with pytest.raises(SourceError, match=r"there is no file or folder at .*nowhere\.lance.*; "
                       "check the path"):  # fmt: skip
        Projector(str(missing))
    with pytest.raises(SourceError, match=r"embedding 'b': there is no file"):
        Projector({"a": _vectors(), "b": missing})


def test_an_unknown_file_kind(tmp_path):
    csv = tmp_path / "vectors.csv"
    csv.write_text("1,2\n3,4\n")
    with pytest.raises(SourceError, match=r"cannot tell what kind of data .*vectors\.csv.* "
                       r"holds; open a Lance dataset \(\*\.lance\), Parquet"):  # fmt: skip
        Projector(csv)
    with pytest.raises(SourceError, match="cannot open a set as a source of vectors"):
        open_source({1, 2})


def test_a_bad_memory_budget(tmp_path):
    with pytest.raises(SourceError, match=r"memory_budget must be a number of bytes \(an int"):
        Projector(_vectors(), memory_budget="1GB")
    with pytest.raises(SourceError, match="memory_budget must be a positive number"):
        open_source(da.zeros((N, D)), memory_budget=0)


def test_sources_of_different_lengths(tmp_path):
    path = tmp_path / "short.zarr"
    zarr.create_array(path, shape=(N - 1, D), dtype="float32")[...] = 1.0
    with pytest.raises(ValueError, match=r"lengths differ: \{'a': 300, 'b': 299\}"):
        Projector({"a": _vectors(), "b": str(path)})


def test_a_missing_extra_says_what_to_install(tmp_path, monkeypatch):
    path = tmp_path / "v.zarr"
    zarr.create_array(path, shape=(N, D), dtype="float32")[...] = 1.0
    monkeypatch.setitem(sys.modules, "zarr", None)  # as if zarr were not installed
    monkeypatch.delitem(sys.modules, "nbprojector.sources.zarr", raising=False)
    with pytest.raises(ImportError, match=r'pip install "nbprojector\[zarr\]"'):
        Projector(str(path))


def test_a_url_of_an_unknown_kind():
    expected = (
        r"cannot tell what kind of data 's3://bucket/vectors' holds from its name; open a URL "
        r"ending in \.lance, \.zarr or \.parquet"
    )
    with pytest.raises(SourceError, match=expected):
        Projector("s3://bucket/vectors")
