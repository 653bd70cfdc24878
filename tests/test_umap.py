"""UMAP: parameters, determinism, quality, progress, cancellation.

The first UMAP call in a process compiles numba kernels (~10-30 s); the tests share one
process, so only the first test that fits pays it.
"""

from __future__ import annotations

import inspect
import itertools
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from sklearn.manifold import trustworthiness

from nbprojector.jobs import Cancelled
from nbprojector.projections.umap import (
    MISSING_MESSAGE,
    PARAMS,
    PCA_DIMS,
    PHASE_COMPILE,
    PHASE_LAYOUT,
    PHASE_LOAD_COMPILED,
    PHASE_NEIGHBOURS,
    UMAP_DEFAULTS,
    umap,
    umap_available,
)


@pytest.fixture
def needs_umap():
    pytest.importorskip("umap")


def test_same_seed_same_layout(needs_umap, digit_vectors):
    x = digit_vectors[:400]
    a = umap(x, seed=7, n_epochs=30)
    b = umap(x, seed=7, n_epochs=30)
    c = umap(x, seed=8, n_epochs=30)
    assert a.shape == (400, 2) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_without_a_seed_umap_runs_on_every_core(needs_umap, digit_vectors, monkeypatch):
    """No seed: umap-learn gets no random_state and every core (n_jobs=-1); a seed: one
    thread, and the same layout twice (checked above)."""
    import umap as umap_learn

    made = []
    original = umap_learn.UMAP.__init__

    def spy(self, *args, **kwargs):
        made.append(kwargs)
        original(self, *args, **kwargs)

    monkeypatch.setattr(umap_learn.UMAP, "__init__", spy)
    x = digit_vectors[:300]
    umap(x, n_epochs=10)
    umap(x, n_epochs=10, seed=3)
    assert (made[0]["random_state"], made[0]["n_jobs"]) == (None, -1)
    assert (made[1]["random_state"], made[1]["n_jobs"]) == (3, 1)
    assert UMAP_DEFAULTS["seed"] is None


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True, 2**32])
def test_a_bad_seed_is_refused(seed):
    with pytest.raises(ValueError, match=r"UMAP seed must be a whole number from 0 to 2\*\*32"):
        umap(np.zeros((30, 3), dtype=np.float32), n_neighbors=5, seed=seed)


def test_numba_cache_goes_to_a_user_folder_when_unset(needs_umap, tmp_path):
    """A fresh process without NUMBA_CACHE_DIR: the first UMAP points numba's cache at the
    user cache folder (writable even where site-packages is not), says it compiles, and fills
    the cache; a second process says it loads the compiled kernels, and is faster."""
    code = (
        "import os, sys, time, numpy as np\n"
        "from nbprojector.projections.umap import umap, user_numba_cache\n"
        "phases = []\n"
        "t = time.perf_counter()\n"
        "umap(np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32),"
        " n_neighbors=5, n_epochs=5, seed=0, on_progress=lambda m, f: phases.append(m))\n"
        "print(time.perf_counter() - t)\n"
        "print(os.environ['NUMBA_CACHE_DIR'] == str(user_numba_cache()))\n"
        "print(phases[0])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(XDG_CACHE_HOME=str(tmp_path), PYTHONPATH=os.pathsep.join(sys.path))

    def run() -> tuple[float, str, str]:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, timeout=600, check=True)  # fmt: skip
        seconds, same, phase = done.stdout.strip().splitlines()[-3:]
        return float(seconds), same, phase

    first = run()
    cached = list((tmp_path / "nbprojector" / "numba").rglob("*.nbi"))
    second = run()
    assert first[1:] == ("True", PHASE_COMPILE)
    assert second[1:] == ("True", PHASE_LOAD_COMPILED)
    assert any("umap" in str(path) for path in cached), cached


def test_trustworthiness_on_digits(needs_umap, digit_vectors):
    layout = umap(digit_vectors, seed=0)  # umap's default 500 epochs
    assert trustworthiness(digit_vectors, layout, n_neighbors=5) >= 0.95


def test_3d(needs_umap, digit_vectors):
    layout = umap(digit_vectors[:300], n_components=3, n_epochs=20, n_neighbors=10, min_dist=0.0)
    assert layout.shape == (300, 3) and np.isfinite(layout).all()


