"""Projection rows: t-SNE and UMAP through the widget with streaming on, beside
sklearn's TSNE, with the peak memory of each run.

    python bench/bench.py --only projections [--quick]

Every run goes through ``Projector.project(method)``, as from a notebook: a background job
whose throttled frames land in ``_positions`` and are serialised by ipywidgets as they would be
sent (the widget's ``_send`` is replaced by a recorder, as in transport.py, since no kernel is
attached). The time is the job end to end, ``project()`` to ``job.wait()`` returning.

Each row runs in a subprocess of its own (``python bench/projections.py --worker ...``), so
that one run's memory does not inflate the next one's peak. Peak memory is the growth of the
process's peak resident set (``VmHWM`` in ``/proc/self/status``, reset through
``/proc/self/clear_refs`` just before the run; psutil has no peak RSS on Linux, and
tracemalloc misses numpy's and the C++ libraries' allocations) over the RSS before the run.

The UMAP rows share one subprocess, as they would share a kernel: numba compiles once per
process (the first row, with an empty numba cache), and the peak is reset before each row.
"""

from __future__ import annotations

import contextlib
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import (
    Row,
    answer_worker,
    attempt,
    blobs,
    fmt_bytes,
    fmt_n,
    fmt_time,
    shape,
    spawn_worker,
)

TIMEOUT = 900  # seconds for one subprocess
N_ITER = 750  # t-SNE iterations (nbprojector's default), for ours and sklearn's
TINY = (5_000, 32)  # the UMAP that pays numba's compilation: NN-descent from 4,096 points


# ----------------------------------------------------------------------- in the subprocess


def memory() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in bytes."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":", 1)
            out[key] = int(value.split()[0]) * 1024
    return out


def reset_peak() -> tuple[int, bool]:
    """Reset the peak RSS to the current RSS where the kernel allows it; (RSS, reset?)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    now = memory()
    return now["VmRSS"], now["VmHWM"] <= now["VmRSS"] * 1.01


def cpu_seconds() -> float:
    """User + system CPU time of this process so far, all threads (numba's, openTSNE's)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def through_widget(method: str, x: Any, **params: Any) -> dict[str, Any]:
    """``Projector(x).project(method)`` until done: time (wall and CPU), phases, frames,
    bytes, memory."""
    from transport import Recorder

    from nbprojector import Projector

    p = Projector(x)  # its PCA is not part of the run
    frames: list[float] = []
    phases: list[tuple[float, str]] = []
    p.observe(lambda _: frames.append(time.perf_counter()), names="_positions")

    def on_progress(change: dict[str, Any]) -> None:
        message = change["new"].get("message", "")
        if not phases or phases[-1][1] != message:
            phases.append((time.perf_counter(), message))

    p.observe(on_progress, names="progress")
    recorder = Recorder(p)
    rss, reset = reset_peak()
    cpu = cpu_seconds()
    start = time.perf_counter()
    p.project(method, **params).wait()
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu
    sent = [m for m in recorder.messages if "_positions" in m[1]]
    return {
        "seconds": seconds,
        "cpu": cpu,
        "load": os.getloadavg()[0],
        "frames": [t - start for t in frames],
        "phases": [(t - start, m) for t, m in phases],
        "messages": len(sent),
        "all_messages": len(recorder.messages),
        "bytes": sum(m[3] for m in sent),
        "grown": memory()["VmHWM"] - rss,
        "reset": reset,
        "final_progress": p.progress.get("state"),
    }


def worker(job: dict[str, Any]) -> dict[str, Any]:
    kind = job["kind"]
    if kind == "tsne":
        import openTSNE  # noqa: F401  (imported before the run: its memory is not the run's)

        x, _ = blobs(job["n"], job["d"])
        return through_widget("tsne", x, n_iter=N_ITER, **job.get("params", {}))
    if kind == "sklearn-tsne":
        from sklearn.manifold import TSNE

        from nbprojector.projections.pca import pca

        x, _ = blobs(job["n"], job["d"])
        TSNE(2, perplexity=5.0, max_iter=250).fit_transform(x[:100, :50])  # load its modules
        rss, reset = reset_peak()
        start = time.perf_counter()
        reduced = pca(x, 50).scores
        t_pca = time.perf_counter() - start
        TSNE(2, perplexity=30.0, learning_rate="auto", max_iter=N_ITER, init="pca",
             random_state=0, n_jobs=-1).fit_transform(reduced)  # fmt: skip
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "pca": t_pca, "grown": memory()["VmHWM"] - rss,
                "reset": reset}  # fmt: skip
    if kind == "umap":
        start = time.perf_counter()
        import umap  # noqa: F401  (numba, pynndescent: seconds, apart from the compile)

        out: dict[str, Any] = {"import": time.perf_counter() - start, "runs": []}
        for n, d in [TINY, *job["sizes"]]:
            x, _ = blobs(n, d)
            out["runs"].append(through_widget("umap", x, **job.get("params", {})))  # every core
            if job.get("seeded") == [n, d]:  # the same with a seed: reproducible, one thread
                out["seeded"] = through_widget("umap", x, seed=0)
            del x
        return out
    raise ValueError(f"unknown worker job {kind!r}")


