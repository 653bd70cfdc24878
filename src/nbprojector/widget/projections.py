"""Running projections for the widget: PCA at once, t-SNE / UMAP / custom in the background.

:class:`Projections` owns the job runner, the PCA cache and the ``progress`` trait. A
background run streams its layout to the view (throttled frames, through the
:class:`~nbprojector.widget.state.ViewState`) and its state into ``progress``; the kernel's
main thread stays free. A newer request supersedes the running one, so two optimisations
never fight over the view (see docs/ARCHITECTURE.md, "Requests").
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import wording
from ..align import procrustes_align
from ..chunk_runner import in_memory
from ..compute import METHODS, Compute
from ..jobs import Job, JobRunner
from ..layout import Layout, embed_subset
from ..projections import tsne as tsne_module
from ..projections import umap as umap_module
from ..projections.pca import PCAResult
from ..sources import VectorSource
from . import drawn_fill, exact_pca
from .pca_cache import PCACache
from .run_preparation import Outcome, Run, RunPreparation
from .state import ViewState

# The optimisation phase's progress messages, shown as the step reached instead.
LAYOUT_PHASES = {tsne_module.PHASE_LAYOUT, umap_module.PHASE_LAYOUT}

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector


class _Context:
    """Stands in for a job's context when PCA runs in the caller's thread (it only reports
    progress, which nobody reads there)."""

    def progress(self, message: str, fraction: float | None = None) -> bool:
        return False



@dataclass
class _RunState:
    """One background run as the view sees it: what a cancel puts back, and what "stop
    here" keeps (the last frame shown)."""

    before: Layout | None
    last: Layout | None = None
    keep: bool = False
    iteration: int | None = None




