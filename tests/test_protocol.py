"""The protocol's one definition: every request checked by its kind's payload type."""

import json
from pathlib import Path

import pytest

from nbprojector import protocol
from nbprojector.protocol import ProtocolError, parse_request

ROOT = Path(__file__).resolve().parent.parent


def request(kind, payload):
    return parse_request({"id": "t-1", "kind": kind, "payload": payload})


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("project", {"method": "pca", "params": {"components": [1, 2]}}),
        ("project", {"params": {"components": [1, 2, 3]}}),  # pca when no method is named
        ("project", {"method": "tsne", "params": {"dims": 3, "perplexity": 30,
                                                  "learning_rate": "auto", "n_iter": 750,
                                                  "seed": 0}}),
        ("project", {"method": "tsne", "params": {"learning_rate": 200.5}}),
        ("project", {"method": "umap", "params": {"dims": 2, "n_neighbors": 15,
                                                  "min_dist": 0.1, "seed": 1}}),
        ("project", {"method": "custom", "params": {"column": "word", "regex": False,
                                                    "left": "a", "right": "b", "down": None,
                                                    "up": None}}),
        ("cancel", {"keep": True}),
        ("pause", {}),
        ("resume", None),
        ("row", {"index": 3}),
        ("count", {"column": "", "query": "a", "regex": True}),
        ("search", {"query": "a", "column": None}),
        ("neighbors", {"index": 0, "k": 10, "metric": "euclidean", "spherize": False}),
        ("isolate", {"show_all": True}),
        ("bookmark", {"action": "add", "name": None}),
        ("bookmark", {"action": "restore", "which": "first"}),
        ("bookmark", {"action": "rename", "which": 0, "name": "new"}),
        ("bookmark", {"action": "load"}),
        ("snapshot", {"token": "abc", "width": 10, "height": 20}),
        ("snapshot", {"token": "abc", "error": "no WebGL"}),
        ("atlas", {"max_texture_size": 4096}),
        ("fidelity_point", {"index": 2, "k": 15}),
    ],
)
def test_what_the_page_sends_is_accepted_as_is(kind, payload):
    parsed = request(kind, payload)
    assert (parsed.id, parsed.kind, parsed.payload) == ("t-1", kind, payload or {})


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        ("search", {"query": "a", "column": ["word"]},
         "'column' must be a string or null, got a list"),
        ("project", {"method": "pca", "params": {"components": 3}},
         "'components' must be a list of integers, got 3"),
        ("project", {"params": {"components": [1, "2"]}},
         "'components' must be a list of integers, got '2' at position 1"),
        ("project", {"method": "tsne", "params": {"dims": "abc"}},
         "'dims' must be 2 or 3, got 'abc'"),
        ("project", {"method": "tsne", "params": {"learning_rate": "fast"}},
         "'learning_rate' must be a number or 'auto', got 'fast'"),
        ("project", {"method": "umap", "params": {"n_neighbors": 2.5}},
         "'n_neighbors' must be an integer, got 2.5"),
        ("project", {"method": "warp"}, "'method' must be one of 'pca', 'tsne', 'umap', 'custom'"),
        ("project", {"method": "pca", "params": {"bogus": 1}},
         "'params' has no field 'bogus' (expected: components)"),
        ("project", {"method": "pca", "params": 3}, "'params' must be an object, got 3"),
        ("search", {"query": "a", "regex": "false"}, "'regex' must be true or false, got 'false'"),
        ("search", {"regex": True}, "a 'search' request needs 'query', a string"),
        ("row", {"index": "x"}, "'index' must be an integer, got 'x'"),
        ("row", {"index": True}, "'index' must be an integer, got true"),
        ("row", {"index": 1, "colum": "a"}, "a 'row' request has no field 'colum'"),
        ("neighbors", {"index": 0, "metric": "manhattan"},
         "'metric' must be 'cosine' or 'euclidean', got 'manhattan'"),
        ("bookmark", {"action": "zap"},
         "'action' must be one of 'add', 'restore', 'rename', 'delete', 'load', got 'zap'"),
        ("bookmark", {"action": "restore"}, "needs 'which', an integer or a string"),
        ("bookmark", {"action": "rename", "which": 0, "name": 5}, "'name' must be a string, got 5"),
        ("pause", {"now": True}, "a 'pause' request has no field 'now' (expected: no fields)"),
        ("snapshot", {"token": 7}, "'token' must be a string, got 7"),
        ("atlas", {"max_texture_size": "big"}, "'max_texture_size' must be an integer, got 'big'"),
    ],
)  # fmt: skip
def test_a_bad_field_is_named_with_what_came_and_what_is_expected(kind, payload, message):
    with pytest.raises(ProtocolError) as caught:
        request(kind, payload)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("hello", "a request must be an object, got 'hello'"),
        ({"kind": "row"}, "needs an integer or string 'id'"),
        ({"id": True, "kind": "row"}, "needs an integer or string 'id'"),
        ({"id": 1, "kind": "bogus"}, "unknown request kind 'bogus'; known kinds: project,"),
        ({"id": 1, "kind": ["row"]}, "unknown request kind ['row']"),
        ({"id": 1, "kind": "row", "payload": [1]}, "the payload of 'row' must be an object"),
    ],
)
def test_a_bad_envelope_is_refused(content, message):
    with pytest.raises(ProtocolError, match=None) as caught:
        parse_request(content)
    assert message in str(caught.value)


