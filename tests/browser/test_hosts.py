"""Hosts in a real browser: Notebook 7 (served by the same Jupyter server as the
JupyterLab tests) and marimo (``mo.ui.anywidget``). Every request that leaves the local
server is blocked and recorded: the widget must need nothing from a CDN."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from .harness import CHROMIUM_ARGS, free_port, open_notebook, stop_process_group
from .test_view import background_share, isolated_point

CELLS = [
    "import numpy as np\n"
    "from sklearn.datasets import load_digits\n"
    "from nbprojector import Projector\n"
    "digits = load_digits()\n"
    "meta = {'digit': digits.target, 'ink': digits.data.sum(axis=1)}\n"
    "p = Projector(digits.data, meta, color_by='digit', height=520)\n"
    "p",
]

LOCAL = ("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "ws://localhost", "data:",
         "blob:", "file:")  # fmt: skip


def block_outside(target, blocked: list[str]) -> None:
    """Abort (and record) every request to anything but the local server."""

    def route(r):
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    target.route("**/*", route)


@pytest.fixture(scope="module")
def nb7(server, browser):
    server.write_notebook("hosts_nb7.ipynb", CELLS)
    blocked: list[str] = []
    block_outside(browser, blocked)
    notebook = open_notebook(browser, server, "hosts_nb7.ipynb", app="notebook")
    notebook.blocked = blocked
    yield notebook
    browser.unroute("**/*")
    notebook.page.close()
    server.shutdown_kernels()


def test_notebook7_renders_and_answers_a_click(nb7):
    page = nb7.page
    assert "/notebooks/hosts_nb7.ipynb" in page.url
    assert page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"
    assert page.locator("#jp-NotebookPanel, .jp-NotebookPanel").count() >= 1
    assert page.locator(".jp-LabShell").count() == 0, "this must be Notebook 7, not JupyterLab"
    nb7.settle()
    assert background_share(nb7.canvas_pixels()) < 0.995, "the canvas shows no points"
    assert "1,797 points" in nb7.view.locator(".nbp-status").inner_text()

    i, (x, y) = isolated_point(nb7)
    page.mouse.click(x, y)
    nb7.view.locator(".nbp-selection-summary", has_text="101 selected").wait_for()
    for _ in range(50):  # the page's write reaches the kernel a moment later
        selected = json.loads(nb7.py("print(p.selection.tolist())"))
        if len(selected) == 101:
            break
        page.wait_for_timeout(200)
    assert i in selected and len(selected) == 101
    # The metadata card came from Python through the request channel.
    nb7.view.locator(".nbp-card dd").first.wait_for()
    assert nb7.blocked == [], f"requests left the local server: {nb7.blocked}"


# ------------------------------------------------------------------------------------ marimo

MARIMO_NOTEBOOK = """import marimo

app = marimo.App(width="full")


@app.cell
def _():
    import marimo as mo
    from sklearn.datasets import load_digits

    from nbprojector import Projector

    digits = load_digits()
    p = Projector(digits.data, {"digit": digits.target}, color_by="digit", height=520)
    view = mo.ui.anywidget(p)
    view
    return


if __name__ == "__main__":
    app.run()
"""


@pytest.fixture(scope="module")
def marimo_url(tmp_path_factory):
    pytest.importorskip("marimo", reason="marimo is not installed (pip install marimo)")
    root = tmp_path_factory.mktemp("marimo")
    (root / "home").mkdir()
    (root / "projector_app.py").write_text(MARIMO_NOTEBOOK)
    port = free_port()
    log = open(root / "marimo.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "marimo", "run", "projector_app.py", "--headless",
         "--host", "127.0.0.1", "--port", str(port), "--no-token"],
        cwd=root, env=dict(os.environ, HOME=str(root / "home")), stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"marimo exited: {Path(root / 'marimo.log').read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.time() > deadline:
                    raise TimeoutError("marimo did not start in 60 s") from None
                time.sleep(0.3)
        yield url
    finally:
        stop_process_group(process)
        log.close()


def test_marimo_draws_points_and_answers_requests(marimo_url, browser):
    assert "--use-angle=swiftshader" in CHROMIUM_ARGS  # the same browser as every other test
    blocked: list[str] = []
    page = browser.new_page()
    block_outside(page, blocked)
    try:
        page.set_default_timeout(120_000)
        page.goto(marimo_url)
        view = page.locator('.nbprojector[data-ready="1"]').first
        view.wait_for(state="visible")
        page.wait_for_timeout(1000)  # the first layout's transition
        png = view.locator("canvas").first.screenshot()
        pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
        assert background_share(pixels) < 0.995, "the canvas shows no points in marimo"
        assert "1,797 points" in view.locator(".nbp-status").inner_text()
        # A search goes to Python and back (model.send, msg:custom, binary buffers).
        view.locator(".nbp-search").fill("7")
        view.locator(".nbp-search-count", has_text="179 matches").wait_for()
        assert view.locator(".nbp-search-list li").count() == 100
        view.locator(".nbp-status", has_text="179 selected").wait_for()
        assert blocked == [], f"requests left the local server: {blocked}"
    finally:
        page.close()
