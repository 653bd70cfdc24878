"""Sprites: thumbnails from every input form, atlas layout checked on decoded PNGs."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from nbprojector.thumbnails import Atlases, as_thumbnails, build_atlases


def _colours(n: int) -> np.ndarray:
    """n distinct opaque RGB colours (uint8), one per image index."""
    i = np.arange(n)
    return np.stack([i % 256, (i // 256) % 256, 255 - i % 7], axis=1).astype(np.uint8)


def _solid(n: int, h: int, w: int, alpha: int = 255) -> np.ndarray:
    """(n, h, w, 4): image i filled with colour i."""
    out = np.empty((n, h, w, 4), dtype=np.uint8)
    out[..., :3] = _colours(n)[:, None, None, :]
    out[..., 3] = alpha
    return out


def _decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def _cell_pixels(atlases: Atlases, i: int) -> np.ndarray:
    """The (h, w, 4) cell of image i, found with the documented index formula only."""
    per_atlas = atlases.columns * atlases.rows_per_atlas
    atlas, col, row = (
        i // per_atlas,
        (i % per_atlas) % atlases.columns,
        (i % per_atlas) // atlases.columns,
    )
    w, h = atlases.cell
    return _decode(atlases.pngs[atlas])[row * h : (row + 1) * h, col * w : (col + 1) * w]


def _sheet(n: int, columns: int, w: int, h: int, rows: int | None = None) -> Image.Image:
    """A sprite sheet with image i (colour i) at row i // columns, column i % columns."""
    rows = rows if rows is not None else -(-n // columns)
    sheet = np.zeros((rows * h, columns * w, 4), dtype=np.uint8)
    for i, colour in enumerate(_colours(n)):
        r, c = divmod(i, columns)
        sheet[r * h : (r + 1) * h, c * w : (c + 1) * w, :3] = colour
        sheet[r * h : (r + 1) * h, c * w : (c + 1) * w, 3] = 255
    return Image.fromarray(sheet)


# ---- atlases ----------------------------------------------------------------------------


def test_single_atlas_layout_and_manifest():
    thumbs = _solid(10, 3, 5)
    atlases = build_atlases(thumbs)
    assert len(atlases.pngs) == 1 and atlases.cell == (5, 3)
    assert atlases.columns * atlases.rows_per_atlas >= 10
    for i in range(10):
        np.testing.assert_array_equal(_cell_pixels(atlases, i), thumbs[i])
    m = atlases.to_manifest()
    assert m["count"] == 10 and m["atlases"] == 1 and m["cell"] == [5, 3]
    assert m["columns"] == atlases.columns and m["rows_per_atlas"] == atlases.rows_per_atlas
    width, height = m["sizes"][0]
    assert width == atlases.columns * 5 and height == -(-10 // atlases.columns) * 3
    assert Image.open(io.BytesIO(atlases.pngs[0])).size == (width, height)


def test_several_atlases_when_one_texture_is_too_small():
    thumbs = _solid(50, 4, 4, alpha=200)  # translucent: kept as RGBA
    atlases = build_atlases(thumbs, max_texture_size=16)  # 4 x 4 cells per atlas
    assert (atlases.columns, atlases.rows_per_atlas) == (4, 4)
    assert len(atlases.pngs) == 4  # 16 + 16 + 16 + 2
    for i in range(50):
        np.testing.assert_array_equal(_cell_pixels(atlases, i), thumbs[i])
    assert atlases.sizes == [(16, 16)] * 3 + [(16, 4)]  # the last one only as tall as needed
    atlas, col, row = atlases.locate(np.array([0, 17, 49]))
    np.testing.assert_array_equal(atlas, [0, 1, 3])
    np.testing.assert_array_equal(col, [0, 1, 1])
    np.testing.assert_array_equal(row, [0, 0, 0])


def test_thumbnails_larger_than_the_texture_are_downscaled():
    thumbs = _solid(3, 40, 20)
    atlases = build_atlases(thumbs, max_texture_size=10)
    assert atlases.cell == (5, 10) and len(atlases.pngs) == 2  # 2 x 1 cells per atlas
    for i in range(3):
        np.testing.assert_array_equal(_cell_pixels(atlases, i), _solid(3, 10, 5)[i])


def test_png_mode_follows_content():
    grey = as_thumbnails(np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4), n=2)
    modes = [
        Image.open(io.BytesIO(build_atlases(t).pngs[0])).mode
        for t in (grey, _solid(2, 4, 4), _solid(2, 4, 4, alpha=7))
    ]
    assert modes == ["L", "RGB", "RGBA"]
    np.testing.assert_array_equal(_cell_pixels(build_atlases(grey), 1), grey[1])


def test_build_atlases_rejects_non_rgba():
    with pytest.raises(ValueError, match=r"uint8 \(N, h, w, 4\)"):
        build_atlases(np.zeros((2, 4, 4, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="at least 1"):
        build_atlases(_solid(1, 2, 2), max_texture_size=0)


# ---- thumbnails from arrays -------------------------------------------------------------


def test_grey_rgb_rgba_arrays():
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, (3, 5, 6), dtype=np.uint8)
    t = as_thumbnails(grey, n=3)
    assert t.shape == (3, 5, 6, 4) and t.dtype == np.uint8
    np.testing.assert_array_equal(t[..., :3], np.repeat(grey[..., None], 3, axis=3))
    assert (t[..., 3] == 255).all()
    rgb = rng.integers(0, 256, (3, 5, 6, 3), dtype=np.uint8)
    np.testing.assert_array_equal(as_thumbnails(rgb, n=3)[..., :3], rgb)
    rgba = rng.integers(0, 256, (3, 5, 6, 4), dtype=np.uint8)
    np.testing.assert_array_equal(as_thumbnails(rgba, n=3), rgba)


def test_float_arrays_in_unit_range():
    t = as_thumbnails(np.array([[[0.0, 0.5, 1.0]]]), n=1)
    np.testing.assert_array_equal(t[0, 0, :, 0], [0, 128, 255])


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.full((2, 3, 3, 3), 16.0), r"\[0, 1\], got values in \[16, 16\]"),
        (np.full((2, 3, 3), np.nan), "NaN"),
        (
            np.zeros((2, 3, 3, 2), dtype=np.uint8),
            r"\(N, H, W, 3\|4\) for RGB / RGBA, got \(2, 3, 3, 2\)",
        ),
        (np.zeros((2, 3), dtype=np.uint8), "got \\(2, 3\\)"),
        (np.full((2, 3, 3), 300), r"0\.\.255, got values in \[300, 300\]"),
        (np.zeros((2, 3, 3), dtype=np.complex64), "got dtype complex64"),
    ],
)
def test_bad_arrays(bad, message):
    with pytest.raises(ValueError, match=message):
        as_thumbnails(bad, n=2)


