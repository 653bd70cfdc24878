"""A 2M x 128 float32 Lance dataset (a 1 GB matrix) for the bounded-memory tests, written in
a child process so the writer's memory never counts against the process that reads it."""

from __future__ import annotations

import subprocess
import sys

N_ROWS, DIMS = 2_000_000, 128

# Row i's vector starts with i (the reader's order is checked) and its word is "w{i}".
WRITE_SCRIPT = f"""
import sys
import numpy as np, pyarrow as pa, lance
n, d, step = {N_ROWS}, {DIMS}, 100_000

def batches():
    for start in range(0, n, step):
        rows = np.arange(start, start + step)
        x = np.random.default_rng(start).normal(size=(step, d)).astype(np.float32)
        x[:, 0] = rows
        yield pa.record_batch({{
            "word": pa.array(np.char.add("w", rows.astype(str))),
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), d),
        }})

schema = pa.schema({{"word": pa.string(), "vector": pa.list_(pa.float32(), d)}})
lance.write_dataset(pa.RecordBatchReader.from_batches(schema, batches()), sys.argv[1])
"""


def write_big_lance(path: str) -> str:
    """Write the dataset at ``path`` (about 10 s and 1 GB of disk) and return the path."""
    subprocess.run([sys.executable, "-c", WRITE_SCRIPT, path], check=True, timeout=600)
    return path