# ----------------------------------------------------------------------- in the bench


def spawn(job: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, Any]:
    return spawn_worker(__file__, job, TIMEOUT, env)


def memory_note(r: dict[str, Any], n: int) -> str:
    note = f"peak RSS growth {fmt_bytes(r['grown'])} ({r['grown'] / n:,.0f} B/point)"
    return note if r["reset"] else note + " (peak not reset: a lower bound)"


def phase_time(r: dict[str, Any], prefix: str) -> float | None:
    return next((t for t, m in r["phases"] if m.startswith(prefix)), None)


def cpu_note(r: dict[str, Any]) -> str:
    """The run's CPU time beside its wall time: on a shared machine the wall time grows with
    the load, the CPU time says how much work the run did."""
    return f"CPU {fmt_time(r['cpu'])} (all threads), load average {r['load']:.1f}"


def streaming_note(r: dict[str, Any]) -> str:
    frames = r["frames"]
    first = fmt_time(frames[0]) if frames else "never"
    return (
        f"{len(frames)} position updates streamed (first at {first}), {r['messages']} "
        f"messages, {fmt_bytes(r['bytes'])} serialised"
    )


def tsne_row(r: dict[str, Any], n: int, d: int) -> Row:
    aff = phase_time(r, "computing affinities")
    first = r["frames"][0] if r["frames"] else r["seconds"]
    split = (
        f"PCA to 50 {fmt_time(aff)}, affinities (Annoy, every core) "
        f"{fmt_time(first - aff)}, {N_ITER} iterations {fmt_time(r['seconds'] - first)}"
        if aff is not None
        else "phases not seen"
    )
    return Row(
        "t-SNE (nbprojector: Projector.project('tsne'), streaming on)",
        shape(n, d),
        fmt_time(r["seconds"]),
        f"job end to end (project() to wait()); {cpu_note(r)}; {split}; {streaming_note(r)}; "
        f"{memory_note(r, n)}; state {r['final_progress']}",
    )


def umap_row(r: dict[str, Any], n: int, d: int, seed: int | None = None) -> Row:
    # The widget's line counts epochs ("epoch 0 / 200") once the layout phase begins.
    layout = phase_time(r, "optimising layout") or phase_time(r, "epoch ")
    split = (
        f"neighbours + graph + spectral init {fmt_time(layout)}, epochs "
        f"{fmt_time(r['seconds'] - layout)}"
        if layout is not None
        else "phases not seen"
    )
    how = (
        "no seed (the default: umap-learn runs on every core; not reproducible)"
        if seed is None
        else f"seed {seed} (reproducible: umap-learn runs on one thread)"
    )
    return Row(
        f"UMAP (nbprojector: Projector.project('umap'{'' if seed is None else ', seed=0'}))",
        shape(n, d),
        fmt_time(r["seconds"]),
        f"after the compile row, same process; {cpu_note(r)}; n_neighbors 15, min_dist 0.1, "
        f"graph on all {d} dimensions (the default); {how}; "
        f"{split}; {streaming_note(r)} ({r['all_messages']} "
        f"messages in all, progress included); {memory_note(r, n)}",
    )


