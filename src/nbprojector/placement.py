"""t-SNE and UMAP on more points than they can fit: fit on a sample, place the rest.

The way large-data users run them: the method fits a sample (its layout streams to the view
as usual), then every other point is placed on that layout by the method's own
``transform`` (openTSNE's ``TSNEEmbedding.transform``: a short optimisation of the new
points against the fixed fitted ones; umap-learn's ``UMAP.transform``), a block of rows at
a time, on Dask when a client is active, and each placed block reaches the view as a frame.
Until its block is placed, a point waits at the centre of the fitted layout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .chunk_runner import BlockFunction, ChunkRunner
from .jobs import Cancelled
from .projections.pca import PCAResult
from .sources import VectorSource
from .streamed_pca import NonFiniteRowsError
from .wording import plural

#: Points fitted by default when a source is not in memory (t-SNE of 100k points takes
#: minutes on two cores; placing is far cheaper per point).
DEFAULT_FIT_POINTS = 100_000

#: Rows per placed block: each block is one ``transform`` call and one frame.
PLACE_ROWS = 16_384

FrameHook = Callable[[int, np.ndarray], "bool | None"]
ProgressHook = Callable[[str, "float | None"], "bool | None"]


def fit_rows(candidates: np.ndarray, fit_points: int | np.ndarray | None, *,
             default: int | None, seed: int | None = 0) -> np.ndarray:  # fmt: skip
    """The sorted points to fit among ``candidates`` (sorted point indices).

    ``fit_points``: a count (a seeded uniform sample of that many; all when it is at least
    their number), an array of point indices (each among the candidates), or None for
    ``default`` (None: all).
    """
    n = len(candidates)
    if fit_points is None:
        fit_points = default if default is not None else n
    if isinstance(fit_points, int | np.integer) and not isinstance(fit_points, bool):
        count = int(fit_points)
        if count < 2:
            raise ValueError(f"fit_points must be at least 2, got {count}")
        if count >= n:
            return candidates
        rng = np.random.default_rng(0 if seed is None else seed)
        return np.sort(candidates[rng.choice(n, count, replace=False)])
    chosen = np.asarray(fit_points)
    if chosen.ndim != 1 or not np.issubdtype(chosen.dtype, np.integer):
        raise ValueError(
            "fit_points must be a number of points or a 1-D array of point indices, got "
            f"{type(fit_points).__name__} of shape {chosen.shape}"
        )
    chosen = np.unique(chosen.astype(np.int64))
    if len(chosen) < 2:
        raise ValueError(f"fit_points must name at least 2 points, got {len(chosen)}")
    missing = np.setdiff1d(chosen, candidates)
    if missing.size:
        raise ValueError(
            f"fit_points names {plural(missing.size, 'point')} outside the points being laid "
            f"out (the first: {int(missing[0])}); choose among the shown points"
        )
    return chosen


def fitted_placer(model: Any, reduction: PCAResult | None) -> BlockFunction:
    """A block function placing rows on a fitted layout: ``model`` is openTSNE's fitted
    embedding or umap-learn's fitted model (both place new rows with ``transform``),
    ``reduction`` the PCA the fitted points went through first, if any."""

    def place(rows: np.ndarray, _ids: np.ndarray) -> np.ndarray:
        x = rows
        if reduction is not None:
            x = (rows - reduction.mean) @ reduction.components.T
        placed = model.transform(np.ascontiguousarray(x, dtype=np.float32))
        return np.asarray(placed, dtype=np.float32)

    return place


def place_rest(
    source: VectorSource, candidates: np.ndarray, fitted: np.ndarray, fitted_layout: np.ndarray,
    placer: BlockFunction, runner: ChunkRunner, *, on_frame: FrameHook | None,
    on_progress: ProgressHook | None, first_frame: int,
) -> np.ndarray:  # fmt: skip
    """The layout of every candidate: the fitted points where they were fitted, the others
    placed by ``placer`` block by block (each block a frame numbered from ``first_frame``)."""
    positions = np.searchsorted(candidates, fitted)
    layout = np.empty((len(candidates), fitted_layout.shape[1]), dtype=np.float32)
    layout[:] = fitted_layout.mean(axis=0)
    layout[positions] = fitted_layout
    rest = np.setdiff1d(candidates, fitted, assume_unique=True)
    frame = [first_frame]

    def put(ids: np.ndarray, placed: np.ndarray) -> None:
        if not np.isfinite(placed).all():
            raise ValueError(f"placing points {int(ids[0])}..{int(ids[-1])} gave non-finite "
                             "positions")  # fmt: skip
        layout[np.searchsorted(candidates, ids)] = placed
        frame[0] += 1
        if on_frame is not None and on_frame(frame[0], layout) is True:
            raise Cancelled("cancelled while placing points")

    def progress(done: int, blocks: int) -> None:
        if on_progress is not None:
            on_progress(f"placing the other {rest.size:,} points, {done:,} of "
                        f"{plural(blocks, 'chunk')}", done / blocks)  # fmt: skip

    named = getattr(source, "label", source.name)  # the file or array, where it has one

    def checked(rows: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """The placer, after the rows are checked: a source's NaN rows are first met here
        when its exact PCA did not run to the end."""
        finite = np.isfinite(rows).all(axis=1)
        if not finite.all():
            raise NonFiniteRowsError(
                f"{named} has NaN or infinite values in row {int(ids[np.argmin(finite)])}; "
                "drop or impute those rows in the source before opening it"
            )
        return placer(rows, ids)

    runner.run(source, checked, put, rows=rest, progress=progress, rows_per_chunk=PLACE_ROWS)
    return layout


def placement_note(fitted: int, placed: int) -> str:
    """What the projection record says: 'fitted on 1,000 points, placed 9,000'."""
    return f"fitted on {fitted:,} points, placed {placed:,}"
