"""jobs: background runs, throttled frames, cancel, pause."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest

from nbprojector.jobs import Cancelled, Job, JobContext, JobRunner


def spin(ctx: JobContext, seconds: float = 10.0) -> str:
    """Work until cancelled (or ``seconds`` pass), checking often."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ctx.check()
        time.sleep(0.002)
    return "finished"


def test_result_and_on_done():
    got = []
    job = JobRunner().submit(lambda ctx: 42, on_done=got.append)
    assert job.wait(timeout=5) == 42
    assert job.state == "done" and job.done and job.error is None and job.result == 42
    assert got == [42]  # on_done has run when wait() returns


def test_wait_raises_the_jobs_error():
    errors = []

    def fail(ctx):
        raise ValueError("perplexity too large")

    job = JobRunner().submit(fail, on_error=errors.append)
    with pytest.raises(ValueError, match="perplexity too large"):
        job.wait(timeout=5)
    assert job.state == "failed"
    assert isinstance(job.error, ValueError) and errors == [job.error]


def test_failure_without_on_error_is_logged(caplog):
    def fail(ctx):
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="nbprojector.jobs"):
        job = JobRunner().submit(fail, name="tsne")
        with pytest.raises(RuntimeError):
            job.wait(timeout=5)
    assert "job 'tsne' failed" in caplog.text


def test_wait_timeout():
    runner = JobRunner()
    job = runner.submit(spin)
    with pytest.raises(TimeoutError):
        job.wait(timeout=0.05)
    job.cancel()
    with pytest.raises(Cancelled):
        job.wait(timeout=2)


def test_newer_request_cancels_older():
    runner = JobRunner()
    done = []
    first = runner.submit(spin, on_done=done.append, name="first")
    time.sleep(0.05)
    second = runner.submit(lambda ctx: "second", on_done=done.append, name="second")
    assert runner.current is second
    assert first.state == "cancelled"  # at once; its thread ends at its next check
    assert first._finished.wait(1)
    with pytest.raises(Cancelled):
        first.wait(timeout=1)
    assert second.wait(timeout=5) == "second"
    assert done == ["second"]


def test_no_callback_after_cancel_returns():
    """A stale frame must never overwrite a newer layout: once cancel() has returned, the old
    job's callbacks are silent, even if a callback was running at that moment."""
    log: list[tuple[str, float]] = []
    in_callback = threading.Event()

    def slow_frame(array, iteration):
        in_callback.set()
        time.sleep(0.05)  # a slow comm send
        log.append(("frame", time.monotonic()))

    def produce(ctx):
        i = 0
        while True:
            ctx.frame(np.zeros((5, 2)), i)
            i += 1

    runner = JobRunner(min_frame_interval=0.0)
    job = runner.submit(produce, on_frame=slow_frame, on_done=lambda r: log.append(("done", 0)))
    assert in_callback.wait(5)
    job.cancel()
    cancelled_at = time.monotonic()
    with pytest.raises(Cancelled):
        job.wait(timeout=1)
    assert log and all(t <= cancelled_at for _, t in log)
    assert job.state == "cancelled"


def test_job_ignoring_cancel_delivers_nothing():
    got = []

    def stubborn(ctx):
        time.sleep(0.2)  # never checks
        ctx._job._deliver(got.append, "stale")  # as a frame would, racing the cancel
        return "late result"

    job = JobRunner().submit(stubborn, on_done=got.append, on_error=got.append)
    job.cancel()
    with pytest.raises(Cancelled):
        job.wait(timeout=2)
    assert got == [] and job.state == "cancelled" and job.result is None


def test_frames_are_throttled_copies_and_the_last_is_kept():
    frames: list[tuple[int, np.ndarray]] = []

    def produce(ctx):
        buf = np.zeros((4, 2))
        for i in range(50):
            buf += 1.0  # the producer keeps writing into its own buffer
            ctx.frame(buf, i)
            time.sleep(0.01)
        return "ok"

    job = JobRunner(min_frame_interval=0.1).submit(
        produce, on_frame=lambda a, i: frames.append((i, a))
    )
    assert job.wait(timeout=5) == "ok"
    iterations = [i for i, _ in frames]
    assert 2 <= len(frames) <= 15, iterations  # ~0.5 s of frames at most every 0.1 s
    assert iterations == sorted(iterations) and iterations[0] == 0
    assert iterations[-1] == 49  # the held-back last frame is flushed
    for i, array in frames:
        assert array.dtype == np.float32
        assert np.all(array == i + 1)  # a snapshot, not the live buffer


def test_progress_forwards_new_messages_and_throttles_repeats():
    lines = []

    def work(ctx):
        ctx.progress("finding nearest neighbours")
        for k in range(100):
            ctx.progress("optimising layout", k / 100)
        ctx.progress("optimising layout", 1.0)

    job = JobRunner(min_frame_interval=10.0).submit(
        work, on_progress=lambda m, f: lines.append((m, f))
    )
    job.wait(timeout=5)
    assert lines == [
        ("finding nearest neighbours", None),
        ("optimising layout", 0.0),
        ("optimising layout", 1.0),
    ]


