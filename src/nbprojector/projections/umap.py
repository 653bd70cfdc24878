"""UMAP on every point, with progress and cancellation, via umap-learn.

umap-learn is an optional extra (``pip install 'nbprojector[umap]'``): it pulls numba and
pynndescent, and is imported only when a UMAP is asked for (importing it takes seconds).

Progress, intermediate layouts and cancellation. ``UMAP.fit`` has no callback, but its epoch
loop in ``umap.layouts`` iterates ``tqdm(range(n_epochs), ...)`` (umap-learn 0.5). We replace
that module's ``tqdm`` name, once, by a shim that passes through to the real tqdm unless the
calling thread is inside :func:`umap`; then it reports each epoch to ``on_progress``, offers
the layout being optimised to ``on_frame`` every few epochs, and raises
:class:`~nbprojector.jobs.Cancelled` between two epochs when asked to stop. The layout is the
``head_embedding`` array that the epoch loop's function optimises in place (read from its
frame: the shim is called from there); where a umap-learn version names it otherwise, runs
still work, without intermediate layouts. The hook is per-thread, so other code using umap in
the same process is unaffected.

Every core, or reproducible. umap-learn runs its epochs on one thread when given a
``random_state`` (its parallel epochs are not deterministic). So the default is no seed: the
layout uses every core and differs from run to run, and the widget says so
(:data:`NOT_REPRODUCIBLE`); a seed gives the same layout every time, on one thread.

The neighbour graph on the top principal components, on request. With ``pca_dims=50``
(:data:`PCA_DIMS`) vectors of more dimensions are reduced to their first 50 principal
components (exact PCA, :func:`~nbprojector.projections.pca.pca`) before umap-learn sees
them, as scanpy's pipeline does: NN-descent then compares 50 numbers instead of D. It is not
the default: on the bench's 100k x 768 it saved about a tenth of the run's CPU and lowered
how well the layout keeps each point's 768-d neighbours (the README gives the figures), and
a projector is for seeing the vectors as they are.

Numba's compilation is cached on disk (umap-learn asks for ``cache=True``), so only the first
kernel pays it. Numba writes its cache next to umap-learn's sources, or, where site-packages is
read-only, in a user cache folder; :func:`use_user_numba_cache` sets ``NUMBA_CACHE_DIR`` (when
the user has not) to one folder that is always writable, so every kernel finds the same cache.

What cannot be interrupted: numba's compilation (first call in a fresh environment, ~15-35 s;
later kernels load it from the cache), the nearest-neighbour search (exact below 4096
points, NN-descent above), the fuzzy simplicial set and the spectral initialisation. A cancel
during those takes effect when the first epoch starts. Each epoch is one numba call, so the
layout phase stops within one epoch (milliseconds to ~0.5 s at 100k points).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..jobs import Cancelled
from .pca import PCAResult, pca

MISSING_MESSAGE = "UMAP needs the umap extra: pip install 'nbprojector[umap]'"

#: Principal components the vectors are reduced to before the neighbour graph, when they
#: have more dimensions than this (see the module docstring).
PCA_DIMS = 50

#: The largest n_neighbors accepted (umap-learn gets slow and memory-hungry beyond it).
MAX_NEIGHBORS = 200

UMAP_DEFAULTS: dict[str, Any] = {
    "n_components": 2,
    "n_neighbors": 15,
    "min_dist": 0.1,
    "seed": None,
    "pca_dims": None,
}

#: What the widget says about a run without a seed (parallel, so never the same twice).
NOT_REPRODUCIBLE = "not reproducible: pass a seed for a reproducible layout"

#: Parameters a UI renders; ``min``/``max`` are the UI's range. Python callers may
#: pass n_neighbors from 2 to min(200, N - 1).
PARAMS: list[dict[str, Any]] = [
    {"name": "n_components", "label": "Dimensions", "type": "choice", "default": 2,
     "choices": [2, 3]},
    {"name": "n_neighbors", "label": "Neighbours", "type": "int", "default": 15,
     "min": 5, "max": 50, "step": 1,
     "help": "size of the neighbourhood: small keeps local detail, large the global shape"},
    {"name": "min_dist", "label": "Min distance", "type": "float", "default": 0.1,
     "min": 0.0, "max": 0.99, "step": 0.01,
     "help": "how tightly points may pack together"},
    {"name": "seed", "label": "Seed", "type": "int", "default": None, "min": 0,
     "max": 2**31 - 1,
     "help": "empty: every core, a different layout each run; a seed: the same layout, one core"},
]  # fmt: skip

ProgressCallback = Callable[[str, "float | None"], "bool | None"]
FrameCallback = Callable[[int, np.ndarray], "bool | None"]

PHASE_COMPILE = "compiling numba kernels (first run, ~30 s; cached for later kernels)"
PHASE_LOAD_COMPILED = "loading numba kernels compiled by an earlier run"
PHASE_NEIGHBOURS = "finding nearest neighbours"
PHASE_LAYOUT = "optimising layout"

# Whether a umap() call has completed in this process (numba kernels then are compiled).
_warm = False
_hook = threading.local()
_install_lock = threading.Lock()


def user_numba_cache() -> Path:
    """The folder numba's cache goes to unless ``NUMBA_CACHE_DIR`` says otherwise."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nbprojector" / "numba"


