"""Trust rows: layout fidelity and neighbour change between two embeddings, through the
widget as from a notebook, with their time and peak memory.

    python bench/bench.py --only trust [--quick]

- fidelity: ``Projector(x).fidelity(k=15)`` on its PCA layout (cosine): the exact k nearest
  of every point in the original space, then a KD-tree in the layout.
- compare: ``Projector({"a": x, "b": x + noise}).compare("a", "b", k=10)``: the exact k
  nearest of every point in both embeddings, then the set comparison.
- aligned switch: see aligned.py.

Each of the first two rows runs in a subprocess of its own (``python bench/trust.py --worker
...``), so one row's memory does not raise the next one's peak. Peak memory is the growth of
that process's peak resident set over the RSS just before the call (see projections.py:
``/proc/self/clear_refs`` resets the peak where the kernel allows it; tracemalloc would miss
BLAS's and scipy's own allocations).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from aligned import rows as aligned_rows
from common import Row, answer_worker, attempt, fmt_bytes, fmt_time, shape, spawn_worker

FULL = (100_000, 768)
QUICK = (20_000, 768)
TIMEOUT = 3600  # seconds for one subprocess (compare at 100k x 768 took 29 min under load 10)


# ----------------------------------------------------------------------- in the subprocess


def worker(job: dict[str, Any]) -> dict[str, Any]:
    """Build the widget, then time one ``fidelity`` or ``compare`` call and its peak RSS."""
    import numpy as np
    from common import blobs
    from projections import memory, reset_peak

    from nbprojector import Projector

    n, d = job["n"], job["d"]
    x, labels = blobs(n, d)
    if job["kind"] == "fidelity":
        p = Projector(x, {"blob": labels})
        call = lambda: p.fidelity(k=job["k"])  # noqa: E731
    else:
        noisy = x + np.random.default_rng(1).normal(scale=0.1, size=x.shape).astype(np.float32)
        p = Projector({"a": x, "b": noisy}, {"blob": labels})
        call = lambda: p.compare("a", "b", k=job["k"])  # noqa: E731
    rss, reset = reset_peak()
    start = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start
    out = {"seconds": seconds, "grown": memory()["VmHWM"] - rss, "reset": reset,
           "input": int(x.nbytes) * (1 if job["kind"] == "fidelity" else 2)}  # fmt: skip
    if job["kind"] == "fidelity":
        out.update(mean=result.attrs["mean"], chance=result.attrs["chance"])
    else:
        out.update(mean=float(result["change"].mean()))
    return out


# ----------------------------------------------------------------------- in the bench


def spawn(job: dict[str, Any]) -> dict[str, Any]:
    return spawn_worker(__file__, job, TIMEOUT)


def peak_note(r: dict[str, Any]) -> str:
    note = (f"peak RSS +{fmt_bytes(r['grown'])} over the {fmt_bytes(r['input'])} of "
            "input vectors")  # fmt: skip
    return note if r["reset"] else note + " (peak not reset: an upper bound)"


def fidelity_row(n: int, d: int) -> list[Row]:
    r = spawn({"kind": "fidelity", "n": n, "d": d, "k": 15})
    notes = (f"k=15, cosine, its first PCA layout (3D); mean {r['mean']:.3f} "
             f"(chance {r['chance']:.5f}); {peak_note(r)}")  # fmt: skip
    return [Row("layout fidelity (p.fidelity)", shape(n, d), fmt_time(r["seconds"]), notes)]


def compare_row(n: int, d: int) -> list[Row]:
    r = spawn({"kind": "compare", "n": n, "d": d, "k": 10})
    notes = (f"k=10, cosine, two embeddings; mean change {r['mean']:.3f}; "
             f"{peak_note(r)}")  # fmt: skip
    return [Row("neighbour change (p.compare)", shape(n, d), fmt_time(r["seconds"]), notes)]


def run(quick: bool) -> list[Row]:
    n, d = QUICK if quick else FULL
    rows: list[Row] = []
    attempt(rows, "layout fidelity (p.fidelity)", lambda: fidelity_row(n, d))
    attempt(rows, "neighbour change (p.compare)", lambda: compare_row(n, d))
    attempt(rows, "aligned switch: Procrustes", lambda: aligned_rows(quick))
    return rows


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    answer_worker(worker)
