"""Layout fidelity (kNN preservation) and the exact all-points neighbour tables under it."""

from __future__ import annotations

import numpy as np
import pytest

from nbprojector import all_neighbors
from nbprojector.all_neighbors import all_knn, shared_counts
from nbprojector.fidelity import anchor_positions, layout_fidelity, layout_knn
from nbprojector.neighbors import NeighborIndex, spherize


def brute_knn(x: np.ndarray, k: int, metric: str) -> np.ndarray:
    """Every pairwise distance in float64, then each row's k smallest by (distance, index)."""
    x = x.astype(np.float64)
    if metric == "cosine":
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        unit = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
        dist = 1.0 - np.clip(unit @ unit.T, -1.0, 1.0)
    else:
        dist = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(dist, np.inf)
    index = np.broadcast_to(np.arange(len(x)), dist.shape)
    return np.lexsort((index, dist), axis=1)[:, :k]


def brute_fidelity(vectors: np.ndarray, coords: np.ndarray, k: int, metric: str) -> np.ndarray:
    high = brute_knn(vectors, k, metric)
    low = brute_knn(coords, k, "euclidean")
    return np.array([len(set(h) & set(lo)) / k for h, lo in zip(high, low, strict=True)])


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks and query blocks smaller than the data, so the merging paths run."""
    monkeypatch.setattr(all_neighbors, "ROW_CHUNK", 37)
    monkeypatch.setattr(all_neighbors, "QUERY_BLOCK", 29)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("shape", [(300, 12), (64, 3), (500, 40)])
def test_all_knn_equals_brute_force(
    small_chunks: None, metric: str, shape: tuple[int, int]
) -> None:
    rng = np.random.default_rng(shape[0])
    x = (rng.normal(size=shape) + 0.5).astype(np.float32)
    assert np.array_equal(all_knn(x, 9, metric), brute_knn(x, 9, metric))


def test_all_knn_of_some_queries_and_duplicates(small_chunks: None) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 8)).astype(np.float32)
    x[50:60] = x[5]  # exact duplicates: ties go to the lower index, as NeighborIndex does
    queries = np.array([0, 5, 55, 199])
    for metric in ("cosine", "euclidean"):
        got = all_knn(x, 12, metric, queries)
        assert np.array_equal(got, brute_knn(x, 12, metric)[queries])
        index = NeighborIndex(x)
        for row, q in zip(got, queries, strict=True):
            assert np.array_equal(row, index.query(int(q), 12, metric).indices)


def test_all_knn_refuses_bad_arguments() -> None:
    x = np.zeros((5, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="k must be between 1 and 4"):
        all_knn(x, 5, "euclidean")
    with pytest.raises(ValueError, match="metric must be one of"):
        all_knn(x, 2, "manhattan")


def test_shared_counts_counts_common_indices() -> None:
    a = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    b = np.array([[3, 2, 1], [0, 10, 11], [9, 12, 13]])
    assert shared_counts(a, b).tolist() == [3, 0, 1]


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("sphere", [False, True])
def test_fidelity_equals_brute_force(
    small_chunks: None, metric: str, dims: int, sphere: bool
) -> None:
    rng = np.random.default_rng(dims * 10 + sphere)
    x = (rng.normal(size=(250, 16)) + 1.0).astype(np.float32)
    coords = (x[:, :dims] + rng.normal(scale=0.5, size=(250, dims))).astype(np.float32)
    space = spherize(x) if sphere else x
    k = 10
    anchors = anchor_positions(len(x))
    result = layout_fidelity(all_knn(space, k, metric), coords, anchors, sampled=False)
    expected = brute_fidelity(space, coords, k, metric)
    assert np.array_equal(result.scores, expected.astype(np.float32))
    assert result.mean == pytest.approx(expected.mean())
    assert result.chance == pytest.approx(k / 249)
    assert 0.0 < result.mean < 1.0  # a partly faithful map: neither extreme


def test_layout_knn_leaves_the_point_out_even_among_duplicates() -> None:
    coords = np.zeros((6, 2), dtype=np.float32)
    coords[5] = 10.0
    found = layout_knn(coords, 3, np.arange(6))
    for i, row in enumerate(found):
        assert i not in row and len(set(row)) == 3


def test_anchors_above_the_budget_are_a_fixed_sample() -> None:
    assert np.array_equal(anchor_positions(10, budget=20), np.arange(10))
    first, again = anchor_positions(1000, budget=100), anchor_positions(1000, budget=100)
    assert np.array_equal(first, again) and len(np.unique(first)) == 100
    assert np.all(np.diff(first) > 0)


def test_sampled_fidelity_scores_only_the_anchors() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 5)).astype(np.float32)
    anchors = anchor_positions(400, budget=50)
    result = layout_fidelity(all_knn(x, 5, "euclidean", anchors), x[:, :2], anchors, True)
    assert np.isnan(result.scores).sum() == 350
    assert np.isfinite(result.scores[anchors]).all()
    full = brute_fidelity(x, x[:, :2], 5, "euclidean")
    assert np.array_equal(result.scores[anchors], full[anchors].astype(np.float32))
    assert result.describe()["sampled"] is True
