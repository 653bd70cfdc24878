"""A computed layout and how it is put on screen."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Layout:
    """Coordinates of every point in projection units: (N, 2) or (N, 3) float32."""

    coords: np.ndarray

    @property
    def dims(self) -> int:
        return int(self.coords.shape[1])


def normalize_positions(coords: np.ndarray) -> np.ndarray:
    """(N, 2|3) -> (N, 3) float32 centred on the bounding box, fitted in [-1, 1].

    One scale for every axis, so the aspect ratio is preserved (TensorBoard stretches
    each axis independently, which distorts distances). 2D layouts get z = 0.
    """
    coords = np.asarray(coords, dtype=np.float32)
    n, dims = coords.shape
    out = np.zeros((n, 3), dtype=np.float32)
    if n == 0:
        return out
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    centre = (lo + hi) / 2
    half = float((hi - lo).max()) / 2
    scale = 1.0 / half if half > 0 else 1.0
    out[:, :dims] = (coords - centre) * scale
    return out
