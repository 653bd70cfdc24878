"""How positions travel to the page: 2 bytes a point per axis.

The page's positions (``layout.normalize_positions``: fitted in [-1, 1], a running frame's
outliers a few view widths out) are quantised to uint16 per axis, between that axis's own
minimum and maximum, and only the layout's own axes are sent (2D: x and y; the page puts
z = 0). Decoding ``offset + q * step`` puts every point within ``step / 2`` = extent / 131,070
of where it was (plus float32's own rounding, as the page draws float32): at most 1 / 65,535
of the extent of each axis, far below a pixel at any zoom a person uses. ``p.coordinates`` in Python
keeps full precision; only the drawing is quantised.

The buffer (the ``_positions`` trait) is one header and the values::

    bytes 0-3    b"NPQ1"
    bytes 4-7    uint32 dims (2 or 3)
    bytes 8-31   float64 offset per axis (x, y, z; z is 0 in 2D)
    bytes 32-55  float64 step per axis (extent / 65535; 0 for a flat axis)
    bytes 56-    uint16 N x dims, little-endian, point after point

js/src/codecs.ts (``decodePositions``) reads it; keep the two in step.
"""

from __future__ import annotations

import numpy as np

MAGIC = b"NPQ1"
HEADER_BYTES = 56
#: The largest quantised value: an axis's extent is split into this many steps.
LEVELS = 65535

_HEADER = np.dtype([("magic", "S4"), ("dims", "<u4"), ("offset", "<f8", 3), ("step", "<f8", 3)])


def encode_positions(positions: np.ndarray, dims: int, rows: np.ndarray | None = None) -> bytes:
    """(N, 3) page positions -> the ``_positions`` buffer, only the first ``dims`` axes.

    With ``rows`` (the points shown while others are hidden), the range is theirs: the
    hidden points, which may lie far outside it, are clamped into it rather than coarsen the
    steps of the points drawn. Every value must be finite (``normalize_positions``
    guarantees it)."""
    if dims not in (2, 3):
        raise ValueError(f"a layout has 2 or 3 dimensions, got {dims}")
    placed = np.asarray(positions)[:, :dims]
    header = np.zeros(1, dtype=_HEADER)
    header["magic"], header["dims"] = MAGIC, dims
    if len(placed) == 0:
        return header.tobytes()
    if not np.isfinite(placed).all():
        raise ValueError("positions sent to the page must be finite")
    ranged = placed if rows is None or len(rows) == 0 else placed[rows]
    quantised = np.empty((len(placed), dims), dtype="<u2")
    # Axis by axis: a reduction over one column is ~100x faster than over axis 0 of (N, 3).
    for axis in range(dims):
        lo, hi = float(ranged[:, axis].min()), float(ranged[:, axis].max())
        step = (hi - lo) / LEVELS
        header["offset"][0, axis], header["step"][0, axis] = lo, step
        # In float64: float32 would overflow 1 / step for a tiny extent (and 0 * inf is NaN).
        levels = (placed[:, axis].astype(np.float64) - lo) * (1.0 / step if step > 0 else 0.0)
        levels += 0.5  # then truncation rounds: the values are not negative
        np.clip(levels, 0, LEVELS, out=levels)
        quantised[:, axis] = levels
    return header.tobytes() + quantised.tobytes()


def decode_positions(data: bytes) -> np.ndarray:
    """The ``_positions`` buffer -> (N, 3) float32 positions, as the page draws them
    (computed in float64, then rounded to float32, exactly as js/src/codecs.ts does)."""
    raw = bytes(data)
    if len(raw) < HEADER_BYTES or raw[:4] != MAGIC:
        raise ValueError("not a positions buffer: it must start with the NPQ1 header")
    header = np.frombuffer(raw[:HEADER_BYTES], dtype=_HEADER)[0]
    dims = int(header["dims"])
    quantised = np.frombuffer(raw[HEADER_BYTES:], dtype="<u2").reshape(-1, dims)
    out = np.zeros((len(quantised), 3), dtype=np.float32)
    out[:, :dims] = header["offset"][:dims] + quantised * header["step"][:dims]
    return out


def position_step(data: bytes) -> np.ndarray:
    """The quantisation step of each axis (float64 (3,)): a decoded position is within half
    of it of the position encoded."""
    header = np.frombuffer(bytes(data)[:HEADER_BYTES], dtype=_HEADER)[0]
    step: np.ndarray = header["step"].copy()
    return step
