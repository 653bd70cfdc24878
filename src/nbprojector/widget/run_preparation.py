"""Preparing projection runs: each method's parameters checked at once (so errors raise in
the caller's cell), and the run that computes the layout, ``run(ctx, source, rows) ->
(coords, description)``, to be started by :class:`~nbprojector.widget.projections.Projections`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..align import initial_layout
from ..chunk_runner import in_memory
from ..compute import Compute
from ..projections import custom as custom_module
from ..projections import tsne as tsne_module
from ..projections import umap as umap_module
from ..projections.pca import MAX_COMPONENTS
from ..sources import VectorSource
from .pca_cache import PCACache
from .state import ViewState

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector

#: (coordinates of the rows run on, what the ``projection`` trait says about them)
Outcome = tuple[np.ndarray, dict[str, Any]]

#: A prepared run: computes the layout of ``rows`` of a source.
Run = Callable[[Any, VectorSource, "np.ndarray | None"], Outcome]


class RunPreparation:
    """Each method's parameter check, returning the run to start; t-SNE and UMAP start from
    the previous embedding's layout when alignment asks for it."""

    def __init__(self, widget: Projector, view: ViewState, compute: Compute,
                 pca: PCACache) -> None:  # fmt: skip
        self._widget = widget
        self._view = view
        self._compute = compute
        self._pca = pca
        self.by_method: dict[str, Callable[[dict[str, Any], int], Run]] = {
            "pca": self.pca, "tsne": self.tsne, "umap": self.umap, "custom": self.custom,
        }  # fmt: skip

    def start_from_reference(self, dims: int) -> tuple[str, np.ndarray] | None:
        """(name, coordinates of every point) of the previous embedding's layout, when a
        t-SNE or UMAP run of ``dims`` dimensions should start from it."""
        reference = self._view.reference()
        if reference is None or reference[1].dims != dims:
            return None
        return reference[0], reference[1].coords

    def pca(self, params: dict[str, Any], n: int) -> Run:
        components = params.pop("components", None)
        _reject_unknown("pca", params)
        dims = self._view.n_dims
        if components is None:
            components = tuple(range(1, min(3, dims, n) + 1))
        components = tuple(components)
        if len(components) not in (2, 3):
            raise ValueError(f"choose 2 or 3 components, got {len(components)}: {components}")
        available = min(MAX_COMPONENTS, dims, n)
        for c in components:
            integer = isinstance(c, (int, np.integer)) and not isinstance(c, bool)
            if not integer or not 1 <= c <= available:
                raise ValueError(
                    f"component {c!r} is out of range: choose from 1 to {available} "
                    "(components are numbered from 1)"
                )
        if len(set(components)) != len(components):
            raise ValueError(f"components must differ, got {components}")
        chosen = [int(c) for c in components]
        embedding = self._view.embedding

        def run(ctx: Any, source: VectorSource, rows: np.ndarray | None) -> Outcome:
            ctx.progress("computing PCA")
            result = self._pca.get(embedding, source, rows, ctx.progress)
            ratios = [float(r) for r in result.explained_variance_ratio]
            coords = result.scores[:, [c - 1 for c in chosen]]
            self._pca.keep_axes_only(embedding, source, rows)  # the layout keeps the scores
            return coords, {
                "params": {"components": chosen},
                "dims": len(chosen),
                "variance": ratios,
                "variance_shown": float(sum(ratios[c - 1] for c in chosen)),
            }

        return run

    def tsne(self, params: dict[str, Any], n: int) -> Run:
        dims = int(params.pop("dims", params.pop("n_components", 2)))
        fit_points = params.pop("fit_points", None)
        options = {**tsne_module.TSNE_DEFAULTS, **params}
        options = {k: options[k] for k in ("perplexity", "learning_rate", "n_iter", "seed",
                                           "pca_dims")}  # fmt: skip
        _reject_unknown("tsne", {k: v for k, v in params.items() if k not in options})
        tsne_module.validate_params(
            n,
            n_components=dims,
            perplexity=options["perplexity"],
            learning_rate=options["learning_rate"],
            n_iter=options["n_iter"],
            pca_dims=options["pca_dims"],
        )
        compute = self._compute
        start = self.start_from_reference(dims)

        def run(ctx: Any, source: VectorSource, rows: np.ndarray | None) -> Outcome:
            initial, started = _initial_rows(start, rows, dims)

            def frame(iteration: int, embedding: np.ndarray) -> bool:
                ctx.frame(embedding, iteration)
                return False

            def progress(message: str, fraction: float | None) -> bool:
                ctx.progress(message, fraction)
                return False

            def should_stop() -> bool:
                ctx.check()
                return False

            record: dict[str, Any] = {}  # fitted / placed, when a sample was fitted
            coords = compute.tsne(
                source, rows, n_components=dims, on_frame=frame, on_progress=progress,
                should_stop=should_stop, initial=initial, fit_points=fit_points,
                record=record, **options,
            )  # fmt: skip
            return coords, {"params": {"dims": dims, **options}, "dims": dims,
                            "iteration": options["n_iter"],
                            "pca_first": _reduced_first(options["pca_dims"], source),
                            **started, **record}  # fmt: skip

        run.total_steps = options["n_iter"]  # type: ignore[attr-defined]  # the progress line's total
        return run

    def umap(self, params: dict[str, Any], n: int) -> Run:
        if not umap_module.umap_available():
            raise ImportError(umap_module.MISSING_MESSAGE)
        dims = int(params.pop("dims", params.pop("n_components", 2)))
        fit_points = params.pop("fit_points", None)
        options = {**umap_module.UMAP_DEFAULTS, **params}
        options = {k: options[k] for k in ("n_neighbors", "min_dist", "seed", "pca_dims")}
        _reject_unknown("umap", {k: v for k, v in params.items() if k not in options})
        umap_module.validate_params(
            n, n_components=dims, n_neighbors=options["n_neighbors"],
            min_dist=options["min_dist"], seed=options["seed"], pca_dims=options["pca_dims"],
        )  # fmt: skip
        # Without a seed umap-learn runs on every core, and no two runs agree.
        reproducible: dict[str, Any] = {"reproducible": options["seed"] is not None}
        if options["seed"] is None:
            reproducible["note"] = umap_module.NOT_REPRODUCIBLE
        compute = self._compute
        start = self.start_from_reference(dims)

        def run(ctx: Any, source: VectorSource, rows: np.ndarray | None) -> Outcome:
            initial, started = _initial_rows(start, rows, dims)

            def progress(message: str, fraction: float | None) -> bool:
                ctx.progress(message, fraction)
                return False

            def frame(epoch: int, layout: np.ndarray) -> bool:
                return bool(ctx.frame(layout, epoch))  # copies: umap keeps optimising it

            record: dict[str, Any] = {}  # fitted / placed, when a sample was fitted
            coords = compute.umap(source, rows, n_components=dims, on_progress=progress,
                                  on_frame=frame, initial=initial, fit_points=fit_points,
                                  record=record, **options)  # fmt: skip
            return coords, {"params": {"dims": dims, **options}, "dims": dims, **started,
                            "pca_first": _reduced_first(options["pca_dims"], source),
                            **record, **reproducible}  # fmt: skip

        run.total_steps = umap_module.planned_epochs(n)  # type: ignore[attr-defined]
        run.note = reproducible.get("note")  # type: ignore[attr-defined]  # said while it runs
        return run

    def custom(self, params: dict[str, Any], n: int) -> Run:
        data = self._view.data
        column = params.pop("column", None) or self._widget.label_by
        if not data.has_column(column):
            raise ValueError(f"unknown column {column!r}; choose one of {data.columns}")
        fields = {k: params.pop(k, None) for k in ("left", "right", "down", "up")}
        regex = bool(params.pop("regex", False))
        _reject_unknown("custom", params)
        # The axes come from ALL points, also while a subset is isolated (only the points
        # shown are laid out). The searches run now, so a field that matches nothing fails
        # at once; a column left on disk is searched a block at a time.
        masks, counts = custom_module.field_masks(
            lambda query: data.matches(column, query, regex=regex), regex=regex, **fields
        )
        compute, source = self._compute, self._view.source
        # In memory the axes are one product away: computed now too. A source outside memory
        # is read in the run, where its progress shows and a cancel stops it.
        axes = compute.custom_axes(source, masks) if in_memory(source) else None

        def run(ctx: Any, source: VectorSource, rows: np.ndarray | None) -> Outcome:
            frame = axes if axes is not None else compute.custom_axes(source, masks, ctx.progress)
            coords = compute.custom_layout(source, frame, rows, ctx.progress)
            params_out = {"column": column, "regex": regex, **fields}
            return coords, {"params": params_out, "dims": 2, "counts": counts}

        return run


def _initial_rows(start: tuple[str, np.ndarray] | None, rows: np.ndarray | None, dims: int
                  ) -> tuple[np.ndarray | None, dict[str, Any]]:  # fmt: skip
    """The starting layout of ``rows`` taken from ``start`` (None when unusable), and what
    the projection record says about it."""
    if start is None:
        return None, {}
    name, coords = start
    initial = initial_layout(coords if rows is None else coords[rows], dims)
    return (None, {}) if initial is None else (initial, {"aligned_to": name})


def _reduced_first(pca_dims: int | None, source: VectorSource) -> bool:
    """Whether a t-SNE or UMAP run reduces the vectors with PCA before its neighbour graph."""
    return pca_dims is not None and source.shape[1] > pca_dims


def _reject_unknown(method: str, params: dict[str, Any]) -> None:
    if params:
        what = "parameter" if len(params) == 1 else "parameters"
        raise ValueError(f"unknown {what} for {method}: {', '.join(sorted(params))}")
