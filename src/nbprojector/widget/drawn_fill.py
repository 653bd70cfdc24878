"""The drawn points of a source outside memory placed after the first frame.

Reading a million random rows of a Lance dataset takes seconds, a tenth of them a tenth of
that; so the first layout of a large source is the PCA fitted on a first part of the drawn
points (``draw_budget.first_part``), the other drawn points hidden (they have no
coordinates yet). Once the page has drawn it, a background job reads the other drawn rows
block by block, within the memory budget, and places them on the same axes (no refit: the
points shown do not move), then shows them all at once. The exact PCA over every point runs
after it, as behind any layout fitted on the drawn points (:mod:`.exact_pca`).

Rows with NaN or infinity among those read here fail the job with the exact pass's error
(their count and the first one); the first part's layout stays. Stopped, the first part's
layout stays too, and its record and the progress line say how many drawn points are
placed; running the PCA again reads the others again. Points drawn once every drawn point
is placed ("Show these") are placed on the same axes in the caller's thread
(:func:`place_more`): the points shown stay, the exact pass goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ..layout import Layout
from ..projections.pca import Axes, PCAResult, scores_of
from ..sources import VectorSource
from ..sources.base import non_finite_rows
from ..streamed_pca import check_scores_fit, non_finite_error
from .exact_pca import sample_note, wait_for_start

#: Rows read at a time (capped by the source's memory budget): a progress line and a
#: cancellation point each ~0.5 s on a Lance dataset.
BLOCK_ROWS = 100_000

#: First-part rows read again to find how the shown layout maps the scores (see
#: :class:`Placer`).
CALIBRATION_ROWS = 2_000

#: fill(ctx, source) -> the coordinates of every point, the drawn ones all placed.
Fill = Callable[[Any, VectorSource], np.ndarray]


def reading_line(done: int, drawn: int) -> str:
    """The progress line while the drawn rows are read."""
    return f"reading the drawn points: {done:,} of {drawn:,}"


def first_description(description: dict[str, Any], drawn: int) -> dict[str, Any]:
    """The record of the layout fitted on a first part of the ``drawn`` points, the
    others not placed yet."""
    fitted = int(description["fitted"])
    note = f"{sample_note(fitted, drawn)}; the others are shown once read"
    return {**description, "drawn": drawn, "placed": fitted, "filled": False, "note": note}


def filled_description(first: dict[str, Any], drawn: int) -> dict[str, Any]:
    """The record once every one of the ``drawn`` points (the drawn set may have changed
    since ``first`` was shown) is placed on the first part's axes."""
    fitted = int(first["fitted"])
    note = f"{sample_note(fitted, drawn)}, all of them placed"
    return {**first, "drawn": drawn, "placed": drawn, "points": drawn, "filled": True,
            "note": note}  # fmt: skip


def stopped_line(placed: int, drawn: int) -> str:
    """What the progress line and the record say once the reading was stopped."""
    return f"stopped reading the drawn points: {placed:,} of {drawn:,} placed"


def stopped_description(first: dict[str, Any], drawn: int) -> dict[str, Any]:
    """The record of the first part's layout once the reading of the other ``drawn``
    points was stopped: they stay hidden (running PCA again reads them)."""
    fitted = int(first["fitted"])
    note = f"{sample_note(fitted, drawn)}; {stopped_line(fitted, drawn)}"
    return {**first, "note": note}


