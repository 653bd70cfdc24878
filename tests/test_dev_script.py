"""`bash scripts/dev.sh lab`, the README's first command, as root (containers, cloud notebooks)
and as a normal user: the installs are stood in for by small programs on PATH that record how
they were called; JupyterLab itself is started for real in the last test."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "dev.sh"


def shims(tmp_path: Path, uid: int | None, real_lab: bool = False) -> tuple[dict[str, str], Path]:
    """PATH entries for npm, python3 and (with ``uid``) id; each call is logged, one a line.
    ``python3 -m jupyterlab`` runs the real JupyterLab when ``real_lab``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    lab = f'exec {sys.executable} "$@"' if real_lab else "exit 0"
    scripts = {
        "npm": 'echo "npm $*" >> "$CALLS"',
        "python3": f'echo "python3 $*" >> "$CALLS"\nif [ "$2" = jupyterlab ]; then {lab}; fi',
    }
    if uid is not None:
        scripts["id"] = f'if [ "$1" = -u ]; then echo {uid}; else exec /usr/bin/id "$@"; fi'
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!/usr/bin/env bash\n{body}\n")
        path.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(log)}
    return env, log


def lab_call(log: Path) -> list[str]:
    calls = [line.split() for line in log.read_text().splitlines()]
    labs = [c for c in calls if c[:3] == ["python3", "-m", "jupyterlab"]]
    assert len(labs) == 1, calls
    return labs[0][3:]


@pytest.mark.parametrize(("uid", "expected"), [
    (0, ["--allow-root", "examples/quickstart.ipynb"]),
    (1000, ["examples/quickstart.ipynb"]),
])  # fmt: skip
def test_lab_passes_allow_root_only_to_root(tmp_path, uid, expected):
    env, log = shims(tmp_path, uid)
    done = subprocess.run(["bash", str(SCRIPT), "lab"], env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert lab_call(log) == expected
    assert "npm ci --no-audit --no-fund" in log.read_text()  # the installs ran first


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_lab_starts_jupyterlab_as_the_user_running_it(tmp_path):
    """As root here in a container, as a normal user elsewhere: the server must answer."""
    env, log = shims(tmp_path, uid=None, real_lab=True)
    port = free_port()
    config = tmp_path / "config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(json.dumps({
        "ServerApp": {"open_browser": False, "ip": "127.0.0.1", "port": port, "port_retries": 0},
        "IdentityProvider": {"token": ""},
    }))  # fmt: skip
    env.update(HOME=str(tmp_path), JUPYTER_CONFIG_DIR=str(config), JUPYTER_PLATFORM_DIRS="1")
    server = subprocess.Popen(["bash", str(SCRIPT), "lab"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                output = server.stdout.read().decode(errors="replace") if server.stdout else ""
                pytest.fail(f"JupyterLab exited with {server.returncode}:\n{output[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not answer within 90 s")
                time.sleep(0.5)
        root = os.getuid() == 0
        assert ("--allow-root" in lab_call(log)) == root
    finally:
        stop(server)


def stop(server: subprocess.Popen) -> None:
    """End the server this test started, by its own process group."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
