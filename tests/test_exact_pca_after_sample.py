"""A Lance source above the draw budget: the PCA fitted on the drawn points is drawn at once,
the exact PCA over every row runs in the background and replaces it; NaN rows among the
undrawn ones fail that exact pass (in the widget and in Python), the sample stays; the exact
pass can be cancelled; in-memory matrices are not touched by any of it."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from scipy.linalg import subspace_angles

pa = pytest.importorskip("pyarrow")
lance = pytest.importorskip("lance")

from nbprojector import Projector  # noqa: E402
from nbprojector.chunk_runner import ChunkRunner  # noqa: E402
from nbprojector.codec import decode_positions  # noqa: E402
from nbprojector.compute import LocalCompute  # noqa: E402
from nbprojector.projections.pca import pca  # noqa: E402
from nbprojector.sources import SourceError  # noqa: E402
from nbprojector.sources.lance import LanceSource  # noqa: E402
from nbprojector.widget import exact_pca  # noqa: E402

N, D, BUDGET = 3_000, 16, 400
BLOCK_ROWS = 200  # the exact pass reads 15 blocks, twice


def _open(path: str, **options) -> Projector:
    runner = ChunkRunner(rows_per_chunk=BLOCK_ROWS, use_dask=False)
    return Projector(path, max_points=BUDGET, compute=LocalCompute(runner), **options)


def _vectors() -> np.ndarray:
    """Clustered vectors whose drawn sample has other axes than the whole (so the sample's
    layout and the exact one differ)."""
    rng = np.random.default_rng(7)
    centres = rng.normal(0, 4, (6, D))
    return (centres[rng.integers(0, 6, N)] + rng.normal(0, 1, (N, D))).astype(np.float32)


def _write(x: np.ndarray, path) -> str:
    table = pa.table({"vector": pa.FixedSizeListArray.from_arrays(pa.array(x.reshape(-1)), D),
                      "n": np.arange(len(x))})  # fmt: skip
    lance.write_dataset(table, path, max_rows_per_file=700)
    return str(path)


@pytest.fixture
def gate(monkeypatch, tmp_path):
    """Reads off the kernel's main thread (the background exact pass) of this test's
    sources wait until the event is set; the main thread (the drawn sample) reads at once.
    Other sources (an earlier test's widget may still be reading its own) are left alone."""
    opened = threading.Event()
    reads: list[int] = []
    original = LanceSource.take
    mine = str(tmp_path)

    def gated(self, rows):
        if threading.current_thread() is not threading.main_thread() and mine in self.uri:
            assert opened.wait(60), "the test never opened the gate"
            reads.append(len(rows))
        return original(self, rows)

    monkeypatch.setattr(LanceSource, "take", gated)
    yield opened, reads
    opened.set()


def _max_angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.degrees(subspace_angles(a.astype(np.float64), b.astype(np.float64)).max()))


def _per_axis_correlation(a: np.ndarray, b: np.ndarray) -> float:
    return min(abs(np.corrcoef(a[:, i], b[:, i])[0, 1]) for i in range(a.shape[1]))


def test_the_drawn_sample_is_drawn_first_then_the_exact_pca_replaces_it(tmp_path, gate):
    opened, reads = gate
    x = _vectors()
    p = _open(_write(x, tmp_path / "v.lance"))
    lines: list[str] = []
    p.observe(lambda change: lines.append(change["new"].get("message", "")), "progress")
    # Shown now, while the exact pass waits at the gate: the PCA of the drawn rows.
    drawn = p.drawn
    record = p.projection
    assert record["method"] == "pca" and record["exact"] is False
    assert record["fitted"] == BUDGET == len(drawn)
    assert record["note"] == f"PCA fitted on the {BUDGET} drawn points"
    running = f"{record['note']}; exact PCA over all {N:,} running"
    assert p.progress["state"] == "running" and p.progress["message"].startswith(running)
    sample_positions = decode_positions(p._positions)
    assert len(sample_positions) == BUDGET and np.isfinite(sample_positions).all()
    fitted = pca(x[drawn], 3).scores
    assert _per_axis_correlation(sample_positions, fitted) > 0.999
    assert reads == []  # no row of the exact pass was read yet

    opened.set()
    coords = p.coordinates  # waits for the exact pass
    blocks = N // BLOCK_ROWS
    assert len(reads) == 1 + 2 * blocks  # the shift's first rows, then every row twice
    assert f"{running}: covariance, 3 of {blocks} chunks" in lines
    assert f"{running}: scores, {blocks} of {blocks} chunks" in lines
    exact = pca(x, 3).scores
    assert coords.shape == (N, 3) and np.isfinite(coords).all()
    assert _max_angle_deg(coords, exact) < 1e-3
    np.testing.assert_allclose(coords, exact, atol=1e-3 * np.abs(exact).max())
    record = p.projection
    assert record["exact"] is True and record["points"] == N
    assert record["note"] == f"PCA over all {N:,} points (exact)"
    assert p.progress["state"] == "done" and p.progress["message"] == record["note"]
    exact_positions = decode_positions(p._positions)
    assert _per_axis_correlation(exact_positions, exact[drawn]) > 0.999
    assert not np.allclose(exact_positions, sample_positions, atol=1e-3)  # it was redrawn


