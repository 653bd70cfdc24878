"""p.save_png without a browser: the message to the page, the page's answers, the waiting."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
from PIL import Image

from nbprojector import Projector
from nbprojector.widget import snapshot
from nbprojector.widget.snapshot import SnapshotError


@pytest.fixture
def p(digits):
    widget = Projector(digits.data[:200], {"digit": digits.target[:200]})
    widget.sent = []
    widget.send = lambda content, buffers=None: widget.sent.append((content, buffers))
    return widget


def png(width=4, height=3) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 200, np.uint8)).save(out, format="PNG")
    return out.getvalue()


def answer(p, token, data=None, **payload):
    content = {"id": "page-1", "kind": "snapshot", "payload": {"token": token, **payload}}
    p._on_page_message(p, content, [] if data is None else [memoryview(data)])
    return p.sent[-1][0]


def test_asks_the_page_and_writes_its_png(p, tmp_path):
    pending = p.save_png(tmp_path / "view.png", scale=3)
    command = p.sent[-1][0]
    assert command["command"] == "snapshot" and command["scale"] == 3.0
    assert "id" not in command  # not a reply: the page's request channel ignores it
    assert not pending.done() and "waiting" in repr(pending)
    reply = answer(p, command["token"], png(), width=4, height=3)
    assert reply["ok"] and reply["result"]["used"] is True
    assert pending.done() and pending.result() == tmp_path / "view.png"
    assert (tmp_path / "view.png").read_bytes() == png()
    assert pending.size == (4, 3) and "written, 4 x 3 px" in repr(pending)
    # A second view of the same widget answers too: acknowledged, dropped.
    assert answer(p, command["token"], png(8, 6), width=8, height=6)["result"]["used"] is False
    assert (tmp_path / "view.png").read_bytes() == png()


def test_page_errors_reach_python(p, tmp_path):
    pending = p.save_png(tmp_path / "a.png")
    answer(p, p.sent[-1][0]["token"], error="WebGL context lost")
    with pytest.raises(SnapshotError, match="WebGL context lost"):
        pending.result()
    pending = p.save_png(tmp_path / "b.png")
    reply = answer(p, p.sent[-1][0]["token"], b"GIF89a", width=1, height=1)
    assert reply["ok"] is False and "not a PNG" in reply["error"]
    with pytest.raises(SnapshotError, match="not a PNG"):
        pending.result()
    assert not (tmp_path / "b.png").exists()


def test_no_view_times_out_with_a_reason(p, tmp_path):
    pending = p.save_png(tmp_path / "a.png", timeout=0.05)
    with pytest.raises(SnapshotError, match="is it displayed"):
        pending.result(timeout=5)


def test_waiting_in_the_asking_cell_is_refused(p, tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot, "_on_kernel_main_thread", lambda: True)
    pending = p.save_png(tmp_path / "a.png")
    with pytest.raises(SnapshotError, match="only after this cell finishes"):
        pending.result()
    # Once answered (a later cell), the same call returns the path.
    answer(p, p.sent[-1][0]["token"], png(), width=4, height=3)
    assert pending.result() == tmp_path / "a.png"


def test_a_thread_can_wait(p, tmp_path):
    pending = p.save_png(tmp_path / "a.png")
    token = p.sent[-1][0]["token"]
    threading.Timer(0.05, answer, args=(p, token, png()), kwargs={"width": 4, "height": 3}).start()
    assert pending.result(timeout=5) == tmp_path / "a.png"


def test_bad_arguments(p, tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        p.save_png(tmp_path / "missing" / "a.png")
    with pytest.raises(ValueError, match="scale"):
        p.save_png(tmp_path / "a.png", scale=0)
    reply = answer(p, 12)
    assert reply["ok"] is False and "token" in reply["error"]
