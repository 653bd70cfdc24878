"""A Lance source whose drawn sample is larger than its first part: the first frame shows the
PCA fitted on the first part (the other drawn points hidden), then the other drawn rows are
read in the background and placed on the same axes, then the exact PCA replaces it. NaN rows
read late, Stop, "Show these", another embedding and the first part's choice."""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import orthogonal_procrustes

pytest.importorskip("lance")

from test_exact_pca_after_sample import (
    BUDGET,
    D,
    N,
    _max_angle_deg,
    _open,
    _vectors,
    _write,
    gate,  # noqa: F401  # the fixture
    lance,
    pa,
)

from nbprojector import Projector, draw_budget
from nbprojector.chunk_runner import ChunkRunner
from nbprojector.codec import decode_positions
from nbprojector.compute import LocalCompute
from nbprojector.jobs import Cancelled
from nbprojector.projections.pca import pca
from nbprojector.sources import SourceError
from nbprojector.sources.lance import LanceSource
from nbprojector.widget import drawn_fill, exact_pca

FIRST = 100  # the first part of the 400 drawn points
BLOCK = 100  # the other 300 drawn rows are read in three blocks


@pytest.fixture(autouse=True)
def small_first_part(monkeypatch):
    monkeypatch.setattr(draw_budget, "FIRST_PART_POINTS", FIRST)
    monkeypatch.setattr(drawn_fill, "BLOCK_ROWS", BLOCK)


def _visible(p: Projector) -> np.ndarray:
    flags = np.frombuffer(p._visible, np.uint8)
    return np.ones(len(p.drawn), bool) if len(flags) == 0 else flags.astype(bool)


