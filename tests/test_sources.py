"""Sources that stay where they are: Lance (a dataset and a LanceDB table), Parquet (a file,
a folder of shards, a pyarrow Dataset), Zarr and Dask, all written from the same numpy data
and read back exactly as the in-memory matrix; the widget over each of them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pads = pytest.importorskip("pyarrow.dataset")
lance = pytest.importorskip("lance")
lancedb = pytest.importorskip("lancedb")
zarr = pytest.importorskip("zarr")
da = pytest.importorskip("dask.array")

from nbprojector import Projector  # noqa: E402
from nbprojector.dataset import Dataset  # noqa: E402
from nbprojector.sources import ArraySource, VectorSource, open_source  # noqa: E402
from nbprojector.widget.state import NotInMemoryError  # noqa: E402

N, D = 600, 12
#: Rows per chunk asked for in the tests: several chunks, none aligned with the files'.
CHUNK = 97
KINDS = ["lance", "lancedb", "parquet-file", "parquet-shards", "pyarrow-dataset", "zarr", "dask"]


def _data() -> tuple[np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(7)
    centres = rng.normal(scale=4.0, size=(6, D))
    x = (centres[rng.integers(0, 6, N)] + rng.normal(size=(N, D))).astype(np.float32)
    stems = ["alpha", "beta", "gamma", "delta", "epsilon", None]
    words = [None if stems[i % 6] is None else f"{stems[i % 6]}-{i % 7}" for i in range(N)]
    table = pd.DataFrame({
        "id": np.arange(N, dtype=np.int64),
        "word": words,
        "score": rng.random(N),
    })  # fmt: skip
    return x, table


def _arrow_table(x: np.ndarray, table: pd.DataFrame) -> pa.Table:
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), D)
    return pa.table({
        "id": table["id"].to_numpy(),
        "word": pa.array(table["word"].tolist(), pa.string(), from_pandas=True),
        "vector": vectors,
        "score": table["score"].to_numpy(),
    })  # fmt: skip


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, pd.DataFrame]:
    return _data()


@pytest.fixture(scope="module")
def written(tmp_path_factory, data) -> dict[str, object]:
    """Every kind of source, written to disk from the same numpy data."""
    x, table = data
    root = tmp_path_factory.mktemp("sources")
    arrow = _arrow_table(x, table)
    lance.write_dataset(arrow, root / "v.lance", max_rows_per_file=250, max_rows_per_group=64)
    db = lancedb.connect(root / "db")
    db.create_table("vectors", data=arrow)
    pq.write_table(arrow, root / "one.parquet", row_group_size=100)
    (root / "shards").mkdir()
    for i, start in enumerate(range(0, N, 230)):
        pq.write_table(arrow.slice(start, 230), root / "shards" / f"part-{i}.parquet",
                       row_group_size=50)  # fmt: skip
    z = zarr.create_array(root / "v.zarr", shape=x.shape, dtype="float32", chunks=(128, D))
    z[:] = x
    return {
        "lance": str(root / "v.lance"),
        "lancedb": lambda: lancedb.connect(root / "db").open_table("vectors"),
        "parquet-file": root / "one.parquet",
        "parquet-shards": str(root / "shards"),
        "pyarrow-dataset": lambda: pads.dataset(root / "shards", format="parquet"),
        "zarr": str(root / "v.zarr"),
        "dask": lambda: da.from_array(x.astype(np.float64), chunks=(170, D)),
    }


def _input(written: dict[str, object], kind: str) -> object:
    value = written[kind]
    return value() if callable(value) else value


@pytest.mark.parametrize("kind", KINDS)
def test_every_source_reads_what_the_array_holds(written, data, kind):
    x, _ = data
    source = open_source(_input(written, kind))
    assert isinstance(source, VectorSource) and source.in_memory is False
    assert source.shape == (N, D) and source.dtype == np.float32
    blocks = list(source.chunks(CHUNK))
    assert len(blocks) >= N // CHUNK
    starts = [start for start, _ in blocks]
    sizes = [len(block) for _, block in blocks]
    assert starts == list(np.cumsum([0, *sizes[:-1]])) and max(sizes) <= CHUNK
    assert all(block.dtype == np.float32 for _, block in blocks)
    np.testing.assert_array_equal(np.concatenate([block for _, block in blocks]), x)
    rows = np.array([599, 3, 3, 0, 250, 42, 599, 230])  # unsorted, repeated, across files
    np.testing.assert_array_equal(source.take(rows), x[rows])
    assert source.take(np.array([], dtype=np.int64)).shape == (0, D)
    with pytest.raises(IndexError, match=r"0\.\.599"):
        source.take(np.array([600]))


@pytest.mark.parametrize("kind", ["lance", "parquet-shards", "zarr", "dask"])
def test_chunk_sizes_follow_the_memory_budget(written, kind):
    budget = CHUNK * D * 4 * 16  # one block of float32 rows, read several times over
    source = open_source(_input(written, kind), memory_budget=budget)
    assert source.rows_per_chunk() == CHUNK
    assert source.rows_per_chunk(10**12) == N  # never more than there are rows
    assert source.rows_per_chunk(1) == 1


def test_agreed_attributes(written, data):
    x, _ = data
    source = open_source(written["lance"], name="docs")
    assert source.name == "docs" and source.vector_column == "vector"
    assert isinstance(source.dataset, lance.LanceDataset)
    assert Path(source.uri).resolve() == Path(written["lance"]).resolve()
    dask_source = open_source(_input(written, "dask"))
    assert isinstance(dask_source.array, da.Array) and dask_source.array.dtype == np.float32
    memory = ArraySource(x)
    assert memory.in_memory is True and np.asarray(memory) is memory.array


@pytest.mark.parametrize("kind", ["lance", "lancedb", "parquet-shards", "pyarrow-dataset"])
def test_the_other_scalar_columns_become_the_metadata(written, data, kind):
    _, table = data
    meta = Dataset.from_inputs(_input(written, kind)).table
    assert list(meta.columns) == ["id", "word", "score"]  # never the vector column
    np.testing.assert_array_equal(meta["id"].to_numpy(), table["id"].to_numpy())
    np.testing.assert_allclose(meta["score"].to_numpy(), table["score"].to_numpy())
    word = meta["word"]
    # 35 distinct words: held as categories (codes), not one string per point.
    assert isinstance(word.dtype, pd.CategoricalDtype)
    assert word.isna().tolist() == table["word"].isna().tolist()
    assert word.dropna().tolist() == table["word"].dropna().tolist()


def test_given_metadata_wins_over_the_source_columns(written, data):
    _, table = data
    meta = Dataset.from_inputs(written["lance"], {"label": table["word"]}).table
    assert list(meta.columns) == ["label"]
    # A source without scalar columns gets the index column, as an in-memory matrix does.
    assert list(Dataset.from_inputs(written["zarr"]).table.columns) == ["index"]


def test_in_memory_inputs_stay_as_they_are(data):
    x, _ = data
    p = Projector(x)
    assert p.vectors is x  # not a copy
    assert isinstance(p.source, ArraySource) and p.source.array is x


@pytest.fixture(scope="module")
def in_memory(data) -> Projector:
    x, table = data
    return Projector(x, table)


@pytest.mark.parametrize("kind", ["lance", "parquet-shards", "zarr", "dask"])
def test_projector_over_a_source_matches_the_array(written, data, in_memory, kind, tmp_path):
    x, table = data
    budget = CHUNK * D * 4 * 16  # several blocks in every pass over the source
    meta = table if kind in ("zarr", "dask") else None  # Lance / Parquet bring their own
    p = Projector(_input(written, kind), meta, memory_budget=budget)
    assert p.n_points == N and p.n_dims == D
    np.testing.assert_allclose(p.coordinates, in_memory.coordinates, rtol=1e-5, atol=1e-5)
    assert p.projection["method"] == "pca"
    for query, regex in (("alpha", False), ("^(beta|gamma)-[35]$", True), ("-6", False)):
        np.testing.assert_array_equal(
            p.search(query, column="word", regex=regex),
            in_memory.search(query, column="word", regex=regex),
        )
    found, expected = p.neighbors(17, k=12), in_memory.neighbors(17, k=12)
    np.testing.assert_array_equal(found["index"], expected["index"])
    np.testing.assert_allclose(found["distance"], expected["distance"], rtol=1e-5, atol=1e-6)
    with pytest.raises(NotInMemoryError, match=r"p\.source\.take\(rows\)"):
        _ = p.vectors
    np.testing.assert_array_equal(p.source.take([5, 1]), x[[5, 1]])
    # Bookmarks: saved, loaded into a second widget over the same source, restored.
    p.project("pca", components=(2, 3))
    p.selection = [4, 8, 15]
    p.add_bookmark("pc 3-4")
    p.save_bookmarks(tmp_path / "views.json")
    other = Projector(_input(written, kind), meta, memory_budget=budget)
    assert other.load_bookmarks(tmp_path / "views.json") == ["pc 3-4"]
    other.restore_bookmark("pc 3-4")  # bookmarks keep coordinates in half precision
    np.testing.assert_allclose(other.coordinates, p.coordinates, rtol=1e-3, atol=1e-2)
    assert other.selection.tolist() == [4, 8, 15]


def test_several_sources_of_the_same_points(written, data):
    x, _ = data
    p = Projector({"lance": written["lance"], "zarr": written["zarr"], "memory": x * 2})
    assert p.embeddings == ["lance", "zarr", "memory"]
    assert list(p.metadata.columns) == ["id", "word", "score"]  # the first source's columns
    p.embedding = "zarr"
    np.testing.assert_array_equal(p.source.take([3]), x[[3]])
    p.embedding = "memory"
    np.testing.assert_array_equal(p.vectors, x * 2)


def test_a_list_column_of_floats_is_found_and_read(tmp_path, data):
    x, _ = data
    ragged_type = pa.list_(pa.float64())
    table = pa.table({"emb": pa.array(x.astype(np.float64).tolist(), ragged_type),
                      "n": np.arange(N)})  # fmt: skip
    pq.write_table(table, tmp_path / "lists.parquet", row_group_size=128)
    source = open_source(tmp_path / "lists.parquet")
    assert source.vector_column == "emb" and source.shape == (N, D)
    np.testing.assert_array_equal(np.concatenate([b for _, b in source.chunks(CHUNK)]), x)


def test_search_over_arrow_text_never_makes_a_python_string_per_value(monkeypatch, data):
    from nbprojector import regex_match
    from nbprojector.search import match

    _, table = data
    words = table["word"].astype(object)
    arrow_words = pd.Series(pa.array(words.tolist(), pa.string(), from_pandas=True).to_pandas(
        types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get))  # fmt: skip
    expected = {
        query: match(words, query, regex=True) for query in ("^ALPHA", "a-[0-3]$", "^$", ".")
    }

    def no_python_lines(text: pd.Series) -> None:
        raise AssertionError("the Arrow-backed column was turned into Python strings")

    monkeypatch.setattr(regex_match, "_python_lines", no_python_lines)
    for query, hits in expected.items():
        np.testing.assert_array_equal(match(arrow_words, query, regex=True), hits)
    np.testing.assert_array_equal(match(arrow_words, "ETA", regex=False),
                                  match(words, "ETA", regex=False))  # fmt: skip


_MEMORY_SCRIPT = """
import resource, sys, time
import numpy as np
path = sys.argv[1]

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux

