"""An approximate neighbour index in a real browser: once built from Python, a click lists
neighbours labelled "approximate (IVF-PQ, refined)" after the caption (exact before), and
Python's list for the same point says the same."""

from __future__ import annotations

import numpy as np
import pytest

from .harness import notebook_fixture
from .test_view import isolated_point

pytest.importorskip("lance", reason="Lance is not installed: pip install 'nbprojector[lance]'")

CELLS = [
    "import tempfile, pathlib\n"
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "rng = np.random.default_rng(0)\n"
    "centres = rng.normal(size=(8, 16)).astype(np.float32) * 3\n"
    "group = rng.integers(0, 8, 2000)\n"
    "x = centres[group] + rng.normal(scale=0.5, size=(2000, 16)).astype(np.float32)\n"
    "folder = pathlib.Path(tempfile.mkdtemp()) / 'v.lance'\n"
    "p = Projector(x, {'group': group}, color_by='group', height=560)\n"
    "p",
]

nb = notebook_fixture("neighbor_index.ipynb", CELLS)


def click_and_read(nb, i: int, xy: list[float]) -> tuple[str, str]:
    nb.page.mouse.click(*xy)
    nb.wait_for(f"h.focus() === {i}")
    found_by = nb.view.locator(".nbp-neighbors-caption .nbp-neighbors-found-by")
    found_by.wait_for()
    return found_by.inner_text(), str(found_by.get_attribute("data-exact"))


def test_the_inspector_says_how_neighbours_were_found(nb, tmp_path):
    nb.settle()
    i, xy = isolated_point(nb, candidates=range(0, 2000, 5))
    text, exact = click_and_read(nb, i, xy)
    assert text.strip() == "· exact" and exact == "true"
    nb.view.locator(".nbp-clear-selection").click()

    nb.py("summary = p.build_index(num_partitions=16, folder=folder)")
    assert nb.py_json("summary['kind']") == "ivf_pq"
    text, exact = click_and_read(nb, i, xy)
    assert text.strip() == "· approximate (IVF-PQ, refined)" and exact == "false"
    caption = nb.view.locator(".nbp-neighbors-caption").inner_text()
    assert caption.startswith("100 nearest to ")
    assert caption.endswith(": cosine distance in the original space · approximate (IVF-PQ, "
                            "refined)")  # fmt: skip
    colour = nb.view.locator(".nbp-neighbors-found-by").evaluate(
        "e => getComputedStyle(e).color")
    assert colour == "rgb(180, 83, 9)"  # marked apart from the muted caption
    nb.view.locator(".nbp-neighbors-caption").scroll_into_view_if_needed()
    nb.view.screenshot(path=str(tmp_path / "neighbor_index.png"))  # kept for a look
    # Python's list for the point: the same points and label.
    listed = np.array(nb.handle("h.neighbors()"))
    assert nb.py_json(f"p.neighbors({i}, k=100).attrs['found_by']") == (
        "approximate (IVF-PQ, refined)")
    python = nb.py_json(f"p.neighbors({i}, k=100)['index'].tolist()")
    assert sorted(python) == sorted(listed.tolist())