def _first_axes_scores(x: np.ndarray, first: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``rows`` projected on the axes of the PCA fitted on ``first``."""
    fitted = pca(x[first], 3)
    return (x[rows] - fitted.mean) @ fitted.components.T


def _filled_views(p: Projector) -> list[tuple[dict, np.ndarray, np.ndarray]]:
    """(record, coordinates, positions sent) of each layout shown with every drawn point
    placed on the first part's axes, as it is shown."""
    seen: list[tuple[dict, np.ndarray, np.ndarray]] = []

    def on_projection(change):
        if change["new"].get("filled") is True and change["new"].get("exact") is False:
            layout = p._view.layouts[p.embedding]
            seen.append((dict(change["new"]), layout.coords.copy(),
                         decode_positions(p._positions)))  # fmt: skip

    p.observe(on_projection, "projection")
    return seen


def test_the_first_part_then_every_drawn_point_then_the_exact_pca(tmp_path, gate):  # noqa: F811
    opened, reads = gate
    x = _vectors()
    p = _open(_write(x, tmp_path / "v.lance"))
    lines: list[str] = []
    p.observe(lambda change: lines.append(change["new"].get("message", "")), "progress")
    filled = _filled_views(p)
    drawn = p.drawn
    assert len(drawn) == BUDGET
    # First frame: the PCA of the first part only; the other drawn points are hidden.
    record = p.projection
    assert record["exact"] is False and record["filled"] is False
    assert record["fitted"] == FIRST and record["drawn"] == BUDGET and record["placed"] == FIRST
    assert record["note"] == (f"PCA fitted on {FIRST} of the {BUDGET} drawn points; the "
                              "others are shown once read")  # fmt: skip
    assert p.progress["message"] == f"reading the drawn points: {FIRST} of {BUDGET}"
    coords = p._view.layouts[p.embedding].coords
    first = np.flatnonzero(np.isfinite(coords).all(axis=1))
    assert len(first) == FIRST and np.isin(first, drawn).all()
    np.testing.assert_array_equal(first, draw_budget.first_part(drawn, FIRST))
    assert np.array_equal(_visible(p), np.isin(drawn, first))
    np.testing.assert_allclose(coords[first], pca(x[first], 3).scores, atol=1e-4)
    assert reads == []  # nothing read behind the first frame yet

    opened.set()
    final = p.coordinates  # waits for the other drawn points, then for the exact pass
    assert [f"reading the drawn points: {k} of {BUDGET}" for k in (200, 300, 400)] == [
        line for line in lines if line.startswith("reading the drawn points")][-3:]
    assert len(filled) == 1
    record, placed, positions = filled[0]
    assert record["placed"] == BUDGET and record["points"] == BUDGET
    assert record["note"] == (f"PCA fitted on {FIRST} of the {BUDGET} drawn points, all of "
                              "them placed")  # fmt: skip
    # Every drawn point placed, on the first part's axes (no refit: the first part stays).
    assert np.isfinite(placed[drawn]).all()
    assert np.isnan(np.delete(placed, drawn, axis=0)).all()
    expected = _first_axes_scores(x, first, drawn)
    np.testing.assert_allclose(placed[drawn], expected, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(placed[first], coords[first])
    assert len(positions) == BUDGET and np.isfinite(positions).all()
    # Then the exact PCA over every point replaces it.
    assert _max_angle_deg(final, pca(x, 3).scores) < 1e-3
    assert p.projection["exact"] is True and _visible(p).all()
    assert p.progress["state"] == "done"


def test_nan_in_a_drawn_row_read_late_fails_and_the_first_part_stays(tmp_path):
    x = _vectors()
    drawn = Projector(x, max_points=BUDGET).drawn  # the same seeded sample
    late = np.setdiff1d(drawn, draw_budget.first_part(drawn, FIRST))
    bad = late[[40, 250]]
    x[bad, 3] = np.nan
    p = _open(_write(x, tmp_path / "nan.lance"))
    shown = bytes(p._positions)
    with pytest.raises(SourceError) as err:
        p.coordinates  # noqa: B018
    message = str(err.value)
    assert "nan.lance" in message and "drop or impute those rows" in message
    assert f"NaN or infinite values in 2 rows, the first at row {bad[0]}" in message
    assert p.progress["state"] == "failed" and p.progress["error"] == message
    assert p.projection["filled"] is False and bytes(p._positions) == shown


def test_stop_while_reading_keeps_the_first_part(tmp_path, gate):  # noqa: F811
    opened, reads = gate
    x = _vectors()
    p = _open(_write(x, tmp_path / "v.lance"))
    shown = bytes(p._positions)
    p._projections.handle_cancel({"keep": True}, [])  # the page's Stop
    opened.set()
    stopped = f"stopped reading the drawn points: {FIRST} of {BUDGET} placed"
    assert p.progress["state"] == "cancelled" and p.progress["message"] == stopped
    # The record no longer promises the others.
    assert p.projection["note"] == f"PCA fitted on {FIRST} of the {BUDGET} drawn points; {stopped}"
    coords = p.coordinates  # nothing runs: the first part's coordinates only
    assert np.isfinite(coords).all(axis=1).sum() == FIRST
    assert p.projection["filled"] is False and bytes(p._positions) == shown
    time.sleep(0.5)
    assert len(reads) <= 2  # the calibration rows and at most the block being read
    # Running the PCA again reads them again.
    p._projections.rerun()
    assert p.progress["message"] == f"reading the drawn points: {FIRST} of {BUDGET}"
    assert _max_angle_deg(p.coordinates, pca(x, 3).scores) < 1e-3


def test_the_page_pca_after_a_stop_places_every_point(tmp_path, gate):  # noqa: F811
    opened, _ = gate
    x = _vectors()
    p = _open(_write(x, tmp_path / "v.lance"))
    p._projections.handle_cancel({"keep": True}, [])
    opened.set()
    p._projections.handle_project({"method": "pca", "params": {}}, [])  # the PCA button
    p._projections._runner.current.wait(60)
    assert _visible(p).all() and np.isfinite(p.coordinates).all()


@pytest.fixture
def late_gate(monkeypatch, tmp_path):
    """Like ``gate``, but the first ``allowed[0]`` reads off the main thread go through (the
    calibration rows and the three blocks of the other drawn points): the exact pass
    after them waits."""
    opened = threading.Event()
    reads: list[int] = []
    allowed = [4]
    original = LanceSource.take
    mine = str(tmp_path)

    def gated(self, rows):
        if threading.current_thread() is not threading.main_thread() and mine in self.uri:
            reads.append(len(rows))
            if len(reads) > allowed[0]:
                assert opened.wait(60), "the test never opened the gate"
        return original(self, rows)

    monkeypatch.setattr(LanceSource, "take", gated)
    yield opened, reads
    opened.set()


def _blocked_on_done(monkeypatch):
    """The placing job's on_done held (where it makes the filled record) until released."""
    entered, release = threading.Event(), threading.Event()
    made = drawn_fill.filled_description

    def held(*args):
        entered.set()
        assert release.wait(60)
        return made(*args)

    monkeypatch.setattr(drawn_fill, "filled_description", held)
    return entered, release


def _wait_until(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_projection_started_as_the_reading_ends_is_not_superseded_by_the_exact_pass(
        tmp_path, gate, monkeypatch):  # noqa: F811
    opened, _ = gate
    entered, release = _blocked_on_done(monkeypatch)
    x = _vectors()
    p = _open(_write(x, tmp_path / "v.lance"))
    runner = p._projections._runner
    fill = runner.current
    opened.set()
    assert entered.wait(60)
    newer: list = []
    user = threading.Thread(target=lambda: newer.append(
        p._projections.project("pca", {"components": (1, 2)}, wait=False)))
    user.start()  # swaps, then waits for the held on_done to cancel the reading
    _wait_until(lambda: runner.current is not fill)
    release.set()
    user.join(60)
    assert newer[0].wait(60) is not None  # done, not cancelled by a stale exact pass
    assert runner.current is newer[0]
    assert p.projection["dims"] == 2 and "fitted" not in p.projection
    np.testing.assert_allclose(np.abs(p.coordinates), np.abs(pca(x, 2).scores), atol=1e-3)


def test_closing_as_the_reading_ends_starts_no_exact_pass(tmp_path, late_gate, monkeypatch):
    opened, reads = late_gate
    entered, release = _blocked_on_done(monkeypatch)
    p = _open(_write(_vectors(), tmp_path / "v.lance"))
    runner = p._projections._runner
    fill = runner.current
    p._projections.first_frame_drawn()
    assert entered.wait(60)
    closer = threading.Thread(target=p.close)
    closer.start()
    _wait_until(lambda: runner._closed)
    release.set()
    closer.join(60)
    fill.wait(60)
    opened.set()
    time.sleep(0.5)
    assert runner.current is fill and len(reads) == 4  # no read of an exact pass


def test_a_reading_that_ends_at_once_is_still_waited_for(tmp_path, late_gate, monkeypatch):
    """The placing of the drawn points registers as what the first layout waits for before
    it can end (and register the exact pass after it)."""
    opened, _ = late_gate
    monkeypatch.setattr(exact_pca, "START_WITHOUT_PAGE", 0.0)  # reads at once
    watch = exact_pca.PendingExact.watch

    def slow_from_the_main_thread(self, job, sample):
        if threading.current_thread() is threading.main_thread():
            time.sleep(1.0)  # the reading ends meanwhile
        watch(self, job, sample)

    monkeypatch.setattr(exact_pca.PendingExact, "watch", slow_from_the_main_thread)
    x = _vectors()
    p = _open(_write(x, tmp_path / "v.lance"))
    threading.Timer(0.5, opened.set).start()
    coords = p.coordinates  # waits for the exact pass
    assert p.projection["exact"] is True and np.isfinite(coords).all()
    assert _max_angle_deg(coords, pca(x, 3).scores) < 1e-3


def test_without_a_page_the_wait_is_once():
    """Once the time without a page has passed, the exact pass after the reading does not
    wait again."""

    class Context:
        def check(self):
            pass

    start = threading.Event()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(exact_pca, "START_WITHOUT_PAGE", 0.1)
        began = time.monotonic()
        exact_pca.wait_for_start(Context(), start)
        assert start.is_set() and time.monotonic() - began >= 0.1
        began = time.monotonic()
        exact_pca.wait_for_start(Context(), start)
        assert time.monotonic() - began < 0.05


def test_show_these_after_every_drawn_point_is_placed_places_only_the_new_ones(
        tmp_path, late_gate):
    opened, _ = late_gate
    x = _vectors()
    p = _open(_write(x, tmp_path / "v.lance"))
    first = draw_budget.first_part(p.drawn, FIRST)
    p._projections.first_frame_drawn()
    _wait_until(lambda: p.projection.get("filled") is True)  # the exact pass waits
    exact_job = p._projections._runner.current
    before = p._view.layouts[p.embedding].coords.copy()
    undrawn = np.setdiff1d(np.arange(N), p.drawn)[:5]
    p.show_points(undrawn)
    drawn = p.drawn
    assert _visible(p).all()  # nothing hidden meanwhile
    record = p.projection
    assert record["filled"] is True and record["drawn"] == len(drawn) == record["placed"]
    coords = p._view.layouts[p.embedding].coords
    kept = np.intersect1d(drawn, np.setdiff1d(drawn, undrawn))
    np.testing.assert_array_equal(coords[kept], before[kept])  # the others did not move
    np.testing.assert_allclose(coords[drawn], _first_axes_scores(x, first, drawn),
                               rtol=1e-5, atol=1e-4)  # fmt: skip
    assert p._projections._runner.current is exact_job and exact_job.state == "running"
    opened.set()
    assert _max_angle_deg(p.coordinates, pca(x, 3).scores) < 1e-3
    assert p.projection["exact"] is True


def test_the_filled_record_counts_the_points_drawn_now():
    first = drawn_fill.first_description(
        exact_pca.sample_description({"method": "pca"}, FIRST, N), 400)
    filled = drawn_fill.filled_description(first, 405)
    assert filled["drawn"] == filled["placed"] == filled["points"] == 405
    assert filled["note"] == f"PCA fitted on {FIRST} of the 405 drawn points, all of them placed"


def test_show_these_while_reading_starts_again_from_the_new_drawn_set(tmp_path, gate):  # noqa: F811
    opened, _ = gate
    x = _vectors()
    p = _open(_write(x, tmp_path / "v.lance"))
    filled = _filled_views(p)
    undrawn = np.setdiff1d(np.arange(N), p.drawn)[:5]
    p.show_points(undrawn)  # while the first reading waits at the gate
    drawn = p.drawn
    assert np.isin(undrawn, drawn).all() and p.projection["filled"] is False
    first = draw_budget.first_part(drawn, FIRST)
    coords = p._view.layouts[p.embedding].coords
    assert np.array_equal(np.flatnonzero(np.isfinite(coords).all(axis=1)), first)
    opened.set()
    assert _max_angle_deg(p.coordinates, pca(x, 3).scores) < 1e-3
    # One filled layout only, of the new drawn set: the superseded reading showed nothing.
    assert len(filled) == 1
    placed = filled[0][1]
    assert np.isfinite(placed[drawn]).all()
    np.testing.assert_allclose(placed[drawn], _first_axes_scores(x, first, drawn),
                               rtol=1e-5, atol=1e-4)  # fmt: skip


def test_another_embedding_while_reading_then_back(tmp_path, gate):  # noqa: F811
    """An in-memory embedding shown while the disk one reads: its reading ends in the
    background and is kept, not shown; shown again, its exact pass starts."""
    opened, _ = gate
    x = _vectors()
    runner = ChunkRunner(rows_per_chunk=200, use_dask=False)
    p = Projector({"disk": _write(x, tmp_path / "a.lance"), "memory": x * 2},
                  max_points=BUDGET, compute=LocalCompute(runner))  # fmt: skip
    assert p.projection["filled"] is False
    p.embedding = "memory"
    shown = bytes(p._positions)
    opened.set()
    job = p._projections._runner.current
    job.wait(60)
    assert p.embedding == "memory" and bytes(p._positions) == shown
    assert "fitted" not in p.projection
    kept = p._view.layouts["disk"]
    assert kept.description["filled"] is True and np.isfinite(kept.coords[p.drawn]).all()
    p.embedding = "disk"
    assert p.projection["filled"] is True and p.projection["exact"] is False
    assert _max_angle_deg(p.coordinates, pca(x, 3).scores) < 1e-3


def test_aligned_to_the_embedding_before_the_points_read_late_are_aligned_too(tmp_path, gate):  # noqa: F811
    """With a finished layout shown before, the first part's layout is aligned to it; the
    points placed later get the same rotation and scale, so the whole is one rigid map of
    the scores on the first part's axes."""
    opened, _ = gate
    x = _vectors()
    p = Projector({"memory": x, "disk": _write(x[:, ::-1].copy(), tmp_path / "a.lance")},
                  max_points=BUDGET)  # fmt: skip
    filled = _filled_views(p)
    p.embedding = "disk"
    assert "aligned_to" in p.projection and p.projection["filled"] is False
    first = draw_budget.first_part(p.drawn, FIRST)
    opened.set()
    p.coordinates  # noqa: B018
    placed = filled[0][1][p.drawn]
    raw = _first_axes_scores(x[:, ::-1], first, p.drawn)
    a, b = raw - raw.mean(axis=0), placed - placed.mean(axis=0)
    rotation, _ = orthogonal_procrustes(a, b)
    scale = np.linalg.norm(b) / np.linalg.norm(a)
    np.testing.assert_allclose(a @ rotation * scale, b, atol=1e-4 * np.abs(b).max())


def test_first_part_is_a_deterministic_subset_stable_when_points_are_swapped_in():
    drawn = draw_budget.sample(50_000, 5_000)
    first = draw_budget.first_part(drawn, 500)
    assert len(first) == 500 and np.isin(first, drawn).all() and np.all(np.diff(first) > 0)
    np.testing.assert_array_equal(first, draw_budget.first_part(drawn.copy(), 500))
    assert draw_budget.first_part(drawn, 5_000) is None
    swapped = draw_budget.swap_in(drawn, np.setdiff1d(np.arange(50_000), drawn)[:20], 5_000)
    again = draw_budget.first_part(swapped, 500)
    assert len(np.setdiff1d(first, again)) <= 20  # only the swapped points change it
    # Stratified: every category keeps its share of the first part.
    strata = pd.Series(np.repeat(["a", "b", "c"], [40_000, 9_000, 1_000]))
    drawn = draw_budget.sample(50_000, 5_000, strata)
    first = draw_budget.first_part(drawn, 500, strata.iloc[drawn])
    assert np.isin(first, drawn).all()
    shares = strata.iloc[first].value_counts().sort_index().to_numpy()
    assert np.abs(shares - [400, 90, 10]).max() <= 1  # each rounded to its share


def test_in_memory_sources_are_fitted_on_every_drawn_point():
    p = Projector(_vectors(), max_points=BUDGET)
    assert "fitted" not in p.projection and p.progress.get("state") != "running"


def test_isolating_while_reading_leaves_no_stale_layout(tmp_path, monkeypatch):
    """The reading waits for the page's first frame, which this test gives after isolating
    (the isolated PCA reads its rows meanwhile)."""
    monkeypatch.setattr(exact_pca, "START_WITHOUT_PAGE", 60.0)
    x = _vectors()
    p = _open(_write(x, tmp_path / "v.lance"))
    filled = _filled_views(p)
    chosen = p.drawn[:50]
    p.isolate(chosen)  # a PCA of those 50 points, waited for; the reading is superseded
    shown, record = bytes(p._positions), dict(p.projection)
    assert record["points"] == 50 and "filled" not in record
    p._requests.handle({"id": 0, "kind": "labels", "payload": {}}, [])  # the page drew
    time.sleep(1.0)  # time enough for a reading that went on to show its layout
    assert filled == [] and bytes(p._positions) == shown and p.projection == record
    np.testing.assert_allclose(p.coordinates[chosen], pca(x[chosen], 3).scores,
                               atol=1e-4)  # fmt: skip


def test_points_hidden_while_reading_are_not_isolated(tmp_path, monkeypatch):
    """The page says "isolated" from ``isolated_count``: the drawn points hidden until they
    are read are not isolated (nothing for "Show all" to show); the points the user isolates
    are, with their count, until every point is shown again."""
    monkeypatch.setattr(exact_pca, "START_WITHOUT_PAGE", 60.0)  # the reading waits
    p = _open(_write(_vectors(), tmp_path / "v.lance"))
    assert not _visible(p).all() and p.isolated is None  # hidden, not isolated
    assert p.isolated_count is None
    p.isolate(p.drawn[:50])
    assert p.isolated_count == 50
    p.show_all()
    assert p.isolated is None and p.isolated_count is None


def test_a_bookmark_made_and_restored_while_reading(tmp_path, gate):  # noqa: F811
    """A bookmark made while the other drawn points are read keeps the points placed (the
    first part) with their coordinates; restored, it stops the reading and stays."""
    opened, _ = gate
    p = _open(_write(_vectors(), tmp_path / "v.lance"))
    filled = _filled_views(p)
    first = draw_budget.first_part(p.drawn, FIRST)
    p.add_bookmark("opened")
    p.restore_bookmark("opened")  # stops the reading; the bookmark's view is shown
    assert np.array_equal(p.drawn, first) and np.isfinite(p.coordinates[first]).all()
    shown, record = bytes(p._positions), dict(p.projection)
    assert p.progress["state"] == "cancelled"
    opened.set()
    time.sleep(1.0)
    assert filled == [] and bytes(p._positions) == shown and p.projection == record


def test_closing_the_widget_while_reading_stops_the_reading(tmp_path, gate):  # noqa: F811
    opened, reads = gate
    p = _open(_write(_vectors(), tmp_path / "v.lance"))
    job = p._projections._runner.current
    progress, record = dict(p.progress), dict(p.projection)
    p.close()
    # Nothing put back nor said for a page about to go.
    assert p.progress == progress and p.projection == record
    opened.set()
    with pytest.raises(Cancelled):
        job.wait(60)
    time.sleep(0.5)  # time enough for a reading (or an exact pass after it) to go on
    assert len(reads) <= 2  # the calibration rows and at most one block


def test_the_first_part_is_stratified_like_the_drawn_sample(tmp_path, gate):  # noqa: F811
    """Coloured by a column, the drawn sample keeps each category's share; so does the
    first part the first frame is fitted on, a small category included."""
    x = _vectors()
    kind = np.where(np.arange(N) % 20 == 0, "rare", "common")
    table = pa.table({"vector": pa.FixedSizeListArray.from_arrays(pa.array(x.reshape(-1)), D),
                      "kind": kind})  # fmt: skip
    lance.write_dataset(table, tmp_path / "k.lance")
    runner = ChunkRunner(rows_per_chunk=200, use_dask=False)
    p = Projector(str(tmp_path / "k.lance"), color_by="kind", max_points=BUDGET,
                  compute=LocalCompute(runner))  # fmt: skip
    first = np.flatnonzero(np.isfinite(p._view.layouts[p.embedding].coords).all(axis=1))
    strata = p.metadata["kind"]
    np.testing.assert_array_equal(first, draw_budget.first_part(p.drawn, FIRST,
                                                                strata.iloc[p.drawn]))
    rare = int((strata.iloc[first] == "rare").sum())
    assert abs(rare - FIRST // 20) <= 1  # its 5% share, rounded (one each, then shares)
