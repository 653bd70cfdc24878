"""Neighbour change between two embeddings of the same points."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from nbprojector import Projector
from nbprojector.all_neighbors import all_knn
from nbprojector.colors import color_scale
from nbprojector.compare import neighbour_change


def test_neighbour_change_counts_kept_gained_lost() -> None:
    a = np.array([[1, 2, 3, 4], [0, 2, 3, 4], [0, 1, 3, 4]])
    b = np.array([[4, 3, 2, 1], [0, 2, 5, 6], [5, 6, 7, 8]])
    change = neighbour_change(a, b)
    assert change.kept.tolist() == [4, 2, 0]
    assert change.lost.tolist() == [0, 2, 4] and change.gained.tolist() == [0, 2, 4]
    assert change.change.tolist() == pytest.approx([0.0, 1 - 2 / 6, 1.0])


def test_neighbour_change_refuses_tables_of_different_shapes() -> None:
    with pytest.raises(ValueError, match="same shape"):
        neighbour_change(np.zeros((3, 2), np.int64), np.zeros((3, 3), np.int64))


@pytest.fixture(scope="module")
def three(digit_vectors: np.ndarray) -> Projector:
    rng = np.random.default_rng(0)
    noisy = digit_vectors + rng.normal(scale=0.3, size=digit_vectors.shape).astype(np.float32)
    shuffled = digit_vectors[rng.permutation(len(digit_vectors))]
    labels = [f"p{i}" for i in range(len(digit_vectors))]
    return Projector({"same": digit_vectors, "noisy": noisy, "shuffled": shuffled},
                     {"name": labels})  # fmt: skip


def test_compare_with_itself_is_all_zeros(three: Projector) -> None:
    frame = three.compare("same", "same", k=10)
    assert list(frame.columns) == ["index", "label", "change", "kept", "gained", "lost"]
    assert len(frame) == three.n_points
    assert (frame["change"] == 0).all() and (frame["kept"] == 10).all()
    assert (frame["gained"] == 0).all() and (frame["lost"] == 0).all()


def test_compare_with_a_row_shuffled_copy_is_near_one(three: Projector) -> None:
    frame = three.compare("same", "shuffled", k=10)
    assert frame["change"].mean() > 0.97
    assert frame["change"].is_monotonic_decreasing


def test_compare_with_a_slightly_noisy_copy_is_small(three: Projector) -> None:
    frame = three.compare("same", "noisy", k=10, metric="euclidean")
    assert 0.0 < frame["change"].mean() < 0.2


def test_compare_matches_each_embeddings_neighbours(three: Projector) -> None:
    frame = three.compare("same", "noisy", k=5).set_index("index").sort_index()
    a = all_knn(three._view.data.embeddings["same"], 5, "cosine")
    b = all_knn(three._view.data.embeddings["noisy"], 5, "cosine")
    kept = [len(set(x) & set(y)) for x, y in zip(a, b, strict=True)]
    assert frame["kept"].tolist() == kept
    assert frame.loc[7, "label"] == "p7"
    assert frame["lost"].tolist() == [5 - x for x in kept]


def test_compare_names_a_bad_embedding_and_k(three: Projector) -> None:
    with pytest.raises(ValueError, match="unknown embedding 'epoch 3'"):
        three.compare("same", "epoch 3")
    with pytest.raises(ValueError, match="k must be between 1 and"):
        three.compare("same", "noisy", k=0)
    with pytest.raises(ValueError, match="metric must be one of"):
        three.compare("same", "noisy", metric="dot")


def test_compare_only_the_isolated_points(three: Projector) -> None:
    three.isolate(np.arange(100, 400))
    try:
        frame = three.compare("same", "shuffled", k=5)
        assert sorted(frame["index"]) == list(range(100, 400))
    finally:
        three.show_all()


def wait_for_comparison(widget: Projector, timeout: float = 60.0) -> dict:
    deadline = time.time() + timeout
    while widget.comparison.get("state") == "running" and time.time() < deadline:
        time.sleep(0.05)
    return dict(widget.comparison)


def test_the_data_panels_comparison_lists_the_most_changed(three: Projector) -> None:
    three.compare_embeddings = ["same", "noisy"]
    summary = wait_for_comparison(three)
    json.dumps(summary, allow_nan=False)  # strict JSON
    frame = three.compare("same", "noisy", k=10)
    assert summary["state"] == "done" and summary["k"] == 10
    assert summary["mean"] == pytest.approx(float(frame["change"].mean()))
    changed = summary["changed"]
    assert [c["index"] for c in changed] == frame["index"].head(20).tolist()
    first = changed[0]
    index = first["index"]
    a = three._view.neighbors("same").query(index, 10, "cosine").indices.tolist()
    b = three._view.neighbors("noisy").query(index, 10, "cosine").indices.tolist()
    assert first["a"] == a and first["b"] == b
    assert first["kept"] == len(set(a) & set(b)) == frame.set_index("index").loc[index, "kept"]
    assert first["label"] == f"p{index}"


def test_a_comparison_of_an_unknown_embedding_says_so(three: Projector) -> None:
    three.compare_embeddings = ["same", "epoch 9"]
    summary = wait_for_comparison(three)
    assert summary["state"] == "failed" and "unknown embedding 'epoch 9'" in summary["error"]
    three.compare_embeddings = []
    assert three.comparison == {}


def test_colour_by_neighbour_change_after_a_comparison(three: Projector) -> None:
    three.compare_embeddings = []
    three.color_by = ":neighbour change"
    assert "Compare two embeddings" in three.legend["caption"]
    three.compare_embeddings = ["same", "noisy"]
    summary = wait_for_comparison(three)
    frame = three.compare("same", "noisy", k=10).sort_values("index")
    expected = color_scale(frame["change"].to_numpy(), (0.0, 1.0))
    assert bytes(three._colors) == expected.traits["_colors"]
    caption = three.legend["caption"]
    assert caption.startswith("Neighbour change from same to noisy")
    assert f"{summary['mean']:.0%} on average" in caption
    assert three.export_record().color_by == ""
    three.color_by = ""