def test_numbers_must_be_finite():
    with pytest.raises(ProtocolError, match="'perplexity' must be a number, got nan"):
        request("project", {"method": "tsne", "params": {"perplexity": float("nan")}})


def test_every_kind_has_a_payload_a_result_and_a_description():
    assert set(protocol.REQUESTS) == set(protocol.KINDS) == set(protocol.PROTOCOL)
    assert protocol.KINDS == ("project", "cancel", "pause", "resume", "row", "labels", "count",
                              "search", "neighbors", "isolate", "show_points", "bookmark",
                              "snapshot", "atlas", "fidelity_point", "find", "cluster",
                              "annotate", "edit")  # fmt: skip
    for kind, spec in protocol.PROTOCOL.items():
        assert spec.doc and spec.result is not None, kind


def test_commands_are_checked_before_they_go():
    assert protocol.command("snapshot", token="ab", scale=2) == {
        "command": "snapshot", "token": "ab", "scale": 2,
    }  # fmt: skip
    with pytest.raises(ProtocolError, match="'scale' must be a number, got '2'"):
        protocol.command("snapshot", token="ab", scale="2")
    with pytest.raises(ProtocolError, match="needs 'token'"):
        protocol.command("snapshot", scale=1.0)
    with pytest.raises(ProtocolError, match="unknown command 'redraw'"):
        protocol.command("redraw")


def test_replies_are_strict_json():
    assert json.loads(json.dumps(protocol.ok("a", {"count": 1}), allow_nan=False)) == {
        "id": "a", "ok": True, "result": {"count": 1},
    }  # fmt: skip
    assert protocol.error(3, "no") == {"id": 3, "ok": False, "error": "no"}


def test_payload_int_checks_the_range_the_data_gives():
    assert protocol.payload_int({"k": 5}, "k", 1, 10) == 5
    assert protocol.payload_int({}, "k", 1, 10, default=3) == 3
    with pytest.raises(ProtocolError, match="'k' must be between 1 and 10, got 11"):
        protocol.payload_int({"k": 11}, "k", 1, 10)


def test_protocol_module_is_strictly_typed():
    mypy = pytest.importorskip("mypy.api")
    names = ("protocol.py", "protocol_types.py", "typed_json.py", "trait_types.py")
    files = [str(ROOT / "src" / "nbprojector" / name) for name in names]
    out, err, status = mypy.run(["--strict", "--follow-imports=silent", *files])
    assert status == 0, out + err



def test_every_kind_is_served_by_the_widget():
    """A real Projector answers each kind the protocol lists (its handler exists and runs)."""
    import numpy as np

    from nbprojector import Projector

    rng = np.random.default_rng(0)
    p = Projector(rng.normal(size=(40, 5)), {"word": [f"w{i}" for i in range(40)]})
    payloads = {
        "project": {"method": "pca", "params": {"components": [1, 2]}},
        "cancel": {}, "pause": {}, "resume": {}, "row": {"index": 1}, "labels": {},
        "count": {"query": "w1"}, "search": {"query": "w1"},
        "neighbors": {"index": 0, "k": 5}, "isolate": {"show_all": True},
        "show_points": {}, "bookmark": {"action": "add", "name": "b"},
        "snapshot": {"token": "none"},
        "atlas": {"max_texture_size": 4096}, "fidelity_point": {"index": 3},
        "find": {"query": ""}, "cluster": {"action": "run"},
        "annotate": {"column": "topic", "value": "x"}, "edit": {"action": "undo"},
    }  # fmt: skip
    assert set(payloads) == set(protocol.KINDS)
    replies = []
    p.send = lambda content, buffers=None: replies.append(content)
    for i, (kind, payload) in enumerate(payloads.items()):
        p._on_page_message(p, {"id": i, "kind": kind, "payload": payload}, [])
        reply = replies[-1]
        assert reply["id"] == i and reply["ok"], (kind, reply)
