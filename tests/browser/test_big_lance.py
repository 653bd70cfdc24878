"""A 2M-point Lance dataset in a real browser with a draw budget of 200,000: the view draws
the budget and says so, a click lists the clicked point's neighbours among all 2M points
(most of them not drawn, and marked so), and "Show these" draws them."""

from __future__ import annotations

import pytest

from .harness import notebook_fixture
from .test_draw_budget import assert_draws_the_budget, loneliest_drawn_point

pytest.importorskip("lance")

N, BUDGET, D = 2_000_000, 200_000, 16
# The dataset is written by the notebook's kernel once for the module (2M x 16 float32 is
# 128 MB on disk), in blocks, as a pipeline would; six clusters so the layout has shape.
CELLS = [
    "import tempfile\n"
    "import numpy as np, pyarrow as pa, lance\n"
    "from nbprojector import Projector\n"
    f"n, d, step = {N}, {D}, 250_000\n"
    "centres = np.random.default_rng(0).normal(scale=4, size=(6, d))\n"
    "def batches():\n"
    "    for start in range(0, n, step):\n"
    "        rng = np.random.default_rng(start)\n"
    "        rows = np.arange(start, start + step)\n"
    "        kind = rng.integers(0, 6, step)\n"
    "        x = (centres[kind] + rng.normal(size=(step, d))).astype(np.float32)\n"
    "        yield pa.record_batch({\n"
    "            'word': pa.array(np.char.add('w', rows.astype(str))),\n"
    "            'kind': pa.array(np.char.add('k', kind.astype(str))),\n"
    "            'vector': pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), d),\n"
    "        })\n"
    "schema = pa.schema({'word': pa.string(), 'kind': pa.string(),\n"
    "                    'vector': pa.list_(pa.float32(), d)})\n"
    "path = tempfile.mkdtemp() + '/big.lance'\n"
    "lance.write_dataset(pa.RecordBatchReader.from_batches(schema, batches()), path)\n"
    f"p = Projector(path, label_by='word', color_by='kind', max_points={BUDGET}, height=560)\n"
    "p",
]

nb = notebook_fixture("big_lance.ipynb", CELLS)


def test_a_2m_point_lance_source_draws_its_budget_and_shows_undrawn_neighbours(nb, tmp_path):
    # The drawn sample's PCA comes first; wait for the exact PCA that replaces it, so the
    # points clicked below stay where they were found.
    assert nb.py("print(p.coordinates.shape)").strip() == f"({N}, 3)"
    assert nb.py_json("p.projection['note']") == f"PCA over all {N:,} points (exact)"
    drawn = assert_draws_the_budget(nb, N, BUDGET)
    assert nb.py("print(type(p.source).__name__, p.n_points)").split() == ["LanceSource", str(N)]

    # A click on a drawn point lists its 100 nearest among all 2M points.
    i, (x, y), gap = loneliest_drawn_point(nb)
    assert gap >= 3, "no drawn point stands apart on screen"
    nb.page.mouse.click(x, y)
    items = nb.view.locator(".nbp-neighbors-list li")
    nb.page.wait_for_function(
        "() => document.querySelectorAll('.nbp-neighbors-list li').length === 100",
        timeout=120_000,
    )
    listed = [int(v) for v in items.evaluate_all("els => els.map(e => e.dataset.index)")]
    assert listed == nb.py_json(f"p.neighbors({i}, k=100)['index'].tolist()")
    drawn_set = set(drawn)
    undrawn = [j for j in listed if j not in drawn_set]
    assert len(undrawn) > 50  # a 10% sample: most neighbours are not drawn
    marked = [int(v) for v in nb.view.locator(".nbp-neighbors-list li:has(.nbp-undrawn)")
              .evaluate_all("els => els.map(e => e.dataset.index)")]  # fmt: skip
    assert marked == undrawn
    assert items.locator(".nbp-item-label").all_inner_texts() == [f"w{j}" for j in listed]
    assert nb.eventually("p.selection.tolist()", sorted([i, *listed])) == sorted([i, *listed])
    items.first.scroll_into_view_if_needed()
    nb.page.screenshot(path=str(tmp_path / "listed.png"))

    # "Show these" draws the undrawn neighbours; the budget holds.
    section = nb.view.locator(".nbp-section", has=nb.page.locator(".nbp-neighbors-list"))
    section.locator("button.nbp-show-these").click()
    nb.wait_for(f"{undrawn!r}.every((j) => h.drawn().includes(j))", timeout=60_000)
    nb.settle()
    now = nb.handle("h.drawn()")
    assert len(now) == BUDGET and nb.handle("h.count()") == BUDGET
    assert now == nb.eventually("p.drawn.tolist()", now, timeout=30)
    assert set(listed) <= set(now) and i in now
    assert nb.view.locator(".nbp-neighbors-list .nbp-undrawn").count() == 0
    # No list (the point card's fidelity lists included) marks a point drawn now.
    nb.page.wait_for_function(
        "() => document.querySelectorAll('.nbprojector .nbp-undrawn').length === 0",
        timeout=60_000,
    )
    assert all(nb.handle(f"h.clientPosition({j})") is not None for j in undrawn)
    status = nb.view.locator(".nbp-status").inner_text()
    assert f"drawing {BUDGET:,} of {N:,} points" in status and "101 selected" in status
    items.first.scroll_into_view_if_needed()
    nb.page.screenshot(path=str(tmp_path / "shown.png"))