def test_count_mismatch():
    with pytest.raises(ValueError, match="got 10 images for 12 points"):
        as_thumbnails(np.zeros((10, 4, 4), dtype=np.uint8), n=12)
    images = [Image.new("RGB", (4, 4))] * 10
    with pytest.raises(ValueError, match="got 10 images for 12 points"):
        as_thumbnails(images, n=12)


def test_large_images_are_capped():
    t = as_thumbnails(np.zeros((2, 100, 200), dtype=np.uint8), n=2)
    assert t.shape == (2, 32, 64, 4)
    assert as_thumbnails(np.zeros((2, 100, 200), dtype=np.uint8), n=2, max_side=None).shape == (
        2,
        100,
        200,
        4,
    )


def test_single_image_dim_must_agree_with_an_array():
    images = np.zeros((2, 3, 5), dtype=np.uint8)
    assert as_thumbnails(images, n=2, single_image_dim=(5, 3)).shape == (2, 3, 5, 4)
    with pytest.raises(ValueError, match="does not match"):
        as_thumbnails(images, n=2, single_image_dim=(3, 5))


# ---- thumbnails from PIL lists and sprite sheets ----------------------------------------


def test_pil_list_resized_to_first_size():
    images = [
        Image.new("RGB", (100, 50), (255, 0, 0)),
        Image.new("L", (10, 5), 128),  # same aspect: stretched up to the cell
        Image.new("RGBA", (20, 20), (0, 0, 255, 255)),  # other aspect: letterboxed
    ]
    t = as_thumbnails(images, n=3)
    assert t.shape == (3, 32, 64, 4)
    assert (t[0] == [255, 0, 0, 255]).all()
    assert (t[1] == [128, 128, 128, 255]).all()
    np.testing.assert_array_equal(t[2, 16, 32], [0, 0, 255, 255])  # centre: the image
    assert t[2, 16, 0, 3] == 0  # sides: transparent padding


