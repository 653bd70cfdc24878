"""WebGL contexts: a view whose output goes releases its context at once, so re-running the
cell that shows a widget many times never starves the view still on screen; a view whose
context is lost anyway comes back when the browser restores it, and until then says so with
a one-click redraw."""

from __future__ import annotations

import pytest

from .harness import READY, changed_share, close_notebook, open_notebook
from .test_view import background_share

CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "rng = np.random.default_rng(0)\n"
    "centres = rng.normal(scale=5.0, size=(6, 8))\n"
    "p = Projector(centres[rng.integers(0, 6, 600)] + rng.normal(size=(600, 8)),\n"
    "              {'word': [f'w{i}' for i in range(600)]}, height=380, point_size=6)",
    "p",
]

# Notes every WebGL context the page creates, so a test can count those still alive.
COUNT_CONTEXTS = """(() => {
  const contexts = (window.__glContexts = []);
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
    const gl = getContext.call(this, type, ...rest);
    if (gl && /webgl/.test(String(type)) && !contexts.includes(gl)) contexts.push(gl);
    return gl;
  };
})();"""
LIVE_CONTEXTS = "() => window.__glContexts.filter((gl) => !gl.isContextLost()).length"

# Run the second cell again (its old output, and the view in it, go first).
RERUN = """async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  panel.content.activeCellIndex = 1;
  await app.commands.execute('notebook:run-cell');
}"""
ONE_NEW_VIEW = f"""() => {{
  const views = document.querySelectorAll('{READY}');
  return views.length === 1 && views[0].dataset.generation === undefined;
}}"""

# The WebGL extension for testing context loss, on the view's own context.
LOSE = """(canvas) => {
  const gl = canvas.getContext('webgl2') || canvas.getContext('webgl');
  window.__loseContext = gl.getExtension('WEBGL_lose_context');
  window.__loseContext.loseContext();
}"""


@pytest.fixture(scope="module")
def nb(server, browser):
    server.write_notebook("webgl_context.ipynb", CELLS)
    notebook = open_notebook(browser, server, "webgl_context.ipynb", init_script=COUNT_CONTEXTS)
    notebook.console = []
    notebook.page.on("console", lambda message: notebook.console.append(message.text))
    notebook.settle()
    yield notebook
    close_notebook(notebook)


def draws_points(nb) -> bool:
    """Whether the canvas shows points: some pixels differ from its background."""
    return background_share(nb.canvas_pixels()) < 0.998


def test_redisplaying_many_times_keeps_one_live_context_and_the_view_draws(nb):
    page = nb.page
    assert draws_points(nb)
    for generation in range(24):
        page.locator(READY).first.evaluate(f"el => (el.dataset.generation = '{generation}')")
        page.evaluate(RERUN)
        page.wait_for_function(ONE_NEW_VIEW, timeout=60_000)
    nb.settle()
    # Every old view gave its context back at once: only the one on screen holds one.
    assert page.evaluate(LIVE_CONTEXTS) == 1
    assert len(page.evaluate("() => window.__glContexts")) >= 25
    assert not [m for m in nb.console if "Too many active WebGL contexts" in m]
    # The view on screen draws, and follows Python.
    before = nb.canvas_pixels()
    assert background_share(before) < 0.998
    nb.py("p.selection = list(range(0, 600, 2))")
    nb.view.locator(".nbp-status", has_text="300 selected").wait_for()
    nb.settle()
    assert changed_share(before, nb.canvas_pixels()) > 0.001


def test_a_lost_context_that_comes_back_redraws_the_view(nb):
    nb.settle()
    before = nb.canvas_pixels()
    assert background_share(before) < 0.998
    canvas = nb.view.locator("canvas").first
    canvas.evaluate(LOSE)
    notice = nb.view.locator(".nbp-context-lost")
    notice.wait_for(state="visible")
    assert "lost its WebGL context" in notice.inner_text()
    nb.page.evaluate("() => window.__loseContext.restoreContext()")
    notice.wait_for(state="hidden")
    nb.settle()
    after = nb.canvas_pixels()
    assert changed_share(before, after) < 0.01  # the same picture as before the loss
    assert nb.page.evaluate(LIVE_CONTEXTS) == 1


def test_a_context_lost_for_good_says_so_and_one_click_redraws(nb):
    nb.settle()
    before = nb.canvas_pixels()
    nb.view.locator("canvas").first.evaluate(LOSE)
    notice = nb.view.locator(".nbp-context-lost")
    notice.wait_for(state="visible")
    notice.get_by_role("button", name="Redraw").click()
    nb.page.locator(f"{READY} .nbp-context-lost").wait_for(state="hidden")
    nb.settle()
    assert nb.page.locator(READY).count() == 1
    assert changed_share(before, nb.canvas_pixels()) < 0.01
    assert nb.page.evaluate(LIVE_CONTEXTS) == 1
    # The rebuilt view still talks to Python.
    nb.py("p.selection = [5]")
    nb.view.locator(".nbp-status", has_text="1 selected").wait_for()
