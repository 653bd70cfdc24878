"""Tensor files of TensorBoard's projector: TSV vectors, ``.npy``, raw float32 bytes; and
the square sprite sheet it wants. Pure functions over files and arrays (used by
:mod:`nbprojector.tensorboard`).

- TSV: one vector per line, tab-separated; blank lines are skipped; a first column whose
  values are mostly not numbers is taken as the labels. Ragged lines are an error naming
  the line and both counts.
- Raw bytes: little-endian float32, row-major, split by ``tensor_shape`` [N, D].
- ``.npy``: read without pickles.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from .thumbnails import _resize_all, _thumb_size

_NPY_MAGIC = b"\x93NUMPY"
_TSV_SUFFIXES = {".tsv", ".txt"}
_BYTES_SUFFIXES = {".bytes", ".bin", ".f32", ".float32", ".dat", ".raw"}
_POWERS = (10 ** np.arange(8, -1, -1)).astype(np.int32)
#: Values formatted at a time when writing TSV (bounded memory: ~20 bytes each).
_CHUNK = 1 << 18
#: TensorBoard's projector draws no sprite larger than this (one WebGL texture).
MAX_SPRITE_SIDE = 8192


class TensorFileError(ValueError):
    """A tensor file that cannot be read; the message names the file and what is wrong."""


def tensor_format(path: str | os.PathLike) -> str:
    """'npy', 'tsv' or 'bytes': by the file's first bytes, then its suffix, then its content
    (text that decodes as UTF-8 without NUL bytes is TSV, as TensorBoard tries TSV first)."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(65_536)
    suffix = path.suffix.lower()
    if head.startswith(_NPY_MAGIC) or suffix == ".npy":
        return "npy"
    if suffix in _TSV_SUFFIXES:
        return "tsv"
    if suffix in _BYTES_SUFFIXES:
        return "bytes"
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "bytes"
    return "bytes" if "\x00" in text or not text.strip() else "tsv"


def read_tensor(
    path: str | os.PathLike, shape: tuple[int, ...] | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Read a tensor file as a float32 (N, D) matrix, and its label column if a TSV has one.

    Args:
        path: a TSV, ``.npy`` or raw float32 file (see :func:`tensor_format`).
        shape: the config's ``tensor_shape``: required for raw bytes, checked otherwise.
    """
    path = Path(path)
    if not path.is_file():
        raise TensorFileError(f"tensor file not found: {path}")
    kind = tensor_format(path)
    if kind == "bytes":
        return _read_bytes(path, shape), None
    if kind == "npy":
        try:
            vectors, labels = np.load(path, allow_pickle=False), None
        except (ValueError, EOFError, OSError) as err:  # EOFError: a truncated file
            raise TensorFileError(f"cannot read {path} as .npy: {err}") from None
    else:
        vectors, labels = _read_tsv(path)
    if vectors.ndim != 2:
        raise TensorFileError(f"tensor file {path} holds shape {vectors.shape}, not (N, D)")
    if shape and tuple(shape) != vectors.shape:
        raise TensorFileError(
            f"tensor file {path} holds {vectors.shape[0]} x {vectors.shape[1]} values but "
            f"tensor_shape says {list(shape)}"
        )
    return np.ascontiguousarray(vectors, dtype=np.float32), labels


def _read_bytes(path: Path, shape: tuple[int, ...] | None) -> np.ndarray:
    size = path.stat().st_size
    if size % 4:
        raise TensorFileError(
            f"raw tensor file {path} has {size} bytes, not a whole number of float32 values "
            "(4 bytes each)"
        )
    count = size // 4
    if not shape or len(shape) != 2:
        raise TensorFileError(
            f"raw float32 tensor file {path} ({count} values) needs tensor_shape [N, D] in the "
            f"config, got {list(shape or [])}"
        )
    n, d = (int(v) for v in shape)
    if n * d != count:
        raise TensorFileError(
            f"tensor_shape [{n}, {d}] needs {n} x {d} = {n * d} float32 values "
            f"({n * d * 4} bytes), but {path} has {size} bytes = {count} values"
            + (f" (= {count // d} rows of {d})" if d and count % d == 0 else "")
        )
    return np.fromfile(path, dtype="<f4").reshape(n, d).astype(np.float32, copy=False)


def _line_fields(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(1-based line numbers of the non-blank lines, tab-separated fields on each)."""
    b = np.frombuffer(raw, dtype=np.uint8)
    ends = np.flatnonzero(b == 10)
    if len(b) and b[-1] != 10:
        ends = np.append(ends, len(b))
    starts = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64)
    length = ends - starts
    carriage = (length > 0) & (b[np.maximum(ends - 1, 0)] == 13)
    blank = (length - carriage) == 0
    tabs = np.bincount(np.searchsorted(ends, np.flatnonzero(b == 9)), minlength=len(ends))
    keep = ~blank
    return np.flatnonzero(keep) + 1, tabs[keep] + 1


