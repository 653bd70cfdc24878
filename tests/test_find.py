"""Search by meaning with a real, deterministic encoder: scikit-learn's HashingVectorizer
followed by a fixed random projection, so the points and the queries share one space."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer

from nbprojector import Projector
from nbprojector.encoding import EXACT, NEIGHBOUR_MEAN, EncoderError, neighbour_mean
from nbprojector.layout import normalize_positions

DIMS = 48
TOPICS = {
    "refund": "refund money back return payment order",
    "shipping": "shipping delivery parcel courier package late",
    "login": "login password account reset locked email",
    "music": "guitar piano song concert melody band",
}


class HashEncoder:
    """Hashed word counts, projected by a fixed Gaussian matrix to DIMS dimensions."""

    def __init__(self, dims: int = DIMS) -> None:
        self.vectorizer = HashingVectorizer(n_features=2**12, alternate_sign=False, norm="l2")
        self.matrix = np.random.default_rng(7).normal(size=(2**12, dims)).astype(np.float32)
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.asarray(self.vectorizer.transform(texts) @ self.matrix)


def sentences() -> list[str]:
    rng = np.random.default_rng(0)
    out = []
    for words in TOPICS.values():
        vocab = words.split()
        for _ in range(30):
            out.append(" ".join(rng.choice(vocab, size=4)))
    return out


@pytest.fixture
def texts() -> list[str]:
    return sentences()


@pytest.fixture
def encoder() -> HashEncoder:
    return HashEncoder()


@pytest.fixture
def widget(texts: list[str], encoder: HashEncoder) -> Projector:
    emb = HashEncoder()(texts)
    topic = [t for t in TOPICS for _ in range(30)]
    return Projector(emb, {"text": texts, "topic": topic}, encoder=encoder)


def test_neighbors_of_a_text_equal_the_neighbors_of_its_encoded_vector(widget, encoder):
    query = "my refund payment never came back"
    found = widget.neighbors(query, k=12)
    expected = widget.neighbors(encoder([query])[0], k=12)
    assert found["index"].tolist() == expected["index"].tolist()
    np.testing.assert_allclose(found["distance"], expected["distance"])
    # and they are the refund sentences (the first topic's 30 points)
    assert set(found["index"]) <= set(range(30))


def test_a_label_is_looked_up_unless_encode_forces_the_encoder(widget, texts, encoder):
    label = texts[0]
    if texts.count(label) != 1:
        pytest.skip("the first sentence is not unique")
    encoder.calls.clear()
    by_label = widget.neighbors(label, k=5)
    assert 0 not in by_label["index"].tolist()  # the point itself is left out
    assert encoder.calls == []
    forced = widget.neighbors(label, k=5, encode=True)
    assert encoder.calls == [[label]]
    assert forced["index"].iloc[0] == 0  # its own vector is at distance 0
    assert forced["distance"].iloc[0] == pytest.approx(0, abs=1e-5)


def test_search_by_meaning_selects_the_k_nearest_and_marks_the_query(widget, encoder):
    query = "guitar concert"
    hits = widget.search(query, by="meaning", k=7)
    expected = widget.neighbors(encoder([query])[0], k=7)["index"].to_numpy()
    np.testing.assert_array_equal(hits, expected)
    np.testing.assert_array_equal(widget.selection, np.sort(expected))
    np.testing.assert_array_equal(np.frombuffer(widget._found, np.uint32), expected)
    assert len(np.frombuffer(widget._found_distances, np.float32)) == 7
    find = widget.find
    assert find["state"] == "done" and find["query"] == query and find["count"] == 7
    json.dumps(find, allow_nan=False)  # strict JSON


def test_the_pca_marker_is_the_exact_projection_of_the_query(widget, encoder, texts):
    # the query is one of the points' own texts: its marker lands on that point
    widget.search(texts[40], by="meaning", k=3)
    marker = widget.find["marker"]
    assert marker["how"] == EXACT and marker["method"] == "pca"
    shown = normalize_positions(widget.coordinates)
    np.testing.assert_allclose(marker["position"], shown[40], atol=1e-4)


def test_a_custom_layout_places_the_query_at_its_neighbours_weighted_mean(widget):
    widget.project("custom", left="refund", right="music", column="topic").wait()
    hits = widget.search("piano melody song", by="meaning", k=5)
    marker = widget.find["marker"]
    assert marker["how"] == NEIGHBOUR_MEAN and marker["method"] == "custom"
    distances = np.frombuffer(widget._found_distances, np.float32)
    point = neighbour_mean(widget.coordinates, hits, distances)
    coords = widget.coordinates
    lo, hi = coords.min(0), coords.max(0)
    expected = (point - (lo + hi) / 2) / ((hi - lo).max() / 2)
    np.testing.assert_allclose(marker["position"][:2], expected, atol=1e-5)


def test_the_marker_follows_a_new_layout(widget):
    widget.search("password reset", by="meaning", k=5)
    before = widget.find["marker"]
    widget.project("pca", components=(2, 3))
    after = widget.find["marker"]
    assert after["how"] == EXACT and after["position"] != before["position"]


def test_neighbour_mean_weights_by_inverse_distance():
    coords = np.array([[0.0, 0.0], [4.0, 0.0]])
    np.testing.assert_allclose(neighbour_mean(coords, np.array([0, 1]), np.array([1.0, 3.0])),
                               [1.0, 0.0])  # fmt: skip
    np.testing.assert_allclose(neighbour_mean(coords, np.array([0, 1]), np.array([0.0, 3.0])),
                               [0.0, 0.0])  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda texts: np.zeros((len(texts), DIMS + 1)), r"shape \(1, 49\).*must return \(1, 48\)"),
        (lambda texts: np.zeros((len(texts) + 2, DIMS)), r"shape \(3, 48\)"),
        (lambda texts: np.full((len(texts), DIMS), np.nan), "NaN or infinite"),
        (lambda texts: np.array([["a"] * DIMS] * len(texts)), "real numbers"),
        (lambda texts: 1 / 0, "failed on .*ZeroDivisionError"),
    ],
)
def test_a_bad_encoder_gives_a_clear_error_naming_it(texts, bad, message):
    emb = HashEncoder()(texts)
    p = Projector(emb, {"text": texts}, encoder=bad)
    with pytest.raises(EncoderError, match=message) as err:
        p.search("refund", by="meaning")
    assert "<lambda>" in str(err.value) and "'embedding'" in str(err.value)
    with pytest.raises(EncoderError, match=message):
        p.neighbors("refund please")
    assert len(p.selection) == 0  # nothing half-applied


def test_no_encoder_says_how_to_give_one(texts):
    p = Projector(HashEncoder()(texts), {"text": texts})
    with pytest.raises(ValueError, match=r"no encoder .*encoder=fn"):
        p.search("refund", by="meaning")
    with pytest.raises(ValueError, match="no point has the label"):
        p.neighbors("something nobody wrote")
    assert p.encoders == []


def test_one_encoder_per_embedding(texts, encoder):
    emb = encoder(texts)
    other = np.random.default_rng(1).normal(size=(len(texts), 5)).astype(np.float32)
    p = Projector({"words": emb, "noise": other}, {"text": texts}, encoder={"words": encoder})
    assert p.encoders == ["words"]
    assert len(p.search("refund", by="meaning", k=3)) == 3
    p.embedding = "noise"
    assert "marker" not in p.find  # the marker belongs to the other embedding's layout
    with pytest.raises(ValueError, match=r"no encoder for embedding 'noise'.*\{'noise': fn"):
        p.search("refund", by="meaning")
    with pytest.raises(EncoderError, match="unknown embedding 'nope'"):
        Projector({"words": emb}, {"text": texts}, encoder={"nope": encoder})
    with pytest.raises(EncoderError, match="must be a function"):
        Projector(emb, {"text": texts}, encoder=42)


def test_the_page_request_encodes_in_the_background(widget, encoder):
    replies = []
    widget._requests._send = lambda content, buffers: replies.append((content, buffers))
    widget._requests.handle({"id": 1, "kind": "find", "payload": {"query": "late parcel",
                                                                  "k": 4}}, [])  # fmt: skip
    assert replies[0][0]["ok"] and replies[0][0]["result"] == {"state": "running"}
    deadline = time.monotonic() + 10
    while widget.find.get("state") == "running" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert widget.find["state"] == "done"
    expected = widget.neighbors(encoder(["late parcel"])[0], k=4)["index"].to_numpy()
    np.testing.assert_array_equal(np.frombuffer(widget._found, np.uint32), expected)


def test_a_failing_encoder_is_reported_in_the_find_trait(texts):
    def broken(batch: list[str]) -> np.ndarray:
        raise RuntimeError("model not loaded")

    p = Projector(HashEncoder()(texts), {"text": texts}, encoder=broken)
    replies = []
    p._requests._send = lambda content, buffers: replies.append(content)
    p._requests.handle({"id": 1, "kind": "find", "payload": {"query": "refund"}}, [])
    deadline = time.monotonic() + 10
    while p.find.get("state") == "running" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert p.find["state"] == "failed"
    assert "model not loaded" in p.find["error"] and "'broken'" in p.find["error"]
