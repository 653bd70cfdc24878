"""A plain Python script that opens a Lance source above the draw budget and ends (or calls
``sys.exit``) while the background exact PCA (or the read of the drawn points before it) is
still reading the dataset exits with status 0: the pass is cancelled and its thread has
left Lance's reader before Python finalises. (A thread left inside the reader was killed
where it stood during finalisation, and the forced unwinding through Lance's native frames
aborted the process in most runs.)"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
lance = pytest.importorskip("lance")

N, D, DRAWN = 300_000, 32, 20_000
# Small blocks: the exact pass then spends most of its time inside Lance's reader, where an
# exit used to abort the process.
BLOCK_ROWS = 4_000

_SCRIPT = """
import atexit, json, sys, time
from nbprojector import Projector, draw_budget
from nbprojector.chunk_runner import ChunkRunner
from nbprojector.compute import LocalCompute
from nbprojector.widget import drawn_fill, exact_pca

# As in a script that runs longer than the exact pass waits for a page that never comes.
exact_pca.START_WITHOUT_PAGE = 0.0
path, block_rows, phase, how = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
# The first frame fitted on a tenth of the drawn points, the others read before the pass.
draw_budget.FIRST_PART_POINTS, drawn_fill.BLOCK_ROWS = {drawn} // 10, block_rows // 4
runner = ChunkRunner(rows_per_chunk=block_rows, use_dask=False)
p = Projector(path, max_points={drawn}, compute=LocalCompute(runner))
deadline = time.monotonic() + 60
while (p.progress["state"] == "running" and phase not in p.progress["message"]
       and time.monotonic() < deadline):
    time.sleep(0.005)
said = {{"state": p.progress["state"], "message": p.progress["message"]}}
# atexit's handlers run after the background pass was stopped: it must not have finished.
atexit.register(lambda: print(json.dumps({{**said, "exact": p.projection["exact"],
                                           "at_exit": time.time()}}), flush=True))
if how == "sys.exit":
    sys.exit(0)
"""


@pytest.fixture(scope="module")
def vectors_lance(tmp_path_factory: pytest.TempPathFactory) -> str:
    x = np.random.default_rng(0).normal(size=(N, D)).astype(np.float32)
    path = str(tmp_path_factory.mktemp("exit") / "vectors.lance")
    lance.write_dataset(pa.table({
        "id": np.arange(N),
        "vector": pa.FixedSizeListArray.from_arrays(pa.array(x.reshape(-1)), D),
    }), path)  # fmt: skip
    return path


# Where the pass is when the script ends: reading the drawn points the first frame left
# out, starting, in its first pass, in its second.
MOMENTS = [
    ("reading the drawn points", "end"),
    ("reading the drawn points", "sys.exit"),
    ("computing", "end"),
    ("covariance", "sys.exit"),
    ("covariance", "end"),
    ("scores", "sys.exit"),
    ("scores", "end"),
]


def test_a_script_ending_while_the_exact_pca_reads_exits_cleanly(vectors_lance):
    for phase, how in MOMENTS:
        script = textwrap.dedent(_SCRIPT.format(drawn=DRAWN))
        run = subprocess.run(
            [sys.executable, "-c", script, vectors_lance, str(BLOCK_ROWS), phase, how],
            timeout=120, capture_output=True, text=True,
        )  # fmt: skip
        ended = time.time()
        where = f"exit during {phase!r} ({how}): "
        assert run.returncode == 0, where + f"status {run.returncode}\n{run.stderr[-3000:]}"
        for sign in ("Fatal", "panicked", "terminate", "Traceback"):
            assert sign not in run.stderr, where + run.stderr[-3000:]
        report = json.loads(run.stdout.strip().splitlines()[-1])
        # The script ended while the pass was still in the phase asked for...
        assert report["state"] == "running" and phase in report["message"], where + str(report)
        # ...and the pass was stopped, not waited for to the end.
        assert report["exact"] is False, where + str(report)
        # Promptly: the interpreter's own teardown, not the rest of the pass.
        assert ended - report["at_exit"] < 20, where + f"{ended - report['at_exit']:.1f} s"
