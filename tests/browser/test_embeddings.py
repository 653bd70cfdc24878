"""Several embeddings in a real browser, opened from a TensorBoard log dir:
the data panel's selector switches the layout, each embedding keeps its own, and the
selection survives the switch."""

from __future__ import annotations

import json

import numpy as np

from .harness import notebook_fixture

CELLS = [
    "import tempfile\n"
    "import numpy as np\n"
    "from sklearn.datasets import load_digits\n"
    "from nbprojector import Projector\n"
    "from nbprojector.tensorboard import write_logdir\n"
    "d = load_digits()\n"
    "x = d.data[:600].astype('float32')\n"
    "w = np.random.default_rng(0).normal(size=(64, 24)).astype('float32')\n"
    "logdir = tempfile.mkdtemp()\n"
    "write_logdir(logdir, {'raw': x, 'mixed': np.tanh(x @ w / 8)}, {'digit': d.target[:600]})\n"
    "p = Projector.from_logdir(logdir, height=480)\n"
    "p",
]


nb = notebook_fixture("embeddings.ipynb", CELLS)




def switch(nb, name: str, dims: int) -> None:
    """Choose an embedding in the data panel and wait until the view shows it."""
    nb.view.locator("select.nbp-embedding").select_option(name)
    nb.view.locator(".nbp-status", has_text=f"{dims} dimensions").wait_for()
    nb.settle()


def test_selector_lists_the_embeddings(nb):
    select = nb.view.locator("select.nbp-embedding")
    select.wait_for(state="visible")
    assert select.locator("option").all_inner_texts() == ["raw", "mixed"]
    assert select.input_value() == "raw"
    assert "64 dimensions" in nb.view.locator(".nbp-status").inner_text()


def test_switching_changes_the_layout_and_back(nb):
    nb.settle()
    raw = nb.page_positions()
    np.testing.assert_array_equal(raw, nb.python_positions())
    switch(nb, "mixed", 24)
    assert nb.py("print(p.embedding)").strip() == "mixed"
    mixed = nb.page_positions()
    assert np.abs(mixed - raw).max() > 0.05, "the layout must change with the embedding"
    np.testing.assert_array_equal(mixed, nb.python_positions())
    switch(nb, "raw", 64)
    assert nb.py("print(p.embedding)").strip() == "raw"
    np.testing.assert_array_equal(nb.page_positions(), raw)  # its own layout, kept


def test_each_embedding_keeps_its_projection(nb):
    nb.py("p.embedding = 'mixed'; p.project('pca', components=(1, 2))")
    nb.wait_for("h.dims() === 2")
    nb.settle()
    mixed_2d = nb.page_positions()
    switch(nb, "raw", 64)
    assert nb.handle("h.dims()") == 3  # raw still shows its 3D PCA
    switch(nb, "mixed", 24)
    assert nb.handle("h.dims()") == 2
    np.testing.assert_array_equal(nb.page_positions(), mixed_2d)
    assert nb.py("print(p.projection['params']['components'])").strip() == "[1, 2]"


def test_selection_survives_switching(nb):
    nb.py("p.selection = [5, 9, 11]")
    nb.view.locator(".nbp-status", has_text="3 selected").wait_for()
    switch(nb, "raw", 64)
    assert "3 selected" in nb.view.locator(".nbp-status").inner_text()
    assert json.loads(nb.py("print(p.selection.tolist())")) == [5, 9, 11]
    nb.py("p.selection = []")


def test_python_switch_updates_the_selector(nb):
    nb.py("p.embedding = 'mixed'")
    nb.page.wait_for_function(
        "() => document.querySelector('[data-under-test] select.nbp-embedding').value === 'mixed'"
    )
    nb.view.locator(".nbp-status", has_text="24 dimensions").wait_for()
    nb.settle()
    np.testing.assert_array_equal(nb.page_positions(), nb.python_positions())
