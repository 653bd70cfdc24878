"""Bookmarks in a real browser: add from the panel, restore, play back, survive a reload,
appear when saved from Python, and bring back the distance chosen in the inspector."""

from __future__ import annotations

import json

import numpy as np

from .harness import READY, changed_share, notebook_fixture

CELLS = [
    "import numpy as np\n"
    "from sklearn.datasets import load_digits\n"
    "from nbprojector import Projector\n"
    "d = load_digits()\n"
    "p = Projector(d.data, {'digit': d.target}, height=640)\n"
    "p",
]


nb = notebook_fixture("bookmarks.ipynb", CELLS)


def panel(nb):
    return nb.view.locator(".nbp-section", has=nb.page.locator(".nbp-bookmarks"))


def names(nb):
    return panel(nb).locator(".nbp-bookmark-name").all_inner_texts()


def wait_names(nb, expected):
    nb.page.wait_for_function(
        "(expected) => JSON.stringify([...document.querySelectorAll('"
        + READY
        + " .nbp-bookmark-name')].map(b => b.textContent)) === JSON.stringify(expected)",
        arg=expected,
    )


def test_add_restore_and_play(nb):
    nb.settle()
    first = nb.handle("h.positions()")
    first_pixels = nb.canvas_pixels()
    panel(nb).locator("button.nbp-bookmark-add").click()
    wait_names(nb, ["State 1"])
    # A second view in another projection (2D PCA from the panel).
    nb.view.locator(".nbp-tab-body[data-method='pca'] button.nbp-dims[data-dims='2']").click()
    nb.wait_for("h.dims() === 2")
    nb.settle()
    second = nb.handle("h.positions()")
    assert second != first
    panel(nb).locator("button.nbp-bookmark-add").click()
    wait_names(nb, ["State 1", "State 2"])

    # Restore the first: the page draws its positions, and Python agrees.
    panel(nb).locator(".nbp-bookmark-name", has_text="State 1").click()
    nb.wait_for("h.dims() === 3")
    nb.settle()
    assert nb.handle("h.positions()") == first
    python = json.loads(nb.py("from nbprojector.codec import decode_positions\n"
                "print(decode_positions(p._positions).ravel().tolist())"))
    assert np.allclose(python, first)
    assert changed_share(nb.canvas_pixels(), first_pixels) < 0.01

    # Play back through both: the layout alternates and the current bookmark moves.
    layout = int(nb.view.get_attribute("data-layout"))
    panel(nb).locator("input.nbp-bookmark-interval").fill("0.5")
    panel(nb).locator("button.nbp-bookmark-play").click()
    nb.page.wait_for_function(
        f"() => Number(document.querySelector('{READY}').dataset.layout) >= {layout + 2}",
        timeout=30_000,
    )
    panel(nb).locator("button.nbp-bookmark-play").click()  # stop
    assert panel(nb).locator(".nbp-bookmark.nbp-current").count() == 1
    # Step back and forward.
    panel(nb).locator("button.nbp-bookmark-next").click()
    nb.page.wait_for_timeout(300)
    nb.settle()
    current = panel(nb).locator(".nbp-bookmark.nbp-current .nbp-bookmark-name").inner_text()
    expected = first if current == "State 1" else second
    assert nb.handle("h.positions()") == expected


def test_bookmark_from_python_appears_and_renames(nb):
    nb.py("p.add_bookmark('from python')")
    wait_names(nb, ["State 1", "State 2", "from python"])
    row = panel(nb).locator(".nbp-bookmark").nth(2)
    row.locator("button.nbp-bookmark-rename").click()
    row.locator("input.nbp-bookmark-rename-input").fill("renamed")
    row.locator("input.nbp-bookmark-rename-input").press("Enter")
    wait_names(nb, ["State 1", "State 2", "renamed"])
    assert "renamed" in nb.py("print([b['name'] for b in p.bookmarks])")


def test_bookmarks_survive_a_page_reload(nb):
    nb.save_and_reload()
    wait_names(nb, ["State 1", "State 2", "renamed"])


def test_a_bookmark_restores_the_distance(nb):
    metric = nb.view.locator("select.nbp-metric")  # the inspector's Distance menu
    metric.select_option("euclidean")
    assert nb.eventually("p.metric", "euclidean") == "euclidean"
    before = names(nb)
    panel(nb).locator("button.nbp-bookmark-add").click()
    nb.page.wait_for_function(
        f"() => document.querySelectorAll('{READY} .nbp-bookmark-name').length"
        f" === {len(before) + 1}"
    )
    metric.select_option("cosine")
    assert nb.eventually("p.metric", "cosine") == "cosine"

    panel(nb).locator(".nbp-bookmark-name").nth(len(before)).click()
    nb.page.wait_for_function(
        f"() => document.querySelector('{READY} select.nbp-metric').value === 'euclidean'"
    )
    assert metric.input_value() == "euclidean"
    assert nb.eventually("p.metric", "euclidean") == "euclidean"
