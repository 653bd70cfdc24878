"""Bad-input rows: what hostile or unusual input costs.

- PCA of a wide matrix (more dimensions than points), which goes through the N x N Gram
  matrix: time, and the peak of the memory numpy allocates while it runs (tracemalloc; the
  input matrix itself, made before, is not counted). A D x D covariance would need
  D^2 x 8 bytes (298 GB at D = 200,000).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
from common import Row, best_of, fmt_bytes, shape

from nbprojector.projections.pca import pca

#: (points, dimensions) of the wide PCA rows.
WIDE_SIZES = ((10, 200_000), (1_000, 50_000))


def _peak_bytes(fn) -> int:
    """Peak bytes numpy (and Python) allocate during ``fn()``."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def wide_pca_rows() -> list[Row]:
    rows = []
    for n, d in WIDE_SIZES:
        x = np.random.default_rng(0).random((n, d), dtype=np.float32)
        seconds, runs, _ = best_of(lambda x=x: pca(x), budget=20.0)
        peak = _peak_bytes(lambda x=x: pca(x))
        rows.append(Row(
            "PCA, wide matrix (N x N Gram)", shape(n, d), f"{seconds:.2f} s",
            f"best of {runs}; peak {fmt_bytes(peak)} allocated beyond the {fmt_bytes(x.nbytes)} "
            f"input (a D x D covariance would be {fmt_bytes(8.0 * d * d)})",
        ))  # fmt: skip
    return rows


def run(quick: bool) -> list[Row]:
    """The bad-input rows (the same sizes with ``quick``: each takes seconds)."""
    return [*wide_pca_rows()]
