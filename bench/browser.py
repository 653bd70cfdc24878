"""Browser rows: a real JupyterLab and Debian's Chromium, opened and timed by pages.py.

Time to first frame: from the moment the page runs ``notebook:run-all-cells`` to the moment
the widget marks its element ``data-ready="1"`` (set after its first drawn frame), both read
with ``performance.now()`` in the page. It includes starting Python's work in a fresh kernel
(imports, making the data, ``Projector(...)``), sending the state, decoding and drawing.

Round trips: a ``row`` request sent on the widget's own comm from the page (the message the
widget's RPC sends) until its reply arrives; and end to end, a click on a point until the
inspector's metadata card shows the row (one ``row`` round trip plus picking and drawing).
Measured on a stock server and on one whose kernel websocket sets TCP_NODELAY (Nagle's
algorithm adds ~40 ms to every reply on a stock jupyter_server).
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

import browser_neighbours
import numpy as np
from common import Row, attempt, fmt_n, fmt_time
from pages import CELLS, clear_card, harness, launch_chromium, open_timed

ROUND_TRIPS = 20




# `row` requests on the widget's comm, as the widget's RPC sends them, timed in the page.
# The comm's handler is wrapped for the duration: our replies stop here, others pass on.
COMM_ROUND_TRIPS = """async ([modelId, count, n]) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const comm = kernel._comms.get(modelId);
  if (!comm) throw new Error('no comm ' + modelId + ' on the kernel connection');
  const original = comm.onMsg;
  const waiting = new Map();
  comm.onMsg = (msg) => {
    const data = msg.content.data || {};
    const reply = data.content;
    if (data.method === 'custom' && reply && waiting.has(reply.id)) {
      waiting.get(reply.id)(reply);
      waiting.delete(reply.id);
      return;
    }
    return original.call(comm, msg);
  };
  const times = [];
  try {
    for (let i = 0; i < count; i++) {
      const id = 'bench-' + i;
      const start = performance.now();
      const reply = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no reply to ' + id)), 10000);
        waiting.set(id, (r) => { clearTimeout(timer); resolve(r); });
        const payload = { index: (i * 7919) % n };
        comm.send({ method: 'custom', content: { id, kind: 'row', payload } });
      });
      times.push(performance.now() - start);
      if (!reply.ok) throw new Error(reply.error);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    comm.onMsg = original;
  }
  return times;
}"""

# Arm a timer for one click: marks (ms after pointerup) when the page sends the `row`
# request on the widget's comm, when the reply reaches the comm, when the frame that the
# click asked for has been drawn, and when the metadata card shows the row.
ARM_CLICK = """([ready, modelId]) => {
  const el = document.querySelector(ready);
  const card = el.querySelector('.nbp-card');
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const comm = kernel._comms.get(modelId);
  const send = comm.send, onMsg = comm.onMsg;
  const bench = (window.__click = { kinds: [] });
  const since = () => performance.now() - bench.start;
  const restore = () => { comm.send = send; comm.onMsg = onMsg; };
  comm.send = function (data, ...rest) {
    if (data?.method === 'custom' && data.content?.kind) bench.kinds.push(data.content.kind);
    if (data?.content?.kind === 'row' && bench.sent === undefined) {
      bench.sent = since();
      bench.id = data.content.id;
    }
    return send.call(this, data, ...rest);
  };
  comm.onMsg = function (msg) {
    const reply = msg.content.data?.content;
    if (reply?.id !== undefined && reply.id === bench.id && bench.replied === undefined) {
      bench.replied = since();
    }
    return onMsg.call(this, msg);
  };
  window.addEventListener('pointerup', () => {
    bench.start = performance.now();
    requestAnimationFrame(() => setTimeout(() => (bench.drawn = since()), 0));
  }, { once: true, capture: true });
  const observer = new MutationObserver(() => {
    if (bench.start !== undefined && card.querySelector('dd')) {
      bench.ms = since();
      observer.disconnect();
      restore();
    }
  });
  observer.observe(card, { childList: true, subtree: true });
}"""

NODELAY_CONFIG = """\
# Written by bench/browser.py: reply without Nagle's delay on kernel websockets.
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

_open = KernelWebsocketHandler.open


async def _open_nodelay(self, *args, **kwargs):
    self.set_nodelay(True)
    return await _open(self, *args, **kwargs)


