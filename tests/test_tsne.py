"""t-SNE: parameters, determinism, quality, animation frames, cancellation."""

from __future__ import annotations

import inspect
import threading
import time

import numpy as np
import pytest
from sklearn.manifold import trustworthiness

from nbprojector.jobs import Cancelled, JobRunner
from nbprojector.projections.tsne import PARAMS, TSNE_DEFAULTS, tsne


@pytest.fixture(scope="module")
def small(digit_vectors) -> np.ndarray:
    return digit_vectors[:300]


def test_same_seed_same_layout(digit_vectors):
    x = digit_vectors[:1000]  # >= 1000 points: openTSNE's approximate (Annoy) neighbour search
    a = tsne(x, n_iter=10, seed=3)
    b = tsne(x, n_iter=10, seed=3)
    c = tsne(x, n_iter=10, seed=4)
    assert a.shape == (1000, 2) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_same_seed_same_layout_fft_two_threads(small):
    a = tsne(small, n_iter=20, seed=1, gradient="fft", n_jobs=2)
    b = tsne(small, n_iter=20, seed=1, gradient="fft", n_jobs=2)
    np.testing.assert_array_equal(a, b)


def test_trustworthiness_on_digits(digit_vectors):
    layout = tsne(digit_vectors, seed=0)  # full 750 iterations
    assert trustworthiness(digit_vectors, layout, n_neighbors=5) >= 0.95


def test_3d(small):
    layout = tsne(small, n_components=3, n_iter=30)
    assert layout.shape == (300, 3) and np.isfinite(layout).all()


def test_more_than_50_dims_goes_through_pca():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 80)).astype(np.float32)
    messages = []
    layout = tsne(x, n_iter=20, on_progress=lambda m, f: messages.append(m))
    assert layout.shape == (200, 2)
    assert messages[0] == "reducing 80 to 50 dimensions with PCA"
    assert messages[1].startswith("computing affinities")


def test_on_frame_sees_increasing_iterations_across_both_phases(small):
    seen: list[tuple[int, tuple[int, ...]]] = []
    result = tsne(small, n_iter=60, on_frame=lambda i, e: seen.append((i, e.shape)))
    iterations = [i for i, _ in seen]
    # 20 iterations of early exaggeration then 40 normal ones, one counter.
    assert iterations == list(range(0, 61, 10))
    assert all(shape == (300, 2) for _, shape in seen)
    assert result.shape == (300, 2)


def test_on_frame_true_stops_and_raises_cancelled(small):
    seen = []

    def stop_at_20(i, e):
        seen.append(i)
        return i >= 20

    with pytest.raises(Cancelled):
        tsne(small, n_iter=200, on_frame=stop_at_20)
    assert seen == [0, 10, 20]


def test_should_stop_is_polled_every_iteration(small):
    calls = [0]

    def should_stop():
        calls[0] += 1
        return calls[0] > 7

    with pytest.raises(Cancelled):
        tsne(small, n_iter=200, frame_every=100, should_stop=should_stop)
    assert calls[0] == 8


def test_cancelled_job_stops_within_a_second(digit_vectors):
    runner = JobRunner()
    frames = []
    started = threading.Event()

    def on_frame(array, iteration):
        frames.append(iteration)
        if iteration >= 10:
            started.set()

    def run(ctx):
        return tsne(
            digit_vectors,
            on_frame=lambda i, e: ctx.frame(e, i),
            on_progress=ctx.progress,
            should_stop=lambda: ctx.cancelled,
        )

    job = runner.submit(run, on_frame=on_frame, name="tsne")
    assert started.wait(30), "no frame after 30 s"
    seen_before_cancel = len(frames)
    t0 = time.perf_counter()
    job.cancel()
    with pytest.raises(Cancelled):
        job.wait(timeout=1.0)
    stopped_in = time.perf_counter() - t0
    assert stopped_in < 1.0, stopped_in
    assert job.state == "cancelled" and job.done
    assert len(frames) == seen_before_cancel  # nothing stale after cancel


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"perplexity": 10},
            r"perplexity 10 is too large for 30 points: .*below \(N - 1\) / 3 = 9\.667",
        ),
        ({"perplexity": 0}, "perplexity must be > 0"),
        ({"perplexity": -5.0}, "perplexity must be > 0"),
        ({"n_components": 4}, "n_components must be 2 or 3"),
        ({"n_iter": 0}, "n_iter must be a whole number >= 1"),
        ({"learning_rate": -1.0}, "learning_rate must be 'auto' or a positive number"),
        ({"learning_rate": "fast"}, "learning_rate must be 'auto' or a positive number"),
        ({"frame_every": 0}, "frame_every must be a whole number >= 1"),
        ({"gradient": "fft", "n_components": 3}, "FFT gradient supports 2D only"),
    ],
)
def test_bad_parameters_have_clear_errors(kwargs, message):
    x = np.random.default_rng(0).normal(size=(30, 5)).astype(np.float32)
    with pytest.raises(ValueError, match=message):
        tsne(x, **{"perplexity": 5.0, **kwargs})


