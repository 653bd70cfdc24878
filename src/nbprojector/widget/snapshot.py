"""PNG snapshots of the view from Python: ``p.save_png(path, scale=2)``.

Only the page can draw the view, so Python asks it: a ``{"command": "snapshot", "token",
"scale"}`` message goes to every view of the widget; a view draws one frame at ``scale`` x its
screen's pixel ratio (points and labels, exactly what it shows) and answers with a
``snapshot`` request carrying the PNG bytes as a binary buffer. The first answer is written
to ``path``; later ones (other views of the same widget) are acknowledged and dropped.

Why ``save_png`` returns a :class:`PendingPNG` instead of blocking: the kernel handles comm
messages (the page's answer among them) on its main thread *between* cells, so a cell that
waited for the answer would wait forever. The file is written as soon as the answer arrives,
which is right after the cell that asked finishes (or at once if the kernel is idle, e.g.
when called from a thread). ``PendingPNG.result()`` waits for it from another thread or a
later cell, and raises a clear error where waiting would deadlock.

Libraries that pump the kernel's message loop from inside a cell (jupyter-ui-poll) patch
ipykernel's internals; with ipykernel 7.4 the page's answer still did not arrive inside the
cell (tried: ``with ui_events() as poll`` for 20 s), so nbprojector does not rely on them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import protocol

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Seconds to wait for a view's answer before giving up (the widget may not be displayed).
DEFAULT_TIMEOUT = 60.0


class SnapshotError(RuntimeError):
    """A snapshot that could not be taken or written; the message says why."""


def _on_kernel_main_thread() -> bool:
    """True in a running IPython kernel's main thread, where comm messages wait for the
    cell to finish."""
    if threading.current_thread() is not threading.main_thread():
        return False
    try:
        from IPython.core.getipython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()  # type: ignore[no-untyped-call]
    return shell is not None and getattr(shell, "kernel", None) is not None


class PendingPNG:
    """A snapshot on its way: ``done()``, ``result(timeout)`` (the path), ``error``.

    Created by :meth:`Projector.save_png`; the file is written when the page answers.
    """

    def __init__(self, path: Path, scale: float, timeout: float) -> None:
        self.path = path
        self.scale = scale
        self.size: tuple[int, int] | None = None  # (width, height) in pixels, once written
        self.error: BaseException | None = None
        self._event = threading.Event()
        self._timer = threading.Timer(timeout, self._time_out, args=(timeout,))
        self._timer.daemon = True

    def done(self) -> bool:
        """Whether the file was written (or the snapshot failed)."""
        return self._event.is_set()

    def result(self, timeout: float | None = None) -> Path:
        """The path written, once the page has answered.

        Raises:
            SnapshotError: the page answered with an error, no view answered in time (is the
                widget displayed?), or this was called in the same cell that asked (the
                answer can only arrive after that cell finishes).
            TimeoutError: ``timeout`` seconds passed first.
        """
        if not self._event.is_set() and _on_kernel_main_thread():
            raise SnapshotError(
                "the PNG is not written yet: the page's answer reaches the kernel only after "
                "this cell finishes, so waiting here would never end. Use it in the next "
                "cell (the file appears as soon as this one ends), or call .result() from "
                "another thread"
            )
        if not self._event.wait(timeout):
            raise TimeoutError(f"no PNG after {timeout} s")
        if self.error is not None:
            raise self.error
        return self.path

    def _start(self) -> None:
        self._timer.start()

    def _finish(self, size: tuple[int, int] | None, error: BaseException | None) -> None:
        self._timer.cancel()
        self.size, self.error = size, error
        self._event.set()

    def _time_out(self, timeout: float) -> None:
        if not self._event.is_set():
            self._finish(
                None,
                SnapshotError(
                    f"no view of the widget answered within {timeout:g} s: is it displayed "
                    "in an open notebook page? (a PNG needs the page to draw it)"
                ),
            )

    def __repr__(self) -> str:
        if not self.done():
            state = "waiting for the page (written when this cell finishes)"
        elif self.error is not None:
            state = f"failed: {self.error}"
        else:
            state = f"written, {self.size[0]} x {self.size[1]} px" if self.size else "written"
        return f"<PNG snapshot {str(self.path)!r}: {state}>"


#: Sends a message to every view of the widget (``widget.send``).
Send = Callable[[dict[str, Any]], None]


class Snapshots:
    """The PNGs asked of the page and not answered yet, by token."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._pending: dict[str, PendingPNG] = {}

    def save_png(self, path: str | Path, scale: float, timeout: float) -> PendingPNG:
        """See ``Projector.save_png``."""
        path = Path(path)
        if not path.parent.is_dir():
            raise ValueError(f"cannot write {path}: the folder {path.parent} does not exist")
        scale = float(scale)
        if not 0.1 <= scale <= 16:
            raise ValueError(f"scale must be between 0.1 and 16, got {scale}")
        pending = PendingPNG(path, scale, timeout)
        token = uuid.uuid4().hex
        self._pending[token] = pending
        pending._start()
        self._send(protocol.command("snapshot", token=token, scale=scale))
        return pending

    def handle(self, payload: dict[str, Any], buffers: list[bytes]) -> dict[str, Any]:
        """A view's answer: the PNG in the first buffer, or ``error``."""
        token = payload.get("token")
        if not isinstance(token, str):
            raise protocol.ProtocolError("'token' must be a string")
        pending = self._pending.pop(token, None)
        if pending is None or pending.done():
            return {"used": False}  # another view answered first, or it timed out
        if payload.get("error"):
            pending._finish(None, SnapshotError(f"the page could not draw the PNG: "
                                                f"{payload['error']}"))  # fmt: skip
            return {"used": False}
        data = bytes(buffers[0]) if buffers else b""
        if not data.startswith(PNG_SIGNATURE):
            error = SnapshotError("the page's answer is not a PNG image")
            pending._finish(None, error)
            raise error
        try:
            pending.path.write_bytes(data)
        except OSError as err:
            pending._finish(None, SnapshotError(f"cannot write {pending.path}: {err}"))
            raise
        size = (int(payload.get("width", 0)), int(payload.get("height", 0)))
        pending._finish(size, None)
        return {"used": True, "path": str(pending.path), "bytes": len(data)}
