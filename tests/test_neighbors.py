"""Exact nearest neighbours: brute-force agreement, ties, chunking and validation."""

from __future__ import annotations

import numpy as np
import pytest

from nbprojector import neighbors
from nbprojector.neighbors import NeighborIndex, Neighbors, spherize


def _reference(data: np.ndarray, q: np.ndarray, k: int, metric: str, exclude=()):
    """Plain float64 numpy: all N distances, sorted by (float32 distance, index)."""
    a = data.astype(np.float64)
    q = q.astype(np.float64)
    if metric == "cosine":
        denom = np.sqrt((a * a).sum(axis=1) * (q @ q))
        cos = np.divide(a @ q, denom, out=np.zeros(len(a)), where=denom > 0)
        d = 1.0 - np.clip(cos, -1.0, 1.0)
    else:
        d = np.sqrt(((a - q) ** 2).sum(axis=1))
    d32 = d.astype(np.float32)
    idx = np.arange(len(a))
    keep = ~np.isin(idx, list(exclude))
    idx, d32 = idx[keep], d32[keep]
    order = np.lexsort((idx, d32))[:k]
    return idx[order], d32[order]


@pytest.fixture
def data() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((300, 13)).astype(np.float32)


@pytest.fixture(params=[65_536, 7], ids=["one-chunk", "many-chunks"])
def chunk(request, monkeypatch) -> int:
    monkeypatch.setattr(neighbors, "CHUNK_ROWS", request.param)
    return request.param


# ---- spherize ---------------------------------------------------------------------------


def test_spherize_centres_and_normalises(data):
    s = spherize(data)
    assert s.dtype == np.float32 and s.shape == data.shape
    ref = data.astype(np.float64) - data.astype(np.float64).mean(axis=0)
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    np.testing.assert_allclose(s, ref, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(s, axis=1), 1.0, atol=1e-6)


def test_spherize_keeps_zero_vectors_zero():
    # The middle row equals the mean, so it is zero after centring: stays zero, no NaN.
    x = np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 2.0]], dtype=np.float32)
    s = spherize(x)
    assert np.isfinite(s).all()
    np.testing.assert_array_equal(s[1], [0.0, 0.0])
    np.testing.assert_allclose(s[0], -np.sqrt([0.5, 0.5]), atol=1e-6)


# ---- agreement with brute force ---------------------------------------------------------


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("spherized", [False, True], ids=["original", "spherized"])
def test_query_by_index_matches_brute_force(data, chunk, metric, spherized):
    index = NeighborIndex(data, spherized=spherized)
    space = spherize(data) if spherized else data
    for i in (0, 6, 7, 150, 299):  # rows at chunk edges too
        got = index.query(i, k=20, metric=metric)
        ref_idx, ref_d = _reference(space, space[i], 20, metric, exclude=[i])
        np.testing.assert_array_equal(got.indices, ref_idx)
        np.testing.assert_allclose(got.distances, ref_d, rtol=1e-6, atol=1e-7)
        assert got.indices.dtype == np.int64 and got.distances.dtype == np.float32
        assert got.metric == metric
        assert got.space == ("spherized" if spherized else "original")


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("spherized", [False, True], ids=["original", "spherized"])
def test_query_by_vector_matches_brute_force(data, chunk, metric, spherized):
    index = NeighborIndex(data, spherized=spherized)
    q = np.random.default_rng(1).standard_normal(13)  # float64 input is accepted
    if spherized:
        mean = data.astype(np.float64).mean(axis=0)
        space, q_ref = spherize(data), (q - mean) / np.linalg.norm(q - mean)
    else:
        space, q_ref = data, q.astype(np.float32)
    got = index.query(q, k=25, metric=metric)
    ref_idx, ref_d = _reference(space, q_ref, 25, metric)
    np.testing.assert_array_equal(got.indices, ref_idx)
    np.testing.assert_allclose(got.distances, ref_d, rtol=1e-5, atol=1e-6)


def test_vector_copy_of_a_row_lands_on_it(data):
    for spherized in (False, True):
        index = NeighborIndex(data, spherized=spherized)
        for metric in ("cosine", "euclidean"):
            got = index.query(data[42].copy(), k=3, metric=metric)
            assert got.indices[0] == 42 and got.distances[0] == 0.0
            got = index.query(data[42].copy(), k=3, metric=metric, exclude=42)
            assert 42 not in got.indices


def test_large_offset_still_exact(chunk):
    # Far from the origin compared with the spread: the float32 screen is blunt here,
    # the float64 refinement must still give the exact order.
    rng = np.random.default_rng(3)
    x = (1000.0 + rng.standard_normal((200, 9)) * 1e-2).astype(np.float32)
    index = NeighborIndex(x)
    got = index.query(10, k=15, metric="euclidean")
    ref_idx, ref_d = _reference(x, x[10], 15, "euclidean", exclude=[10])
    np.testing.assert_array_equal(got.indices, ref_idx)
    np.testing.assert_allclose(got.distances, ref_d, rtol=1e-6)


# ---- angles, ties, sizes ----------------------------------------------------------------


