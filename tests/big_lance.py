"""Lance datasets for the bounded-memory tests: 2M x 128 float32 (a 1 GB matrix), and 2M
chunks of text (400 MB), each written in a child process so the writer's memory never counts
against the process that reads it."""

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


# A RAG corpus's shape: 2M chunks, each a vector (16 floats, the vectors are not what this
# source tests) and about 200 bytes of text, all distinct (400 MB of text): row i's text
# starts "chunk {i}:" and ends with a word only row 1,234,567 has.
TEXT_ROWS, TEXT_DIMS = 2_000_000, 16
WRITE_TEXT_SCRIPT = f"""
import sys
import numpy as np, pyarrow as pa, pyarrow.compute as pc, lance
n, d, step = {TEXT_ROWS}, {TEXT_DIMS}, 100_000
filler = " lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor" * 3

def batches():
    for start in range(0, n, step):
        rows = np.arange(start, start + step)
        x = np.random.default_rng(start).normal(size=(step, d)).astype(np.float32)
        words = np.char.add(np.char.add("chunk ", rows.astype(str)), ":" + filler[:180])
        words = np.char.add(words, np.where(rows == 1_234_567, " zanzibar", " end"))
        yield pa.record_batch({{
            "id": pa.array(rows),
            "text": pa.array(words.astype(object), pa.string()),
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), d),
        }})

schema = pa.schema({{"id": pa.int64(), "text": pa.string(),
                     "vector": pa.list_(pa.float32(), d)}})
lance.write_dataset(pa.RecordBatchReader.from_batches(schema, batches()), sys.argv[1])
"""


def write_big_text_lance(path: str) -> str:
    """Write the corpus at ``path`` (about 30 s and 500 MB of disk) and return the path."""
    subprocess.run([sys.executable, "-c", WRITE_TEXT_SCRIPT, path], check=True, timeout=600)
    return path
