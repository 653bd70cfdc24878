"""Projector.fidelity: layout fidelity of the layout shown, from Python."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils import Bunch

from nbprojector import Projector
from nbprojector.all_neighbors import all_knn, shared_counts
from nbprojector.fidelity import layout_knn
from nbprojector.neighbors import spherize


@pytest.fixture
def widget(digits: Bunch) -> Projector:
    return Projector(digits.data, {"digit": digits.target})


def expected_scores(vectors: np.ndarray, coords: np.ndarray, k: int, metric: str) -> np.ndarray:
    n = len(vectors)
    kept = shared_counts(all_knn(vectors, k, metric), layout_knn(coords, k, np.arange(n)))
    return (kept / k).astype(np.float32)


def test_fidelity_series_and_projection_summary(widget: Projector) -> None:
    scores = widget.fidelity(k=15)
    assert scores.name == "fidelity" and len(scores) == widget.n_points
    assert list(scores.index[:3]) == [0, 1, 2]
    expected = expected_scores(widget.vectors, widget.coordinates, 15, "cosine")
    assert np.array_equal(scores.to_numpy(), expected)
    summary = widget.projection["fidelity"]
    assert summary["k"] == 15 and summary["mean"] == pytest.approx(float(expected.mean()))
    assert summary["chance"] == pytest.approx(15 / (widget.n_points - 1))
    assert summary["metric"] == "cosine" and summary["space"] == "original"


def test_fidelity_in_the_spherized_space(widget: Projector) -> None:
    widget.spherize = True
    scores = widget.fidelity(k=10, metric="euclidean")
    expected = expected_scores(spherize(widget.vectors), widget.coordinates, 10, "euclidean")
    assert np.array_equal(scores.to_numpy(), expected)
    assert widget.projection["fidelity"]["space"] == "spherized"


def test_tsne_keeps_neighbourhoods_far_better_than_pca(widget: Projector) -> None:
    pca = widget.fidelity().attrs["mean"]
    widget.project("tsne", seed=0, n_iter=500).wait()
    assert "fidelity" not in widget.projection  # a new layout drops the old summary
    tsne = widget.fidelity().attrs["mean"]
    assert tsne > pca + 0.2 and tsne > 0.45


def test_fidelity_of_an_isolated_layout(widget: Projector) -> None:
    rows = widget.isolate(np.arange(0, 1797, 3))
    scores = widget.fidelity(k=5)
    assert np.array_equal(scores.index.to_numpy(), rows)
    coords = widget.coordinates[rows]
    expected = expected_scores(widget.vectors[rows], coords, 5, "cosine")
    assert np.array_equal(scores.to_numpy(), expected)


def test_fidelity_names_bad_arguments(widget: Projector) -> None:
    with pytest.raises(ValueError, match="k must be between 1 and 1796"):
        widget.fidelity(k=5000)
    with pytest.raises(TypeError, match="k must be an integer"):
        widget.fidelity(k=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="metric must be one of"):
        widget.fidelity(metric="l1")
