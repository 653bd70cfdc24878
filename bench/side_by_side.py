"""nbprojector and jupyter-scatter side by side, on the same 2-D points in the same run.

    python bench/side_by_side.py [--quick] [--runs 3] [--sizes 100000,1000000]

For each N (100k, 1M, 3M; ``--quick``: 100k and 1M, one run), each tool and each run, a fresh
kernel runs a notebook of three cells in JupyterLab in headless Chromium (the browser tests'
own server and flags): the imports, the data (a Gaussian mixture of 20 clusters in 2-D, seeded,
so both tools get the same points, with the cluster as a categorical column), and the widget,
coloured by cluster. Measured in the page and on the kernel's websocket:

- **first points**: from the page receiving the widget cell's ``execute_input`` (the kernel
  started that cell) to the first animation frame whose plot canvas shows points: every
  WebGL context is created with ``preserveDrawingBuffer`` (forced for both tools alike, so a
  WebGL canvas can be read), and each frame every canvas of at least 200 x 200 pixels in the
  outputs (nbprojector's WebGL canvas; jupyter-scatter's 2-D canvas, into which it copies
  each frame drawn off screen) is scaled down to 64 x 64 and read back; points are there once
  at least 8 of those pixels differ from the most common colour (the background).
- **bytes a point**: every ``comm_open`` and ``comm_msg`` the kernel sent on its websocket
  (their whole frames: JSON, buffers, and each tool's front-end bundle where the widget ships
  it in its state) from the widget cell until the traffic has been quiet for 2 s, over N.
- **zoom frame interval**: the pointer over the canvas centre, mouse-wheel steps (10 in, 10 out,
  repeated, 30 ms apart) for at least 3 s and until 8 new pictures have been shown; each
  animation frame the plot canvas is read back (scaled to 64 x 64, which waits for its drawing
  to finish), and the median interval between two frames whose picture changed is the row's.

Each cell of the table is the median over the runs; the ratio is jupyter-scatter's over
nbprojector's (above 1: nbprojector is faster or smaller). jupyter-scatter comes from the
``bench`` extra (``pip install -e ".[bench]"``); without it its columns say "not installed".
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import statistics
import struct
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: siblings import

from common import Row, fmt_n
from pages import WIDGET_MARK, harness, launch_chromium, opened_to_first_points

TOOLS = ("nbprojector", "jupyter-scatter")

DATA_CELL = (
    "rng = np.random.default_rng(0)\n"
    "centres = rng.normal(scale=10.0, size=(20, 2)).astype(np.float32)\n"
    "cluster = rng.integers(0, 20, {n})\n"
    "xy = centres[cluster] + rng.standard_normal(({n}, 2), dtype=np.float32)\n"
    "names = np.array([f'cluster {{i}}' for i in range(20)])[cluster]\n"
)
# The cells of each tool's notebook: imports, data (`{n}`: the point count), the widget.
CELLS = {
    "nbprojector": [
        "import numpy as np\nfrom nbprojector import Projector",
        DATA_CELL,
        # Every point drawn, as jupyter-scatter draws them: the draw budget (1M by default)
        # raised to N, so the 3M row draws 3M points, not a sample of them.
        f"{WIDGET_MARK}\nProjector(xy, {{{{'cluster': names}}}}, color_by='cluster', height=600,"
        " max_points={n})",
    ],
    "jupyter-scatter": [
        "import numpy as np\nimport pandas as pd\nimport jscatter",
        DATA_CELL + "df = pd.DataFrame({{'x': xy[:, 0], 'y': xy[:, 1],"
        " 'cluster': pd.Categorical(names)}})\n",
        f"{WIDGET_MARK}\n"
        "jscatter.Scatter(data=df, x='x', y='y', color_by='cluster', height=600).show()",
    ],
}

FIRST_POINTS_TIMEOUT_MS = 240_000

# Frames while the view is zoomed: each animation frame, the plot canvas (the largest in the
# outputs) is scaled down to 64 x 64 and read back, which waits for its drawing to finish
# (software WebGL draws in the GPU process, so the page's own frames alone do not show how
# long a redraw takes); the times of the frames whose picture changed are kept.
RECORD_FRAMES = """() => {
  const canvas = [...document.querySelectorAll('.jp-OutputArea canvas')]
    .sort((a, b) => b.width * b.height - a.width * a.height)[0];
  const sample = document.createElement('canvas');
  sample.width = sample.height = 64;
  const pen = sample.getContext('2d', { willReadFrequently: true });
  const frames = (window.__frames = []);
  let previous = null;
  window.__recording = true;
  const tick = () => {
    pen.clearRect(0, 0, 64, 64);
    pen.drawImage(canvas, 0, 0, 64, 64);
    const now = pen.getImageData(0, 0, 64, 64).data;
    if (!previous || now.some((v, i) => v !== previous[i])) frames.push(performance.now());
    previous = now;
    if (window.__recording) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


@dataclass
class Run:
    """One tool, one size, one fresh kernel."""

    first: float  # seconds, widget cell start -> first points on screen
    comm_bytes: int  # comm_open + comm_msg bytes from the kernel
    zoom: float  # seconds, median frame interval while zooming
    frames: int  # frame intervals the zoom median is of


@dataclass
class Traffic:
    """Kernel -> page websocket frames, split into widget messages and the rest."""

    comm: int = 0
    other: int = 0
    last: float = field(default_factory=time.perf_counter)

    def frame(self, payload: bytes | str) -> None:
        self.last = time.perf_counter()
        if _msg_type(payload) in ("comm_open", "comm_msg"):
            self.comm += len(payload)
        else:
            self.other += len(payload)


def _msg_type(payload: bytes | str) -> str | None:
    """The Jupyter message type of one websocket frame: JSON text (the old protocol) or
    ``v1.kernel.websocket.jupyter.org`` (offsets, channel, header, ...)."""
    try:
        if isinstance(payload, str):
            return json.loads(payload)["header"]["msg_type"]
        (count,) = struct.unpack_from("<Q", payload, 0)
        offsets = struct.unpack_from(f"<{count}Q", payload, 8)
        return json.loads(payload[offsets[1] : offsets[2]])["msg_type"]  # the header
    except (ValueError, KeyError, IndexError, struct.error):
        return None


def measure(context: Any, server: Any, tool: str, n: int) -> Run:
    imports, data, widget = CELLS[tool]
    name = server.write_notebook(f"sbs_{tool}_{n}.ipynb",
                                 [imports, data.format(n=n), widget.format(n=n)])
    traffic = Traffic()

    def count_traffic(page: Any) -> None:
        page.on("websocket", lambda ws: ws.on("framereceived", traffic.frame))

    with opened_to_first_points(
        context, server, name, f"on {tool}'s canvas ({fmt_n(n)})", FIRST_POINTS_TIMEOUT_MS,
        before_open=count_traffic,
    ) as (nb, first):  # fmt: skip
        wait_until_quiet(nb.page, traffic)
        zoom, frames = zoom_intervals(nb.page)
    return Run(first, traffic.comm, zoom, frames)


def wait_until_quiet(page: Any, traffic: Traffic) -> None:
    """Wait until the kernel has sent nothing for 2 s: the widget's state and whatever it
    sends after its first frame are counted (the notebook's other cells send no comm
    messages, so every comm message of the run is the widget's)."""
    while time.perf_counter() - traffic.last < 2.0:
        page.wait_for_timeout(250)


def zoom_intervals(page: Any, least_seconds: float = 3.0, least_frames: int = 8,
                   most_seconds: float = 30.0) -> tuple[float, int]:  # fmt: skip
    """Wheel over the canvas centre; (median seconds between frames, intervals counted)."""
    canvases = page.locator(".jp-OutputArea canvas")
    box = max(
        (canvases.nth(i).bounding_box() for i in range(canvases.count())),
        key=lambda b: (b or {}).get("width", 0) * (b or {}).get("height", 0),
    )
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.evaluate(RECORD_FRAMES)
    start = time.perf_counter()
    step = 0
    while True:
        elapsed = time.perf_counter() - start
        frames = page.evaluate("() => window.__frames.length")
        if elapsed > most_seconds or (elapsed > least_seconds and frames > least_frames):
            break
        page.mouse.wheel(0, -60 if (step // 10) % 2 == 0 else 60)
        step += 1
        page.wait_for_timeout(30)
    times = page.evaluate("() => { window.__recording = false; return window.__frames; }")
    intervals = [(b - a) / 1000 for a, b in itertools.pairwise(times)]
    return statistics.median(intervals), len(intervals)


def jscatter_installed() -> bool:
    return importlib.util.find_spec("jscatter") is not None


def run_all(sizes: list[int], runs: int) -> dict[tuple[str, int], list[Run]]:
    from playwright.sync_api import sync_playwright

    results: dict[tuple[str, int], list[Run]] = {}
    failed: set[tuple[str, int]] = set()
    tools = [t for t in TOOLS if t != "jupyter-scatter" or jscatter_installed()]
    with tempfile.TemporaryDirectory(prefix="nbp-sbs-") as tmp, sync_playwright() as pw:
        context = launch_chromium(pw, Path(tmp))
        server = harness.JupyterServer(Path(tmp) / "server")
        try:
            for tool in tools:  # warm-up, not reported: fills Chromium's cache, imports once
                measure(context, server, tool, 1_000)
            for n in sizes:
                for r in range(runs):
                    for tool in tools:  # interleaved, so a change in load hits both alike
                        print(f"[side_by_side] {tool} {fmt_n(n)} run {r + 1} ...",
                              file=sys.stderr, flush=True)  # fmt: skip
                        try:
                            one = measure(context, server, tool, n)
                        except Exception:  # a failed run must not hide the others
                            traceback.print_exc()
                            failed.add((tool, n))
                            continue
                        print(f"[side_by_side]   {one}", file=sys.stderr, flush=True)
                        results.setdefault((tool, n), []).append(one)
        finally:
            server.stop()
            context.close()
    for key in failed - results.keys():
        results[key] = []  # every run failed: the table says so
    return results


def _median(runs: list[Run], what: str) -> float:
    return statistics.median(getattr(r, what) for r in runs)


def table(results: dict[tuple[str, int], list[Run]], sizes: list[int]) -> str:
    """The Markdown table: one row per N, each tool's medians and the ratios."""
    lines = [
        "| N | first points: nbprojector | jupyter-scatter | ratio | bytes a point: "
        "nbprojector | jupyter-scatter | ratio | zoom frame interval: nbprojector | "
        "jupyter-scatter | ratio (nbprojector / jupyter-scatter) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n in sizes:
        ours, theirs = results.get(("nbprojector", n)), results.get(("jupyter-scatter", n))
        cells = [fmt_n(n)]
        for what, fmt in (("first", _s), ("comm_bytes", _b(n)), ("zoom", _ms)):
            a = _median(ours, what) if ours else None
            b = _median(theirs, what) if theirs else None
            cells += [
                fmt(v) if v is not None else ("failed" if runs == [] else "not installed")
                for v, runs in ((a, ours), (b, theirs))
            ]
            if a is None or b is None:
                cells.append("-")
            elif what == "zoom":
                cells.append(f"{a / b:.2f}x")
            else:
                cells.append(f"{b / a:.2f}x")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _s(v: float) -> str:
    return f"{v:.2f} s"


def _ms(v: float) -> str:
    return f"{v * 1000:.0f} ms"


def _b(n: int):
    return lambda v: f"{v / n:.1f}"


def rows(results: dict[tuple[str, int], list[Run]], sizes: list[int]) -> list[Row]:
    """The same numbers as rows of bench.py's table."""
    out = []
    for n in sizes:
        for tool in TOOLS:
            runs = results.get((tool, n))
            if runs == []:
                out.append(Row(f"side by side: {tool}", f"{fmt_n(n)} points", "failed",
                               "every run failed (tracebacks on stderr)"))
                continue  # fmt: skip
            if runs is None:
                out.append(Row(f"side by side: {tool}", f"{fmt_n(n)} points", "skipped",
                               "jupyter-scatter is not installed: pip install -e '.[bench]'"))
                continue  # fmt: skip
            firsts = ", ".join(f"{r.first:.2f}" for r in runs)
            out.append(Row(
                f"side by side: {tool}, widget cell -> first points on screen",
                f"{fmt_n(n)} points, 2-D",
                f"{_median(runs, 'first'):.2f} s",
                f"median of {len(runs)} fresh kernels ({firsts} s); "
                f"{_median(runs, 'comm_bytes') / n:.1f} bytes a point "
                f"({_median(runs, 'comm_bytes') / 1e6:.1f} MB of widget messages); zoom frame "
                f"interval {_median(runs, 'zoom') * 1000:.0f} ms "
                f"(median over {runs[0].frames} frames)",
            ))  # fmt: skip
    return out


def run(quick: bool) -> list[Row]:
    """bench.py's section: prints the side-by-side table to stderr, returns its rows."""
    if not Path(harness.CHROMIUM).exists():
        return [Row("side by side", "-", "skipped", f"no Chromium at {harness.CHROMIUM}")]
    sizes = [100_000, 1_000_000] if quick else [100_000, 1_000_000, 3_000_000]
    results = run_all(sizes, 1 if quick else 3)
    print(table(results, sizes), file=sys.stderr, flush=True)
    return rows(results, sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one run, 100k and 1M")
    parser.add_argument("--runs", type=int, help="fresh kernels per tool and size (3)")
    parser.add_argument("--sizes", help="comma-separated point counts (100000,1000000,3000000)")
    args = parser.parse_args()
    sizes = [100_000, 1_000_000] if args.quick else [100_000, 1_000_000, 3_000_000]
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    runs = args.runs or (1 if args.quick else 3)
    import os

    load = os.getloadavg()[0]
    results = run_all(sizes, runs)
    print(table(results, sizes))
    print(
        f"\nMedian of {runs} fresh kernel(s) per cell; load average (1 min) {load:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after; {os.cpu_count()} cores."
    )


if __name__ == "__main__":
    main()
