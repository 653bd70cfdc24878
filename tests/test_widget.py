"""The widget without a browser: traits, the public API, and the request protocol."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import traitlets

from nbprojector import Projector
from nbprojector.codec import decode_positions, position_step
from nbprojector.dataset import EmbeddingError
from nbprojector.layout import normalize_positions
from nbprojector.metadata import MetadataError


@pytest.fixture
def p(digits):
    widget = Projector(
        digits.data, {"digit": digits.target, "word": [f"w{i}" for i in range(1797)]}
    )
    widget.sent = []
    widget.send = lambda content, buffers=None: widget.sent.append((content, buffers))
    return widget


def ask(p, content, buffers=None):
    p._on_page_message(p, content, buffers or [])
    return p.sent[-1][0]


def test_per_point_state_is_binary(p):
    assert len(p._positions) == 56 + 1797 * 3 * 2  # header, then uint16 x, y, z
    assert len(p._colors) == 1797  # digits: a one-byte palette index a point
    assert len(p._palette) == 10 * 3
    assert p._labels == b"" and p._label_offsets == b""  # not before the first frame
    ask(p, {"id": "l", "kind": "labels", "payload": {}})
    assert p.sent[-1][0]["ok"]
    assert np.frombuffer(p._label_offsets, np.uint32)[-1] == len(p._labels) > 0
    assert p.n_points == 1797 and p.n_dims == 64
    assert p.color_by == "digit" and p.label_by == "digit"


def test_default_projection_is_pca_3d(p):
    assert p.projection["method"] == "pca" and p.projection["dims"] == 3
    assert p.coordinates.shape == (1797, 3)
    assert len(p.projection["variance"]) == 10
    shown = sum(p.projection["variance"][:3])
    assert p.projection["variance_shown"] == pytest.approx(shown)
    expected = normalize_positions(p.coordinates)
    step = position_step(p._positions)
    assert np.all(np.abs(decode_positions(p._positions) - expected) <= step / 2 + 1e-7)


def test_project_two_components(p):
    p.project("pca", components=(2, 4))
    assert p.coordinates.shape == (1797, 2)
    assert len(p._positions) == 56 + 1797 * 2 * 2  # only x and y travel
    positions = decode_positions(p._positions)
    assert np.all(positions[:, 2] == 0)
    assert np.abs(positions).max() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("components", "message"),
    [((1,), "choose 2 or 3"), ((1, 11), "out of range"), ((0, 1), "numbered from 1"),
     ((2, 2), "must differ")],
)  # fmt: skip
def test_project_bad_components(p, components, message):
    with pytest.raises(ValueError, match=message):
        p.project("pca", components=components)


def test_unknown_method(p):
    with pytest.raises(ValueError, match="unknown projection method 'nope'"):
        p.project("nope")


def test_changing_colours_does_not_resend_positions(p):
    sent = []
    p.observe(lambda change: sent.append(change["name"]), names=["_positions", "_colors"])
    p.color_by = "word"
    p.color_by = ""
    assert "_positions" not in sent and sent.count("_colors") == 2
    assert p._palette == b""
    assert p.legend["kind"] == "none" and p._colors == b""


def test_unknown_column_is_a_clear_error(p):
    with pytest.raises(traitlets.TraitError, match="unknown column 'nope' for color_by"):
        p.color_by = "nope"
    with pytest.raises(traitlets.TraitError, match=r"choose one of \['digit', 'word'\]"):
        p.label_by = "nope"


def test_constructor_errors_are_clear(digits):
    with pytest.raises(MetadataError, match="has 3 rows but the embedding has 1797"):
        Projector(digits.data, ["a", "b", "c"])
    with pytest.raises(EmbeddingError, match="NaN"):
        Projector(np.full((5, 3), np.nan))
    with pytest.raises(traitlets.TraitError, match="unknown column"):
        Projector(digits.data, color_by="nope")


def test_selection_both_ways(p):
    p.selection = [5, 3, 3, 10]
    assert p.selection.tolist() == [3, 5, 10]
    assert np.frombuffer(p._selection, np.uint32).tolist() == [3, 5, 10]
    p._selection = memoryview(np.array([7, 1], np.uint32).tobytes()).tobytes()
    assert p.selection.tolist() == [1, 7]
    with pytest.raises(IndexError, match=r"must be in 0\.\.1796"):
        p.selection = [2000]


def test_page_writes_selection_as_memoryview(p):
    # What ipywidgets hands over when the page writes a binary trait.
    trait = p.traits()["_selection"]
    value = trait.metadata["from_json"](memoryview(np.array([4], np.uint32).tobytes()), p)
    p._selection = value
    assert p.selection.tolist() == [4]


def test_request_project_replies_ok(p):
    payload = {"method": "pca", "params": {"components": [1, 2]}}
    reply = ask(p, {"id": "a-1", "kind": "project", "payload": payload})
    assert reply == {"id": "a-1", "ok": True, "result": {"method": "pca", "state": "done"}}
    assert p.projection["dims"] == 2 and p.progress["state"] == "done"


def test_request_row(p):
    reply = ask(p, {"id": 7, "kind": "row", "payload": {"index": 12}})
    assert reply == {
        "id": 7,
        "ok": True,
        "result": {"index": 12, "row": {"digit": 2, "word": "w12"}},
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("hello", "must be an object"),
        ({"kind": "row"}, "needs an integer or string 'id'"),
        ({"id": 1, "kind": "bogus"}, "unknown request kind 'bogus'"),
        ({"id": 1, "kind": "row", "payload": []}, "must be an object"),
        ({"id": 1, "kind": "row", "payload": {"index": "x"}}, "'index' must be an integer"),
        ({"id": 1, "kind": "row", "payload": {"index": 99999}}, "between 0 and 1796"),
        ({"id": 1, "kind": "project", "payload": {"method": "pca", "params": 3}}, "'params'"),
        ({"id": 1, "kind": "project", "payload": {"params": {"components": [1, 99]}}}, "range"),
        ({"id": 1, "kind": "project", "payload": {"params": {"bogus": 1}}}, "bogus"),
    ],
)
def test_malformed_requests_get_error_replies(p, content, message):
    reply = ask(p, content)
    assert reply["ok"] is False and message in reply["error"]
    # ...and the widget keeps working.
    assert ask(p, {"id": 2, "kind": "row", "payload": {"index": 0}})["ok"]


def test_several_embeddings(digits):
    p = Projector({"raw": digits.data, "half": digits.data[:, :32]}, {"digit": digits.target})
    assert p.embeddings == ["raw", "half"] and p.n_dims == 64
    p.embedding = "half"
    assert p.n_dims == 32 and p.coordinates.shape == (1797, 3)
    with pytest.raises(traitlets.TraitError, match="unknown embedding"):
        p.embedding = "nope"


@pytest.mark.parametrize("trait", ["point_size", "label_size", "image_size"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_float_traits_refuse_non_finite_values(p, trait, value):
    before = getattr(p, trait)
    with pytest.raises(traitlets.TraitError, match=trait):
        setattr(p, trait, value)
    assert getattr(p, trait) == before


def sent_labels(p) -> list[str]:
    """The labels the page holds, decoded as the page decodes them."""
    data, offsets = bytes(p._labels), np.frombuffer(p._label_offsets, np.uint32)
    return [data[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets)]


def test_labels_changed_before_the_page_asks_arrive_as_they_are_then():
    """The labels travel only once the page has drawn its first frame; a label edited, a
    column added and the label column switched before then are what the page gets."""
    xy = np.random.default_rng(1).normal(size=(6, 2)).astype(np.float32)
    p = Projector(xy, {"word": np.array(["a", "b", "c", "d", "e", "f"]), "n": np.arange(6)})
    p.sent = []
    p.send = lambda content, buffers=None: p.sent.append((content, buffers))
    p.annotate([1, 4], "word", "edited")
    p.annotate([0], "note", "new")
    p.label_by = "note"
    assert p._labels == b"" and p._label_offsets == b""  # nothing sent yet
    assert ask(p, {"id": "l", "kind": "labels", "payload": {}})["ok"]
    assert sent_labels(p) == ["new", "", "", "", "", ""]
    p.label_by = "word"  # and after they arrived, they follow every change
    assert sent_labels(p) == ["a", "edited", "c", "d", "edited", "f"]
    p.annotate([2], "word", "late")
    assert sent_labels(p)[2] == "late"
    p.close()
