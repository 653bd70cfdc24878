"""Where projections are computed: one engine interface, one local implementation.

A :class:`Compute` engine turns vectors (a :class:`~nbprojector.sources.VectorSource`,
optionally restricted to some rows) into layouts: PCA at once, t-SNE and UMAP with frames
and progress reported through callbacks, the custom projection from the points matched by
metadata searches. :class:`LocalCompute` runs numpy, openTSNE and umap-learn in the kernel's
process; over a source that is not in memory it reads blocks of rows (PCA in two passes,
t-SNE and UMAP fitted on a sample with the other points placed by ``transform``, custom
axes in one pass and their layout in another).
:class:`~nbprojector.compute_dask.DaskCompute` sends those blocks to a Dask cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from . import placement
from .chunk_runner import ChunkRunner, in_memory
from .projections import custom as custom_module
from .projections import tsne as tsne_module
from .projections import umap as umap_module
from .projections.pca import MAX_COMPONENTS, PCAResult, pca
from .sources import ArraySource, VectorSource
from .streamed_custom import streamed_custom_axes, streamed_custom_layout
from .streamed_pca import streamed_pca, streamed_scores

#: The projection methods, in the order the panel offers them.
METHODS = ("pca", "tsne", "umap", "custom")

FrameHook = Callable[[int, np.ndarray], bool]
ProgressHook = Callable[[str, "float | None"], bool]


def vectors_of(source: VectorSource, rows: np.ndarray | None) -> np.ndarray:
    """The (N, D) matrix of ``rows`` (all rows when None) as one in-memory array."""
    if rows is None:
        if isinstance(source, ArraySource):
            return source.array  # not a copy
        rows = np.arange(source.shape[0])
    return source.take(rows)


class Compute(Protocol):
    """A projection engine."""

    def methods(self) -> dict[str, dict[str, Any]]:
        """The methods offered: ``{method: {available, defaults?, params?, message?}}``."""
        ...

    def pca(self, source: VectorSource, rows: np.ndarray | None,
            on_progress: ProgressHook | None = None,
            fitted: PCAResult | None = None) -> PCAResult:  # fmt: skip
        """PCA of ``rows`` (all when None), the first ``MAX_COMPONENTS`` components;
        ``on_progress`` counts the blocks read when the source is not in memory. With
        ``fitted`` (the same PCA kept without its scores) only the scores are computed."""
        ...

    def tsne(
        self, source: VectorSource, rows: np.ndarray | None, *, n_components: int,
        on_frame: FrameHook, on_progress: ProgressHook, should_stop: Callable[[], bool],
        initial: np.ndarray | None = None, fit_points: int | np.ndarray | None = None,
        record: dict[str, Any] | None = None, **options: Any,
    ) -> np.ndarray:  # fmt: skip
        """A t-SNE layout (options as :func:`nbprojector.projections.tsne.tsne`), started
        from ``initial`` (the rows' coordinates) when given. ``fit_points`` (see
        :func:`nbprojector.placement.fit_rows`): fit those, place the others with
        ``transform``; ``record`` then gets ``fitted``, ``placed`` and ``placement`` (words)."""
        ...

    def umap(
        self, source: VectorSource, rows: np.ndarray | None, *, n_components: int,
        on_frame: FrameHook, on_progress: ProgressHook, initial: np.ndarray | None = None,
        fit_points: int | np.ndarray | None = None, record: dict[str, Any] | None = None,
        **options: Any,
    ) -> np.ndarray:  # fmt: skip
        """A UMAP layout (options as :func:`nbprojector.projections.umap.umap`), started
        from ``initial`` (the rows' coordinates) when given; ``fit_points`` and ``record``
        as for :meth:`tsne`."""
        ...

    def custom_axes(self, source: VectorSource, masks: dict[str, np.ndarray],
                    on_progress: ProgressHook | None = None) -> custom_module.Axes:  # fmt: skip
        """The custom projection's axes from ALL the points of ``source``; ``masks`` are
        each field's (N,) bool matches (see ``field_masks``). A source outside memory is
        read block by block, ``on_progress`` counting the blocks."""
        ...

    def custom_layout(self, source: VectorSource, axes: custom_module.Axes,
                      rows: np.ndarray | None,
                      on_progress: ProgressHook | None = None) -> np.ndarray:  # fmt: skip
        """(len(rows) or N, 2) float32: ``rows`` (all when None) laid out on ``axes``."""
        ...


class LocalCompute:
    """Projections computed in this process (numpy, openTSNE, umap-learn).

    Args:
        runner: where blocks of a source that is not in memory are processed (default:
            here, one after another).
        fit_points: how many points (or which) t-SNE and UMAP fit by default; None fits
            every point of an in-memory source and
            :data:`~nbprojector.placement.DEFAULT_FIT_POINTS` of any other.
    """

    def __init__(self, runner: ChunkRunner | None = None, *,
                 fit_points: int | np.ndarray | None = None) -> None:  # fmt: skip
        self.runner = runner or ChunkRunner(use_dask=False)
        self.fit_points = fit_points

    def methods(self) -> dict[str, dict[str, Any]]:
        """UMAP is available only with the ``umap`` extra. ``params`` are the ranges the
        panel's controls offer (the page reads them from here)."""
        umap_ok = umap_module.umap_available()
        return {
            "pca": {"available": True},
            "tsne": {"available": True, "defaults": tsne_module.TSNE_DEFAULTS,
                     "params": tsne_module.PARAMS},
            "umap": {
                "available": umap_ok,
                "defaults": umap_module.UMAP_DEFAULTS,
                "params": umap_module.PARAMS,
                **({} if umap_ok else {"message": umap_module.MISSING_MESSAGE}),
            },
            "custom": {"available": True},
        }  # fmt: skip

    def _streams(self, source: VectorSource) -> bool:
        """Whether ``source`` is read block by block (not in memory, or a Dask client was
        asked for explicitly)."""
        return not in_memory(source) or self.runner.where(source) == "client"

    def pca(self, source: VectorSource, rows: np.ndarray | None,
            on_progress: ProgressHook | None = None,
            fitted: PCAResult | None = None) -> PCAResult:  # fmt: skip
        if self._streams(source) and fitted is not None:
            return streamed_scores(source, rows, fitted, runner=self.runner,
                                   on_progress=on_progress)  # fmt: skip
        if self._streams(source):
            return streamed_pca(source, rows, runner=self.runner, on_progress=on_progress)
        return pca(vectors_of(source, rows), MAX_COMPONENTS)

    def _fit_rows(self, source: VectorSource, rows: np.ndarray | None,
                  fit_points: int | np.ndarray | None, seed: int | None
                  ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """(the points laid out, the points fitted among them)."""
        candidates = np.arange(source.shape[0]) if rows is None else np.asarray(rows, np.int64)
        default = None if in_memory(source) else placement.DEFAULT_FIT_POINTS
        chosen = self.fit_points if fit_points is None else fit_points
        return candidates, placement.fit_rows(candidates, chosen, default=default, seed=seed)

    def _fit_then_place(
        self, fit: Callable[..., np.ndarray], source: VectorSource, candidates: np.ndarray,
        fitted: np.ndarray, *,
        on_frame: FrameHook, on_progress: ProgressHook, initial: np.ndarray | None,
        record: dict[str, Any] | None,
    ) -> np.ndarray:  # fmt: skip
        """Fit ``fitted`` (its frames shown with the other points at the layout's centre),
        then place the other candidates block by block."""
        positions = np.searchsorted(candidates, fitted)
        fitted_model: list[Any] = []

        def fit_frame(iteration: int, layout: np.ndarray) -> bool:
            full = np.empty((len(candidates), layout.shape[1]), dtype=np.float32)
            full[:] = np.asarray(layout, dtype=np.float32).mean(axis=0)
            full[positions] = layout
            return bool(on_frame(iteration, full))

        layout = fit(
            source.take(fitted), on_frame=fit_frame, on_progress=on_progress,
            initial=None if initial is None else np.asarray(initial)[positions],
            on_fitted=lambda *model: fitted_model.append(model),
        )  # fmt: skip
        placer = placement.fitted_placer(*fitted_model[0])
        result = placement.place_rest(
            source, candidates, fitted, layout, placer, self.runner,
            on_frame=on_frame, on_progress=on_progress, first_frame=0,
        )  # fmt: skip
        if record is not None:
            placed = len(candidates) - len(fitted)
            record.update(fitted=len(fitted), placed=placed,
                          placement=placement.placement_note(len(fitted), placed))  # fmt: skip
        return result

    def tsne(
        self, source: VectorSource, rows: np.ndarray | None, *, n_components: int,
        on_frame: FrameHook, on_progress: ProgressHook, should_stop: Callable[[], bool],
        initial: np.ndarray | None = None, fit_points: int | np.ndarray | None = None,
        record: dict[str, Any] | None = None, **options: Any,
    ) -> np.ndarray:  # fmt: skip
        candidates, fitted = self._fit_rows(source, rows, fit_points, options.get("seed", 0))
        if len(fitted) == len(candidates):
            result: np.ndarray = tsne_module.tsne(
                vectors_of(source, rows), n_components=n_components, on_frame=on_frame,
                on_progress=on_progress, should_stop=should_stop, initial=initial, **options,
            )  # fmt: skip
            return result

        def fit(vectors: np.ndarray, **hooks: Any) -> np.ndarray:
            return tsne_module.tsne(vectors, n_components=n_components,
                                    should_stop=should_stop, **hooks, **options)  # fmt: skip

        return self._fit_then_place(
            fit, source, candidates, fitted, on_frame=on_frame, on_progress=on_progress,
            initial=initial, record=record,
        )  # fmt: skip

    def umap(
        self, source: VectorSource, rows: np.ndarray | None, *, n_components: int,
        on_frame: FrameHook, on_progress: ProgressHook, initial: np.ndarray | None = None,
        fit_points: int | np.ndarray | None = None, record: dict[str, Any] | None = None,
        **options: Any,
    ) -> np.ndarray:  # fmt: skip
        if not umap_module.umap_available():
            raise ImportError(umap_module.MISSING_MESSAGE)
        candidates, fitted = self._fit_rows(source, rows, fit_points, options.get("seed", 0))
        if len(fitted) == len(candidates):
            result: np.ndarray = umap_module.umap(
                vectors_of(source, rows), n_components=n_components, on_progress=on_progress,
                on_frame=on_frame, initial=initial, **options,
            )  # fmt: skip
            return result

        def fit(vectors: np.ndarray, **hooks: Any) -> np.ndarray:
            return umap_module.umap(vectors, n_components=n_components, **hooks, **options)

        return self._fit_then_place(
            fit, source, candidates, fitted, on_frame=on_frame, on_progress=on_progress,
            initial=initial, record=record,
        )  # fmt: skip

    def custom_axes(self, source: VectorSource, masks: dict[str, np.ndarray],
                    on_progress: ProgressHook | None = None) -> custom_module.Axes:  # fmt: skip
        if in_memory(source):
            return custom_module.fit_axes(vectors_of(source, None), masks["Left"],
                                          masks["Right"], masks.get("Down"),
                                          masks.get("Up"))  # fmt: skip
        return streamed_custom_axes(source, masks, runner=self.runner, on_progress=on_progress)

    def custom_layout(self, source: VectorSource, axes: custom_module.Axes,
                      rows: np.ndarray | None,
                      on_progress: ProgressHook | None = None) -> np.ndarray:  # fmt: skip
        if in_memory(source):
            return axes.project(vectors_of(source, rows))
        return streamed_custom_layout(source, axes, rows, runner=self.runner,
                                      on_progress=on_progress)  # fmt: skip