def test_small_perplexity_for_small_n_works():
    x = np.random.default_rng(0).normal(size=(30, 5)).astype(np.float32)
    assert tsne(x, perplexity=9.5, n_iter=5).shape == (30, 2)


def test_bad_input():
    with pytest.raises(ValueError, match="2-D matrix"):
        tsne(np.zeros(10))
    x = np.ones((40, 3), dtype=np.float32)
    x[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        tsne(x, perplexity=5)


def test_defaults_and_params_agree_with_the_signature():
    signature = inspect.signature(tsne).parameters
    for name, value in TSNE_DEFAULTS.items():
        assert signature[name].default == value
    for spec in PARAMS:
        assert spec["default"] == TSNE_DEFAULTS[spec["name"]]
        assert {"name", "label", "type", "default"} <= spec.keys()


def _neighbour_searches(monkeypatch) -> list[tuple[str, np.ndarray, dict | None]]:
    """Records each neighbour index openTSNE builds: (its class, the data, its knn_kwargs)."""
    from openTSNE import nearest_neighbors

    seen: list[tuple[str, np.ndarray, dict | None]] = []
    for name in ("Annoy", "Sklearn"):
        cls = getattr(nearest_neighbors, name)

        def spy(self, data, *args, _original=cls.__init__, _name=name, **kwargs):
            seen.append((_name, np.array(data), kwargs.get("knn_kwargs")))
            _original(self, data, *args, **kwargs)

        monkeypatch.setattr(cls, "__init__", spy)
    return seen


def test_neighbours_on_the_top_50_principal_components_with_30_annoy_trees(
    digit_vectors, monkeypatch
):
    """The documented defaults: above 50 dimensions the neighbours are searched among the
    first 50 PCA scores (pca_dims=None: all dimensions), with Annoy's 30 trees from 1,000
    points on and exactly below."""
    from nbprojector.projections.pca import pca
    from nbprojector.projections.tsne import ANNOY_TREES, PCA_DIMS

    seen = _neighbour_searches(monkeypatch)
    tsne(digit_vectors, n_iter=10)  # 1797 x 64
    tsne(digit_vectors, n_iter=10, pca_dims=None)
    tsne(digit_vectors[:500], n_iter=10)
    assert (PCA_DIMS, ANNOY_TREES, TSNE_DEFAULTS["pca_dims"]) == (50, 30, 50)
    assert [(name, kwargs) for name, _, kwargs in seen] == [
        ("Annoy", {"n_trees": 30}), ("Annoy", {"n_trees": 30}), ("Sklearn", None),
    ]  # fmt: skip
    np.testing.assert_array_equal(seen[0][1], pca(digit_vectors, 50).scores)
    np.testing.assert_array_equal(seen[1][1], digit_vectors)
    assert seen[2][1].shape == (500, 50)


@pytest.mark.parametrize("pca_dims", [1, 2.5, True, "50"])
def test_a_bad_pca_dims_is_refused(pca_dims, small):
    with pytest.raises(ValueError, match="t-SNE pca_dims must be a whole number >= n_components"):
        tsne(small, pca_dims=pca_dims)


def test_the_readme_states_the_neighbour_defaults():
    """The README's projection section names the defaults the code uses."""
    from pathlib import Path

    from nbprojector.projections import umap as umap_module
    from nbprojector.projections.tsne import ANNOY_TREES, PCA_DIMS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert PCA_DIMS == umap_module.PCA_DIMS
    assert f"t-SNE's default, `pca_dims={PCA_DIMS}`" in readme
    assert umap_module.UMAP_DEFAULTS["pca_dims"] is None
    assert f"UMAP on request, `pca_dims={umap_module.PCA_DIMS}`" in readme
    assert f"**Annoy with {ANNOY_TREES} trees** for t-SNE" in readme