def test_pil_list_with_other_items():
    with pytest.raises(TypeError, match="item 1 of the image list is a str"):
        as_thumbnails([Image.new("RGB", (4, 4)), "x"], n=2)


def test_pil_list_rejects_single_image_dim():
    with pytest.raises(ValueError, match="only applies to a sprite sheet"):
        as_thumbnails([Image.new("RGB", (4, 4))], n=1, single_image_dim=(4, 4))


def test_list_of_arrays_is_stacked():
    t = as_thumbnails([np.zeros((2, 2), np.uint8), np.ones((2, 2), np.uint8)], n=2)
    assert t.shape == (2, 2, 2, 4) and (t[1, ..., 0] == 1).all()


@pytest.mark.parametrize(
    ("n", "columns", "rows"),
    [(12, 4, 3), (10, 4, 3), (7, 7, 1), (5, 1, 5), (9, 3, 4)],
    ids=["full", "incomplete-last-row", "one-row", "one-column", "spare-rows"],
)
def test_sprite_sheet_slicing(n, columns, rows):
    sheet = _sheet(n, columns, w=3, h=2, rows=rows)
    t = as_thumbnails(sheet, single_image_dim=(3, 2), n=n)
    np.testing.assert_array_equal(t, _solid(n, 2, 3))


def test_sprite_sheet_from_path(tmp_path):
    path = tmp_path / "sprite.png"
    _sheet(6, 3, w=4, h=4).save(path)
    np.testing.assert_array_equal(
        as_thumbnails(path, single_image_dim=(4, 4), n=6), _solid(6, 4, 4)
    )
    np.testing.assert_array_equal(
        as_thumbnails(str(path), single_image_dim=[4, 4], n=5), _solid(5, 4, 4)
    )


def test_sprite_sheet_errors():
    sheet = _sheet(12, 4, w=3, h=2)  # 12 x 6 px
    with pytest.raises(ValueError, match=r"holds 4 columns x 3 rows = 12 images.*13 points"):
        as_thumbnails(sheet, single_image_dim=(3, 2), n=13)
    with pytest.raises(ValueError, match="needs single_image_dim"):
        as_thumbnails(sheet, n=12)
    with pytest.raises(ValueError, match="12 px wide, not a multiple of the image width 5"):
        as_thumbnails(sheet, single_image_dim=(5, 2), n=1)
    with pytest.raises(ValueError, match="single_image_dim must be"):
        as_thumbnails(sheet, single_image_dim=(3,), n=1)


def test_sheet_to_atlas_round_trip():
    # Non-square grid in, a different grid out: each image keeps its own index.
    thumbs = as_thumbnails(_sheet(23, 6, w=3, h=5), single_image_dim=(3, 5), n=23)
    atlases = build_atlases(thumbs, max_texture_size=12)  # 4 x 2 cells per atlas
    assert len(atlases.pngs) == 3
    for i in range(23):
        np.testing.assert_array_equal(_cell_pixels(atlases, i), _solid(23, 5, 3)[i])


def test_unknown_input_type():
    with pytest.raises(TypeError, match="sprite sheet"):
        as_thumbnails(42, n=1)
