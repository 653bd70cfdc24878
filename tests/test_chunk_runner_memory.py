"""A pass over every row of a source holds no per-row arrays beyond the blocks in flight:
the blocks' point indices are made when each block runs, not for all blocks up front."""

from __future__ import annotations

import tracemalloc

import numpy as np

from nbprojector.chunk_runner import ChunkRunner
from nbprojector.sources import ArraySource

N, D, ROWS = 2_000_000, 2, 10_000


def test_a_pass_over_every_row_holds_one_block_of_indices_at_a_time():
    source = ArraySource(np.zeros((N, D), dtype=np.float32))
    runner = ChunkRunner(use_dask=False, rows_per_chunk=ROWS)
    seen = []
    tracemalloc.start()  # numpy reports its buffers to tracemalloc
    try:
        runner.run(source, lambda block, ids: int(ids[-1]),
                   lambda ids, last: seen.append((int(ids[0]), last)))  # fmt: skip
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen[0] == (0, ROWS - 1) and seen[-1] == (N - ROWS, N - 1) and len(seen) == N // ROWS
    # Every block's indices made up front were 8 bytes a row: 16 MB here.
    assert peak < 2 << 20, peak
