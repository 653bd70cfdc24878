"""The PCA results behind the layouts shown, kept so that other components, the query's
marker and a rerun need no new pass over the vectors."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..chunk_runner import in_memory
from ..compute import Compute, ProgressHook
from ..projections.pca import PCAResult
from ..sources import VectorSource

#: Results kept at most: isolated subsets come and go, memory stays bounded.
MAX_KEPT = 8


class PCACache:
    """PCA of (embedding, rows), computed through ``compute`` when first asked for.

    Of a source outside memory only the axes are kept (:meth:`keep_axes_only`): the layout
    holds the scores it shows, and ten scores a point would be 400 MB at 10M points. Asking
    for its scores again reads the rows once, to score them on the kept axes.
    """

    def __init__(self, compute: Compute) -> None:
        self._compute = compute
        self._results: dict[tuple[str, bytes | None], PCAResult] = {}

    def get(self, embedding: str, source: VectorSource, rows: np.ndarray | None,
            on_progress: ProgressHook | None = None, scores: bool = True) -> PCAResult:  # fmt: skip
        """The PCA of ``rows`` (all when None) of ``embedding``; ``scores=False`` when only
        its axes are needed."""
        key = _key(embedding, rows)
        kept = self._results.get(key)
        if kept is not None and scores and len(kept.scores) == 0:
            self._results[key] = self._compute.pca(source, rows, on_progress, fitted=kept)
        elif kept is None:
            if len(self._results) > MAX_KEPT:
                self._results.pop(next(iter(self._results)))
            self._results[key] = self._compute.pca(source, rows, on_progress)
        return self._results[key]

    def keep_axes_only(self, embedding: str, source: VectorSource,
                       rows: np.ndarray | None) -> None:  # fmt: skip
        """Drop the scores of a source outside memory (its layout has taken the ones shown)."""
        key = _key(embedding, rows)
        kept = self._results.get(key)
        if kept is not None and not in_memory(source):
            self._results[key] = replace(kept, scores=kept.scores[:0])


def _key(embedding: str, rows: np.ndarray | None) -> tuple[str, bytes | None]:
    return embedding, None if rows is None else rows.tobytes()
