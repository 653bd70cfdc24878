"""The offline HTML export's search box with hostile regular expressions: the page matches
with RE2's linear-time engine (re2js), as Python does, so a catastrophic pattern answers at
once instead of freezing the page, and Perl-only syntax gets a message saying so."""

from __future__ import annotations

import numpy as np
import pytest

from nbprojector import Projector

from .test_export import open_export

EVIL = "a" * 40 + "!"


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    rng = np.random.default_rng(0)
    labels = [EVIL] * 50 + [f"word{i}" for i in range(150)]
    p = Projector(rng.normal(size=(200, 6)), {"label": labels})
    path = p.to_html(tmp_path_factory.mktemp("export") / "evil.html")
    page, blocked = open_export(browser, path)
    page.blocked = blocked
    page.locator("button.nbp-regex").click()  # regular expressions on
    yield page
    page.close()


def search(page, query: str) -> None:
    page.locator(".nbp-search").fill(query)


def test_catastrophic_pattern_answers_at_once(page):
    search(page, "(a+)+$")  # a backtracking engine (the browser's RegExp) never returns
    page.locator(".nbp-search-count", has_text="0 matches").wait_for(timeout=20_000)
    search(page, "^(a+)+!$")
    page.locator(".nbp-search-count", has_text="50 matches").wait_for(timeout=20_000)
    assert page.evaluate("() => 1 + 1") == 2  # the page still runs scripts
    assert page.errors == [] and page.blocked == []


@pytest.mark.parametrize(
    ("query", "words"),
    [
        (r"(\w)\1", "backreferences are not supported"),
        ("word(?=1)", "lookahead and lookbehind are not supported"),
        ("(?<!x)word", "lookahead and lookbehind are not supported"),
    ],
)
def test_perl_only_syntax_gets_a_clear_message(page, query, words):
    search(page, query)
    error = page.locator(".nbp-search-error")
    error.wait_for(state="visible")
    assert error.inner_text().startswith(f"invalid regular expression '{query}'")
    assert words in error.inner_text()
    search(page, r"^word1\d$")  # RE2 syntax the same as Python's
    page.locator(".nbp-search-count", has_text="10 matches").wait_for()
