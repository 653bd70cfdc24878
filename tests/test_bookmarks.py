"""Bookmark records and files: round trips, size, TensorBoard import, and every bad file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nbprojector import bookmarks
from nbprojector.bookmarks import BookmarkError, State


def make_state(n=100, dims=3, name="State 1", seed=0):
    rng = np.random.default_rng(seed)
    return State(
        name=name,
        embedding="embedding",
        projection={"method": "tsne", "dims": dims, "params": {"perplexity": 30}},
        coords=(rng.normal(size=(n, dims)) * 20).astype(np.float32),
        isolated=np.arange(0, n, 2, dtype=np.uint32),
        selection=np.array([1, 5, 7], np.uint32),
        camera={"dims": dims, "position": [1.0, 2.0, 3.0], "target": [0, 0, 0], "zoom": 1.5},
        spherize=True,
        color_by="digit",
        label_by="word",
        point_size=6.0,
        label_size=14.0,
    )


def test_round_trip_through_a_file(tmp_path):
    states = [make_state(), make_state(dims=2, name="flat", seed=1)]
    path = tmp_path / "b.json"
    bookmarks.save(path, states, 100)
    back = bookmarks.load(path, 100)
    assert [b.name for b in back] == ["State 1", "flat"]
    for a, b in zip(states, back, strict=True):
        # float16 storage: within half-precision rounding.
        np.testing.assert_allclose(b.coords, a.coords, rtol=1e-3, atol=1e-3)
        np.testing.assert_array_equal(b.isolated, a.isolated)
        np.testing.assert_array_equal(b.selection, a.selection)
        assert (b.camera, b.spherize, b.color_by, b.label_by, b.point_size, b.label_size) == (
            a.camera, a.spherize, a.color_by, a.label_by, a.point_size, a.label_size)  # fmt: skip
        assert b.projection == a.projection


def test_large_coordinates_fall_back_to_float32():
    state = make_state()
    state.coords[0, 0] = 1e6
    record = bookmarks.to_dict(state)
    assert record["coords"]["dtype"] == "float32"
    back = bookmarks.from_dict(record, 100)
    assert back.coords[0, 0] == 1e6


def test_file_size_at_10k_points(tmp_path):
    path = tmp_path / "b.json"
    bookmarks.save(path, [make_state(n=10_000)], 10_000)
    size = path.stat().st_size
    assert size < 150_000, size  # TensorBoard's JSON for the same: ~3.6 MB


def test_tensorboard_bookmarks_import(tmp_path):
    n = 5
    rng = np.random.default_rng(0)
    xyz = rng.normal(size=(n, 3))
    tb = [
        {
            "label": "my pca view",
            "isSelected": True,
            "selectedProjection": "pca",
            "dataSetDimensions": [n, 10],
            "pcaComponentDimensions": [0, 1, 2],
            "projections": [{"pca-0": a, "pca-1": b, "pca-2": c} for a, b, c in xyz],
            "selectedPoints": [1, 3],
            "filteredPoints": [],
            "cameraDef": {"orthographic": False, "position": [1, 2, 3], "target": [0, 0, 0],
                          "zoom": 1},
            "selectedColorOptionName": "label",
            "selectedLabelOption": "label",
        },
        {
            "label": "tsne 2d",
            "selectedProjection": "tsne",
            "tSNEis3d": False,
            "tSNEIteration": 120,
            "tSNEPerplexity": 18,
            "tSNELearningRate": 10,
            "projections": [{"tsne-0": float(i), "tsne-1": float(-i)} for i in range(n)],
            "selectedPoints": [],
        },
    ]  # fmt: skip
    path = tmp_path / "tb.json"
    path.write_text(json.dumps(tb))
    states = bookmarks.load(path, n)
    assert [s.name for s in states] == ["my pca view", "tsne 2d"]
    np.testing.assert_allclose(states[0].coords, xyz, rtol=1e-6)
    assert states[0].projection["params"]["components"] == [1, 2, 3]
    assert states[0].selection.tolist() == [1, 3] and states[0].isolated is None
    assert states[0].camera["position"] == [1, 2, 3]
    assert states[1].coords.shape == (n, 2) and states[1].coords[4].tolist() == [4, -4]
    assert states[1].projection["params"]["perplexity"] == 18


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"hello": 1}', "not a bookmark file"),
        ('{"format": "nbprojector-bookmarks", "version": 99, "bookmarks": []}', "version 99"),
        ('{"format": "nbprojector-bookmarks", "version": 1}', "no 'bookmarks' list"),
        ('[{"selectedProjection": "pca", "projections": [{"pca-0": 1}]}]', "other data"),
        ('[{"selectedProjection": "magic", "projections": []}]', "unknown projection"),
        ("[3]", "is not an object"),
    ],
)
def test_bad_files(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(BookmarkError, match=message):
        bookmarks.load(path, 100)


def test_file_for_other_data_size(tmp_path):
    path = tmp_path / "b.json"
    bookmarks.save(path, [make_state(n=100)], 100)
    with pytest.raises(BookmarkError, match="made for 100 points, but this projector has 50"):
        bookmarks.load(path, 50)


def test_truncated_coordinates(tmp_path):
    record = bookmarks.to_dict(make_state())
    record["coords"]["data"] = record["coords"]["data"][:40]
    with pytest.raises(BookmarkError, match="damaged"):
        bookmarks.from_dict(record, 100)


def test_missing_field():
    record = bookmarks.to_dict(make_state())
    del record["projection"]
    with pytest.raises(BookmarkError, match="lacks the field 'projection'"):
        bookmarks.from_dict(record, 100)


def test_selection_out_of_range():
    state = make_state()
    state.selection = np.array([500], np.uint32)
    with pytest.raises(BookmarkError, match="field 'selection': index 500 >= 100 points"):
        bookmarks.from_dict(bookmarks.to_dict(state), 100)


def test_missing_file(tmp_path):
    with pytest.raises(BookmarkError, match="not found"):
        bookmarks.load(tmp_path / "nope.json", 3)


def test_failed_save_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "b.json"
    bookmarks.save(path, [make_state()], 100)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(bookmarks.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        bookmarks.save(path, [make_state(name="new")], 100)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["b.json"]  # no temporary file left


# ---------------------------------------------------------------- neighbour settings


def test_neighbour_settings_round_trip_as_strict_json(tmp_path):
    state = make_state()
    state.metric, state.fidelity_k, state.compare_k = "euclidean", 30, 99
    path = tmp_path / "b.json"
    bookmarks.save(path, [state, make_state(name="unset")], 100)
    record = json.loads(path.read_text(), parse_constant=lambda name: pytest.fail(name))
    assert {k: record["bookmarks"][0][k] for k in ("metric", "fidelity_k", "compare_k")} == {
        "metric": "euclidean", "fidelity_k": 30, "compare_k": 99}  # fmt: skip
    assert record["bookmarks"][1]["metric"] is None  # written as null, read as "not kept"
    back, unset = bookmarks.load(path, 100)
    assert (back.metric, back.fidelity_k, back.compare_k) == ("euclidean", 30, 99)
    assert (unset.metric, unset.fidelity_k, unset.compare_k) == (None, None, None)


def test_a_file_without_neighbour_settings_loads_with_none_for_each():
    record = bookmarks.to_dict(make_state())
    for key in ("metric", "fidelity_k", "compare_k"):
        del record[key]
    back = bookmarks.from_dict(record, 100)
    assert (back.metric, back.fidelity_k, back.compare_k) == (None, None, None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"metric": "x"}, "field 'metric' must be one of 'cosine', 'euclidean', got 'x'"),
        ({"metric": "Cosine"}, "field 'metric' must be one of"),
        ({"metric": 1}, "field 'metric' must be one of"),
        ({"fidelity_k": -3}, "field 'fidelity_k' must be a whole number from 1 to 99 "
                             r"\(the other points\), got -3"),
        ({"fidelity_k": 0}, "field 'fidelity_k' must be a whole number from 1 to 99"),
        ({"fidelity_k": 1e9}, "field 'fidelity_k' .* got 1000000000.0"),
        ({"fidelity_k": 10**9}, "field 'fidelity_k' .* got 1000000000"),
        ({"fidelity_k": 100}, "field 'fidelity_k' must be a whole number from 1 to 99"),
        ({"fidelity_k": 2.5}, "field 'fidelity_k' must be a whole number"),
        ({"fidelity_k": True}, "field 'fidelity_k' must be a whole number"),
        ({"compare_k": "10"}, "field 'compare_k' must be a whole number from 1 to 99"),
        ({"compare_k": [10]}, "field 'compare_k' must be a whole number"),
    ],
)
def test_bad_neighbour_settings_name_the_bookmark_and_the_field(changes, message):
    document = json.loads(bookmarks.dumps([make_state(), make_state(name="hostile")], 100))
    document["bookmarks"][1].update(changes)
    with pytest.raises(BookmarkError, match=r"bookmark 2 \('hostile'\): " + message):
        bookmarks.loads(json.dumps(document), 100)


def test_tensorboard_bookmarks_keep_no_neighbour_settings():
    tb = [{"label": "tb", "selectedProjection": "pca", "pcaComponentDimensions": [0, 1],
           "projections": [{"pca-0": float(i), "pca-1": 0.0} for i in range(4)]}]  # fmt: skip
    (state,) = bookmarks.loads(json.dumps(tb), 4)
    assert (state.metric, state.fidelity_k, state.compare_k) == (None, None, None)
