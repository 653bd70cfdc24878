"""The distance and k of layout fidelity and of a comparison, set in a real browser: the
inspector's Distance menu and the small k inputs beside Colour by and Compare recompute the
colours, the legend, the comparison and the point card, as Python's records say."""

from __future__ import annotations

from .harness import changed_share, notebook_fixture

CELLS = [
    "import numpy as np\n"
    "from sklearn.datasets import load_digits\n"
    "from nbprojector import Projector\n"
    "d = load_digits()\n"
    "noisy = d.data + np.random.default_rng(0).normal(scale=2.0, size=d.data.shape)\n"
    "p = Projector({'clean': d.data, 'noisy': noisy}, {'digit': d.target}, color_by='digit',\n"
    "              height=520)\n"
    "p",
]

nb = notebook_fixture("trust_settings.ipynb", CELLS)

RECORD = "{key: p.projection.get('fidelity', {}).get(key) for key in ('k', 'metric')}"


def set_number(locator, value: int) -> None:
    locator.fill(str(value))
    locator.press("Enter")


def assert_lists_the_most_changed(nb, metric: str) -> None:
    """The comparison (k=4) is summarised with ``metric`` and its Most changed list is
    Python's first 20 for that metric."""
    view = nb.view
    view.locator(".nbp-compare-summary", has_text=f"4-NN ({metric}, original space)").wait_for(
        timeout=120_000)  # fmt: skip
    view.locator(".nbp-most-changed li").nth(19).wait_for()
    order = nb.py_json(f"p.compare('clean', 'noisy', k=4, metric={metric!r})"
                       ".head(20)['index'].tolist()")  # fmt: skip
    got = view.locator(".nbp-most-changed li").evaluate_all("els => els.map(e => +e.dataset.index)")
    assert got == order


def test_the_metric_and_k_recompute_the_fidelity_colours(nb):
    view = nb.view
    fidelity_k = view.locator("input.nbp-fidelity-k")
    assert not fidelity_k.is_visible()  # only beside layout fidelity
    view.locator("select.nbp-color-by").select_option(":layout fidelity")
    caption = view.locator(".nbp-legend-caption")
    view.locator(".nbp-legend-caption", has_text="on average").wait_for(timeout=120_000)
    assert "15 nearest neighbours (cosine, original space)" in caption.inner_text()
    assert fidelity_k.is_visible() and fidelity_k.input_value() == "15"
    assert nb.eventually(RECORD, {"k": 15, "metric": "cosine"}) == {"k": 15, "metric": "cosine"}
    nb.settle()
    before = nb.canvas_pixels()

    view.locator("select.nbp-metric").select_option("euclidean")
    view.locator(".nbp-legend-caption", has_text="(euclidean, original space)").wait_for(
        timeout=120_000)  # fmt: skip
    wanted = {"k": 15, "metric": "euclidean"}
    assert nb.eventually(RECORD, wanted) == wanted
    assert nb.py("print(p.metric)").strip() == "euclidean"
    same = "p.projection['fidelity']['mean'] == p.fidelity(k=15, metric='euclidean').attrs['mean']"
    assert nb.py_json(same)
    nb.page.wait_for_timeout(300)
    nb.settle()
    assert changed_share(before, nb.canvas_pixels()) > 0.001, "the colours did not change"

    set_number(fidelity_k, 30)
    view.locator(".nbp-legend-caption", has_text="of 30-NN on average").wait_for(timeout=120_000)
    assert "30 nearest neighbours (euclidean, original space)" in caption.inner_text()
    wanted = {"k": 30, "metric": "euclidean"}
    assert nb.eventually(RECORD, wanted) == wanted
    assert nb.py_json("p.fidelity_k") == 30
    view.locator(".nbp-status", has_text="of 30-NN").wait_for()


def test_the_metric_and_k_recompute_the_comparison_and_the_card(nb):
    view = nb.view
    view.locator("select.nbp-compare-a").select_option("clean")
    view.locator("select.nbp-compare-b").select_option("noisy")
    set_number(view.locator("input.nbp-compare-k"), 4)
    view.locator("button.nbp-compare").click()
    # The control, with its k, fits the panel (nothing scrolls sideways).
    assert view.locator(".nbp-left").evaluate("el => el.scrollWidth <= el.clientWidth")
    summary = view.locator(".nbp-compare-summary")
    assert_lists_the_most_changed(nb, "euclidean")

    # Back to cosine: the comparison is computed again.
    view.locator("select.nbp-metric").select_option("cosine")
    assert_lists_the_most_changed(nb, "cosine")
    assert "cosine" in summary.inner_text()

    # A chosen point: its A and B lists hold 4 each, and its card's fidelity uses k and the metric.
    view.locator(".nbp-most-changed li").first.click()
    view.locator(".nbp-compare-a li").nth(3).wait_for()
    assert view.locator(".nbp-compare-a li").count() == 4
    card = view.locator(".nbp-fidelity-summary", has_text="of its 30 nearest neighbours (cosine")
    card.wait_for(timeout=60_000)
