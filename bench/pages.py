"""Opening notebooks in JupyterLab in Chromium and timing them, for the browser rows.

The browser driving code (a Jupyter server, Chromium's flags, running every cell, the view's
test handle) is the browser tests' own: tests/browser/harness.py, imported here as
``tests.browser.harness`` from the repository root.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common import BLOBS, IMPORTS_CELL

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after bench/ itself: `tests` is the repository's folder

from tests.browser import harness  # noqa: E402

RUN_TIMEOUT_MS = 300_000

CELLS = [
    IMPORTS_CELL,
    "t0 = time.perf_counter()\n" + BLOBS + "t_data = time.perf_counter() - t0",
    "t0 = time.perf_counter()\n"
    "p = Projector(emb, meta, color_by='blob')\n"
    "t_build = time.perf_counter() - t0\n"
    "p",
]

# Installed after the page loads, before RUN_ALL: note when run-all starts, when the widget
# first reports a drawn frame (`ready`), and, given a further attribute selector (`also`, e.g.
# '[data-images="drawn"]'), when the widget first matches that too.
HOOK = """([ready, also]) => {
  const app = window.jupyterapp;
  const execute = app.commands.execute.bind(app.commands);
  const bench = (window.__bench = {});
  app.commands.execute = (id, args) => {
    if (id === 'notebook:run-all-cells') bench.start = performance.now();
    return execute(id, args);
  };
  const observer = new MutationObserver(() => {
    if (bench.start === undefined) return;
    if (bench.ready === undefined && document.querySelector(ready)) bench.ready = performance.now();
    if (also && bench.also === undefined && document.querySelector(ready + also)) {
      bench.also = performance.now();
    }
    if (bench.ready !== undefined && (!also || bench.also !== undefined)) observer.disconnect();
  });
  observer.observe(document.body, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ['data-ready', 'data-images'],
  });
}"""

# The mark a notebook's widget cell carries: WATCH_FIRST_POINTS times the first points from
# the start of the cell whose code holds it.
WIDGET_MARK = "# the widget cell"

# Before any page script: every WebGL context keeps its drawing buffer (so a frame can be read
# back after it is shown), for every tool alike.
KEEP_DRAWING_BUFFER = """(() => {
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (kind, options) {
    if (/webgl/.test(String(kind))) options = { ...(options || {}), preserveDrawingBuffer: true };
    return getContext.call(this, kind, options);
  };
})()"""

# After the page loads, before the cells run: note when the widget cell starts (its
# execute_input reaching the page), then look at every frame for points on a WebGL canvas.
WATCH_FIRST_POINTS = """(mark) => {
  const bench = (window.__sbs = {});
  const app = window.jupyterapp;
  const sample = document.createElement('canvas');
  sample.width = sample.height = 64;
  const pen = sample.getContext('2d', { willReadFrequently: true });
  const pointsOn = (canvas) => {
    if (!canvas.width || !canvas.height) return 0;
    pen.clearRect(0, 0, 64, 64);
    pen.drawImage(canvas, 0, 0, 64, 64);
    const px = pen.getImageData(0, 0, 64, 64).data;
    const counts = new Map();
    for (let i = 0; i < px.length; i += 4) {
      const key = (px[i] >> 3) << 10 | (px[i + 1] >> 3) << 5 | (px[i + 2] >> 3);
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    const background = Math.max(...counts.values());
    return 64 * 64 - background;
  };
  const look = () => {
    if (bench.first !== undefined) return;
    const canvases = [...document.querySelectorAll('.jp-OutputArea canvas')];
    // The plot's canvases: nbprojector draws into a WebGL canvas (with a transparent 2D
    // overlay for labels); jupyter-scatter draws with a shared off-screen WebGL canvas and
    // copies each frame into a visible 2D one. Small canvases (buttons, legends) are not it.
    for (const canvas of canvases.filter((c) => c.width >= 200 && c.height >= 200)) {
      if (pointsOn(canvas) >= 8) { bench.first = performance.now(); return; }
    }
    requestAnimationFrame(look);
  };
  const watch = async () => {
    let p;
    while (!(p = app.shell.currentWidget)?.sessionContext) {
      await new Promise((r) => setTimeout(r, 50));
    }
    p.sessionContext.iopubMessage.connect((_, msg) => {
      if (msg.header.msg_type === 'execute_input' && String(msg.content.code).includes(mark)) {
        bench.cell = performance.now();
        requestAnimationFrame(look);
      }
    });
  };
  return watch();
}"""

# What the page had when no points were seen: the marks and each canvas in the outputs.
SEEN = """() => ({ marks: window.__sbs, canvases: [...document.querySelectorAll(
  '.jp-OutputArea canvas')].map((c) => [c.width, c.height]) })"""


def launch_chromium(pw: Any, folder: Path) -> Any:
    """Headless Chromium (the tests' build and flags) with a fresh profile in ``folder``,
    its window the size every browser row is measured in."""
    return pw.chromium.launch_persistent_context(
        str(folder / "profile"), executable_path=harness.CHROMIUM, headless=True,
        args=harness.CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000},
    )  # fmt: skip


def open_marked(context: Any, server: Any, name: str, also: str | None = None) -> tuple[Any, dict]:
    """harness.open_notebook, with HOOK installed: (notebook, the page's time marks in ms)."""
    server.shutdown_kernels()
    page = context.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    page.goto(f"{server.url}/lab/tree/{name}?reset")
    page.wait_for_function("() => window.jupyterapp !== undefined")
    page.evaluate(HOOK, [harness.READY, also])
    page.evaluate(harness.RUN_ALL)
    done = "window.__bench.also" if also else "window.__bench.ready"
    page.wait_for_function(f"() => {done} !== undefined", timeout=RUN_TIMEOUT_MS)
    return harness.Notebook(page, server), page.evaluate("() => window.__bench")


def open_timed(context: Any, server: Any, name: str) -> tuple[Any, float]:
    """open_marked: (notebook, seconds from run-all to the first frame)."""
    nb, marks = open_marked(context, server, name)
    return nb, (marks["ready"] - marks["start"]) / 1000


@contextmanager
def opened_to_first_points(
    context: Any, server: Any, notebook: str, what: str, timeout_ms: int,
    before_open: Callable[[Any], None] | None = None,
) -> Iterator[tuple[Any, float]]:  # fmt: skip
    """Run every cell of ``notebook`` (written by the caller; its widget cell holds
    WIDGET_MARK) in a fresh kernel, every WebGL drawing buffer kept, until the widget's
    first points are on screen: yields (the notebook, seconds from the widget cell's start
    to those points), and closes the notebook on leaving.

    ``timeout_ms`` bounds the wait for the first points (the page's other waits get at
    least RUN_TIMEOUT_MS); ``before_open(page)`` runs before the page loads (to listen to
    its websockets, say); ``what`` ends the error raised when no points are seen ("on
    this tool's canvas").
    """
    server.shutdown_kernels()
    page = context.new_page()
    page.set_default_timeout(max(RUN_TIMEOUT_MS, timeout_ms))
    page.add_init_script(KEEP_DRAWING_BUFFER)
    if before_open is not None:
        before_open(page)
    try:
        page.goto(f"{server.url}/lab/tree/{notebook}?reset")
        page.wait_for_function("() => window.jupyterapp !== undefined")
        page.evaluate(
            "async () => { const a = window.jupyterapp; await a.started; await a.restored; }"
        )
        watching = page.evaluate_handle(WATCH_FIRST_POINTS, WIDGET_MARK)
        page.evaluate(harness.RUN_ALL)
        try:
            page.wait_for_function("() => window.__sbs.first !== undefined", timeout=timeout_ms)
        except Exception as err:
            raise RuntimeError(f"no points seen {what}: {page.evaluate(SEEN)}") from err
        marks = page.evaluate("() => window.__sbs")
        watching.dispose()
        yield harness.Notebook(page, server), (marks["first"] - marks["cell"]) / 1000
    finally:
        harness.close_notebook(harness.Notebook(page, server))


def clear_card(nb: Any, tries: int = 20) -> None:
    """Empty the metadata card (clear the selection) and let the page go quiet.

    A click does more than fill the card (it may also select the point's neighbours when
    their reply lands), so wait for that, then press "Clear selection" until the card is
    empty.
    """
    has_card = "() => !!document.querySelector('.nbp-card dd')"
    clear = nb.view.locator(".nbp-clear-selection")
    for _ in range(tries):
        nb.page.wait_for_timeout(150)
        if not nb.page.evaluate(has_card):
            nb.page.wait_for_timeout(50)
            return
        if clear.is_enabled():
            clear.click()
    raise RuntimeError("the metadata card stayed filled after 'Clear selection'")
