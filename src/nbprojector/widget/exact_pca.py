"""The first layout of a source outside the kernel's memory: sample now, exact after.

Reading every row of a 10M-row source takes minutes, so its first layout is the PCA fitted
on the points drawn (their rows only), shown at once. The exact PCA over every row then runs
in the background as any projection does (progress counting chunks, cancellable): its first
pass sums the mean and scatter and also finds rows with NaN or infinity, its second scores
every row. When it ends its layout replaces the sample's; when it fails (non-finite rows)
the error shows where projection errors show and the sample's layout stays.

``p.coordinates`` promises every point at full precision, so while the exact PCA runs it
waits for it (:meth:`PendingExact.settle`), and raises its error when it failed.

The exact pass starts reading once the page has drawn its first frame (or Python asks for
its result, or :data:`START_WITHOUT_PAGE` seconds pass with no page): reading and scoring
every row on the same cores would otherwise slow the first frame it follows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..jobs import Cancelled, Job
from ..layout import Layout

#: Seconds the exact pass waits for the page's first frame before it starts anyway (a widget
#: never displayed, or a front end that does not say when it drew).
START_WITHOUT_PAGE = 10.0

#: run(ctx, source, rows) -> (coords, description), as ``Projections`` prepares it.
Run = Callable[[Any, Any, "np.ndarray | None"], tuple[np.ndarray, dict[str, Any]]]


def sample_note(fitted: int, drawn: int | None = None) -> str:
    """What the record of the layout fitted on the drawn points (``fitted`` of the
    ``drawn``, when it is fitted on a part of them) says."""
    if drawn is None or drawn == fitted:
        return f"PCA fitted on the {fitted:,} drawn points"
    return f"PCA fitted on {fitted:,} of the {drawn:,} drawn points"


def running_line(sample: dict[str, Any], total: int) -> str:
    """What the progress line says while the exact PCA runs behind the layout whose
    record is ``sample``."""
    note = sample_note(int(sample["fitted"]), sample.get("drawn"))
    return f"{note}; exact PCA over all {total:,} running"


def exact_note(total: int) -> str:
    """What the record says once the exact PCA is shown."""
    return f"PCA over all {total:,} points (exact)"


def sample_description(description: dict[str, Any], fitted: int, total: int
                       ) -> dict[str, Any]:  # fmt: skip
    """The record of the layout fitted on the ``fitted`` drawn points (of ``total``)."""
    return {**description, "fitted": fitted, "of": total, "exact": False,
            "note": sample_note(fitted)}  # fmt: skip


def wait_for_start(ctx: Any, start: threading.Event) -> None:
    """Return once ``start`` is set or :data:`START_WITHOUT_PAGE` seconds have passed;
    cancellable (and pausable) meanwhile. Once the time has passed ``start`` is set: the
    pass that follows (the exact one after the drawn points are read) does not wait again."""
    deadline = time.monotonic() + START_WITHOUT_PAGE
    while not start.wait(0.05):
        if time.monotonic() >= deadline:
            start.set()
            return
        ctx.check()


class _Prefixed:
    """A job's context whose progress lines say that the sample is shown meanwhile."""

    def __init__(self, ctx: Any, prefix: str) -> None:
        self._ctx = ctx
        self._prefix = prefix

    def progress(self, message: str, fraction: float | None = None) -> Any:
        return self._ctx.progress(f"{self._prefix}: {message.removeprefix('PCA: ')}", fraction)

    def __getattr__(self, name: str) -> Any:  # check, frame: the job's own
        return getattr(self._ctx, name)


def exact_run(run: Run, sample: dict[str, Any], total: int, start: threading.Event) -> Run:
    """``run`` (the PCA of every point) with the progress lines and record of the exact
    pass that replaces the layout fitted on drawn points whose record is ``sample``; it
    begins once ``start`` is set or :data:`START_WITHOUT_PAGE` seconds have passed."""
    prefix = running_line(sample, total)

    def exact(ctx: Any, source: Any, rows: np.ndarray | None) -> tuple[np.ndarray, dict[str, Any]]:
        wait_for_start(ctx, start)
        coords, description = run(_Prefixed(ctx, prefix), source, rows)
        return coords, {**description, "exact": True, "note": exact_note(total)}

    exact.starting_line = prefix  # type: ignore[attr-defined]  # said before it starts
    exact.done_line = exact_note(total)  # type: ignore[attr-defined]
    return exact


class PendingExact:
    """The exact PCA running behind a layout fitted on the drawn points (or, before it,
    the read of the drawn points that layout has no place for yet: see
    :mod:`.drawn_fill`), for those who need its result (``p.coordinates``)."""

    def __init__(self) -> None:
        self._job: Job | None = None
        self._sample: Layout | None = None
        #: Set when the exact pass may start reading (see the module's docstring).
        self.start = threading.Event()

    def watch(self, job: Job, sample: Layout) -> None:
        """``job`` computes the layout that replaces ``sample``."""
        self._job, self._sample = job, sample

    def replace(self, sample: Layout, by: Layout) -> None:
        """``sample`` was replaced by ``by`` (more drawn points placed on its axes): the
        exact PCA now replaces ``by``."""
        if self._sample is sample:
            self._sample = by

    def release(self) -> None:
        """The page has drawn its first frame: the exact pass may start reading."""
        self.start.set()

    def running_for(self, sample: Layout) -> bool:
        """Whether an exact PCA is still under way to replace ``sample``."""
        return self._job is not None and self._sample is sample and not self._job.done

    def settle(self, shown: Layout | None) -> None:
        """When ``shown`` is the sample layout, wait for the exact PCA replacing it; its
        error (rows with NaN or infinity) is raised here too. A cancelled exact PCA (or one
        superseded by another projection) leaves nothing to wait for, and neither does a
        call from the exact PCA's own thread (an observer of its progress), which would
        wait for itself."""
        job = self._job
        if job is None or shown is None or shown is not self._sample:
            return
        if threading.current_thread() is job._thread:
            return
        self.release()  # asked for now: no reason to wait for the page
        try:
            job.wait()
        except Cancelled:
            return
