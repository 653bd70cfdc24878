"""Bad input in a notebook: a clear error in the cell's output, and the kernel goes on."""

from __future__ import annotations

from .harness import notebook_fixture

CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "p = Projector(np.random.default_rng(0).normal(size=(50, 4)))\n"
    "p",
    "bad = np.ones((5, 3))\nbad[2, 1] = np.nan\nProjector(bad)",
    "print('the next cell ran', p.n_points)",
]


nb = notebook_fixture("errors.ipynb", CELLS)


def test_bad_input_shows_its_error_and_the_next_cell_runs(nb):
    cells = nb.page.locator("[data-under-test] .jp-Cell")
    error = cells.nth(1).locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    )
    error.wait_for()
    text = error.inner_text()
    assert "EmbeddingError" in text
    assert "NaN or infinite values in 1 row, the first at row 2" in text
    assert "drop or impute those rows" in text  # ...and how to fix it
    nb.page.evaluate(
        """async () => {
          const app = window.jupyterapp; const p = app.shell.currentWidget;
          p.content.activeCellIndex = 2;
          await app.commands.execute('notebook:run-cell');
        }"""
    )
    cells.nth(2).locator(".jp-OutputArea-output", has_text="the next cell ran 50").wait_for()
    # The widget above still answers.
    assert nb.handle("h.request('row', {index: 3})")["ok"] is True
