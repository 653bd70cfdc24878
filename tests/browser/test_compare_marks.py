"""A most-changed point's neighbours in A and in B, marked in the view: kept with a solid
green ring, lost with a dashed red ring, gained with a blue square, and a key saying which
is which; the sets are Python's, and they go with the focus and with the comparison.

The map shown is a third embedding of the same points, a jittered 8 x 8 grid, so the marked
points lie apart on screen (A and B are random vectors: their neighbours are anywhere on the
grid) and each mark's pixels can be read alone."""

from __future__ import annotations

import math

import numpy as np

from .harness import notebook_fixture

CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "rng = np.random.default_rng(3)\n"
    "gx, gy = np.meshgrid(np.arange(8.0), np.arange(8.0))\n"
    "grid = np.c_[gx.ravel(), gy.ravel(), rng.normal(scale=0.01, size=64)]\n"
    "a = rng.normal(size=(64, 16))\n"
    "b = a + rng.normal(scale=0.7, size=a.shape)\n"
    "p = Projector({'map': grid, 'a': a, 'b': b}, {'name': [f'p{i}' for i in range(64)]},\n"
    "              height=560)\n"
    "p.project('pca', components=(1, 2)).wait()\n"
    "p",
]

nb = notebook_fixture("compare_marks.ipynb", CELLS)

#: The marks' colours (scene/changeMarks.ts) and their ring's radius in CSS px (0.36 x 22).
COLOURS = {"kept": (0x2C, 0xA0, 0x2C), "lost": (0xD6, 0x27, 0x28), "gained": (0x1F, 0x77, 0xB4)}
RING = 0.36 * 22


def is_colour(pixel: np.ndarray, kind: str) -> bool:
    return bool(np.abs(pixel.astype(int) - np.array(COLOURS[kind])).max() <= 24)


def ring_samples(pixels: np.ndarray, centre: tuple[float, float], scale: float,
                 square: bool) -> list[np.ndarray]:  # fmt: skip
    """The pixels on a circle (or a square) of radius RING around ``centre`` (CSS px)."""
    out = []
    for step in range(48):
        angle = 2 * math.pi * (step + 0.5) / 48
        dx, dy = math.cos(angle), math.sin(angle)
        if square:  # onto the square's perimeter, Chebyshev radius RING
            most = max(abs(dx), abs(dy))
            dx, dy = dx / most, dy / most
        x, y = (centre[0] + RING * dx) * scale, (centre[1] + RING * dy) * scale
        out.append(pixels[round(y), round(x)])
    return out


def share(samples: list[np.ndarray], kind: str) -> float:
    return sum(is_colour(p, kind) for p in samples) / len(samples)


def screen_positions(nb, indices: list[int]) -> dict[int, tuple[float, float]]:
    """Each point's position relative to the canvas, in CSS px."""
    box = nb.view.locator("canvas").first.bounding_box()
    spots = {}
    for i in indices:
        x, y = nb.handle("h.clientPosition(arg)", i)
        spots[i] = (x - box["x"], y - box["y"])
    return spots


def compare_with_k(nb, k: int) -> dict:
    view = nb.view
    view.locator("select.nbp-compare-a").select_option("a")
    view.locator("select.nbp-compare-b").select_option("b")
    view.locator("input.nbp-compare-k").fill(str(k))
    view.locator("input.nbp-compare-k").press("Enter")
    view.locator("button.nbp-compare").click()
    view.locator(".nbp-most-changed li").nth(19).wait_for(timeout=120_000)
    return nb.py_json("p.comparison")


