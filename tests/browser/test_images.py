"""Images in a real browser: every point drawn as its own image, after isolating,
selecting, switching to dots and back, and from several atlases; thumbnails in the inspector.

Each image is one solid colour (a palette of well-separated colours) with its top-left
quadrant transparent, so the pixels around a point's screen position say whose image is
drawn there and whether transparency is respected.
"""

from __future__ import annotations

import numpy as np

from .harness import notebook_fixture

N = 48
SIZE = 40  # image_size in CSS px: each point a 40 x 40 px image
LEVELS = (0, 85, 170, 255)
# Colours at least 85 apart per channel, none near the (light) background.
PALETTE = np.array(
    [(r, g, b) for r in LEVELS for g in LEVELS for b in LEVELS if min(r, g, b) <= 85][:N]
)

# The start of the image tests' cells: N points on an 8 x 6 grid (`emb`), far enough apart
# that their images do not overlap.
GRID = (
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    f"N = {N}\n"
    "gx, gy = np.meshgrid(np.arange(8.0), np.arange(6.0))\n"
    "noise = np.random.default_rng(0).normal(0, 0.01, N)\n"
    "emb = np.c_[gx.ravel(), gy.ravel(), noise]  # an 8 x 6 grid: images do not overlap\n"
)
# Each point's 16 x 16 RGBA image (`images`): its PALETTE colour, the top-left quadrant
# transparent.
PALETTE_IMAGES = (
    f"palette = np.array({PALETTE.tolist()}, dtype=np.uint8)\n"
    "images = np.zeros((N, 16, 16, 4), np.uint8)\n"
    "images[..., :3] = palette[:, None, None]\n"
    "images[..., 3] = 255\n"
    "images[:, :8, :8, 3] = 0  # the top-left quadrant is transparent\n"
)

CELLS = [
    GRID
    + PALETTE_IMAGES
    + "p = Projector(emb, {'name': [f'p{i}' for i in range(N)]}, images=images,\n"
    f"              image_size={SIZE}, height=560)\n"
    "p.project('pca', components=(1, 2)).wait()\n"
    "p",
]


nb = notebook_fixture("images.ipynb", CELLS)


def wait_images(nb, state: str = "drawn", atlases: int | None = None) -> None:
    condition = f"h.images().state === '{state}'"
    if atlases is not None:
        condition += f" && h.images().atlases === {atlases}"
    nb.wait_for(condition)
    nb.page.mouse.move(1, 1)  # nothing hovered
    nb.wait_for("h.hovered() === -1")
    nb.settle()


def screen(nb) -> tuple[np.ndarray, np.ndarray]:
    """The canvas pixels and every point's position in them (NaN when not drawn)."""
    pixels = nb.canvas_pixels()
    box = nb.view.locator(".nbp-canvas canvas").first.bounding_box()
    xy = np.array(nb.handle("h.clientPositions()"), dtype=float).reshape(-1, 2)
    return pixels, xy - [box["x"], box["y"]]


def at(pixels: np.ndarray, x: float, y: float) -> np.ndarray:
    return pixels[round(float(y)), round(float(x))].astype(int)


def background(pixels: np.ndarray) -> np.ndarray:
    flat = pixels.reshape(-1, 3)
    values, counts = np.unique(flat, axis=0, return_counts=True)
    return values[counts.argmax()].astype(int)


def nearest_colour(rgb: np.ndarray) -> int:
    return int(np.abs(PALETTE.astype(int) - rgb).sum(axis=1).argmin())


def assert_own_images(nb, indices, size: float = SIZE, min_gap: float = 0.0) -> None:
    """At each point, the opaque part of its image has its colour, the transparent quadrant
    shows the background; points nearer than ``min_gap`` px to another are skipped."""
    pixels, xy = screen(nb)
    bg = background(pixels)
    checked = 0
    for i in indices:
        x, y = xy[i]
        d = np.hypot(*(xy - xy[i]).T)
        d[i] = np.inf
        if min_gap and np.nanmin(d) < min_gap:
            continue
        opaque = at(pixels, x + size / 10, y + size / 10)
        assert nearest_colour(opaque) == i, f"point {i} shows colour {opaque}, not {PALETTE[i]}"
        assert np.abs(opaque - PALETTE[i]).max() <= 3, (i, opaque, PALETTE[i])
        clear = at(pixels, x - size / 4, y - size / 4)
        assert np.abs(clear - bg).max() <= 3, f"point {i}: transparent corner shows {clear}"
        checked += 1
    assert checked >= min(len(indices), 8), f"only {checked} points could be checked"


