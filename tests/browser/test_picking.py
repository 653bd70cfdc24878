"""Picking in a dense 3D cloud: the point a click picks is the one drawn in front at that
pixel, and the hovered point (drawn enlarged, on top) is the one a click there picks."""

from __future__ import annotations

import math

import numpy as np

from .harness import notebook_fixture

POINT_SIZE = 10
FOV_DEGREES = 45
FIT_RADIUS = 1.15  # layouts are fitted in [-1, 1]; the camera frames a little more

CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "cloud = np.random.default_rng(3).normal(size=(4000, 3)).astype('float32')\n"
    f"p = Projector(cloud, [f'p{{i}}' for i in range(4000)], point_size={POINT_SIZE}, height=520)\n"
    "p",
]

nb = notebook_fixture("picking.ipynb", CELLS)


def drawn_geometry(nb) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every point's page position (px), view depth and drawn radius (px), computed here from
    the layout and the camera (not from the page's own picking code)."""
    xy = np.array(nb.handle("h.clientPositions()"), dtype=float).reshape(-1, 2)
    positions = np.array(nb.handle("h.positions()"), dtype=float).reshape(-1, 3)
    camera = nb.handle("h.camera()")
    eye, target = np.array(camera["position"]), np.array(camera["target"])
    forward = (target - eye) / np.linalg.norm(target - eye)
    depth = (positions - eye) @ forward
    scale = FIT_RADIUS / math.tan(math.radians(FOV_DEGREES / 2))
    radius = POINT_SIZE * scale / depth / 2
    return xy, depth, radius


def trials(
    xy: np.ndarray, depth: np.ndarray, radius: np.ndarray, count: int
) -> list[tuple[int, float, float]]:
    """(point, x, y): a pixel inside point A's disc that is nearer the centre of a point B drawn
    behind A, where A is in front of every point covering that pixel. Trials are far apart, so
    one trial's selected (enlarged) point does not cover another's pixel."""
    found: list[tuple[int, float, float]] = []
    order = np.argsort(np.hypot(*(xy - np.nanmedian(xy, axis=0)).T))  # the dense middle first
    for a in order:
        if len(found) == count:
            break
        if any(math.hypot(xy[a, 0] - x, xy[a, 1] - y) < 60 for _, x, y in found):
            continue
        gap = np.hypot(*(xy - xy[a]).T)
        behind = np.flatnonzero((gap > 1.5) & (gap < 1.2 * radius[a]) & (depth > depth[a]))
        if not len(behind):
            continue
        b = behind[np.argmin(gap[behind])]
        x, y = xy[a] + 0.7 * (xy[b] - xy[a])  # nearer b's centre than a's, inside a's disc
        covering = np.flatnonzero(np.hypot(xy[:, 0] - x, xy[:, 1] - y) <= radius + 1.0)
        if (
            depth[covering].min() < depth[a]
            or np.hypot(x - xy[a, 0], y - xy[a, 1]) > 0.9 * radius[a]
        ):
            continue
        found.append((int(a), float(x), float(y)))
    return found


def test_click_picks_the_point_drawn_in_front_and_hovered(nb):
    nb.settle()
    xy, depth, radius = drawn_geometry(nb)
    chosen = trials(xy, depth, radius, 12)
    assert len(chosen) == 12, "the cloud should offer a dozen overlapping pairs"
    for a, x, y in chosen:
        nb.page.mouse.move(x, y)
        nb.wait_for(f"h.hovered() === {a}", timeout=5_000)
        # The hovered point is drawn in front, twice as large: a click where it is picks it.
        nb.page.keyboard.down("Shift")  # Shift adds the clicked point alone to the selection
        nb.page.mouse.click(x, y)
        nb.page.keyboard.up("Shift")
    want = sorted(a for a, _, _ in chosen)
    assert nb.eventually("sorted(p.selection.tolist())", want) == want
    nb.py("p.selection = []")


def test_hovered_point_wins_where_it_is_drawn_over_a_front_point(nb):
    """Once a point is hovered it is drawn over all others: a click anywhere on its enlarged
    disc picks it, even where a point nearer the camera lies under that pixel."""
    nb.settle()
    xy, depth, radius = drawn_geometry(nb)

    def covering(x: float, y: float) -> np.ndarray:
        return np.flatnonzero(np.hypot(xy[:, 0] - x, xy[:, 1] - y) <= radius + 1.0)

    for a in np.argsort(np.hypot(*(xy - np.nanmedian(xy, axis=0)).T)):
        if depth[covering(*xy[a])].min() < depth[a]:
            continue  # a is not the one drawn at its own centre
        gap = np.hypot(*(xy - xy[a]).T)
        # A point in front of `a` whose disc covers part of a's enlarged (hovered) disc but not
        # a's centre; the click goes where both are, nearer f's centre than a's.
        front = np.flatnonzero((gap > radius + 1.5) & (gap < 1.6 * radius[a]) & (depth < depth[a]))
        if len(front):
            f = front[0]
            x, y = xy[a] + 0.85 * radius[a] * (xy[f] - xy[a]) / gap[f]
            if np.hypot(x - xy[f, 0], y - xy[f, 1]) < radius[f] - 0.5:
                break
    else:
        raise AssertionError("no hovered-over-front pair in the cloud")
    nb.page.mouse.move(*xy[a])
    nb.wait_for(f"h.hovered() === {a}", timeout=5_000)
    # Between the two centres, on a's enlarged disc and on f's own: a is drawn there.
    nb.page.mouse.move(x, y)
    nb.page.wait_for_timeout(100)
    assert nb.handle("h.hovered()") == a
    nb.page.keyboard.down("Shift")
    nb.page.mouse.click(x, y)
    nb.page.keyboard.up("Shift")
    assert nb.eventually("p.selection.tolist()", [int(a)]) == [int(a)]
    nb.py("p.selection = []")
