"""Shared pieces of the bad-input tests: a small widget, and what a working one shows."""

from __future__ import annotations

import numpy as np
from PIL import Image

from nbprojector import Projector
from nbprojector.codec import decode_positions

N = 60


def vectors() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(N, 8)).astype(np.float32)


def widget(x: np.ndarray) -> Projector:
    """A widget with two metadata columns whose replies are kept in ``.sent``."""
    p = Projector(x, {"word": [f"w{i}" for i in range(N)], "digit": np.arange(N) % 4})
    p.sent = []
    p.send = lambda content, buffers=None: p.sent.append(content)
    return p


def positions(p):
    return decode_positions(p._positions)


def still_works(p):
    """The widget answers a request and shows finite positions."""
    if not hasattr(p, "sent"):
        p.sent = []
        p.send = lambda content, buffers=None: p.sent.append(content)
    p._requests.handle({"id": 99, "kind": "row", "payload": {"index": 1}}, [])
    reply = p.sent[-1]
    assert reply["ok"] and reply["result"]["index"] == 1
    assert np.isfinite(positions(p)).all() and positions(p).any()


def tensorboard_state(**changes):
    state = {"label": "tb", "selectedProjection": "pca", "pcaComponentDimensions": [0, 1],
             "projections": [{"pca-0": float(i), "pca-1": 1.0} for i in range(N)]}  # fmt: skip
    state.update(changes)
    return state


def sheet(tmp_path, width, height):
    path = tmp_path / "sheet.png"
    Image.new("RGBA", (width, height), (200, 10, 10, 255)).save(path)
    return path