def test_each_point_is_drawn_as_its_own_image(nb):
    wait_images(nb)
    info = nb.handle("h.images()")
    assert info["atlases"] == 1 and info["cell"] == [16, 16]
    assert nb.py_json("[p.show_images, len(p._atlases), p.image_manifest['count']]") == [
        True,
        1,
        N,
    ]
    assert_own_images(nb, range(N))
    # The image-size control appears (the points have images) and says the size.
    nb.unfold("Points and labels")
    controls = nb.view.locator(".nbp-image-controls")
    assert controls.is_visible()
    assert nb.view.locator(".nbp-show-images").is_checked()


def test_selection_fades_the_others_and_keeps_every_image(nb):
    wait_images(nb)
    nb.py("p.selection = [5, 20]")
    nb.view.locator(".nbp-selection-summary", has_text="2 selected").wait_for()
    wait_images(nb)
    pixels, xy = screen(nb)
    bg = background(pixels)
    for i in range(N):
        rgb = at(pixels, xy[i][0] + SIZE / 10, xy[i][1] + SIZE / 10)
        expected = PALETTE[i] if i in (5, 20) else 0.75 * bg + 0.25 * PALETTE[i]
        assert np.abs(rgb - expected).max() <= 4, (i, rgb, expected)
    nb.py("p.selection = []")
    nb.view.locator(".nbp-selection-summary", has_text="Nothing selected").wait_for()


def test_isolating_a_subset_keeps_each_point_with_its_image(nb):
    wait_images(nb)
    rows = list(range(1, N, 3))
    nb.py(f"p.isolate({rows})")
    nb.wait_for(f"h.hidden() === {N - len(rows)}")
    wait_images(nb)
    assert_own_images(nb, rows)
    pixels, xy = screen(nb)
    # Hidden points draw nothing where they would be (unless a shown one is there).
    shown = xy[rows]
    for i in set(range(N)) - set(rows):
        if np.isfinite(xy[i]).all() and np.hypot(*(shown - xy[i]).T).min() > SIZE:
            assert nearest_colour(at(pixels, *xy[i] + SIZE / 10)) != i
    nb.py("p.show_all()")
    nb.wait_for("h.hidden() === 0")
    wait_images(nb)
    assert_own_images(nb, range(N))


def test_switching_to_dots_and_back(nb):
    wait_images(nb)
    nb.unfold("Points and labels")
    toggle = nb.view.locator(".nbp-show-images")
    toggle.click()
    wait_images(nb, "dots")
    assert nb.eventually("p.show_images", False) is False
    pixels, xy = screen(nb)
    bg = background(pixels)
    # Dots are a few px wide: the image's opaque corner is background now.
    off = [at(pixels, x + SIZE / 4, y + SIZE / 4) for x, y in xy]
    assert sum(np.abs(c - bg).max() <= 3 for c in off) >= N - 2
    toggle.click()
    wait_images(nb)
    assert nb.eventually("p.show_images", True) is True
    assert_own_images(nb, range(N))
    # From Python too.
    nb.py("p.show_images = False")
    wait_images(nb, "dots")
    nb.py("p.show_images = True")
    wait_images(nb)
    assert_own_images(nb, range(N))


def test_image_size_control(nb):
    wait_images(nb)
    nb.unfold("Points and labels")
    slider = nb.view.locator("input.nbp-image-size")
    slider.fill("20")
    assert nb.eventually("p.image_size", 20.0) == 20.0
    wait_images(nb)
    assert_own_images(nb, range(N), size=20)
    pixels, xy = screen(nb)
    bg = background(pixels)
    # 14 px right and below the centre was inside a 40 px image; a 20 px one ends at 10.
    assert all(np.abs(at(pixels, x + 14, y + 14) - bg).max() <= 3 for x, y in xy)
    nb.py(f"p.image_size = {SIZE}")
    nb.wait_for(f"document.querySelector('input.nbp-image-size').value === '{SIZE}'")
    wait_images(nb)
    assert_own_images(nb, range(N))


