"""The aligned-switching row (part of the trust section): what keeping the map still costs
when the embedding changes, ``procrustes_align`` of a layout onto the one shown before.

The rest of a switch (the new embedding's PCA, sending the positions) is the same with
alignment on or off; measured through the widget the difference is lost in that noise.
"""

from __future__ import annotations

import numpy as np
from common import Row, best_of, fmt_n, fmt_time

from nbprojector.align import procrustes_align

FULL = 100_000
QUICK = 20_000


def procrustes_row(n: int, dims: int) -> list[Row]:
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(n, dims)).astype(np.float32)
    q, _ = np.linalg.qr(rng.normal(size=(dims, dims)))
    moved = (reference @ q * 2.0 + 5.0).astype(np.float32)
    seconds, runs, aligned = best_of(lambda: procrustes_align(moved, reference))
    error = float(np.abs(aligned - reference).max())
    return [Row(f"aligned switch: Procrustes of a {dims}D layout", f"{fmt_n(n)} x {dims}",
                fmt_time(seconds), f"best of {runs}; largest error after undoing a rotation, "
                f"scale and shift {error:.1e}")]  # fmt: skip


def rows(quick: bool) -> list[Row]:
    n = QUICK if quick else FULL
    return procrustes_row(n, 2) + procrustes_row(n, 3)
