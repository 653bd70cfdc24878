"""Image thumbnails for points and the PNG texture atlases that carry them.

Two steps, both pure functions over arrays (Pillow for decoding, resizing and PNG):

1. :func:`as_thumbnails` turns whatever the user has (an image array, a list of PIL images
   or a sprite sheet) into one uint8 RGBA array ``(N, h, w, 4)``, one thumbnail per point.
2. :func:`build_atlases` packs the thumbnails into as few PNG atlases as the browser's
   texture size allows, in a layout the JS side can compute from a point's index alone.

TensorBoard's limits are gone: sprite sheets may have any number of columns (the grid need
not be square), and more images than fit one texture simply use several atlases.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageOps

#: Longest side of a thumbnail by default: points are drawn a few dozen pixels wide, and
#: 64 px keeps 1M thumbnails within a few GB (larger inputs are downscaled, aspect kept).
MAX_THUMBNAIL_SIDE = 64

#: zlib level for atlas PNGs. Measured on the 2-core project machine: photo thumbnails encode
#: 2.4x faster than at Pillow's default (6) for 17% more bytes; MNIST-like ones 1.25x faster
#: for 7% more (levels 2-3 are within noise of 1 there). The kernel should not stall.
PNG_COMPRESS_LEVEL = 1

_RESAMPLE = Image.Resampling.LANCZOS  # premultiplied-alpha aware in Pillow for RGBA


# ---- step 1: thumbnails -----------------------------------------------------------------


def _thumb_size(w: int, h: int, max_side: int | None) -> tuple[int, int]:
    """(w, h) scaled down so that the longest side is at most ``max_side``, aspect kept."""
    if max_side is None or max(w, h) <= max_side:
        return w, h
    scale = max_side / max(w, h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _resize_all(rgba: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize every (h, w, 4) image of ``rgba`` to ``size`` = (w, h); no-op when equal."""
    if (rgba.shape[2], rgba.shape[1]) == size:
        return rgba
    out = np.empty((rgba.shape[0], size[1], size[0], 4), dtype=np.uint8)
    for i, image in enumerate(rgba):  # Pillow resizes one image at a time
        out[i] = np.asarray(Image.fromarray(image).resize(size, _RESAMPLE))
    return out


def _array_to_rgba(images: np.ndarray) -> np.ndarray:
    """Validate an (N, H, W) / (N, H, W, 1|3|4) array and return it as uint8 RGBA."""
    a = np.asarray(images)
    if a.ndim == 4 and a.shape[3] == 1:
        a = a[..., 0]
    if not (a.ndim == 3 or (a.ndim == 4 and a.shape[3] in (3, 4))):
        raise ValueError(
            f"an image array must have shape (N, H, W) for grey or (N, H, W, 3|4) for "
            f"RGB / RGBA, got {a.shape}"
        )
    if a.shape[1] < 1 or a.shape[2] < 1:
        raise ValueError(
            f"images of {a.shape[2]} x {a.shape[1]} pixels (width x height) are empty; each "
            f"image needs at least 1 x 1 pixel, got an array of shape {a.shape}"
        )
    if a.dtype == np.uint8:
        pass
    elif np.issubdtype(a.dtype, np.floating):
        a = _floats_to_uint8(a)
    elif np.issubdtype(a.dtype, np.integer) and not np.issubdtype(a.dtype, np.bool_):
        lo, hi = (int(a.min()), int(a.max())) if a.size else (0, 0)
        if lo < 0 or hi > 255:
            raise ValueError(
                f"integer images need values in 0..255, got values in [{lo}, {hi}]; "
                "pass uint8, or floats in [0, 1]"
            )
        a = a.astype(np.uint8)
    else:
        raise ValueError(f"images must be uint8 (0..255) or floats in [0, 1], got dtype {a.dtype}")
    if a.ndim == 3:  # grey: R = G = B, opaque
        # One little-endian uint32 per pixel (bytes R, G, B, A): ~4x faster than filling
        # the four channels one strided write at a time.
        out = np.empty((*a.shape, 4), dtype=np.uint8)
        packed = out.view("<u4").reshape(a.shape)
        np.multiply(a, np.uint32(0x010101), out=packed, dtype=np.uint32)
        packed |= np.uint32(0xFF000000)
        return out
    if a.shape[3] == 3:
        out = np.empty((*a.shape[:3], 4), dtype=np.uint8)
        out[..., :3] = a
        out[..., 3] = 255
        return out
    # A copy even when the input is already RGBA uint8: later edits to the caller's array
    # must not change the thumbnails.
    return np.array(a, dtype=np.uint8, order="C", copy=True)