def test_pause_and_resume():
    counter = [0]

    def count(ctx):
        while True:
            ctx.check()
            counter[0] += 1
            time.sleep(0.001)

    job = JobRunner().submit(count)
    time.sleep(0.05)
    job.pause()
    assert job.state == "paused"
    time.sleep(0.05)  # let it reach its next check
    held = counter[0]
    time.sleep(0.1)
    assert counter[0] == held  # really holding
    job.resume()
    assert job.state == "running"
    time.sleep(0.05)
    assert counter[0] > held
    job.pause()
    time.sleep(0.02)
    job.cancel()  # cancelling a paused job wakes it up so it can end
    with pytest.raises(Cancelled):
        job.wait(timeout=1)
    assert job.state == "cancelled"


def test_callback_errors_are_logged_and_the_job_goes_on(caplog):
    def bad_frame(array, iteration):
        raise RuntimeError("view is gone")

    def work(ctx):
        ctx.frame(np.zeros((2, 2)), 0)
        return "survived"

    with caplog.at_level(logging.ERROR, logger="nbprojector.jobs"):
        job = JobRunner().submit(work, on_frame=bad_frame)
        assert job.wait(timeout=5) == "survived"
    assert job.state == "done"
    assert "view is gone" in caplog.text


def test_fn_raising_cancelled_reports_cancelled():
    def stop(ctx):
        raise Cancelled("a callback asked to stop")

    job = JobRunner().submit(stop)
    with pytest.raises(Cancelled):
        job.wait(timeout=5)
    assert job.state == "cancelled"


def test_submit_from_a_callback_does_not_deadlock():
    runner = JobRunner()
    results = []

    def chain(result):
        runner.submit(lambda ctx: "second", on_done=results.append)

    first = runner.submit(lambda ctx: "first", on_done=chain)
    assert first.wait(timeout=5) == "first"
    second = runner.current
    assert second is not first
    assert second.wait(timeout=5) == "second"
    assert results == ["second"]


def test_control_of_finished_job_is_a_no_op():
    job = Job(lambda ctx: 1).start()
    assert job.wait(timeout=5) == 1
    job.cancel()
    job.pause()
    job.resume()
    assert job.state == "done" and job.wait() == 1