def use_user_numba_cache() -> None:
    """Point ``NUMBA_CACHE_DIR`` at :func:`user_numba_cache` when it is unset and numba is not
    imported yet (numba reads it once, at import): compiled kernels then outlive the kernel
    even where site-packages is read-only."""
    if "NUMBA_CACHE_DIR" in os.environ or "numba" in sys.modules:
        return
    folder = user_numba_cache()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # numba falls back to its own locations
    os.environ["NUMBA_CACHE_DIR"] = str(folder)


def _kernels_cached() -> bool:
    """Whether numba's cache folder holds umap-learn's compiled kernels already."""
    folder = os.environ.get("NUMBA_CACHE_DIR")
    if not folder:
        return False
    return any("umap" in str(path) for path in Path(folder).rglob("*.nbi"))


def umap_available() -> bool:
    """True when umap-learn is installed. Cheap: looks for the package without importing it."""
    return importlib.util.find_spec("umap") is not None


def validate_params(
    n_points: int,
    *,
    n_components: int = 2,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    n_epochs: int | None = None,
    seed: int | None = None,
    pca_dims: int | None = None,
) -> None:
    """Raise ``ValueError`` with a message a user can act on if a parameter is out of range."""
    if n_components not in (2, 3):
        raise ValueError(f"UMAP n_components must be 2 or 3, got {n_components!r}")
    if isinstance(n_neighbors, bool) or int(n_neighbors) != n_neighbors:
        raise ValueError(f"UMAP n_neighbors must be a whole number, got {n_neighbors!r}")
    if n_neighbors >= n_points:
        raise ValueError(
            f"UMAP n_neighbors={n_neighbors} is too large for {n_points} points (k larger than "
            f"N - 1 = {n_points - 1}): use n_neighbors <= {max(n_points - 1, 0)} or more points"
        )
    if not 2 <= n_neighbors <= MAX_NEIGHBORS:
        raise ValueError(
            f"UMAP n_neighbors must be between 2 and {MAX_NEIGHBORS}, got {n_neighbors}"
        )
    if isinstance(min_dist, bool) or not isinstance(min_dist, (int, float)):
        raise ValueError(f"UMAP min_dist must be a number, got {min_dist!r}")
    if not 0.0 <= min_dist <= 0.99:
        raise ValueError(f"UMAP min_dist must be between 0 and 0.99, got {min_dist}")
    if n_epochs is not None and (
        isinstance(n_epochs, bool) or int(n_epochs) != n_epochs or n_epochs < 1
    ):
        raise ValueError(f"UMAP n_epochs must be a whole number >= 1 or None, got {n_epochs!r}")
    whole = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
    if seed is not None and not (whole and 0 <= seed < 2**32):
        raise ValueError(
            f"UMAP seed must be a whole number from 0 to 2**32 - 1, or None for a parallel run "
            f"that differs each time; got {seed!r}"
        )
    whole = isinstance(pca_dims, (int, np.integer)) and not isinstance(pca_dims, bool)
    if pca_dims is not None and not (whole and pca_dims >= n_components):
        raise ValueError(
            f"UMAP pca_dims must be a whole number >= n_components ({n_components}), or None "
            f"to build the neighbour graph on the vectors as they are; got {pca_dims!r}"
        )


