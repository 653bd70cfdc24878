"""regex_match: RE2 over a whole column, the same answers as RE2 on each value alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nbprojector.regex_match import RegexTooSlowError, compile_pattern, find


def one_by_one(query: str, values: list[str]) -> list[bool]:
    """The reference: RE2 on each value alone, case-insensitive, a match beginning on a
    character (RE2 alone would also try \\B between two bytes of one character)."""
    options = re2.Options()
    options.case_sensitive = False
    pattern = re2.compile(f"^(?s:.)*?(?:{query})", options)
    return [pattern.search(v) is not None for v in values]


def found(query: str, values: list[str], **kwargs) -> list[bool]:
    return find(compile_pattern(query), pd.Series(values, dtype=object), **kwargs).tolist()


VALUES = ["apple", "", "Banana", "cherry pie", "a", "ab\ncd", "x\n", "\n", "pie", "über", "ÜBER"]


@pytest.mark.parametrize(
    "query",
    [
        "a", "^a", "a$", "^$", "^a$", "x*", r"\bpie", r"pie\b", r"\Bie", r"^\s*$", "an(an)+",
        r"\Aa", r"a\z", r"(?-m)^a$", r"(?s).", r"\n", r"[^a]", r"\C", r"\Qa$\E", "über",
        r"(?i:B)an", r"(?-i)Ban", r"^(?:ab|cd)$", r"c$", r"^c", r"\d|\pL", "y p", r"\B", r"Å\B",
    ],
)
def test_column_search_equals_each_value_alone(query):
    assert found(query, VALUES) == one_by_one(query, VALUES)


def test_runs_of_matches_map_back_to_each_value():
    values = ["hit", "hit", "miss", "hit", "miss", "miss", "hit"]
    assert found("^hit$", values) == [True, True, False, True, False, False, True]
    assert found("i", values) == [True] * 7
    assert found("zzz", values) == [False] * 7
    assert found("x", []) == []


def test_catastrophic_pattern_answers():
    # Python's re would not return at all (bench/bad_input.py times this at 1M labels).
    values = ["a" * 40 + "!"] * 1000 + ["aaa"]
    assert found("(a+)+$", values) == [False] * 1000 + [True]


def test_slow_search_stops_at_the_time_limit():
    # A large program over many values: each slice is checked against the clock.
    values = [f"value{i}" for i in range(200_000)]
    with pytest.raises(RegexTooSlowError) as info:
        found(r"(?:[\pL\pN]{20}){20}y", values, time_limit=0.05)
    assert str(info.value).startswith(r"regular expression '(?:[\\pL\\pN]{20}){20}y' took longer")
    assert "200,000 values" in str(info.value) and "simplify it" in str(info.value)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        (r"(a)\1", "backreferences are not supported"),
        ("(?=a)b", "lookahead and lookbehind are not supported"),
        ("(?<!a)b", "lookahead and lookbehind are not supported"),
        (r"a\Z", r"write \z for the end of the value"),
    ],
)
def test_perl_only_syntax_is_refused_with_what_to_do(query, words):
    with pytest.raises(ValueError) as info:
        compile_pattern(query)
    message = str(info.value)
    assert message.startswith(f"invalid regular expression {query!r}: ")
    assert words in message and "RE2" in message


def test_a_huge_pattern_is_refused_not_run():
    with pytest.raises(ValueError, match=r"pattern too large.*fewer or smaller repetitions"):
        compile_pattern(r"(?:\pL|\d){500}x")


# Small alphabets make matches, newlines and edge cases likely.
texts = st.lists(st.text(alphabet="ab \nÅ", max_size=6), max_size=12)
atoms = st.sampled_from(
    ["a", "b", "Å", " ", ".", "^", "$", r"\b", r"\B", r"\A", r"\z", r"\s", "[^a]", r"\n", r"\C"]
)
queries = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map("".join),
        st.tuples(inner, inner).map("|".join),
        inner.map(lambda q: f"(?:{q})*"),
        inner.map(lambda q: f"(?:{q})+"),
        inner.map(lambda q: f"(?-m:{q})"),
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=texts, query=queries)
def test_property_column_search_equals_each_value_alone(values, query):
    assert found(query, values) == one_by_one(query, values)


def test_hits_are_a_fresh_bool_array():
    hits = find(compile_pattern("a"), pd.Series(["a", "b"]))
    assert hits.dtype == np.bool_ and hits.flags.writeable
