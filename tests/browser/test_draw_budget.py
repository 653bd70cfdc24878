"""The draw budget in a real browser: 20,000 points drawn as a sample of 2,000; a click lists
neighbours among all points, the undrawn ones marked; "Show these" draws them."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from .harness import notebook_fixture
from .test_view import background_share

N, BUDGET = 20_000, 2_000
CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "rng = np.random.default_rng(0)\n"
    f"kind = rng.integers(0, 6, {N})\n"
    "centres = rng.normal(scale=5, size=(6, 16))\n"
    f"emb = (centres[kind] + rng.normal(size=({N}, 16))).astype(np.float32)\n"
    f"p = Projector(emb, {{'word': [f'w{{i}}' for i in range({N})], 'kind': kind.astype(str)}},\n"
    f"              max_points={BUDGET}, height=560)\n"
    "p",
]

nb = notebook_fixture("draw_budget.ipynb", CELLS)


def loneliest_drawn_point(nb) -> tuple[int, list[float], float]:
    """The drawn point farthest on screen from any other drawn point, where it is, and that
    distance in px: a click there picks it and no other."""
    drawn = nb.handle("h.drawn()")
    xy = np.array(nb.handle("h.drawn().map((i) => h.clientPosition(i) ?? [NaN, NaN])"),
                  dtype=float)  # fmt: skip
    on = np.flatnonzero(np.isfinite(xy).all(axis=1))
    gaps, _ = cKDTree(xy[on]).query(xy[on], k=2)  # the nearest other point is the 2nd hit
    k = int(np.argmax(gaps[:, 1]))
    return drawn[on[k]], list(xy[on[k]]), float(gaps[k, 1])


def assert_draws_the_budget(nb, n: int, budget: int) -> list[int]:
    """The view says it draws ``budget`` of ``n`` points and shows them, and Python's
    ``p.drawn`` names the same points: those points."""
    nb.settle()
    status = nb.view.locator(".nbp-status").inner_text()
    assert f"drawing {budget:,} of {n:,} points" in status
    assert nb.handle("h.count()") == budget
    assert background_share(nb.canvas_pixels()) < 0.995, "the canvas shows no points"
    drawn = nb.handle("h.drawn()")
    assert len(drawn) == budget and drawn == nb.py_json("p.drawn.tolist()")
    return drawn


def test_draws_the_budget_and_shows_undrawn_neighbours_on_demand(nb, tmp_path):
    drawn = assert_draws_the_budget(nb, N, BUDGET)

    # A click on a drawn point: its 100 nearest among ALL points, most of them not drawn.
    i, (x, y), gap = loneliest_drawn_point(nb)
    assert gap >= 6, "no drawn point stands apart on screen"
    nb.page.mouse.click(x, y)
    items = nb.view.locator(".nbp-neighbors-list li")
    nb.page.wait_for_function(
        "() => document.querySelectorAll('.nbp-neighbors-list li').length === 100"
    )
    listed = [int(v) for v in items.evaluate_all("els => els.map(e => e.dataset.index)")]
    expected = nb.py_json(f"p.neighbors({i}, k=100)['index'].tolist()")
    assert listed == expected
    undrawn = [j for j in listed if j not in set(drawn)]
    assert len(undrawn) > 50  # a 10% sample: most neighbours are not drawn
    marked = [int(v) for v in nb.view.locator(".nbp-neighbors-list li:has(.nbp-undrawn)")
              .evaluate_all("els => els.map(e => e.dataset.index)")]  # fmt: skip
    assert marked == undrawn
    # Undrawn points are listed with their labels (sent by Python), not as "#index".
    labels = items.locator(".nbp-item-label").all_inner_texts()
    assert labels == [f"w{j}" for j in listed]
    # Python sees the point and all its neighbours selected, undrawn ones included.
    assert nb.eventually("p.selection.tolist()", sorted([i, *listed])) == sorted([i, *listed])
    nb.page.screenshot(path=str(tmp_path / "before.png"))

    # "Show these": the undrawn neighbours are drawn, the budget holds.
    before = nb.canvas_pixels()
    section = nb.view.locator(".nbp-section", has=nb.page.locator(".nbp-neighbors-list"))
    show = section.locator("button.nbp-show-these")
    assert show.is_visible()
    show.click()
    nb.wait_for(f"h.drawn() && {undrawn!r}.every((j) => h.drawn().includes(j))", timeout=30_000)
    nb.settle()
    now = nb.handle("h.drawn()")
    assert len(now) == BUDGET and nb.handle("h.count()") == BUDGET
    assert now == nb.eventually("p.drawn.tolist()", now)
    assert set(listed) <= set(now) and i in now
    assert nb.view.locator(".nbp-neighbors-list .nbp-undrawn").count() == 0
    # The lists name the same points with their labels (the caption its focus), and no
    # list (the point card's fidelity lists included) marks a point drawn now.
    assert items.locator(".nbp-item-label").all_inner_texts() == [f"w{j}" for j in listed]
    assert f"nearest to w{i}:" in nb.view.locator(".nbp-neighbors-caption").inner_text()
    nb.page.wait_for_function(
        "() => document.querySelectorAll('.nbprojector .nbp-undrawn').length === 0"
    )
    assert not show.is_visible()
    # They are drawn where the layout puts them, on the canvas, and highlighted as neighbours.
    on_screen = [nb.handle(f"h.clientPosition({j})") for j in undrawn]
    assert all(p is not None for p in on_screen)
    after = nb.canvas_pixels()
    assert np.abs(after.astype(int) - before.astype(int)).sum(axis=2).astype(bool).mean() > 0.0005
    nb.page.screenshot(path=str(tmp_path / "after.png"))
    status = nb.view.locator(".nbp-status").inner_text()
    assert f"drawing {BUDGET:,} of {N:,} points" in status and "101 selected" in status


def test_search_lists_undrawn_matches_marked_and_shows_them(nb):
    nb.settle()
    box = nb.view.locator("input.nbp-search")
    nb.view.locator("select.nbp-search-column").select_option("word")
    nb.view.locator("button.nbp-regex").click()
    box.fill("^w1[0-9]{3}$")  # w1000 .. w1999: 1,000 matches, 100 listed
    box.press("Enter")
    nb.view.locator(".nbp-search-count", has_text="1,000 matches").wait_for()
    items = nb.view.locator(".nbp-search-list li")
    listed = [int(v) for v in items.evaluate_all("els => els.map(e => e.dataset.index)")]
    assert listed == list(range(1000, 1100))
    drawn = set(nb.handle("h.drawn()"))
    undrawn = [j for j in listed if j not in drawn]
    marked = [int(v) for v in nb.view.locator(".nbp-search-list li:has(.nbp-undrawn)")
              .evaluate_all("els => els.map(e => e.dataset.index)")]  # fmt: skip
    assert marked == undrawn and len(undrawn) > 50
    assert items.locator(".nbp-item-label").all_inner_texts() == [f"w{j}" for j in listed]
    # Every match is selected in Python, drawn or not.
    assert nb.eventually("len(p.selection)", 1000) == 1000
    section = nb.view.locator(".nbp-section", has=nb.page.locator(".nbp-search-list"))
    section.locator("button.nbp-show-these").click()
    nb.wait_for(f"{undrawn!r}.every((j) => h.drawn().includes(j))", timeout=30_000)
    assert nb.view.locator(".nbp-search-list .nbp-undrawn").count() == 0
    assert nb.handle("h.count()") == BUDGET
    assert set(listed) <= set(nb.eventually("p.drawn.tolist()", nb.handle("h.drawn()")))
