"""``hold_sync`` that holds per thread: background jobs and the kernel's thread both write
the widget's traits.

ipywidgets keeps one "holding" flag and one set of held trait names per widget. With two
threads inside ``hold_sync`` at once (a job's layout shown while the page's request is
answered), the first to leave sends both threads' names and clears the set: a trait the
other thread sets between that send and the clear is never sent, and a name added while the
set is being sent stops the send with "Set changed size during iteration" (in a job's
callback, where it is logged, the rest of the callback never runs). Here each thread holds
and sends its own names; only the sending is serialised, so no thread waits on another's
work while holding (nothing here can deadlock with a job's own lock).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast


class _Held(threading.local):
    def __init__(self) -> None:
        self.depth = 0
        self.keys: set[str] = set()


_SEND_LOCK = threading.Lock()  # one send at a time (per process: sends are short)


def _held(widget: Any) -> _Held:
    held = widget.__dict__.get("_nbp_held")
    if held is None:
        with _SEND_LOCK:
            held = widget.__dict__.setdefault("_nbp_held", _Held())
    return cast(_Held, held)


# What ipywidgets reads while a trait changes (``Widget._should_send_property``), bound by
# name in the widget's class body.
holding_sync = property(lambda widget: _held(widget).depth > 0)
states_to_send = property(lambda widget: _held(widget).keys)


@contextmanager
def hold_sync(widget: Any) -> Iterator[None]:
    """Hold syncing any state this thread sets until its outermost block exits."""
    held = _held(widget)
    held.depth += 1
    try:
        yield
    finally:
        held.depth -= 1
        if held.depth == 0:
            keys, held.keys = held.keys, set()
            with _SEND_LOCK:
                widget.send_state(keys)
