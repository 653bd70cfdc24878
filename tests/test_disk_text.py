"""Text columns of Lance and Parquet sources with many distinct values stay on disk: held
columns are compact, search covers every row a block at a time, and the card, the labels of
the drawn points and neighbour lists read rows on demand, with the same answers as the same
data in memory."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
lance = pytest.importorskip("lance")

from nbprojector import Projector  # noqa: E402
from nbprojector.annotations import AnnotationError  # noqa: E402
from nbprojector.sources import disk_text  # noqa: E402

N, D = 2_400, 8
#: Fewer distinct values than this are held; the tests lower it so that a small table has
#: a column left on disk (the real limit, 32,767, would need tens of thousands of rows).
HELD = 200
DRAWN = 300
BUDGET = 1 << 16  # a few hundred rows of text a block: several blocks per pass


def _data() -> tuple[np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(N, D)).astype(np.float32)
    animals = ["cat", "Dog", "fish", "ÉLAN", "bird"]
    text = [f"note {i}: the {animals[i % 5]} ate {i * 7 % 101} seeds" for i in range(N)]
    for i in (4, 77, 1500):
        text[i] = None  # missing text never matches
    text[9] = "two\nlines: a cat"  # a value holding a newline
    lang = [["en", "fr", None, "de"][i % 4] for i in range(N)]
    table = pd.DataFrame({
        "id": np.arange(N, dtype=np.int64), "text": text, "lang": lang,
        "score": rng.random(N),
    })  # fmt: skip
    return x, table


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, pd.DataFrame]:
    return _data()


@pytest.fixture(scope="module")
def written(tmp_path_factory, data) -> dict[str, str]:
    x, table = data
    root = tmp_path_factory.mktemp("disk_text")
    arrow = pa.table({
        "id": table["id"].to_numpy(),
        "text": pa.array(table["text"].tolist(), pa.string(), from_pandas=True),
        "lang": pa.array(table["lang"].tolist(), pa.string(), from_pandas=True).dictionary_encode(),
        "vector": pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), D),
        "score": table["score"].to_numpy(),
    })  # fmt: skip
    return write_lance_and_parquet(arrow, root)


def write_lance_and_parquet(arrow, root) -> dict[str, str]:
    """``arrow`` written as a Lance dataset (several files) and as a folder of Parquet
    shards (several row groups each) under ``root``: their paths by kind."""
    lance.write_dataset(arrow, root / "t.lance", max_rows_per_file=1000, max_rows_per_group=128)
    (root / "shards").mkdir()
    for i, start in enumerate(range(0, arrow.num_rows, 700)):
        pq.write_table(arrow.slice(start, 700), root / "shards" / f"part-{i}.parquet",
                       row_group_size=128)  # fmt: skip
    return {"lance": str(root / "t.lance"), "parquet": str(root / "shards")}


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(disk_text, "MAX_HELD_VALUES", HELD)
    monkeypatch.setattr(disk_text, "_MIN_BLOCK_ROWS", 64)


def _open(written, kind: str) -> Projector:
    return Projector(written[kind], max_points=DRAWN, memory_budget=BUDGET)


@pytest.fixture
def in_memory(data) -> Projector:
    x, table = data
    return Projector(x, table, max_points=DRAWN)


KINDS = ["lance", "parquet"]


@pytest.mark.parametrize("kind", KINDS)
def test_text_with_many_values_stays_on_disk_and_the_rest_is_compact(
    written, data, small_limits, kind
):
    _, table = data
    p = _open(written, kind)
    meta = p.metadata
    assert list(meta.columns) == ["id", "lang", "score"]  # the text is not in memory
    assert isinstance(meta["lang"].dtype, pd.CategoricalDtype)  # codes, not strings
    assert meta["lang"].cat.codes.dtype.itemsize <= 2
    assert meta["lang"].isna().tolist() == table["lang"].isna().tolist()
    assert meta["lang"].dropna().tolist() == table["lang"].dropna().tolist()
    columns = {c["name"]: c for c in p.columns}
    assert columns["text"]["kind"] == "text" and columns["text"]["unique"] > HELD
    assert columns["lang"] == {"name": "lang", "kind": "categorical", "unique": 3}
    # Every column can still label the points; the text cannot colour them.
    p.label_by = "text"
    with pytest.raises(Exception, match="too many distinct values to colour by"):
        p.color_by = "text"
    with pytest.raises(AnnotationError, match=r"stays on disk.*'text \(edited\)'"):
        p.annotate([1], "text", "x")


@pytest.mark.parametrize("kind", KINDS)
def test_search_of_text_on_disk_finds_what_the_same_data_in_memory_finds(
    written, small_limits, in_memory, kind
):
    p = _open(written, kind)
    queries = [("CAT", False), ("élan", False), ("seeds", False), ("^note 1\\d\\d:", True),
               ("(dog|fish) ate 3", True), ("^two", True), ("zebra", False), ("a cat$", True)]
    for query, regex in queries:
        found = p.search(query, column="text", regex=regex)
        expected = in_memory.search(query, column="text", regex=regex)
        np.testing.assert_array_equal(found, expected, err_msg=query)
        assert p.selection.tolist() == found.tolist()
    assert len(p.search("seeds", column="text")) == N - 4  # 3 missing, 1 other text
    # A bad pattern gets the same error as in memory, whichever column it searches.
    with pytest.raises(ValueError) as on_disk:
        p.search("(", column="text", regex=True)
    with pytest.raises(ValueError) as held:
        in_memory.search("(", column="text", regex=True)
    assert str(on_disk.value) == str(held.value) and "invalid regular expression" in str(
        on_disk.value
    )


def _request(p: Projector, kind: str, payload: dict) -> tuple[dict, list]:
    sent: list = []
    p._requests._send = lambda content, bufs: sent.append((content, bufs))
    p._requests.handle({"id": 1, "kind": kind, "payload": payload}, [])
    content, bufs = sent[-1]
    assert content["ok"], content
    json.dumps(content, allow_nan=False)
    return content["result"], bufs


def _labels(p: Projector) -> list[str]:
    _request(p, "labels", {})  # as the page asks, once it has drawn
    offsets = np.frombuffer(p._label_offsets, np.uint32)
    return [p._labels[a:b].decode() for a, b in itertools.pairwise(offsets)]


@pytest.mark.parametrize("kind", KINDS)
def test_cards_labels_and_lists_read_the_rows_they_show(
    written, data, small_limits, in_memory, kind
):
    _, table = data
    p = _open(written, kind)
    assert np.array_equal(p.drawn, in_memory.drawn)  # the same seeded sample
    # The card of an undrawn point and of a point without text.
    undrawn = int(np.setdiff1d(np.arange(N), p.drawn)[7])
    for index in (undrawn, 77, 9):
        card, _ = _request(p, "row", {"index": index})
        expected, _ = _request(in_memory, "row", {"index": index})
        assert card == expected
    # The labels sent are the drawn points' text, read for those rows only.
    p.label_by = in_memory.label_by = "text"
    assert _labels(p) == _labels(in_memory)
    assert len(_labels(p)) == DRAWN
    # A search reply lists the undrawn matches with their text.
    result, bufs = _request(p, "search", {"query": "ate 5 seeds", "column": "text"})
    expected, expected_bufs = _request(in_memory, "search", {"query": "ate 5 seeds",
                                                             "column": "text"})
    assert result == expected and bufs == expected_bufs and result["undrawn"]["indices"]
    # Neighbour lists name their points by the text; rows read in any order, with repeats.
    assert p.neighbors(undrawn, k=8)["label"].tolist() == \
        in_memory.neighbors(undrawn, k=8)["label"].tolist()  # fmt: skip
    rows = [undrawn, 3, 3, 1500]
    pd.testing.assert_frame_equal(
        p.metadata_rows(rows)[["id", "text", "score"]].astype(object),
        table.iloc[rows][["id", "text", "score"]].astype(object).where(
            table.iloc[rows][["id", "text", "score"]].notna(), np.nan),
        check_index_type=False,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_point_is_found_by_its_text_on_disk(written, small_limits, kind):
    p = _open(written, kind)
    p.label_by = "text"
    label = _data()[1]["text"][1233]  # "note 1233: the ÉLAN ate ... seeds"
    by_label = p.neighbors(label, k=3)["index"].tolist()
    assert by_label == p.neighbors(1233, k=3)["index"].tolist() and 1233 not in by_label
    with pytest.raises(ValueError, match="no point has the label"):
        p.neighbors("no such note", k=3)


def test_exports_write_the_text_on_disk(written, small_limits, tmp_path):
    p = _open(written, "lance")
    with pytest.warns(UserWarning, match="drawn points only"):
        out = p.to_logdir(tmp_path / "logs")
    tsv = (out.parent / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert tsv[0].split("\t") == ["id", "lang", "score", "text"] and len(tsv) == DRAWN + 1
    first = int(p.drawn[0])
    assert tsv[1].split("\t")[3] == f"note {first}: the " + \
        ["cat", "Dog", "fish", "ÉLAN", "bird"][first % 5] + f" ate {first * 7 % 101} seeds"


def test_labels_of_arrow_text_are_packed_from_its_buffers_as_any_text_is():
    from nbprojector.metadata import pack_labels
    from nbprojector.sources.arrow_columns import text_dtype

    chunks = pa.chunked_array([pa.array(["a", None, "héllo"], pa.large_string()),
                               pa.array(["x", "", "é\n", "zz"], pa.large_string()).slice(1)])
    arrow = pd.Series(chunks.to_pandas(types_mapper=lambda _kind: text_dtype()))
    assert len(pa.chunked_array(pa.array(arrow)).chunks) == 2  # two chunks, one sliced
    for values in (arrow, arrow.iloc[2:], arrow.iloc[:0]):
        assert pack_labels(values) == pack_labels(values.astype(object))
    data, offsets = pack_labels(arrow)
    assert data == "ahélloé\nzz".encode() and np.frombuffer(offsets, np.uint32).tolist() == \
        [0, 1, 1, 7, 7, 10, 12]  # fmt: skip


def test_exports_of_every_point_read_the_whole_text_column(written, small_limits, tmp_path):
    p = Projector(written["parquet"], memory_budget=BUDGET)  # every point drawn
    out = p.to_logdir(tmp_path / "logs")
    tsv = (out.parent / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert tsv[0].split("\t") == ["id", "lang", "score", "text"] and len(tsv) == N + 1
    assert tsv[1 + 2399].split("\t")[3] == "note 2399: the bird ate 27 seeds"
    page = p.to_html(tmp_path / "page.html").read_text(encoding="utf-8")
    assert "note 2399: the bird ate 27 seeds" in page


def test_a_regex_search_of_text_on_disk_keeps_the_time_limit(written, small_limits,
                                                            monkeypatch):  # fmt: skip
    from nbprojector import regex_match

    p = _open(written, "lance")
    monkeypatch.setattr(regex_match, "TIME_LIMIT_S", 0.0)
    with pytest.raises(regex_match.RegexTooSlowError, match="took longer than"):
        p.search("seeds$", column="text", regex=True)
    monkeypatch.setattr(regex_match, "TIME_LIMIT_S", 1.0)  # over all blocks together
    assert len(p.search("seeds$", column="text", regex=True)) == N - 4
