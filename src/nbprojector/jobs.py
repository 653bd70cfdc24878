"""Background runs for long projections.

A :class:`Job` runs ``fn(ctx)`` in a daemon thread so the kernel's main thread stays free: the
cell that started a t-SNE returns at once, and intermediate layouts still reach the view while
the user runs other cells. ``fn`` talks back through its :class:`JobContext`:

- ``ctx.frame(array, iteration)``: an intermediate layout. Throttled to one every
  ``min_frame_interval`` seconds (a 50k-point frame is 600 kB on the wire, and the eye does not
  need 50 of them a second); a frame held back is sent later, never lost at the end.
- ``ctx.progress(message, fraction)``: a status line; repeats of the same message are throttled
  like frames, a new message goes out at once.
- ``ctx.check()`` / ``ctx.cancelled``: cancellation points; ``check`` also blocks while paused.

``frame`` and ``progress`` call ``check`` first and return ``False``, so they can be handed
directly to :func:`~nbprojector.projections.tsne.tsne` as ``on_frame`` (``lambda i, e:
ctx.frame(e, i)``) or to :func:`~nbprojector.projections.umap.umap` as ``on_progress``.

Callbacks (``on_frame``, ``on_progress``, ``on_done``, ``on_error``) run on the job's thread,
under the job's lock, and only while the job is not cancelled. ``cancel()`` takes the same lock,
so once it returns no callback of that job is running or will ever run: a stale frame can never
overwrite the layout of a newer request. Keep callbacks short, and never have one wait for a
thread that may be calling ``cancel()``.

When the interpreter exits every job still running is cancelled and its thread waited
for, a bounded time (see ``_stop_running_jobs``): a thread left inside native code that
released the GIL would otherwise abort the whole process during finalisation.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

log = logging.getLogger(__name__)

JobState = Literal["running", "paused", "done", "failed", "cancelled"]

FrameCallback = Callable[[np.ndarray, int], Any]
ProgressCallback = Callable[[str, float | None], Any]

#: Default minimum seconds between two forwarded frames (and two progress lines of one phase).
MIN_FRAME_INTERVAL = 0.2

_job_ids = itertools.count(1)

# Jobs whose thread runs, for the stop at interpreter exit; no job starts once it has begun.
_running: set[Job] = set()
_running_lock = threading.Lock()
_exiting = False


class Cancelled(Exception):
    """A run was cancelled: by a newer request, by the user, or by a callback asking to stop."""


class JobContext:
    """What a running function sees of its job: frames, progress, cancellation and pausing."""

    def __init__(self, job: Job, min_frame_interval: float) -> None:
        self._job = job
        self._interval = float(min_frame_interval)
        self._last_frame_t = -float("inf")
        self._pending: tuple[np.ndarray, int] | None = None
        self._last_progress_t = -float("inf")
        self._last_message: str | None = None

    @property
    def cancelled(self) -> bool:
        """True once the job was asked to stop; long loops should then return promptly."""
        return self._job._cancel_requested

    def check(self) -> None:
        """A cancellation point: block while the job is paused, raise :class:`Cancelled` if the
        job was cancelled (also when it is cancelled while paused)."""
        job = self._job
        job._resume_event.wait()
        if job._cancel_requested:
            raise Cancelled("cancelled")

    def frame(self, array: np.ndarray, iteration: int) -> bool:
        """Offer an intermediate layout (N, 2 or 3); forwarded as a float32 copy, throttled.

        Returns ``False`` (never "stop": a cancelled job raises instead), so that the method
        can serve as a projection's ``on_frame`` callback.
        """
        self.check()
        # Copy now: callers (openTSNE) keep optimising the same buffer in place.
        snapshot = np.array(array, dtype=np.float32, order="C")
        now = time.monotonic()
        if now - self._last_frame_t >= self._interval:
            self._last_frame_t = now
            self._pending = None
            self._job._deliver(self._job._on_frame, snapshot, int(iteration))
        else:
            self._pending = (snapshot, int(iteration))
        return False

    def flush(self) -> None:
        """Forward a frame the throttle held back, if any (the job does this when it ends)."""
        if self._pending is not None:
            snapshot, iteration = self._pending
            self._pending = None
            self._last_frame_t = time.monotonic()
            self._job._deliver(self._job._on_frame, snapshot, iteration)

    def progress(self, message: str, fraction: float | None = None) -> bool:
        """Report what the job is doing; ``fraction`` in [0, 1] when known.

        A new message is forwarded at once; repeats of the same message (fraction updates)
        at most every ``min_frame_interval`` seconds, except the final ``fraction >= 1``.
        Returns ``False`` so it can serve as a projection's ``on_progress`` callback.
        """
        self.check()
        now = time.monotonic()
        new_phase = message != self._last_message
        finished = fraction is not None and fraction >= 1.0
        if new_phase or finished or now - self._last_progress_t >= self._interval:
            self._last_message = message
            self._last_progress_t = now
            self._job._deliver(self._job._on_progress, message, fraction)
        return False


class Job:
    """One background run of ``fn(ctx)``; see the module docstring. Start it with
    :meth:`start` (``JobRunner.submit`` does)."""

    def __init__(
        self,
        fn: Callable[[JobContext], Any],
        *,
        on_frame: FrameCallback | None = None,
        on_progress: ProgressCallback | None = None,
        on_done: Callable[[Any], Any] | None = None,
        on_error: Callable[[BaseException], Any] | None = None,
        on_cancel: Callable[[bool], Any] | None = None,
        min_frame_interval: float = MIN_FRAME_INTERVAL,
        name: str = "",
    ) -> None:
        self.id = next(_job_ids)
        self.name = name or getattr(fn, "__name__", "job")
        self._fn = fn
        self._on_frame = on_frame
        self._on_progress = on_progress
        self._on_done = on_done
        self._on_error = on_error
        self._on_cancel = on_cancel
        # Re-entrant: a callback may cancel its own job (or submit a new one) from this thread.
        self._lock = threading.RLock()
        self._cancel_requested = False
        self._resume_event = threading.Event()
        self._resume_event.set()
        self._finished = threading.Event()
        self._started = False
        self._finish_hooks: list[Callable[[], Any]] = []
        self._state: JobState = "running"
        self._result: Any = None
        self.error: BaseException | None = None
        self.ctx = JobContext(self, min_frame_interval)
        self._thread = threading.Thread(
            target=self._run, name=f"nbprojector-job-{self.id}-{self.name}", daemon=True
        )

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.name!r} {self.state}>"

    # -- control -------------------------------------------------------------------------

    def start(self) -> Job:
        """Start the thread (once); returns the job itself. A job cancelled before it
        started never runs: it is finished at once."""
        with self._lock:
            if self._started:
                return self
            self._started = True
            if self._cancel_requested:
                self._finish()
                return self
        with _running_lock:
            if not _exiting:
                # Started under the lock: the stop at exit never sees a thread not yet
                # started (nor one that failed to start).
                self._thread.start()
                _running.add(self)
                return self
        # The interpreter is exiting: a job submitted now (by a callback) never runs.
        with self._lock:
            self._cancel_requested = True
            self._state = "cancelled"
            self._finish()
        return self

    @property
    def alive(self) -> bool:
        """True while the job's thread runs (started and not finished)."""
        return self._started and not self._finished.is_set()

    def when_finished(self, hook: Callable[[], Any]) -> None:
        """Call ``hook()`` once the job has finished (at once if it already has), on the
        thread that finishes it."""
        with self._lock:
            if not self._finished.is_set():
                self._finish_hooks.append(hook)
                return
        hook()

    def cancel(self, *, superseded: bool = False) -> None:
        """Ask the job to stop. Returns at once; once it has returned, no callback of this job
        runs any more. The thread itself stops at its next cancellation point.

        ``on_cancel(superseded)`` runs once, here, in the caller's thread: ``superseded`` is
        True when a newer job replaces this one (so there is no need to undo its effects).
        """
        with self._lock:
            if self._state in ("done", "failed", "cancelled") or self._finished.is_set():
                return  # its outcome is already decided (a callback may be delivering it)
            self._cancel_requested = True
            self._state = "cancelled"
            if not self._started:
                self._started = True  # dropped before it started: it never runs
                self._finish()
        # Wake a paused job so that it can notice and end.
        self._resume_event.set()
        if self._on_cancel is not None:
            try:
                self._on_cancel(superseded)
            except Exception:
                log.exception("nbprojector: cancel callback of job %r failed", self.name)

    def holding(self) -> threading.RLock:
        """A ``with`` context during which none of the job's callbacks runs."""
        return self._lock

    def pause(self) -> None:
        """Hold the job at its next cancellation point (``ctx.check``, a frame, a progress
        line) until :meth:`resume` or :meth:`cancel`."""
        with self._lock:
            if self._state == "running":
                self._state = "paused"
                self._resume_event.clear()

    def resume(self) -> None:
        """Let a paused job go on."""
        with self._lock:
            if self._state == "paused":
                self._state = "running"
                self._resume_event.set()

    def wait(self, timeout: float | None = None) -> Any:
        """Wait for the job to end and return its result.

        Raises:
            TimeoutError: still running after ``timeout`` seconds.
            Cancelled: the job was cancelled.
            Exception: whatever ``fn`` raised, re-raised as is.
        """
        if not self._finished.wait(timeout):
            raise TimeoutError(f"job {self.name!r} still {self.state} after {timeout} s")
        if self._state == "cancelled":
            raise Cancelled(f"job {self.name!r} was cancelled")
        if self.error is not None:
            raise self.error
        return self._result

    # -- status --------------------------------------------------------------------------

    @property
    def state(self) -> JobState:
        """One of "running", "paused", "done", "failed", "cancelled". A cancelled job reads
        "cancelled" at once, while its thread may still be on its way out (see :attr:`done`)."""
        return self._state

    @property
    def done(self) -> bool:
        """True once the thread has finished (whatever the outcome)."""
        return self._finished.is_set()

    @property
    def result(self) -> Any:
        """The return value of ``fn`` once the job is "done", else ``None``."""
        return self._result

    # -- internals -----------------------------------------------------------------------

    def _deliver(self, callback: Callable[..., Any] | None, *args: Any) -> None:
        """Call ``callback(*args)`` unless the job was cancelled; log, never raise, errors."""
        if callback is None:
            return
        with self._lock:
            if self._cancel_requested:
                return
            try:
                callback(*args)
            except Exception:
                # A broken view callback must not take the computation down with it.
                log.exception("nbprojector: %s callback of job %r failed", callback, self.name)

    def _run(self) -> None:
        try:
            if self._cancel_requested:  # cancelled by a newer submit before it started
                raise Cancelled("cancelled before it started")
            result = self._fn(self.ctx)
        except Cancelled:
            with self._lock:
                self._cancel_requested = True
                self._state = "cancelled"
        except BaseException as exc:  # the state must say "failed", whatever it was
            with self._lock:
                if self._cancel_requested:
                    # Errors after a cancel are the cancel's fallout; the caller asked to stop.
                    self._state = "cancelled"
                else:
                    self.error = exc
                    self._state = "failed"
                    if self._on_error is None:
                        log.error("nbprojector: job %r failed", self.name, exc_info=exc)
                    else:
                        self._deliver(self._on_error, exc)
        else:
            with self._lock:
                if not self._cancel_requested:
                    self.ctx.flush()
                    self._result = result
                    self._state = "done"
                    self._deliver(self._on_done, result)
        finally:
            self._finish()
            with _running_lock:
                _running.discard(self)

    def _finish(self) -> None:
        with self._lock:
            self._finished.set()
            hooks, self._finish_hooks = self._finish_hooks, []
        for hook in hooks:
            try:
                hook()
            except Exception:
                log.exception("nbprojector: finish hook of job %r failed", self.name)