from nbprojector.dataset import Dataset
import lance, pyarrow  # imported before the baseline: libraries are not data
before = peak_mb()
data = Dataset.from_inputs(path, memory_budget=128 << 20)
source = data.source("embedding")
hits = data.matches("word", "^w12345", regex=True)  # the words stay on disk
rows = source.take(np.array([1_999_999, 0, 12_345]))
after = peak_mb()
print(json.dumps({"growth_mb": after - before, "n": source.shape[0], "hits": int(hits.sum()),
                  "row0": float(rows[1, 0]), "in_memory": source.in_memory}))
""".replace("import resource", "import json, resource")


def test_a_large_lance_source_opens_and_searches_in_bounded_memory(big_lance):
    """2M x 128 float32 (a 1 GB matrix) opened, checked for NaN, its metadata read and
    searched: the kernel's peak memory grows by far less than the matrix."""
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(_MEMORY_SCRIPT), big_lance],
                         timeout=600, capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]  # the child's traceback, if it failed
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["n"] == 2_000_000 and report["in_memory"] is False
    assert report["hits"] == 111 and report["row0"] == 0.0  # w12345, w123450..w123459, ...
    assert report["growth_mb"] < 450, report  # the matrix alone is 1,024 MB


def test_an_array_source_given_is_checked_as_its_matrix(data):
    x, _ = data
    bad = x.copy()
    bad[[3, 9]] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite values in 2 rows, the first at row 3"):
        Projector({"a": ArraySource(x), "b": ArraySource(bad)})
    p = Projector(ArraySource(x))
    assert p.vectors is x  # still not a copy