EpochReport = Callable[[int, int, "np.ndarray | None"], None]


def _epochs(
    iterable: Iterable[Any], report: EpochReport, layout: np.ndarray | None
) -> Iterator[Any]:
    """Yield the epoch loop's items, reporting (done, total, layout) before each and at the
    end; ``layout`` is the array being optimised (None when it could not be found)."""
    items = list(iterable)  # range(n_epochs): tiny
    total = len(items)
    for done, item in enumerate(items):
        report(done, total, layout)  # may raise Cancelled: the loop ends between two epochs
        yield item
    report(total, total, layout)


def _install_epoch_hook() -> None:
    """Replace ``umap.layouts.tqdm`` by a per-thread shim (idempotent)."""
    import umap.layouts as layouts

    with _install_lock:
        if getattr(layouts.tqdm, "_nbprojector_shim", False):
            return
        original = layouts.tqdm

        def tqdm_shim(iterable: Any = None, *args: Any, **kwargs: Any) -> Any:
            report = getattr(_hook, "report", None)
            if report is None or iterable is None:
                return original(iterable, *args, **kwargs)
            layout = sys._getframe(1).f_locals.get("head_embedding")
            if not (isinstance(layout, np.ndarray) and layout.ndim == 2):
                layout = None
            return _epochs(iterable, report, layout)

        tqdm_shim._nbprojector_shim = True  # type: ignore[attr-defined]
        layouts.tqdm = tqdm_shim


def planned_epochs(n: int, n_epochs: int | None = None) -> int:
    """The epochs a run of ``n`` points makes: ``n_epochs``, or umap-learn's own default
    (500 up to 10,000 points, else 200), which :func:`umap` then passes explicitly so that
    the progress line can count to a known total."""
    if n_epochs is not None:
        return int(n_epochs)
    return 500 if n <= 10_000 else 200


