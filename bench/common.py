"""Shared pieces of the benchmark: the table row, timers, formatting and test data."""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Row:
    """One line of the results table."""

    what: str
    size: str
    time: str
    notes: str = ""


# Notebook cells of the browser rows (`{n}`: the point count, filled by str.format). The
# first times the imports; BLOBS makes 3-D Gaussian blobs with a 12-category column.
IMPORTS_CELL = (
    "import time\n"
    "t0 = time.perf_counter()\n"
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "t_import = time.perf_counter() - t0"
)
BLOBS = (
    "rng = np.random.default_rng(0)\n"
    "centres = rng.normal(scale=6.0, size=(12, 3)).astype(np.float32)\n"
    "blob = rng.integers(0, 12, {n})\n"
    "emb = centres[blob] + rng.standard_normal(({n}, 3), dtype=np.float32)\n"
    "meta = {{'blob': np.array([f'blob {{i}}' for i in range(12)])[blob]}}\n"
)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``fn`` once; return (seconds, its result). Collects garbage first."""
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of(fn: Callable[[], Any], budget: float = 30.0, most: int = 3) -> tuple[float, int, Any]:
    """Best seconds of up to ``most`` runs of ``fn``, stopping once ``budget`` seconds are
    spent; returns (best seconds, runs, the last result). Short runs are noisy on a shared
    2-core machine, and the best run is the one least disturbed."""
    best, runs, result = float("inf"), 0, None
    spent = 0.0
    while runs < most and (runs == 0 or spent + best <= budget):
        seconds, result = timed(fn)
        best, runs, spent = min(best, seconds), runs + 1, spent + seconds
    return best, runs, result


def first_line(err: BaseException, limit: int = 200) -> str:
    """``Type: message`` on one line, cut at ``limit`` characters (browser errors are long)."""
    text = f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def median_time(fn: Callable[[int], Any], repeats: int) -> tuple[float, list[float]]:
    """Median seconds of ``fn(i)`` over ``repeats`` calls (i = 0, 1, ...), and all times."""
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms" if seconds < 0.1 else f"{seconds * 1e3:.0f} ms"
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def fmt_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def fmt_n(n: int) -> str:
    """1000000 -> '1M', 100000 -> '100k', 1797 -> '1,797'."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return f"{n:,}"


def shape(n: int, d: int) -> str:
    return f"{fmt_n(n)} x {d}"


def blobs(n: int, d: int, centres: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(n, d) float32 Gaussian blobs around ``centres`` random centres, and each row's blob.

    Clustered like real embeddings (pure noise in high dimension makes every distance
    nearly equal, which is neither realistic nor what exact neighbour search is tuned for).
    Built in blocks so that the only large allocation is the result.
    """
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=1.0, size=(centres, d)).astype(np.float32)
    labels = rng.integers(0, centres, n)
    out = np.empty((n, d), dtype=np.float32)
    step = max(1, 2**24 // d)
    for start in range(0, n, step):
        block = out[start : start + step]
        rng.standard_normal(block.shape, dtype=np.float32, out=block)
        block *= 0.5
        block += means[labels[start : start + step]]
    return out, labels


def attempt(rows: list[Row], what: str, step: Callable[[], list[Row]]) -> None:
    """Run one step; a failure becomes a row, so the other steps' numbers still show."""
    try:
        rows.extend(step())
    except Exception as err:
        traceback.print_exc()
        rows.append(Row(what, "-", "failed", first_line(err)))


# Rows measured in a subprocess of their own (``python bench/NAME.py --worker JOB``), so that
# one row's memory never raises the next one's peak. The worker prints its result as JSON on
# a line that starts with this prefix (anything else it prints is passed over).
WORKER_PREFIX = "BENCH-RESULT "


def spawn_worker(script: str, job: dict[str, Any], timeout: int,
                 env: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """Run ``worker(job)`` of the bench module ``script`` in a fresh Python, with ``env``
    added to this one's environment; its result, or RuntimeError with its error."""
    print(f"[bench]   {Path(script).stem}: {job} ...", file=sys.stderr, flush=True)
    proc = subprocess.run(
        [sys.executable, script, "--worker", json.dumps(job)],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(WORKER_PREFIX)]
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stderr)
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"worker exited with {proc.returncode}: {last}")
    return json.loads(lines[-1][len(WORKER_PREFIX) :])


def answer_worker(worker: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """In the subprocess spawn_worker started: run ``worker`` on the job it was given and
    print the result where spawn_worker reads it."""
    print(WORKER_PREFIX + json.dumps(worker(json.loads(sys.argv[2]))), flush=True)
