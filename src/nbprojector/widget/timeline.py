"""Stepping through the embeddings in order from Python: ``Projector.play_embeddings``.

:class:`Timeline` owns the one playback that may run; each step sets the ``embedding``
trait, exactly what the page's timeline slider does, so the view animates from one layout to
the next (aligned to the one before while ``align_embeddings`` is on). Playback runs in a
background thread: the cell returns at once and the kernel stays free.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence

from ..jobs import stop_at_exit


class Playback:
    """One run through a list of embeddings; returned by ``Projector.play_embeddings``.

    ``wait()`` blocks until the last embedding is shown (or the playback is stopped),
    ``stop()`` ends it where it is, ``shown`` lists the embeddings shown so far, and
    ``error`` holds the exception that ended it, if one did.
    """

    def __init__(self, names: list[str], seconds: float, show: Callable[[str], None]) -> None:
        self.names = names
        self.seconds = seconds
        self.shown: list[str] = []
        self.error: BaseException | None = None
        self._show = show
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._play, name="nbprojector-timeline",
                                        daemon=True)  # fmt: skip

    def start(self) -> Playback:
        self._thread.start()
        # A step may read a source outside memory: stopped and waited for at exit, as jobs are.
        stop_at_exit(self._thread, self.stop)
        return self

    def _play(self) -> None:
        for i, name in enumerate(self.names):
            if i and self._stop.wait(self.seconds):
                return
            if self._stop.is_set():
                return
            try:
                self._show(name)
            except Exception as err:  # shown to the caller through .error and .wait()
                self.error = err
                return
            self.shown.append(name)

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def stop(self) -> None:
        """End the playback; the embedding shown stays."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the playback ends (True) or ``timeout`` seconds pass (False); raise
        the error that ended it, if one did."""
        self._thread.join(timeout)
        if self.error is not None:
            raise self.error
        return self.done

    def __repr__(self) -> str:
        state = "done" if self.done else "playing"
        return f"<Playback {state}: {len(self.shown)} of {len(self.names)} shown>"


class Timeline:
    """The playback of one widget (a new one stops the one before)."""

    def __init__(self, embeddings: Sequence[str], show: Callable[[str], None]) -> None:
        self._embeddings = list(embeddings)
        self._show = show
        self._playing: Playback | None = None

    def play(self, names: Sequence[str] | None, seconds: float) -> Playback:
        chosen = self._check(names, seconds)
        self.stop()
        self._playing = Playback(chosen, float(seconds), self._show).start()
        return self._playing

    def stop(self) -> None:
        if self._playing is not None:
            self._playing.stop()
            self._playing = None

    def _check(self, names: Sequence[str] | None, seconds: float) -> list[str]:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise TypeError(f"seconds must be a number, got {seconds!r}")
        if not (math.isfinite(seconds) and 0 < seconds <= 3600):
            raise ValueError(f"seconds must be more than 0 and at most 3600, got {seconds!r}")
        if names is None:
            return list(self._embeddings)
        if isinstance(names, str):
            raise TypeError(f"names must be a list of embedding names, got the string {names!r}")
        chosen = [str(n) for n in names]
        unknown = [n for n in chosen if n not in self._embeddings]
        if unknown:
            what = "embedding" if len(unknown) == 1 else "embeddings"
            raise ValueError(f"unknown {what} {unknown} in names; choose from {self._embeddings}")
        if not chosen:
            raise ValueError(f"names is empty; give at least one of {self._embeddings}")
        return chosen
