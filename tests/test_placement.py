"""t-SNE and UMAP fitted on a sample, every other point placed with the method's own
``transform``: every point gets a finite position near its fitted neighbours, in process and
on a Dask cluster, and the record says how many were fitted and placed."""

from __future__ import annotations

import numpy as np
import pytest
from engine_sources import BlockSource
from scipy.spatial import cKDTree

from nbprojector.chunk_runner import ChunkRunner
from nbprojector.compute import LocalCompute
from nbprojector.compute_dask import DaskCompute, default_compute
from nbprojector.placement import fit_rows
from nbprojector.projections.umap import umap_available

TSNE_OPTIONS = {"perplexity": 30.0, "learning_rate": "auto", "n_iter": 300, "seed": 0}


def agreement(layout: np.ndarray, labels: np.ndarray, fitted: np.ndarray) -> float:
    """Share of the placed points whose nearest fitted point (in the layout) has their label."""
    placed = np.setdiff1d(np.arange(len(layout)), fitted)
    _, nearest = cKDTree(layout[fitted]).query(layout[placed])
    return float((labels[fitted][nearest] == labels[placed]).mean())


def run_tsne(compute, source, **kwargs):
    frames, messages, record = [], [], {}
    layout = compute.tsne(
        source, None, n_components=2, on_frame=lambda i, x: frames.append(x.copy()) and False,
        on_progress=lambda m, f: messages.append(m) and False, should_stop=lambda: False,
        record=record, **TSNE_OPTIONS, **kwargs,
    )  # fmt: skip
    return layout, frames, messages, record


def test_tsne_fits_a_sample_and_places_the_rest(digit_vectors, digits):
    source = BlockSource(digit_vectors)  # not in memory: fitted on a sample by default
    compute = LocalCompute(ChunkRunner(use_dask=False))
    layout, frames, messages, record = run_tsne(compute, source, fit_points=600)
    fitted = fit_rows(np.arange(len(digit_vectors)), 600, default=None, seed=0)
    assert layout.shape == (1797, 2) and np.isfinite(layout).all()
    assert record == {"fitted": 600, "placed": 1197,
                      "placement": "fitted on 600 points, placed 1,197"}  # fmt: skip
    assert agreement(layout, digits.target, fitted) > 0.8
    # Frames cover every point from the start (unplaced ones at the centre), and the last
    # frame is the finished layout once the placed block arrived.
    assert all(f.shape == (1797, 2) and np.isfinite(f).all() for f in frames)
    np.testing.assert_array_equal(frames[-1], layout)
    assert any(m.startswith("placing the other 1,197 points") for m in messages)
    # The fitted points did not move while the others were placed (one block of 1,197),
    # and before that the others waited at the centre of the fitted layout.
    last_fit = frames[-2]
    np.testing.assert_array_equal(last_fit[fitted], layout[fitted])
    waiting = np.setdiff1d(np.arange(1797), fitted)
    np.testing.assert_allclose(last_fit[waiting], np.broadcast_to(
        last_fit[fitted].mean(axis=0), (len(waiting), 2)), rtol=1e-5)  # fmt: skip


def test_tsne_placement_on_a_local_cluster(digit_vectors, digits, dask_client):
    source = BlockSource(digit_vectors)
    rows_fitted = np.arange(0, 1797, 3)
    layout, _frames, _messages, record = run_tsne(DaskCompute(dask_client), source,
                                                  fit_points=rows_fitted)  # fmt: skip
    assert np.isfinite(layout).all() and record["fitted"] == len(rows_fitted)
    assert agreement(layout, digits.target, rows_fitted) > 0.8


def test_in_memory_data_is_fitted_whole_unless_asked(digit_vectors):
    from nbprojector.sources import ArraySource

    compute = LocalCompute()
    candidates, fitted = compute._fit_rows(ArraySource(digit_vectors), None, None, 0)
    assert len(fitted) == len(candidates) == 1797
    _candidates, fitted = compute._fit_rows(BlockSource(digit_vectors), None, None, 0)
    assert len(fitted) == 1797  # below the default sample size
    _candidates, fitted = compute._fit_rows(BlockSource(digit_vectors), None, 500, 0)
    assert len(fitted) == 500 and (np.diff(fitted) > 0).all()


@pytest.mark.skipif(not umap_available(), reason="umap-learn is not installed")
def test_umap_fits_a_sample_and_places_the_rest(digit_vectors, digits):
    source = BlockSource(digit_vectors)
    record = {}
    layout = LocalCompute().umap(
        source, None, n_components=2, on_frame=lambda i, x: False,
        on_progress=lambda m, f: False, fit_points=700, record=record, n_neighbors=15,
        min_dist=0.1, seed=0,
    )  # fmt: skip
    fitted = fit_rows(np.arange(1797), 700, default=None, seed=0)
    assert np.isfinite(layout).all() and record["placed"] == 1097
    assert agreement(layout, digits.target, fitted) > 0.8


def test_fit_points_are_checked():
    candidates = np.arange(10, 50)
    with pytest.raises(ValueError, match="at least 2"):
        fit_rows(candidates, 1, default=None)
    with pytest.raises(ValueError, match=r"outside the points being laid out \(the first: 3\)"):
        fit_rows(candidates, np.array([3, 11, 12]), default=None)
    with pytest.raises(ValueError, match="1-D array of point indices"):
        fit_rows(candidates, np.array([1.5, 2.5]), default=None)
    np.testing.assert_array_equal(fit_rows(candidates, 100, default=None), candidates)
    a = fit_rows(candidates, 7, default=None, seed=3)
    np.testing.assert_array_equal(a, fit_rows(candidates, 7, default=None, seed=3))


def test_default_compute_choices(dask_client):
    assert type(default_compute("local")) is LocalCompute
    assert type(default_compute(None)) is DaskCompute
    engine = default_compute(dask_client)
    assert isinstance(engine, DaskCompute) and engine.client is dask_client
    with pytest.raises(ValueError, match=r"compute must be 'local', 'dask', a dask\.distributed"):
        default_compute(42)
