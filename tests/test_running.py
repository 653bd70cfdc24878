"""Projections run from the widget: background jobs, streaming, cancel, stop, errors."""

from __future__ import annotations

import re
import threading

import numpy as np
import pytest

from nbprojector import Projector
from nbprojector.codec import decode_positions, position_step
from nbprojector.jobs import Cancelled
from nbprojector.projections import tsne as tsne_module
from nbprojector.projections.custom import NoMatchError


@pytest.fixture
def p(digits):
    words = np.array([f"digit {t}" for t in digits.target], dtype=object)
    return Projector(digits.data, {"digit": digits.target, "word": words})


def positions(p):
    return decode_positions(p._positions)


def test_tsne_streams_frames_and_returns_at_once(p):
    frames = []
    p.observe(lambda c: frames.append(positions(p)), names="_positions")
    job = p.project("tsne", n_iter=300, perplexity=20)
    assert not job.done  # the cell that started it returns while it works
    job.wait(timeout=120)
    assert len(frames) >= 3, "the view sees the layout as it forms"
    assert p.projection["method"] == "tsne" and p.projection["dims"] == 2
    assert p.projection["params"]["perplexity"] == 20
    assert p.coordinates.shape == (1797, 2)
    assert p.progress["state"] == "done"


def test_tsne_progress_line_counts_iterations_and_ends_in_words(p):
    messages = []
    p.observe(lambda c: messages.append(c["new"].get("message")), names="progress")
    p.project("tsne", n_iter=300, perplexity=20).wait(timeout=120)
    assert messages[0] == "starting t-SNE"
    steps = [m for m in messages if re.fullmatch(r"iteration \d+ / 300", m or "")]
    assert len(steps) >= 3 and "optimising layout" not in messages
    assert p.progress["message"] == "t-SNE done, 300 iterations"
    p.project("custom", left="digit 0", right="digit 1", column="word").wait(timeout=30)
    assert p.progress["message"] == "custom projection done"


def test_tsne_3d(p):
    p.project("tsne", dims=3, n_iter=30).wait(timeout=120)
    assert p.coordinates.shape == (1797, 3) and p.projection["dims"] == 3


def test_newer_request_cancels_older(p):
    pca_positions = positions(p)
    job = p.project("tsne", n_iter=5000)
    p.project("pca")
    assert job.state == "cancelled"
    with pytest.raises(Cancelled):
        job.wait(timeout=5)
    np.testing.assert_array_equal(positions(p), pca_positions)  # PCA back, exactly
    assert p.projection["method"] == "pca"


def test_cancel_restores_previous_layout(p):
    before = positions(p)
    seen = threading.Event()
    p.observe(lambda c: seen.set(), names="_positions")
    job = p.project("tsne", n_iter=5000)
    assert seen.wait(60), "no frame arrived"
    p.cancel_projection()
    assert job.state == "cancelled" and p.progress["state"] == "cancelled"
    np.testing.assert_array_equal(positions(p), before)
    assert p.projection["method"] == "pca"


def test_stop_keeps_the_layout_reached(p):
    reached = threading.Event()
    p.observe(lambda c: reached.set() if p.progress.get("iteration", 0) >= 20 else None,
              names="progress")  # fmt: skip
    p.project("tsne", n_iter=5000)
    assert reached.wait(60)
    p._on_page_message(p, {"id": 1, "kind": "cancel", "payload": {"keep": True}}, [])
    assert p.projection["method"] == "tsne" and p.projection["stopped_at"] >= 20
    assert p.progress["state"] == "done" and "stopped at" in p.progress["message"]
    reached = p._view.layouts[p.embedding].positions()
    np.testing.assert_allclose(positions(p), reached, atol=position_step(p._positions).max())


def test_stop_keeps_the_umap_layout_reached(p):
    pytest.importorskip("umap")
    reached = threading.Event()
    p.observe(lambda c: reached.set() if p.progress.get("iteration", 0) >= 20 else None,
              names="progress")  # fmt: skip
    p.project("umap", n_neighbors=10, seed=1)
    assert reached.wait(300)  # the process's first UMAP compiles numba's kernels first
    p._on_page_message(p, {"id": 1, "kind": "cancel", "payload": {"keep": True}}, [])
    assert p.projection["method"] == "umap" and p.projection["stopped_at"] >= 20
    assert p.progress["state"] == "done" and "stopped at epoch" in p.progress["message"]
    reached = p._view.layouts[p.embedding].positions()
    np.testing.assert_allclose(positions(p), reached, atol=position_step(p._positions).max())


