"""Opening notebooks in JupyterLab in Chromium and timing them, for the browser rows.

The browser driving code (a Jupyter server, Chromium's flags, running every cell, the view's
test handle) is the browser tests' own: tests/browser/harness.py, imported here as
``tests.browser.harness`` from the repository root.
"""

from __future__ import annotations

import sys
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