def _floats_to_uint8(a: np.ndarray) -> np.ndarray:
    """Float images as uint8: grey ones scaled from their range (min -> 0, max -> 255, over
    all images, as matplotlib's imshow does for grey data, so that e.g. scikit-learn's
    digits in 0..16 show as they are); colour ones must be in [0, 1]."""
    if not np.isfinite(a).all():
        raise ValueError(
            "the image array contains NaN or infinity; float images need finite values"
        )
    lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
    if a.ndim == 3:  # grey
        if hi > lo:
            return np.rint((a - lo) * (255.0 / (hi - lo))).astype(np.uint8)
        return np.full(a.shape, round(min(max(lo, 0.0), 1.0) * 255), dtype=np.uint8)
    if lo < 0.0 or hi > 1.0:
        raise ValueError(
            f"float RGB / RGBA images need values in [0, 1], got values in [{lo:g}, {hi:g}]; "
            "rescale them (e.g. images / images.max()) or pass uint8 in 0..255"
        )
    return np.rint(a * 255.0).astype(np.uint8)


def _pil_list_to_rgba(images: Sequence[Any], max_side: int | None) -> np.ndarray:
    """Resize a list of PIL images to the first one's (capped) size, letterboxed."""
    for i, image in enumerate(images):
        if not isinstance(image, Image.Image):
            raise TypeError(
                f"item {i} of the image list is a {type(image).__name__}, not a PIL image; "
                "pass a list of PIL images or an (N, H, W[, C]) array"
            )
    width, height = images[0].size
    size = _thumb_size(width, height, max_side)
    out = np.empty((len(images), size[1], size[0], 4), dtype=np.uint8)
    for i, image in enumerate(images):
        rgba = image.convert("RGBA")
        if rgba.size != size:
            # Other aspect ratios fit inside the cell, centred on transparent padding,
            # rather than being stretched.
            rgba = ImageOps.pad(rgba, size, method=_RESAMPLE, color=(0, 0, 0, 0))
        out[i] = np.asarray(rgba)
    return out


def _check_dim(single_image_dim: object) -> tuple[int, int]:
    """(width, height) in whole pixels, both at least 1."""
    def bad(why: str) -> ValueError:
        return ValueError(
            f"single_image_dim must be (width, height) in whole pixels, got "
            f"{single_image_dim!r:.80} ({why})"
        )

    if isinstance(single_image_dim, (str, bytes)):
        raise bad("text, not two numbers")
    try:
        values = list(single_image_dim)  # type: ignore[call-overload]
    except TypeError:
        raise bad("not a pair") from None
    if len(values) != 2:
        raise bad(f"{len(values)} values, not 2")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise bad(f"{v!r} is not a number")
        if not float(v).is_integer():
            raise bad(f"{v!r} is not a whole number of pixels")
    w, h = (int(v) for v in values)
    if w < 1 or h < 1:
        raise bad("both must be at least 1")
    return w, h


def _slice_sheet(sheet: Image.Image, single_image_dim: object, n: int) -> np.ndarray:
    """Cut a sprite sheet into ``n`` images, row-first (left to right, top to bottom)."""
    if single_image_dim is None:
        raise ValueError(
            "a sprite sheet needs single_image_dim=(width, height) of one image in pixels; "
            "to give one image per point pass a list of PIL images instead"
        )
    w, h = _check_dim(single_image_dim)
    sheet_w, sheet_h = sheet.size
    for side, size, cell in (("wide", sheet_w, w), ("tall", sheet_h, h)):
        if size % cell:
            what = "width" if side == "wide" else "height"
            raise ValueError(
                f"the sprite sheet is {size} px {side}, not a multiple of the image {what} "
                f"{cell}: check single_image_dim=(width, height)"
            )
    columns, rows = sheet_w // w, sheet_h // h
    if columns * rows < n:
        raise ValueError(
            f"the sprite sheet ({sheet_w} x {sheet_h} px) holds {columns} columns x {rows} rows"
            f" = {columns * rows} images of {w} x {h} px, but there are {n} points"
        )
    a = np.asarray(sheet.convert("RGBA"))[: rows * h, : columns * w]
    # (rows*h, cols*w, 4) -> (rows, h, cols, w, 4) -> (rows, cols, h, w, 4): row-first order.
    cells = a.reshape(rows, h, columns, w, 4).transpose(0, 2, 1, 3, 4)
    return cells.reshape(rows * columns, h, w, 4)[:n].copy()


def _open_sheet(path: str | os.PathLike) -> Image.Image:
    """Open a sprite sheet file, with a message naming it when that fails."""
    try:
        return Image.open(path)
    except FileNotFoundError:
        why = "does not exist"
    except IsADirectoryError:
        why = "is a folder, not an image file"
    except PermissionError:
        why = "cannot be read (permission denied)"
    except (Image.UnidentifiedImageError, OSError) as err:
        raise ValueError(
            f"the sprite sheet {str(path)!r} is not an image Pillow can read ({err}); "
            "pass a PNG or JPEG file"
        ) from None
    raise ValueError(f"the sprite sheet {str(path)!r} {why}")


