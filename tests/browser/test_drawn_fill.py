"""A Lance source whose drawn sample is larger than its first part, in a real browser: the
first frame draws the first part only (the other drawn points hidden), then, with no reload,
every drawn point once the kernel has read their rows; then the exact PCA replaces it. The
points hidden until read are not isolated; the points the user isolates are, with their count.

The kernel's background reads wait on gates: the other drawn rows on the first, the exact
pass (once every drawn point is placed) on the second, so the test sees each stage."""

from __future__ import annotations

import numpy as np
import pytest

from .harness import READY, notebook_fixture
from .test_view import background_share

pytest.importorskip("lance")

N, BUDGET, FIRST = 20_000, 4_000, 400
CELLS = [
    "import tempfile, threading\n"
    "import numpy as np, pyarrow as pa, lance\n"
    "from nbprojector import Projector, draw_budget\n"
    "from nbprojector.sources.lance import LanceSource\n"
    f"draw_budget.FIRST_PART_POINTS = {FIRST}\n"
    "gate, exact_gate, _take = threading.Event(), threading.Event(), LanceSource.take\n"
    "def gated(self, rows):\n"
    "    if threading.current_thread() is not threading.main_thread():\n"
    "        gate.wait(300)\n"
    "        if globals().get('p') is not None and p.projection.get('filled'):\n"
    "            exact_gate.wait(300)  # the exact pass, after every drawn point is placed\n"
    "    return _take(self, rows)\n"
    "LanceSource.take = gated\n"
    "rng = np.random.default_rng(3)\n"
    f"x = (rng.normal(0, 4, (8, 16))[rng.integers(0, 8, {N})] + rng.normal(0, 1, ({N}, 16)))\n"
    "folder = tempfile.mkdtemp()\n"
    "vectors = pa.FixedSizeListArray.from_arrays(pa.array(x.astype('float32').ravel()), 16)\n"
    "lance.write_dataset(pa.table({'vector': vectors}), f'{folder}/v.lance')\n"
    "path = f'{folder}/v.lance'",
    f"p = Projector(path, max_points={BUDGET}, height=420)\np",
]

nb = notebook_fixture("drawn_fill.ipynb", CELLS)


def _status(nb) -> str:
    return nb.page.locator(READY).first.locator(".nbp-status").inner_text()


def _drawn_pixels(pixels: np.ndarray) -> float:
    return 1.0 - background_share(pixels)


def test_the_first_part_is_drawn_first_then_every_drawn_point(nb, tmp_path):
    nb.page.locator(READY).first.wait_for()
    nb.settle()
    assert nb.handle("h.count()") == BUDGET
    assert nb.handle("h.hidden()") == BUDGET - FIRST  # no coordinates yet: hidden
    status = _status(nb)
    assert f"drawing {BUDGET:,} of {N:,} points" in status
    assert f"reading the drawn points: {FIRST:,} of {BUDGET:,}" in status
    # Hidden until read is not isolated: nothing says so, "Show all" has nothing to show.
    assert "(isolated)" not in status
    nb.unfold("Inspector")
    assert "isolated" not in (nb.view.locator(".nbp-inspector").text_content() or "")
    assert nb.view.locator(".nbp-shown").is_hidden()
    assert nb.view.locator("button.nbp-show-all").is_disabled()
    first = nb.canvas_pixels()
    nb.page.screenshot(path=str(tmp_path / "first_part.png"))
    np.testing.assert_allclose(nb.page_positions(), nb.python_positions(), atol=1e-6)

    nb.py("gate.set()")
    nb.wait_for("h.hidden() === 0", timeout=120_000)
    nb.settle()
    assert nb.py_json("p.projection['filled'] and not p.projection['exact']")
    every = nb.canvas_pixels()
    nb.page.screenshot(path=str(tmp_path / "every_drawn.png"))
    assert _drawn_pixels(every) > 2 * _drawn_pixels(first), "the other drawn points are not drawn"
    np.testing.assert_allclose(nb.page_positions(), nb.python_positions(), atol=1e-6)
    assert f"PCA fitted on {FIRST:,} of the {BUDGET:,} drawn points" in _status(nb)

    nb.py("exact_gate.set()")
    nb.eventually("p.progress['state']", "done", timeout=120)
    assert nb.py_json("p.projection['note']") == f"PCA over all {N:,} points (exact)"
    nb.settle()
    assert nb.handle("h.hidden()") == 0 and nb.py_json("p.projection['exact']") is True
    np.testing.assert_allclose(nb.page_positions(), nb.python_positions(), atol=1e-6)

    # Points the user isolates are: the inspector and the status line say how many, and
    # "Show all" shows every point again.
    nb.py("p.selection = p.drawn[:30]")
    nb.view.locator("button.nbp-isolate", has_text="Isolate 30 points").click()
    nb.view.locator(".nbp-shown", has_text=f"Showing 30 of {N:,} points (isolated)").wait_for()
    nb.view.locator(".nbp-status", has_text="30 shown (isolated)").wait_for()
    assert nb.py_json("len(p.isolated)") == 30
    nb.page.screenshot(path=str(tmp_path / "isolated.png"))
    show_all = nb.view.locator("button.nbp-show-all")
    assert show_all.is_enabled()
    show_all.click()
    nb.view.locator(".nbp-shown").wait_for(state="hidden")
    assert nb.py_json("p.isolated is None") and show_all.is_disabled()
    assert "(isolated)" not in _status(nb)
