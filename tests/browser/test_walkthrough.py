"""The Embedding Projector guide's walk-through, as a new user does it: click a word, isolate
its neighbours, project them on an axis between two words outside them; PCA menus, progress
lines, a refused isolate and a stale search list on the way."""

from __future__ import annotations

import re

import numpy as np

from .harness import notebook_fixture
from .test_inspector import set_mode, wait_selection
from .test_projections import open_tab

N = 2000
# "good" and its family sit in one corner of the space; "worst" and "best" far from it, so
# neither is among the neighbours of any word of the family.
CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    f"rng = np.random.default_rng(3)\n"
    f"x = rng.normal(size=({N}, 32)).astype(np.float32)\n"
    f"words = np.array([f'w{{i}}' for i in range({N})], dtype=object)\n"
    "words[:3] = ['good', 'worst', 'best']\n"
    "x[0] += 8.0\n"
    "x[3:150] = x[0] + rng.normal(scale=0.3, size=(147, 32))\n"
    "x[1] -= 6.0\n"
    "x[2] += np.linspace(-6, 6, 32, dtype=np.float32)\n"
    "p = Projector(x, {'word': words}, height=700)\n"
    "p.project('pca', components=(1, 2))\n"
    "p",
]

nb = notebook_fixture("walkthrough.ipynb", CELLS)


def status(nb) -> str:
    return nb.view.locator(".nbp-status").inner_text()


def click_point(nb, i: int) -> int:
    """Click where point i is drawn; return the point focused (the front-most one there)."""
    nb.settle()
    x, y = nb.handle("h.clientPosition(arg)", i)
    nb.page.mouse.move(x, y)
    nb.page.mouse.click(x, y)
    nb.wait_for("h.focus() >= 0 && h.neighbors() !== null")
    return nb.handle("h.focus()")


def reset(nb, dims: int = 2) -> None:
    nb.py(f"p.show_all(); p.project('pca', components={tuple(range(1, dims + 1))}); "
          "p.selection = []")  # fmt: skip
    nb.wait_for(f"h.hidden() === 0 && h.dims() === {dims}")
    wait_selection(nb, 0)


