"""Compare two embeddings in a real browser: the data panel's control, the inspector's most
changed list and, for a clicked point, its neighbours in A and in B, all as Python says."""

from __future__ import annotations

from .harness import changed_share, notebook_fixture

CELLS = [
    "import numpy as np\n"
    "from sklearn.datasets import load_digits\n"
    "from nbprojector import Projector\n"
    "from nbprojector.neighbors import NeighborIndex\n"
    "d = load_digits()\n"
    "noisy = d.data + np.random.default_rng(0).normal(scale=2.0, size=d.data.shape)\n"
    "names = [f'<i>p{i}</i>' for i in range(len(d.target))]\n"
    "p = Projector({'early': noisy, 'late': d.data}, {'name': names}, height=480)\n"
    "p",
]

nb = notebook_fixture("compare.ipynb", CELLS)


def test_most_changed_and_the_a_b_lists_match_python(nb):
    view = nb.view
    view.locator("select.nbp-compare-a").select_option("early")
    view.locator("select.nbp-compare-b").select_option("late")
    view.locator("button.nbp-compare").click()
    items = view.locator(".nbp-most-changed li")
    items.nth(19).wait_for(timeout=120_000)
    assert items.count() == 20
    page_order = [int(i) for i in items.evaluate_all("els => els.map(e => e.dataset.index)")]
    python = nb.py_json("p.compare('early', 'late', k=10).head(20)['index'].tolist()")
    assert page_order == python
    summary = view.locator(".nbp-compare-summary").inner_text()
    mean = nb.py_json("float(p.compare('early', 'late', k=10)['change'].mean())")
    assert f"change by {round(mean * 100)}% on average" in summary
    assert items.first.locator(".nbp-item-label").inner_text() == f"<i>p{python[0]}</i>"

    chosen = python[2]
    items.nth(2).click()
    nb.wait_for(f"h.focus() === {chosen}")
    side_a = view.locator(".nbp-compare-a li")
    side_a.nth(9).wait_for()
    got_a = [int(i) for i in side_a.evaluate_all("els => els.map(e => e.dataset.index)")]
    got_b = [int(i) for i in view.locator(".nbp-compare-b li").evaluate_all(
        "els => els.map(e => e.dataset.index)")]  # fmt: skip
    want_a = nb.py_json(f"NeighborIndex(noisy).query({chosen}, 10, 'cosine').indices.tolist()")
    want_b = nb.py_json(f"NeighborIndex(d.data).query({chosen}, 10, 'cosine').indices.tolist()")
    assert got_a == want_a and got_b == want_b
    changes = "els => els.map(e => e.dataset.change)"
    kinds_a = side_a.evaluate_all(changes)
    kinds_b = view.locator(".nbp-compare-b li").evaluate_all(changes)
    assert kinds_a == ["kept" if i in want_b else "lost" for i in want_a]
    assert kinds_b == ["kept" if i in want_a else "gained" for i in want_b]
    counts = ["kept", "gained", "lost"]
    row = nb.py_json(f"[int(x) for x in p.compare('early', 'late', k=10)"
                     f".set_index('index').loc[{chosen}, {counts}]]")  # fmt: skip
    kept = sum(k == "kept" for k in kinds_a)
    assert row == [kept, 10 - kept, 10 - kept]
    caption = view.locator(".nbp-compare-a .nbp-compare-caption").inner_text()
    assert caption == f"early: {kept} kept, {10 - kept} lost"


def test_colour_by_neighbour_change_once_compared(nb):
    view = nb.view
    view.locator("select.nbp-compare-a").select_option("early")
    view.locator("select.nbp-compare-b").select_option("late")
    view.locator("button.nbp-compare").click()
    view.locator(".nbp-most-changed li").nth(19).wait_for(timeout=120_000)
    nb.settle()
    before = nb.canvas_pixels()
    view.locator("select.nbp-color-by").select_option(":neighbour change")
    caption = view.locator(".nbp-legend-caption", has_text="Neighbour change from early to late")
    caption.wait_for(timeout=60_000)
    assert view.locator(".nbp-gradient").count() == 1
    nb.page.wait_for_timeout(300)
    nb.settle()
    assert changed_share(before, nb.canvas_pixels()) > 0.001, "the colours did not change"
    assert nb.py("print(p.color_by)").strip() == ":neighbour change"

