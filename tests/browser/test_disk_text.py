"""A Lance corpus whose text stays on disk, in a real browser: typing in the search box finds
points by their text among all of them (most not drawn, marked so), the list shows their
text, and "Show these" draws them; the text labels the points but is not offered as a
colour."""

from __future__ import annotations

import pytest

from .harness import notebook_fixture

pytest.importorskip("lance")

N, BUDGET, D = 200_000, 20_000, 8
# Every 10,007th chunk (from row 3) holds the word "needle": 20 of them, about 2 drawn.
NEEDLES = list(range(3, N, 10_007))
CELLS = [
    "import tempfile\n"
    "import numpy as np, pyarrow as pa, lance\n"
    "from nbprojector import Projector\n"
    f"n, d = {N}, {D}\n"
    "rows = np.arange(n)\n"
    "x = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)\n"
    "text = np.char.add(np.char.add('chunk ', rows.astype(str)), ': some words about it,')\n"
    "text = np.char.add(text, np.where(rows % 10_007 == 3, ' a needle', ' nothing'))\n"
    "table = pa.table({'text': pa.array(text.astype(object), pa.string()),\n"
    "                  'lang': pa.array(np.where(rows % 2, 'en', 'fr').astype(object)),\n"
    "                  'vector': pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), d)})\n"
    "path = tempfile.mkdtemp() + '/corpus.lance'\n"
    "lance.write_dataset(table, path)\n"
    f"p = Projector(path, label_by='text', max_points={BUDGET}, height=560)\n"
    "p",
]

nb = notebook_fixture("disk_text.ipynb", CELLS)


def test_search_finds_undrawn_points_by_their_text_on_disk_and_shows_them(nb, tmp_path):
    nb.settle()
    # The text stays on disk: not in p.metadata, listed as text, not offered as a colour.
    assert nb.py_json("list(p.metadata.columns)") == ["lang"]
    options = nb.view.locator("select.nbp-label-by option").all_inner_texts()
    [text] = [o for o in options if o.startswith("text (text, over ")]  # a lower bound
    assert int(text.split("over ")[1].split(" ")[0].replace(",", "")) >= 32_767, text
    colours = nb.view.locator("select.nbp-color-by option").all_inner_texts()
    assert "lang (2 values)" in colours and not any(o.startswith("text") for o in colours)
    nb.view.locator(".nbp-tab[data-method='custom']").click()  # custom axes: every column
    custom = nb.view.locator(".nbp-tab-body[data-method='custom'] select.nbp-custom-column")
    assert custom.locator("option").all_inner_texts() == ["lang", "text"]
    nb.view.locator(".nbp-tab[data-method='pca']").click()

    box = nb.view.locator("input.nbp-search")
    nb.view.locator("select.nbp-search-column").select_option("text")
    box.fill("NEEDLE")  # case-insensitive, as in memory
    box.press("Enter")
    nb.view.locator(".nbp-search-count", has_text=f"{len(NEEDLES)} matches").wait_for(
        timeout=120_000
    )
    items = nb.view.locator(".nbp-search-list li")
    listed = [int(v) for v in items.evaluate_all("els => els.map(e => e.dataset.index)")]
    assert listed == NEEDLES
    drawn = set(nb.handle("h.drawn()"))
    undrawn = [j for j in listed if j not in drawn]
    assert len(undrawn) >= 10  # a 10% sample: most needles are not drawn
    marked = [int(v) for v in nb.view.locator(".nbp-search-list li:has(.nbp-undrawn)")
              .evaluate_all("els => els.map(e => e.dataset.index)")]  # fmt: skip
    assert marked == undrawn
    # Each listed point is named by its text, read from disk for the undrawn ones.
    expected = [f"chunk {j}: some words about it, a needle" for j in listed]
    assert items.locator(".nbp-item-label").all_inner_texts() == expected
    assert nb.eventually("p.selection.tolist()", NEEDLES) == NEEDLES
    nb.page.screenshot(path=str(tmp_path / "found.png"))

    section = nb.view.locator(".nbp-section", has=nb.page.locator(".nbp-search-list"))
    section.locator("button.nbp-show-these").click()
    nb.wait_for(f"{undrawn!r}.every((j) => h.drawn().includes(j))", timeout=60_000)
    nb.settle()
    assert nb.view.locator(".nbp-search-list .nbp-undrawn").count() == 0
    assert nb.handle("h.count()") == BUDGET
    now = nb.handle("h.drawn()")
    assert set(NEEDLES) <= set(nb.eventually("p.drawn.tolist()", now, timeout=30))
    assert all(nb.handle(f"h.clientPosition({j})") is not None for j in undrawn)
    nb.page.screenshot(path=str(tmp_path / "shown.png"))
