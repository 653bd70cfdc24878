"""Metadata: TensorBoard's TSV rules, every input form, column kinds, colours and legends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbprojector.colors import (
    MISSING_COLOR,
    OTHER_COLOR,
    PALETTE,
    color_points,
    column_kind,
    hex_to_rgb,
)
from nbprojector.metadata import (
    MetadataError,
    load_metadata,
    pack_labels,
    read_tsv,
    write_tsv,
)


def write(tmp_path, text):
    path = tmp_path / "meta.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_single_column_has_no_header(tmp_path):
    table = read_tsv(write(tmp_path, "apple\nbanana\n\ncherry\n"))
    assert list(table.columns) == ["label"]
    assert table["label"].tolist()[:2] == ["apple", "banana"]
    assert pd.isna(table["label"][2])  # empty cell -> missing
    assert len(table) == 4


def test_header_when_first_line_has_a_tab(tmp_path):
    table = read_tsv(write(tmp_path, "word\tcount\tscore\nblue\t3\t0.5\nred\t\t1e3\n"))
    assert list(table.columns) == ["word", "count", "score"]
    assert column_kind(table["score"]) == "numeric"
    assert pd.api.types.is_numeric_dtype(table["count"]) and pd.isna(table["count"][1])
    assert table["score"][1] == 1000.0


def test_column_numeric_only_when_every_value_parses(tmp_path):
    table = read_tsv(write(tmp_path, "a\tb\n1\tx\n2.5\t3\n"))
    assert pd.api.types.is_numeric_dtype(table["a"])
    assert not pd.api.types.is_numeric_dtype(table["b"])


def test_ragged_tsv_line_is_an_error(tmp_path):
    with pytest.raises(MetadataError, match="line 3 has 1 fields but the header has 2"):
        read_tsv(write(tmp_path, "a\tb\n1\t2\n3\n"))


def test_tsv_round_trip(tmp_path):
    table = pd.DataFrame({"word": ["a", "b", None], "n": [1.0, np.nan, 3.0]})
    path = tmp_path / "out.tsv"
    write_tsv(table, path)
    back = read_tsv(path)
    assert back["word"].tolist()[:2] == ["a", "b"] and pd.isna(back["word"][2])
    assert back["n"][0] == 1 and pd.isna(back["n"][1])


@pytest.mark.parametrize(
    "meta",
    [
        ["a", "b", "c"],
        np.array(["a", "b", "c"]),
        pd.Series(["a", "b", "c"], name="label"),
        {"label": ["a", "b", "c"]},
        pd.DataFrame({"label": ["a", "b", "c"]}, index=[10, 20, 30]),
    ],
)
def test_every_input_form(meta):
    table = load_metadata(meta, 3)
    assert table["label"].tolist() == ["a", "b", "c"]
    assert list(table.index) == [0, 1, 2]


def _random_ascii(n: int, seed: int) -> np.ndarray:
    """``n`` strings of random ASCII characters (U+0000 included) and lengths."""
    rng = np.random.default_rng(seed)
    units = rng.integers(0, 128, size=(n, 40)).astype(np.uint32)
    units[np.arange(40) >= rng.integers(0, 41, size=n)[:, None]] = 0  # each its own length
    return units.view("<U40").ravel()


@pytest.mark.parametrize(
    "values",
    [
        np.array(["cluster 3", "cluster 12", "cluster 3", ""]),
        np.array(["é😀", "naïve", "x"]),  # not ASCII
        np.array(["a\x00b", "c", "\x00d"]),  # U+0000 inside a value is kept
        np.array(["one", "two", "three", "four"])[::2],  # not contiguous
        np.array(["7", "8", "9"]),  # digits as text stay text, as pandas keeps them
        np.array(["", "", ""]),  # only empty values
        np.array(["full", "", "a\x00", "\x7f\x01"]),  # a value as wide as the array
        np.array(["ascii", "then é"]),  # one value not ASCII
        np.array(["\x80", "x"]),  # the first code point past ASCII
        _random_ascii(5_000, seed=4),  # every ASCII character, lengths 0 to 40
    ],
)
def test_a_numpy_text_column_is_the_column_pandas_makes(values):
    """A dict of numpy text arrays (a million labels) takes a faster way into the table:
    the same values, dtype and index as pandas' own column of them."""
    table = load_metadata({"word": values, "n": np.arange(len(values))}, len(values))
    expected = pd.Series(values, name="word")
    pd.testing.assert_series_equal(table["word"], expected)
    assert table["word"].tolist() == [str(v) for v in values]


def test_none_gives_an_index_column():
    assert load_metadata(None, 4)["index"].tolist() == [0, 1, 2, 3]


def test_path_input(tmp_path):
    assert load_metadata(str(write(tmp_path, "x\ny\n")), 2)["label"].tolist() == ["x", "y"]


def test_mismatch_names_both_counts():
    with pytest.raises(MetadataError, match="metadata has 2 rows but the embedding has 3 points"):
        load_metadata(["a", "b"], 3)


def test_mismatch_with_header_hint_single_column(tmp_path):
    path = write(tmp_path, "label\na\nb\nc\n")  # a header on a one-column file
    with pytest.raises(MetadataError, match="single-column metadata must not have a header"):
        load_metadata(path, 3)


def test_mismatch_with_header_hint_multi_column(tmp_path):
    path = write(tmp_path, "a\t1\nb\t2\nc\t3\n")  # several columns but no header line
    with pytest.raises(MetadataError, match="multi-column metadata needs"):
        load_metadata(path, 3)