def tsne_rows(sizes: list[tuple[int, int]]) -> list[Row]:
    rows: list[Row] = []
    ours: dict[int, dict[str, Any]] = {}
    small, big = min(sizes), max(sizes)
    for n, d in sizes:
        what = f"t-SNE, {shape(n, d)}"
        attempt(rows, what, lambda n=n, d=d: [ours_row(ours, n, d)])
        if (n, d) == small and n in ours:
            ours_s = ours[n]["seconds"]
            attempt(rows, f"sklearn {what}", lambda n=n, d=d, t=ours_s: [sklearn_row(n, d, t)])
    if big[0] in ours and small[0] in ours and big != small:
        ratio = ours[big[0]]["grown"] / max(ours[small[0]]["grown"], 1)
        growth = big[0] / small[0]
        row = next(r for r in rows if r.size == shape(*big) and r.what.startswith("t-SNE (nb"))
        row.notes += (
            f"; memory {ratio:.1f}x the {fmt_n(small[0])} run's for {growth:.0f}x the points "
            f"(N*k grows {growth:.0f}x, N^2 {growth**2:.0f}x; an N x N float32 matrix would be "
            f"{fmt_bytes(4 * big[0] ** 2)})"
        )
    sk = next((r.time for r in rows if r.what.startswith("t-SNE (sklearn")), "?")
    rows.append(Row(
        "t-SNE (sklearn.manifold.TSNE)", shape(*big), "skipped",
        f"not run: takes many minutes (it took {sk} at {fmt_n(small[0])}; Barnes-Hut grows "
        "as N log N, and its neighbour search on 50 dimensions too)",
    ))  # fmt: skip
    return rows


def ours_row(ours: dict[int, dict[str, Any]], n: int, d: int) -> Row:
    ours[n] = r = spawn({"kind": "tsne", "n": n, "d": d})
    row = tsne_row(r, n, d)
    if (n, d) == (50_000, 768):
        row.notes += "; target: within 60 s including streaming"
    return row


def sklearn_row(n: int, d: int, ours: float) -> Row:
    r = spawn({"kind": "sklearn-tsne", "n": n, "d": d})
    return Row(
        "t-SNE (sklearn.manifold.TSNE)",
        shape(n, d),
        fmt_time(r["seconds"]),
        f"same run; fair: after the same PCA to 50 as ours ({fmt_time(r['pca'])}, included), "
        f"perplexity 30, {N_ITER} iterations (250 exaggerated), PCA init, barnes_hut, "
        f"n_jobs=-1; no streaming; {r['seconds'] / ours:.1f}x ours; {memory_note(r, n)}",
    )


def umap_rows(sizes: list[tuple[int, int]]) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="nbp-bench-numba-") as cache:
        env = {"NUMBA_CACHE_DIR": cache}
        series = spawn({"kind": "umap", "sizes": sizes, "seeded": list(sizes[-1])}, env)
        # A later process (a new kernel) with numba's on-disk cache now filled.
        warm = spawn({"kind": "umap", "sizes": []}, env)
    tiny, *runs = series["runs"]
    rows = [
        Row(
            "UMAP: numba first-call compile (a small UMAP, fresh numba cache)",
            shape(*TINY),
            fmt_time(series["import"] + tiny["seconds"]),
            f"the first project('umap') of a process with numba's cache empty (a first-ever "
            f"run): `import umap` {fmt_time(series['import'])} (pynndescent compiles at import) "
            f"+ the first fit {fmt_time(tiny['seconds'])}, almost all compiling (5,000 points, "
            "so NN-descent is compiled too); the widget says 'compiling numba kernels' meanwhile",
        ),
        Row(
            "UMAP: the same in a later process (numba cache warm)",
            shape(*TINY),
            fmt_time(warm["import"] + warm["runs"][0]["seconds"]),
            f"a new kernel after the compile row: `import umap` {fmt_time(warm['import'])} + the "
            f"first fit {fmt_time(warm['runs'][0]['seconds'])}",
        ),
    ]
    rows += [umap_row(r, n, d) for r, (n, d) in zip(runs, sizes, strict=True)]
    rows.append(umap_row(series["seeded"], *sizes[-1], seed=0))
    return rows


def run(quick: bool) -> list[Row]:
    if quick:
        tsne_sizes, umap_sizes = [(2_000, 768), (5_000, 768)], [(2_000, 768), (10_000, 768)]
    else:
        tsne_sizes, umap_sizes = [(10_000, 768), (50_000, 768)], [(10_000, 768), (100_000, 768)]
    rows: list[Row] = []
    attempt(rows, "t-SNE rows", lambda: tsne_rows(tsne_sizes))
    attempt(rows, "UMAP rows", lambda: umap_rows(umap_sizes))
    return rows


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    answer_worker(worker)
