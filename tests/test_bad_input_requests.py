"""Hostile regular expressions in search, count and custom-axis requests: each answers at once
or with a clear error, and the widget keeps working afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from nbprojector import Projector, regex_match

CATASTROPHIC = "(a+)+$"
EVIL = "a" * 40 + "!"


@pytest.fixture
def p():
    rng = np.random.default_rng(0)
    labels = [EVIL] * 30 + [f"word{i}" for i in range(30)]
    widget = Projector(rng.normal(size=(60, 8)).astype(np.float32), {"label": labels})
    widget.replies = []
    widget.send = lambda content, buffers=None: widget.replies.append(content)
    return widget


def ask(p, kind, payload):
    """Send one request as the page does; return its reply."""
    before = len(p.replies)
    p._requests.handle({"id": 7, "kind": kind, "payload": payload}, [])
    assert len(p.replies) == before + 1, "every request gets exactly one reply"
    return p.replies[-1]


def test_catastrophic_pattern_answers_at_once_in_search_count_and_custom(tmp_path):
    """Python's re never returns from (a+)+$ on 'a' * 40 + '!' (nor stops on Ctrl-C), so this
    runs in a child process that the test can time out."""
    script = textwrap.dedent(
        f"""
        import json, time
        import numpy as np
        from nbprojector import Projector
        labels = [{EVIL!r}] * 1000 + ["aaa"]
        p = Projector(np.random.default_rng(0).normal(size=(1001, 4)), {{"label": labels}})
        replies = []
        p.send = lambda content, buffers=None: replies.append(content)
        times = {{}}
        start = time.perf_counter()
        found = p.search({CATASTROPHIC!r}, regex=True).tolist()
        times["search"] = time.perf_counter() - start
        start = time.perf_counter()
        p._requests.handle({{"id": 1, "kind": "count",
                               "payload": {{"query": {CATASTROPHIC!r}, "regex": True}}}}, [])
        times["count"] = time.perf_counter() - start
        start = time.perf_counter()
        payload = {{"method": "custom", "params": {{"left": {CATASTROPHIC!r}, "right": "x",
                                                   "regex": True, "column": "label"}}}}
        p._requests.handle({{"id": 2, "kind": "project", "payload": payload}}, [])
        times["custom"] = time.perf_counter() - start
        print(json.dumps({{"found": found, "replies": replies, "times": times}}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["found"] == [1000]
    count, custom = out["replies"]
    assert count == {"id": 1, "ok": True, "result": {"count": 1, "of": 1001}}
    assert custom["ok"] is False and "Right matched no points" in custom["error"]
    assert all(t < 5.0 for t in out["times"].values()), out["times"]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        (r"(\w)\1", "backreferences are not supported"),
        ("word(?=1)", "lookahead and lookbehind are not supported"),
        ("(?<=word)1", "lookahead and lookbehind are not supported"),
    ],
)
def test_perl_only_patterns_get_a_clear_error_in_every_request(p, query, words):
    p.selection = [3]
    reply = ask(p, "search", {"query": query, "regex": True})
    assert reply["ok"] is False
    assert reply["error"].startswith(f"invalid regular expression {query!r}")
    assert words in reply["error"]
    assert p.selection.tolist() == [3]  # nothing half-applied
    reply = ask(p, "count", {"query": query, "regex": True, "column": "label"})
    assert reply["ok"] is False and words in reply["error"]
    params = {"left": query, "right": "word1", "regex": True}
    reply = ask(p, "project", {"method": "custom", "params": params})
    assert reply["ok"] is False and words in reply["error"]
    # Python's API says the same.
    with pytest.raises(ValueError, match=words):
        p.search(query, regex=True)
    # And the widget still answers.
    assert ask(p, "count", {"query": "^word1", "regex": True})["result"]["count"] == 11
    assert ask(p, "search", {"query": "word2", "regex": False})["result"]["count"] == 11


def test_a_search_past_the_time_limit_is_an_error_and_changes_nothing(p, monkeypatch):
    monkeypatch.setattr(regex_match, "TIME_LIMIT_S", 0.0)
    p.selection = [1, 2]
    reply = ask(p, "search", {"query": "word.*1", "regex": True})
    assert reply["ok"] is False
    assert reply["error"].startswith(
        "regular expression 'word.*1' took longer than 0 s over 60 values and was stopped"
    )
    assert p.selection.tolist() == [1, 2]
    reply = ask(p, "count", {"query": "word.*1", "regex": True})
    assert reply["ok"] is False and "took longer than" in reply["error"]
    with pytest.raises(regex_match.RegexTooSlowError):
        p.search("word", regex=True)
    monkeypatch.setattr(regex_match, "TIME_LIMIT_S", 1.0)
    assert ask(p, "search", {"query": "word.*1", "regex": True})["result"]["count"] == 12


def test_regex_search_answers_as_before_for_ordinary_patterns(p):
    assert p.search(r"^WORD\d$", regex=True).tolist() == list(range(30, 40))
    assert ask(p, "count", {"query": CATASTROPHIC, "regex": True})["result"]["count"] == 0
    assert ask(p, "count", {"query": "a+!$", "regex": True})["result"]["count"] == 30


@pytest.mark.parametrize("kind", ["count", "search"])
@pytest.mark.parametrize("column", [["label"], {"name": "label"}])
def test_a_column_that_is_not_text_is_refused_by_name(p, kind, column):
    """A list or dict column is not hashable: the reply names the field, not Python's
    'unhashable type', and the widget answers the next request."""
    reply = ask(p, kind, {"query": "word", "regex": False, "column": column})
    assert reply["ok"] is False
    assert "'column'" in reply["error"] and "unhashable" not in reply["error"]
    assert ask(p, "count", {"query": "word", "column": "label"})["result"]["count"] == 30