def test_nan_rows_among_the_undrawn_fail_the_exact_pass_and_the_sample_stays(tmp_path):
    x = _vectors()
    probe = Projector(x, max_points=BUDGET)  # the same seeded sample as the Lance source's
    undrawn = np.setdiff1d(np.arange(N), probe.drawn)
    bad = undrawn[[10, 50, 51]]
    x[bad, 2] = np.nan
    p = _open(_write(x, tmp_path / "nan.lance"))
    assert np.array_equal(p.drawn, probe.drawn)
    shown = bytes(p._positions)
    with pytest.raises(SourceError) as err:
        p.coordinates  # noqa: B018
    message = str(err.value)
    assert "nan.lance" in message
    assert f"NaN or infinite values in 3 rows, the first at row {bad[0]}" in message
    assert "drop or impute those rows" in message
    # The widget shows the same error where projection errors show; nothing else changed.
    assert p.progress["state"] == "failed" and p.progress["error"] == message
    assert p.projection["exact"] is False and bytes(p._positions) == shown
    with pytest.raises(SourceError, match="3 rows"):
        p.coordinates  # noqa: B018  # the same answer every time it is asked


def test_nan_rows_among_the_drawn_fail_at_once(tmp_path):
    x = _vectors()
    probe = Projector(x, max_points=BUDGET)
    x[probe.drawn[5], 0] = np.inf
    with pytest.raises(SourceError, match=f"in 1 row, the first at row {probe.drawn[5]}"):
        _open(_write(x, tmp_path / "inf.lance"))


def test_the_exact_pass_can_be_cancelled_and_the_sample_stays(tmp_path, gate):
    opened, reads = gate
    x = _vectors()
    p = _open(_write(x, tmp_path / "v.lance"))
    shown = bytes(p._positions)
    p.cancel_projection()
    opened.set()
    assert p.progress["state"] == "cancelled"
    coords = p.coordinates  # no wait: nothing runs; the drawn points' coordinates only
    drawn = p.drawn
    assert np.isfinite(coords[drawn]).all()
    assert np.isnan(np.delete(coords, drawn, axis=0)).all()
    assert p.projection["exact"] is False and bytes(p._positions) == shown
    time.sleep(0.5)  # time enough for a pass that went on to read several more blocks
    assert len(reads) <= 2  # the shift's rows and the block being read when it stopped


def test_every_point_drawn_gives_the_exact_pca_at_once(tmp_path, gate):
    _, reads = gate
    x = _vectors()
    runner = ChunkRunner(rows_per_chunk=BLOCK_ROWS, use_dask=False)
    p = Projector(_write(x, tmp_path / "v.lance"), max_points=N, compute=LocalCompute(runner))
    assert "exact" not in p.projection and p.projection["points"] == N
    assert p.progress.get("state") != "running" and reads == []  # no background pass
    assert _max_angle_deg(p.coordinates, pca(x, 3).scores) < 1e-3


def test_in_memory_matrices_keep_their_pca_at_once():
    x = _vectors()
    p = Projector(x, max_points=BUDGET)
    assert "exact" not in p.projection and "fitted" not in p.projection
    assert p.progress.get("state") != "running"
    np.testing.assert_array_equal(p.coordinates, pca(x, 3).scores)


