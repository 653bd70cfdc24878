"""Several embeddings of the same points in one projector, without a browser."""

from __future__ import annotations

import numpy as np
import pytest

from nbprojector import Projector
from nbprojector.codec import decode_positions


@pytest.fixture(scope="module")
def digits400(digits):
    return digits.data[:400].astype(np.float32), digits.target[:400]


@pytest.fixture
def p(digits400):
    x, y = digits400
    rng = np.random.default_rng(0)
    other = np.tanh(x @ rng.normal(size=(64, 16)).astype(np.float32) / 8)
    return Projector({"raw": x, "mixed": other}, {"digit": y, "word": [f"w{i}" for i in y]})


def positions(p):
    return decode_positions(p._positions)


def test_switching_shows_the_other_embedding(p):
    assert p.embeddings == ["raw", "mixed"] and p.embedding == "raw"
    raw = positions(p)
    p.embedding = "mixed"
    assert p.n_dims == 16 and p.vectors.shape == (400, 16)
    assert p.projection["method"] == "pca"
    assert not np.allclose(positions(p), raw), "the layout must change with the embedding"


def test_each_embedding_keeps_its_own_projection(p):
    p.project("pca", components=(2, 3))
    raw_layout, raw_coords = positions(p), p.coordinates
    p.embedding = "mixed"
    p.project("custom", left="w1", right="w7", column="word").wait(timeout=60)
    mixed_layout = positions(p)
    assert p.projection["method"] == "custom"
    p.embedding = "raw"  # back: its last layout, not a new PCA
    assert p.projection["method"] == "pca" and p.projection["params"]["components"] == [2, 3]
    np.testing.assert_array_equal(positions(p), raw_layout)
    np.testing.assert_array_equal(p.coordinates, raw_coords)
    p.embedding = "mixed"
    assert p.projection["method"] == "custom"
    np.testing.assert_array_equal(positions(p), mixed_layout)


def test_background_run_result_kept_for_its_embedding(p):
    p.embedding = "mixed"  # both embeddings have a layout, so switching starts no new run
    p.embedding = "raw"
    job = p.project("tsne", n_iter=250, perplexity=15)
    job.wait(timeout=120)
    tsne_layout = positions(p)
    p.embedding = "mixed"
    assert p.projection["method"] == "pca"
    p.embedding = "raw"
    assert p.projection["method"] == "tsne" and p.projection["dims"] == 2
    np.testing.assert_array_equal(positions(p), tsne_layout)


def test_switching_keeps_selection_and_shared_metadata(p):
    p.selection = [3, 50, 120]
    p.color_by = "digit"
    p._requests.handle({"id": 0, "kind": "labels", "payload": {}}, [])  # the page's ask
    labels, colors = p._labels, p._colors
    assert labels
    p.embedding = "mixed"
    assert p.selection.tolist() == [3, 50, 120]
    assert p.metadata["word"].iloc[3] == "w" + str(p.metadata["digit"].iloc[3])
    assert p._labels == labels and p._colors == colors and p.legend["column"] == "digit"
    chosen = p.metadata["digit"].iloc[[3, 50, 120]].tolist()
    assert p.selected_metadata()["digit"].tolist() == chosen
    p.embedding = "raw"
    assert p.selection.tolist() == [3, 50, 120]


def test_neighbors_use_the_current_embedding(p, digits400):
    x, _ = digits400
    near_raw = p.neighbors(0, k=5)["index"].tolist()
    p.embedding = "mixed"
    near_mixed = p.neighbors(0, k=5)["index"].tolist()
    unit = p.vectors / np.linalg.norm(p.vectors, axis=1, keepdims=True)
    expected = np.argsort(-(unit @ unit[0]), kind="stable")[1:6].tolist()
    assert near_mixed == expected
    unit_raw = x / np.linalg.norm(x, axis=1, keepdims=True)
    assert near_raw == np.argsort(-(unit_raw @ unit_raw[0]), kind="stable")[1:6].tolist()


def test_switching_while_isolated_lays_out_the_subset(p):
    p.embedding = "mixed"
    p.embedding = "raw"
    p.isolate(range(0, 200))
    p.embedding = "mixed"
    assert p.projection["points"] == 200
    visible = np.frombuffer(p._visible, np.uint8)
    assert visible[:200].all() and not visible[200:].any()
    p.show_all()
    assert p.projection["points"] == 400
