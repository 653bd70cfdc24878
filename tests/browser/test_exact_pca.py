"""A Lance source above the draw budget in a real browser: the PCA fitted on the drawn points
is drawn first and the status line says the exact PCA is running; when the exact pass ends
its layout replaces the sample's on screen. A second source with NaN rows among the undrawn
points keeps its sample drawn and shows the error in its status line, as Python raises it.

The background pass waits on a gate in the kernel (reads off the main thread wait for it),
so the test sees the sample's frame whatever the machine's speed."""

from __future__ import annotations

import numpy as np
import pytest

from .harness import READY, changed_share, notebook_fixture
from .test_view import background_share

pytest.importorskip("lance")

N, BUDGET = 20_000, 2_000
CELLS = [
    "import tempfile, threading\n"
    "import numpy as np, pyarrow as pa, lance\n"
    "from nbprojector import Projector\n"
    "from nbprojector.projections.pca import pca\n"
    "from nbprojector.sources.lance import LanceSource\n"
    "gate, _take = threading.Event(), LanceSource.take\n"
    "def gated(self, rows):\n"
    "    if threading.current_thread() is not threading.main_thread():\n"
    "        gate.wait(300)\n"
    "    return _take(self, rows)\n"
    "LanceSource.take = gated  # the exact pass waits until the test opens the gate\n"
    "rng = np.random.default_rng(3)\n"
    f"x = (rng.normal(0, 4, (8, 16))[rng.integers(0, 8, {N})] + rng.normal(0, 1, ({N}, 16)))\n"
    "x = x.astype('float32')\n"
    f"drawn = Projector(x, max_points={BUDGET}).drawn  # the seeded sample a source draws\n"
    f"undrawn = np.setdiff1d(np.arange({N}), drawn)\n"
    "x[undrawn[::2], 5] += 40; x[undrawn[1::2], 5] -= 40  # only the whole has this axis\n"
    "folder = tempfile.mkdtemp()\n"
    "def write(data, name):\n"
    "    vectors = pa.FixedSizeListArray.from_arrays(pa.array(data.ravel()), 16)\n"
    "    lance.write_dataset(pa.table({'vector': vectors, 'n': np.arange(len(data))}),\n"
    "                        f'{folder}/{name}', max_rows_per_file=5_000)\n"
    "    return f'{folder}/{name}'\n"
    "broken = x.copy(); broken[undrawn[[100, 700, 701]], 2] = np.nan\n"
    "good_path, broken_path = write(x, 'good.lance'), write(broken, 'broken.lance')",
    f"p = Projector(good_path, max_points={BUDGET}, height=420)\np",
    f"q = Projector(broken_path, max_points={BUDGET}, height=420)\n"
    "shown_q = bytes(q._positions)\nq",
]

nb = notebook_fixture("exact_pca.ipynb", CELLS)


def _status(nb, index: int) -> str:
    return nb.page.locator(READY).nth(index).locator(".nbp-status").inner_text()


def _wait_status(nb, index: int, text: str) -> None:
    nb.page.wait_for_function(
        "([sel, i, text]) => (document.querySelectorAll(sel)[i]?.querySelector('.nbp-status')"
        "?.textContent ?? '').includes(text)",
        arg=[READY, index, text],
        timeout=120_000,
    )


def test_the_drawn_sample_is_drawn_first_and_the_exact_pca_replaces_it(nb):
    nb.page.locator(READY).nth(1).wait_for()
    nb.settle()
    status = _status(nb, 0)
    assert f"drawing {BUDGET:,} of {N:,} points" in status
    assert f"PCA fitted on the {BUDGET:,} drawn points; exact PCA over all {N:,} running" in status
    sample = nb.canvas_pixels()
    assert background_share(sample) < 0.995, "the sample's layout is not drawn"
    np.testing.assert_allclose(nb.page_positions(), nb.python_positions(), atol=1e-6)
    assert nb.py_json("p.projection['exact']") is False

    nb.py("gate.set()")
    _wait_status(nb, 0, "PCA 3D")
    nb.page.wait_for_function(
        "([sel]) => !document.querySelector(sel).querySelector('.nbp-status')"
        ".textContent.includes('running')",
        arg=[READY],
        timeout=120_000,
    )
    nb.settle()
    exact = nb.canvas_pixels()
    assert changed_share(sample, exact) > 0.01, "the exact layout did not replace the sample"
    np.testing.assert_allclose(nb.page_positions(), nb.python_positions(), atol=1e-6)
    assert nb.py_json("p.projection['note']") == f"PCA over all {N:,} points (exact)"
    angle = float(nb.py(
        "from scipy.linalg import subspace_angles\n"
        "print(np.degrees(subspace_angles(p.coordinates.astype('f8'),"
        " pca(x, 3).scores.astype('f8')).max()))"
    ))  # fmt: skip
    assert angle < 1e-3


def test_nan_rows_among_the_undrawn_show_the_error_and_keep_the_sample(nb):
    nb.py("gate.set()")
    _wait_status(nb, 1, "failed:")
    status = _status(nb, 1)
    raised = nb.py("try:\n    q.coordinates\nexcept ValueError as e:\n    print(e)").strip()
    assert "broken.lance" in raised and "NaN or infinite values in 3 rows" in raised
    assert "drop or impute those rows" in raised
    assert raised in status  # the widget shows what Python raises
    assert background_share(nb.canvas_pixels(1)) < 0.995, "the sample's layout is gone"
    assert nb.py_json("q.projection['exact'] is False and bytes(q._positions) == shown_q")