def test_other_components_of_the_exact_pca_need_one_more_pass_not_two(tmp_path, gate):
    """The exact PCA keeps its axes, not every point's ten scores (the layout holds the
    ones shown): other components are scored by one more read of the rows."""
    opened, reads = gate
    x = _vectors()
    p = _open(_write(x, tmp_path / "v.lance"))
    opened.set()
    p.coordinates  # noqa: B018  # the exact PCA is done
    reads.clear()
    p.project("pca", components=(2, 4))
    assert len(reads) == N // BLOCK_ROWS  # the scores pass alone
    expected = pca(x, 4).scores[:, [1, 3]]
    np.testing.assert_allclose(p.coordinates, expected, atol=1e-3 * np.abs(expected).max())


@pytest.mark.parametrize("kind", ["parquet", "zarr", "dask"])
def test_other_sources_find_nan_rows_among_the_undrawn_in_the_exact_pass(tmp_path, kind):
    x = _vectors()
    probe = Projector(x, max_points=BUDGET)
    bad = np.setdiff1d(np.arange(N), probe.drawn)[[3, 4]]
    x[bad, 0] = np.inf
    if kind == "parquet":
        import pyarrow.parquet as pq

        emb: object = tmp_path / "v.parquet"
        vectors = pa.FixedSizeListArray.from_arrays(pa.array(x.reshape(-1)), D)
        pq.write_table(pa.table({"vector": vectors}), emb, row_group_size=500)
    elif kind == "zarr":
        zarr = pytest.importorskip("zarr")
        emb = zarr.create_array(tmp_path / "v.zarr", shape=x.shape, dtype="float32",
                                chunks=(500, D))  # fmt: skip
        emb[:] = x  # type: ignore[index]
    else:
        da = pytest.importorskip("dask.array")
        emb = da.from_array(x, chunks=(500, D))
    p = Projector(emb, max_points=BUDGET)  # the drawn rows are finite: it opens
    assert p.projection["exact"] is False
    with pytest.raises(SourceError, match=f"in 2 rows, the first at row {bad[0]}"):
        p.coordinates  # noqa: B018
    assert p.progress["state"] == "failed"