def _read_tsv(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark
    # Lines end at "\n" ("\r\n" too), as TensorBoard reads them; a lone "\r" is text.
    raw = raw.replace(b"\r\n", b"\n")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise TensorFileError(
            f"tensor file {path} is not UTF-8 text: byte {err.start} is {raw[err.start]:#04x}"
            " (a TSV file needs UTF-8; raw float32 needs a .bytes suffix and tensor_shape)"
        ) from None
    lines, fields = _line_fields(raw)
    if len(lines) == 0:
        raise TensorFileError(f"tensor file {path} is empty")
    bad = np.flatnonzero(fields != fields[0])
    if len(bad):
        i = bad[0]
        raise TensorFileError(
            f"tensor file {path}: line {lines[i]} has {fields[i]} values but line {lines[0]} "
            f"has {fields[0]}; every line needs the same number of tab-separated values"
        )
    try:
        frame = pd.read_csv(
            io.BytesIO(raw), sep="\t", header=None, quoting=csv.QUOTE_NONE, na_filter=False,
            skip_blank_lines=True, encoding="utf-8", lineterminator="\n",
        )  # fmt: skip
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise TensorFileError(f"cannot read tensor file {path} as TSV: {err}") from None
    labels = None
    first = frame.iloc[:, 0]
    if frame.shape[1] > 1 and not pd.api.types.is_numeric_dtype(first):
        not_numbers = pd.to_numeric(first, errors="coerce").isna()
        if not_numbers.mean() >= 0.5:
            labels = first.astype(str).to_numpy()
            frame = frame.iloc[:, 1:]
    for column in range(frame.shape[1]):
        values = frame.iloc[:, column]
        if not pd.api.types.is_numeric_dtype(values):
            numbers = pd.to_numeric(values, errors="coerce")
            row = int(np.flatnonzero(numbers.isna().to_numpy())[0])
            raise TensorFileError(
                f"tensor file {path}: line {lines[row]}, value {column + 1 + (labels is not None)}"
                f" is {values.iloc[row]!r}, not a number"
            )
    return frame.to_numpy(dtype=np.float32), labels


def write_tensor(path: str | os.PathLike, matrix: Any, kind: str = "tsv") -> list[int]:
    """Write an (N, D) matrix as TSV (9 significant digits: every float32 reads back exactly)
    or as raw little-endian float32 bytes; return its shape [N, D]."""
    vectors = np.ascontiguousarray(matrix, dtype="<f4")
    if vectors.ndim != 2:
        raise ValueError(f"a tensor to write must be 2-D (N, D), got shape {vectors.shape}")
    if not np.isfinite(vectors).all():
        raise ValueError("a tensor to write must not hold NaN or infinite values")
    if kind == "bytes":
        vectors.tofile(path)
        return [int(v) for v in vectors.shape]
    rows = max(1, _CHUNK // max(1, vectors.shape[1]))
    with open(path, "wb") as f:
        for start in range(0, len(vectors), rows):  # a block of rows at a time
            f.write(_format_rows(vectors[start : start + rows]))
    return [int(v) for v in vectors.shape]


def _format_rows(v: np.ndarray) -> bytes:
    """Rows of float32 as TSV text, vectorized: [-]d[.dddddddd][e±XX], trailing zeros dropped."""
    n, d = v.shape
    v = v.astype(np.float64)
    a = np.abs(v)
    zero = a == 0
    a[zero] = 1.0
    e = np.floor(np.log10(a)).astype(np.int32)
    for _ in range(2):  # log10 may be off by one next to powers of ten
        m = np.rint(a / 10.0**e * 1e8).astype(np.int32)
        e += (m >= 10**9).astype(np.int32) - (m < 10**8)
    m = np.rint(a / 10.0**e * 1e8).astype(np.int32)
    digits = (m[..., None] // _POWERS % 10).astype(np.uint8)  # (n, d, 9)
    out = np.empty((n, d, 16), dtype=np.uint8)
    keep = np.ones((n, d, 16), dtype=bool)
    out[..., 0] = ord("-")
    keep[..., 0] = np.signbit(v)
    out[..., 1] = digits[..., 0] + 48
    out[..., 2] = ord(".")
    out[..., 3:11] = digits[..., 1:] + 48
    nonzero = digits[..., 1:] != 0  # fraction digits; trailing zeros are dropped
    kept = np.where(nonzero.any(-1), 8 - np.argmax(nonzero[..., ::-1], axis=-1), 0)
    keep[..., 3:11] = np.arange(8) < kept[..., None]
    keep[..., 2] = kept > 0
    out[..., 11] = ord("e")
    out[..., 12] = np.where(e < 0, ord("-"), ord("+"))
    ae = np.abs(e)
    out[..., 13] = ae // 10 + 48
    out[..., 14] = ae % 10 + 48
    keep[..., 11:15] = (e != 0)[..., None]
    out[zero, 1] = ord("0")
    keep[zero, 2:15] = False
    out[..., 15] = ord("\t")
    out[:, -1, 15] = ord("\n")
    return out[keep].tobytes()


def sprite_sheet(thumbs: np.ndarray, path: str | os.PathLike) -> tuple[int, int]:
    """Save (N, h, w, 4) RGBA thumbnails as TensorBoard's sprite: a square grid, row-first,
    no side over 8192 px (thumbnails shrink to fit). Returns single_image_dim (w, h)."""
    n = len(thumbs)
    columns = max(1, math.ceil(math.sqrt(n)))
    h, w = thumbs.shape[1:3]
    fit = MAX_SPRITE_SIDE // columns
    if max(w, h) > fit:
        thumbs = _resize_all(thumbs, _thumb_size(w, h, fit))
        h, w = thumbs.shape[1:3]
    pixels = np.zeros((columns * h, columns * w, 4), dtype=np.uint8)
    cells = pixels.reshape(columns, h, columns, w, 4)  # cell (row, col) is [row, :, col]
    full = n // columns
    cells[:full] = thumbs[: full * columns].reshape(full, columns, h, w, 4).swapaxes(1, 2)
    if n > full * columns:
        cells[full, :, : n - full * columns] = thumbs[full * columns :].swapaxes(0, 1)
    Image.fromarray(pixels, "RGBA").save(path, "PNG", compress_level=6)
    return int(w), int(h)


def check_sprite(path: str | os.PathLike, single_image_dim: tuple[int, int], n: int) -> None:
    """Raise unless the sprite sheet at ``path`` exists and holds ``n`` images."""
    if not Path(path).is_file():
        raise TensorFileError(f"sprite image not found: {path}")
    try:
        with Image.open(path) as image:
            (width, height), (w, h) = image.size, single_image_dim
    except OSError as err:  # unreadable, or not an image (Pillow's UnidentifiedImageError)
        raise TensorFileError(
            f"the sprite {path} is not an image Pillow can read ({err})"
        ) from None
    if width % w or height % h:
        raise TensorFileError(
            f"the sprite {path} ({width} x {height} px) is not a whole number of images of "
            f"{w} x {h} px (single_image_dim): check single_image_dim [width, height]"
        )
    if (width // w) * (height // h) < n:
        raise TensorFileError(
            f"the sprite {path} ({width} x {height} px) holds {(width // w) * (height // h)} "
            f"images of {w} x {h} px, but there are {n} points"
        )


# ---- checkpoints (TensorFlow, when installed) ----------------------------------------------


def _tensorflow(what: str) -> Any:
    try:
        import tensorflow as tf
    except ImportError:
        raise TensorFileError(
            f"{what}; reading checkpoints needs TensorFlow: pip install tensorflow, or export "
            "the tensor as TSV (one vector per line) and set tensor_path in the config"
        ) from None
    return tf


def checkpoint_tensor_names(checkpoint: str | os.PathLike, what: str) -> list[str]:
    """The 2-D variables of a checkpoint (a prefix or a folder), optimizer slots left out,
    as TensorBoard lists them. ``what`` starts the message when TensorFlow is missing."""
    tf = _tensorflow(what)
    shapes = tf.train.load_checkpoint(str(checkpoint)).get_variable_to_shape_map()
    return sorted(k for k, s in shapes.items() if len(s) == 2 and ".OPTIMIZER_SLOT" not in k)


def read_checkpoint_tensor(
    checkpoint: str | os.PathLike | None, name: str, what: str
) -> np.ndarray:
    """One tensor of a checkpoint, as float32."""
    tf = _tensorflow(what)
    if checkpoint is None:
        raise TensorFileError(f"{what}: there is none")
    reader = tf.train.load_checkpoint(str(checkpoint))
    if not reader.has_tensor(name):
        names = sorted(reader.get_variable_to_shape_map())[:10]
        raise TensorFileError(f"tensor {name!r} is not in the checkpoint {checkpoint} ({names})")
    return np.asarray(reader.get_tensor(name), dtype=np.float32)