def test_isolate_a_words_neighbours_then_project_them_on_an_axis_between_two_other_words(nb):
    set_mode(nb, "navigate")
    focus = click_point(nb, 0)
    assert focus < 150, "a word of the family around 'good' was clicked"
    wait_selection(nb, 101)
    neighbours = nb.handle("h.neighbors()")
    assert len(neighbours) == 100 and not {1, 2} & set(neighbours)

    # Isolate: the clicked word and its list stay.
    nb.view.locator("button.nbp-isolate", has_text="Isolate 101 points").click()
    nb.view.locator(".nbp-shown", has_text=f"Showing 101 of {N:,} points").wait_for()
    nb.wait_for(f"h.hidden() === {N - 101}")
    assert nb.handle("h.focus()") == focus
    assert sorted(nb.handle("h.neighbors()")) == sorted(neighbours)
    assert nb.view.locator(".nbp-neighbors-list .nbp-item").count() == 100
    wait_selection(nb, 101)

    # The Custom tab searches every point: the axis words are found although hidden.
    tab = open_tab(nb, "custom")
    tab.locator("select.nbp-custom-column").select_option("word")
    tab.locator("input.nbp-custom-left").fill("worst")
    tab.locator("input.nbp-custom-right").fill("best")
    tab.locator(".nbp-count-right[data-count='1']").wait_for()
    tab.locator(".nbp-count-left[data-count='1']").wait_for()
    assert tab.locator(".nbp-count-left").inner_text() == f"1 of {N:,} points"
    assert tab.locator(".nbp-count-right").inner_text() == f"1 of {N:,} points"
    run = tab.locator("button.nbp-run")
    assert run.is_enabled()
    run.click()
    tab.locator(".nbp-progress", has_text="custom projection done").wait_for()
    nb.wait_for("h.dims() === 2")
    nb.settle()
    assert "Custom 2D" in status(nb) and "101 shown (isolated)" in status(nb)

    # Python sees the layout: the isolated points on the axis from "worst" to "best".
    rows = nb.py_json("p.isolated.tolist()")
    assert nb.py_json("p.projection['method']") == "custom"
    assert nb.py_json("p.projection['points']") == 101
    assert nb.py_json("p.projection['counts']") == {"Left": 1, "Right": 1}
    expected = np.array(nb.py_json(
        "((x[p.isolated] - x.mean(0)) @ ((x[2] - x[1]) / np.linalg.norm(x[2] - x[1]))).tolist()"
    ))  # fmt: skip
    coords = np.array(nb.py_json("p.coordinates.tolist()"))[rows]
    np.testing.assert_allclose(coords[:, 0], expected, rtol=1e-3, atol=1e-3)
    # On screen: the x order of the points shown is that of the axis; they fill the view.
    xy = np.array(nb.handle("h.clientPositions()"), dtype=float).reshape(-1, 2)
    assert np.isfinite(xy[rows]).all()
    assert np.corrcoef(expected, xy[rows, 0])[0, 1] > 0.999
    box = nb.view.locator("canvas").first.bounding_box()
    assert np.ptp(xy[rows, 0]) > 0.4 * min(box["width"], box["height"])

    # Isolating part of it from Python: the clicked word stays, its list keeps those shown.
    part = sorted(neighbours)[:40]
    nb.py(f"p.isolate({[*part, focus]})")
    nb.wait_for(f"h.hidden() === {N - 41}")
    wait_selection(nb, 41)
    assert nb.handle("h.focus()") == focus
    assert sorted(nb.handle("h.neighbors()")) == part
    assert nb.view.locator(".nbp-neighbors-list .nbp-item").count() == 40
    assert nb.py_json("p.projection['method']") == "custom"

    # Showing all keeps the custom projection, on all points now.
    nb.view.locator("button.nbp-show-all").click()
    nb.wait_for("h.hidden() === 0")
    assert nb.py_json("p.projection['points']") == N
    assert nb.py_json("p.projection['method']") == "custom"


def test_pca_menus_swap_keep_z_and_show_the_variance_whole(nb):
    reset(nb, dims=3)
    tab = open_tab(nb, "pca")
    x, y, z = (tab.locator(f"select.nbp-pca-{a}") for a in "xyz")

    def components():
        return nb.py_json("p.projection['params']['components']")

    z.select_option("4")
    assert nb.eventually("p.projection['params']['components']", [1, 2, 4]) == [1, 2, 4]
    # X takes Y's component: the two swap, never "components must differ".
    x.select_option("2")
    assert nb.eventually("p.projection['params']['components']", [2, 1, 4]) == [2, 1, 4]
    assert (x.input_value(), y.input_value(), z.input_value()) == ("2", "1", "4")
    assert nb.view.locator(".nbp-message").is_hidden()
    # 2D, then 3D again: Z is the one chosen before.
    tab.locator("button.nbp-dims[data-dims='2']").click()
    assert nb.eventually("p.projection['params']['components']", [2, 1]) == [2, 1]
    tab.locator("button.nbp-dims[data-dims='3']").click()
    assert nb.eventually("p.projection['params']['components']", [2, 1, 4]) == [2, 1, 4]
    assert components() == [2, 1, 4] and z.input_value() == "4"
    # Each menu shows its choice whole: "Component #2 (4.1%)" fits in its box.
    for select in (x, y, z):
        text, room = select.evaluate(
            """el => {
                const c = document.createElement('canvas').getContext('2d');
                c.font = getComputedStyle(el).font;
                const text = el.options[el.selectedIndex].text;
                return [text, el.clientWidth - c.measureText(text).width];
            }"""
        )
        assert re.fullmatch(r"Component #\d+ \(\d+\.\d%\)", text), text
        assert room >= 16, f"{text!r} is cut ({room:.0f} px left for the arrow)"