def test_the_exact_pass_starts_reading_once_the_page_has_drawn(tmp_path, monkeypatch):
    """Reading every row beside the page's first frame would slow that frame: the exact
    pass waits for the page to say it drew (its request for the labels)."""
    monkeypatch.setattr(exact_pca, "START_WITHOUT_PAGE", 60.0)
    reads: list[int] = []
    original = LanceSource.take

    def counted(self, rows):
        # This test's source only: an earlier test's widget may still be reading its own.
        if threading.current_thread() is not threading.main_thread() and mine in self.uri:
            reads.append(len(rows))
        return original(self, rows)

    monkeypatch.setattr(LanceSource, "take", counted)
    mine = str(tmp_path / "v.lance")
    p = _open(_write(_vectors(), tmp_path / "v.lance"))
    time.sleep(1.0)
    assert reads == [] and p.progress["state"] == "running"  # waiting for the page
    p._requests.handle({"id": 0, "kind": "labels", "payload": {}}, [])  # the page drew
    deadline = time.monotonic() + 60
    while p.progress["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert p.progress["state"] == "done" and p.projection["exact"] is True
    assert len(reads) == 1 + 2 * (N // BLOCK_ROWS)


def test_with_no_page_the_exact_pass_starts_after_a_while(tmp_path, monkeypatch):
    monkeypatch.setattr(exact_pca, "START_WITHOUT_PAGE", 0.5)
    p = _open(_write(_vectors(), tmp_path / "v.lance"))
    deadline = time.monotonic() + 60
    while p.progress["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert p.progress["state"] == "done" and p.projection["exact"] is True


def _wait_done(p: Projector) -> None:
    deadline = time.monotonic() + 60
    while p.progress["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)


def test_switching_embeddings_during_the_exact_pass_finishes_both(tmp_path, gate):
    """Showing a second source stops the first one's exact pass; its sample is neither
    aligned to (it has no place for the undrawn points) nor left for good: shown again, its
    exact pass starts again."""
    opened, _ = gate
    x = _vectors()
    y = x @ np.random.default_rng(3).normal(size=(D, D)).astype(np.float32)
    runner = ChunkRunner(rows_per_chunk=BLOCK_ROWS, use_dask=False)
    p = Projector({"a": _write(x, tmp_path / "a.lance"), "b": _write(y, tmp_path / "b.lance")},
                  max_points=BUDGET, compute=LocalCompute(runner))  # fmt: skip
    assert p.projection["exact"] is False
    p.embedding = "b"  # a's exact pass is superseded while it waits at the gate
    opened.set()
    exact_b = pca(y, 3).scores
    assert _max_angle_deg(p.coordinates, exact_b) < 1e-3
    assert p.projection["exact"] is True and "aligned_to" not in p.projection
    p.embedding = "a"  # its sample again: the exact pass runs again
    assert p.projection["exact"] is False
    assert _max_angle_deg(p.coordinates, pca(x, 3).scores) < 1e-3
    assert p.projection["exact"] is True


def test_an_in_memory_embedding_beside_a_sample_is_shown(tmp_path, gate):
    x = _vectors()
    runner = ChunkRunner(rows_per_chunk=BLOCK_ROWS, use_dask=False)
    p = Projector({"disk": _write(x, tmp_path / "a.lance"), "memory": x * 2},
                  max_points=BUDGET, compute=LocalCompute(runner))  # fmt: skip
    p.embedding = "memory"  # was: aligning to the sample's NaN rows raised here
    assert p.embedding == "memory" and np.isfinite(p.coordinates).all()


def test_show_these_during_the_exact_pass_fits_the_drawn_points_again(tmp_path, gate):
    """Drawing more points while the sample is shown fits the sample again (one read of the
    drawn rows) and restarts the exact pass, rather than a blocking exact PCA."""
    opened, reads = gate
    p = _open(_write(_vectors(), tmp_path / "v.lance"))
    undrawn = np.setdiff1d(np.arange(N), p.drawn)[:5]
    p.show_points(undrawn)  # returns while the exact pass still waits at the gate
    assert reads == [] and p.projection["exact"] is False  # no exact PCA waited for
    assert p.projection["fitted"] == BUDGET  # swapped in for other drawn points
    assert np.isin(undrawn, p.drawn).all()
    assert len(decode_positions(p._positions)) == BUDGET
    opened.set()
    assert np.isfinite(p.coordinates).all() and p.projection["exact"] is True


def test_reading_coordinates_from_the_exact_pass_own_thread_does_not_wait_for_itself(tmp_path):
    p = _open(_write(_vectors(), tmp_path / "v.lance"))
    seen: list[bool] = []

    def on_progress(change):
        if change["new"].get("state") == "running" and not seen:
            seen.append(bool(np.isnan(p.coordinates).any()))  # the sample's, at once

    p.observe(on_progress, "progress")
    p._requests.handle({"id": 0, "kind": "labels", "payload": {}}, [])  # the page drew
    _wait_done(p)
    assert p.progress["state"] == "done" and seen == [True]


def test_nan_rows_met_while_placing_points_are_named(tmp_path):
    """A t-SNE started before the exact pass found the NaN rows fits on the drawn points
    and meets them while placing the others: the error names the source and the row."""
    x = _vectors()
    probe = Projector(x, max_points=BUDGET)
    bad = np.setdiff1d(np.arange(N), probe.drawn)[7]
    x[bad, 0] = np.nan
    p = _open(_write(x, tmp_path / "nan.lance"))
    job = p.project("tsne", n_iter=250, seed=0)  # supersedes the exact pass
    with pytest.raises(SourceError) as err:
        job.wait()
    assert "nan.lance" in str(err.value) and f"in row {bad}" in str(err.value)
    assert "drop or impute" in str(err.value)


def test_a_pca_the_page_asks_for_runs_in_the_background_and_its_stop_is_answered(
        tmp_path, gate):  # fmt: skip
    """From the page, a PCA over a source outside memory is passes over the whole source:
    the request is answered at once and the run goes on in the background, so the kernel
    answers the page meanwhile, and its Stop stops the run. (Python's p.project waits.)"""
    opened, _ = gate
    p = _open(_write(_vectors(), tmp_path / "v.lance"))
    p.cancel_projection()  # the opening's exact pass
    shown = bytes(p._positions)
    replied = threading.Event()

    def ask() -> None:
        p._projections.handle_project({"method": "pca", "params": {"components": [2, 3]}}, [])
        replied.set()

    threading.Thread(target=ask, daemon=True).start()
    assert replied.wait(15), "the page's request waited for the whole pass"
    assert p.progress["state"] == "running"  # its reads wait at the gate
    assert p._projections.handle_cancel({}, [])["state"] == "cancelled"
    opened.set()
    assert p.progress["state"] == "cancelled" and bytes(p._positions) == shown
