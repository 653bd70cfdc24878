"""Open -> first frame of a Lance source beside an in-memory matrix, and the kernel's peak RSS.

``beyond.py --only open`` runs this: in JupyterLab in headless Chromium (the browser tests'
server and flags), each in a fresh kernel,

- ``Projector(emb)`` for an in-memory ``min(N, 1M) x 128`` float32 matrix (the same clustered
  rows as the Lance dataset's first ones, made in an earlier cell, which is not timed), and
- ``Projector("/path/to/clustered.lance")`` with the default draw budget and memory budget,

each timed from the widget cell's start to the first frame with points on screen (the
side-by-side bench's detection: ``pages.WATCH_FIRST_POINTS``), and to the moment every drawn
point is on screen (the view's test handle hides none: a source outside memory is first
drawn with the PCA of a first part of its drawn points, the others shown once read). Then,
in the same kernel, one neighbour query (``p.neighbors(1, k=100)``: exact, streamed over
every row of a source) and the kernel's peak resident memory (``VmHWM`` of
``/proc/self/status``, read inside the kernel), against its resident memory after the
imports.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import Row, fmt_n, fmt_time, shape
from pages import WIDGET_MARK, harness, launch_chromium, opened_to_first_points

from nbprojector import draw_budget

# Opening 10M rows reads every one of them three times (the NaN check, then PCA's two
# passes) on two shared cores: minutes, not seconds.
FIRST_POINTS_TIMEOUT_MS = 3_600_000

# In the page, after the first points: the time (on the same clock as the cell's start) when
# the view first draws every drawn point, none hidden for want of coordinates. Counting the
# hidden points loops over all of them: not while the status line says the kernel is still
# reading them, so that the wait does not slow the page it times.
ALL_DRAWN = """() => {
  const el = document.querySelector('.nbprojector[data-ready="1"]');
  const h = el && el.__nbp;
  const status = el?.querySelector('.nbp-status')?.textContent ?? '';
  if (!h || status.includes('reading the drawn points')) return false;
  if (h.count() === 0 || h.hidden() !== 0) return false;
  window.__sbs.all ??= performance.now();
  return true;
}"""

IMPORTS_CELL = (
    "import time\n"
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "def status(key):  # bytes, from the kernel's /proc/self/status\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith(key + ':'):\n"
    "            return int(line.split()[1]) * 1024\n"
    "rss_after_imports = status('VmRSS')\n"
)
# The in-memory matrix: the same rows as beyond.clustered_block(0, n) (100 Gaussian clusters).
MATRIX_CELL = (
    "centres = np.random.default_rng(0).normal(size=(100, 128)).astype(np.float32) * 3\n"
    "rng = np.random.default_rng([0, 0])\n"
    "labels = rng.integers(0, 100, {n})\n"
    "emb = centres[labels] + rng.standard_normal(({n}, 128), dtype=np.float32)\n"
    "del labels\n"
)
# A cell before the widget's: Dask's two-worker cluster, which the source's passes then use.
CLUSTER_CELL = (
    "from distributed import Client, LocalCluster\n"
    "client = Client(LocalCluster(n_workers=2, threads_per_worker=1, memory_limit='2GiB',\n"
    "                             dashboard_address=None))\n"
)
QUERY_AND_MEMORY = (
    "t0 = time.perf_counter()\n"
    "found = p.neighbors(1, k=100)\n"
    "query_s = time.perf_counter() - t0\n"
    "import json\n"
    "print(json.dumps({'query_s': query_s, 'n_points': p.n_points, 'drawn': len(p.drawn),\n"
    "                  'rss_after_imports': rss_after_imports, 'peak': status('VmHWM'),\n"
    "                  'rss': status('VmRSS')}))\n"
)


@dataclass
class Opened:
    """One widget in one fresh kernel."""

    first: float  # seconds, widget cell start -> first points on screen
    all_drawn: float  # seconds, widget cell start -> every drawn point on screen
    query: float  # seconds, one p.neighbors(1, k=100) after the first frame
    n_points: int
    drawn: int
    rss_after_imports: int  # bytes
    peak: int  # bytes, the kernel's VmHWM after the open and the query
    rss: int  # bytes, VmRSS at the end


def open_once(context: Any, server: Any, name: str, cells: list[str]) -> Opened:
    """Run ``cells`` (the last is the widget cell) in a fresh kernel and time its first frame."""
    notebook = server.write_notebook(name, cells)
    with opened_to_first_points(
        context, server, notebook, f"for {name}", FIRST_POINTS_TIMEOUT_MS
    ) as (nb, first):
        nb.page.wait_for_function(ALL_DRAWN, polling=100, timeout=FIRST_POINTS_TIMEOUT_MS)
        marks = nb.page.evaluate("() => window.__sbs")
        all_drawn = (marks["all"] - marks["cell"]) / 1000
        measured = json.loads(nb.py(QUERY_AND_MEMORY).strip().splitlines()[-1])
    return Opened(first=first, all_drawn=all_drawn, query=measured["query_s"],
                  n_points=measured["n_points"], drawn=measured["drawn"],
                  rss_after_imports=measured["rss_after_imports"], peak=measured["peak"],
                  rss=measured["rss"])  # fmt: skip


def log(message: str) -> None:
    print(f"[beyond open] {message}", file=sys.stderr, flush=True)


def read_once(uri: str) -> float:
    """Read every file of the dataset at ``uri`` once (seconds taken), so the rows measure
    the source in the OS page cache, as a dataset opened before is, not the disk: from a
    cold cache the first frame waits on the disk's random reads instead, several times
    longer."""
    start = time.perf_counter()
    for path in sorted(Path(uri).rglob("*")):
        if path.is_file():
            with path.open("rb") as f:
                while f.read(16 << 20):
                    pass
    return time.perf_counter() - start


def open_rows(uri: str, n: int, d: int) -> list[Row]:
    """The rows: the in-memory matrix's first frame, the Lance source's, and its memory."""
    from playwright.sync_api import sync_playwright

    m = min(n, 1_000_000)
    widget = f"{WIDGET_MARK}\np = Projector({{}})\np"
    with tempfile.TemporaryDirectory(prefix="nbp-beyond-") as tmp, sync_playwright() as pw:
        context = launch_chromium(pw, Path(tmp))
        server = harness.JupyterServer(Path(tmp) / "server")
        try:
            log("warm-up (1,000 points in memory, not reported)")
            in_memory = [IMPORTS_CELL, MATRIX_CELL.format(n=1_000), widget.format("emb")]
            open_once(context, server, "warm.ipynb", in_memory)
            log(f"in memory, {fmt_n(m)} x {d}")
            in_memory[1] = MATRIX_CELL.format(n=m)
            memory = open_once(context, server, "in_memory.ipynb", in_memory)
            log(f"  {memory}")
            log(f"Lance, {fmt_n(n)} x {d}: its files read once first")
            read_s = read_once(uri)
            log(f"  read in {read_s:.1f} s")
            cells = [IMPORTS_CELL, widget.format(repr(uri))]
            lance = open_once(context, server, "lance.ipynb", cells)
            log(f"  {lance}")
            log(f"Lance, {fmt_n(n)} x {d}, a 2-worker LocalCluster active")
            cells = [IMPORTS_CELL, CLUSTER_CELL, widget.format(repr(uri))]
            on_cluster = open_once(context, server, "lance_cluster.ipynb", cells)
            log(f"  {on_cluster}")
        finally:
            server.stop()
            context.close()
    gb = 1e9
    ratio = lance.first / memory.first
    first_part = min(lance.drawn, draw_budget.FIRST_PART_POINTS)
    return [
        Row("open -> first frame: in-memory matrix, Projector(emb)", shape(m, d),
            fmt_time(memory.first),
            f"{fmt_n(memory.drawn)} drawn; kernel peak RSS {memory.peak / gb:.2f} GB (the "
            f"matrix and the cell making it included; {memory.rss_after_imports / gb:.2f} GB "
            f"after the imports); p.neighbors(1, k=100) {fmt_time(memory.query)}"),
        Row("open -> first frame: Lance on disk, Projector(path)", shape(n, d),
            fmt_time(lance.first),
            f"{fmt_n(lance.drawn)} of {fmt_n(lance.n_points)} drawn (default max_points and "
            f"memory_budget; the dataset's files in the OS page cache, read once before in "
            f"{read_s:.1f} s), the first frame with the PCA of {fmt_n(first_part)} of them; "
            f"{ratio:.1f}x the in-memory {fmt_n(m)} (target at most 2x: "
            f"{'met' if ratio <= 2 else 'not met'})"),
        Row("open -> all drawn points on screen: Lance on disk, Projector(path)", shape(n, d),
            fmt_time(lance.all_drawn),
            f"the other {fmt_n(lance.drawn - first_part)} drawn rows read after the first "
            f"frame and placed on its axes; {lance.all_drawn / memory.first:.1f}x the "
            f"in-memory {fmt_n(m)}'s first frame (which draws all of its "
            f"{fmt_n(memory.drawn)} at once: {fmt_time(memory.all_drawn)})"),
        Row("kernel peak RSS: open (NaN check, PCA over all rows), one exact neighbour query",
            shape(n, d), f"{lance.peak / gb:.2f} GB",
            f"VmHWM of the kernel ({lance.rss_after_imports / gb:.2f} GB after the imports, "
            f"{lance.rss / gb:.2f} GB at the end); target at most 2.5 GB for the "
            f"{n * d * 4 / gb:.1f} GB source: {'met' if lance.peak <= 2.5 * gb else 'not met'};"
            f" p.neighbors(1, k=100) streamed over every row {fmt_time(lance.query)}"),
        Row("open -> first frame: Lance on disk, a 2-worker LocalCluster active",
            shape(n, d), fmt_time(on_cluster.first),
            f"the same, with Client(LocalCluster(2 workers x 1 thread)) made in an earlier "
            f"cell (not timed): {on_cluster.first / memory.first:.1f}x the in-memory "
            f"{fmt_n(m)}; all drawn on screen {fmt_time(on_cluster.all_drawn)}; kernel peak "
            f"RSS {on_cluster.peak / gb:.2f} GB (the workers are other processes); "
            f"p.neighbors(1, k=100) {fmt_time(on_cluster.query)}"),
    ]  # fmt: skip
