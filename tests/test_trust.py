"""Projector.fidelity: layout fidelity of the layout shown, from Python."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from sklearn.utils import Bunch

from nbprojector import Projector
from nbprojector.all_neighbors import all_knn, shared_counts
from nbprojector.colors import color_scale
from nbprojector.fidelity import layout_knn
from nbprojector.neighbors import spherize
from nbprojector.widget.trust import COLOR_BY_FIDELITY


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


def wait_for_fidelity(widget: Projector, timeout: float = 60.0) -> dict:
    deadline = time.time() + timeout
    while "fidelity" not in widget.projection and time.time() < deadline:
        time.sleep(0.05)
    assert "fidelity" in widget.projection, "the fidelity colouring never finished"
    return dict(widget.projection["fidelity"])


def test_colour_by_fidelity_in_the_background(widget: Projector) -> None:
    widget.color_by = COLOR_BY_FIDELITY
    summary = wait_for_fidelity(widget)
    scores = widget.fidelity().to_numpy()
    assert bytes(widget._colors) == color_scale(scores, (0.0, 1.0)).traits["_colors"]
    assert widget.legend["kind"] == "numeric" and widget.legend["column"] == COLOR_BY_FIDELITY
    assert widget.legend["min"] == 0.0 and widget.legend["max"] == 1.0
    caption = widget.legend["caption"]
    assert f"Keeps {summary['mean']:.0%} of 15-NN" in caption and "chance is 0.8%" in caption
    json.dumps(widget.legend, allow_nan=False)  # strict JSON


def test_fidelity_colours_follow_a_new_layout(widget: Projector) -> None:
    widget.color_by = COLOR_BY_FIDELITY
    first = wait_for_fidelity(widget)
    widget.project("pca", components=(3, 4))
    second = wait_for_fidelity(widget)
    assert second["mean"] != first["mean"]
    scores = widget.fidelity().to_numpy()
    assert bytes(widget._colors) == color_scale(scores, (0.0, 1.0)).traits["_colors"]
    widget.color_by = "digit"
    assert widget.legend["kind"] == "categorical" and "caption" not in widget.legend


def test_fidelity_colours_of_an_isolated_map_grey_the_hidden(widget: Projector) -> None:
    widget.color_by = COLOR_BY_FIDELITY
    wait_for_fidelity(widget)
    rows = widget.isolate(np.arange(0, 1797, 2))
    wait_for_fidelity(widget)
    colors = np.frombuffer(widget._colors, np.uint8).reshape(-1, 3)
    grey = color_scale(np.array([np.nan]), (0.0, 1.0)).per_point()[0]
    hidden = np.setdiff1d(np.arange(1797), rows)
    assert (colors[hidden] == grey).all()
    expected = color_scale(widget.fidelity().to_numpy(), (0.0, 1.0)).per_point()
    assert np.array_equal(colors[rows], expected)


def test_an_export_while_coloured_by_fidelity_colours_by_none(widget: Projector, tmp_path) -> None:
    widget.color_by = COLOR_BY_FIDELITY
    wait_for_fidelity(widget)
    assert widget.export_record().color_by == ""
    assert widget.to_html(tmp_path / "view.html").stat().st_size > 0


def test_the_card_request_splits_one_points_neighbours(widget: Projector) -> None:
    scores = widget.fidelity()
    answer = widget._trust.handle_fidelity_point({"index": 7}, [])
    assert answer["k"] == 15 and answer["fidelity"] == pytest.approx(float(scores[7]))
    assert len(answer["near"]) + len(answer["far"]) == 15
    original = all_knn(widget.vectors, 15, "cosine", np.array([7]))[0].tolist()
    assert sorted(answer["near"] + answer["far"]) == sorted(original)
    mapped = set(layout_knn(widget.coordinates, 15, np.array([7]))[0].tolist())
    assert set(answer["near"]) == set(original) & mapped
    json.dumps(answer, allow_nan=False)
    widget.isolate(np.arange(100))
    with pytest.raises(ValueError, match="point 500 is not in the layout shown"):
        widget._trust.handle_fidelity_point({"index": 500}, [])
