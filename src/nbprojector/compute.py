"""Where projections are computed: one engine interface, one local implementation.

A :class:`Compute` engine turns vectors (a :class:`~nbprojector.sources.VectorSource`,
optionally restricted to some rows) into layouts: PCA at once, t-SNE and UMAP with frames
and progress reported through callbacks, the custom projection from metadata searches.
Today's one engine, :class:`LocalCompute`, runs numpy, openTSNE and umap-learn in the
kernel's process; a remote or GPU engine would be another implementation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .projections import custom as custom_module
from .projections import tsne as tsne_module
from .projections import umap as umap_module
from .projections.pca import MAX_COMPONENTS, PCAResult, pca
from .sources import ArraySource, VectorSource

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

    def pca(self, source: VectorSource, rows: np.ndarray | None) -> PCAResult:
        """PCA of ``rows`` (all when None), the first ``MAX_COMPONENTS`` components."""
        ...

    def tsne(
        self, source: VectorSource, rows: np.ndarray | None, *, n_components: int,
        on_frame: FrameHook, on_progress: ProgressHook, should_stop: Callable[[], bool],
        **options: Any,
    ) -> np.ndarray:  # fmt: skip
        """A t-SNE layout (options as :func:`nbprojector.projections.tsne.tsne`)."""
        ...

    def umap(
        self, source: VectorSource, rows: np.ndarray | None, *, n_components: int,
        on_frame: FrameHook, on_progress: ProgressHook, **options: Any,
    ) -> np.ndarray:  # fmt: skip
        """A UMAP layout (options as :func:`nbprojector.projections.umap.umap`)."""
        ...

    def custom_axes(
        self, source: VectorSource, values: pd.Series, *, regex: bool,
        fields: dict[str, str | None],
    ) -> tuple[custom_module.Axes, dict[str, int]]:  # fmt: skip
        """The custom projection's axes from ALL the points of ``source`` (``values``: the
        searched column, one value per point) and the matches per field; see
        ``axes_from_queries``. ``Axes.project`` lays out any rows on them."""
        ...


class LocalCompute:
    """Projections computed in this process (numpy, openTSNE, umap-learn)."""

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

    def pca(self, source: VectorSource, rows: np.ndarray | None) -> PCAResult:
        return pca(vectors_of(source, rows), MAX_COMPONENTS)

    def tsne(
        self, source: VectorSource, rows: np.ndarray | None, *, n_components: int,
        on_frame: FrameHook, on_progress: ProgressHook, should_stop: Callable[[], bool],
        **options: Any,
    ) -> np.ndarray:  # fmt: skip
        result: np.ndarray = tsne_module.tsne(
            vectors_of(source, rows), n_components=n_components, on_frame=on_frame,
            on_progress=on_progress, should_stop=should_stop, **options,
        )  # fmt: skip
        return result

    def umap(
        self, source: VectorSource, rows: np.ndarray | None, *, n_components: int,
        on_frame: FrameHook, on_progress: ProgressHook, **options: Any,
    ) -> np.ndarray:  # fmt: skip
        if not umap_module.umap_available():
            raise ImportError(umap_module.MISSING_MESSAGE)
        result: np.ndarray = umap_module.umap(
            vectors_of(source, rows), n_components=n_components, on_progress=on_progress,
            on_frame=on_frame, **options,
        )  # fmt: skip
        return result

    def custom_axes(
        self, source: VectorSource, values: pd.Series, *, regex: bool,
        fields: dict[str, str | None],
    ) -> tuple[custom_module.Axes, dict[str, int]]:  # fmt: skip
        return custom_module.axes_from_queries(
            vectors_of(source, None), values, regex=regex, **fields  # type: ignore[arg-type]
        )