def as_thumbnails(
    images: Any,
    *,
    single_image_dim: tuple[int, int] | None = None,
    n: int,
    max_side: int | None = MAX_THUMBNAIL_SIDE,
) -> np.ndarray:
    """Turn the user's images into one RGBA thumbnail per point.

    Args:
        images: one of
            * an array (N, H, W) grey or (N, H, W, 3|4), uint8 0..255, or floats: grey
              floats are scaled from their range (min -> black, max -> white, over all
              images, as matplotlib's imshow does for grey data), colour floats must be
              in [0, 1];
            * a list of PIL images, all brought to the first one's size (other aspect
              ratios are fitted inside it on transparent padding);
            * a sprite sheet, a path or a PIL image, sliced into ``single_image_dim``
              cells row-first; it may hold more cells than points, and any number of
              columns (the grid need not be square; the last row may be incomplete).
        single_image_dim: (width, height) of one image in a sprite sheet.
        n: number of points; there must be exactly one image per point.
        max_side: thumbnails larger than this on their longest side are downscaled
            (aspect kept); None keeps every image at its own size.

    Returns:
        (n, h, w, 4) uint8 RGBA array.

    Raises:
        ValueError / TypeError with a message saying what is wrong and how to fix it.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"n must be a non-negative number of points, got {n!r}")
    if isinstance(images, str | os.PathLike):
        with _open_sheet(images) as sheet:
            rgba = _slice_sheet(sheet, single_image_dim, n)
    elif isinstance(images, Image.Image):
        rgba = _slice_sheet(images, single_image_dim, n)
    else:
        if isinstance(images, list | tuple):
            if not images:
                raise ValueError(f"got 0 images for {n} points")
            if all(isinstance(image, np.ndarray) for image in images):
                try:
                    images = np.stack(images)
                except ValueError:
                    raise ValueError(
                        "a list of image arrays must all have the same shape; "
                        "pass PIL images to have them resized"
                    ) from None
        if isinstance(images, list | tuple):
            if single_image_dim is not None:
                raise ValueError(
                    "single_image_dim only applies to a sprite sheet (a path or one PIL "
                    "image); leave it out for a list of images"
                )
            if len(images) != n:
                raise ValueError(f"got {len(images)} images for {n} points")
            return _pil_list_to_rgba(images, max_side)
        if not isinstance(images, np.ndarray):
            raise TypeError(
                f"images must be an array, a list of PIL images, or a sprite sheet (path or "
                f"PIL image with single_image_dim), got {type(images).__name__}"
            )
        rgba = _array_to_rgba(images)
        if rgba.shape[0] != n:
            raise ValueError(f"got {rgba.shape[0]} images for {n} points")
        if single_image_dim is not None and _check_dim(single_image_dim) != (
            rgba.shape[2],
            rgba.shape[1],
        ):
            raise ValueError(
                f"single_image_dim={tuple(single_image_dim)} does not match the images' "
                f"size {rgba.shape[2]} x {rgba.shape[1]} (width x height); it is only needed "
                "for a sprite sheet, leave it out"
            )
    return _resize_all(rgba, _thumb_size(rgba.shape[2], rgba.shape[1], max_side))


# ---- step 2: atlases --------------------------------------------------------------------


@dataclass(frozen=True)
class Atlases:
    """Thumbnails packed into PNG texture atlases.

    Layout, the same in every atlas so that the JS side needs only a point's index: with
    ``per_atlas = columns * rows_per_atlas``, image ``i`` is in atlas ``i // per_atlas``,
    at column ``(i % per_atlas) % columns`` and row ``(i % per_atlas) // columns`` (row 0
    at the top), i.e. the pixel rectangle x = col * w, y = row * h of size ``cell`` = (w, h).

    Every atlas is ``columns * w`` pixels wide; the last one is only as tall as its rows
    need (``sizes`` lists each atlas's (width, height)). Unused cells of the last row are
    blank. There is no gutter between cells: sample without mipmaps (or clamp UVs half a
    texel inside the cell) to avoid bleeding from neighbours.

    PNGs are grey, RGB or RGBA depending on the thumbnails (fewer bytes to encode and send);
    browsers decode all three to RGBA textures.
    """

    pngs: list[bytes]
    cell: tuple[int, int]
    columns: int
    rows_per_atlas: int
    count: int
    sizes: list[tuple[int, int]]

    @property
    def per_atlas(self) -> int:
        """Cells per atlas (columns x rows_per_atlas)."""
        return self.columns * self.rows_per_atlas

    def locate(self, i: int | np.ndarray) -> tuple[Any, Any, Any]:
        """(atlas, column, row) of image ``i``; works on index arrays too."""
        atlas, cell = np.divmod(i, self.per_atlas)
        row, col = np.divmod(cell, self.columns)
        return atlas, col, row

    def to_manifest(self) -> dict[str, Any]:
        """The small JSON that travels next to the PNG buffers (one buffer per atlas)."""
        return {
            "format": "png",
            "cell": list(self.cell),
            "columns": self.columns,
            "rows_per_atlas": self.rows_per_atlas,
            "per_atlas": self.per_atlas,
            "count": self.count,
            "atlases": len(self.pngs),
            "sizes": [list(size) for size in self.sizes],
        }


def _layout(n: int, w: int, h: int, max_texture_size: int) -> tuple[int, int]:
    """(columns, rows_per_atlas): one near-square atlas when everything fits, else full ones."""
    max_cols, max_rows = max_texture_size // w, max_texture_size // h
    if n <= 0:
        return 1, 1
    if n > max_cols * max_rows:
        return max_cols, max_rows
    # Square in pixels (columns * w ~ rows * h): friendlier to GPUs than one long strip.
    columns = min(max_cols, max(1, math.ceil(math.sqrt(n * h / w))))
    if math.ceil(n / columns) > max_rows:
        columns = max_cols
    return columns, math.ceil(n / columns)


def _encode_png(block: np.ndarray, columns: int, compress_level: int) -> tuple[bytes, tuple]:
    """Lay out ``block`` (m, h, w, 4) row-first in ``columns`` and encode it as a PNG."""
    m, h, w, _ = block.shape
    alpha_opaque = bool((block[..., 3] == 255).all())
    if alpha_opaque and bool(
        (block[..., 0] == block[..., 1]).all() and (block[..., 1] == block[..., 2]).all()
    ):
        mode, channels = "L", block[..., :1]
    elif alpha_opaque:
        mode, channels = "RGB", block[..., :3]
    else:
        mode, channels = "RGBA", block
    rows, c = math.ceil(m / columns), channels.shape[3]
    pixels = np.zeros((rows * h, columns * w, c), dtype=np.uint8)
    # A view of the atlas as (rows, h, columns, w, c): cell (row, col) is [row, :, col].
    cells = pixels.reshape(rows, h, columns, w, c)
    full = m // columns
    cells[:full] = channels[: full * columns].reshape(full, columns, h, w, c).swapaxes(1, 2)
    if m > full * columns:  # the incomplete last row
        cells[full, :, : m - full * columns] = channels[full * columns :].swapaxes(0, 1)
    image = Image.fromarray(pixels[..., 0] if mode == "L" else pixels)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False, compress_level=compress_level)
    return buffer.getvalue(), image.size


def build_atlases(
    thumbs: np.ndarray,
    *,
    max_texture_size: int = 8192,
    compress_level: int = PNG_COMPRESS_LEVEL,
) -> Atlases:
    """Pack (N, h, w, 4) uint8 RGBA thumbnails into PNG atlases (see :class:`Atlases`).

    Args:
        thumbs: output of :func:`as_thumbnails`.
        max_texture_size: the browser's MAX_TEXTURE_SIZE (read from WebGL by the view).
            As many atlases as needed are made; a thumbnail larger than this on a side is
            itself downscaled to fit (aspect kept), never dropped.
        compress_level: zlib level 0-9 for the PNGs (speed against size).

    Returns:
        :class:`Atlases`.
    """
    t = np.asarray(thumbs)
    if t.ndim != 4 or t.shape[3] != 4 or t.dtype != np.uint8:
        raise ValueError(
            f"thumbnails must be a uint8 (N, h, w, 4) RGBA array (see as_thumbnails), "
            f"got {t.dtype} {t.shape}"
        )
    if isinstance(max_texture_size, bool) or not isinstance(max_texture_size, int | np.integer):
        raise TypeError(f"max_texture_size must be an integer, got {max_texture_size!r}")
    if max_texture_size < 1:
        raise ValueError(f"max_texture_size must be at least 1, got {max_texture_size}")
    t = _resize_all(t, _thumb_size(t.shape[2], t.shape[1], int(max_texture_size)))
    n, h, w, _ = t.shape
    columns, rows_per_atlas = _layout(n, w, h, int(max_texture_size))
    per_atlas = columns * rows_per_atlas
    pngs, sizes = [], []
    for start in range(0, n, per_atlas):  # one atlas in memory at a time
        png, size = _encode_png(t[start : start + per_atlas], columns, compress_level)
        pngs.append(png)
        sizes.append(size)
    return Atlases(pngs, (w, h), columns, rows_per_atlas, n, sizes)
