"""Real-browser test harness: a private JupyterLab server, Debian's Chromium via Playwright,
and helpers to open a notebook, run it, and talk to its kernel from the page.

See ../../README.md ("Tests") and the recipe it follows: a fresh HOME, autosave off,
every notebook opened with ?reset, kernels shut down at the end.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
from PIL import Image

CHROMIUM = os.environ.get("NBPROJECTOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
READY = '[data-under-test] .nbprojector[data-ready="1"]'

# Wraps the widget's comm `send` (found on the page's kernel connection by model id) and notes
# each message: {method, traits (keys of a state update), kind, index, down}.
RECORD_SENDS = """(modelId) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const comm = kernel._comms.get(modelId);
  const send = comm.send;
  const sent = (window.__sends = []);
  let down = false;
  window.addEventListener('pointerdown', () => (down = true), { capture: true });
  window.addEventListener('pointerup', () => (down = false), { capture: true });
  comm.send = function (data, ...rest) {
    const c = data?.content;
    sent.push({
      method: data?.method ?? null, traits: Object.keys(data?.state ?? {}),
      kind: c?.kind ?? null, index: c?.payload?.index ?? null, down,
    });
    return send.call(this, data, ...rest);
  };
}"""

RUN_ALL = """async () => {
  const app = window.jupyterapp; await app.started; await app.restored;
  const sleep = () => new Promise(r => setTimeout(r, 100));
  let p; while (!(p = app.shell.currentWidget)?.sessionContext) await sleep();
  p.node.dataset.underTest = '1';
  await p.context.ready; await p.sessionContext.ready;
  while (p.sessionContext.session?.kernel?.status !== 'idle') await sleep();
  await app.commands.execute('notebook:clear-all-cell-outputs');
  await app.commands.execute('notebook:run-all-cells');
}"""

# Run code in the notebook's own kernel (the one holding the widget) and return what it
# printed; errors come back as text so a failing assertion shows the traceback's last line.
EXECUTE = """async (code) => {
  const p = window.jupyterapp.shell.currentWidget;
  const kernel = p.sessionContext.session.kernel;
  const future = kernel.requestExecute({ code, store_history: false });
  let out = '', err = null;
  future.onIOPub = (msg) => {
    const t = msg.header.msg_type;
    if (t === 'stream') out += msg.content.text;
    else if (t === 'error') err = msg.content.ename + ': ' + msg.content.evalue;
    else if (t === 'execute_result') out += msg.content.data['text/plain'];
  };
  await future.done;
  return { out, err };
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process_group(process: subprocess.Popen, timeout: float = 15) -> None:
    """End ``process`` (started with ``start_new_session=True``) and every process it
    started: SIGTERM to its group, then SIGKILL if it has not ended in ``timeout`` s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class JupyterServer:
    """A JupyterLab server on a free port, with a private HOME and autosave off."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.notebooks = root / "notebooks"
        self.notebooks.mkdir(parents=True, exist_ok=True)
        home = root / "home"
        # JUPYTER_PLATFORM_DIRS=1 (below) puts user settings under ~/.config/jupyter.
        settings = home / ".config" / "jupyter" / "lab" / "user-settings" / "@jupyterlab"
        (settings / "docmanager-extension").mkdir(parents=True, exist_ok=True)
        (settings / "docmanager-extension" / "plugin.jupyterlab-settings").write_text(
            json.dumps({"autosave": False})
        )
        (settings / "apputils-extension").mkdir(parents=True, exist_ok=True)
        (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, HOME=str(home), JUPYTER_PLATFORM_DIRS="1")
        env.pop("JUPYTER_CONFIG_DIR", None)
        # Closed in stop(); the server writes to it for the whole session.
        self.log = open(root / "server.log", "wb")  # noqa: SIM115
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
            f"--port={self.port}", "--ServerApp.port_retries=0", "--allow-root",
            "--IdentityProvider.token=", "--ServerApp.disable_check_xsrf=True",
            f"--ServerApp.root_dir={self.notebooks}", "--expose-app-in-browser",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            # Notebook 7 (same server) exposes window.jupyterapp only when told on its own.
            "--JupyterNotebookApp.expose_app_in_browser=True",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 90) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: see {self.root / 'server.log'}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"jupyter lab did not start in {timeout} s")

    def api(self, method: str, path: str) -> Any:
        request = urllib.request.Request(f"{self.url}{path}", method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.shutdown_kernels()
        stop_process_group(self.process)
        self.log.close()

    def write_notebook(self, name: str, cells: list[str]) -> str:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, self.notebooks / name)
        return name


