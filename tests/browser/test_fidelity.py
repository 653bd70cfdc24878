"""Colour by layout fidelity in a real browser: the colours, the legend and the status line
follow the layout shown, and agree with Python's p.fidelity()."""

from __future__ import annotations

import json
import re

import numpy as np

from nbprojector.colors import DEFAULT_COLORMAP, colormap_lut

from .harness import changed_share, notebook_fixture

CELLS = [
    "import numpy as np\n"
    "from sklearn.datasets import load_digits\n"
    "from nbprojector import Projector\n"
    "from nbprojector.colors import color_scale\n"
    "d = load_digits()\n"
    "p = Projector(d.data, {'digit': d.target}, color_by='digit', height=480)\n"
    "p",
]

nb = notebook_fixture("fidelity.ipynb", CELLS)

#: What Python's colours should be for its own fidelity scores (the map shown).
COLOURS_MATCH = (
    "print(bytes(p._colors) == color_scale(p.fidelity().to_numpy(), (0.0, 1.0)).traits['_colors'])"
)


#: The low end (fidelity 0 to 0.4) of the default colour map.
LOW_COLOURS = colormap_lut(DEFAULT_COLORMAP)[:103:4].astype(int)


def near_low_colours(pixels: np.ndarray) -> float:
    """Share of pixels within a few levels of the ramp's low colours (fidelity 0 to 0.4)."""
    flat = pixels.reshape(-1, 1, 3).astype(int)
    return float((np.abs(flat - LOW_COLOURS[None]).max(axis=2) <= 12).any(axis=1).mean())


def status_percent(nb) -> tuple[float, int]:
    text = nb.view.locator(".nbp-status").inner_text()
    found = re.search(r"keeps ([\d.]+)% of (\d+)-NN \(chance ([\d.]+)%\)", text)
    assert found, f"the status line says no fidelity: {text!r}"
    return float(found[1]), int(found[2])


def test_colour_by_fidelity_changes_pixels_and_shows_the_legend(nb):
    nb.settle()
    before = nb.canvas_pixels()
    nb.view.locator("select.nbp-color-by").select_option(":layout fidelity")
    caption = nb.view.locator(".nbp-legend-caption", has_text="on average")
    caption.wait_for(timeout=120_000)
    text = caption.inner_text()
    assert "15 nearest neighbours" in text and "chance is 0.8%" in text
    assert nb.view.locator(".nbp-gradient").count() == 1
    nb.page.wait_for_timeout(300)
    nb.settle()
    assert changed_share(before, nb.canvas_pixels()) > 0.001, "the colours did not change"
    assert nb.py("print(p.color_by)").strip() == ":layout fidelity"
    # The page's numbers are Python's.
    mean = nb.py_json("p.fidelity().attrs['mean']")
    shown, k = status_percent(nb)
    assert k == 15 and abs(shown - round(mean * 100)) < 0.51
    assert f"Keeps {round(mean * 100)}% of 15-NN" in text
    assert nb.py(COLOURS_MATCH).strip() == "True"
    # The points now wear the low half of the colour map (most keep under half of
    # their neighbours in a PCA map); the digit palette has none of those colours.
    assert near_low_colours(nb.canvas_pixels()) > 20 * max(near_low_colours(before), 1e-5)


def test_a_new_layout_recolours_and_updates_the_status(nb):
    nb.view.locator("select.nbp-color-by").select_option(":layout fidelity")
    nb.view.locator(".nbp-legend-caption", has_text="on average").wait_for(timeout=120_000)
    first = nb.py_json("p.projection['fidelity']['mean']")
    nb.view.locator(".nbp-tab-body[data-method='pca'] button.nbp-dims[data-dims='2']").click()
    nb.wait_for("h.dims() === 2")
    nb.view.locator("select.nbp-pca-x").select_option("3")
    # The new map's fidelity arrives in the background; the status then says it.
    nb.page.wait_for_function(
        "() => /PCA 2D/.test(document.querySelector('.nbp-status').innerText)"
        " && /keeps/.test(document.querySelector('.nbp-status').innerText)",
        timeout=120_000,
    )
    second = nb.eventually("p.projection.get('fidelity', {}).get('mean') is not None", True)
    assert second
    mean = nb.py_json("p.projection['fidelity']['mean']")
    assert mean != first
    shown, _ = status_percent(nb)
    assert abs(shown - round(mean * 100)) < 0.51
    assert nb.py(COLOURS_MATCH).strip() == "True"
    nb.view.locator("select.nbp-color-by").select_option("digit")
    nb.view.locator(".nbp-legend-row").first.wait_for()
    assert nb.view.locator(".nbp-legend-caption").count() == 0


def test_the_point_card_splits_neighbours_near_and_far_in_the_map(nb):
    nb.settle()
    xy = np.array(nb.handle("Array.from({length: h.count()}, (_, i) => h.clientPosition(i))"))
    for i in range(0, 1797, 5):  # a point with no other drawn within 14 px, to click
        gaps = np.hypot(*(xy - xy[i]).T)
        gaps[i] = np.inf
        if gaps.min() > 14:
            break
    nb.page.mouse.click(*xy[i])
    nb.wait_for(f"h.focus() === {i}")
    summary = nb.view.locator(".nbp-fidelity-summary", has_text="Keeps")
    summary.wait_for(timeout=60_000)
    score = nb.py_json(f"float(p.fidelity()[{i}])")
    assert f"Keeps {round(score * 100)}% of its 15 nearest neighbours" in summary.inner_text()
    split = (
        "from nbprojector.all_neighbors import all_knn\n"
        "from nbprojector.fidelity import layout_knn\n"
        f"orig = all_knn(p.vectors, 15, 'cosine', np.array([{i}]))[0]\n"
        f"mapped = set(layout_knn(p.coordinates, 15, np.array([{i}]))[0].tolist())\n"
        "print(json.dumps([[int(j) for j in orig if j in mapped],"
        " [int(j) for j in orig if j not in mapped]]))"
    )
    near, far = json.loads(nb.py("import json\n" + split))
    index_of = "els => els.map(e => Number(e.dataset.index))"
    assert nb.view.locator(".nbp-fidelity-near li").evaluate_all(index_of) == near
    assert nb.view.locator(".nbp-fidelity-far li").evaluate_all(index_of) == far
    assert len(near) == round(score * 15)
    # Hovering a neighbour highlights it in the view.
    first = (near or far)[0]
    nb.view.locator(f".nbp-fidelity-{'near' if near else 'far'} li").first.hover()
    nb.wait_for(f"h.highlighted() === {first}")
