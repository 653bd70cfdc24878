"""Trust rows: layout fidelity and neighbour change between two embeddings, through the
widget as from a notebook, with their time and peak memory.

    python bench/bench.py --only trust [--quick]

- fidelity: ``Projector(x).fidelity(k=15)`` on its PCA layout (cosine): the exact k nearest
  of every point in the original space, then a KD-tree in the layout.
- compare: ``Projector({"a": x, "b": x + noise}).compare("a", "b", k=10)``: the exact k
  nearest of every point in both embeddings, then the set comparison.
- aligned switch: see aligned.py.

Peak memory is the growth of the process's peak resident set over the RSS before the call
(see projections.py: ``/proc/self/clear_refs`` resets the peak where the kernel allows it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from aligned import rows as aligned_rows
from common import Row, attempt, blobs, fmt_bytes, fmt_time, shape, timed
from projections import memory, reset_peak

from nbprojector import Projector

FULL = (100_000, 768)
QUICK = (20_000, 768)


def measured(fn: Any) -> tuple[float, int, bool, Any]:
    """(seconds, peak RSS growth in bytes, whether the peak was reset, result) of ``fn()``."""
    rss, reset = reset_peak()
    seconds, result = timed(fn)
    return seconds, memory()["VmHWM"] - rss, reset, result


def peak_note(grown: int, reset: bool) -> str:
    return f"peak +{fmt_bytes(grown)}" + ("" if reset else " (peak not reset: upper bound)")


def fidelity_row(n: int, d: int) -> list[Row]:
    x, labels = blobs(n, d)
    p = Projector(x, {"blob": labels})
    seconds, grown, reset, scores = measured(lambda: p.fidelity(k=15))
    notes = (f"k=15, cosine, its first PCA layout (3D); mean {scores.attrs['mean']:.3f} "
             f"(chance {scores.attrs['chance']:.5f}); {peak_note(grown, reset)}")  # fmt: skip
    return [Row("layout fidelity (p.fidelity)", shape(n, d), fmt_time(seconds), notes)]


def compare_row(n: int, d: int) -> list[Row]:
    x, labels = blobs(n, d)
    noisy = x + np.random.default_rng(1).normal(scale=0.1, size=x.shape).astype(np.float32)
    p = Projector({"a": x, "b": noisy}, {"blob": labels})
    seconds, grown, reset, frame = measured(lambda: p.compare("a", "b", k=10))
    notes = (f"k=10, cosine, two embeddings; mean change {frame['change'].mean():.3f}; "
             f"{peak_note(grown, reset)}")  # fmt: skip
    return [Row("neighbour change (p.compare)", shape(n, d), fmt_time(seconds), notes)]


def run(quick: bool) -> list[Row]:
    n, d = QUICK if quick else FULL
    rows: list[Row] = []
    attempt(rows, "layout fidelity (p.fidelity)", lambda: fidelity_row(n, d))
    attempt(rows, "neighbour change (p.compare)", lambda: compare_row(n, d))
    attempt(rows, "aligned switch: Procrustes", lambda: aligned_rows(quick))
    return rows