def umap(
    vectors: np.ndarray,
    *,
    n_components: int = 2,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    seed: int | None = None,
    n_epochs: int | None = None,
    on_progress: ProgressCallback | None = None,
    on_frame: FrameCallback | None = None,
    frame_every: int = 5,
    initial: np.ndarray | None = None,
    on_fitted: Callable[[Any, PCAResult | None], None] | None = None,
    pca_dims: int | None = None,
) -> np.ndarray:
    """Compute a UMAP layout of every row of ``vectors`` (euclidean metric).

    Args:
        vectors: (N, D) float matrix.
        n_components: 2 or 3.
        n_neighbors: neighbourhood size, 2 to min(200, N - 1) (the UI offers 5 to 50).
        min_dist: 0 to 0.99.
        seed: ``None`` (the default): every core, a different layout each run. With a seed
            the layout is reproducible, and umap-learn then runs on one thread (its parallel
            epochs are not deterministic).
        n_epochs: optimisation epochs; ``None`` lets umap choose (500 below 10k points, else
            200).
        on_progress: ``on_progress(message, fraction)`` at each phase: a compile notice on the
            first call in the process, "finding nearest neighbours", then "optimising layout"
            with the fraction of epochs done, once per epoch. Returning True cancels (see the
            module docstring for what cannot be interrupted).
        on_frame: ``on_frame(epoch, layout)`` with the layout being optimised, (N,
            n_components) float32, before the first epoch and then every ``frame_every``
            epochs; the array is umap's own and changes after the call returns (copy it to
            keep it). Returning True cancels.
        frame_every: epochs between two ``on_frame`` calls.
        initial: (N, n_components) starting layout (e.g. the layout of another embedding of
            the same points, so that the new one stays comparable), used instead of the
            spectral initialisation; umap-learn rescales each axis to [0, 10].
        on_fitted: ``on_fitted(model, pca)`` with the fitted ``umap.UMAP`` once the layout
            is done (its ``transform`` places new points on it) and the PCA the vectors were
            reduced with (None when they were not): new points go through
            ``pca.components`` and ``pca.mean`` first.
        pca_dims: above this many dimensions, the vectors are reduced to their first
            ``pca_dims`` principal components before the neighbour graph is built (the
            default, 50, is the field's standard practice); ``None`` uses them as they are.

    Returns:
        (N, n_components) float32 layout.

    Raises:
        ImportError: umap-learn is not installed (the message says how to install it).
        ValueError: a parameter is out of range.
        Cancelled: ``on_progress`` asked to stop.
    """
    global _warm

    x = np.asarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"UMAP expects a 2-D matrix (N x D), got shape {x.shape}")
    n, d = x.shape
    validate_params(
        n, n_components=n_components, n_neighbors=n_neighbors, min_dist=min_dist,
        n_epochs=n_epochs, seed=seed, pca_dims=pca_dims,
    )  # fmt: skip
    if isinstance(frame_every, bool) or int(frame_every) != frame_every or frame_every < 1:
        raise ValueError(f"UMAP frame_every must be a whole number >= 1, got {frame_every!r}")
    frame_every = int(frame_every)
    if not np.isfinite(x).all():
        raise ValueError("UMAP input contains NaN or infinite values")

    start = None if initial is None else np.asarray(initial, dtype=np.float32)
    if start is not None and (start.shape != (n, n_components) or not np.isfinite(start).all()):
        raise ValueError(
            f"UMAP initial layout must be finite with shape ({n}, {n_components}), got shape "
            f"{start.shape}"
        )

    def report(message: str, fraction: float | None = None) -> None:
        if on_progress is not None and on_progress(message, fraction) is True:
            raise Cancelled(f"UMAP cancelled while {message}")

    first = not _warm
    use_user_numba_cache()
    cached = first and _kernels_cached()
    if first:
        report(PHASE_LOAD_COMPILED if cached else PHASE_COMPILE)
    try:
        import umap as umap_learn
    except ImportError as exc:
        raise ImportError(MISSING_MESSAGE) from exc
    _install_epoch_hook()

    reduced = None
    if pca_dims is not None and d > pca_dims:
        report(f"reducing {d} to {pca_dims} dimensions with PCA")
        reduced = pca(x, n_components=int(pca_dims))
        x = reduced.scores

    compiling = " (and compiling numba kernels, first run only)" if first and not cached else ""
    report(PHASE_NEIGHBOURS + compiling)

    def on_epoch(done: int, total: int, layout: np.ndarray | None) -> None:
        report(PHASE_LAYOUT, done / total if total else None)
        if on_frame is None or layout is None or done == total or done % frame_every:
            return
        if on_frame(done, layout) is True:
            raise Cancelled(f"UMAP cancelled at epoch {done}")

    model = umap_learn.UMAP(
        n_components=n_components,
        n_neighbors=int(n_neighbors),
        min_dist=float(min_dist),
        n_epochs=planned_epochs(n, n_epochs),
        random_state=None if seed is None else int(seed),
        init="spectral" if start is None else start,
        # A seed forces one thread in umap-learn anyway; say so instead of having it warn.
        n_jobs=1 if seed is not None else -1,
        verbose=False,
    )
    _hook.report = on_epoch
    try:
        layout = model.fit_transform(x)
    finally:
        _hook.report = None
        _warm = True  # compiled (at least in part) even when cancelled or failed
    if on_fitted is not None:
        on_fitted(model, reduced)
    return np.asarray(layout, dtype=np.float32)