def test_pause_and_resume_requests(p):
    p.send = lambda *a, **k: None
    job = p.project("tsne", n_iter=5000)
    p._on_page_message(p, {"id": 1, "kind": "pause", "payload": {}}, [])
    assert job.state == "paused" and p.progress["state"] == "paused"
    p._on_page_message(p, {"id": 2, "kind": "resume", "payload": {}}, [])
    assert job.state == "running"
    p.cancel_projection()


def test_parameter_errors_raise_at_once(p):
    with pytest.raises(ValueError, match="perplexity 900 is too large for 1797 points"):
        p.project("tsne", perplexity=900)
    with pytest.raises(ValueError, match="unknown parameter"):
        p.project("tsne", bogus=1)
    with pytest.raises(ValueError, match="k larger than N"):
        p.project("umap", n_neighbors=5000)
    with pytest.raises(NoMatchError, match="Right"):
        p.project("custom", left="digit 1", right="nothing like this", column="word")
    with pytest.raises(ValueError, match="invalid regular expression"):
        p.project("custom", left="([", right="x", regex=True, column="word")
    with pytest.raises(ValueError, match="empty query"):
        p.project("custom", left="", right="digit 2", column="word")
    assert p.projection["method"] == "pca"  # nothing changed


def test_failed_run_reports_and_restores(p, monkeypatch):
    before = positions(p)

    def broken(*args, **kwargs):
        raise RuntimeError("the optimiser exploded")

    monkeypatch.setattr(tsne_module, "tsne", broken)
    job = p.project("tsne")
    with pytest.raises(RuntimeError, match="exploded"):
        job.wait(timeout=10)
    assert p.progress["state"] == "failed" and "exploded" in p.progress["error"]
    np.testing.assert_array_equal(positions(p), before)


def test_custom_axes_equal_centroid_difference(p, digits):
    p.project("custom", left="digit 0", right="digit 1", down="digit 2", up="digit 3",
              column="word").wait(timeout=30)  # fmt: skip
    x = digits.data.astype(np.float32)
    axis = x[digits.target == 1].mean(0) - x[digits.target == 0].mean(0)
    expected = (x - x.mean(0)) @ (axis / np.linalg.norm(axis))
    np.testing.assert_allclose(p.coordinates[:, 0], expected, rtol=1e-3, atol=1e-3)
    assert p.projection["counts"] == {"Left": 178, "Right": 182, "Down": 177, "Up": 183}
    reply = []
    p.send = lambda content, buffers=None: reply.append(content)
    p._on_page_message(p, {"id": 1, "kind": "count", "payload": {"query": "digit [01]",
                                                                  "regex": True, "column": "word"}},
                       [])  # fmt: skip
    assert reply[-1]["result"] == {"count": 360, "of": 1797}


def test_umap_from_the_widget(p):
    pytest.importorskip("umap")
    messages = []
    p.observe(lambda c: messages.append(c["new"].get("message")), names="progress")
    frames = []
    p.observe(lambda c: frames.append(positions(p)), names="_positions")
    p.project("umap", n_neighbors=10, seed=1).wait(timeout=300)
    assert p.projection["method"] == "umap" and p.coordinates.shape == (1797, 2)
    # The view sees the layout as it forms (500 epochs at this size, a frame every few), and
    # the line counts the epochs to their total.
    assert len(frames) >= 3
    steps = [re.fullmatch(r"epoch (\d+) / 500", m or "") for m in messages]
    epochs = [int(step.group(1)) for step in steps if step]
    assert len(epochs) >= 3 and epochs == sorted(epochs), "the line never counts backwards"
    assert p.progress["message"] == "UMAP done, 500 epochs"
    # Seeded: reproducible, and nothing says otherwise.
    assert p.projection["reproducible"] is True and "note" not in p.projection
    assert "note" not in p.progress


def test_umap_without_a_seed_says_it_is_not_reproducible(p):
    pytest.importorskip("umap")
    from nbprojector.projections.umap import NOT_REPRODUCIBLE

    notes = []
    p.observe(lambda c: notes.append(c["new"].get("note")), names="progress")
    p.project("umap", n_neighbors=10).wait(timeout=300)
    assert p.projection["params"]["seed"] is None
    assert p.projection["reproducible"] is False
    assert p.projection["note"] == NOT_REPRODUCIBLE
    # From the first progress line to the last, while it runs and when it is done.
    assert notes and all(note == NOT_REPRODUCIBLE for note in notes)
    assert p.progress["state"] == "done" and p.progress["note"] == NOT_REPRODUCIBLE