class Placer:
    """Vectors to shown coordinates: the scores on the first part's chosen components,
    then the map the shown layout applied to them (its alignment to the embedding shown
    before, or a power-of-two scale on huge values), found by least squares from a few
    first-part rows whose coordinates are known. The map is affine and exact, so the
    points placed land where fitting them with the first part would have put them."""

    def __init__(self, fitted: PCAResult, components: list[int]) -> None:
        chosen = [c - 1 for c in components]
        mean = fitted.mean.astype(np.float32)
        self._shift = mean
        self._axes = Axes(fitted.components[chosen], fitted.explained_variance_ratio[chosen],
                          mean, np.zeros(len(chosen), dtype=np.float32))  # fmt: skip
        self._map: np.ndarray | None = None

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        out = np.empty((len(vectors), len(self._axes.components)), dtype=np.float32)
        with np.errstate(over="ignore", invalid="ignore"):
            scores_of(np.asarray(vectors, dtype=np.float32), self._shift, self._axes, out)
        return out

    def calibrate(self, vectors: np.ndarray, shown: np.ndarray) -> None:
        """Learn the map from the scores of ``vectors`` to their ``shown`` coordinates."""
        raw = np.hstack([self.scores(vectors).astype(np.float64), np.ones((len(vectors), 1))])
        self._map, *_ = np.linalg.lstsq(raw, shown.astype(np.float64), rcond=None)

    def place(self, vectors: np.ndarray) -> np.ndarray:
        raw = self.scores(vectors).astype(np.float64)
        assert self._map is not None, "calibrate first"
        with np.errstate(over="ignore", invalid="ignore"):
            placed: np.ndarray = (raw @ self._map[:-1] + self._map[-1]).astype(np.float32)
        return placed


def calibrate(placer: Placer, shown: Layout, source: VectorSource) -> None:
    """Have ``placer`` learn how ``shown`` (fitted on ``shown.rows``) maps the scores, from
    :data:`CALIBRATION_ROWS` of its rows."""
    fitted = shown.rows
    assert fitted is not None
    known = fitted[np.linspace(0, len(fitted) - 1, min(len(fitted), CALIBRATION_ROWS))
                   .astype(np.int64)]  # fmt: skip
    placer.calibrate(source.take(known), shown.coords[known])


def place_more(placer: Placer, shown: Layout, points: np.ndarray, source: VectorSource
               ) -> np.ndarray:  # fmt: skip
    """``shown``'s coordinates with ``points`` (drawn since) placed on its axes too: a few
    rows read, in the caller's thread. Raises the exact pass's error for rows with NaN or
    infinity."""
    calibrate(placer, shown, source)
    vectors = source.take(points)
    bad = non_finite_rows(vectors)
    if len(bad):
        raise non_finite_error(source, len(bad), int(points[bad[0]]))
    coords = shown.coords.copy()
    coords[points] = placer.place(vectors)
    check_scores_fit(coords[points])
    return coords


def fill_run(placer: Placer, first: Layout, drawn: np.ndarray, start: threading.Event) -> Fill:
    """The job that places the ``drawn`` points the ``first`` layout (fitted on
    ``first.rows``) has no coordinates for; it begins once ``start`` is set (the page drew
    its first frame) or after :data:`.exact_pca.START_WITHOUT_PAGE` seconds."""
    fitted = first.rows
    assert fitted is not None
    rest = np.setdiff1d(drawn, fitted, assume_unique=True)

    def fill(ctx: Any, source: VectorSource) -> np.ndarray:
        wait_for_start(ctx, start)
        calibrate(placer, first, source)
        coords = first.coords.copy()
        done = len(drawn) - len(rest)
        ctx.progress(reading_line(done, len(drawn)), done / len(drawn))
        block = max(1, min(BLOCK_ROWS, source.rows_per_chunk()))
        bad_count, bad_first = 0, -1
        for begin in range(0, len(rest), block):
            ids = rest[begin : begin + block]
            vectors = source.take(ids)
            bad = non_finite_rows(vectors)
            if len(bad):  # counted to the end, as the exact pass does; none placed
                bad_count += len(bad)
                bad_first = int(ids[bad[0]]) if bad_first < 0 else bad_first
            elif bad_count == 0:
                coords[ids] = placer.place(vectors)
            done += len(ids)
            ctx.progress(reading_line(done, len(drawn)), done / len(drawn))
        if bad_count:
            raise non_finite_error(source, bad_count, bad_first)
        check_scores_fit(coords[rest])
        return coords

    return fill
