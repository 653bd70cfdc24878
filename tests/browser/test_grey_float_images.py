"""Grey float images outside [0, 1] (scikit-learn's digits hold 0..16) are drawn, scaled from
their range as matplotlib's imshow does: each point's image shows its own grey level."""

from __future__ import annotations

import numpy as np

from .harness import notebook_fixture
from .test_images import GRID, SIZE, N, at, screen, wait_images

#: Each image is one grey level in 0..16, except one pixel per image at 0 and at 16 (the
#: range), so that level v is drawn as round(v * 255 / 16).
LEVELS = np.array([2.0, 6.0, 10.0, 14.0])

CELLS = [
    GRID
    + f"levels = np.array({LEVELS.tolist()})[np.arange(N) % 4]\n"
    "images = np.repeat(levels, 16 * 16).reshape(N, 16, 16)\n"
    "images[:, 15, 15] = 0.0\n"
    "images[:, 15, 14] = 16.0\n"
    "p = Projector(emb, {'name': [f'p{i}' for i in range(N)]}, images=images,\n"
    f"              image_size={SIZE}, height=560)\n"
    "p.project('pca', components=(1, 2)).wait()\n"
    "p",
]

nb = notebook_fixture("grey_float_images.ipynb", CELLS)


def test_grey_floats_beyond_one_are_drawn_by_their_range(nb):
    wait_images(nb)
    assert nb.py_json("[p.show_images, int(p.images[..., 0].max())]") == [True, 255]
    pixels, xy = screen(nb)
    for i in range(N):
        rgb = at(pixels, *xy[i])  # the centre of the image: its grey level
        expected = round(LEVELS[i % 4] * 255 / 16)
        assert np.abs(rgb - expected).max() <= 4, (i, rgb, expected)