KernelWebsocketHandler.open = _open_nodelay
"""


def first_frame_row(context: Any, server: Any, n: int) -> Row:
    name = server.write_notebook(f"bench_{n}.ipynb", [c.format(n=n) for c in CELLS])
    nb, seconds = open_timed(context, server, name)
    try:
        kernel = nb.py("print(t_import, t_data, t_build)").split()
        count = nb.handle("h.count()")
    finally:
        harness.close_notebook(nb)
    t_import, t_data, t_build = (float(v) for v in kernel)
    assert count == n, f"the widget drew {count} points, expected {n}"
    return Row(
        "run all cells -> first frame drawn",
        f"{fmt_n(n)} points",
        fmt_time(seconds),
        f"3-D blobs, 12 categories; in the kernel: imports {fmt_time(t_import)}, "
        f"data {fmt_time(t_data)}, Projector() {fmt_time(t_build)}",
    )


def click_round_trips(nb: Any, model_id: str, count: int) -> list[dict[str, float]]:
    """Click points one after another; the marks of ARM_CLICK for each click."""
    nb.settle()
    xy = nb.handle("Array.from({length: h.count()}, (_, i) => h.clientPosition(i))")
    box = nb.view.locator(".nbp-canvas canvas").first.bounding_box()
    inside = [
        p
        for p in xy
        if p
        and box["x"] + 20 < p[0] < box["x"] + box["width"] - 20
        and box["y"] + 20 < p[1] < box["y"] + box["height"] - 20
    ]
    picks = np.random.default_rng(4).choice(len(inside), count, replace=False)
    times = []
    for i in picks:
        clear_card(nb)
        nb.page.evaluate(ARM_CLICK, [harness.READY, model_id])
        nb.page.mouse.click(*inside[i])
        nb.page.wait_for_function("() => window.__click.ms !== undefined", timeout=10_000)
        times.append(nb.page.evaluate("() => window.__click"))
    clear_card(nb)
    return times


def round_trip_rows(context: Any, server: Any, n: int, label: str) -> list[Row]:
    name = server.write_notebook(f"bench_rt_{n}.ipynb", [c.format(n=n) for c in CELLS])
    nb, _ = open_timed(context, server, name)
    try:
        model_id = nb.py("print(p.model_id)").strip()
        comm = nb.page.evaluate(COMM_ROUND_TRIPS, [model_id, ROUND_TRIPS, n])
        clicks = click_round_trips(nb, model_id, ROUND_TRIPS)
    finally:
        harness.close_notebook(nb)
    size = f"{fmt_n(n)} points"

    def spread(times: list[float]) -> str:
        return f"median of {len(times)} (min {min(times):.1f} ms, max {max(times):.1f} ms)"

    def mark(name: str) -> str:
        return f"{statistics.median(c[name] for c in clicks):.0f} ms"

    total = [c["ms"] for c in clicks]
    kinds = sorted({kind for c in clicks for kind in c["kinds"]})

    return [
        Row(
            f"`row` request round trip, {label}",
            size,
            fmt_time(statistics.median(comm) / 1000),
            f"page -> widget comm -> Python -> page; {spread(comm)}",
        ),
        Row(
            f"click a point -> metadata card filled, {label}",
            size,
            fmt_time(statistics.median(total) / 1000),
            f"{spread(total)}; medians after pointerup: `row` sent {mark('sent')}, "
            f"its reply handled {mark('replied')}, redraw done {mark('drawn')}; "
            f"requests a click sent: {', '.join(kinds)}",
        ),
    ]


def run(quick: bool) -> list[Row]:
    if not Path(harness.CHROMIUM).exists():
        return [Row("browser rows", "-", "skipped", f"no Chromium at {harness.CHROMIUM}")]
    from playwright.sync_api import sync_playwright

    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="nbp-bench-") as tmp, sync_playwright() as pw:
        context = launch_chromium(pw, Path(tmp))
        server = harness.JupyterServer(Path(tmp) / "stock")
        try:
            # Warm-up, not reported: the first page fills Chromium's cache with JupyterLab.
            attempt([], "warm-up", lambda: [first_frame_row(context, server, 1_000)])
            for n in sizes:
                attempt(
                    rows,
                    f"first frame, {fmt_n(n)} points",
                    lambda n=n: [first_frame_row(context, server, n)],
                )
            attempt(
                rows,
                "round trips, stock server",
                lambda: round_trip_rows(context, server, 10_000, "stock server"),
            )
            nn_size = (20_000, 768) if quick else (100_000, 768)
            attempt(
                rows,
                "neighbour round trip, stock server",
                lambda: browser_neighbours.rows(context, server, *nn_size),
            )
        finally:
            server.stop()
        config = Path(tmp) / "nodelay" / "home" / ".config" / "jupyter"
        config.mkdir(parents=True)
        (config / "jupyter_server_config.py").write_text(NODELAY_CONFIG)
        server = harness.JupyterServer(Path(tmp) / "nodelay")
        try:
            attempt(
                rows,
                "round trips, TCP_NODELAY server",
                lambda: round_trip_rows(context, server, 10_000, "TCP_NODELAY server"),
            )
            attempt(
                rows,
                "neighbour round trip, TCP_NODELAY server",
                lambda: browser_neighbours.rows(
                    context, server, *nn_size, "TCP_NODELAY server", time_frames=False
                ),
            )
        finally:
            server.stop()
        context.close()
    return rows