class JobRunner:
    """Runs one job at a time: submitting a new one supersedes the one running.

    A superseded job is cancelled (its callbacks are off at once) but its thread is not
    waited for: it ends at its next cancellation point, which may take a while inside code
    that cannot be interrupted. While it ends, a newer job waits to start, so that at most
    one superseded thread competes with the newest for the CPU; a job superseded before
    it started is dropped and never runs. ``submit`` never blocks.
    """

    def __init__(self, *, min_frame_interval: float = MIN_FRAME_INTERVAL) -> None:
        self.min_frame_interval = min_frame_interval
        self._lock = threading.Lock()
        self._current: Job | None = None
        self._draining: Job | None = None  # the superseded job whose thread still runs
        self._accepting: Job | None = None  # submitted, its ``on_accept`` not yet run
        self._closed = False

    @property
    def current(self) -> Job | None:
        """The most recently submitted job (possibly finished, or not started yet)."""
        return self._current

    def cancel(self) -> None:
        """Cancel the current job (its callbacks stop at once; see :meth:`Job.cancel`)."""
        job = self._current
        if job is not None:
            job.cancel()

    def close(self) -> None:
        """Cancel the current job as superseded (nothing is put back: nobody looks any
        more) and refuse every later :meth:`submit_after`."""
        with self._lock:
            self._closed = True
            job = self._current
        if job is not None:
            job.cancel(superseded=True)

    def submit(self, fn: Callable[[JobContext], Any], **options: Any) -> Job:
        """Supersede the current job and run ``fn(ctx)`` in a new one; returns it at once.
        Options: :class:`Job`'s callbacks and ``name``; ``on_accept(job)``, called once the
        new job is current and the old one cancelled, before the new one starts (what must
        be said or registered before it can finish); ``immediate=True``, to start it now
        even while a superseded one still ends (a short run the caller waits for)."""
        job = self._submit(fn, None, **options)
        assert job is not None
        return job

    def submit_after(self, previous: Job, fn: Callable[[JobContext], Any], **options: Any
                     ) -> Job | None:  # fmt: skip
        """:meth:`submit`, only if ``previous`` is still the current job and the runner is
        not closed, decided atomically with the swap; else nothing runs and it returns
        None. For a job's callback that starts the next step of its own work: a job the
        user started meanwhile (or a close) must win over that step."""
        return self._submit(fn, previous, **options)

    def _submit(self, fn: Callable[[JobContext], Any], previous: Job | None, *,
                on_accept: Callable[[Job], Any] | None = None, immediate: bool = False,
                **job_options: Any) -> Job | None:  # fmt: skip
        job = Job(fn, min_frame_interval=self.min_frame_interval, **job_options)
        # Swap under the lock, cancel outside it: a callback of the old job may itself be
        # calling submit (holding the old job's lock), and cancel() needs that lock.
        with self._lock:
            if previous is not None and (self._closed or self._current is not previous):
                return None
            old, self._current = self._current, job
            self._accepting = job  # not started by a superseded job's end before on_accept
        if old is not None:
            old.cancel(superseded=True)  # one that never started is dropped here
        try:
            if on_accept is not None:
                on_accept(job)
        finally:
            with self._lock:
                if self._accepting is job:
                    self._accepting = None
                draining = self._draining
                if draining is not None and draining.done:
                    draining = self._draining = None
                if old is not None and old.alive and draining is None:
                    draining = self._draining = old
                wait = draining is not None and not immediate
        if wait and draining is not None:
            draining.when_finished(self._start_current)
        else:
            job.start()
        return job

    def _start_current(self) -> None:
        """A superseded job has ended: start the newest job if it is still waiting (and
        its submit has run its ``on_accept``: that submit starts it otherwise)."""
        with self._lock:
            self._draining = None
            job = self._current
            if job is self._accepting:
                return
        if job is not None:
            job.start()