@dataclass
class Notebook:
    """An open, executed notebook whose widget is drawn."""

    page: Any
    server: JupyterServer

    @property
    def view(self) -> Any:
        return self.page.locator(READY).first

    def py(self, code: str) -> str:
        """Run code in the notebook's kernel; return what it printed, raise on error."""
        result = self.page.evaluate(EXECUTE, code)
        if result["err"]:
            raise AssertionError(f"kernel error: {result['err']}\nwhile running:\n{code}")
        return result["out"]

    def py_json(self, expression: str) -> Any:
        """The value of a Python expression in the kernel, through JSON."""
        return json.loads(self.py(f"import json; print(json.dumps({expression}))"))

    def eventually(self, expression: str, expected: Any, timeout: float = 15.0) -> Any:
        """Poll a Python expression until it equals ``expected`` (or time runs out) and
        return its last value: the page's trait writes reach the kernel a moment after the
        page shows them (ipywidgets throttles them)."""
        deadline = time.time() + timeout
        while (value := self.py_json(expression)) != expected and time.time() < deadline:
            time.sleep(0.2)
        return value

    def handle(self, expression: str, arg: Any = None, index: int = 0) -> Any:
        """Evaluate `expression` with `h` bound to the index-th view's test handle."""
        return (
            self.page.locator(READY)
            .nth(index)
            .evaluate(f"(el, arg) => {{ const h = el.__nbp; return {expression}; }}", arg)
        )

    def page_positions(self) -> np.ndarray:
        """Where the view puts every point (its target positions), (N, 3) float32."""
        return np.array(self.handle("h.positions()"), dtype=np.float32).reshape(-1, 3)

    def python_positions(self) -> np.ndarray:
        """The positions Python sent (``_positions`` decoded as the page decodes them)."""
        out = self.py("from nbprojector.codec import decode_positions\n"
                      "print(decode_positions(p._positions).ravel().tolist())")
        return np.array(json.loads(out), dtype=np.float32).reshape(-1, 3)

    def wait_for(self, expression: str, arg: Any = None, timeout: float = 60_000) -> None:
        self.page.wait_for_function(
            f"(arg) => {{ const el = document.querySelector('{READY}'); if (!el) return false;"
            f" const h = el.__nbp; return {expression}; }}",
            arg=arg,
            timeout=timeout,
        )

    def settle(self) -> None:
        """Wait until no transition is running, the camera is at rest (the full frame, not the
        sample drawn while it moves), and a frame has been drawn after it."""
        self.wait_for("!h.transitioning() && !h.cameraMoving()")
        frames = self.handle("h.frames()")
        self.page.wait_for_timeout(50)
        self.wait_for(f"h.frames() >= {frames}")

    def save_and_reload(self) -> None:
        """Save the notebook, reload the page WITHOUT running the cells, and wait until the
        widget is drawn again from its saved state (what a person sees after a reload)."""
        self.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        self.page.wait_for_timeout(500)
        self.page.goto(self.page.url.replace("?reset", ""))
        self.page.wait_for_function("() => window.jupyterapp !== undefined")
        self.page.evaluate(
            """async () => {
              const app = window.jupyterapp; await app.started; await app.restored;
              const sleep = () => new Promise(r => setTimeout(r, 100));
              let p; while (!(p = app.shell.currentWidget)?.sessionContext) await sleep();
              p.node.dataset.underTest = '1';
              await p.sessionContext.ready;
            }"""
        )
        self.page.locator(READY).first.wait_for(timeout=120_000)

    def unfold(self, title: str, index: int = 0) -> None:
        """Open a panel section by clicking its heading, if it is folded (some start folded)."""
        section = self.page.locator(READY).nth(index).locator(".nbp-section", has_text=title).first
        if "nbp-folded" in (section.get_attribute("class") or ""):
            section.locator("button.nbp-section-toggle").click()

    def record_sends(self) -> None:
        """From now on, note every message the widget sends on its comm (read with
        ``sends()``): its method, the traits of a state update, a request's kind and index,
        and whether a mouse button was down."""
        self.page.evaluate(RECORD_SENDS, self.py("print(p.model_id)").strip())

    def sends(self, method: str, kind: str | None = None) -> list[dict[str, Any]]:
        """The messages noted since ``record_sends()`` of this method (and request kind)."""
        return [
            m
            for m in self.page.evaluate("() => window.__sends")
            if m["method"] == method and (kind is None or m["kind"] == kind)
        ]

    def canvas_pixels(self, index: int = 0) -> np.ndarray:
        """What the canvas shows now, as an (H, W, 3) uint8 array (from a screenshot)."""
        # The WebGL canvas (the first; the labels overlay is a second canvas over it). The
        # screenshot is of the page in its box, so the labels drawn over it are included.
        canvas = self.page.locator(READY).nth(index).locator("canvas").first
        png = canvas.screenshot(animations="disabled")
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


#: Where each front end the server runs opens a notebook (the same server process serves
#: both: Notebook 7 is there when the ``notebook`` package is installed).
APPS = {"lab": "/lab/tree/{name}?reset", "notebook": "/notebooks/{name}"}


def open_notebook(
    context: Any,
    server: JupyterServer,
    name: str,
    timeout: float = 180_000,
    app: str = "lab",
    init_script: str | None = None,
):
    """Open a notebook in JupyterLab (``app="lab"``) or Notebook 7 (``app="notebook"``), run
    every cell, wait for the widget's first frame. Both expose ``window.jupyterapp``.
    ``init_script`` runs in the page before any of its own scripts."""
    server.shutdown_kernels()
    page = context.new_page()
    page.set_default_timeout(timeout)
    if init_script:
        page.add_init_script(init_script)
    page.goto(server.url + APPS[app].format(name=name))
    page.wait_for_function("() => window.jupyterapp !== undefined")
    page.evaluate(RUN_ALL)
    page.locator(READY).first.wait_for(state="visible", timeout=timeout)
    return Notebook(page, server)


def close_notebook(nb: Notebook) -> None:
    # The page may already be gone; the server stops its kernels anyway.
    with contextlib.suppress(Exception):
        nb.page.evaluate(
            "async () => { const p = window.jupyterapp.shell.currentWidget;"
            " await p.sessionContext.shutdown(); }"
        )
    nb.page.close()


def notebook_fixture(name: str, cells: list[str]) -> Any:
    """A module-scoped fixture ``nb``: the notebook written, opened in JupyterLab, run, and
    its kernel shut down after the module's tests."""
    import pytest

    @pytest.fixture(scope="module")
    def nb(server: JupyterServer, browser: Any):
        server.write_notebook(name, cells)
        notebook = open_notebook(browser, server, name)
        yield notebook
        close_notebook(notebook)

    return nb


def changed_share(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels that differ between two (H, W, 3) screenshots of the same size."""
    return float(np.abs(a.astype(int) - b.astype(int)).sum(axis=2).astype(bool).mean())