def test_a_dask_source_is_not_read_at_open_and_its_nan_rows_are_found_by_the_pca(data,
                                                                               monkeypatch):
    """Opening reads no block (no separate NaN pass); the first layout's PCA, which reads
    every row when every point is drawn, counts the non-finite rows and names the first."""
    from nbprojector.sources.dask import DaskSource

    x, _ = data
    bad = x.copy()
    bad[[5, 400]] = np.inf
    pulled: list[int] = []
    original = DaskSource.chunks

    def counting(self, rows_per_chunk):
        pulled.append(rows_per_chunk)
        return original(self, rows_per_chunk)

    monkeypatch.setattr(DaskSource, "chunks", counting)
    Dataset.from_inputs(da.from_array(bad, chunks=(100, D)))
    assert pulled == []  # opening read nothing
    with pytest.raises(ValueError, match="in 2 rows, the first at row 5"):
        Projector(da.from_array(bad, chunks=(100, D)))


@pytest.mark.parametrize("kind", ["lance", "parquet-file", "zarr"])
def test_urls_open_by_their_suffix(written, data, kind):
    x, _ = data
    url = Path(_input(written, kind)).resolve().as_uri()  # file:///..., as s3://... would be
    source = open_source(url)
    assert source.shape == (N, D)
    np.testing.assert_array_equal(source.take([9, 2]), x[[9, 2]])
