"""PCA over a source read block by block: on a Dask cluster, on Dask's threads and in
process, the same components and scores as the in-memory PCA."""

from __future__ import annotations

import numpy as np
import pytest
from engine_sources import BlockSource, DaskArraySource, LanceVectorSource, clustered

from nbprojector.chunk_runner import ChunkRunner
from nbprojector.projections.pca import pca
from nbprojector.streamed_pca import NonFiniteRowsError, streamed_pca, streamed_scores


def subspace_angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Largest principal angle between the row spaces of ``a`` and ``b`` (k x D)."""
    qa, _ = np.linalg.qr(a.T.astype(np.float64))
    qb, _ = np.linalg.qr(b.T.astype(np.float64))
    cosines = np.linalg.svd(qa.T @ qb, compute_uv=False)
    return float(np.degrees(np.arccos(np.clip(cosines.min(), -1.0, 1.0))))


def assert_same_pca(result, expected) -> None:
    # Components 1-5 of clustered data are well separated; compare them as one subspace
    # and one by one (each up to sign), with the scores on them.
    k = 5
    assert subspace_angle_deg(result.components[:k], expected.components[:k]) < 1e-3
    for i in range(k):
        sign = np.sign(result.components[i] @ expected.components[i])
        np.testing.assert_allclose(result.components[i] * sign, expected.components[i],
                                   atol=1e-5)  # fmt: skip
        scale = np.abs(expected.scores[:, i]).max()
        np.testing.assert_allclose(result.scores[:, i] * sign, expected.scores[:, i],
                                   atol=1e-4 * scale)  # fmt: skip
    np.testing.assert_allclose(result.explained_variance_ratio, expected.explained_variance_ratio,
                               rtol=1e-4, atol=1e-7)  # fmt: skip
    np.testing.assert_allclose(result.mean, expected.mean, atol=1e-5)


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return clustered(12_000, 24, clusters=8, seed=3)


def test_in_process_blocks_match_in_memory_pca(vectors):
    source = BlockSource(vectors)
    seen = []
    result = streamed_pca(source, runner=ChunkRunner(rows_per_chunk=2_500, use_dask=False),
                          on_progress=lambda m, f: seen.append((m, f)))  # fmt: skip
    assert_same_pca(result, pca(vectors))
    # Both passes count the 5 blocks.
    assert [m for m, _ in seen][:5] == [f"PCA: covariance, {i} of 5 chunks" for i in range(1, 6)]
    assert seen[-1] == ("PCA: scores, 5 of 5 chunks", 1.0)


def test_on_a_local_cluster_matches_in_memory_pca(vectors, dask_client):
    source = DaskArraySource(vectors, rows_per_chunk=1_700)
    runner = ChunkRunner(dask_client)
    assert runner.where(source) == "client"
    fractions = []
    result = streamed_pca(source, runner=runner, on_progress=lambda m, f: fractions.append(f))
    assert_same_pca(result, pca(vectors))
    assert len(fractions) == 2 * 8  # 12,000 rows in 8 chunks, two passes


def test_the_active_client_is_found(vectors, dask_client):
    source = BlockSource(vectors)  # not a dask array: pickled to the workers, read there
    runner = ChunkRunner(rows_per_chunk=4_000)
    assert runner.where(source) == "local"  # no client running, no dask array
    with dask_client.as_current():
        assert runner.where(source) == "client"
        result = streamed_pca(source, runner=runner)
    assert_same_pca(result, pca(vectors))


def test_dask_threads_without_a_client(vectors):
    source = DaskArraySource(vectors, rows_per_chunk=3_000)
    runner = ChunkRunner()
    assert runner.where(source) == "threads"
    assert_same_pca(streamed_pca(source, runner=runner), pca(vectors))


def test_a_lance_dataset_on_the_cluster(vectors, dask_client, tmp_path):
    source = LanceVectorSource(vectors, tmp_path / "vectors.lance")
    result = streamed_pca(source, runner=ChunkRunner(dask_client, rows_per_chunk=5_000))
    assert_same_pca(result, pca(vectors))


def test_a_subset_of_rows(vectors):
    rows = np.sort(np.random.default_rng(1).choice(len(vectors), 3_001, replace=False))
    result = streamed_pca(BlockSource(vectors), rows,
                          runner=ChunkRunner(rows_per_chunk=1_000, use_dask=False))  # fmt: skip
    assert result.scores.shape == (3_001, 10)
    assert_same_pca(result, pca(vectors[rows]))


def test_far_from_the_origin_keeps_precision(vectors):
    shifted = vectors + np.float32(1_000.0)
    result = streamed_pca(BlockSource(shifted),
                          runner=ChunkRunner(rows_per_chunk=3_000, use_dask=False))  # fmt: skip
    assert_same_pca(result, pca(shifted))


def test_nan_rows_are_counted_and_the_first_named(vectors):
    broken = vectors.copy()
    broken[[7_001, 9_500, 11_000], 3] = np.nan
    with pytest.raises(NonFiniteRowsError, match=r"3 rows, the first at row 7001"):
        streamed_pca(BlockSource(broken), runner=ChunkRunner(rows_per_chunk=2_000,
                                                             use_dask=False))  # fmt: skip


def test_values_too_large_for_float32_products():
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(3_000, 6)) * 1e20).astype(np.float32)
    result = streamed_pca(BlockSource(x), runner=ChunkRunner(rows_per_chunk=700, use_dask=False))
    expected = pca(x)
    assert subspace_angle_deg(result.components[:3], expected.components[:3]) < 1e-3


def test_a_cancelled_run_stops_and_the_cluster_stays_usable(vectors, dask_client):
    from nbprojector.jobs import Cancelled

    source = DaskArraySource(vectors, rows_per_chunk=500)  # 24 blocks, 4 in flight at once
    seen = []

    def progress(message, fraction):
        seen.append(fraction)
        if len(seen) == 3:
            raise Cancelled("cancelled")

    with pytest.raises(Cancelled):
        streamed_pca(source, runner=ChunkRunner(dask_client, window=4), on_progress=progress)
    assert len(seen) == 3  # nothing reported after the stop
    assert_same_pca(streamed_pca(source, runner=ChunkRunner(dask_client)), pca(vectors))


@pytest.mark.parametrize("picked", [False, True])
def test_scores_on_kept_axes_are_the_pca_scores_in_one_pass(vectors, picked):
    """A PCA kept without its scores is scored again by one read of the rows."""
    rows = np.arange(0, len(vectors), 3) if picked else None
    source = BlockSource(vectors)
    runner = ChunkRunner(rows_per_chunk=2_000, use_dask=False)
    full = streamed_pca(source, rows, runner=runner)
    kept = type(full)(full.scores[:0], full.explained_variance_ratio, full.components, full.mean)
    passes: list[str] = []
    again = streamed_scores(source, rows, kept, runner=runner,
                            on_progress=lambda message, _: passes.append(message))  # fmt: skip
    expected = pca(vectors if rows is None else vectors[rows]).scores
    np.testing.assert_allclose(again.scores, expected, atol=2e-4 * np.abs(expected).max())
    np.testing.assert_allclose(again.scores, full.scores, atol=2e-4 * np.abs(expected).max())
    n = len(vectors) if rows is None else len(rows)
    blocks = -(-len(vectors) // 2_000)
    assert len(passes) == blocks and all("scores" in m for m in passes)  # one pass
    assert again.components is full.components and len(again.scores) == n