def test_an_error_goes_once_the_state_it_is_about_changes(nb):
    reset(nb)
    tab = open_tab(nb, "tsne")
    tab.locator("input.nbp-perplexity").fill("100")
    tab.locator("input.nbp-iterations").fill("60")
    nb.settle()
    # Isolating 21 points under t-SNE of perplexity 100 is refused...
    nb.py("p.project('tsne', perplexity=100, n_iter=60).wait()")
    nb.wait_for("h.dims() === 2")
    set_mode(nb, "navigate")
    nb.view.locator("input[aria-label=\"Number of neighbours\"]").fill("20")
    nb.view.locator("input[aria-label=\"Number of neighbours\"]").press("Enter")
    focus = click_point(nb, 0)
    wait_selection(nb, 21)
    nb.view.locator("button.nbp-isolate", has_text="Isolate 21 points").click()
    message = nb.view.locator(".nbp-message")
    message.filter(has_text="cannot isolate 21 points").wait_for()
    # ... and the panel says what is so: nothing isolated, the word and its list still there.
    assert nb.py_json("p.isolated") is None and nb.handle("h.hidden()") == 0
    wait_selection(nb, 21)
    assert nb.handle("h.focus()") == focus and len(nb.handle("h.neighbors()")) == 20
    assert nb.view.locator(".nbp-neighbors-list .nbp-item").count() == 20
    # A search changes the selection: the error no longer applies and goes.
    nb.view.locator("input.nbp-search").fill("best")
    nb.view.locator(".nbp-search-count", has_text="1 match").wait_for()
    message.wait_for(state="hidden")
    nb.view.locator("input[aria-label=\"Number of neighbours\"]").fill("100")
    nb.view.locator("input[aria-label=\"Number of neighbours\"]").press("Enter")


def test_tsne_progress_says_the_iteration_and_pauses_at_it(nb):
    reset(nb)
    tab = open_tab(nb, "tsne")
    tab.locator("input.nbp-perplexity").fill("30")
    tab.locator("input.nbp-iterations").fill("1500")
    line = tab.locator(".nbp-progress")
    tab.locator("button.nbp-run").click()
    line.filter(has_text=re.compile(r"^iteration \d+ / 1,500$")).wait_for(timeout=120_000)
    assert re.search(r"iteration \d+ / 1,500", status(nb))
    tab.locator("button.nbp-pause").click()
    line.filter(has_text=re.compile(r"^paused at iteration \d+$")).wait_for()
    assert re.search(r"paused at iteration \d+", status(nb))
    tab.locator("button.nbp-pause", has_text="Resume").click()
    line.filter(has_text=re.compile(r"^iteration \d+ / 1,500$")).wait_for()
    line.filter(has_text="t-SNE done, 1,500 iterations").wait_for(timeout=300_000)
    assert nb.py_json("p.progress['message']") == "t-SNE done, 1,500 iterations"


def test_a_search_list_is_marked_stale_once_the_selection_changes_elsewhere(nb):
    reset(nb)
    search = nb.view.locator("input.nbp-search")
    search.fill("w19")
    count = nb.view.locator(".nbp-search-count", has_text="111 matches")
    count.wait_for()
    stale = nb.view.locator(".nbp-search-stale")
    assert stale.is_hidden()
    # A click elsewhere selects something else: the list says it is out of date.
    set_mode(nb, "navigate")
    click_point(nb, 1)
    stale.wait_for()
    assert "selection has changed" in stale.inner_text()
    assert "nbp-stale" in nb.view.locator(".nbp-search-list").get_attribute("class")
    # Searching again makes it true again.
    stale.locator("button", has_text="Search again").click()
    wait_selection(nb, 111)
    stale.wait_for(state="hidden")
    assert "nbp-stale" not in nb.view.locator(".nbp-search-list").get_attribute("class")