def test_methods_offered(p):
    assert p.methods["umap"]["available"] is True
    assert p.methods["tsne"]["defaults"]["perplexity"] == 30


def test_without_the_umap_extra_the_panel_says_how_to_install(digits, monkeypatch):
    from nbprojector.projections import umap as umap_module

    monkeypatch.setattr(umap_module, "umap_available", lambda: False)
    p = Projector(digits.data[:100])
    assert p.methods["umap"]["available"] is False
    assert "pip install 'nbprojector[umap]'" in p.methods["umap"]["message"]
    with pytest.raises(ImportError, match=r"nbprojector\[umap\]"):
        p.project("umap")


def vocabulary(n: int = 2000, d: int = 32):
    """Word vectors where "worst" and "best" lie far from the cluster around "good"."""
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(n, d)).astype(np.float32)
    words = np.array([f"w{i}" for i in range(n)], dtype=object)
    words[:3] = ["good", "worst", "best"]
    vectors[0] += 8.0  # "good" and its close family sit in one corner
    vectors[3:150] = vectors[0] + rng.normal(scale=0.3, size=(147, d))
    vectors[1] -= 6.0
    vectors[2] += np.linspace(-6, 6, d, dtype=np.float32)
    return vectors, words


def test_readme_custom_axes_after_isolating_words_outside_the_neighbourhood():
    vectors, words = vocabulary()
    p = Projector(vectors, {"word": words})
    neighbours = p.neighbors("good", k=100)["index"]
    assert not {1, 2} & set(neighbours.tolist())  # "worst" and "best" are not among them
    p.isolate(neighbours)
    p.project("custom", left="worst", right="best", column="word").wait(timeout=30)

    rows = p.isolated
    assert p.projection["method"] == "custom" and p.projection["points"] == len(rows) == 100
    assert p.projection["counts"] == {"Left": 1, "Right": 1}
    # The axis comes from all points; the isolated points are laid out on it.
    x = vectors.astype(np.float64)
    axis = x[2] - x[1]
    expected = (x[rows] - x.mean(0)) @ (axis / np.linalg.norm(axis))
    np.testing.assert_allclose(p.coordinates[rows, 0], expected, rtol=1e-3, atol=1e-3)
    shown = positions(p)[rows]
    assert np.isfinite(shown).all() and np.abs(shown).max() == pytest.approx(1.0)

    # Custom first, then isolating: the layout stays custom, on the same axes.
    p.show_all()
    assert p.projection["method"] == "custom" and p.projection["points"] == len(vectors)
    p.isolate(neighbours)
    assert p.projection["method"] == "custom" and p.projection["points"] == 100
    np.testing.assert_allclose(p.coordinates[rows, 0], expected, rtol=1e-3, atol=1e-3)


def test_custom_counts_search_every_point_while_isolated():
    vectors, words = vocabulary()
    p = Projector(vectors, {"word": words})
    p.isolate(p.neighbors("good", k=100)["index"])
    reply = []
    p.send = lambda content, buffers=None: reply.append(content)
    p._on_page_message(p, {"id": 1, "kind": "count", "payload": {"query": "worst",
                                                                  "column": "word"}}, [])
    assert reply[-1]["result"] == {"count": 1, "of": 2000}


def test_rapid_requests_never_wait_for_the_old_run(p, monkeypatch):
    """Thirty requests in a row return at once, even while the running t-SNE is in code
    that cannot be interrupted (as openTSNE's neighbour search is); afterwards at most one
    superseded run still computes beside the newest."""
    import time

    release = threading.Event()

    def stubborn(vectors, *, should_stop, **kwargs):
        release.wait(10)  # no cancellation point in here
        should_stop()
        return np.zeros((len(vectors), 2), np.float32)

    monkeypatch.setattr(tsne_module, "tsne", stubborn)
    before = {t for t in threading.enumerate() if t.name.startswith("nbprojector-job-")}
    started = time.monotonic()
    for i in range(30):
        params = {"n_iter": 5000, "seed": i}
        content = {"id": i, "kind": "project", "payload": {"method": "tsne", "params": params}}
        p._on_page_message(p, content, [])
    elapsed = time.monotonic() - started
    alive = {t for t in threading.enumerate() if t.name.startswith("nbprojector-job-")}
    release.set()
    assert elapsed < 3.0, f"30 requests took {elapsed:.1f} s"
    assert len(alive - before) <= 2
    p.cancel_projection()
