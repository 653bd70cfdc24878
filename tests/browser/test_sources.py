"""A Lance dataset on disk in a real browser: drawn from its vector column, its other columns
as the labels and colours, a click lists exact neighbours, the search box searches the
Arrow-backed text column, and Python reads rows through p.source (never p.vectors)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from .harness import changed_share, notebook_fixture
from .test_inspector import NAMES, cosine_reference, digit_words, wait_selection
from .test_view import background_share, isolated_point

pytest.importorskip("lance")

CELLS = [
    "import tempfile\n"
    "import numpy as np, pyarrow as pa, lance\n"
    "from sklearn.datasets import load_digits\n"
    "from nbprojector import Projector\n"
    "d = load_digits()\n"
    f"names = {NAMES!r}\n"
    "x = d.data.astype('float32')\n"
    "words = [f'{names[t]}_{i}' for i, t in enumerate(d.target)]\n"
    "path = tempfile.mkdtemp() + '/digits.lance'\n"
    "lance.write_dataset(pa.table({\n"
    "    'word': pa.array(words), 'digit': d.target,\n"
    "    'vector': pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), 64),\n"
    "}), path, max_rows_per_file=700)\n"
    "p = Projector(path, label_by='word', color_by='digit', height=560,\n"
    "              memory_budget=200 * 64 * 4 * 16)  # blocks of 200 rows\n"
    "p",
]


@pytest.fixture(scope="module")
def digits():
    return digit_words()


nb = notebook_fixture("lance_source.ipynb", CELLS)


def test_a_lance_source_is_drawn_labelled_and_coloured(nb):
    nb.settle()
    assert background_share(nb.canvas_pixels()) < 0.995, "the canvas shows no points"
    status = nb.view.locator(".nbp-status").inner_text()
    assert "1,797 points" in status and "64 dimensions" in status and "PCA 3D" in status
    assert nb.py("print(type(p.source).__name__, p.source.rows_per_chunk())").split() == [
        "LanceSource", "200"
    ]
    assert nb.py("print(list(p.metadata.columns))").strip() == "['word', 'digit']"
    legend = nb.view.locator(".nbp-legend-row")
    legend.first.wait_for()
    assert legend.count() == 10  # coloured by the source's digit column
    i, (x, y) = isolated_point(nb)
    nb.page.mouse.move(x, y)
    nb.wait_for(f"h.hovered() === {i}")
    tooltip = nb.view.locator(".nbp-tooltip")
    tooltip.wait_for()
    assert re.match(r"[a-z]+_\d+", tooltip.inner_text()).group(0) == nb.py(
        f"print(p.metadata['word'][{i}])"
    ).strip()
    nb.page.mouse.move(1, 1)
    message = nb.py("try:\n    p.vectors\nexcept Exception as e:\n    print(e)")
    assert "p.source.take(rows)" in message


def test_click_on_a_lance_point_lists_its_exact_neighbours(nb, digits):
    x, words = digits
    nb.settle()

    def clear_cut(j: int) -> bool:
        gaps = np.diff(cosine_reference(x, j)[1][:101])
        return gaps[99] > 1e-6 and bool(((gaps[:10] == 0) | (gaps[:10] > 1e-6)).all())

    i, (cx, cy) = isolated_point(nb, candidates=[j for j in range(0, 1797, 7) if clear_cut(j)])
    order, _ = cosine_reference(x, i)
    before = nb.canvas_pixels()
    nb.page.mouse.click(cx, cy)
    nb.page.wait_for_function(
        "() => document.querySelectorAll('.nbp-neighbors-list li').length === 100"
    )
    items = nb.view.locator(".nbp-neighbors-list li .nbp-item-label")
    shown = items.all_inner_texts()
    assert shown[:10] == [words[j] for j in order[:10]]
    assert set(shown) == {words[j] for j in order[:100]}
    expected = sorted([i, *order[:100].tolist()])
    wait_selection(nb, 101)
    assert nb.eventually("p.selection.tolist()", expected) == expected
    nb.settle()
    assert changed_share(before, nb.canvas_pixels()) > 0.005
    nb.view.locator(".nbp-clear-selection").click()
    wait_selection(nb, 0)


def test_the_search_box_searches_the_arrow_text_column(nb, digits):
    _, words = digits
    search = nb.view.locator("input.nbp-search")
    nb.view.locator("button.nbp-regex").click()
    pattern = "^(seven|nine)_1[0-4]"
    expected = [j for j, w in enumerate(words) if re.search(pattern, w, re.IGNORECASE)]
    search.fill(pattern)
    nb.view.locator(".nbp-search-count", has_text=f"{len(expected)} matches").wait_for()
    listed = nb.view.locator(".nbp-search-list li .nbp-item-label").all_inner_texts()
    assert listed == [words[j] for j in expected[:100]]
    wait_selection(nb, len(expected))
    assert nb.py_json("p.selection.tolist()") == expected
    # 1,797 distinct words: held as categories (a code a point), searched all the same.
    assert nb.py("print(p.metadata['word'].dtype.name)").strip() == "category"
    search.fill("")
    nb.view.locator("button.nbp-regex").click()
    nb.view.locator(".nbp-clear-selection").click()
    wait_selection(nb, 0)
