"""Bad-input rows: what hostile or unusual input costs.

- PCA of a wide matrix (more dimensions than points), which goes through the N x N Gram
  matrix: time, and the peak of the memory numpy allocates while it runs (tracemalloc; the
  input matrix itself, made before, is not counted). A D x D covariance would need
  D^2 x 8 bytes (298 GB at D = 200,000).
- Regular expression searches over 1M labels: a pattern that makes a
  backtracking engine (Python's ``re``) run forever, a pattern every label matches, and one
  whose compiled program is so large that the time limit stops it.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
from common import Row, best_of, fmt_bytes, fmt_time, shape

from nbprojector import regex_match
from nbprojector.projections.pca import pca
from nbprojector.search import match

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


#: (pattern, labels, what the labels are, what the row shows) of the regex rows.
REGEX_CASES = (
    ("(a+)+$", "evil", "'a' * 40 + '!' each", "catastrophic for a backtracking engine"),
    ("(a+)+$", "words", "'word0', 'word1', ... (distinct)", "catastrophic pattern, no match"),
    (".", "words", "'word0', 'word1', ... (distinct)", "every label matches"),
    (r"(?:[\pL\pN]{20}){20}y", "words", "'word0', 'word1', ... (distinct)",
     "a compiled program of ~540k instructions"),
)  # fmt: skip


def regex_rows(n: int) -> list[Row]:
    labels = {
        "evil": pd.Series(["a" * 40 + "!"] * n),
        "words": pd.Series([f"word{i}" for i in range(n)]),
    }
    rows = []
    for pattern, which, described, why in REGEX_CASES:
        def search(pattern=pattern, values=labels[which]):
            try:
                return int(match(values, pattern, regex=True).sum())
            except regex_match.RegexTooSlowError:
                return None

        seconds, runs, hits = best_of(search, budget=10.0)
        outcome = "stopped by the time limit" if hits is None else f"{hits:,} matches"
        rows.append(Row(
            f"regex search `{pattern}` (RE2)", f"{n:,} labels", fmt_time(seconds),
            f"best of {runs}; {why}; labels {described}; {outcome} (time limit "
            f"{regex_match.TIME_LIMIT_S:g} s); the whole search.match call, text form included",
        ))  # fmt: skip
    return rows


def run(quick: bool) -> list[Row]:
    """The bad-input rows (the same sizes with ``quick``: each takes seconds)."""
    return [*wide_pca_rows(), *regex_rows(1_000_000)]
