"""Custom projection: axes from centroid differences."""

from __future__ import annotations

import numpy as np
import pytest

from nbprojector.projections.custom import NoMatchError, custom_axes, custom_from_queries
from nbprojector.projections.pca import pca


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 16)).astype(np.float32) + 3.0
    labels = np.array(["good", "bad", "best", "worst", "meh"] * 60, dtype=object)
    return vectors, labels


def reference(vectors, start, end):
    """The numpy reference: unit axis from centroid(start) to centroid(end), and its length."""
    v = vectors.astype(np.float64)
    axis = v[end].mean(axis=0) - v[start].mean(axis=0)
    return axis / np.linalg.norm(axis), np.linalg.norm(axis)


def test_axes_are_centroid_differences(data):
    vectors, labels = data
    left, right = labels == "bad", labels == "good"
    down, up = labels == "worst", labels == "best"
    layout = custom_axes(vectors, left, right, down, up)
    assert layout.shape == (300, 2) and layout.dtype == np.float32

    centred = vectors.astype(np.float64) - vectors.astype(np.float64).mean(axis=0)
    u_x, len_x = reference(vectors, left, right)
    u_y, len_y = reference(vectors, down, up)
    np.testing.assert_allclose(layout[:, 0], centred @ u_x, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layout[:, 1], centred @ u_y, rtol=1e-4, atol=1e-4)
    # The two centroids land exactly |axis| apart along their axis.
    gap_x = layout[right, 0].astype(np.float64).mean() - layout[left, 0].astype(np.float64).mean()
    gap_y = layout[up, 1].astype(np.float64).mean() - layout[down, 1].astype(np.float64).mean()
    assert gap_x == pytest.approx(len_x, rel=1e-4)
    assert gap_y == pytest.approx(len_y, rel=1e-4)
    # Centred on the mean of all points.
    np.testing.assert_allclose(layout.mean(axis=0), 0.0, atol=1e-4)


def test_without_y_uses_first_principal_axis_orthogonal_to_x(data):
    vectors, labels = data
    # Give the data a dominant direction so that PCA-1 is well defined.
    vectors = vectors.copy()
    vectors[:, 3] *= 10.0
    left, right = labels == "bad", labels == "good"
    layout = custom_axes(vectors, left, right)

    u_x, _ = reference(vectors, left, right)
    c1 = pca(vectors, n_components=2).components[0].astype(np.float64)
    w = c1 - (c1 @ u_x) * u_x
    u_y = w / np.linalg.norm(w)
    centred = vectors.astype(np.float64) - vectors.astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(layout[:, 0], centred @ u_x, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(layout[:, 1], centred @ u_y, rtol=1e-4, atol=1e-3)
    assert abs(u_x @ u_y) < 1e-9


def test_without_y_when_pca1_is_x(data):
    vectors, _ = data
    vectors = vectors.copy()
    vectors[:150, 0] += 50.0  # PCA-1 is (almost exactly) the x axis
    left = np.arange(300) >= 150
    right = ~left
    layout = custom_axes(vectors, left, right)
    assert np.isfinite(layout).all()
    assert layout[:, 1].std() > 0.5  # the second principal axis, not a collapsed line


def test_empty_mask_names_the_field(data):
    vectors, labels = data
    nothing = np.zeros(300, dtype=bool)
    with pytest.raises(ValueError, match=r"^Left matched no points$"):
        custom_axes(vectors, nothing, labels == "good")
    with pytest.raises(ValueError, match=r"^Up matched no points$"):
        custom_axes(vectors, labels == "bad", labels == "good", labels == "meh", nothing)


def test_identical_centroids_are_an_error(data):
    vectors, labels = data
    same = labels == "good"
    with pytest.raises(ValueError, match="Left and Right have the same centroid"):
        custom_axes(vectors, same, same.copy())


def test_half_a_y_axis_is_an_error(data):
    vectors, labels = data
    with pytest.raises(ValueError, match="both Down and Up"):
        custom_axes(vectors, labels == "bad", labels == "good", down=labels == "meh")


def test_bad_mask_shapes(data):
    vectors, labels = data
    with pytest.raises(ValueError, match=r"Right mask has shape \(10,\)"):
        custom_axes(vectors, labels == "bad", np.ones(10, dtype=bool))
    with pytest.raises(TypeError, match="boolean mask"):
        custom_axes(vectors, np.arange(300), labels == "good")


def test_from_queries_counts_and_layout(data):
    vectors, labels = data
    layout, counts = custom_from_queries(
        vectors, labels, "bad", "^good", "worst", "best", regex=True
    )
    assert counts == {"Left": 60, "Right": 60, "Down": 60, "Up": 60}
    expected = custom_axes(
        vectors, labels == "bad", labels == "good", labels == "worst", labels == "best"
    )
    np.testing.assert_array_equal(layout, expected)

    # Substring search: "good" does not match "best"; no y queries -> PCA fallback.
    layout, counts = custom_from_queries(vectors, labels, "BAD", "good", None, "")
    assert counts == {"Left": 60, "Right": 60}
    assert layout.shape == (300, 2)


def test_from_queries_errors_are_plain(data):
    vectors, labels = data
    with pytest.raises(ValueError, match=r"^Left: empty query: type some text"):
        custom_from_queries(vectors, labels, "", "good")
    with pytest.raises(ValueError, match=r"^Right: invalid regular expression '\(\['"):
        custom_from_queries(vectors, labels, "bad", "([", regex=True)
    with pytest.raises(NoMatchError) as info:
        custom_from_queries(vectors, labels, "bad", "excellent", "zzz", "best")
    message = str(info.value)
    assert "Right matched no points (search 'excellent')" in message
    assert "Down matched no points (search 'zzz')" in message
    assert info.value.counts == {"Left": 60, "Right": 0, "Down": 0, "Up": 60}
    with pytest.raises(ValueError, match="both Down and Up"):
        custom_from_queries(vectors, labels, "bad", "good", "worst", None)
    with pytest.raises(ValueError, match="the column has 3 values for 300 points"):
        custom_from_queries(vectors, ["a", "b", "c"], "a", "b")


def test_seed_example_best_minus_worst():
    """Project a word's neighbours on a "best" - "worst" axis, in one call."""
    rng = np.random.default_rng(1)
    direction = rng.normal(size=32)
    words = ["worst", "bad", "ok", "good", "best"]
    vectors = np.stack([i * direction + rng.normal(scale=0.1, size=32) for i in range(5)])
    layout, counts = custom_from_queries(vectors, words, "^worst$", "^best$", regex=True)
    assert counts == {"Left": 1, "Right": 1}
    assert np.all(np.diff(layout[:, 0]) > 0)  # worst < bad < ok < good < best along x
