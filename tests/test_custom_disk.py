"""Custom axes over a text column left on disk, of a source outside memory: the fields'
matches come from the block-wise search, the centroids and the layout from passes over the
source's blocks, and everything agrees with the same data in memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
lance = pytest.importorskip("lance")

from test_disk_text import write_lance_and_parquet  # noqa: E402

from nbprojector import Projector, regex_match  # noqa: E402
from nbprojector.chunk_runner import ChunkRunner  # noqa: E402
from nbprojector.projections.custom import NoMatchError, fit_axes  # noqa: E402
from nbprojector.sources import disk_text, open_source  # noqa: E402
from nbprojector.streamed_custom import streamed_custom_axes, streamed_custom_layout  # noqa: E402
from nbprojector.streamed_pca import NonFiniteRowsError  # noqa: E402

N, D = 3_000, 8
ANIMALS = ["cat", "Dog", "fish", "ÉLAN", "bird"]
#: Fewer distinct values than this are held: lowered so that a small table has a column
#: left on disk (the real limit, 32,767, would need tens of thousands of rows).
HELD = 200
BUDGET = 1 << 16  # 128 rows of vectors a block: many blocks per pass
#: (left, right, down, up, regex): plain text, regular expressions, y from Down / Up or
#: from the spread of the data.
QUERIES = [
    ("cat", "DOG", None, None, False),
    ("élan", "bird", "ate 1", "ate 9", False),
    (r"^note \d\d?:", r"(fish|cat) ate [0-4]\d? ", r"ate 1\d seeds$", r"^two|bird", True),
    (r"dog ate \d+ seeds$", "bird", None, None, True),
]


def _data() -> tuple[np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(N, D)).astype(np.float32)
    x[:, 0] += np.arange(N) % 5  # each animal its own place along the first dimension
    x[:, 1] += 3.0  # off the origin: the mean matters
    text = [f"note {i}: the {ANIMALS[i % 5]} ate {i * 7 % 101} seeds" for i in range(N)]
    for i in (4, 77, 1500):
        text[i] = None  # missing text never matches
    text[9] = "two\nlines: a cat"
    return x, pd.DataFrame({"text": text, "score": rng.random(N)})


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, pd.DataFrame]:
    return _data()


@pytest.fixture(scope="module")
def written(tmp_path_factory, data) -> dict[str, str]:
    x, table = data
    root = tmp_path_factory.mktemp("custom_disk")
    arrow = pa.table({
        "text": pa.array(table["text"].tolist(), pa.string(), from_pandas=True),
        "vector": pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), D),
        "score": table["score"].to_numpy(),
    })  # fmt: skip
    return write_lance_and_parquet(arrow, root)


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(disk_text, "MAX_HELD_VALUES", HELD)
    monkeypatch.setattr(disk_text, "_MIN_BLOCK_ROWS", 64)


@pytest.fixture(scope="module")
def in_memory(data) -> Projector:
    x, table = data
    return Projector(x, table, max_points=500)


def _on_disk(written, kind: str) -> Projector:
    p = Projector(written[kind], max_points=500, memory_budget=BUDGET)
    assert {c["name"]: c["kind"] for c in p.columns}["text"] == "text"
    assert "text" not in p.metadata.columns  # the text stays on disk
    return p


def _custom(p: Projector, left, right, down, up, regex) -> None:
    p.project("custom", column="text", left=left, right=right, down=down, up=up,
              regex=regex).wait(timeout=120)  # fmt: skip


@pytest.mark.parametrize("kind", ["lance", "parquet"])
def test_custom_axes_over_text_on_disk_lay_out_what_the_same_data_in_memory_does(
    written, data, small_limits, in_memory, kind
):
    x, table = data
    p = _on_disk(written, kind)
    for query in QUERIES:
        _custom(p, *query)
        _custom(in_memory, *query)
        assert p.projection["counts"] == in_memory.projection["counts"], query
        assert p.projection["params"] == in_memory.projection["params"], query
        assert p.progress["message"] == "custom projection done"
        np.testing.assert_allclose(p.coordinates, in_memory.coordinates, rtol=1e-4, atol=1e-4,
                                   err_msg=str(query))  # fmt: skip
        assert np.isfinite(p.coordinates).all()
    # The counts and the x axis, computed here from scratch: Left "cat", Right "DOG".
    _custom(p, *QUERIES[0])
    text = table["text"].fillna("").str.lower()
    cat, dog = text.str.contains("cat").to_numpy(), text.str.contains("dog").to_numpy()
    assert p.projection["counts"] == {"Left": int(cat.sum()), "Right": int(dog.sum())}
    axis = x[dog].mean(0, dtype=np.float64) - x[cat].mean(0, dtype=np.float64)
    expected = (x - x.mean(0, dtype=np.float64)) @ (axis / np.linalg.norm(axis))
    np.testing.assert_allclose(p.coordinates[:, 0], expected, rtol=1e-4, atol=1e-4)


def test_isolated_points_are_laid_out_on_axes_from_every_point(written, small_limits,
                                                               in_memory):  # fmt: skip
    p = _on_disk(written, "lance")
    rows = np.arange(5, N, 7)
    for widget in (p, in_memory):
        widget.isolate(rows)
        _custom(widget, *QUERIES[1])
        assert widget.projection["points"] == len(rows)
    try:
        assert p.projection["counts"] == in_memory.projection["counts"]
        assert p.projection["counts"]["Left"] == N // 5  # counted among all points
        np.testing.assert_allclose(p.coordinates[rows], in_memory.coordinates[rows],
                                   rtol=1e-4, atol=1e-4)  # fmt: skip
    finally:
        in_memory.show_all()


def test_a_field_matching_nothing_on_disk_fails_as_in_memory(written, small_limits,
                                                            in_memory, monkeypatch):  # fmt: skip
    p = _on_disk(written, "lance")
    before_coords = p.coordinates.copy()  # waits for the exact PCA behind the first layout
    before = (dict(p.projection), before_coords)
    failures = [("cat", "zebra", None, None, False), ("cat", "dog", "nothing", "no such", False),
                ("^cat", "dog", None, None, True), ("cat", "([", None, None, True),
                ("cat", "", None, None, False), ("ate", "seeds", None, None, False),
                ("cat", "dog", "fish", None, False)]
    for query in failures:
        with pytest.raises(ValueError) as on_disk:
            _custom(p, *query)
        with pytest.raises(ValueError) as held:
            _custom(in_memory, *query)
        assert type(on_disk.value) is type(held.value), query
        assert str(on_disk.value) == str(held.value), query
        if isinstance(held.value, NoMatchError):
            assert on_disk.value.counts == held.value.counts
    assert str(on_disk.value) == "give both Down and Up for the y axis, or neither"
    with pytest.raises(NoMatchError, match=r"^Right matched no points \(search 'zebra'\)$"):
        _custom(p, *failures[0])
    # A regular expression keeps the search's time limit, named by its field.
    monkeypatch.setattr(regex_match, "TIME_LIMIT_S", 0.0)
    with pytest.raises(ValueError, match=r"^Left: regular expression 'seeds\$' took longer"):
        _custom(p, "seeds$", "cat", None, None, True)
    assert p.projection == before[0]  # nothing changed
    np.testing.assert_array_equal(p.coordinates, before[1])


class _CountingSource:
    """A source whose reads are counted: the rows each ``take`` asked for."""

    def __init__(self, source):
        self._source = source
        self.reads: list[int] = []

    def __getattr__(self, name):
        return getattr(self._source, name)

    def take(self, rows):
        self.reads.append(len(rows))
        return self._source.take(rows)


@pytest.mark.parametrize("spread", [False, True])
def test_axes_and_layout_stream_in_blocks_within_the_budget(written, data, spread):
    x, table = data
    source = _CountingSource(open_source(written["lance"], memory_budget=BUDGET))
    block = source.rows_per_chunk()
    assert block < N // 10
    text = table["text"].fillna("")
    masks = {"Left": text.str.contains("cat").to_numpy(),
             "Right": text.str.contains("fish").to_numpy()}  # fmt: skip
    if not spread:
        masks.update(Down=text.str.contains("bird").to_numpy(),
                     Up=text.str.contains("Dog").to_numpy())  # fmt: skip
    runner = ChunkRunner(use_dask=False)
    axes = streamed_custom_axes(source, masks, runner=runner)
    assert max(source.reads) <= block and sum(source.reads) >= N  # every row, a block at a time
    expected = fit_axes(x, *(masks.get(f) for f in ("Left", "Right", "Down", "Up")))
    for mine, theirs in ((axes.mean, expected.mean), (axes.x, expected.x), (axes.y, expected.y)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
    source.reads.clear()
    rows = np.arange(1, N, 3)
    said: list[str] = []
    layout = streamed_custom_layout(source, axes, rows, runner=runner,
                                    on_progress=lambda m, _f: said.append(m))  # fmt: skip
    assert max(source.reads) <= block and sum(source.reads) == len(rows)
    blocks = -(-N // block)  # every block of rows holds some of those asked for
    assert said[-1] == f"custom layout: {blocks:,} of {blocks:,} chunks"
    np.testing.assert_allclose(layout, expected.project(x[rows]), rtol=1e-4, atol=1e-4)


def test_a_row_with_nan_is_named_by_the_axes_pass(tmp_path):
    x = np.random.default_rng(1).normal(size=(1_000, 4)).astype(np.float32)
    x[613, 2] = np.nan
    lance.write_dataset(pa.table({"vector": pa.FixedSizeListArray.from_arrays(
        pa.array(x.ravel()), 4)}), tmp_path / "nan.lance")  # fmt: skip
    source = open_source(str(tmp_path / "nan.lance"), memory_budget=BUDGET)
    masks = {"Left": np.arange(1_000) < 10, "Right": np.arange(1_000) > 990}
    with pytest.raises(NonFiniteRowsError, match="1 row, the first at row 613"):
        streamed_custom_axes(source, masks, runner=ChunkRunner(use_dask=False))


def test_a_dask_array_gets_the_layout_of_the_same_matrix_in_memory(data, in_memory):
    da = pytest.importorskip("dask.array")
    x, table = data
    p = Projector(da.from_array(x, chunks=(700, D)), table, max_points=500)  # Dask's blocks
    for query in QUERIES[:2]:
        _custom(p, *query)
        _custom(in_memory, *query)
        assert p.projection["counts"] == in_memory.projection["counts"]
        np.testing.assert_allclose(p.coordinates, in_memory.coordinates, rtol=1e-4, atol=1e-4)