def test_hovered_and_selected_images_are_drawn_in_front(nb):
    wait_images(nb)
    nb.py("p.image_size = 100")  # larger than the grid's spacing: neighbours overlap
    nb.wait_for("document.querySelector('input.nbp-image-size').value === '100'")
    wait_images(nb)
    _, xy = screen(nb)
    box = nb.view.locator(".nbp-canvas canvas").first.bounding_box()
    # Two neighbours on screen and a spot both images cover (below the centre line: the
    # transparent quadrant is the top-left one).
    a = 9
    b = int(np.argsort(np.hypot(*(xy - xy[a]).T))[1])
    spot = (xy[a] + xy[b]) / 2 + [0, 8]

    def shown_at_spot() -> int:
        pixels, _ = screen(nb)
        return nearest_colour(at(pixels, *spot))

    for front in (a, b):
        nb.py(f"p.selection = [{front}]")
        nb.view.locator(".nbp-selection-summary", has_text="1 selected").wait_for()
        wait_images(nb)
        assert shown_at_spot() == front
        nb.py("p.selection = []")
        nb.view.locator(".nbp-selection-summary", has_text="Nothing selected").wait_for()
        nb.page.mouse.move(box["x"] + xy[front][0], box["y"] + xy[front][1])
        nb.wait_for(f"h.hovered() === {front}")
        nb.settle()
        assert shown_at_spot() == front
    nb.py(f"p.image_size = {SIZE}")
    nb.wait_for(f"document.querySelector('input.nbp-image-size').value === '{SIZE}'")
    wait_images(nb)


def test_3d_draws_images_too(nb):
    nb.py("p.project('pca', components=(1, 2, 3)).wait()")
    nb.wait_for("h.dims() === 3")
    wait_images(nb)
    # Perspective: images nearer the camera are larger and may cover others' centres.
    assert_own_images(nb, range(N), size=SIZE * 0.8, min_gap=SIZE * 1.3)
    nb.py("p.project('pca', components=(1, 2)).wait()")
    nb.wait_for("h.dims() === 2")
    wait_images(nb)


def test_more_images_than_one_atlas_holds(nb):
    # 16 px cells in 64 px textures: 16 images an atlas, 3 atlases for 48 images.
    nb.py("p.max_texture_size = 64")
    wait_images(nb, atlases=3)
    assert nb.py_json("[p.image_manifest['atlases'], p.image_manifest['per_atlas']]") == [3, 16]
    assert_own_images(nb, range(N))


def test_a_smaller_browser_limit_asks_python_for_smaller_atlases(nb):
    nb.py("p.max_texture_size = 8192")
    wait_images(nb, atlases=1)
    # As if this browser's MAX_TEXTURE_SIZE were 32: the 128 x 96 px atlas does not fit, so
    # the page asks Python to rebuild at 32 px (4 images an atlas, 12 atlases).
    nb.handle("h.setTextureLimit(32)")
    wait_images(nb, atlases=12)
    assert nb.py_json("[p.max_texture_size, p.image_manifest['atlases']]") == [32, 12]
    assert_own_images(nb, range(N))
    nb.handle("h.setTextureLimit(null)")


def test_neighbour_list_and_card_show_the_images(nb):
    wait_images(nb)
    _, xy = screen(nb)
    box = nb.view.locator(".nbp-canvas canvas").first.bounding_box()
    i = 9
    nb.page.mouse.click(box["x"] + xy[i][0] + SIZE / 10, box["y"] + xy[i][1] + SIZE / 10)
    nb.wait_for(f"h.focus() === {i}")
    nb.page.wait_for_function(
        "() => document.querySelectorAll('.nbp-neighbors-list li canvas.nbp-thumb[data-drawn]')"
        ".length > 5"
    )
    # Each thumbnail is its own point's image: read the canvas' opaque and clear corners.
    read = """(selector) => Array.from(document.querySelectorAll(selector)).map(c => {
        const g = c.getContext('2d'), w = c.width, h = c.height;
        const px = (x, y) => Array.from(g.getImageData(x, y, 1, 1).data);
        return [Number(c.dataset.index), px(w * 3 / 4, h * 3 / 4), px(w / 4, h / 4)]; })"""
    listed = nb.page.evaluate(read, ".nbp-neighbors-list li canvas.nbp-thumb[data-drawn]")
    card = nb.page.evaluate(read, ".nbp-card-image canvas.nbp-thumb[data-drawn]")
    assert [index for index, _, _ in card] == [i], "the card shows no image, or another's"
    items = nb.view.locator(".nbp-neighbors-list li").evaluate_all(
        "items => items.map(li => Number(li.dataset.index))"
    )
    assert [index for index, _, _ in listed] == items[: len(listed)]
    for index, opaque, clear in listed + card:
        assert opaque[:3] == PALETTE[index].tolist() and opaque[3] == 255, (index, opaque)
        assert clear[3] == 0, (index, clear)
    nb.view.locator(".nbp-clear-selection").click()
