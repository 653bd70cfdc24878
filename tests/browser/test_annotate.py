"""Annotation from the map in a real browser: lasso some points, "Label selection as", see
the colours and Python's table change, then Ctrl-Z / Ctrl-Shift-Z and the buttons."""

from __future__ import annotations

import numpy as np

from .harness import changed_share, notebook_fixture
from .test_inspector import (
    DIGITS,
    client_positions,
    drag,
    inside_polygon,
    set_mode,
    wait_selection,
)

CELLS = [
    DIGITS
    + "kind = [names[t] for t in d.target]\n"
    "p = Projector(d.data, {'kind': kind, 'digit': d.target}, label_by='kind',\n"
    "              color_by='kind', height=560)\n"
    "original = p.metadata.copy()\n"
    "p",
]

nb = notebook_fixture("annotate.ipynb", CELLS)


def lasso_centre(nb) -> np.ndarray:
    """Lasso a disc in the middle of the canvas; the indices inside, by the test's own rule."""
    set_mode(nb, "lasso")
    box = nb.view.locator("canvas").first.bounding_box()
    cx, cy, r = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, box["height"] * 0.2
    path = [(cx + r * np.cos(a), cy + r * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 9)]
    drag(nb, path)
    region = nb.handle("h.lastRegion()")
    wait_selection(nb, region["count"])
    polygon = np.array(region["shape"]).reshape(-1, 2) + np.array([box["x"], box["y"]])
    inside = np.flatnonzero(inside_polygon(client_positions(nb), polygon))
    assert nb.eventually("p.selection.tolist()", inside.tolist()) == inside.tolist()
    set_mode(nb, "navigate")
    return inside


def label_as(nb, column: str, value: str, count: int) -> None:
    nb.view.locator("input.nbp-annotate-column").fill(column)
    nb.view.locator("input.nbp-annotate-value").fill(value)
    nb.view.locator("button.nbp-annotate-apply", has_text=f"Label {count:,} points").click()


def test_lasso_label_then_ctrl_z_and_ctrl_shift_z(nb):
    nb.py("p.project('pca', components=(1, 2))")
    nb.wait_for("h.dims() === 2")
    nb.settle()
    inside = lasso_centre(nb)
    assert len(inside) > 50
    nb.settle()
    before = nb.canvas_pixels()
    colors_before = nb.py_json("p._colors.hex()")

    label_as(nb, "kind", "mislabelled", len(inside))
    nb.eventually("int((p.metadata['kind'] == 'mislabelled').sum())", len(inside))
    assert nb.py_json("p.metadata.index[p.metadata['kind'] == 'mislabelled'].tolist()") == (
        inside.tolist()
    )
    rest = "p.metadata['kind'].drop(index=p.selection)"
    assert nb.py_json(f"{rest}.equals(original['kind'].drop(index=p.selection))") is True
    nb.view.locator(".nbp-legend", has_text="mislabelled").wait_for()
    nb.view.locator(".nbp-message", has_text="Labelled").click()  # read: put it away
    nb.settle()
    labelled = nb.canvas_pixels()
    assert changed_share(before, labelled) > 0.001  # the lassoed points took a new colour
    log = nb.py_json("[p.annotations['column'].tolist(), p.annotations['indices'][0].tolist()]")
    assert log == [["kind"], inside.tolist()]

    # Ctrl-Z with the widget focused (the click on the message gave it the focus) undoes it.
    nb.page.keyboard.press("Control+z")
    nb.eventually("p.metadata['kind'].equals(original['kind'])", True)
    assert nb.py_json("p._colors.hex()") == colors_before
    nb.view.locator(".nbp-legend", has_text="mislabelled").wait_for(state="detached")
    nb.settle()
    assert changed_share(before, nb.canvas_pixels()) < 0.001  # as before the label
    # Ctrl-Shift-Z redoes it; the Undo button undoes it again.
    nb.page.keyboard.press("Control+Shift+z")
    nb.eventually("int((p.metadata['kind'] == 'mislabelled').sum())", len(inside))
    nb.settle()
    assert changed_share(labelled, nb.canvas_pixels()) < 0.001
    nb.view.locator("button.nbp-undo").click()
    nb.eventually("p.metadata['kind'].equals(original['kind'])", True)
    assert nb.view.locator("button.nbp-undo").is_disabled()
    assert nb.view.locator("button.nbp-redo").is_enabled()


def test_a_new_column_and_an_error_from_the_page(nb):
    nb.py("p.selection = [1, 2, 3]")
    wait_selection(nb, 3)
    label_as(nb, "reviewed", "yes", 3)
    nb.eventually("int(p.metadata['reviewed'].notna().sum())", 3)
    assert nb.py_json("p.metadata.index[p.metadata['reviewed'] == 'yes'].tolist()") == [1, 2, 3]
    assert "reviewed" in nb.py_json("[c['name'] for c in p.columns]")
    nb.view.locator("select.nbp-color-by option[value='reviewed']").wait_for(state="attached")
    # A column of numbers that came with the data is not edited: the page says why.
    label_as(nb, "digit", "3", 3)
    message = nb.view.locator(".nbp-message", has_text="not editable")
    message.wait_for()
    assert nb.py_json("p.metadata['digit'].equals(original['digit'])") is True
    nb.view.locator("button.nbp-undo").click()
    nb.eventually("'reviewed' in p.metadata.columns", False)
    # The error was about an edit; once the table's edits change, it no longer stands.
    nb.view.locator(".nbp-message").wait_for(state="hidden")


def test_ctrl_z_in_a_text_box_stays_the_text_box_s(nb):
    nb.py("p.annotate([5], 'kind', 'typed')")
    nb.view.locator("input.nbp-annotate-value").fill("abc")
    nb.view.locator("input.nbp-annotate-value").press("Control+z")
    nb.page.wait_for_timeout(500)
    assert nb.py_json("p.metadata['kind'][5]") == "typed"
    nb.py("p.undo()")


def test_edits_survive_a_page_reload(nb):
    nb.py("p.annotate(list(range(100)), 'topic', 'refunds'); p.color_by = 'topic'")
    nb.view.locator(".nbp-legend", has_text="refunds").wait_for()
    nb.save_and_reload()
    # The reloaded view shows the edit, and can undo it.
    nb.view.locator(".nbp-legend", has_text="refunds").wait_for()
    undo = nb.view.locator("button.nbp-undo")
    assert undo.is_enabled() and "topic = 'refunds' on 100 points" in undo.get_attribute("title")
    undo.click()
    nb.eventually("'topic' in p.metadata.columns", False)
    nb.view.locator(".nbp-legend", has_text="refunds").wait_for(state="detached")