def test_rapid_submits_from_two_threads_leave_one_winner():
    runner = JobRunner()
    done = []
    jobs: list[Job] = []

    def submit_many(tag):
        for k in range(10):
            jobs.append(runner.submit(spin, on_done=done.append, name=f"{tag}{k}"))

    threads = [threading.Thread(target=submit_many, args=(t,)) for t in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    last = runner.current
    last.cancel()
    for job in jobs:
        with pytest.raises(Cancelled):
            job.wait(timeout=2)
    assert done == []
    assert {job.state for job in jobs} == {"cancelled"}


def test_submit_never_waits_and_one_superseded_thread_at_most_runs():
    """A stubborn job (no cancellation point for a while) does not hold up the caller; the
    jobs submitted while it ends wait, the last one runs, the others never start."""
    release = threading.Event()

    def stubborn(ctx):
        release.wait(5)  # code that cannot be interrupted
        ctx.check()

    runner = JobRunner()
    first = runner.submit(stubborn, name="stubborn")
    started = time.monotonic()
    later = [runner.submit(spin, name=f"later{k}") for k in range(30)]
    # Waiting on each old thread took ~1 s a submit (29 s for 30); 3 s allows a loaded machine.
    assert time.monotonic() - started < 3
    alive = [t for t in threading.enumerate() if t.name.startswith("nbprojector-job-")]
    assert len(alive) <= 2 and first.alive
    assert all(job.state == "cancelled" and job.done for job in later[:-1])
    assert not later[-1].alive  # waits for the stubborn one
    release.set()
    assert first._finished.wait(5)
    deadline = time.monotonic() + 5
    while not later[-1].alive and time.monotonic() < deadline:
        time.sleep(0.01)
    assert later[-1].alive and later[-1].state == "running"
    later[-1].cancel()
    with pytest.raises(Cancelled):
        later[-1].wait(timeout=2)


# At interpreter exit: each scenario runs in its own interpreter, since the stop it tests
# stops every job of the process for good.
_EXIT_SCRIPT = """
import atexit, json, sys, threading, time
import nbprojector.jobs as jobs
from nbprojector.jobs import JobRunner, stop_at_exit

seen = {"first ended by": None, "second ran": False}

def first(ctx):
    try:
        while True:
            ctx.check()
            time.sleep(0.01)
    except BaseException as exc:
        seen["first ended by"] = type(exc).__name__
        time.sleep(0.3)  # still running when a superseding submit starts its successor
        raise

def second(ctx):
    seen["second ran"] = True

def stubborn(ctx):
    time.sleep(30)  # a step with no cancellation point

other_stop = threading.Event()
other = threading.Thread(target=other_stop.wait, name="nbprojector-other", daemon=True)

runner = JobRunner()
one = runner.submit(stubborn if sys.argv[1] == "stubborn" else first)
time.sleep(0.2)
two = None
if sys.argv[1] == "superseded":
    two = runner.submit(second)  # waits to start until the first job's thread has ended
if sys.argv[1] == "stubborn":
    jobs.EXIT_WAIT = 1.0
if sys.argv[1] == "other":
    other.start()
    stop_at_exit(other, other_stop.set)
started = time.monotonic()
atexit.register(lambda: print(json.dumps({"exit took": time.monotonic() - started})))
# atexit's handlers run after the stop: every job's thread has ended by then.
atexit.register(lambda: print(json.dumps({
    **seen, "first": one.state, "first done": one.done,
    "second": None if two is None else two.state,
    "job threads": [t.name for t in threading.enumerate() if t.name.startswith("nbprojector")],
})))
"""


def _exit_report(scenario: str) -> dict:
    import json
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", _EXIT_SCRIPT, scenario], timeout=60,
                         capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    # atexit runs its handlers last registered first: the report, then the time taken.
    return {**json.loads(lines[-2]), **json.loads(lines[-1]), "stderr": run.stderr}


def test_interpreter_exit_cancels_a_running_job_and_waits_for_its_thread():
    report = _exit_report("running")
    assert report["first ended by"] == "Cancelled" and report["first"] == "cancelled"
    assert report["first done"] and report["job threads"] == []


def test_a_job_waiting_for_a_superseded_one_never_starts_at_interpreter_exit():
    """The superseded job ends during the stop; its successor, waiting for it, is dropped
    (a thread started then would be left running while Python finalises)."""
    report = _exit_report("superseded")
    assert report["first ended by"] == "Cancelled" and report["first done"]
    assert report["second"] == "cancelled" and report["second ran"] is False
    assert report["job threads"] == []


def test_interpreter_exit_waits_for_a_step_with_no_cancellation_point_a_bounded_time():
    """A job inside a step that never checks (a neighbour search, a clustering) holds the
    exit EXIT_WAIT seconds at most, and is named on stderr."""
    report = _exit_report("stubborn")
    assert 0.8 < report["exit took"] < 10, report
    assert "still running at exit" in report["stderr"]


def test_interpreter_exit_stops_and_waits_for_a_registered_thread():
    """A background thread registered with stop_at_exit (the timeline's playback, which
    reads sources) is stopped and has ended before atexit's handlers run."""
    report = _exit_report("other")
    assert "nbprojector-other" not in report["job threads"], report
    assert report["exit took"] < 10


def _chained_step(runner: JobRunner, started: list, entered: threading.Event,
                  go: threading.Event):
    """An ``on_done`` that waits for ``go``, then starts the next step of its own work
    only if its job is still the current one."""

    def on_done(_result):
        entered.set()
        assert go.wait(10)
        step = runner.submit_after(runner_jobs[0], lambda ctx: started.append("next"))
        started.append(step)

    runner_jobs: list = []
    return on_done, runner_jobs


def test_a_step_chained_by_on_done_never_supersedes_a_newer_job():
    runner = JobRunner()
    started: list = []
    entered, go = threading.Event(), threading.Event()
    on_done, jobs = _chained_step(runner, started, entered, go)
    first = runner.submit(lambda ctx: "first", on_done=on_done)
    jobs.append(first)
    assert entered.wait(10)
    # The user starts something while the first job's on_done runs: its submit swaps, then
    # waits for that on_done to end (to cancel the job, already done).
    newer: list = []
    thread = threading.Thread(target=lambda: newer.append(
        runner.submit(lambda ctx: spin(ctx, 0.3))))
    thread.start()
    deadline = time.monotonic() + 10
    while runner.current is first and time.monotonic() < deadline:
        time.sleep(0.005)
    go.set()
    thread.join(10)
    assert newer[0].wait(timeout=10) == "finished"  # not superseded by the stale step
    assert started == [None] and runner.current is newer[0]


def test_a_step_chained_by_on_done_does_not_start_once_the_runner_is_closed():
    runner = JobRunner()
    started: list = []
    entered, go = threading.Event(), threading.Event()
    on_done, jobs = _chained_step(runner, started, entered, go)
    cancels: list = []
    first = runner.submit(lambda ctx: "first", on_done=on_done)
    jobs.append(first)
    assert entered.wait(10)
    closer = threading.Thread(target=runner.close)
    closer.start()
    deadline = time.monotonic() + 10
    while not runner._closed and time.monotonic() < deadline:
        time.sleep(0.005)
    go.set()
    closer.join(10)
    first.wait(timeout=10)
    assert started == [None] and runner.current is first
    # Closing cancels the running job as superseded: nothing is put back.
    job = runner.submit(lambda ctx: spin(ctx), on_cancel=cancels.append)
    runner.close()
    with pytest.raises(Cancelled):
        job.wait(timeout=10)
    assert cancels == [True]


def test_on_accept_runs_before_the_job_can_finish():
    runner = JobRunner()
    order: list = []
    for _ in range(20):  # a job that ends at once, even behind a superseded one
        job = runner.submit(lambda ctx: order.append("ran"),
                            on_accept=lambda job: order.append("accepted"))
        job.wait(timeout=10)
        assert order[-2:] == ["accepted", "ran"]
