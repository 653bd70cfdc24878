"""Projections in a real browser: animated t-SNE with stop, a busy-free kernel, custom axes,
and exact returns to PCA."""

from __future__ import annotations

import json
import re

import numpy as np

from .harness import notebook_fixture

CELLS = [
    "import numpy as np\n"
    "from sklearn.datasets import load_digits\n"
    "from nbprojector import Projector\n"
    "d = load_digits()\n"
    "words = [f'digit {t}' for t in d.target]\n"
    "p = Projector(d.data, {'word': words, 'digit': d.target}, height=600)\n"
    "p",
]


nb = notebook_fixture("projections.ipynb", CELLS)


def open_tab(nb, method):
    nb.view.locator(f".nbp-tab[data-method='{method}']").click()
    return nb.view.locator(f".nbp-tab-body[data-method='{method}']")


def layout_version(nb) -> int:
    return int(nb.view.get_attribute("data-layout"))


def test_tsne_animates_runs_in_background_and_stops(nb):
    tab = open_tab(nb, "tsne")
    tab.locator("input.nbp-iterations").fill("3000")
    start = layout_version(nb)
    tab.locator("button.nbp-run").click()
    progress = tab.locator(".nbp-progress")
    # The layout changes several times while the iteration counter rises.
    seen = []
    for _ in range(4):
        nb.page.wait_for_function(
            "([el, n]) => Number(el.dataset.iteration || -1) > n",
            arg=[progress.element_handle(), seen[-1][0] if seen else -1],
            timeout=120_000,
        )
        seen.append((int(progress.get_attribute("data-iteration")), layout_version(nb)))
    iterations = [s[0] for s in seen]
    assert iterations == sorted(iterations) and len(set(iterations)) == 4
    assert seen[-1][1] - start >= 3, f"positions changed only {seen[-1][1] - start} times"
    # A Python cell runs and answers while t-SNE runs.
    assert nb.view.get_attribute("data-running") == "true"
    assert nb.py("print(6 * 7)").strip() == "42"
    assert nb.py("print(p.progress['state'])").strip() == "running"
    # Stop halts it and keeps the layout reached.
    tab.locator("button.nbp-stop").click()
    nb.page.wait_for_function(
        "el => el.dataset.state === 'done'", arg=progress.element_handle(), timeout=30_000
    )
    assert "stopped at iteration" in progress.inner_text()
    stopped = json.loads(nb.py("print(p.projection['stopped_at'])"))
    assert 0 < stopped < 3000
    version = layout_version(nb)
    nb.page.wait_for_timeout(1000)
    assert layout_version(nb) == version, "no frame arrives after stop"
    assert nb.view.get_attribute("data-running") == "false"
    nb.settle()
    drawn = np.array(nb.handle("h.positions()")).reshape(-1, 3)
    coords = np.array(json.loads(nb.py("print(p.coordinates.tolist())")))
    assert np.corrcoef(drawn[:, 0], coords[:, 0])[0, 1] > 0.999


# Records what the progress line says, and the layout version, at every change of the line.
WATCH_PROGRESS = """([line, root]) => {
  const seen = (window.__progress = []);
  new MutationObserver(() => seen.push({
    text: line.textContent, state: line.dataset.state, layout: Number(root.dataset.layout),
  })).observe(line, { childList: true, characterData: true, subtree: true, attributes: true });
}"""


NOT_REPRODUCIBLE = "not reproducible: pass a seed for a reproducible layout"