def test_a_most_changed_points_neighbours_are_marked_in_their_styles(nb):
    view = nb.view
    comparison = compare_with_k(nb, 5)
    # The control and its k fit the panel (nothing scrolls sideways).
    overflow = view.locator(".nbp-left").evaluate(
        """el => el.scrollWidth <= el.clientWidth ? null : [el.scrollWidth, el.clientWidth,
             [...el.querySelectorAll('*')].filter((c) => c.getBoundingClientRect().right >
               el.getBoundingClientRect().right + 1).slice(0, 5).map((c) =>
               c.className + ' ' + Math.round(c.getBoundingClientRect().width))]"""
    )
    assert overflow is None, overflow  # [scroll width, width, what sticks out]
    assert comparison["k"] == 5 and nb.py_json("p.compare_k") == 5
    # A point with neighbours of all three kinds.
    j, point = next((j, c) for j, c in enumerate(comparison["changed"]) if 0 < c["kept"] < 5)
    in_a, in_b = set(point["a"]), set(point["b"])
    want = {"kept": sorted(in_a & in_b), "lost": sorted(in_a - in_b),
            "gained": sorted(in_b - in_a)}  # fmt: skip
    # ... as Python's p.compare counts them.
    row = nb.py_json(f"[int(x) for x in p.compare('a', 'b').set_index('index')"
                     f".loc[{point['index']}, ['kept', 'lost', 'gained']]]")  # fmt: skip
    assert row == [len(want["kept"]), len(want["lost"]), len(want["gained"])]

    view.locator(".nbp-most-changed li").nth(j).click()
    nb.wait_for(f"h.focus() === {point['index']} && h.changeMarks() !== null")
    drawn = nb.handle("h.changeMarks()")
    assert {kind: sorted(drawn[kind]) for kind in want} == want
    nb.settle()
    pixels = nb.canvas_pixels()
    box = view.locator("canvas").first.bounding_box()
    scale = pixels.shape[1] / box["width"]
    key = view.locator(".nbp-change-key")
    assert key.is_visible()
    spots = screen_positions(nb, [i for kind in want for i in want[kind]])
    # A mark under the key (in the canvas's top right corner) is covered by it: not read.
    k = key.bounding_box()
    left, bottom = k["x"] - box["x"], k["y"] + k["height"] - box["y"]
    covered = {i for i, (x, y) in spots.items() if x + RING + 3 > left and y - RING - 3 < bottom}
    seen = {kind: [i for i in want[kind] if i not in covered] for kind in want}
    assert all(seen.values()), f"every mark of a kind is under the key: {covered}"
    for i in seen["kept"]:  # a solid green ring
        assert share(ring_samples(pixels, spots[i], scale, False), "kept") > 0.85, i
    for i in seen["lost"]:  # a red ring in dashes: red and gaps both
        lost = share(ring_samples(pixels, spots[i], scale, False), "lost")
        assert 0.3 < lost < 0.8, (i, lost)
    for i in seen["gained"]:  # a blue square: blue at its corners too, where no circle is
        assert share(ring_samples(pixels, spots[i], scale, True), "gained") > 0.85, i
        corner = pixels[round((spots[i][1] - RING) * scale),
                        round((spots[i][0] + RING) * scale)]  # fmt: skip
        assert is_colour(corner, "gained")
    # No mark around a point that is in neither list (nor the focus).
    others = [i for i in range(64) if i not in in_a | in_b | {point["index"]}][:6]
    for i, spot in screen_positions(nb, others).items():
        samples = ring_samples(pixels, spot, scale, False)
        assert not any(share(samples, kind) for kind in COLOURS), i

    rows = key.locator(".nbp-change-key-row").all_inner_texts()
    assert rows == [f"kept: near in a and b ({len(want['kept'])})",
                    f"lost: near in a only ({len(want['lost'])})",
                    f"gained: near in b only ({len(want['gained'])})"]  # fmt: skip

    # The focus goes (a click on an empty spot between grid points): so do the marks.
    first = spots[seen["kept"][0]]
    empty = (box["x"] + 4, box["y"] + box["height"] - 4)
    nb.page.mouse.click(*empty)
    nb.wait_for("h.focus() === -1 && h.changeMarks() === null")
    assert not key.is_visible()
    assert view.locator(".nbp-compare-detail li").count() == 0
    nb.settle()
    after = nb.canvas_pixels()
    assert share(ring_samples(after, first, scale, False), "kept") == 0

    # Chosen again, then the comparison goes (from Python): the marks go too.
    view.locator(".nbp-most-changed li").nth(j).click()
    nb.wait_for("h.changeMarks() !== null")
    nb.py("p.compare_embeddings = []")
    nb.wait_for("h.changeMarks() === null")
    assert not key.is_visible()
