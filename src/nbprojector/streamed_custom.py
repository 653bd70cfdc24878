"""Custom axes and their layout over a source that need not fit in memory, block by block.

The same frame as :func:`~nbprojector.projections.custom.fit_axes` (both end in
:func:`~nbprojector.projections.custom.axes_from_centroids`), read from the source in
:class:`~nbprojector.chunk_runner.ChunkRunner` passes, so they run on a Dask cluster, Dask's
threads or this process alike:

* the axes: one pass over every row adds up, per block, the rows (their mean is the
  layout's origin) and the rows each field matched (their means are the centroids the axes
  join), as float32 products summed in float64, as the in-memory centroids are. Without
  Down and Up, y comes from the principal axes of all points, so the pass also sums the
  scatter matrix, as the streamed PCA's first pass does. Rows with NaN or infinity are
  found here and named;
* the layout: a linear map, so each block's rows are projected on their own and the
  results put in place; no N x D matrix is ever whole in the kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .chunk_runner import ChunkRunner
from .projections.custom import FIELDS, Axes, axes_from_centroids, fit_axes
from .projections.pca import SHIFT_ROWS, axes_from_scatter, choose_shift
from .sources import VectorSource
from .sources.base import non_finite_rows
from .streamed_pca import block_sums, non_finite_error
from .wording import plural

#: progress(message, fraction); it may raise to stop (a cancelled job).
Progress = Callable[[str, "float | None"], object]


class _Sums:
    """What the axes pass adds up over the blocks (float64)."""

    def __init__(self, fields: int, d: int, spread: bool) -> None:
        self.rows = np.zeros(d)
        self.matched = np.zeros((fields, d))
        self.scatter = np.zeros((d, d)) if spread else None
        self.shifted = np.zeros(d)  # sum of the rows minus the PCA's shift
        self.bad_count, self.bad_first = 0, -1

    def add(self, _ids: np.ndarray, part: tuple[Any, ...]) -> None:
        count, first, rows, matched, scatter, shifted = part
        if count:
            self.bad_count += count
            self.bad_first = first if self.bad_first < 0 else min(self.bad_first, first)
        if self.bad_count:
            return
        self.rows += rows
        self.matched += matched
        if self.scatter is not None:
            self.scatter += scatter
            self.shifted += shifted


def _block_rows(source: VectorSource, runner: ChunkRunner) -> int:
    """Rows a block holds: the runner's, fewer when the source's memory budget says so."""
    return min(runner.rows_per_chunk, source.rows_per_chunk())


def _field_bits(masks: dict[str, np.ndarray], fields: list[str]) -> np.ndarray:
    """One byte a point: bit i set when the point matched ``fields[i]``."""
    n = len(masks[fields[0]])
    bits = np.zeros(n, dtype=np.uint8)
    for i, field in enumerate(fields):
        bits |= masks[field].astype(np.uint8) << np.uint8(i)
    return bits


def _block_axes_sums(rows: np.ndarray, ids: np.ndarray, bits: np.ndarray, fields: int,
                     shift: np.ndarray | None) -> tuple[Any, ...]:  # fmt: skip
    """(non-finite rows, first such point or -1, sum of the rows, (fields, D) sums of the
    rows each field matched, scatter and sum of the rows minus ``shift`` or None)."""
    finite = np.isfinite(rows).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        return int(bad.size), int(ids[bad[0]]), None, None, None, None
    weights = ((bits[ids][:, None] >> np.arange(fields, dtype=np.uint8)) & 1).astype(np.float32)
    matched = (weights.T @ rows).astype(np.float64)
    total = rows.sum(axis=0, dtype=np.float64)
    if shift is None:
        return 0, -1, total, matched, None, None
    scatter, shifted, _count, _first = block_sums(rows, ids, shift)
    return 0, -1, total, matched, scatter, shifted


def streamed_custom_axes(
    source: VectorSource,
    masks: dict[str, np.ndarray],
    *,
    runner: ChunkRunner | None = None,
    on_progress: Progress | None = None,
) -> Axes:
    """The custom axes of every point of ``source``: ``masks`` are each field's (N,) bool
    matches (Left and Right, and Down and Up or neither; each matched something).

    Raises:
        NonFiniteRowsError: rows with NaN or infinity (their count and the first point).
        ValueError: coinciding centroids (see :func:`~nbprojector.projections.custom.fit_axes`).
    """
    runner = runner or ChunkRunner()
    n, d = source.shape
    fields = [f for f in FIELDS if f in masks]
    if d > n:  # wide: N x D is small, and the in-memory PCA takes its Gram path
        matrix = source.take(np.arange(n))
        bad = non_finite_rows(matrix)
        if len(bad):
            raise non_finite_error(source, len(bad), int(bad[0]))
        return fit_axes(matrix, masks["Left"], masks["Right"], masks.get("Down"), masks.get("Up"))
    spread = "Down" not in masks
    block_rows = _block_rows(source, runner)
    shift = None
    if spread:  # the point the scatter is summed around, from the first rows (one block)
        shift = choose_shift(source.take(np.arange(min(n, SHIFT_ROWS, block_rows))))
    bits = _field_bits(masks, fields)
    sums = _Sums(len(fields), d, spread)
    progress = None
    if on_progress is not None:
        progress = lambda done, blocks: on_progress(  # noqa: E731
            f"custom axes: {done:,} of {plural(blocks, 'chunk')}", done / blocks)
    runner.run(source, lambda b, ids: _block_axes_sums(b, ids, bits, len(fields), shift),
               sums.add, progress=progress, rows_per_chunk=block_rows)  # fmt: skip
    if sums.bad_count:
        raise non_finite_error(source, sums.bad_count, sums.bad_first)
    centroids = {f: sums.matched[i] / float(masks[f].sum()) for i, f in enumerate(fields)}

    def principal() -> np.ndarray:
        assert sums.scatter is not None and shift is not None
        return axes_from_scatter(sums.scatter, sums.shifted, n, shift, 2).components

    return axes_from_centroids(centroids, sums.rows / n, principal)


def streamed_custom_layout(
    source: VectorSource,
    axes: Axes,
    rows: np.ndarray | None = None,
    *,
    runner: ChunkRunner | None = None,
    on_progress: Progress | None = None,
) -> np.ndarray:
    """(len(rows) or N, 2) float32: ``rows`` (sorted point indices; all when None) of
    ``source`` projected on ``axes``, block by block."""
    runner = runner or ChunkRunner()
    n = source.shape[0] if rows is None else len(rows)
    layout = np.empty((n, 2), dtype=np.float32)

    def place(ids: np.ndarray, block: np.ndarray) -> None:
        layout[ids if rows is None else np.searchsorted(rows, ids)] = block

    progress = None
    if on_progress is not None:
        progress = lambda done, blocks: on_progress(  # noqa: E731
            f"custom layout: {done:,} of {plural(blocks, 'chunk')}", done / blocks)
    runner.run(source, lambda b, _ids: axes.project(b), place, rows=rows, progress=progress,
               rows_per_chunk=_block_rows(source, runner))  # fmt: skip
    if not np.isfinite(layout).all():
        raise ValueError(
            "the custom layout exceeds float32's range (vectors near +-3.4e38); divide the "
            "vectors by a constant before projecting them"
        )
    return layout
