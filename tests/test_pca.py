"""PCA: exact on every point, equal to sklearn's, chunked without changing the result."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA

from nbprojector.projections import pca as pca_module
from nbprojector.projections.pca import pca


def test_matches_sklearn(digit_vectors):
    ours = pca(digit_vectors, 10)
    ref = PCA(10, svd_solver="full").fit(digit_vectors.astype(np.float64))
    np.testing.assert_allclose(
        ours.explained_variance_ratio, ref.explained_variance_ratio_, rtol=1e-5
    )
    scores = ref.transform(digit_vectors.astype(np.float64))
    for k in range(10):  # equal up to each component's sign
        sign = np.sign(np.dot(ours.scores[:, k], scores[:, k]))
        np.testing.assert_allclose(ours.scores[:, k] * sign, scores[:, k], atol=2e-3)


def test_chunking_gives_the_same_result(digit_vectors, monkeypatch):
    whole = pca(digit_vectors, 5)
    monkeypatch.setattr(pca_module, "CHUNK_ROWS", 100)
    chunked = pca(digit_vectors, 5)
    np.testing.assert_allclose(whole.scores, chunked.scores, atol=1e-4)


def test_components_capped_by_dimension():
    result = pca(np.random.default_rng(0).random((50, 3)), 10)
    assert result.scores.shape == (
        50,
        3,
    ) and result.explained_variance_ratio.sum() == pytest.approx(1)


def test_signs_are_deterministic(digit_vectors):
    a, b = pca(digit_vectors, 3), pca(digit_vectors[::-1].copy(), 3)
    np.testing.assert_allclose(a.components, b.components, atol=1e-4)


def test_large_offset_is_accurate():
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(2000, 4)) * [5, 2, 1, 0.5] + 1e4).astype(np.float32)
    ratio = pca(x, 4).explained_variance_ratio
    np.testing.assert_allclose(ratio, np.array([25, 4, 1, 0.25]) / 30.25, atol=0.02)


def test_raw_and_centred_products_agree(digit_vectors, monkeypatch):
    monkeypatch.setattr(pca_module, "MAX_RAW_OFFSET", np.inf)  # always the raw product
    raw = pca(digit_vectors, 5)
    monkeypatch.setattr(pca_module, "MAX_RAW_OFFSET", -1.0)  # always centred first
    centred = pca(digit_vectors, 5)
    np.testing.assert_allclose(raw.explained_variance_ratio, centred.explained_variance_ratio,
                               rtol=1e-5)  # fmt: skip
    np.testing.assert_allclose(raw.scores, centred.scores, atol=2e-3)
