"""Exact PCA over every row of a source that need not fit in memory: two passes over blocks.

Pass 1 sums, per block, the D x D scatter matrix and the column sums of the rows minus a
shift (float32 products added up in float64, as the in-memory PCA does); the kernel adds
the blocks' sums and runs ``eigh`` on the D x D covariance. Pass 2 projects each block on
the components. Each pass is one :class:`~nbprojector.chunk_runner.ChunkRunner` run, so it
goes to a Dask cluster, Dask's threads or this process alike. The result is the in-memory
PCA's (same components and scores, up to float rounding): never a randomized SVD, whose
components drift by degrees on embeddings. Picked rows (e.g. the points drawn) whose matrix
fits the source's memory budget are read once and fitted in memory instead.

Rows with NaN or infinity are found in the first pass (there is no separate check when a
source is opened): a :class:`NonFiniteRowsError` counts them and names the first.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .chunk_runner import ChunkRunner
from .projections.pca import (
    MAX_COMPONENTS,
    SHIFT_ROWS,
    Axes,
    PCAResult,
    axes_from_scatter,
    choose_shift,
    pca,
    scatter_of,
    scores_of,
)
from .sources import VectorSource
from .sources.base import SourceError, non_finite_rows
from .wording import plural

#: progress(message, fraction)
Progress = Callable[[str, "float | None"], object]


#: Picked rows are read whole when their float32 matrix, this many times over (the matrix
#: and the in-memory PCA's centred copy), fits the source's memory budget.
_COPIES_IN_MEMORY = 2


class NonFiniteRowsError(SourceError):
    """Rows with NaN or infinite values met while streaming over a source."""


def non_finite_error(source: VectorSource, count: int, first: int) -> NonFiniteRowsError:
    """The error for ``count`` rows of ``source`` holding NaN or infinity, ``first`` the
    first of them."""
    named = getattr(source, "label", source.name)  # the file or array, where it has one
    return NonFiniteRowsError(
        f"{named} has NaN or infinite values in {plural(count, 'row')}, the first at "
        f"row {first}; drop or impute those rows in the source before opening it"
    )


def check_scores_fit(scores: np.ndarray) -> None:
    """A ValueError saying how to fix it when PCA scores overflowed float32 (not finite)."""
    if not np.isfinite(scores).all():
        raise ValueError(
            "the PCA scores exceed float32's range (values near +-3.4e38); divide the "
            "vectors by a constant before projecting them"
        )


def block_sums(rows: np.ndarray, ids: np.ndarray, shift: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, int, int]:  # fmt: skip
    """(scatter, column sums, count of non-finite rows, first such point or -1)."""
    finite = np.isfinite(rows).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        return np.zeros(0), np.zeros(0), int(bad.size), int(ids[bad[0]])
    with np.errstate(over="ignore", invalid="ignore"):
        scatter, total = scatter_of(rows, shift)
    if not (np.isfinite(scatter).all() and np.isfinite(total).all()):
        # float32 products overflowed (values near float32's limit): float64 instead.
        centred = rows.astype(np.float64) - shift
        scatter, total = centred.T @ centred, centred.sum(axis=0)
    return scatter, total, 0, -1


def _block_scores(rows: np.ndarray, _ids: np.ndarray, shift: np.ndarray, axes: Axes
                  ) -> np.ndarray:  # fmt: skip
    out = np.empty((len(rows), len(axes.components)), dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        scores_of(rows, shift, axes, out)
    return out


def streamed_pca(
    source: VectorSource,
    rows: np.ndarray | None = None,
    *,
    runner: ChunkRunner | None = None,
    n_components: int = MAX_COMPONENTS,
    on_progress: Progress | None = None,
) -> PCAResult:
    """PCA of ``rows`` (sorted point indices; all when None) of ``source``, block by block.

    Args:
        source: the vectors.
        rows: the points to fit and score (their scores come in this order).
        runner: where blocks run (default: the active Dask client, Dask's threads, or here).
        n_components: components kept (capped at min(D, N)).
        on_progress: called with a message counting blocks, and the fraction done; it may
            raise to stop.

    Raises:
        NonFiniteRowsError: rows with NaN or infinity (their count and the first point).
    """
    runner = runner or ChunkRunner()
    n_total, d = source.shape
    n = n_total if rows is None else len(rows)
    k = max(1, min(n_components, d, n))
    budget = getattr(source, "memory_budget", 0)
    if d > n or (rows is not None and n * d * 4 * _COPIES_IN_MEMORY <= budget):
        # Wide (N < D, so N x D is small: the Gram path), or picked rows that fit: one read.
        ids = np.arange(n_total) if rows is None else rows
        matrix = source.take(ids)
        bad = non_finite_rows(matrix)
        if len(bad):
            raise non_finite_error(source, len(bad), int(ids[bad[0]]))
        return pca(matrix, k)
    first = np.arange(min(n, SHIFT_ROWS)) if rows is None else rows[:SHIFT_ROWS]
    shift = choose_shift(source.take(first).astype(np.float32))

    scatter = np.zeros((d, d), dtype=np.float64)
    total = np.zeros(d, dtype=np.float64)
    bad_count, bad_first = 0, -1

    def add(_ids: np.ndarray, part: tuple[np.ndarray, np.ndarray, int, int]) -> None:
        nonlocal scatter, total, bad_count, bad_first
        block_scatter, block_total, count, first_bad = part
        if count:
            bad_count += count
            bad_first = first_bad if bad_first < 0 else min(bad_first, first_bad)
        elif bad_count == 0:
            scatter += block_scatter
            total += block_total

    def progress_of(what: str) -> Callable[[int, int], object] | None:
        if on_progress is None:
            return None
        return lambda done, blocks: on_progress(
            f"PCA: {what}, {done:,} of {plural(blocks, 'chunk')}", done / blocks)

    runner.run(source, lambda b, ids: block_sums(b, ids, shift), add, rows=rows,
               progress=progress_of("covariance"))  # fmt: skip
    if bad_count:
        raise non_finite_error(source, bad_count, bad_first)
    axes = axes_from_scatter(scatter, total, n, shift, k)
    scores = _scores_pass(source, rows, shift, axes, runner, progress_of("scores"))
    return PCAResult(scores, axes.ratio, axes.components, axes.mean)


def streamed_scores(
    source: VectorSource,
    rows: np.ndarray | None,
    fitted: PCAResult,
    *,
    runner: ChunkRunner | None = None,
    on_progress: Progress | None = None,
) -> PCAResult:
    """``fitted`` (the axes of a PCA of ``rows``, kept without its scores) with the scores
    of ``rows`` again: the scores pass alone, one read of the rows instead of two."""
    k = len(fitted.components)
    mean = fitted.mean.astype(np.float32)
    axes = Axes(fitted.components, fitted.explained_variance_ratio, mean,
                np.zeros(k, dtype=np.float32))  # fmt: skip
    progress = None
    if on_progress is not None:
        progress = lambda done, blocks: on_progress(  # noqa: E731
            f"PCA: scores, {done:,} of {plural(blocks, 'chunk')}", done / blocks)
    scores = _scores_pass(source, rows, mean, axes, runner or ChunkRunner(), progress)
    return PCAResult(scores, fitted.explained_variance_ratio, fitted.components, fitted.mean)


def _scores_pass(source: VectorSource, rows: np.ndarray | None, shift: np.ndarray, axes: Axes,
                 runner: ChunkRunner, progress: Callable[[int, int], object] | None
                 ) -> np.ndarray:  # fmt: skip
    """The scores of ``rows`` (all when None) on ``axes``, block by block."""
    n = source.shape[0] if rows is None else len(rows)
    scores = np.empty((n, len(axes.components)), dtype=np.float32)

    def place(ids: np.ndarray, block_scores: np.ndarray) -> None:
        positions = ids if rows is None else np.searchsorted(rows, ids)
        scores[positions] = block_scores

    runner.run(source, lambda b, ids: _block_scores(b, ids, shift, axes), place, rows=rows,
               progress=progress)  # fmt: skip
    check_scores_fit(scores)
    return scores