def test_progress_phases_and_epoch_fractions(needs_umap, digit_vectors):
    events: list[tuple[str, float | None]] = []
    umap(digit_vectors[:300], n_epochs=40, on_progress=lambda m, f: events.append((m, f)))
    messages = [m for m, _ in events if m not in (PHASE_COMPILE, PHASE_LOAD_COMPILED)]
    assert messages[0].startswith(PHASE_NEIGHBOURS)
    fractions = [f for m, f in events if m == PHASE_LAYOUT]
    assert len(fractions) == 41  # before each epoch, and once at the end
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    events.clear()
    umap(digit_vectors[:300], n_epochs=5, pca_dims=50,
         on_progress=lambda m, f: events.append((m, f)))  # fmt: skip
    messages = [m for m, _ in events if m not in (PHASE_COMPILE, PHASE_LOAD_COMPILED)]
    assert messages[0] == "reducing 64 to 50 dimensions with PCA"  # digits have 64
    assert messages[1].startswith(PHASE_NEIGHBOURS)


def test_cancel_stops_within_an_epoch(needs_umap, digit_vectors):
    asked_at = []

    def stop_after_a_few_epochs(message, fraction):
        if fraction is not None and fraction >= 0.05:
            asked_at.append(time.perf_counter())
            return True
        return None

    with pytest.raises(Cancelled):
        umap(digit_vectors[:600], n_epochs=500, on_progress=stop_after_a_few_epochs)
    assert len(asked_at) == 1
    assert time.perf_counter() - asked_at[0] < 0.5


def test_cancel_before_neighbours(needs_umap, digit_vectors):
    with pytest.raises(Cancelled):
        umap(digit_vectors, on_progress=lambda m, f: m.startswith(PHASE_NEIGHBOURS))


def test_frames_show_the_layout_as_it_forms(needs_umap, digit_vectors):
    x = digit_vectors[:400]
    frames: list[tuple[int, np.ndarray]] = []
    final = umap(x, seed=3, n_epochs=40, frame_every=5,
                 on_frame=lambda epoch, layout: frames.append((epoch, layout.copy())))  # fmt: skip
    assert [epoch for epoch, _ in frames] == list(range(0, 40, 5))
    assert all(f.shape == (400, 2) and f.dtype == np.float32 for _, f in frames)
    # The layout moves from frame to frame, towards the result.
    assert all(not np.array_equal(a, b) for (_, a), (_, b) in itertools.pairwise(frames))
    gaps = [np.abs(f - final).mean() for _, f in frames]
    assert gaps[-1] < gaps[0]
    # Frames do not change the result: the same seed without them gives the same layout.
    np.testing.assert_array_equal(final, umap(x, seed=3, n_epochs=40))


def test_a_frame_callback_can_cancel(needs_umap, digit_vectors):
    epochs: list[int] = []

    def stop_at_ten(epoch: int, layout: np.ndarray) -> bool:
        epochs.append(epoch)
        return epoch >= 10

    with pytest.raises(Cancelled, match="epoch 10"):
        umap(digit_vectors[:300], n_epochs=100, frame_every=5, on_frame=stop_at_ten)
    assert epochs == [0, 5, 10]


def test_epoch_hook_passes_through_outside_umap(needs_umap):
    import umap.layouts as layouts

    umap(np.random.default_rng(0).normal(size=(50, 4)), n_neighbors=5, n_epochs=5)  # installs
    bar = layouts.tqdm(range(3), disable=True)
    assert list(bar) == [0, 1, 2]
    assert not isinstance(bar, type(x for x in ()))  # a real tqdm, not our generator


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_neighbors": 30}, r"n_neighbors=30 is too large for 30 points \(k larger than N"),
        ({"n_neighbors": 1}, "n_neighbors must be between 2 and 200"),
        ({"n_neighbors": 2.5}, "n_neighbors must be a whole number"),
        ({"min_dist": 1.0}, "min_dist must be between 0 and 0.99"),
        ({"min_dist": -0.1}, "min_dist must be between 0 and 0.99"),
        ({"n_components": 1}, "n_components must be 2 or 3"),
        ({"n_epochs": 0}, "n_epochs must be a whole number >= 1"),
        ({"frame_every": 0}, "frame_every must be a whole number >= 1"),
        ({"frame_every": 2.5}, "frame_every must be a whole number >= 1"),
        ({"pca_dims": 1}, r"pca_dims must be a whole number >= n_components \(2\)"),
        ({"pca_dims": 10.5}, "pca_dims must be a whole number"),
        ({"pca_dims": True}, "pca_dims must be a whole number"),
    ],
)
def test_bad_parameters_have_clear_errors(kwargs, message):
    x = np.random.default_rng(0).normal(size=(30, 5)).astype(np.float32)
    with pytest.raises(ValueError, match=message):
        umap(x, **kwargs)


