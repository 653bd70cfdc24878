"""Running projections for the widget: PCA at once, t-SNE / UMAP / custom in the background.

A background run streams its layout to the view (throttled frames into ``_positions``) and
its state into ``progress``; the kernel's main thread stays free. A newer request cancels
the running one, so two optimisations never fight over the view (DESIGN "Requests").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import protocol, wording
from .jobs import Cancelled, Job, JobContext, JobRunner
from .layout import Layout, embed_subset
from .projections import custom as custom_module
from .projections import tsne as tsne_module
from .projections import umap as umap_module
from .projections.pca import MAX_COMPONENTS, PCAResult, pca
from .search import match

METHODS = ("pca", "tsne", "umap", "custom")
# The optimisation phase's progress messages, shown as the step reached instead.
LAYOUT_PHASES = {tsne_module.PHASE_LAYOUT, umap_module.PHASE_LAYOUT}


def methods_available() -> dict[str, dict[str, Any]]:
    """What the projections panel offers; UMAP only with the ``umap`` extra."""
    umap_ok = umap_module.umap_available()
    return {
        "pca": {"available": True},
        "tsne": {"available": True, "defaults": tsne_module.TSNE_DEFAULTS},
        "umap": {
            "available": umap_ok,
            "defaults": umap_module.UMAP_DEFAULTS,
            **({} if umap_ok else {"message": umap_module.MISSING_MESSAGE}),
        },
        "custom": {"available": True},
    }


class ProjectionsMixin:
    """The projection half of :class:`~nbprojector.Projector` (see ``project``)."""

    # Provided by the widget: _data, vectors, embedding, n_points, _layouts, hold_sync,
    # set_trait, _positions, projection, progress, _isolated.

    def _init_projections(self) -> None:
        self._runner = JobRunner()
        self._pca_cache: dict[tuple[str, bytes | None], PCAResult] = {}

    # ---------------------------------------------------------------- public API

    def project(self, method: str = "pca", **params: Any) -> Job:
        """Compute and show a projection of the current embedding (on the isolated points
        only, while some are isolated).

        - ``p.project("pca", components=(1, 2))``: components numbered from 1, as in the
          panel; two give 2D, three give 3D. Immediate.
        - ``p.project("tsne", dims=2, perplexity=30, learning_rate="auto", n_iter=750,
          seed=0)``: animated; runs in the background.
        - ``p.project("umap", dims=2, n_neighbors=15, min_dist=0.1, seed=0)``: background;
          needs the ``umap`` extra.
        - ``p.project("custom", left="bad", right="good", down=None, up=None,
          column=None, regex=False)``: x from Left to Right (centroid difference in the
          original space), y from Down to Up. The axes come from all points, also while
          some are isolated; the points shown are laid out. Immediate.

        A newer call cancels a running one. Parameter errors raise here, at once.

        Returns:
            A :class:`~nbprojector.jobs.Job`: ``.wait()`` blocks until the layout is shown
            and raises the run's error if it failed; ``.cancel()``, ``.pause()``,
            ``.resume()``; ``.state``.
        """
        if method not in METHODS:
            raise ValueError(
                f"unknown projection method {method!r}; available: {', '.join(METHODS)}"
            )
        rows = self._isolated
        n = self.n_points if rows is None else len(rows)
        run = getattr(self, f"_prepare_{method}")(dict(params), n)
        job = self._submit(method, run, rows)
        if method in ("pca", "custom"):
            # Exact and fast once computed (custom: one product with the axes, computed
            # above): callers, and isolate's rerun, expect the layout shown now.
            job.wait()
        return job

    def _show_first_layout(self) -> None:
        """PCA of an embedding shown for the first time, computed here and now: it must not
        go through the job runner, where it would cancel a projection running on another
        embedding."""
        rows = self._isolated
        vectors = self.vectors if rows is None else self.vectors[rows]
        run = self._prepare_pca({}, len(vectors))
        coords, description = run(_NO_PROGRESS, vectors, rows)
        full = embed_subset(coords, rows, None, self.n_points)
        layout = Layout(full, self._describe("pca", description, rows), rows)
        self._layouts[self.embedding] = layout
        self._show(layout)

    def cancel_projection(self) -> None:
        """Stop the running projection; the layout before it is put back."""
        self._runner.cancel(wait=1.0)

    def _rerun_projection(self) -> Job:
        """Run the current projection again (after isolating or showing all)."""
        current = dict(self.projection)
        method = current.get("method", "pca")
        params = dict(current.get("params", {}))
        return self.project(method, **params)

    # ---------------------------------------------------------------- preparing runs
    # Each _prepare_<method> validates parameters at once (so errors raise in the caller's
    # cell) and returns fn(ctx, vectors) -> (coords, description).

    def _prepare_pca(self, params: dict[str, Any], n: int):
        components = params.pop("components", None)
        _reject_unknown("pca", params)
        if components is None:
            components = tuple(range(1, min(3, self.vectors.shape[1], n) + 1))
        components = tuple(components)
        if len(components) not in (2, 3):
            raise ValueError(f"choose 2 or 3 components, got {len(components)}: {components}")
        available = min(MAX_COMPONENTS, self.vectors.shape[1], n)
        for c in components:
            integer = isinstance(c, (int, np.integer)) and not isinstance(c, bool)
            if not integer or not 1 <= c <= available:
                raise ValueError(
                    f"component {c!r} is out of range: choose from 1 to {available} "
                    "(components are numbered from 1)"
                )
        if len(set(components)) != len(components):
            raise ValueError(f"components must differ, got {components}")
        components = [int(c) for c in components]

        def run(ctx: JobContext, vectors: np.ndarray, rows: np.ndarray | None):
            ctx.progress("computing PCA")
            result = self._pca_of(vectors, rows)
            ratios = [float(r) for r in result.explained_variance_ratio]
            return result.scores[:, [c - 1 for c in components]], {
                "params": {"components": components},
                "dims": len(components),
                "variance": ratios,
                "variance_shown": float(sum(ratios[c - 1] for c in components)),
            }

        return run

    def _pca_of(self, vectors: np.ndarray, rows: np.ndarray | None) -> PCAResult:
        key = (self.embedding, None if rows is None else rows.tobytes())
        if key not in self._pca_cache:
            if len(self._pca_cache) > 8:  # subsets come and go; keep memory bounded
                self._pca_cache.pop(next(iter(self._pca_cache)))
            self._pca_cache[key] = pca(vectors, MAX_COMPONENTS)
        return self._pca_cache[key]

    def _prepare_tsne(self, params: dict[str, Any], n: int):
        dims = int(params.pop("dims", params.pop("n_components", 2)))
        options = {**tsne_module.TSNE_DEFAULTS, **params}
        options = {k: options[k] for k in ("perplexity", "learning_rate", "n_iter", "seed")}
        _reject_unknown("tsne", {k: v for k, v in params.items() if k not in options})
        tsne_module.validate_params(
            n,
            n_components=dims,
            perplexity=options["perplexity"],
            learning_rate=options["learning_rate"],
            n_iter=options["n_iter"],
        )

        def run(ctx: JobContext, vectors: np.ndarray, rows: np.ndarray | None):

            def frame(iteration: int, embedding: np.ndarray) -> bool:
                ctx.frame(embedding, iteration)
                return False

            def progress(message: str, fraction: float | None) -> bool:
                ctx.progress(message, fraction)
                return False

            coords = tsne_module.tsne(
                vectors,
                n_components=dims,
                on_frame=frame,
                on_progress=progress,
                should_stop=lambda: ctx.check() or False,
                **options,
            )
            return coords, {"params": {"dims": dims, **options}, "dims": dims,
                            "iteration": options["n_iter"],
                            "pca_first": vectors.shape[1] > 50}  # fmt: skip

        run.total_steps = options["n_iter"]  # type: ignore[attr-defined]  # the progress line's total
        return run

    def _prepare_umap(self, params: dict[str, Any], n: int):
        if not umap_module.umap_available():
            raise ImportError(umap_module.MISSING_MESSAGE)
        dims = int(params.pop("dims", params.pop("n_components", 2)))
        options = {**umap_module.UMAP_DEFAULTS, **params}
        options = {k: options[k] for k in ("n_neighbors", "min_dist", "seed")}
        _reject_unknown("umap", {k: v for k, v in params.items() if k not in options})
        umap_module.validate_params(
            n, n_components=dims, n_neighbors=options["n_neighbors"], min_dist=options["min_dist"]
        )

        def run(ctx: JobContext, vectors: np.ndarray, rows: np.ndarray | None):
            def progress(message: str, fraction: float | None) -> bool:
                ctx.progress(message, fraction)
                return False

            def frame(epoch: int, layout: np.ndarray) -> bool:
                return ctx.frame(layout, epoch)  # copies: umap keeps optimising this array

            coords = umap_module.umap(
                vectors, n_components=dims, on_progress=progress, on_frame=frame, **options
            )
            return coords, {"params": {"dims": dims, **options}, "dims": dims}

        run.total_steps = umap_module.planned_epochs(n)  # type: ignore[attr-defined]
        return run

    def _prepare_custom(self, params: dict[str, Any], n: int):
        column = params.pop("column", None) or self.label_by
        if column not in self._data.table.columns:
            raise ValueError(
                f"unknown column {column!r}; choose one of {list(self._data.table.columns)}"
            )
        fields = {k: params.pop(k, None) for k in ("left", "right", "down", "up")}
        regex = bool(params.pop("regex", False))
        _reject_unknown("custom", params)
        # The axes come from ALL points, also while a subset is isolated (only the points
        # shown are laid out); computed now, so a field that matches nothing fails at once.
        axes, counts = custom_module.axes_from_queries(
            self.vectors, self._data.table[column], regex=regex, **fields
        )

        def run(ctx: JobContext, vectors: np.ndarray, rows: np.ndarray | None):
            coords = axes.project(vectors)
            params_out = {"column": column, "regex": regex, **fields}
            return coords, {"params": params_out, "dims": 2, "counts": counts}

        return run

    # ---------------------------------------------------------------- running

    def _submit(self, method: str, run, rows: np.ndarray | None) -> Job:
        embedding = self.embedding
        vectors = self.vectors if rows is None else self.vectors[rows]
        total_steps: int | None = getattr(run, "total_steps", None)
        # What a cancel puts back, and what "stop here" keeps (the last frame shown).
        run_state: dict[str, Any] = {"before": self._layouts.get(embedding), "last": None,
                                     "keep": False, "iteration": None}  # fmt: skip

        def fn(ctx: JobContext):
            return run(ctx, vectors, rows)

        def on_frame(frame: np.ndarray, iteration: int) -> None:
            if self.embedding != embedding:
                return
            coords = embed_subset(frame, rows, run_state["before"], self.n_points)
            described = self._describe(method, {"dims": coords.shape[1], "running": True}, rows)
            layout = Layout(coords, described, rows)
            run_state["last"], run_state["iteration"] = layout, iteration
            self._show(layout)
            # The line is the progress callback's (a held-back frame can come after a later
            # step was said); a frame only says which step the layout shown is from.
            said = self.progress if self.progress.get("method") == method else {}
            line = said.get("message") or wording.step_line(method, iteration, total_steps)
            self._set_progress("running", method, line, iteration=iteration,
                               fraction=said.get("fraction"))  # fmt: skip

        def on_progress(message: str, fraction: float | None) -> None:
            if message in LAYOUT_PHASES and fraction is not None and total_steps:
                done = round(fraction * total_steps)  # "iteration 340 / 750", not the phase
                message = wording.step_line(method, done, total_steps)
            self._set_progress("running", method, message, fraction=fraction)

        def on_done(result) -> None:
            coords, description = result
            full = embed_subset(coords, rows, run_state["before"], self.n_points)
            layout = Layout(full, self._describe(method, description, rows), rows)
            self._layouts[embedding] = layout
            if self.embedding == embedding:
                self._show(layout)
            steps = description.get("stopped_at") or total_steps
            self._set_progress("done", method, wording.done_line(method, steps))

        def on_error(err: BaseException) -> None:
            self._set_progress("failed", method, wording.failed_line(method), error=str(err))
            self._restore(embedding, run_state["before"])

        def on_cancel(superseded: bool) -> None:
            if superseded:
                return  # the newer run draws its own layout
            last = run_state["last"]
            if run_state["keep"] and last is not None:
                # "Stop": the layout reached so far becomes the result.
                params = dict(self.projection.get("params", {}))
                done = {**last.description, "running": False, "stopped_at": run_state["iteration"],
                        "params": params}  # fmt: skip
                self._layouts[embedding] = Layout(last.coords, done, rows)
                if self.embedding == embedding:
                    self._show(self._layouts[embedding])
                line = wording.stopped_line(method, run_state["iteration"])
                self._set_progress("done", method, line)
            else:
                self._restore(embedding, run_state["before"])
                self._set_progress("cancelled", method, wording.cancelled_line(method))

        # Said before the job starts, so it can never overwrite the job's own later news.
        self._set_progress("running", method, wording.starting_line(method))
        job = self._runner.submit(
            fn, on_frame=on_frame, on_progress=on_progress, on_done=on_done,
            on_error=on_error, on_cancel=on_cancel, name=method,
        )  # fmt: skip
        self._run_state = run_state
        return job

    def _describe(self, method: str, description: dict[str, Any],
                  rows: np.ndarray | None = None) -> dict[str, Any]:  # fmt: skip
        out = {"method": method, **description}
        out["points"] = self.n_points if rows is None else len(rows)
        return out

    def _show(self, layout: Layout) -> None:
        positions = layout.positions().tobytes()
        with self.hold_sync():
            if positions != self._positions:  # equal layouts are not re-sent
                self._positions = positions
            self.set_trait("projection", layout.description)

    def _restore(self, embedding: str, before: Layout | None) -> None:
        """A cancelled or failed run leaves the layout it started from."""
        if before is not None and self.embedding == embedding:
            self._layouts[embedding] = before
            self._show(before)

    def _set_progress(self, state: str, method: str, message: str, **extra: Any) -> None:
        self.set_trait("progress", {"state": state, "method": method, "message": message,
                                    **extra})  # fmt: skip

    # ---------------------------------------------------------------- requests

    def _request_project(self, payload: dict[str, Any], _buffers: list[Any]) -> dict[str, Any]:
        params = payload.get("params") or {}
        if not isinstance(params, dict):
            raise protocol.ProtocolError("'params' must be an object")
        method = str(payload.get("method", "pca"))
        self.project(method, **params)
        return {"method": method, "state": self.progress.get("state")}

    def _request_cancel(self, payload: dict[str, Any], _buffers: list[Any]) -> dict[str, Any]:
        job = self._runner.current
        if job is not None and not job.done:
            if payload.get("keep"):
                self._run_state["keep"] = True
            job.cancel()
        return {"state": None if job is None else job.state}

    def _request_pause(self, payload: dict[str, Any], _buffers: list[Any]) -> dict[str, Any]:
        job = self._runner.current
        if job is not None and not job.done:
            job.pause()
            self.set_trait("progress", {**self.progress, "state": "paused"})
        return {"state": None if job is None else job.state}

    def _request_resume(self, payload: dict[str, Any], _buffers: list[Any]) -> dict[str, Any]:
        job = self._runner.current
        if job is not None and job.state == "paused":
            job.resume()
            self.set_trait("progress", {**self.progress, "state": "running"})
        return {"state": None if job is None else job.state}

    def _request_count(self, payload: dict[str, Any], _buffers: list[Any]) -> dict[str, Any]:
        """How many points a query matches (the custom panel's live counts), among ALL points:
        the custom axes come from all of them, also while a subset is isolated."""
        column = payload.get("column") or self.label_by
        if column not in self._data.table.columns:
            raise ValueError(f"unknown column {column!r}")
        query = payload.get("query")
        if not isinstance(query, str):
            raise protocol.ProtocolError("'query' must be a string")
        values = self._data.table[column]
        return {"count": int(match(values, query, regex=bool(payload.get("regex"))).sum()),
                "of": self.n_points}  # fmt: skip


class _NoProgress:
    """Stands in for a job's context when a projection runs in the caller's thread."""

    def progress(self, message: str, fraction: float | None = None) -> bool:
        return False


_NO_PROGRESS = _NoProgress()


def _reject_unknown(method: str, params: dict[str, Any]) -> None:
    if params:
        what = "parameter" if len(params) == 1 else "parameters"
        raise ValueError(f"unknown {what} for {method}: {', '.join(sorted(params))}")


__all__ = ["Cancelled", "ProjectionsMixin", "methods_available"]

