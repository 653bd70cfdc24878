"""The inspector from Python: neighbours against a brute-force reference, search, the selection
API and its callbacks, isolation, and the page's search / neighbors / isolate requests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbprojector import Projector
from nbprojector.codec import decode_positions

N, D = 400, 16


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(N, D)).astype(np.float32) + 0.5  # off-centre: spherize matters
    x[[7, 11]] = x[3]  # exact duplicates, for ties
    return x


@pytest.fixture
def p(data):
    words = [f"w{i}" for i in range(N)]
    words[5] = "Blue"
    words[6] = words[8] = "twin"
    widget = Projector(data, {"word": words, "group": np.arange(N) % 4}, label_by="word")
    widget.sent = []
    widget.send = lambda content, buffers=None: widget.sent.append((content, buffers))
    return widget


def reference(x, query, k, metric, spherize=False, rows=None, exclude=None):
    """Brute force in float64: (indices, distances, angles) sorted by distance, then index."""
    x64 = x.astype(np.float64)
    q = x64[query] if np.ndim(query) == 0 else np.asarray(query, dtype=np.float64)
    if spherize:
        mean = x64.mean(axis=0)
        x64, q = x64 - mean, q - mean
        norms = np.linalg.norm(x64, axis=1, keepdims=True)
        x64 = np.divide(x64, norms, out=np.zeros_like(x64), where=norms > 0)
        q = q / np.linalg.norm(q)
    candidates = np.arange(len(x)) if rows is None else np.asarray(rows)
    if exclude is not None:
        candidates = candidates[candidates != exclude]
    a = x64[candidates]
    if metric == "cosine":
        cos = np.clip(a @ q / (np.linalg.norm(a, axis=1) * np.linalg.norm(q)), -1, 1)
        dist, angles = 1 - cos, np.degrees(np.arccos(cos))
    else:
        dist, angles = np.linalg.norm(a - q, axis=1), None
    order = np.lexsort((candidates, dist.astype(np.float32)))[:k]
    return candidates[order], dist[order], None if angles is None else angles[order]


def check(frame, expected, metric):
    indices, dist, angles = expected
    np.testing.assert_array_equal(frame["index"].to_numpy(), indices)
    np.testing.assert_allclose(frame["distance"].to_numpy(), dist, rtol=1e-5, atol=1e-6)
    if metric == "cosine":
        np.testing.assert_allclose(frame["angle"].to_numpy(), angles, atol=0.02)
    else:
        assert frame["angle"].isna().all()


# ------------------------------------------------------------------------ neighbours


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("spherize", [False, True])
def test_neighbors_match_brute_force(p, data, metric, spherize):
    p.spherize = spherize
    for query in (0, 123, 399):
        frame = p.neighbors(query, k=25, metric=metric)
        check(frame, reference(data, query, 25, metric, spherize, exclude=query), metric)
        assert frame.attrs == {"metric": metric, "space": "spherized" if spherize else "original",
                               "found_by": "exact"}
    vector = data[10] * 0.5 + data[20]
    frame = p.neighbors(vector, k=30, metric=metric)
    check(frame, reference(data, vector, 30, metric, spherize), metric)


def test_neighbors_frame_shape_labels_and_angles(p, data):
    frame = p.neighbors(5, k=3)
    assert list(frame.columns) == ["index", "label", "distance", "angle"]
    assert frame["label"].tolist() == [f"w{i}" for i in frame["index"]]
    # The angle is the one whose cosine is 1 - distance.
    np.testing.assert_allclose(
        np.cos(np.radians(frame["angle"].to_numpy())), 1 - frame["distance"], atol=1e-5
    )
    assert (np.diff(frame["distance"]) >= 0).all()


def test_neighbors_by_label_equal_by_index(p):
    pd.testing.assert_frame_equal(p.neighbors("Blue", k=8), p.neighbors(5, k=8))
    with pytest.raises(ValueError, match=r"no point has the label 'nope' in column 'word'"):
        p.neighbors("nope")
    with pytest.raises(ValueError, match=r"ambiguous: 2 points .* \(indices 6, 8\)"):
        p.neighbors("twin")
    p.label_by = "group"  # labels are matched by their text form, numbers included
    with pytest.raises(ValueError, match="ambiguous: 100 points"):
        p.neighbors("3")


def test_ties_go_to_the_lower_index(p, data):
    frame = p.neighbors(3, k=4, metric="euclidean")
    assert frame["index"].tolist()[:2] == [7, 11] and (frame["distance"][:2] == 0).all()
    frame = p.neighbors(data[3], k=3, metric="cosine")
    assert frame["index"].tolist() == [3, 7, 11]
    assert frame["distance"].max() <= 1e-7


def test_k_larger_than_n_gives_every_other_point(p):
    assert len(p.neighbors(0, k=10_000)) == N - 1
    assert len(p.neighbors(np.ones(D), k=10_000, metric="euclidean")) == N
    assert p.neighbors(0, k=10_000)["index"].nunique() == N - 1


@pytest.mark.parametrize(
    ("query", "kwargs", "error", "message"),
    [
        (0, {"metric": "manhattan"}, ValueError, "metric must be one of"),
        (0, {"k": 0}, ValueError, "k must be at least 1"),
        (N, {}, IndexError, "out of range"),
        (-1, {}, IndexError, "out of range"),
        (True, {}, TypeError, "not a bool"),
        (np.ones(D - 1), {}, ValueError, "length 15 but the embedding has 16"),
        (np.ones((2, D)), {}, TypeError, "1-D numeric vector"),
        (np.zeros(D), {}, ValueError, "zero vector"),
    ],
)  # fmt: skip
def test_neighbor_errors(p, query, kwargs, error, message):
    with pytest.raises(error, match=message):
        p.neighbors(query, **kwargs)


def test_one_index_per_embedding_and_spherize_state(p):
    p.neighbors(0)
    p.neighbors(1)
    p.spherize = True
    p.neighbors(0)
    assert list(p._view._neighbors) == ["embedding"]
    assert set(p._view.neighbors()._full) == {False, True}


# ------------------------------------------------------------------------ search


def test_search_selects_matches(p):
    found = p.search("w1")  # case-insensitive substring over the label column by default
    expected = [i for i in range(N) if "w1" in f"w{i}" and i not in (5, 6, 8)]
    assert found.tolist() == expected and found.dtype == np.int64
    assert p.selection.tolist() == expected
    assert p.search("BLUE").tolist() == [5]
    assert p.search(r"^w3\d$", regex=True).tolist() == list(range(30, 40))
    assert p.search("^2$", column="group", regex=True).tolist() == list(range(2, N, 4))


def test_search_errors_leave_the_selection(p):
    p.selection = [1, 2]
    with pytest.raises(ValueError, match="invalid regular expression '\\(w'"):
        p.search("(w", regex=True)
    with pytest.raises(ValueError, match="empty query"):
        p.search("")
    with pytest.raises(ValueError, match="unknown column 'nope'"):
        p.search("w", column="nope")
    assert p.selection.tolist() == [1, 2]
    assert p.search("(w").tolist() == []  # not a regex: a plain substring, no match


# ------------------------------------------------------------------------ selection


def test_on_selection_fires_for_every_change(p):
    seen = []
    p.on_selection(lambda indices: seen.append(indices.tolist()))
    p.selection = [4, 2, 2]
    p.selection = [2, 4]  # unchanged: no call
    p.set_state({"_selection": np.array([9], np.uint32).tobytes()})  # as the page writes it
    p.search("Blue")
    p.isolate([1, 2, 3, 4, 5, 6])  # the selected point is shown: it stays selected
    p.isolate([1, 2, 3])  # isolating keeps only the selected points that are shown
    assert seen == [[2, 4], [9], [5], []]


def test_on_selection_remove_and_failing_callback(p):
    seen = []

    def broken(_indices):
        raise RuntimeError("boom")

    def callback(indices):
        seen.append(len(indices))

    p.on_selection(broken)
    p.on_selection(callback)
    p.selection = [1]  # the broken callback is reported, the other still runs
    p.on_selection(callback, remove=True)
    p.selection = [1, 2]
    assert seen == [1]


def test_selected_metadata(p):
    p.selection = [8, 5]
    rows = p.selected_metadata()
    assert rows.index.tolist() == [5, 8]
    assert rows["word"].tolist() == ["Blue", "twin"]
    rows.loc[5, "word"] = "changed"  # a copy: the widget's table is untouched
    assert p.metadata["word"][5] == "Blue"
    p.selection = []
    assert len(p.selected_metadata()) == 0 and list(p.selected_metadata().columns) == [
        "word",
        "group",
    ]


# ------------------------------------------------------------------------ isolation


def test_isolate_recomputes_pca_on_the_subset_and_show_all_restores(p, data):
    before = p.coordinates.copy()
    rows = np.arange(0, N, 3)
    p.selection = rows
    shown = p.isolate()
    assert shown.tolist() == rows.tolist() and p.isolated.tolist() == rows.tolist()
    assert np.frombuffer(p._visible, np.uint8).nonzero()[0].tolist() == rows.tolist()
    assert p.selection.tolist() == rows.tolist()  # the isolated selection stays selected
    assert p.isolated_count == len(rows)  # what the page says is isolated
    assert p.projection["points"] == len(rows)
    # PCA of the subset alone: the shown coordinates are its centred scores (up to sign).
    sub = data[rows].astype(np.float64)
    sub -= sub.mean(axis=0)
    _, _, vt = np.linalg.svd(sub, full_matrices=False)
    scores = sub @ vt[:3].T
    coords = p.coordinates[rows]
    for c in range(3):
        assert abs(np.corrcoef(coords[:, c], scores[:, c])[0, 1]) > 0.9999
    # The positions sent to the page fit the subset (not all points) in [-1, 1].
    positions = decode_positions(p._positions)
    assert np.abs(positions[rows]).max() == pytest.approx(1.0)
    p.show_all()
    assert p.isolated is None and p._visible == b"" and p.isolated_count is None
    np.testing.assert_allclose(p.coordinates, before, atol=1e-5)
    assert p.projection["points"] == N


def test_isolated_search_and_neighbors_see_only_the_points_shown(p, data):
    rows = np.arange(0, N, 2)
    p.isolate(rows)
    assert set(p.search("w1").tolist()) <= set(rows.tolist())
    for metric in ("cosine", "euclidean"):
        for spherize in (False, True):
            p.spherize = spherize
            frame = p.neighbors(10, k=12, metric=metric)
            check(frame, reference(data, 10, 12, metric, spherize, rows, exclude=10), metric)
            # A hidden point is asked with its vector, and is not among the results itself.
            frame = p.neighbors(11, k=12, metric=metric)
            check(frame, reference(data, 11, 12, metric, spherize, rows), metric)
    p.show_all()
    assert len(p.neighbors(10, k=N)) == N - 1


def test_isolate_errors_change_nothing(p):
    with pytest.raises(ValueError, match="nothing to isolate"):
        p.isolate()
    with pytest.raises(IndexError, match="selection indices must be in"):
        p.isolate([N])
    # Three components of PCA need three points: the isolation is rolled back.
    p.selection = [1, 2]
    with pytest.raises(ValueError, match="cannot isolate 2 points: component 3"):
        p.isolate()
    assert p.isolated is None and p._visible == b"" and p.selection.tolist() == [1, 2]
    assert p.isolated_count is None  # the rolled-back isolation is not announced either


# ------------------------------------------------------------------------ requests


def ask(p, kind, payload, buffers=None):
    p._on_page_message(p, {"id": "t-1", "kind": kind, "payload": payload}, buffers or [])
    return p.sent[-1]


def test_search_request_replies_with_a_count_and_the_first_indices(p):
    reply, buffers = ask(p, "search", {"query": "w", "column": "word", "regex": False})
    assert reply["ok"] and reply["result"] == {"count": N - 1, "listed": 100, "column": "word",
                                          "undrawn": {"indices": [], "labels": []}}
    listed = np.frombuffer(buffers[0], np.uint32)
    assert listed.tolist() == p.selection[:100].tolist()
    reply, _ = ask(p, "search", {"query": "[", "regex": True})
    assert not reply["ok"] and "invalid regular expression '['" in reply["error"]


def test_neighbors_request_replies_with_binary_buffers(p, data):
    reply, buffers = ask(p, "neighbors", {"index": 3, "k": 5, "metric": "cosine"})
    assert reply["ok"]
    assert reply["result"] == {"index": 3, "count": 5, "metric": "cosine",
                               "space": "original", "angles": True,
                               "undrawn": {"indices": [], "labels": []},
                               "found_by": "exact"}  # fmt: skip
    frame = p.neighbors(3, k=5)
    np.testing.assert_array_equal(np.frombuffer(buffers[0], np.uint32), frame["index"])
    np.testing.assert_array_equal(np.frombuffer(buffers[1], np.float32), frame["distance"])
    np.testing.assert_array_equal(np.frombuffer(buffers[2], np.float32), frame["angle"])
    reply, buffers = ask(p, "neighbors", {"index": 3, "k": 5, "metric": "euclidean"})
    assert not reply["result"]["angles"] and len(buffers) == 2
    # The page says which space it shows (its trait write may arrive after this request).
    reply, buffers = ask(p, "neighbors", {"index": 3, "k": 5, "spherize": True})
    assert reply["result"]["space"] == "spherized" and not p.spherize
    expected = reference(data, 3, 5, "cosine", spherize=True, exclude=3)[0]
    np.testing.assert_array_equal(np.frombuffer(buffers[0], np.uint32), expected)
    bad_requests = ({"index": 3, "k": 1000}, {"index": N}, {"index": 3, "metric": "l1"}, {},
                    {"index": 3, "spherize": "yes"})  # fmt: skip
    for bad in bad_requests:
        reply, _ = ask(p, "neighbors", bad)
        assert not reply["ok"] and reply["error"]


def test_isolate_request(p):
    p.selection = [1, 2, 3, 4]
    reply, _ = ask(p, "isolate", {})
    assert reply["result"] == {"shown": 4} and p.isolated.tolist() == [1, 2, 3, 4]
    reply, _ = ask(p, "isolate", {}, [np.array([9, 8, 7, 6, 5], np.uint32).tobytes()])
    assert reply["result"] == {"shown": 5} and p.isolated.tolist() == [5, 6, 7, 8, 9]
    reply, _ = ask(p, "isolate", {"show_all": True})
    assert reply["result"] == {"shown": N} and p.isolated is None
    assert p.selection.tolist() == [5, 6, 7, 8, 9]  # the page's selection stayed selected
    p.selection = []
    reply, _ = ask(p, "isolate", {})
    assert not reply["ok"] and "nothing to isolate" in reply["error"]
