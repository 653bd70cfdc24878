"""search.match: case-insensitive substring / regular expression over a column."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from nbprojector.search import match


def test_substring_is_case_insensitive():
    values = ["Apple", "pineAPPLE", "grape", "APP"]
    assert match(values, "app").tolist() == [True, True, False, True]
    assert match(values, "APPLE").tolist() == [True, True, False, False]


def test_substring_treats_special_characters_literally():
    values = ["a.b", "axb", "f(x)", "1+1"]
    assert match(values, "a.b").tolist() == [True, False, False, False]
    assert match(values, "(x").tolist() == [False, False, True, False]
    assert match(values, "+").tolist() == [False, False, False, True]


def test_regex_is_case_insensitive_and_searches_anywhere():
    values = pd.Series(["Apple", "grape", "pineapple", "apricot"])
    assert match(values, "^ap", regex=True).tolist() == [True, False, False, True]
    assert match(values, "ple$", regex=True).tolist() == [True, False, True, False]
    assert match(values, "APPLE|cot", regex=True).tolist() == [True, False, True, True]


def test_numbers_match_by_their_text_form():
    floats = np.array([1.0, 2.5, 3.0, 13.0, np.nan])
    # 3.0 reads "3", as in the TSV it came from: an anchored regex finds it.
    assert match(floats, "^3$", regex=True).tolist() == [False, False, True, False, False]
    assert match(floats, "3").tolist() == [False, False, True, True, False]
    assert match(floats, "2.5").tolist() == [False, True, False, False, False]
    ints = np.array([10, 21, 3])
    assert match(ints, "1").tolist() == [True, True, False]
    mixed = ["a", 7, 7.5, None]
    assert match(mixed, "7").tolist() == [False, True, True, False]


def test_missing_values_never_match():
    values = pd.Series(["nan", None, np.nan, "None", pd.NA], dtype=object)
    assert match(values, ".*", regex=True).tolist() == [True, False, False, True, False]
    assert match(values, "n").tolist() == [True, False, False, True, False]
    nullable = pd.Series([1, None, 11], dtype="Int64")
    assert match(nullable, "1").tolist() == [True, False, True]
    assert match(nullable, "NA").tolist() == [False, False, False]
    categorical = pd.Series(["cat", None, "dog"], dtype="category")
    assert match(categorical, "^", regex=True).tolist() == [True, False, True]


def test_series_index_is_ignored_and_output_is_plain_bool_array():
    values = pd.Series(["x", "y", "xy"], index=[10, 10, 3])
    out = match(values, "x")
    assert isinstance(out, np.ndarray) and out.dtype == bool
    assert out.tolist() == [True, False, True]
    assert match([], "x").shape == (0,)


def test_invalid_regex_gives_a_clear_error():
    with pytest.raises(ValueError) as info:
        match(["a"], "([", regex=True)
    message = str(info.value)
    assert message == "invalid regular expression '([': missing ]: ["
    # The same text is a fine substring query.
    assert match(["a(["], "([").tolist() == [True]


def test_empty_query_is_an_error():
    with pytest.raises(ValueError, match="empty query: type some text to search for"):
        match(["a"], "")
    with pytest.raises(ValueError, match="empty query"):
        match(["a"], "", regex=True)


def test_many_values_are_fast():
    values = pd.Series([f"word{i}" for i in range(100_000)])
    start = time.perf_counter()
    hits = match(values, "word99")
    regex_hits = match(values, r"^word9+$", regex=True)
    elapsed = time.perf_counter() - start
    assert hits.sum() == 1 + 10 + 100 + 1000  # word99, word990-999, word9900-9999, word99xxx
    assert regex_hits.sum() == 5  # 9, 99, 999, 9999, 99999
    assert elapsed < 2.0