#: Seconds the interpreter's exit waits, in all, for running jobs (and other threads
#: registered with :func:`stop_at_exit`) to reach a cancellation point. A step with none (a
#: neighbour search inside UMAP, a clustering, a user's encoder) would otherwise hold the
#: exit for as long as it takes.
EXIT_WAIT = 10.0

#: Other background threads that read sources (the timeline's playback): their thread and
#: how to stop it, stopped and waited for at exit like the jobs.
_other_threads: dict[threading.Thread, Callable[[], None]] = {}


def stop_at_exit(thread: threading.Thread, stop: Callable[[], None]) -> None:
    """Have the interpreter's exit call ``stop`` and wait for ``thread``, as for a job; the
    entry goes once the thread has ended."""
    with _running_lock:
        for ended in [t for t in _other_threads if not t.is_alive() and t.ident is not None]:
            del _other_threads[ended]
        _other_threads[thread] = stop


def _stop_running_jobs() -> None:
    """Cancel every running job and wait for its thread to end, for EXIT_WAIT seconds at
    most in all; a thread still running then is named on stderr. A daemon thread left inside
    native code that released the GIL (Lance's or Arrow's reader) is otherwise killed where
    it stands once it retakes the GIL during finalisation: CPython ends it with
    ``pthread_exit``, whose forced unwinding through Rust or C++ frames aborts the process.

    Cancelled as superseded: the process is ending, there is no layout to put back."""
    global _exiting
    with _running_lock:
        _exiting = True
        jobs = list(_running)
        others = list(_other_threads.items())
    for job in jobs:
        job.cancel(superseded=True)
    for _, stop in others:
        stop()
    deadline = time.monotonic() + EXIT_WAIT
    threads = [(job._thread, f"job {job.name!r}") for job in jobs]
    threads += [(thread, f"thread {thread.name!r}") for thread, _ in others]
    for thread, what in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            log.warning("nbprojector: %s is still running at exit after %.0f s (a step with "
                        "no cancellation point); the process ends while it runs",
                        what, EXIT_WAIT)  # fmt: skip


# threading's exit hooks run before ``atexit``'s (so before a library's own exit hook, such as
# pyarrow's S3 finaliser, pulls the ground from under a read) and before Python finalises.
_register_at_thread_exit = getattr(threading, "_register_atexit", atexit.register)
_register_at_thread_exit(_stop_running_jobs)
