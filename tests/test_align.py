"""Aligned layouts across embeddings: orthogonal Procrustes for PCA and custom layouts,
t-SNE / UMAP started from the previous layout, the toggle and the projection record."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy.stats import ortho_group

from nbprojector import Projector
from nbprojector.align import initial_layout, procrustes_align
from nbprojector.projections import tsne as tsne_module
from nbprojector.projections import umap as umap_module


def rotation(d: int, seed: int, reflect: bool = False) -> np.ndarray:
    q = ortho_group.rvs(d, random_state=seed)
    if (np.linalg.det(q) < 0) != reflect:
        q[:, 0] = -q[:, 0]
    return q


# ---------------------------------------------------------------- the pure maths


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("reflect", [False, True])
def test_procrustes_undoes_rotation_reflection_scale_and_shift(dims, reflect):
    rng = np.random.default_rng(dims)
    reference = rng.normal(size=(500, dims))
    moved = 3.7 * reference @ rotation(dims, 1, reflect) + rng.normal(size=dims) * 5
    np.testing.assert_allclose(procrustes_align(moved, reference), reference, atol=1e-5)


def test_procrustes_keeps_the_shape_of_what_it_moves():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 2)), rng.normal(size=(300, 2))
    aligned = procrustes_align(a, b).astype(np.float64)
    da = np.linalg.norm(a[:, None] - a[None], axis=-1)
    dal = np.linalg.norm(aligned[:, None] - aligned[None], axis=-1)
    ratio = dal[da > 0] / da[da > 0]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-5)  # one scale for every distance


def test_procrustes_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"shape \(5, 2\) to one of shape \(5, 3\)"):
        procrustes_align(np.zeros((5, 2)), np.zeros((5, 3)))
    bad = np.ones((4, 2))
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        procrustes_align(bad, np.ones((4, 2)))
    # No spread: only shifted onto the reference's centre, never divided by zero.
    out = procrustes_align(np.ones((4, 2)), np.arange(8.0).reshape(4, 2))
    np.testing.assert_allclose(out, np.tile([3.0, 4.0], (4, 1)))


def test_initial_layout_refuses_what_cannot_start_a_run():
    assert initial_layout(np.zeros((10, 2)), 2) is None  # no spread
    assert initial_layout(np.random.default_rng(0).normal(size=(10, 3)), 2) is None
    start = initial_layout(np.random.default_rng(0).normal(size=(10, 2)), 2)
    assert start is not None and start.shape == (10, 2)


# ---------------------------------------------------------------- the widget


@pytest.fixture
def rotated(digit_vectors):
    x = np.asarray(digit_vectors[:400], dtype=np.float64)
    return {
        "original": x.astype(np.float32),
        "rotated": (x @ rotation(64, 3, reflect=True) * 2.5).astype(np.float32),
        # Another rotation of the same points, plus noise: what a further checkpoint is like.
        "noisy": ((x + np.random.default_rng(1).normal(0, 2.0, x.shape)) @ rotation(64, 4)
                  ).astype(np.float32),
    }


def test_aligned_pca_of_a_rotated_copy_matches_the_original(rotated):
    p = Projector(rotated, {"i": np.arange(400)})
    original = p.coordinates
    p.embedding = "rotated"
    assert p.projection["aligned_to"] == "original"
    np.testing.assert_allclose(p.coordinates, original, atol=1e-4 * np.abs(original).max())
    # Unaligned, PCA's arbitrary signs (and the scale) show: the layout is not the same.
    p.align_embeddings = False
    assert "aligned_to" not in p.projection
    assert np.abs(p.coordinates - original).max() > 1.0


def test_aligned_switching_moves_points_less(rotated):
    def movement(align: bool) -> float:
        p = Projector(rotated, {"i": np.arange(400)})
        p.align_embeddings = align
        p.project("pca", components=(1, 2))
        before = p._view.layouts["original"].positions()
        p.embedding = "noisy"
        p.project("pca", components=(1, 2))
        return float(np.linalg.norm(p._view.layouts["noisy"].positions() - before, axis=1).mean())

    assert movement(True) < 0.5 * movement(False)


def test_toggle_recomputes_and_forgets_other_layouts(rotated):
    p = Projector(rotated, {"i": np.arange(400)})
    p.embedding = "rotated"
    p.embedding = "noisy"
    assert p.projection["aligned_to"] == "rotated"
    assert set(p._view.layouts) == {"original", "rotated", "noisy"}
    p.align_embeddings = False
    assert set(p._view.layouts) == {"noisy"}
    p.embedding = "original"
    assert "aligned_to" not in p.projection
    p.align_embeddings = True  # the previous one (noisy, unaligned) is the reference now
    assert p.projection["aligned_to"] == "noisy"


def test_first_embedding_and_isolation_have_nothing_to_align_to(rotated):
    p = Projector(rotated, {"i": np.arange(400)})
    assert "aligned_to" not in p.projection
    p.embedding = "rotated"
    p.isolate(np.arange(100))
    assert "aligned_to" not in p.projection  # the reference was a layout of other points


def test_tsne_starts_from_the_previous_layout(rotated, monkeypatch):
    seen = {}
    real = tsne_module.tsne

    def spy(vectors, **kwargs):
        seen["initial"] = kwargs.get("initial")
        return real(vectors, **kwargs)

    monkeypatch.setattr(tsne_module, "tsne", spy)
    p = Projector(rotated, {"i": np.arange(400)})
    p.project("pca", components=(1, 2))
    previous = p.coordinates
    p.embedding = "noisy"
    p.project("tsne", n_iter=20, perplexity=10).wait()
    np.testing.assert_array_equal(seen["initial"], previous)
    assert p.projection["aligned_to"] == "original"
    p.align_embeddings = False
    p.project("tsne", n_iter=20, perplexity=10).wait()
    assert seen["initial"] is None
    assert "aligned_to" not in p.projection


def test_tsne_first_frame_is_the_given_start_scaled():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 10)).astype(np.float32)
    start = rng.normal(size=(200, 2)) * 7
    frames = []
    tsne_module.tsne(x, n_iter=10, perplexity=10, initial=start,
                     on_frame=lambda i, e: frames.append(np.array(e)))  # fmt: skip
    first = frames[0]
    np.testing.assert_allclose(first / first[:, 0].std(), start / start[:, 0].std(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"initial layout must have shape \(200, 2\)"):
        tsne_module.tsne(x, n_iter=10, perplexity=10, initial=start[:10])


@pytest.mark.skipif(not umap_module.umap_available(), reason="needs the umap extra")
def test_umap_starts_from_the_given_layout():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(150, 8)).astype(np.float32)
    start = rng.normal(size=(150, 2))
    frames = []
    umap_module.umap(x, n_epochs=10, initial=start,
                     on_frame=lambda e, layout: frames.append(np.array(layout)))  # fmt: skip
    lo, hi = start.min(axis=0), start.max(axis=0)
    np.testing.assert_allclose(frames[0], 10 * (start - lo) / (hi - lo), atol=1e-4)
    with pytest.raises(ValueError, match=r"UMAP initial layout must be finite with shape"):
        umap_module.umap(x, n_epochs=10, initial=start[:, :1])


def test_play_embeddings_steps_through_in_order(rotated):
    p = Projector(rotated, {"i": np.arange(400)})
    seen = []
    p.observe(lambda change: seen.append(change["new"]), "embedding")
    playback = p.play_embeddings(["rotated", "noisy", "original"], seconds=0.05)
    assert playback.wait(30)
    assert seen == ["rotated", "noisy", "original"] == playback.shown
    assert p.embedding == "original"
    # Each new layout was aligned to the one shown before it; the first keeps its own.
    assert p._view.layouts["rotated"].description["aligned_to"] == "original"
    assert p._view.layouts["noisy"].description["aligned_to"] == "rotated"
    assert "aligned_to" not in p.projection


def test_play_embeddings_stops_and_checks_its_arguments(rotated):
    p = Projector(rotated, {"i": np.arange(400)})
    playback = p.play_embeddings(seconds=60)
    assert not playback.wait(0.5)
    playback.stop()
    assert playback.wait(5) and playback.shown == ["original"]
    with pytest.raises(ValueError, match=r"unknown embedding \['epoch 9'\].*choose from"):
        p.play_embeddings(["original", "epoch 9"])
    with pytest.raises(ValueError, match="seconds must be more than 0"):
        p.play_embeddings(seconds=0)
    with pytest.raises(ValueError, match="seconds must be more than 0"):
        p.play_embeddings(seconds=float("nan"))
    with pytest.raises(TypeError, match="the string 'noisy'"):
        p.play_embeddings("noisy")
    with pytest.raises(ValueError, match="names is empty"):
        p.play_embeddings([])


@pytest.mark.skipif(not umap_module.umap_available(), reason="needs the umap extra")
def test_umap_starts_from_the_previous_layout(rotated, monkeypatch):
    seen = {}

    def spy(vectors, **kwargs):  # what the widget asks of umap-learn, without running it
        seen["initial"] = kwargs.get("initial")
        return np.asarray(vectors[:, :2], dtype=np.float32)

    monkeypatch.setattr(umap_module, "umap", spy)
    p = Projector(rotated, {"i": np.arange(400)})
    p.project("pca", components=(1, 2))
    previous = p.coordinates
    p.embedding = "noisy"
    p.project("umap", n_neighbors=10).wait()
    np.testing.assert_array_equal(seen["initial"], previous)
    assert p.projection["aligned_to"] == "original"
    p.embedding = "original"  # its own layout is kept: nothing to start from
    p.embedding = "noisy"
    p.project("umap", dims=3, n_neighbors=10).wait()  # the previous layout is 2D
    assert seen["initial"] is None and "aligned_to" not in p.projection


def test_custom_layout_is_aligned_to_the_previous(rotated):
    labels = {"name": [f"{'odd' if i % 2 else 'even'} {i % 7}" for i in range(400)]}
    p = Projector(rotated, labels)
    p.project("custom", left="odd", right="even", down="1", up="5").wait(30)
    previous = p.coordinates
    p.embedding = "noisy"
    p.project("custom", left="odd", right="even", down="1", up="5").wait(30)
    assert p.projection["aligned_to"] == "original"
    aligned = p.coordinates
    p.align_embeddings = False  # the same custom layout, recomputed unaligned (in the background)
    deadline = time.monotonic() + 30
    while "aligned_to" in p.projection and time.monotonic() < deadline:
        time.sleep(0.05)
    assert p.projection["method"] == "custom" and "aligned_to" not in p.projection
    np.testing.assert_allclose(aligned, procrustes_align(p.coordinates, previous), atol=1e-4)


def test_switching_from_a_2d_layout_gives_an_aligned_2d_layout(rotated):
    p = Projector(rotated, {"i": np.arange(400)})
    p.project("pca", components=(1, 2))
    previous = p.coordinates
    p.embedding = "rotated"
    assert p.projection["dims"] == 2 and p.projection["aligned_to"] == "original"
    np.testing.assert_allclose(p.coordinates, previous, atol=1e-4 * np.abs(previous).max())
    p.align_embeddings = False
    p.embedding = "noisy"  # unaligned: the first layout is the usual 3D PCA
    assert p.projection["dims"] == 3
