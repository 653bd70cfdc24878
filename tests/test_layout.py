"""Putting a layout on screen: fitting it in [-1, 1], robustly while an optimisation runs."""

from __future__ import annotations

import numpy as np

from nbprojector.layout import Layout, normalize_positions


def blob_with_outliers(n: int = 2000, outliers: int = 5) -> np.ndarray:
    """An early t-SNE frame's shape: a small bulk and a few points thrown far out."""
    rng = np.random.default_rng(0)
    coords = rng.normal(scale=1.0, size=(n, 2)).astype(np.float32)
    coords[:outliers] = [[400.0, 380.0], [-350.0, 20.0], [10.0, -420.0], [300, -300], [-5, 390]]
    return coords


def spread(positions: np.ndarray, rows: slice) -> float:
    """The width of the middle 98% of the given points on screen, in view units ([-1, 1])."""
    lo, hi = np.percentile(positions[rows, :2], [1, 99], axis=0)
    return float((hi - lo).max())


def test_a_running_frame_is_framed_on_its_bulk_and_the_final_layout_whole():
    coords = blob_with_outliers()
    running = Layout(coords, {"method": "tsne", "running": True}).positions()
    done = Layout(coords, {"method": "tsne"}).positions()
    assert np.isfinite(running).all() and np.isfinite(done).all()

    # Running: the bulk fills the view; the outliers are drawn outside it.
    assert spread(running, slice(5, None)) > 1.8
    assert (np.abs(running[:5, :2]).max(axis=1) > 1.0).all()
    # Finished: everything fits, and the bulk is the smear the outliers leave it.
    assert np.abs(done).max() <= 1.0 + 1e-6
    assert spread(done, slice(5, None)) < 0.05


def test_robust_fit_of_few_points_is_the_plain_fit():
    coords = blob_with_outliers(n=40, outliers=5)
    np.testing.assert_array_equal(
        normalize_positions(coords, robust=True), normalize_positions(coords)
    )


def test_robust_fit_of_an_isolated_subset_fits_only_its_rows():
    coords = blob_with_outliers()
    rows = np.arange(5, 1000)  # the outliers are hidden
    positions = normalize_positions(coords, rows, robust=True)
    assert spread(positions, rows) > 1.8 and np.isfinite(positions).all()


def test_float32_coordinates_are_placed_as_float64_arithmetic_places_them():
    """float32 layouts are centred and scaled in float32 (no float64 copy of a million
    points); the result is float64 arithmetic's, to float32 rounding."""
    rng = np.random.default_rng(1)
    coords = (rng.normal(size=(5000, 3)) * 1e4 + 3e5).astype(np.float32)
    expected = coords.astype(np.float64)
    lo, hi = expected.min(axis=0), expected.max(axis=0)
    expected = (expected - (lo + hi) / 2) / ((hi - lo).max() / 2)
    placed = normalize_positions(coords)
    np.testing.assert_allclose(placed, expected, atol=1e-6)
    assert np.abs(placed).max() <= 1.0 + 1e-6


def test_float32_coordinates_near_its_limit_still_fit():
    """Coordinates near float32's largest value: their span overflows float32, so they are
    placed in float64, and every position is finite and fitted."""
    coords = np.array([[-3e38, 0.0], [3e38, 1.0], [0.0, -2e38]], dtype=np.float32)
    placed = normalize_positions(coords)
    assert np.isfinite(placed).all()
    np.testing.assert_allclose(placed[:2, 0], [-1.0, 1.0], atol=1e-6)


def test_float32_coordinates_of_a_tiny_spread_still_fit():
    """A spread so small its inverse overflows float32 is placed in float64: finite, and
    fitted to the view."""
    coords = np.array([[0.0, 0.0], [2e-39, 0.0], [1e-39, 1e-39]], dtype=np.float32)
    placed = normalize_positions(coords)
    assert np.isfinite(placed).all()
    np.testing.assert_allclose(placed[:2, 0], [-1.0, 1.0], rtol=1e-5)
