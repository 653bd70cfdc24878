"""The view's neighbour settings (metric, spherize, fidelity_k, compare_k) drive the layout
fidelity colours, the point card and the data panel's comparison, and changing one
recomputes what is shown."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest
import traitlets as t

from nbprojector import Projector
from nbprojector.colors import color_scale
from nbprojector.widget.trust import COLOR_BY_CHANGE, COLOR_BY_FIDELITY


@pytest.fixture
def widget(digit_vectors: np.ndarray) -> Projector:
    rng = np.random.default_rng(0)
    noisy = digit_vectors + rng.normal(scale=2.0, size=digit_vectors.shape).astype(np.float32)
    return Projector({"clean": digit_vectors, "noisy": noisy},
                     {"name": [f"p{i}" for i in range(len(digit_vectors))]})  # fmt: skip


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while not condition() and time.time() < deadline:
        time.sleep(0.05)
    assert condition(), f"{what} never happened"


def fidelity_record(widget: Projector, k: int, metric: str) -> dict:
    def done() -> bool:
        record = widget.projection.get("fidelity", {})
        return record.get("k") == k and record.get("metric") == metric

    wait_until(done, f"layout fidelity with k={k}, {metric}")
    # The colours come with the record (same job): wait for the legend to say so too.
    wait_until(lambda: f"of {k}-NN" in widget.legend.get("caption", ""), "the legend")
    return dict(widget.projection["fidelity"])


def test_fidelity_colours_follow_the_metric_and_k(widget: Projector) -> None:
    widget.color_by = COLOR_BY_FIDELITY
    cosine = fidelity_record(widget, 15, "cosine")
    assert "(cosine, original space)" in widget.legend["caption"]

    widget.metric = "euclidean"
    euclidean = fidelity_record(widget, 15, "euclidean")
    assert euclidean["mean"] != cosine["mean"]
    expected = widget.fidelity(k=15, metric="euclidean")
    assert euclidean["mean"] == pytest.approx(expected.attrs["mean"])
    colors = color_scale(expected.to_numpy(), (0.0, 1.0), widget.colormap).traits["_colors"]
    assert bytes(widget._colors) == colors
    assert "(euclidean, original space)" in widget.legend["caption"]

    widget.fidelity_k = 40
    forty = fidelity_record(widget, 40, "euclidean")
    expected = widget.fidelity(k=40, metric="euclidean")
    assert forty["mean"] == pytest.approx(expected.attrs["mean"]) != euclidean["mean"]
    assert "Keeps" in widget.legend["caption"] and "of 40-NN" in widget.legend["caption"]
    assert bytes(widget._colors) == color_scale(
        expected.to_numpy(), (0.0, 1.0), widget.colormap
    ).traits["_colors"]


def test_python_calls_default_to_the_views_settings(widget: Projector) -> None:
    widget.metric, widget.fidelity_k, widget.compare_k = "euclidean", 7, 4
    scores = widget.fidelity()
    assert scores.attrs["k"] == 7 and scores.attrs["metric"] == "euclidean"
    assert widget.projection["fidelity"]["k"] == 7
    assert np.array_equal(scores, widget.fidelity(k=7, metric="euclidean"))
    frame = widget.compare("clean", "noisy")
    assert frame.attrs["k"] == 4 and frame.attrs["metric"] == "euclidean"
    assert frame.equals(widget.compare("clean", "noisy", k=4, metric="euclidean"))
    # Explicit arguments still win.
    assert widget.fidelity(k=3, metric="cosine").attrs["metric"] == "cosine"


def comparison(widget: Projector, k: int, metric: str, space: str = "original") -> dict:
    def done() -> bool:
        c = widget.comparison
        return (c.get("state"), c.get("k"), c.get("metric"), c.get("space")) == (
            "done", k, metric, space)  # fmt: skip

    wait_until(done, f"a comparison with k={k}, {metric}, {space}")
    return dict(widget.comparison)


def test_the_comparison_follows_the_metric_k_and_spherize(widget: Projector) -> None:
    widget.compare_embeddings = ["clean", "noisy"]
    first = comparison(widget, 10, "cosine")

    widget.compare_k = 5
    five = comparison(widget, 5, "cosine")
    frame = widget.compare("clean", "noisy", k=5, metric="cosine")
    assert five["mean"] == pytest.approx(float(frame["change"].mean())) != first["mean"]
    assert [c["index"] for c in five["changed"]] == frame["index"].head(20).tolist()
    assert all(len(c["a"]) == len(c["b"]) == 5 for c in five["changed"])

    widget.metric = "euclidean"
    euclidean = comparison(widget, 5, "euclidean")
    frame = widget.compare("clean", "noisy", k=5, metric="euclidean")
    assert euclidean["mean"] == pytest.approx(float(frame["change"].mean())) != five["mean"]
    point = euclidean["changed"][0]
    a = widget._view.neighbors("clean").query(point["index"], 5, "euclidean").indices
    assert point["a"] == a.tolist()

    widget.spherize = True
    spherized = comparison(widget, 5, "euclidean", "spherized")
    frame = widget.compare("clean", "noisy", k=5, metric="euclidean")
    assert spherized["mean"] == pytest.approx(float(frame["change"].mean()))

    widget.color_by = COLOR_BY_CHANGE
    assert "(euclidean, spherized space)" in widget.legend["caption"]
    assert "5 nearest neighbours" in widget.legend["caption"]


def test_no_comparison_is_started_by_a_setting_alone(widget: Projector) -> None:
    widget.compare_k = 6
    widget.metric = "euclidean"
    assert widget.comparison == {}


def test_the_point_card_uses_the_metric_and_k(widget: Projector) -> None:
    widget.metric, widget.fidelity_k = "euclidean", 9
    answer = widget._trust.handle_fidelity_point({"index": 3}, [])
    assert answer["k"] == 9 and answer["metric"] == "euclidean"
    scores = widget.fidelity(k=9, metric="euclidean")
    assert answer["fidelity"] == pytest.approx(float(scores[3]))


@pytest.mark.parametrize("name", ["fidelity_k", "compare_k"])
def test_a_bad_k_is_refused_with_its_range(widget: Projector, name: str) -> None:
    for bad in (0, 1797):
        with pytest.raises(t.TraitError, match=rf"{name} must be between 1 and 1796 .*got {bad}"):
            setattr(widget, name, bad)
    assert getattr(widget, name) == {"fidelity_k": 15, "compare_k": 10}[name]
    with pytest.raises(t.TraitError, match="metric"):
        widget.metric = "manhattan"