def test_dict_column_length_mismatch():
    with pytest.raises(MetadataError, match="column 'b' has 2 values but the embedding has 3"):
        load_metadata({"a": [1, 2, 3], "b": [1, 2]}, 3)


def test_missing_file():
    with pytest.raises(MetadataError, match="not found"):
        load_metadata("/nonexistent/meta.tsv", 3)


def test_column_kinds():
    assert column_kind(pd.Series([0.1, 0.2, 0.3])) == "numeric"
    assert column_kind(pd.Series(np.arange(100))) == "numeric"  # many integers: a quantity
    assert column_kind(pd.Series([0, 1, 2, 1])) == "categorical"  # few integers: class labels
    assert column_kind(pd.Series(["a", "b"])) == "categorical"
    assert column_kind(pd.Series([True, False])) == "categorical"


def test_palette_has_256_distinct_colours():
    assert len(set(PALETTE)) == 256
    assert MISSING_COLOR not in PALETTE and OTHER_COLOR not in PALETTE


def test_categorical_colours_and_legend():
    values = pd.Series(["b", "a", "b", None, "c", "b", "a"])
    coloring = color_points(values)
    legend, colors = coloring.legend, coloring.per_point()
    assert colors.dtype == np.uint8 and colors.shape == (7, 3)
    # One byte a point into a palette of the three values and the missing colour.
    assert coloring.traits["_colors"] == bytes([0, 1, 0, 3, 2, 0, 1])
    assert len(coloring.traits["_palette"]) == 4 * 3
    assert [e["value"] for e in legend["entries"]] == ["b", "a", "c"]  # by count
    assert [e["count"] for e in legend["entries"]] == [3, 2, 1]
    assert tuple(colors[0]) == hex_to_rgb(PALETTE[0]) == tuple(colors[2])
    assert tuple(colors[1]) == hex_to_rgb(PALETTE[1])
    assert tuple(colors[3]) == hex_to_rgb(MISSING_COLOR)
    assert legend["missing"]["count"] == 1


def test_256_categories_each_get_a_colour_in_one_byte():
    values = pd.Series([f"v{i}" for i in range(256)] * 2)
    coloring = color_points(values)
    assert len(coloring.legend["entries"]) == 256 and "other" not in coloring.legend
    assert len(coloring.traits["_colors"]) == 512  # one byte a point
    assert len(set(map(tuple, coloring.per_point().tolist()))) == 256


def test_more_categories_than_colours_share_other():
    values = pd.Series([f"v{i}" for i in range(len(PALETTE) + 5)])
    coloring = color_points(values)
    legend, colors = coloring.legend, coloring.per_point()
    assert len(legend["entries"]) == len(PALETTE) - 1  # one code is the grey of the rest
    assert legend["other"] == {"values": 6, "count": 6, "color": OTHER_COLOR}
    assert tuple(colors[-1]) == hex_to_rgb(OTHER_COLOR)
    assert len(coloring.traits["_colors"]) == len(values)  # still one byte a point
    with_missing = color_points(pd.Series([*values, None]))
    assert len(with_missing.legend["entries"]) == len(PALETTE) - 2
    assert len(with_missing.traits["_palette"]) == 256 * 3


def test_numeric_colours_gradient():
    coloring = color_points(pd.Series([0.0, 0.5, 1.0, np.nan] + [0.25] * 40))
    colors, legend = coloring.per_point(), coloring.legend
    assert coloring.traits["_palette"] == b"" and len(coloring.traits["_colors"]) == 44 * 3
    assert legend["kind"] == "numeric" and legend["min"] == 0 and legend["max"] == 1
    assert tuple(colors[0]) == hex_to_rgb(legend["stops"][0])
    assert tuple(colors[2]) == hex_to_rgb(legend["stops"][-1])
    assert tuple(colors[3]) == hex_to_rgb(MISSING_COLOR)


def test_labels_packed_as_utf8_with_offsets():
    data, offsets = pack_labels(pd.Series(["héllo", None, "<b>x</b>", 3]))
    offsets = np.frombuffer(offsets, dtype=np.uint32)
    assert offsets.tolist() == [0, 6, 6, 14, 15]
    assert data[offsets[0] : offsets[1]].decode() == "héllo"
    assert data[offsets[2] : offsets[3]].decode() == "<b>x</b>"


def test_ascii_text_is_converted_without_a_python_string_a_value(monkeypatch):
    """ASCII text (the usual labels) becomes the table's Arrow column from the array's
    buffer, not value by value through pyarrow's conversion."""
    import pyarrow as pa

    from nbprojector import numpy_text

    def refused(*args, **kwargs):
        raise AssertionError("converted value by value")

    values = np.array([f"cluster {i % 20}" for i in range(1000)])
    monkeypatch.setattr(pa, "array", refused)
    text = numpy_text.arrow_text(values)
    assert text is not None and text.to_pylist() == values.tolist()


def test_a_masked_text_array_keeps_its_missing_values_in_their_rows():
    values = np.ma.MaskedArray(["aa", "bb", "cc", "dd"], mask=[0, 1, 0, 0])
    column = load_metadata({"w": values}, 4)["w"]
    expected = pd.Series(values)
    assert column.isna().tolist() == expected.isna().tolist() == [False, True, False, False]
    assert column[[0, 2, 3]].tolist() == ["aa", "cc", "dd"]