def test_angles_on_known_vectors():
    x = np.array([[0, 1], [1, 1], [-1, 0], [2, 0], [0, 0]], dtype=np.float32)
    got = NeighborIndex(x).query(np.array([1.0, 0.0]), k=10, metric="cosine")
    # Zero rows have cosine similarity 0: distance 1 and 90 degrees, after the tie at index 0.
    np.testing.assert_array_equal(got.indices, [3, 1, 0, 4, 2])
    np.testing.assert_allclose(got.angles_deg, [0, 45, 90, 90, 180], atol=1e-4)
    np.testing.assert_allclose(got.distances, [0, 1 - np.sqrt(0.5), 1, 1, 2], atol=1e-6)
    assert NeighborIndex(x).query(0, metric="euclidean").angles_deg is None


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_duplicates_are_ordered_by_index(chunk, metric):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((50, 11)).astype(np.float32)  # odd D: rows of any alignment
    dupes = [3, 6, 7, 8, 21, 34, 49]
    x[dupes] = x[3]
    got = NeighborIndex(x).query(3, k=6, metric=metric)
    np.testing.assert_array_equal(got.indices, dupes[1:])
    assert (got.distances == 0).all()
    got = NeighborIndex(x, spherized=True).query(x[3], k=7, metric=metric)
    np.testing.assert_array_equal(got.indices, dupes)


def test_equidistant_points_ordered_by_index(chunk):
    # Four points at the same euclidean distance from the query (integers: exact in float32).
    x = np.array([[9, 9], [0, 2], [2, 0], [5, 5], [0, -2], [-2, 0]], dtype=np.float32)
    got = NeighborIndex(x).query(np.zeros(2), k=4, metric="euclidean")
    np.testing.assert_array_equal(got.indices, [1, 2, 4, 5])
    np.testing.assert_array_equal(got.distances, [2, 2, 2, 2])


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_many_ties_match_brute_force(chunk, metric):
    # Small integers: many points share a distance, so the order is decided by index.
    x = np.random.default_rng(7).integers(-2, 3, size=(120, 3)).astype(np.float32)
    index = NeighborIndex(x)
    for i in range(0, 120, 11):
        if metric == "cosine" and not x[i].any():
            continue
        got = index.query(i, k=40, metric=metric)
        ref_idx, ref_d = _reference(x, x[i], 40, metric, exclude=[i])
        np.testing.assert_array_equal(got.indices, ref_idx)
        np.testing.assert_array_equal(got.distances, ref_d)


def test_k_larger_than_n_returns_everything(data, chunk):
    index = NeighborIndex(data[:10])
    assert len(index.query(0, k=999)) == 9
    assert len(index.query(data[0], k=999)) == 10
    assert len(index.query(0, k=999, exclude=5)) == 8
    assert sorted(index.query(0, k=999).indices) == list(range(1, 10))
    single = NeighborIndex(data[:1]).query(0, k=5)
    assert isinstance(single, Neighbors) and len(single) == 0 and single.angles_deg.size == 0


def test_unit_rows_are_built_lazily_and_only_once(data):
    index = NeighborIndex(data)
    index.query(0, metric="euclidean")
    assert index._unit is None  # euclidean never pays for the extra N x D array
    index.query(0, metric="cosine")
    unit = index._unit
    index.query(1, metric="cosine")
    assert index._unit is unit
    sph = NeighborIndex(data, spherized=True)
    assert sph._unit is sph._base  # spherized rows are already unit: no second copy


# ---- validation -------------------------------------------------------------------------


@pytest.fixture
def index(data) -> NeighborIndex:
    return NeighborIndex(data)


@pytest.mark.parametrize("k", [0, -3])
def test_bad_k(index, k):
    with pytest.raises(ValueError, match="k must be at least 1"):
        index.query(0, k=k)


def test_non_integer_k(index):
    with pytest.raises(TypeError, match="k must be an integer"):
        index.query(0, k=2.5)


def test_bad_metric_lists_choices(index):
    with pytest.raises(ValueError, match="'cosine', 'euclidean'; got 'manhattan'"):
        index.query(0, metric="manhattan")
    assert index.query(0, k=1, metric="Cosine").metric == "cosine"


def test_wrong_vector_length_names_both(index):
    with pytest.raises(ValueError, match="length 5 but the vectors have dimension 13"):
        index.query(np.zeros(5))


def test_bad_vectors(index):
    q = np.zeros(13)
    q[4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        index.query(q)
    with pytest.raises(ValueError, match="1-D"):
        index.query(np.zeros((2, 13)))
    with pytest.raises(ValueError, match=r"zero vector.*euclidean"):
        index.query(np.zeros(13), metric="cosine")
    assert len(index.query(np.zeros(13), k=3, metric="euclidean")) == 3


def test_bad_indices(index):
    with pytest.raises(IndexError, match="300 points"):
        index.query(300)
    with pytest.raises(IndexError, match="out of range"):
        index.query(-1)
    with pytest.raises(IndexError, match="exclude index 400"):
        index.query(0, exclude=400)


def test_bad_matrix():
    with pytest.raises(ValueError, match="2-D"):
        NeighborIndex(np.zeros(5, dtype=np.float32))
    bad = np.ones((4, 3), dtype=np.float32)
    bad[2, 1] = np.inf
    with pytest.raises(ValueError, match="row 2"):
        NeighborIndex(bad)
