"""t-SNE on every point, animated and cancellable, with openTSNE.

Why openTSNE's lower-level API rather than ``openTSNE.TSNE``/sklearn: we need the layout while
it optimises (the view animates it) and a way to stop. ``TSNEEmbedding.optimize`` takes
callbacks that see the live embedding every few iterations and stop the run by returning True;
we run its two phases ourselves (early exaggeration, then the normal phase) and keep one
iteration counter across both.

Gradient ("auto"): openTSNE's FFT interpolation in 2D from 10,000 points on (measured 2x faster
than Barnes-Hut at 10k, and the only one that scales to 100k+), Barnes-Hut below that (FFT has a
per-iteration floor: sklearn's digits, 1797 points, take ~20 s with FFT against ~5 s with
Barnes-Hut on the 2-core machine; openTSNE's own "auto" uses the same threshold). openTSNE's FFT
gradient is 1D/2D only, so 3D always uses Barnes-Hut.

Steps and what can be interrupted:

1. PCA to 50 dimensions when D > 50 (:func:`~nbprojector.projections.pca.pca`), as openTSNE
   and every t-SNE guide recommend; it also gives the initial layout (PCA init, as openTSNE).
   ``pca_dims=None`` opts out (the neighbours are then searched in all D dimensions).
2. Affinities: approximate nearest neighbours (Annoy, seeded; exact below 1000 points) and
   perplexity calibration. Annoy builds ``ANNOY_TREES`` trees instead of openTSNE's 50:
   measured on 50,000 x 768 reduced to 50, a third less CPU time for the neighbour search
   at 99.0% recall of the exact 90 neighbours (50 trees: 99.9%). Not interruptible;
   ``on_progress`` / ``on_frame(0, ...)`` are checked right before and after it.
3. Optimisation: ``should_stop`` is polled every iteration (free), ``on_frame`` every
   ``frame_every`` iterations; either stops the run promptly and :class:`Cancelled` is raised.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from ..jobs import Cancelled
from .pca import PCAResult, pca

#: From this many points on, 2D t-SNE uses the FFT gradient (openTSNE's own threshold).
FFT_MIN_POINTS = 10_000

#: Dimensions kept by the PCA step before t-SNE.
PCA_DIMS = 50

#: Annoy trees for the neighbour search (openTSNE builds 50; see the module docstring).
ANNOY_TREES = 30

#: Below this many points the neighbours are exact (openTSNE's own threshold).
EXACT_NEIGHBOURS_BELOW = 1_000

#: Early-exaggeration length: a third of the iterations, at most openTSNE's 250.
EARLY_EXAGGERATION_MAX_ITER = 250
EARLY_EXAGGERATION = 12.0

TSNE_DEFAULTS: dict[str, Any] = {
    "n_components": 2,
    "perplexity": 30.0,
    "learning_rate": "auto",
    "n_iter": 750,
    "seed": 0,
    "pca_dims": PCA_DIMS,
}

#: Parameters a UI renders. ``min``/``max`` are the UI's range (what TensorBoard offers, widened
#: where it was too narrow); Python callers may go beyond it within :func:`tsne`'s validation.
PARAMS: list[dict[str, Any]] = [
    {"name": "n_components", "label": "Dimensions", "type": "choice", "default": 2,
     "choices": [2, 3]},
    {"name": "perplexity", "label": "Perplexity", "type": "float", "default": 30.0,
     "min": 2.0, "max": 100.0, "step": 1.0,
     "help": "about how many neighbours each point attends to; must be < (N - 1) / 3"},
    {"name": "learning_rate", "label": "Learning rate", "type": "float_or_auto",
     "default": "auto", "min": 1.0, "max": 10000.0, "scale": "log",
     "help": "'auto' uses N / exaggeration (Belkina et al. 2019)"},
    {"name": "n_iter", "label": "Iterations", "type": "int", "default": 750,
     "min": 10, "max": 5000, "step": 50},
    {"name": "seed", "label": "Seed", "type": "int", "default": 0, "min": 0,
     "max": 2**31 - 1},
]  # fmt: skip

FrameCallback = Callable[[int, np.ndarray], "bool | None"]
ProgressCallback = Callable[[str, "float | None"], "bool | None"]


# The optimisation phase's progress message (the widget shows it as "iteration 340 / 750").
PHASE_LAYOUT = "optimising layout"

def max_perplexity(n_points: int) -> float:
    """The exclusive upper bound on perplexity for ``n_points``: (N - 1) / 3.

    openTSNE looks at 3 x perplexity neighbours per point, and a point has only N - 1.
    """
    return (n_points - 1) / 3.0


def validate_params(
    n_points: int,
    *,
    n_components: int = 2,
    perplexity: float = 30.0,
    learning_rate: float | str = "auto",
    n_iter: int = 750,
    frame_every: int = 10,
    pca_dims: int | None = PCA_DIMS,
) -> None:
    """Raise ``ValueError`` with a message a user can act on if a parameter is out of range."""
    if n_components not in (2, 3):
        raise ValueError(f"t-SNE n_components must be 2 or 3, got {n_components!r}")
    bound = max_perplexity(n_points)
    if isinstance(perplexity, bool) or not isinstance(perplexity, (int, float)):
        raise ValueError(f"t-SNE perplexity must be a number, got {perplexity!r}")
    if not perplexity > 0:
        raise ValueError(f"t-SNE perplexity must be > 0, got {perplexity}")
    if not perplexity < bound:
        hint = (
            f"use a perplexity below {bound:.4g}" if bound > 0 else "t-SNE needs at least 2 points"
        )
        raise ValueError(
            f"t-SNE perplexity {perplexity:g} is too large for {n_points} points: it must be "
            f"below (N - 1) / 3 = {bound:.4g}; {hint} (or project more points)"
        )
    if isinstance(learning_rate, str):
        if learning_rate != "auto":
            raise ValueError(
                f"t-SNE learning_rate must be 'auto' or a positive number, got {learning_rate!r}"
            )
    elif isinstance(learning_rate, bool) or not learning_rate > 0:
        raise ValueError(
            f"t-SNE learning_rate must be 'auto' or a positive number, got {learning_rate!r}"
        )
    if isinstance(n_iter, bool) or int(n_iter) != n_iter or n_iter < 1:
        raise ValueError(f"t-SNE n_iter must be a whole number >= 1, got {n_iter!r}")
    if isinstance(frame_every, bool) or int(frame_every) != frame_every or frame_every < 1:
        raise ValueError(f"t-SNE frame_every must be a whole number >= 1, got {frame_every!r}")
    whole = isinstance(pca_dims, (int, np.integer)) and not isinstance(pca_dims, bool)
    if pca_dims is not None and not (whole and pca_dims >= n_components):
        raise ValueError(
            f"t-SNE pca_dims must be a whole number >= n_components ({n_components}), or None "
            f"to search neighbours in all dimensions; got {pca_dims!r}"
        )


def _n_threads() -> int:
    """CPUs this process may use (cgroup/affinity aware where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _initial_layout(scores: np.ndarray, n_components: int, seed: int | None) -> np.ndarray:
    """PCA initialisation as openTSNE does it: leading PCA scores scaled to std 1e-4, plus a
    little seeded jitter so that duplicate points do not coincide."""
    from openTSNE import initialization

    rng = np.random.RandomState(seed)
    init = np.array(scores[:, :n_components], dtype=np.float64)
    if init.shape[1] < n_components:
        # Fewer input dimensions than output ones (D = 2, 3D t-SNE): random extra columns.
        extra = rng.normal(0.0, 1.0, (init.shape[0], n_components - init.shape[1]))
        init = np.hstack([init, extra * (init.std() or 1.0)])
    if not np.std(init[:, 0]) > 0:
        # All points identical along PCA-1 (constant data): start from noise instead.
        init = rng.normal(0.0, 1.0, init.shape)
    initialization.rescale(init, inplace=True, target_std=1e-4)
    initialization.jitter(init, inplace=True, scale=0.01, random_state=rng)
    return np.ascontiguousarray(init)


def _scaled_start(initial: np.ndarray, n: int, n_components: int) -> np.ndarray:
    """A given starting layout, checked, scaled as a whole to openTSNE's starting spread."""
    from openTSNE import initialization

    start = np.array(initial, dtype=np.float64)
    if start.shape != (n, n_components):
        raise ValueError(
            f"t-SNE initial layout must have shape ({n}, {n_components}), got {start.shape}"
        )
    if not np.isfinite(start).all() or not np.std(start[:, 0]) > 0:
        raise ValueError("t-SNE initial layout must be finite and spread out along its first axis")
    initialization.rescale(start, inplace=True, target_std=1e-4)
    return np.ascontiguousarray(start)


def tsne(
    vectors: np.ndarray,
    *,
    n_components: int = 2,
    perplexity: float = 30.0,
    learning_rate: float | str = "auto",
    n_iter: int = 750,
    seed: int | None = 0,
    on_frame: FrameCallback | None = None,
    frame_every: int = 10,
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    gradient: Literal["auto", "fft", "bh"] = "auto",
    n_jobs: int | None = None,
    initial: np.ndarray | None = None,
    on_fitted: Callable[[Any, PCAResult | None], None] | None = None,
    pca_dims: int | None = PCA_DIMS,
) -> np.ndarray:
    """Compute a t-SNE layout of every row of ``vectors``.

    Args:
        vectors: (N, D) float matrix.
        n_components: 2 or 3 (3D always uses the Barnes-Hut gradient).
        perplexity: effective number of neighbours; 0 < perplexity < (N - 1) / 3.
        learning_rate: "auto" (N / exaggeration, per phase) or a positive number.
        n_iter: total iterations; the first third (at most 250) is early exaggeration.
        seed: seeds the neighbour index, the initial jitter and the optimiser; the same seed and
            data give the same layout. ``None``: a different layout each run.
        on_frame: ``on_frame(iteration, embedding)`` is called with iteration 0 (the initial
            layout, right after the affinities) and then every ``frame_every`` iterations;
            ``iteration`` counts across both phases. ``embedding`` is openTSNE's live (N, k)
            float64 buffer: copy it to keep it. Returning True stops the run.
        frame_every: iterations between two ``on_frame`` calls (each also costs one evaluation
            of the KL divergence, so keep it >= 10 on big data).
        on_progress: ``on_progress(message, fraction)`` for the phases ("reducing to 50
            dimensions with PCA", "computing affinities ...", "optimising layout" with the
            fraction of iterations done, at each frame). Returning True stops the run.
        should_stop: polled before every iteration; returning True stops the run within one
            iteration (use it for cancellation; ``on_frame`` only runs every ``frame_every``).
        gradient: "fft" (2D only), "bh" (Barnes-Hut), or "auto": FFT in 2D from
            ``FFT_MIN_POINTS`` points on, Barnes-Hut otherwise.
        n_jobs: threads; default all CPUs available to the process. With a seed, the
            neighbour search uses one thread so that its result does not depend on the core
            count.
        initial: (N, n_components) starting layout (e.g. the layout of another embedding of
            the same points, so that the new one stays comparable), used instead of PCA. It
            is scaled as a whole to openTSNE's starting spread (std 1e-4); its shape is kept.
        on_fitted: ``on_fitted(embedding, pca)`` once the layout is done, with openTSNE's
            ``TSNEEmbedding`` (whose ``transform`` places new points on it) and the PCA the
            vectors were reduced with (None when D <= 50): new points go through
            ``pca.components`` and ``pca.mean`` first.
        pca_dims: above this many dimensions the vectors are reduced to their first
            ``pca_dims`` principal components before the neighbour search (default 50, the
            field's standard practice); ``None`` searches all D dimensions.

    Returns:
        (N, n_components) float32 layout.

    Raises:
        ValueError: a parameter is out of range (the message says the valid range).
        Cancelled: ``on_frame``, ``on_progress`` or ``should_stop`` asked to stop.
    """
    from openTSNE import TSNEEmbedding, affinity
    from openTSNE.tsne import kl_divergence_bh, kl_divergence_fft

    x = np.asarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"t-SNE expects a 2-D matrix (N x D), got shape {x.shape}")
    n, d = x.shape
    validate_params(
        n,
        n_components=n_components,
        perplexity=perplexity,
        learning_rate=learning_rate,
        n_iter=n_iter,
        frame_every=frame_every,
        pca_dims=pca_dims,
    )
    if gradient not in ("auto", "fft", "bh"):
        raise ValueError(f"t-SNE gradient must be 'auto', 'fft' or 'bh', got {gradient!r}")
    if gradient == "fft" and n_components != 2:
        raise ValueError("openTSNE's FFT gradient supports 2D only; use gradient='bh' for 3D")
    if not np.isfinite(x).all():
        raise ValueError("t-SNE input contains NaN or infinite values")
    n_iter = int(n_iter)
    frame_every = int(frame_every)

    def report(message: str, fraction: float | None = None) -> None:
        if on_progress is not None and on_progress(message, fraction) is True:
            raise Cancelled(f"t-SNE cancelled while {message}")

    start = None if initial is None else _scaled_start(initial, n, n_components)

    # 1. PCA: to 50 dimensions when D > 50, and the initial layout unless one is given.
    reduced = None
    if pca_dims is not None and d > pca_dims:
        report(f"reducing {d} to {pca_dims} dimensions with PCA")
        reduced = pca(x, n_components=int(pca_dims))
        x = reduced.scores
        init_scores = reduced.scores
    elif initial is None:
        init_scores = pca(x, n_components=n_components).scores
    init = start if start is not None else _initial_layout(init_scores, n_components, seed)

    threads = n_jobs or _n_threads()

    # 2. Affinities (the part that cannot be interrupted).
    report(f"computing affinities (perplexity {perplexity:g}, {n} points)")
    aff = affinity.PerplexityBasedNN(
        x,
        perplexity=float(perplexity),
        method="exact" if n < EXACT_NEIGHBOURS_BELOW else "annoy",
        knn_kwargs=None if n < EXACT_NEIGHBOURS_BELOW else {"n_trees": ANNOY_TREES},
        # Annoy seeds each build thread apart: with a seed, the neighbour graph (and so the
        # layout) is the same from run to run on one machine, and may differ on a machine
        # with another number of cores. One thread would make it portable at twice the time.
        n_jobs=threads,
        random_state=seed,
        verbose=False,
    )

    # 3. Optimisation, two phases, one iteration counter.
    if gradient == "auto":
        gradient = "fft" if n_components == 2 and n >= FFT_MIN_POINTS else "bh"
    base_gradient = kl_divergence_fft if gradient == "fft" else kl_divergence_bh

    done = [0]  # iterations completed, across both phases

    def checked_gradient(current: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        # openTSNE calls its gradient once per iteration with the current layout, so wrapping
        # it gives a stop check and a frame hook that cost nothing. (openTSNE's own callbacks
        # would force a KL-divergence evaluation at every frame: 10-30% of the run.)
        if should_stop is not None and should_stop():
            raise Cancelled("t-SNE cancelled")
        if kwargs.get("should_eval_error"):
            # Not an iteration: openTSNE's closing evaluation of the error after each phase.
            return base_gradient(current, *args, **kwargs)
        if done[0] and done[0] % frame_every == 0 and emit(done[0], current):
            raise Cancelled("t-SNE stopped by on_frame")
        done[0] += 1
        return base_gradient(current, *args, **kwargs)

    embedding = TSNEEmbedding(
        init,
        aff,
        negative_gradient_method=checked_gradient,
        learning_rate=learning_rate,
        n_jobs=threads,
        random_state=seed,
        verbose=False,
    )

    def emit(iteration: int, current: np.ndarray) -> bool:
        """Frame + progress; True means "stop"."""
        if on_frame is not None and on_frame(iteration, current.view(np.ndarray)) is True:
            return True
        report(PHASE_LAYOUT, iteration / n_iter)
        return False

    if emit(0, embedding) or (should_stop is not None and should_stop()):
        raise Cancelled("t-SNE cancelled before optimising")

    early_iter = min(EARLY_EXAGGERATION_MAX_ITER, n_iter // 3)
    for phase_iter, exaggeration in ((early_iter, EARLY_EXAGGERATION), (n_iter - early_iter, None)):
        if phase_iter == 0:
            continue
        embedding.optimize(
            n_iter=phase_iter,
            exaggeration=exaggeration,
            momentum=0.8,  # openTSNE >= 1.0 uses 0.8 in both phases
            inplace=True,
            propagate_exception=True,
        )
    if emit(n_iter, embedding):
        raise Cancelled("t-SNE stopped by on_frame")

    if on_fitted is not None:
        # New points are optimised with the plain gradient: the wrapper above would count
        # their iterations as this layout's and send their frames.
        embedding.gradient_descent_params["negative_gradient_method"] = gradient
        on_fitted(embedding, reduced)
    return np.array(embedding, dtype=np.float32)