def test_umap_animates_with_an_epoch_counter(nb):
    tab = open_tab(nb, "umap")
    progress = tab.locator(".nbp-progress")
    note = tab.locator(".nbp-seed-note")
    # No seed at first: every core, and the tab says the layout will not be reproducible.
    assert tab.locator("input.nbp-seed").input_value() == ""
    assert note.is_visible() and note.inner_text() == NOT_REPRODUCIBLE
    nb.page.evaluate(WATCH_PROGRESS, [progress.element_handle(), nb.view.element_handle()])
    start = layout_version(nb)
    tab.locator("button.nbp-run").click()
    # The kernel's first UMAP compiles numba's kernels (tens of seconds) before any epoch.
    nb.page.wait_for_function(
        "el => el.dataset.state === 'done'", arg=progress.element_handle(), timeout=300_000
    )
    seen = nb.page.evaluate("() => window.__progress")
    step = re.compile(r"epoch (\d+) / 500 \(" + re.escape(NOT_REPRODUCIBLE) + r"\)")
    epochs = [int(m[1]) for s in seen if (m := step.fullmatch(s["text"] or ""))]
    assert len(set(epochs)) >= 3 and epochs == sorted(epochs), epochs
    during = {s["layout"] for s in seen if s["state"] == "running"}
    assert len(during) >= 3, "the view showed the layout as it formed"
    assert layout_version(nb) - start >= 3
    assert progress.inner_text() == f"UMAP done, 500 epochs ({NOT_REPRODUCIBLE})"
    assert nb.py("print(p.projection['method'])").strip() == "umap"
    assert nb.py("print(p.coordinates.shape)").strip() == "(1797, 2)"
    assert nb.py_json("[p.projection['params']['seed'], p.projection['reproducible']]") == [
        None, False,
    ]  # fmt: skip
    # A seed: the note goes, and the run is reproducible (and says nothing more).
    tab.locator("input.nbp-seed").fill("3")
    assert note.is_hidden()
    tab.locator("button.nbp-run").click()
    nb.page.wait_for_function(
        "el => el.dataset.state === 'done' && !el.textContent.includes('not reproducible')",
        arg=progress.element_handle(), timeout=300_000,
    )  # fmt: skip
    assert progress.inner_text() == "UMAP done, 500 epochs"
    assert nb.py_json("[p.projection['params']['seed'], p.projection['reproducible']]") == [
        3, True,
    ]  # fmt: skip


def test_custom_axes_from_two_queries(nb):
    tab = open_tab(nb, "custom")
    tab.locator("select.nbp-custom-column").select_option("word")
    tab.locator("input.nbp-custom-left").fill("digit 0")
    tab.locator("input.nbp-custom-right").fill("nothing at all")
    tab.locator(".nbp-count-right[data-count='0']").wait_for()
    assert tab.locator(".nbp-count-right").inner_text() == "no match among 1,797 points"
    assert tab.locator("button.nbp-run").is_disabled(), "the projection waits"
    tab.locator("input.nbp-custom-right").fill("digit 1")
    tab.locator(".nbp-count-right[data-count='182']").wait_for()
    assert tab.locator(".nbp-count-left").inner_text() == "178 of 1,797 points"
    tab.locator("button.nbp-run").click()
    nb.wait_for("h.dims() === 2")
    nb.page.wait_for_function(
        "() => document.querySelector('.nbp-status').textContent.includes('Custom 2D')"
    )
    nb.settle()
    # x order on screen agrees with Python's own centroid-difference computation.
    expected = json.loads(
        nb.py(
            "x = d.data.astype(np.float32)\n"
            "axis = x[d.target == 1].mean(0) - x[d.target == 0].mean(0)\n"
            "print(((x - x.mean(0)) @ axis).tolist())"
        )
    )
    xy = np.array(nb.handle("Array.from({length: h.count()}, (_, i) => h.clientPosition(i))"))
    assert np.corrcoef(expected, xy[:, 0])[0, 1] > 0.999


def test_pca_tsne_pca_returns_pca_positions_exactly(nb):
    open_tab(nb, "pca")
    nb.page.wait_for_function(
        "() => document.querySelector('.nbp-status').textContent.includes('PCA')"
    )
    nb.settle()
    pca = nb.handle("h.positions()")
    tab = open_tab(nb, "tsne")
    tab.locator("input.nbp-iterations").fill("60")
    tab.locator("button.nbp-run").click()
    tab.locator(".nbp-progress[data-state='done']").wait_for(timeout=120_000)
    nb.settle()
    assert nb.handle("h.positions()") != pca
    open_tab(nb, "pca")
    nb.page.wait_for_function(
        "() => document.querySelector('.nbp-status').textContent.includes('PCA')"
    )
    nb.settle()
    assert nb.handle("h.positions()") == pca
