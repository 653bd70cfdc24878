"""Transport rows: what per-point data costs on the way to the page, measured in Python.

The widget sends binary buffers (ipywidgets splits bytes out of the state into message
buffers); a JSON list of floats is what it avoids. Messages are captured by replacing the
widget's ``_send`` (the one place ipywidgets hands a message to the comm), so nothing needs
a kernel.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from common import Row, blobs, fmt_bytes, fmt_n, fmt_time, median_time, timed
from ipywidgets.widgets.widget import _remove_buffers

from nbprojector import Projector
from nbprojector.codec import encode_positions
from nbprojector.layout import normalize_positions

REPEATS = 5


def points_3d(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(n, 3) float32 Gaussian blobs around 12 centres, and each point's blob."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6.0, size=(12, 3)).astype(np.float32)
    blob = rng.integers(0, 12, n)
    return centres[blob] + rng.standard_normal((n, 3), dtype=np.float32), blob


class Recorder:
    """Stands in for a widget's ``_send``: keeps (state keys, buffer paths, bytes) per message."""

    def __init__(self, widget: Any) -> None:
        self.messages: list[tuple[list[str], list[str], int, int]] = []
        widget._send = self

    def __call__(self, msg: dict[str, Any], buffers: list[Any] | None = None) -> None:
        buffers = buffers or []
        paths = [".".join(map(str, p)) for p in msg.get("buffer_paths", [])]
        json_bytes = len(json.dumps(msg.get("state", {})))
        binary = sum(memoryview(b).nbytes for b in buffers)
        self.messages.append((list(msg.get("state", {})), paths, json_bytes, binary))

    def names(self) -> set[str]:
        return {name for keys, paths, _, _ in self.messages for name in keys + paths}

    def total(self) -> tuple[int, int]:
        return sum(m[2] for m in self.messages), sum(m[3] for m in self.messages)


def positions_rows(n: int) -> list[Row]:
    coords, _ = points_3d(n)
    positions = normalize_positions(coords)
    floats = positions.tobytes()

    def as_message(_: int) -> None:
        state = {"_positions": encode_positions(positions, 3)}
        _remove_buffers(state)

    t_bytes, _ = median_time(as_message, REPEATS)
    sent = encode_positions(positions, 3)
    t_json, text = timed(lambda: json.dumps(positions.tolist()))
    return [
        Row(
            "positions as uint16 per axis (what the widget sends)",
            f"{fmt_n(n)} x 3",
            fmt_time(t_bytes),
            f"{fmt_bytes(len(sent))} ({len(sent) / n:.2f} B/point; float32 would be "
            f"{fmt_bytes(len(floats))}); quantise + ipywidgets' buffer split, median of "
            f"{REPEATS}",
        ),
        Row(
            "positions as a JSON list (what it avoids)",
            f"{fmt_n(n)} x 3",
            fmt_time(t_json),
            f"{fmt_bytes(len(text.encode()))} (json.dumps(positions.tolist())), "
            f"{len(text.encode()) / len(sent):.1f}x the bytes, {t_json / t_bytes:.0f}x the time",
        ),
    ]


def make_widget(coords: np.ndarray, blob: np.ndarray) -> Projector:
    names = np.array([f"blob {i}" for i in range(12)])
    score = np.random.default_rng(3).random(len(coords))
    return Projector(coords, {"blob": names[blob], "score": score}, color_by="blob")


def state_bytes(widget: Projector) -> tuple[dict[str, Any], list[tuple[str, int]]]:
    """The first-display state's JSON part and (trait, bytes) of each binary buffer."""
    state, paths, buffers = _remove_buffers(widget.get_state())
    sizes = [
        (".".join(map(str, p)), memoryview(b).nbytes) for p, b in zip(paths, buffers, strict=True)
    ]
    return state, sizes


#: The first display's budget: bytes a point in 3D with colours (labels follow it).
TARGET_BYTES_A_POINT = 8


def state_row(n: int) -> Row:
    """What the first display sends for ``n`` points, per point; at 10k, also from 768-D
    vectors (the vectors stay in the kernel, so D must not change a byte). The labels are
    not in it: they follow once the page asks, after its first frame (measured apart)."""
    coords, blob = points_3d(n)
    widget = make_widget(coords, blob)
    t_state, (state, sizes) = timed(lambda: state_bytes(widget))
    binary = sum(size for _, size in sizes)
    per_trait = ", ".join(f"{name} {size / n:.2f}" for name, size in sizes if size)
    json_bytes = len(json.dumps(state))
    esm = len(json.dumps(state.get("_esm", "")))
    recorder = Recorder(widget)
    widget._requests.handle({"id": 0, "kind": "labels", "payload": {}}, [])  # the page's ask
    _, labels = recorder.total()
    same_d = ""
    if n <= 10_000:
        x, _ = blobs(n, 768)
        _, wide = state_bytes(make_widget(x, blob))
        same = sum(size for _, size in wide) == binary
        same_d = f"; from {fmt_n(n)} x 768 vectors: {'the same bytes' if same else 'DIFFERENT'}"
    met = "met" if binary / n <= TARGET_BYTES_A_POINT else "NOT met"
    return Row(
        "whole widget state (first display): bytes per point",
        f"{fmt_n(n)} points",
        f"{binary / n:.2f} B/point",
        f"binary {fmt_bytes(binary)}: per point {per_trait}; target at most "
        f"{TARGET_BYTES_A_POINT} B/point in 3D with colours: {met}; the labels follow the "
        f"first frame: {labels / n:.1f} B/point ('blob 0'..'blob 11' + offsets); plus "
        f"{fmt_bytes(json_bytes)} JSON once per widget, of which the JS bundle (_esm) "
        f"{fmt_bytes(esm)} ({json_bytes / n:.1f} B/point at this N); get_state + buffer split "
        f"took {fmt_time(t_state)}{same_d}",
    )


def colour_rows(n: int) -> list[Row]:
    widget = make_widget(*points_3d(n))
    rows = []

    changed: list[str] = []
    widget.observe(lambda change: changed.append(change["name"]))
    for column in ("score", "blob"):
        recorder = Recorder(widget)
        changed.clear()
        seconds, _ = timed(lambda c=column: setattr(widget, "color_by", c))
        sent = recorder.names()
        resent = "_positions" in sent or "_positions" in changed
        json_bytes, binary = recorder.total()
        kind = "numeric" if column == "score" else "categorical"
        rows.append(
            Row(
                f"colour change (color_by = {kind} column)",
                f"{fmt_n(n)} points",
                fmt_time(seconds),
                f"colours + legend + message; sent {sorted(sent)}: {fmt_bytes(binary)} binary + "
                f"{fmt_bytes(json_bytes)} JSON; positions re-sent: {'YES' if resent else 'no'}",
            )
        )
    return rows


def run(quick: bool) -> list[Row]:
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    return [
        *positions_rows(sizes[-1]),
        *(state_row(n) for n in sizes),
        *colour_rows(sizes[-1]),
    ]
