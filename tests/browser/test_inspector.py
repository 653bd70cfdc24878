"""The inspector in a real browser: neighbours of a clicked point, search, region selection,
isolation, labels, and the selection seen from Python."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.datasets import load_digits

from .harness import READY, changed_share, notebook_fixture
from .test_view import isolated_point

NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
# The start of the digits notebooks' cell: scikit-learn's digits (`d`) and each digit's
# name (`names`).
DIGITS = (
    "import numpy as np\n"
    "from sklearn.datasets import load_digits\n"
    "from nbprojector import Projector\n"
    "d = load_digits()\n"
    f"names = {NAMES!r}\n"
)
CELLS = [
    DIGITS
    + "words = [f'{names[t]}_{i}' for i, t in enumerate(d.target)]\n"
    "p = Projector(d.data, {'word': words, 'digit': d.target}, label_by='word',\n"
    "              color_by='digit', height=560)\n"
    "events = []\n"
    "p.on_selection(lambda s: events.append(s.tolist()))\n"
    "p",
]


def digit_words() -> tuple[np.ndarray, list[str]]:
    """scikit-learn's digits and each one's word as the notebooks name it ("three_5")."""
    d = load_digits()
    return d.data, [f"{NAMES[t]}_{i}" for i, t in enumerate(d.target)]


@pytest.fixture(scope="module")
def digits():
    return digit_words()


nb = notebook_fixture("inspector.ipynb", CELLS)


def cosine_reference(x: np.ndarray, i: int) -> tuple[np.ndarray, np.ndarray]:
    """All other points by cosine distance to point i (float64), ties by index."""
    x = x.astype(np.float64)
    cos = x @ x[i] / (np.linalg.norm(x, axis=1) * np.linalg.norm(x[i]))
    dist = 1 - np.clip(cos, -1, 1)
    order = [j for j in np.lexsort((np.arange(len(x)), dist)) if j != i]
    return np.array(order), dist[order]


def client_positions(nb) -> np.ndarray:
    return np.array(nb.handle("h.clientPositions()"), dtype=float).reshape(-1, 2)


def drag(nb, path: list[tuple[float, float]], modifier: str | None = None) -> None:
    mouse = nb.page.mouse
    if modifier:
        nb.page.keyboard.down(modifier)
    mouse.move(*path[0])
    mouse.down()
    for x, y in path[1:]:
        mouse.move(x, y, steps=4)
    mouse.up()
    if modifier:
        nb.page.keyboard.up(modifier)


def set_mode(nb, mode: str) -> None:
    nb.view.locator(f"button.nbp-mode[data-mode='{mode}']").click()
    nb.wait_for(f"h.mode() === '{mode}'")


def wait_selection(nb, count: int) -> None:
    text = f"{count:,} selected" if count else "Nothing selected: click a point"
    nb.view.locator(".nbp-selection-summary", has_text=text).wait_for()


def test_click_lists_exact_neighbours_and_python_sees_them(nb, digits):
    x, words = digits
    nb.settle()
    nb.py("events.clear()")

    # A point apart from others on screen whose neighbours are unambiguous: no near-tie in
    # the first ten or at the 100th (exact ties go to the lower index on both sides).
    def clear_cut(j: int) -> bool:
        gaps = np.diff(cosine_reference(x, j)[1][:101])
        return gaps[99] > 1e-6 and bool(((gaps[:10] == 0) | (gaps[:10] > 1e-6)).all())

    i, (cx, cy) = isolated_point(nb, candidates=[j for j in range(0, 1797, 7) if clear_cut(j)])
    order, dist = cosine_reference(x, i)
    before = nb.canvas_pixels()
    nb.page.mouse.click(cx, cy)
    items = nb.view.locator(".nbp-neighbors-list li")
    nb.page.wait_for_function(
        "() => document.querySelectorAll('.nbp-neighbors-list li').length === 100"
    )
    shown = items.locator(".nbp-item-label").all_inner_texts()
    assert set(shown) == {words[j] for j in order[:100]}
    # Nearest first; the first ten in the reference's order, distances and angles as shown.
    assert shown[:10] == [words[j] for j in order[:10]]
    first = items.first.locator(".nbp-distance").inner_text()
    d0, angle0 = re.match(r"([\d.e-]+) · ([\d.]+)°", first).groups()
    assert float(d0) == pytest.approx(dist[0], rel=2e-3)
    assert float(angle0) == pytest.approx(np.degrees(np.arccos(1 - dist[0])), abs=0.06)
    caption = nb.view.locator(".nbp-neighbors-caption").inner_text()
    assert "cosine distance in the original space" in caption
    # Python sees the point and its neighbours selected, and the callback fired once.
    expected = sorted([i, *order[:100].tolist()])
    wait_selection(nb, 101)
    assert nb.eventually("p.selection.tolist()", expected) == expected
    assert nb.py_json("events") == [expected]
    assert nb.handle("h.focus()") == i
    assert sorted(nb.handle("h.neighbors()")) == sorted(order[:100].tolist())
    # The view shows it: others dimmed, labels for the focus and some neighbours.
    nb.settle()
    assert changed_share(before, nb.canvas_pixels()) > 0.005
    labelled = {p[0] for p in nb.handle("h.labelsPlaced()")}
    assert labelled and labelled <= set(expected)
    # Euclidean, then the spherized space: the list and its caption follow.
    nb.view.locator("select.nbp-metric").select_option("euclidean")
    captions = nb.view.locator(".nbp-neighbors-caption")
    captions.filter(has_text="euclidean distance in the original").wait_for()
    euclid = np.argsort(np.linalg.norm(x - x[i], axis=1), kind="stable")[1:4]
    assert items.locator(".nbp-item-label").all_inner_texts()[:3] == [words[j] for j in euclid]
    nb.view.locator("select.nbp-metric").select_option("cosine")
    nb.view.locator("input.nbp-spherize").check()
    captions.filter(has_text="cosine distance in the spherized").wait_for()
    assert nb.eventually("p.spherize", True)
    nb.view.locator("input.nbp-spherize").uncheck()
    nb.view.locator(".nbp-clear-selection").click()
    wait_selection(nb, 0)


# Page-side marks for one click: the frame count at pointerup, and the time and frame count
# when the neighbour list went in (data-neighbors-of names a point).
ARM_FRAMES = """(ready) => {
  const el = document.querySelector(ready);
  const h = el.__nbp;
  const marks = (window.__clickFrames = {});
  window.addEventListener('pointerup', () => {
    marks.up = performance.now();
    marks.atClick = h.frames();
  }, { once: true, capture: true });
  const observer = new MutationObserver(() => {
    const of = el.dataset.neighborsOf;
    if (marks.up === undefined || of === undefined || of === '-1') return;
    marks.listMs = performance.now() - marks.up;
    marks.atList = h.frames();
    observer.disconnect();
  });
  observer.observe(el, { attributes: true, attributeFilter: ['data-neighbors-of'] });
}"""


def click_marked(nb, i: int, xy: list[float]) -> dict:
    """Hover point i, let that frame be drawn, then click it: ARM_FRAMES' marks."""
    nb.page.mouse.move(*xy)
    nb.wait_for(f"h.hovered() === {i}")
    nb.settle()
    nb.page.evaluate(ARM_FRAMES, READY)
    nb.page.mouse.down()
    nb.page.mouse.up()
    nb.page.wait_for_function("() => window.__clickFrames.atList !== undefined")
    return nb.page.evaluate("() => window.__clickFrames")


