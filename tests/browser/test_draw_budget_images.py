"""Images above the draw budget: each drawn point shows its own image (its vertex carries
the point's image index), from several atlases, also after other points are drawn."""

from __future__ import annotations

import numpy as np

from .harness import notebook_fixture
from .test_images import GRID, PALETTE, PALETTE_IMAGES, SIZE, N, at, background, nearest_colour

BUDGET = 20
CELLS = [
    GRID
    + PALETTE_IMAGES
    + "p = Projector(emb, {'name': [f'p{i}' for i in range(N)]}, images=images, color_by='',\n"
    f"              image_size={SIZE}, height=560, max_points={BUDGET})\n"
    "p.max_texture_size = 64  # 16 images an atlas: 3 atlases\n"
    "p.project('pca', components=(1, 2)).wait()\n"
    "p",
]

nb = notebook_fixture("draw_budget_images.ipynb", CELLS)


def assert_drawn_with_own_images(nb) -> list[int]:
    nb.wait_for("h.images().state === 'drawn' && h.images().atlases === 3")
    nb.page.mouse.move(1, 1)
    nb.settle()
    drawn = nb.handle("h.drawn()")
    assert drawn == nb.py_json("p.drawn.tolist()") and len(drawn) == BUDGET
    pixels = nb.canvas_pixels()
    box = nb.view.locator(".nbp-canvas canvas").first.bounding_box()
    bg = background(pixels)
    for i in drawn:
        x, y = np.array(nb.handle(f"h.clientPosition({i})")) - [box["x"], box["y"]]
        opaque = at(pixels, x + SIZE / 10, y + SIZE / 10)
        assert nearest_colour(opaque) == i, f"point {i} shows colour {opaque}, not {PALETTE[i]}"
        assert np.abs(opaque - PALETTE[i]).max() <= 3, (i, opaque, PALETTE[i])
        assert np.abs(at(pixels, x - SIZE / 4, y - SIZE / 4) - bg).max() <= 3
    # The grid cells of undrawn points are empty.
    for i in sorted(set(range(N)) - set(drawn))[:5]:
        assert nb.handle(f"h.clientPosition({i})") is None
    return drawn


def test_each_drawn_point_shows_its_own_image(nb, tmp_path):
    before = assert_drawn_with_own_images(nb)
    undrawn = sorted(set(range(N)) - set(before))
    nb.py(f"p.show_points({undrawn[:6]})")
    nb.wait_for(f"{undrawn[:6]!r}.every((j) => (h.drawn() ?? []).includes(j))")
    after = assert_drawn_with_own_images(nb)
    assert set(undrawn[:6]) <= set(after)
    nb.page.screenshot(path=str(tmp_path / "images.png"))