class Projections:
    """Projections of the current embedding (on the isolated points, while some are)."""

    def __init__(self, widget: Projector, view: ViewState, compute: Compute) -> None:
        self._widget = widget
        self._view = view
        self._compute = compute
        self._runner = JobRunner()
        self._pca = PCACache(compute)
        self._run: _RunState | None = None
        self._exact = exact_pca.PendingExact()  # behind a layout fitted on the drawn points
        # Each method's parameter check; it returns the run to start.
        self._runs = RunPreparation(widget, view, compute, self._pca)
        self._prepare = self._runs.by_method

    def methods(self) -> dict[str, dict[str, Any]]:
        return self._compute.methods()

    # ---------------------------------------------------------------- starting runs

    def project(self, method: str, params: dict[str, Any], *, wait: bool = True) -> Job:
        """See ``Projector.project``. ``wait``: a PCA or custom projection is waited for
        (the page's requests of a source outside memory are not: see handle_project)."""
        if method not in METHODS:
            raise ValueError(
                f"unknown projection method {method!r}; available: {', '.join(METHODS)}"
            )
        rows = self._view.isolated
        if method in ("tsne", "umap"):
            drawn, above_budget = self._view.fit_rows()
            if above_budget:
                # Above the draw budget: fit the drawn points, then place every other point
                # shown with the method's own transform (unless told which points to fit).
                params = {"fit_points": drawn, **params}
        n = self._view.n_points if rows is None else len(rows)
        run = self._prepare[method](dict(params), n)
        if method in _ALIGNED_AFTER:
            run = self._aligned(run)
        job = self._submit(method, run, rows)
        assert job is not None  # unconditional
        if method in ("pca", "custom") and wait:
            # Exact, and fast in memory: callers, and isolate's rerun, expect the layout
            # shown now. Interrupted (Ctrl-C, the kernel's stop button), the run stops too.
            try:
                job.wait()
            except BaseException:
                job.cancel()
                raise
        return job

    def show_first_layout(self) -> None:
        """PCA of an embedding shown for the first time, computed here and now: it must not
        go through the job runner, where it would cancel a projection running on another
        embedding. The one exception is a source outside memory above the draw budget: its
        exact PCA is a background job, which stops a projection running on another
        embedding (as choosing a projection does)."""
        view = self._view
        rows = view.isolated
        n = view.n_points if rows is None else len(rows)
        # Aligned to a 2D layout, the new one is 2D too (a 3D PCA could not be aligned to it).
        reference = view.reference()
        flat = reference is not None and reference[1].dims == 2 and min(view.n_dims, n) >= 2
        params = {"components": (1, 2)} if flat else {}
        drawn = view.drawn
        if rows is None and drawn is not None and not in_memory(view.source):
            self._show_sample_then_exact(params, drawn)
            return
        run = self._aligned(self._runs.pca(params, n))
        coords, description = run(_Context(), view.source, rows)
        full = embed_subset(coords, rows, None, view.n_points)
        view.keep_and_show(view.embedding, Layout(full, self._describe("pca", description, rows),
                                                  rows))  # fmt: skip

    def _show_sample_then_exact(self, params: dict[str, Any], drawn: np.ndarray) -> None:
        """The PCA fitted on the ``drawn`` points shown now (the other points have no
        coordinates yet), the exact PCA over every point started in the background to
        replace it (see :mod:`.exact_pca`). Above ``draw_budget.FIRST_PART_POINTS`` drawn
        points it is fitted on a first part of them, the others placed in the background
        before the exact pass (see :mod:`.drawn_fill`)."""
        view, n = self._view, self._view.n_points
        first = view.first_part()
        fitted = drawn if first is None else first
        sample = self._aligned(self._runs.pca(dict(params), len(fitted)))
        coords, description = sample(_Context(), view.source, fitted)
        record = exact_pca.sample_description(self._describe("pca", description, fitted),
                                              len(fitted), n)  # fmt: skip
        if first is not None:
            record = drawn_fill.first_description(record, len(drawn))
        layout = Layout(embed_subset(coords, fitted, None, n, fill=np.nan), record, fitted)
        view.keep_and_show(view.embedding, layout)
        if first is None:
            self._start_exact(params, layout)
        else:
            self._start_fill(params, layout)

    def _start_exact(self, params: dict[str, Any], sample: Layout,
                     after: Job | None = None) -> None:  # fmt: skip
        """The exact PCA over every point, in the background, to replace ``sample``;
        ``after``: only if that job (the placing of the drawn points) is still the current
        one and the widget is open (see ``JobRunner.submit_after``)."""
        n = self._view.n_points
        run = exact_pca.exact_run(self._aligned(self._runs.pca(dict(params), n)),
                                  sample.description, n, self._exact.start)  # fmt: skip
        self._submit("pca", run, None, after=after,
                     on_accept=lambda job: self._exact.watch(job, sample))  # fmt: skip

    def _start_fill(self, params: dict[str, Any], first: Layout) -> None:
        """Place, in the background, the drawn points ``first`` (a PCA fitted on a first
        part of them) has no coordinates for; then start the exact pass."""
        view = self._view
        embedding, source, drawn = view.embedding, view.source, view.drawn_or_all()
        assert first.rows is not None
        fill = drawn_fill.fill_run(self._placer(first), first, drawn, self._exact.start)
        this: list[Job] = []  # the fill job, once accepted

        def on_progress(message: str, fraction: float | None) -> None:
            self._set_progress("running", "pca", message, fraction=fraction)

        def on_done(coords: np.ndarray) -> None:
            filled = Layout(coords, drawn_fill.filled_description(first.description,
                                                                  len(drawn)),
                            first.rows)  # fmt: skip
            view.keep_and_show(embedding, filled)
            if view.embedding == embedding:
                # Not if the user started something else meanwhile, or closed the widget.
                self._start_exact(params, filled, after=this[0])
            else:  # shown again, its exact pass starts then (show_kept)
                self._set_progress("done", "pca", filled.description["note"])

        def on_error(err: BaseException) -> None:
            self._set_progress("failed", "pca", wording.failed_line("pca"), error=str(err))

        def on_cancel(superseded: bool) -> None:
            if superseded:
                return
            # Stopped: the first part's layout stays, and says the others are not coming.
            record = drawn_fill.stopped_description(first.description, len(drawn))
            if view.layouts.get(embedding) is first:
                view.keep_and_show(embedding, Layout(first.coords, record, first.rows))
            self._set_progress("cancelled", "pca", drawn_fill.stopped_line(placed, len(drawn)))

        def on_accept(job: Job) -> None:
            # Before the job can finish (and its on_done watch the exact pass it starts).
            this.append(job)
            self._set_progress("running", "pca", drawn_fill.reading_line(placed, len(drawn)),
                               fraction=placed / len(drawn))  # fmt: skip
            self._run = None  # nothing for "stop here" to keep but the layout shown
            self._exact.watch(job, first)

        placed = len(first.rows)
        self._runner.submit(lambda ctx: fill(ctx, source), on_progress=on_progress,
                            on_done=on_done, on_error=on_error, on_cancel=on_cancel,
                            on_accept=on_accept, name="pca")  # fmt: skip

    def show_kept(self, layout: Layout) -> None:
        """Show a layout kept for the embedding switched to; a drawn-sample PCA whose exact
        pass (or placing of the other drawn points) was stopped (another embedding was
        shown meanwhile) gets it started again."""
        self._view.show(layout)
        if layout.description.get("exact") is False and not self._exact.running_for(layout):
            params = {"components": layout.description.get("params", {}).get("components")}
            params = {k: v for k, v in params.items() if v is not None}
            if layout.description.get("filled") is False:
                self._start_fill(params, layout)
            else:
                self._start_exact(params, layout)

    def _placer(self, layout: Layout) -> drawn_fill.Placer:
        """Vectors to ``layout``'s coordinates: the axes of the PCA it shows, fitted on its
        rows (kept by the PCA cache, not refitted)."""
        assert layout.rows is not None
        fitted = self._pca.get(self._view.embedding, self._view.source, layout.rows,
                               scores=False)  # fmt: skip
        return drawn_fill.Placer(fitted, layout.description["params"]["components"])

    def place_drawn(self) -> bool:
        """Place the points drawn since (a "Show these") on the axes of the layout shown,
        when it is a PCA fitted on a first part of the drawn points with every other drawn
        point placed (its exact pass pending): the points shown stay, the exact pass goes
        on. Returns False when that is not the case (or the new points are more than one
        block): then the projection must be run again."""
        view = self._view
        layout = view.layouts.get(view.embedding)
        if (layout is None or view.isolated is not None or layout.rows is None
                or layout.description.get("filled") is not True
                or layout.description.get("exact") is not False):  # fmt: skip
            return False
        drawn = view.drawn_or_all()
        new = drawn[~np.isfinite(layout.coords[drawn]).all(axis=1)]
        if len(new) > drawn_fill.BLOCK_ROWS:
            return False
        coords = drawn_fill.place_more(self._placer(layout), layout, new, view.source)
        placed = Layout(coords, drawn_fill.filled_description(layout.description, len(drawn)),
                        layout.rows)  # fmt: skip
        job = self._runner.current
        with job.holding() if job is not None else nullcontext():  # not while it ends
            if view.layouts.get(view.embedding) is not layout:  # the exact pass ended
                return not view.missing_coordinates()
            view.keep_and_show(view.embedding, placed)
            self._exact.replace(layout, placed)
            run = self._run
            if run is not None and run.before is layout:  # a Stop of the exact pass keeps them
                run.before = placed
        return True

    def first_frame_drawn(self) -> None:
        """The page has drawn: an exact PCA waiting behind the first layout may start."""
        self._exact.release()

    def settle(self) -> None:
        """Wait for the exact PCA that will replace the layout shown, if one is running
        (see :meth:`.exact_pca.PendingExact.settle`): behind a layout fitted on a first part
        of the drawn points, the placing of the others first, then the exact pass it starts."""
        for _stage in ("drawn points", "exact"):
            self._exact.settle(self._view.layouts.get(self._view.embedding))

    def cancel(self) -> None:
        """Stop the running projection (at once); the layout before it is put back."""
        self._runner.cancel()

    def close(self) -> None:
        """The widget closes: stop the running projection without putting anything back
        (no layout sent to a page about to go), and start none after it."""
        self._runner.close()

    def rerun(self) -> Job | None:
        """Run the current projection again (after isolating, showing all or drawing more
        points). A PCA fitted on the drawn points of a source outside memory is fitted again
        on the points drawn now, and its exact pass restarted: not a blocking exact PCA."""
        current = dict(self._widget.projection)
        params = dict(current.get("params", {}))
        view = self._view
        if (current.get("exact") is False and view.isolated is None
                and view.drawn is not None and not in_memory(view.source)):  # fmt: skip
            self._show_sample_then_exact(params, view.drawn)
            return None
        return self.project(current.get("method", "pca"), params)

    def _aligned(self, run: Run) -> Run:
        """``run`` with its layout aligned (orthogonal Procrustes) to the layout of the
        embedding shown before, when alignment is on and the dimensions agree."""
        reference = self._view.reference()
        if reference is None:
            return run
        name, previous = reference

        def aligned_run(ctx: Any, source: VectorSource, rows: np.ndarray | None) -> Outcome:
            coords, description = run(ctx, source, rows)
            target = previous.coords if rows is None else previous.coords[rows]
            if target.shape == coords.shape:
                coords = procrustes_align(coords, target)
                description = {**description, "aligned_to": name}
            return coords, description

        for said in ("total_steps", "note"):  # the progress line's total and note, kept
            if getattr(run, said, None) is not None:
                setattr(aligned_run, said, getattr(run, said))
        return aligned_run

    def pca_of_layout(self, embedding: str) -> tuple[PCAResult, list[int]] | None:
        """The PCA behind ``embedding``'s layout and the components it shows (numbered from
        1), or None when that layout is not a finished PCA."""
        layout = self._view.layouts.get(embedding)
        if layout is None or layout.description.get("method") != "pca":
            return None
        chosen = [int(c) for c in layout.description.get("params", {}).get("components", [])]
        source = self._view.data.source(embedding)
        return self._pca.get(embedding, source, layout.rows, scores=False), chosen

    # ---------------------------------------------------------------- running

    def _submit(self, method: str, run: Run, rows: np.ndarray | None, *,
                after: Job | None = None,
                on_accept: Callable[[Job], Any] | None = None) -> Job | None:  # fmt: skip
        """Run ``run`` on ``rows`` in the job runner (the other points keep the previous
        layout's coordinates). ``after``: only if that job is still the current one (else
        nothing runs and this returns None); ``on_accept(job)``: called before it starts."""
        view = self._view
        embedding = view.embedding
        source = view.source
        state = _RunState(before=view.layouts.get(embedding))
        total_steps: int | None = getattr(run, "total_steps", None)
        # A note the progress line carries from start to end (e.g. "not reproducible").
        said: str | None = getattr(run, "note", None)
        note: dict[str, str] = {"note": said} if said else {}
        starting: str = getattr(run, "starting_line", None) or wording.starting_line(method)
        finished: str | None = getattr(run, "done_line", None)

        def embed(coords: np.ndarray) -> np.ndarray:
            return embed_subset(coords, rows, state.before, view.n_points)

        def describe(description: dict[str, Any]) -> dict[str, Any]:
            return self._describe(method, description, rows)

        def on_frame(frame: np.ndarray, iteration: int) -> None:
            if view.embedding != embedding:
                return
            coords = embed(frame)
            described = describe({"dims": coords.shape[1], "running": True})
            layout = Layout(coords, described, rows)
            state.last, state.iteration = layout, iteration
            view.show(layout)
            # The line is the progress callback's (a held-back frame can come after a later
            # step was said); a frame only says which step the layout shown is from.
            progress = self._widget.progress
            said = progress if progress.get("method") == method else {}
            line = said.get("message") or wording.step_line(method, iteration, total_steps)
            self._set_progress("running", method, line, iteration=iteration,
                               fraction=said.get("fraction"), **note)  # fmt: skip

        def on_progress(message: str, fraction: float | None) -> None:
            if message in LAYOUT_PHASES and fraction is not None and total_steps:
                done = round(fraction * total_steps)  # "iteration 340 / 750", not the phase
                message = wording.step_line(method, done, total_steps)
            self._set_progress("running", method, message, fraction=fraction, **note)

        def on_done(result: Outcome) -> None:
            coords, description = result
            view.keep_and_show(embedding, Layout(embed(coords), describe(description), rows))
            steps = description.get("stopped_at") or total_steps
            line = finished or wording.done_line(method, steps)
            self._set_progress("done", method, line, **note)

        def on_error(err: BaseException) -> None:
            self._set_progress("failed", method, wording.failed_line(method), error=str(err))
            self._restore(embedding, state.before)

        def on_cancel(superseded: bool) -> None:
            if superseded:
                return  # the newer run draws its own layout
            last = state.last
            if state.keep and last is not None:
                # "Stop": the layout reached so far becomes the result.
                params = dict(self._widget.projection.get("params", {}))
                done = {**last.description, "running": False, "stopped_at": state.iteration,
                        "params": params}  # fmt: skip
                view.keep_and_show(embedding, Layout(last.coords, done, rows))
                line = wording.stopped_line(method, state.iteration)
                self._set_progress("done", method, line)
            else:
                self._restore(embedding, state.before)
                self._set_progress("cancelled", method, wording.cancelled_line(method))

        def accepted(job: Job) -> None:
            # Said before the job starts, so it can never overwrite the job's own later news.
            self._set_progress("running", method, starting, **note)
            self._run = state
            if on_accept is not None:
                on_accept(job)

        options: dict[str, Any] = dict(
            on_frame=on_frame, on_progress=on_progress, on_done=on_done, on_error=on_error,
            on_cancel=on_cancel, on_accept=accepted, name=method,
            immediate=method in ("pca", "custom"),  # both waited for (see project)
        )  # fmt: skip
        work = lambda ctx: run(ctx, source, rows)  # noqa: E731
        if after is not None:
            return self._runner.submit_after(after, work, **options)
        return self._runner.submit(work, **options)

    def _describe(self, method: str, description: dict[str, Any],
                  rows: np.ndarray | None = None) -> dict[str, Any]:  # fmt: skip
        out = {"method": method, **description}
        out["points"] = self._view.n_points if rows is None else len(rows)
        return out

    def _restore(self, embedding: str, before: Layout | None) -> None:
        """A cancelled or failed run leaves the layout it started from."""
        if before is not None and self._view.embedding == embedding:
            self._view.keep_and_show(embedding, before)

    def _set_progress(self, state: str, method: str, message: str, **extra: Any) -> None:
        self._widget.set_trait("progress", {"state": state, "method": method,
                                            "message": message, **extra})  # fmt: skip

    # ---------------------------------------------------------------- requests

    def handle_project(self, payload: dict[str, Any], _buffers: list[bytes]) -> dict[str, Any]:
        params = payload.get("params") or {}
        if not isinstance(params, dict):
            raise ValueError("'params' must be an object")
        method = str(payload.get("method", "pca"))
        # Over a source outside memory a PCA or custom run is passes over the whole source:
        # it goes on in the background, so the kernel keeps answering the page (the run's
        # Stop and Pause, hover and labels) meanwhile. In memory it is shown before the reply.
        self.project(method, params, wait=in_memory(self._view.source))
        return {"method": method, "state": self._widget.progress.get("state")}

    def handle_cancel(self, payload: dict[str, Any], _buffers: list[bytes]) -> dict[str, Any]:
        job = self._runner.current
        if job is not None and not job.done:
            if payload.get("keep") and self._run is not None:
                self._run.keep = True
            job.cancel()
        return {"state": None if job is None else job.state}

    def handle_pause(self, _payload: dict[str, Any], _buffers: list[bytes]) -> dict[str, Any]:
        job = self._runner.current
        if job is not None and not job.done:
            job.pause()
            self._widget.set_trait("progress", {**self._widget.progress, "state": "paused"})
        return {"state": None if job is None else job.state}

    def handle_resume(self, _payload: dict[str, Any], _buffers: list[bytes]) -> dict[str, Any]:
        job = self._runner.current
        if job is not None and job.state == "paused":
            job.resume()
            self._widget.set_trait("progress", {**self._widget.progress, "state": "running"})
        return {"state": None if job is None else job.state}

    def handle_count(self, payload: dict[str, Any], _buffers: list[bytes]) -> dict[str, Any]:
        """How many points a query matches (the custom panel's live counts), among ALL points:
        the custom axes come from all of them, also while a subset is isolated."""
        data = self._view.data
        column = payload.get("column") or self._widget.label_by
        if not data.has_column(column):
            raise ValueError(f"unknown column {column!r}")
        query = payload.get("query")
        if not isinstance(query, str):
            raise ValueError("'query' must be a string")
        found = data.matches(column, query, regex=bool(payload.get("regex")))
        return {"count": int(found.sum()), "of": self._view.n_points}


#: Methods whose layout is aligned to the previous embedding's after it is computed (t-SNE
#: and UMAP start from that layout instead).
_ALIGNED_AFTER = ("pca", "custom")