def test_click_is_drawn_once_with_its_neighbours_and_never_waits_long(nb):
    """A click's frame waits for the neighbour list (one frame, not two, and the reply is not
    queued behind a frame), but at most ~150 ms: a slow kernel still sees the focus drawn."""
    nb.settle()
    i, xy = isolated_point(nb)
    marks = click_marked(nb, i, xy)
    if marks["listMs"] < 140:
        assert marks["atList"] == marks["atClick"], f"a frame was drawn before the list: {marks}"
    else:  # a loaded machine: the held frame was drawn when the wait ran out
        assert marks["atList"] == marks["atClick"] + 1, marks
    nb.wait_for(f"h.frames() > {marks['atList']}")  # then the view shows focus and neighbours
    nb.view.locator(".nbp-clear-selection").click()
    wait_selection(nb, 0)

    nb.py(
        "import time\n"
        "_fast = p._requests.handlers['neighbors']\n"
        "def _slow(*args):\n"
        "    time.sleep(0.8)\n"
        "    return _fast(*args)\n"
        "p._requests.handlers['neighbors'] = _slow"
    )
    try:
        j, xy = isolated_point(nb, candidates=range(3, 1797, 7))
        marks = click_marked(nb, j, xy)
        assert marks["listMs"] >= 600  # asked on press, a moment before the release
        assert marks["atList"] > marks["atClick"], "the focus waited for the slow reply"
    finally:
        nb.py("p._requests.handlers['neighbors'] = _fast")
    assert nb.handle("h.focus()") == j
    nb.view.locator(".nbp-clear-selection").click()
    wait_selection(nb, 0)


