"""Custom axes over a Lance source's text left on disk, in a real browser: a person types the
four queries in the Custom tab, sees each field's count among every point, runs it, and the
view draws the custom layout, placed as the axes computed from the vectors say."""

from __future__ import annotations

import numpy as np
import pytest

from .harness import changed_share, notebook_fixture

pytest.importorskip("lance")

N, D = 40_000, 8  # more distinct texts than a column held in memory may have (32,767)
TOPICS = ["cats", "dogs", "boats", "trains"]  # note i is about TOPICS[i % 4]
CELLS = [
    "import tempfile\n"
    "import numpy as np, pyarrow as pa, lance\n"
    "from nbprojector import Projector\n"
    f"n, d, topics = {N}, {D}, {TOPICS!r}\n"
    "rows = np.arange(n)\n"
    "x = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)\n"
    "x[:, 0] += 8 * (rows % 4)  # the topics apart along one dimension\n"
    "odd = rows // 4 % 2 == 1  # half of each topic\n"
    "x[:, 5] += 8 * odd  # odd and even notes apart along another dimension\n"
    "text = [f'chunk {i}: a note about {topics[i % 4]}, '\n"
    "        + ('odd' if odd[i] else 'even') for i in range(n)]\n"
    "table = pa.table({'text': pa.array(text, pa.string()),\n"
    "                  'vector': pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), d)})\n"
    "path = tempfile.mkdtemp() + '/notes.lance'\n"
    "lance.write_dataset(table, path)\n"
    "p = Projector(path, label_by='text', height=560)\n"
    "p",
]

nb = notebook_fixture("custom_disk.ipynb", CELLS)

EXPECTED = (
    "m = x.mean(0, dtype=np.float64)\n"
    "def axis(start, end):\n"
    "    v = x[end].mean(0, dtype=np.float64) - x[start].mean(0, dtype=np.float64)\n"
    "    return v / np.linalg.norm(v)\n"
    "ax = axis(rows % 4 == 0, rows % 4 == 2)  # cats -> boats, both even\n"
    "ay = axis(~odd, odd)\n"
    "expected = np.stack([(x - m) @ ax, (x - m) @ ay], axis=1)\n"
)


def test_custom_axes_typed_for_text_on_disk_are_drawn(nb, tmp_path):
    nb.settle()
    nb.page.wait_for_function(
        "() => document.querySelector('.nbp-status').textContent.includes('PCA')"
    )
    assert "text" not in nb.py_json("p.metadata.columns.tolist()")  # the text stays on disk
    before = nb.canvas_pixels()
    nb.page.screenshot(path=str(tmp_path / "pca.png"))

    nb.view.locator(".nbp-tab[data-method='custom']").click()
    tab = nb.view.locator(".nbp-tab-body[data-method='custom']")
    column = tab.locator("select.nbp-custom-column")
    assert "text" in column.locator("option").all_inner_texts()
    assert column.input_value() == "text"  # the labels' column, chosen at first
    tab.locator("input.nbp-custom-left").press_sequentially("cats")
    tab.locator("input.nbp-custom-right").press_sequentially("zebras")
    tab.locator(".nbp-count-right[data-count='0']").wait_for(timeout=60_000)
    assert tab.locator(".nbp-count-right").inner_text() == "no match among 40,000 points"
    assert tab.locator("button.nbp-run").is_disabled(), "the projection waits"
    tab.locator("input.nbp-custom-right").fill("")
    tab.locator("input.nbp-custom-right").press_sequentially("boats")
    tab.locator("input.nbp-custom-down").press_sequentially("even")
    tab.locator("input.nbp-custom-up").press_sequentially("odd")
    tab.locator(".nbp-count-up[data-count='20000']").wait_for(timeout=60_000)
    tab.locator(".nbp-count-right[data-count='10000']").wait_for(timeout=60_000)
    counts = [tab.locator(f".nbp-count-{f}").inner_text() for f in ("left", "right", "down", "up")]
    assert counts == ["10,000 of 40,000 points"] * 2 + ["20,000 of 40,000 points"] * 2
    tab.locator("button.nbp-run").click()

    nb.page.wait_for_function(
        "() => document.querySelector('.nbp-status').textContent.includes('Custom 2D')",
        timeout=120_000,
    )
    nb.wait_for("h.dims() === 2")
    nb.settle()
    record = nb.py_json("{k: p.projection[k] for k in ('method', 'params', 'counts', 'points')}")
    assert record == {
        "method": "custom",
        "params": {"column": "text", "regex": False, "left": "cats", "right": "boats",
                   "down": "even", "up": "odd"},
        "counts": {"Left": 10_000, "Right": 10_000, "Down": 20_000, "Up": 20_000},
        "points": N,
    }  # fmt: skip
    assert nb.py_json("p.progress['message']") == "custom projection done"
    # Python's layout is the one computed here from the vectors in memory.
    gap = nb.py(EXPECTED + "print(float(np.abs(p.coordinates - expected).max()))")
    assert float(gap) < 1e-3, gap

    # On screen: the topics from left to right in the order of their rows (cats, dogs,
    # boats, trains), the odd notes of each above its even ones.
    sample = list(range(0, N, 97))
    expected = np.array(nb.py_json(f"expected[{sample}].tolist()"))
    screen = np.array(nb.handle(f"{sample}.map((i) => h.clientPosition(i))"), dtype=float)
    assert np.isfinite(screen).all()
    assert np.corrcoef(expected[:, 0], screen[:, 0])[0, 1] > 0.999
    assert np.corrcoef(expected[:, 1], screen[:, 1])[0, 1] < -0.999  # screen y grows down
    after = nb.canvas_pixels()
    nb.page.screenshot(path=str(tmp_path / "custom.png"))
    assert changed_share(before, after) > 0.02
    # The pixels drawn: eight groups, four columns of two, with empty lanes between them.
    inside = after[3:-3, 3:-3].astype(int)  # the canvas without its frame
    lit = np.abs(inside - np.median(inside.reshape(-1, 3), axis=0)).sum(axis=2) > 60
    ys, xs = np.nonzero(lit)
    top, left, height, width = ys.min(), xs.min(), np.ptp(ys), np.ptp(xs)
    rows_lit = lit[top : top + height].mean(axis=1)
    columns_lit = lit[:, left : left + width].mean(axis=0)
    lanes = [rows_lit[height // 2]] + [columns_lit[width * k // 4] for k in (1, 2, 3)]
    groups = [rows_lit[height // 4], rows_lit[3 * height // 4]] + [
        columns_lit[width * (2 * k + 1) // 8] for k in range(4)]  # fmt: skip
    assert max(lanes) < 0.2 * min(groups), (lanes, groups)
