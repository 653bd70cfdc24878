"""The default layout in a 1280 x 900 JupyterLab window: one toolbar row, a canvas with room,
panels that fit without scrolling, side panels that fold away and stay so after a reload,
bookmark names that can be read."""

from __future__ import annotations

import pytest

from .harness import READY, RUN_ALL, close_notebook, open_notebook

CELLS = [
    "from sklearn.datasets import load_digits\n"
    "from nbprojector import Projector\n"
    "digits = load_digits()\n"
    "meta = {'digit': digits.target, 'ink': digits.data.sum(axis=1)}\n"
    "p = Projector(digits.data, meta, color_by='digit', images=digits.images / 16)\n"
    "p",
]

# The folds and panels a user chose are kept in the browser: start this module from none
# (once per tab: a reload keeps them, which is what is tested).
FRESH_LAYOUT = """if (!sessionStorage.getItem('layout-cleared')) {
  localStorage.removeItem('nbprojector.layout'); sessionStorage.setItem('layout-cleared', '1');
}"""

MEASURE = """(el) => {
  const box = (s) => el.querySelector(s).getBoundingClientRect();
  const controls = [...el.querySelectorAll('.nbp-toolbar button, .nbp-toolbar select')]
    .filter((c) => c.offsetParent).map((c) => c.getBoundingClientRect());
  const panel = (s) => { const p = el.querySelector(s); return [p.scrollHeight, p.clientHeight]; };
  return {
    toolbarRows: controls.every((c) => c.top < controls[0].bottom) ? 1 : 2,
    canvas: box('.nbp-canvas canvas').width,
    left: panel('.nbp-left'), right: panel('.nbp-right'),
    leftShown: !el.querySelector('.nbp-left').classList.contains('nbp-collapsed'),
  };
}"""


def open_in_fresh_layout(browser, server, name: str, cells: list[str]):
    """The notebook ``name`` of ``cells``, opened and run in a 1280 x 900 window with no
    folds or panels remembered from earlier tests."""
    server.write_notebook(name, cells)
    notebook = open_notebook(browser, server, name, init_script=FRESH_LAYOUT)
    notebook.page.set_viewport_size({"width": 1280, "height": 900})
    return notebook


@pytest.fixture(scope="module")
def nb(server, browser):
    notebook = open_in_fresh_layout(browser, server, "layout.ipynb", CELLS)
    yield notebook
    close_notebook(notebook)


def measure(nb) -> dict:
    nb.page.wait_for_timeout(300)  # the resize reaches the panels and the canvas
    return nb.view.evaluate(MEASURE)


def test_default_layout_fits_a_1280_x_900_window(nb):
    nb.settle()
    m = measure(nb)
    assert m["leftShown"]
    assert m["toolbarRows"] == 1, "the toolbar wraps"
    assert m["canvas"] >= 400, f"the canvas is only {m['canvas']} px wide"
    for side in ("left", "right"):
        scroll, client = m[side]
        assert scroll <= client, f"the {side} panel needs scrolling ({scroll} > {client} px)"
    # The whole widget is on screen, below the cell's code, without scrolling the page.
    bottom = nb.view.evaluate("el => el.getBoundingClientRect().bottom")
    assert bottom <= 900


@pytest.mark.parametrize("method", ["pca", "tsne", "umap", "custom"])
def test_every_projection_tab_fits_with_bookmarks_unfolded(nb, method):
    nb.settle()
    nb.unfold("Bookmarks")
    add = nb.view.locator("button.nbp-bookmark-add")
    assert add.is_visible()
    if nb.view.locator(".nbp-bookmark-name").count() == 0:  # one bookmark: its list and player
        add.click()
        nb.view.locator(".nbp-bookmark-name").first.wait_for()
    nb.view.locator(f".nbp-tab[data-method='{method}']").click()
    body = nb.view.locator(f".nbp-tab-body[data-method='{method}']")
    assert body.is_visible()
    m = measure(nb)
    scroll, client = m["left"]
    assert scroll <= client, f"the {method} tab needs scrolling ({scroll} > {client} px)"
    # The legend (a list that scrolls inside) gives way, but still shows two whole rows.
    legend, row = nb.view.evaluate(
        "e => [e.querySelector('.nbp-legend'), e.querySelector('.nbp-legend-row')]"
        ".map((x) => x.getBoundingClientRect().height)"
    )
    assert legend >= 2 * row - 1, f"the legend shows {legend / row:.1f} rows"
    # The tab's fields and the bookmark buttons below them are on screen in the panel.
    panel = nb.view.locator(".nbp-left").bounding_box()
    for part in (body, nb.view.locator("button.nbp-bookmark-add")):
        box = part.bounding_box()
        assert box["y"] + box["height"] <= panel["y"] + panel["height"] + 1
    nb.view.locator(".nbp-tab[data-method='pca']").click()


