"""Bookmarks in the widget: capture and restore the whole view, names, files, requests."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import traitlets as t

from nbprojector import Projector
from nbprojector import bookmarks as bookmark_files
from nbprojector.bookmarks import BookmarkError
from nbprojector.codec import decode_positions
from nbprojector.widget.trust import COLOR_BY_FIDELITY


@pytest.fixture
def p(digits):
    widget = Projector(digits.data, {"digit": digits.target, "ink": digits.data.sum(1)})
    widget.sent = []
    widget.send = lambda content, buffers=None: widget.sent.append(content)
    return widget


def positions(p):
    return decode_positions(p._positions).ravel()


def test_restore_puts_back_the_whole_view(p):
    p.camera = {"dims": 3, "position": [1, 2, 3], "target": [0, 0, 0], "up": [0, 1, 0], "zoom": 2}
    p.selection = [4, 8]
    p.color_by = "ink"
    p.point_size = 7
    first_positions, first_coords = positions(p), p.coordinates
    p.add_bookmark()
    p.project("pca", components=(2, 3))
    p.isolate(np.arange(100))
    p.spherize = True
    p.color_by = "digit"
    isolated_positions = positions(p)
    p.add_bookmark("isolated 2D")
    assert [b["name"] for b in p.bookmarks] == ["State 1", "isolated 2D"]
    assert p.bookmarks[1]["isolated"] == 100 and p.bookmarks[1]["dims"] == 2

    p.restore_bookmark("State 1")
    np.testing.assert_array_equal(p.coordinates, first_coords)
    np.testing.assert_array_equal(positions(p), first_positions)
    assert p.selection.tolist() == [4, 8] and p.isolated is None and p._visible == b""
    assert p.isolated_count is None
    assert p.color_by == "ink" and p.point_size == 7 and p.spherize is False
    assert p.camera["zoom"] == 2 and p.projection["dims"] == 3

    p.restore_bookmark(1)
    np.testing.assert_array_equal(positions(p), isolated_positions)
    assert len(p.isolated) == 100 and np.frombuffer(p._visible, np.uint8).sum() == 100
    assert p.isolated_count == 100
    assert p.spherize is True and p.projection["params"]["components"] == [2, 3]


def test_restore_stops_a_running_projection(p):
    p.add_bookmark("pca")
    job = p.project("tsne", n_iter=5000)
    p.restore_bookmark("pca")
    assert job.state == "cancelled" and p.projection["method"] == "pca"


def test_names(p):
    p.add_bookmark("a")
    p.add_bookmark("a")
    assert [b["name"] for b in p.bookmarks] == ["a", "a (2)"]
    p.rename_bookmark("a (2)", "b")
    with pytest.raises(ValueError, match="already a bookmark named 'a'"):
        p.rename_bookmark("b", "a")
    with pytest.raises(ValueError, match="cannot be empty"):
        p.rename_bookmark(0, "  ")
    p.delete_bookmark("a")
    assert [b["name"] for b in p.bookmarks] == ["b"]
    with pytest.raises(KeyError, match="no bookmark named 'zzz'"):
        p.restore_bookmark("zzz")
    with pytest.raises(IndexError, match="no bookmark 5"):
        p.restore_bookmark(5)


def test_save_and_load(p, tmp_path, digits):
    p.add_bookmark("one")
    p.project("pca", components=(1, 2))
    p.add_bookmark("two")
    path = tmp_path / "views.json"
    p.save_bookmarks(path)
    other = Projector(digits.data, {"digit": digits.target, "ink": digits.data.sum(1)})
    assert other.load_bookmarks(path) == ["one", "two"]
    other.restore_bookmark("two")
    np.testing.assert_allclose(other.coordinates, p.coordinates, rtol=1e-3, atol=1e-2)
    assert json.loads(p._bookmark_file)["format"] == "nbprojector-bookmarks"


def test_bad_files_keep_the_bookmarks_there(p, tmp_path):
    p.add_bookmark("kept")
    bad = tmp_path / "bad.json"
    bad.write_text("{broken")
    with pytest.raises(BookmarkError, match="not valid JSON"):
        p.load_bookmarks(bad)
    small = Projector(np.random.default_rng(0).random((10, 4)))
    small.add_bookmark()
    small.save_bookmarks(tmp_path / "small.json")
    with pytest.raises(BookmarkError, match="made for 10 points, but this projector has 1797"):
        p.load_bookmarks(tmp_path / "small.json")
    assert [b["name"] for b in p.bookmarks] == ["kept"]


def test_panel_requests(p):
    def ask(payload, buffers=None):
        p._on_page_message(p, {"id": 1, "kind": "bookmark", "payload": payload}, buffers or [])
        return p.sent[-1]

    assert ask({"action": "add"})["result"]["name"] == "State 1"
    assert ask({"action": "rename", "which": 0, "name": "mine"})["ok"]
    assert ask({"action": "restore", "which": "mine"})["result"]["name"] == "mine"
    tb = [{"label": "tb view", "selectedProjection": "pca", "pcaComponentDimensions": [0, 1],
           "projections": [{"pca-0": float(i), "pca-1": 0.0} for i in range(1797)]}]  # fmt: skip
    reply = ask({"action": "load"}, [memoryview(json.dumps(tb).encode())])
    assert reply["result"] == {"added": ["tb view"]}
    reply = ask({"action": "load"}, [memoryview(b"nonsense")])
    assert reply["ok"] is False and "not valid JSON" in reply["error"]
    assert ask({"action": "explode"})["ok"] is False
    assert ask({"action": "delete", "which": 0})["ok"]
    assert [b["name"] for b in p.bookmarks] == ["tb view"]


def test_bookmarks_come_back_from_saved_widget_state(p, digits):
    p.add_bookmark("saved")
    saved = p._bookmark_file
    fresh = Projector(digits.data, {"digit": digits.target, "ink": digits.data.sum(1)})
    fresh._bookmark_file = saved  # what a page restoring saved widget state sends
    assert [b["name"] for b in fresh.bookmarks] == ["saved"]


def test_images_or_dots_and_image_size_are_part_of_a_bookmark(digits, tmp_path):
    p = Projector(digits.data, {"digit": digits.target}, images=digits.images / 16)
    p.image_size = 40
    p.add_bookmark("big images")
    p.image_size, p.show_images = 10, False
    p.save_bookmarks(tmp_path / "b.json")
    p.restore_bookmark("big images")
    assert (p.image_size, p.show_images) == (40, True)
    p.image_size = 10
    p.load_bookmarks(tmp_path / "b.json", replace=True)
    p.restore_bookmark(0)
    assert (p.image_size, p.show_images) == (40, True)


def view_of(p):
    """Everything a restore may change."""
    return (p.embedding, p.color_by, p.label_by, p.spherize, p.point_size, p.label_size,
            dict(p.camera), p.selection.tolist(), None if p.isolated is None else
            p.isolated.tolist(), p._visible, p._positions, dict(p.projection),
            p.coordinates.tolist(), p.metric, p.fidelity_k, p.compare_k,
            p.isolated_count)  # fmt: skip


def test_a_restore_failing_half_way_changes_nothing(p):
    p.color_by = "digit"
    p.add_bookmark("saved")
    p._bookmarks.states[0].point_size = 1000.0  # beyond the trait's range: fails late
    p._bookmarks.states[0].color_by = "ink"
    p._bookmarks.states[0].spherize = True
    p._bookmarks.states[0].isolated = np.arange(50, dtype=np.uint32)
    p.project("pca", components=(1, 2))
    p.isolate(np.arange(300))
    p.selection = [3, 5]
    before = view_of(p)
    with pytest.raises(Exception, match="point_size"):
        p.restore_bookmark("saved")
    assert view_of(p) == before


def test_a_bookmark_with_coordinates_of_another_size_is_refused_before_anything_changes(p):
    p.add_bookmark("saved")
    p._bookmarks.states[0].coords = np.zeros((10, 2), np.float32)
    p._bookmarks.states[0].color_by = "ink"
    p.selection = [1, 2]
    before = view_of(p)
    with pytest.raises(BookmarkError, match=r"needs \(1797, 2\) or \(1797, 3\)"):
        p.restore_bookmark("saved")
    assert view_of(p) == before
    ask = {"id": 1, "kind": "bookmark", "payload": {"action": "restore", "which": "saved"}}
    p._on_page_message(p, ask, [])
    assert p.sent[-1]["ok"] is False and "needs (1797, 2)" in p.sent[-1]["error"]
    assert view_of(p) == before


# ---------------------------------------------------------------- neighbour settings


def neighbour_settings(p):
    return p.metric, p.fidelity_k, p.compare_k


def test_restore_puts_back_the_neighbour_settings_through_the_traits(p):
    p.metric, p.fidelity_k, p.compare_k = "euclidean", 30, 5
    p.add_bookmark("euclidean")
    p.metric, p.fidelity_k, p.compare_k = "cosine", 15, 10
    written = []
    p.observe(lambda change: written.append((change["name"], change["new"])),
              ["metric", "fidelity_k", "compare_k"])  # fmt: skip
    p.restore_bookmark("euclidean")
    assert neighbour_settings(p) == ("euclidean", 30, 5)
    # Trait changes: what the page is sent and what the reactions run on.
    assert sorted(written) == [("compare_k", 5), ("fidelity_k", 30), ("metric", "euclidean")]


def test_neighbour_settings_travel_in_bookmark_files(p, tmp_path, digits):
    p.metric, p.fidelity_k, p.compare_k = "euclidean", 1796, 1
    p.add_bookmark("kept")
    p.save_bookmarks(tmp_path / "b.json")
    other = Projector(digits.data, {"digit": digits.target, "ink": digits.data.sum(1)})
    other.load_bookmarks(tmp_path / "b.json")
    assert neighbour_settings(other) == ("cosine", 15, 10)  # loading alone changes nothing
    other.restore_bookmark("kept")
    assert neighbour_settings(other) == ("euclidean", 1796, 1)


def test_an_older_file_without_neighbour_settings_leaves_todays(p, tmp_path):
    p.add_bookmark("old")
    document = json.loads(p._bookmark_file)
    for key in ("metric", "fidelity_k", "compare_k"):
        del document["bookmarks"][0][key]
    (tmp_path / "old.json").write_text(json.dumps(document))
    p.metric, p.fidelity_k, p.compare_k = "euclidean", 40, 3
    p.load_bookmarks(tmp_path / "old.json", replace=True)
    p.restore_bookmark("old")
    assert neighbour_settings(p) == ("euclidean", 40, 3)


def test_a_tensorboard_bookmark_leaves_the_neighbour_settings(p):
    tb = [{"label": "tb view", "selectedProjection": "pca", "pcaComponentDimensions": [0, 1],
           "projections": [{"pca-0": float(i), "pca-1": 0.0} for i in range(1797)]}]  # fmt: skip
    p._bookmarks.adopt(bookmark_files.loads(json.dumps(tb), 1797), False)
    p.metric, p.fidelity_k = "euclidean", 40
    p.restore_bookmark("tb view")
    assert neighbour_settings(p) == ("euclidean", 40, 10)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("metric", "x", "field 'metric' must be one of 'cosine', 'euclidean', got 'x'"),
        ("fidelity_k", -3, "field 'fidelity_k' must be a whole number from 1 to 1796"),
        ("fidelity_k", 1e9, "field 'fidelity_k' must be a whole number from 1 to 1796"),
        ("compare_k", 1797, "field 'compare_k' must be a whole number from 1 to 1796"),
    ],
)
def test_a_hostile_file_is_refused_whole(p, tmp_path, field, value, message):
    p.add_bookmark("kept")
    p.add_bookmark("hostile")
    document = json.loads(p._bookmark_file)
    document["bookmarks"][1][field] = value
    (tmp_path / "bad.json").write_text(json.dumps(document))
    p.delete_bookmark("hostile")
    before = view_of(p)
    with pytest.raises(BookmarkError, match=r"bookmark 2 \('hostile'\): " + message):
        p.load_bookmarks(tmp_path / "bad.json")
    assert [b["name"] for b in p.bookmarks] == ["kept"]  # not even the good first one
    assert view_of(p) == before


def test_a_neighbour_setting_that_fails_late_changes_nothing(p):
    p.add_bookmark("saved")
    state = p._bookmarks.states[0]
    state.metric, state.color_by = "euclidean", "ink"  # applied before the failing one
    state.compare_k = 10**9  # beyond the trait's range
    p.fidelity_k = 20
    before = view_of(p)
    with pytest.raises(t.TraitError, match="compare_k must be between 1 and 1796"):
        p.restore_bookmark("saved")
    assert view_of(p) == before and p.metric == "cosine"


def wait_until(condition, what, timeout=60.0):
    deadline = time.time() + timeout
    while not condition() and time.time() < deadline:
        time.sleep(0.05)
    assert condition(), f"{what} never happened"


def test_the_fidelity_colours_follow_a_restored_bookmark(p):
    p.color_by = COLOR_BY_FIDELITY
    p.metric, p.fidelity_k = "euclidean", 40
    wait_until(lambda: "of 40-NN" in p.legend.get("caption", ""), "fidelity with k=40")
    p.add_bookmark("k40")
    p.metric, p.fidelity_k = "cosine", 15
    wait_until(lambda: "of 15-NN" in p.legend.get("caption", ""), "fidelity with k=15")
    p.restore_bookmark("k40")

    def recoloured():
        caption = p.legend["caption"]
        return "of 40-NN" in caption and "(euclidean," in caption

    wait_until(recoloured, "the restored bookmark's fidelity colours")
    expected = p.fidelity(k=40, metric="euclidean")
    assert p.projection["fidelity"]["mean"] == pytest.approx(expected.attrs["mean"])