def test_n_neighbors_above_200_is_refused():
    x = np.zeros((500, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="between 2 and 200, got 201"):
        umap(x, n_neighbors=201)


def test_missing_extra_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "umap", None)  # makes `import umap` fail
    assert umap_available() is False
    with pytest.raises(ImportError, match=r"pip install 'nbprojector\[umap\]'"):
        umap(np.random.default_rng(0).normal(size=(30, 3)), n_neighbors=5)
    assert MISSING_MESSAGE == "UMAP needs the umap extra: pip install 'nbprojector[umap]'"


def test_available_here(needs_umap):
    assert umap_available() is True


def test_defaults_and_params_agree_with_the_signature():
    signature = inspect.signature(umap).parameters
    for name, value in UMAP_DEFAULTS.items():
        assert signature[name].default == value
    for spec in PARAMS:
        assert spec["default"] == UMAP_DEFAULTS[spec["name"]]
    neighbours = next(p for p in PARAMS if p["name"] == "n_neighbors")
    assert (neighbours["min"], neighbours["max"]) == (5, 50)  # the UI's range


def test_module_imports_without_umap():
    """Importing nbprojector (and making a Projector, which asks whether UMAP is
    available) must not import umap-learn: it takes seconds of numba start-up."""
    code = (
        "import sys, numpy as np\n"
        "from nbprojector import Projector\n"
        "p = Projector(np.eye(5, dtype=np.float32))\n"
        "assert p.methods['umap']['available'] in (True, False)\n"
        "print(sorted(m for m in sys.modules if m == 'umap' or m.startswith('umap.')))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120, check=True)  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


def _graph_input(monkeypatch) -> list[np.ndarray]:
    """Records the matrix umap-learn's fit is given (what its neighbour graph is built on)."""
    import umap as umap_learn

    seen: list[np.ndarray] = []
    original = umap_learn.UMAP.fit_transform

    def spy(self, x, *args, **kwargs):
        seen.append(np.array(x))
        return original(self, x, *args, **kwargs)

    monkeypatch.setattr(umap_learn.UMAP, "fit_transform", spy)
    return seen


def test_the_graph_is_built_on_the_top_50_principal_components(
    needs_umap, digit_vectors, monkeypatch
):
    """With pca_dims=50, above 50 dimensions umap-learn sees the first 50 PCA scores; by
    default (pca_dims=None) the vectors as they are; 50 dimensions or fewer are never
    reduced."""
    from nbprojector.projections.pca import pca

    seen = _graph_input(monkeypatch)
    x = digit_vectors[:300]  # 64 dimensions
    umap(x, n_epochs=5, seed=0, pca_dims=PCA_DIMS)
    umap(x, n_epochs=5, seed=0)
    umap(x[:, :50], n_epochs=5, seed=0, pca_dims=PCA_DIMS)
    umap(x, n_epochs=5, seed=0, pca_dims=20)
    assert PCA_DIMS == 50 and UMAP_DEFAULTS["pca_dims"] is None
    np.testing.assert_array_equal(seen[0], pca(x, 50).scores)
    np.testing.assert_array_equal(seen[1], x)
    np.testing.assert_array_equal(seen[2], x[:, :50])
    assert seen[3].shape == (300, 20)


def test_reduced_runs_stay_reproducible_and_report_their_pca(needs_umap, digit_vectors):
    x = digit_vectors[:400]
    fitted: list[tuple[object, object]] = []
    a = umap(x, seed=7, n_epochs=30, pca_dims=50,
             on_fitted=lambda model, reduced: fitted.append(reduced))  # fmt: skip
    b = umap(x, seed=7, n_epochs=30, pca_dims=50)
    np.testing.assert_array_equal(a, b)
    umap(x, seed=7, n_epochs=30, pca_dims=None,
         on_fitted=lambda model, reduced: fitted.append(reduced))  # fmt: skip
    assert fitted[0].components.shape == (50, 64) and fitted[1] is None