def test_panel_folds_away_and_stays_so_after_reload(nb):
    before = measure(nb)["canvas"]
    nb.view.locator("button.nbp-toggle-left").click()
    after = measure(nb)
    assert not after["leftShown"] and after["canvas"] > before + 150
    assert nb.view.locator("button.nbp-toggle-left").get_attribute("aria-pressed") == "false"
    # Reload the page and run the notebook again: the panel is still folded away.
    nb.page.reload()
    nb.page.wait_for_function("() => window.jupyterapp !== undefined")
    nb.page.evaluate(RUN_ALL)
    nb.page.locator(READY).first.wait_for(state="visible", timeout=180_000)
    nb.settle()
    again = measure(nb)
    assert not again["leftShown"] and again["canvas"] == pytest.approx(after["canvas"], abs=2)
    nb.view.locator("button.nbp-toggle-left").click()
    shown = measure(nb)
    assert shown["leftShown"] and shown["canvas"] == pytest.approx(before, abs=2)


def test_section_folds_by_its_heading(nb):
    data = nb.view.locator(".nbp-section", has=nb.page.locator(".nbp-label-by"))
    label_by = nb.view.locator("select.nbp-label-by")
    assert label_by.is_visible()
    data.locator("button.nbp-section-toggle").click()
    assert label_by.is_hidden()
    assert data.locator("button.nbp-section-toggle").get_attribute("aria-expanded") == "false"
    data.locator("button.nbp-section-toggle").click()
    assert label_by.is_visible()


def test_renamed_bookmark_name_is_readable(nb):
    bookmarks = nb.view.locator(".nbp-section", has=nb.page.locator(".nbp-bookmarks"))
    bookmarks.locator("button.nbp-bookmark-add").click()
    name = bookmarks.locator(".nbp-bookmark-name").first
    name.wait_for()
    # A name is a list entry, not a text field: no box around it.
    assert name.evaluate("e => getComputedStyle(e).borderTopWidth") == "0px"
    name.dblclick()  # rename it in place
    field = bookmarks.locator("input.nbp-bookmark-rename-input")
    field.fill("2D selection")
    field.press("Enter")
    renamed = bookmarks.locator(".nbp-bookmark-name", has_text="2D selection")
    renamed.wait_for()
    assert renamed.inner_text() == "2D selection"
    shown, needed = renamed.evaluate("e => [e.clientWidth, e.scrollWidth]")
    assert shown >= needed, f"the name is cut: {shown} of {needed} px shown"
    assert needed >= 60  # the whole text is laid out, not an ellipsis
    assert "2D selection" in nb.py("print([b['name'] for b in p.bookmarks])")
    # The panels still fit with a bookmark in them.
    scroll, client = measure(nb)["left"]
    assert scroll <= client


def test_projection_tab_follows_a_projection_run_from_python(nb):
    tab = nb.view.locator(".nbp-tab[data-method='custom']")
    assert tab.get_attribute("aria-selected") == "false"
    nb.py("p.project('custom', left='^0$', right='^1$', column='digit', regex=True).wait()")
    nb.page.wait_for_function(
        "() => document.querySelector(\".nbp-tab[data-method='custom']\")"
        ".getAttribute('aria-selected') === 'true'"
    )
    assert nb.view.locator(".nbp-tab-body[data-method='custom']").is_visible()
    nb.py("p.project('pca', components=(1, 2, 3))")
    nb.page.wait_for_function(
        "() => document.querySelector(\".nbp-tab[data-method='pca']\")"
        ".getAttribute('aria-selected') === 'true'"
    )