def test_neighbours_are_asked_for_on_press_and_a_drag_leaves_them(nb):
    nb.settle()
    nb.record_sends()
    i, (x, y) = isolated_point(nb, candidates=range(5, 1797, 7))
    nb.page.mouse.move(x, y)
    nb.wait_for(f"h.hovered() === {i}")
    nb.page.mouse.down()
    nb.page.wait_for_function(
        "() => window.__sends.filter((m) => m.kind === 'neighbors').length === 1"
    )
    assert [(m["index"], m["down"]) for m in nb.sends("custom", "neighbors")] == [(i, True)]
    nb.page.mouse.up()
    nb.wait_for(f"h.neighbors() !== null && h.focus() === {i}")
    assert len(nb.sends("custom", "neighbors")) == 1, "the click used the press's request"
    assert len(nb.handle("h.neighbors()")) == 100
    nb.view.locator(".nbp-clear-selection").click()
    wait_selection(nb, 0)
    # A drag that starts on a point turns the view; its early request shows nothing.
    j, (x, y) = isolated_point(nb, candidates=range(6, 1797, 7))
    nb.page.mouse.move(x, y)
    nb.page.mouse.down()
    nb.page.mouse.move(x + 60, y + 20, steps=6)
    nb.page.mouse.up()
    nb.page.wait_for_timeout(500)
    assert [m["index"] for m in nb.sends("custom", "neighbors")] == [i, j]
    assert nb.handle("h.focus()") == -1 and nb.handle("h.neighbors()") is None
    assert nb.view.get_attribute("data-neighbors-of") == "-1"
    nb.view.locator("button.nbp-reset").click()
    nb.settle()


def test_search_selects_matches_and_survives_a_bad_regex(nb, digits):
    _, words = digits
    search = nb.view.locator("input.nbp-search")
    nb.view.locator("button.nbp-regex").click()
    search.fill("(one")
    error = nb.view.locator(".nbp-search-error")
    error.wait_for()
    assert "invalid regular expression '(one'" in error.inner_text()
    assert nb.view.locator(".nbp-message").is_hidden(), "a search error stays in the search box"
    pattern = "^(one|two)_1"
    expected = [j for j, w in enumerate(words) if re.search(pattern, w, re.IGNORECASE)]
    search.fill(pattern)
    count = nb.view.locator(".nbp-search-count", has_text=f"{len(expected)} matches")
    count.wait_for()
    assert error.is_hidden()
    listed = nb.view.locator(".nbp-search-list li .nbp-item-label").all_inner_texts()
    assert listed == [words[j] for j in expected[:100]]
    wait_selection(nb, len(expected))
    assert nb.py_json("p.selection.tolist()") == expected
    # Hovering an entry highlights its point; clicking it focuses it.
    entry = nb.view.locator(".nbp-search-list li").nth(2)
    entry.hover()
    nb.wait_for(f"h.highlighted() === {expected[2]}")
    entry.click()
    nb.wait_for(f"h.focus() === {expected[2]}")
    wait_selection(nb, 101)
    search.fill("")
    nb.view.locator("button.nbp-regex").click()
    nb.view.locator(".nbp-clear-selection").click()
    wait_selection(nb, 0)


def inside_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd rule, vectorised over points (the test's own, independent of the page's)."""
    x, y = points[:, 0:1], points[:, 1:2]
    xa, ya = polygon[:, 0], polygon[:, 1]
    xb, yb = np.roll(xa, 1), np.roll(ya, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing = ((ya > y) != (yb > y)) & (x < (xb - xa) * (y - ya) / (yb - ya) + xa)
    return crossing.sum(axis=1) % 2 == 1


def test_rectangle_in_3d_selects_every_point_inside_occluded_too(nb):
    nb.settle()
    set_mode(nb, "rectangle")
    box = nb.view.locator("canvas").first.bounding_box()
    xy = client_positions(nb)
    # Over the dense middle, where points lie behind others.
    x0, y0 = box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.3
    x1, y1 = x0 + 0.3 * box["width"], y0 + 0.35 * box["height"]
    drag(nb, [(x0, y0), (x1, y1)])
    inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    near_edge = (
        (np.abs(xy[:, 0] - x0) < 1) | (np.abs(xy[:, 0] - x1) < 1)
        | (np.abs(xy[:, 1] - y0) < 1) | (np.abs(xy[:, 1] - y1) < 1)
    )  # fmt: skip
    count = nb.handle("h.lastRegion().count")
    nb.eventually("len(p.selection)", count)
    selected = set(nb.py_json("p.selection.tolist()"))
    assert inside.sum() > 200
    assert {j for j in np.flatnonzero(inside & ~near_edge)} <= selected
    assert selected <= set(np.flatnonzero(inside | near_edge).tolist())
    assert "points behind others included" in nb.view.locator(".nbp-region-note").inner_text()
    # Shift adds a second rectangle; Alt removes a third.
    x2 = x1 + 0.1 * box["width"]
    drag(nb, [(x1 + 5, y0), (x2, y1)], "Shift")
    added = len(selected) + nb.handle("h.lastRegion().count")
    wait_selection(nb, added)
    nb.eventually("len(p.selection)", added)
    drag(nb, [(x0 - 5, y0 - 5), (x2 + 5, (y0 + y1) / 2)], "Alt")
    nb.eventually(f"len(p.selection) < {added}", True)
    remaining = np.array(nb.py_json("p.selection.tolist()"), dtype=int)
    assert len(remaining) and (xy[remaining, 1] >= (y0 + y1) / 2 - 1).all()
    nb.view.locator(".nbp-clear-selection").click()
    wait_selection(nb, 0)
    set_mode(nb, "navigate")


def test_lasso_in_2d_and_sphere_in_3d(nb):
    nb.py("p.project('pca', components=(1, 2))")
    nb.wait_for("h.dims() === 2")
    nb.settle()
    set_mode(nb, "lasso")
    box = nb.view.locator("canvas").first.bounding_box()
    cx, cy, r = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, box["height"] * 0.3
    path = [(cx + r * np.cos(a), cy + r * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 7)]
    drag(nb, path)
    region = nb.handle("h.lastRegion()")
    assert region["mode"] == "lasso"
    wait_selection(nb, region["count"])
    polygon = np.array(region["shape"]).reshape(-1, 2) + np.array([box["x"], box["y"]])
    expected = np.flatnonzero(inside_polygon(client_positions(nb), polygon))
    assert len(expected) > 100
    assert nb.eventually("p.selection.tolist()", expected.tolist()) == expected.tolist()
    # The sphere is for 3D: press on a point, drag the radius.
    nb.py("p.project('pca', components=(1, 2, 3))")
    nb.wait_for("h.dims() === 3")
    nb.settle()
    set_mode(nb, "sphere")
    i, (px, py) = isolated_point(nb)
    drag(nb, [(px, py), (px + 60, py)])
    region = nb.handle("h.lastRegion()")
    assert region["mode"] == "sphere" and region["shape"][0] == i
    wait_selection(nb, region["count"])
    positions = np.array(nb.handle("h.positions()")).reshape(-1, 3)
    gap = np.linalg.norm(positions - positions[i], axis=1)
    expected = np.flatnonzero(gap <= region["shape"][1])
    assert len(expected) > 1
    assert nb.eventually("p.selection.tolist()", expected.tolist()) == expected.tolist()
    set_mode(nb, "navigate")
    nb.view.locator(".nbp-clear-selection").click()
    wait_selection(nb, 0)


def test_isolate_reruns_pca_on_the_subset_then_show_all(nb, digits):
    x, _ = digits
    nb.settle()
    rows = nb.py_json("p.neighbors(0, k=100)['index'].tolist() + [0]")
    rows = sorted(rows)
    before_coords = np.array(nb.py_json("p.coordinates.tolist()"))
    nb.py(f"p.selection = {rows}")
    wait_selection(nb, 101)
    before = nb.canvas_pixels()
    nb.view.locator("button.nbp-isolate", has_text="Isolate 101 points").click()
    nb.wait_for("h.hidden() === 1797 - 101")
    nb.view.locator(".nbp-shown", has_text="Showing 101 of 1,797 points").wait_for()
    nb.settle()
    assert nb.py_json("p.isolated.tolist()") == rows
    assert nb.py_json("p.selection.tolist()") == rows  # the isolated points stay selected
    # PCA of the subset alone: the shown coordinates match its own principal components.
    sub = x[rows] - x[rows].mean(axis=0)
    _, _, vt = np.linalg.svd(sub, full_matrices=False)
    coords = np.array(nb.py_json("p.coordinates.tolist()"))[rows]
    for c in range(3):
        assert abs(np.corrcoef(coords[:, c], sub @ vt[c])[0, 1]) > 0.999
    # What the page draws follows, filling the view; the hidden points are gone.
    drawn = np.array(nb.handle("h.positions()")).reshape(-1, 3)[rows]
    assert np.abs(drawn).max() == pytest.approx(1.0, abs=1e-4)
    after = nb.canvas_pixels()
    assert changed_share(before, after) > 0.01
    xy = client_positions(nb)
    assert np.isfinite(xy[rows]).all()
    nb.view.locator("button.nbp-show-all").click()
    nb.wait_for("h.hidden() === 0")
    nb.settle()
    assert nb.py_json("p.isolated is None")
    restored = np.array(nb.py_json("p.coordinates.tolist()"))
    np.testing.assert_allclose(restored, before_coords, atol=1e-4)
    nb.py("p.selection = []")
    wait_selection(nb, 0)


def test_python_selection_changes_pixels_and_labels(nb):
    nb.settle()
    base = nb.canvas_pixels()
    nb.py("p.selection = list(range(0, 1797, 9))")
    wait_selection(nb, 200)
    nb.settle()
    assert changed_share(base, nb.canvas_pixels()) > 0.005
    nb.py("p.selection = []")
    wait_selection(nb, 0)
    nb.settle()
    assert changed_share(base, nb.canvas_pixels()) < 0.001
    # All labels: many, none overlapping, drawn as pixels; bigger with the label size.
    nb.unfold("Points and labels")
    nb.view.locator("input.nbp-all-labels").check()
    nb.wait_for("h.labelsPlaced().length > 30")
    nb.settle()
    assert changed_share(base, nb.canvas_pixels()) > 0.01  # the labels are on the canvas
    rects = np.array(nb.handle("h.labelsPlaced()"))[:, 1:]
    for a in range(len(rects)):
        xa, ya, wa, ha = rects[a]
        b = rects[a + 1 :]
        overlap = (b[:, 0] < xa + wa) & (xa < b[:, 0] + b[:, 2])
        overlap &= (b[:, 1] < ya + ha) & (ya < b[:, 1] + b[:, 3])
        assert not overlap.any(), "labels overlap"
    assert nb.eventually("p.all_labels", True)
    nb.view.locator("input.nbp-label-size").fill("20")
    nb.page.wait_for_function("() => document.querySelector('.nbp-label-size').value === '20'")
    nb.wait_for("h.labelsPlaced().length > 0 && h.labelsPlaced()[0][4] >= 25")
    assert nb.eventually("p.label_size", 20)
    nb.py("p.all_labels = False; p.label_size = 12")
    nb.wait_for("h.labelsPlaced().length === 0")
