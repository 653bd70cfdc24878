"""The t-SNE and UMAP tabs take each parameter's range, step and default from Python's
tables (sent in the widget's ``methods`` trait), so the two cannot disagree."""

from __future__ import annotations

from .harness import notebook_fixture

# The kernel's tables are changed before the widget exists: what the tabs show can only
# come from them.
CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "from nbprojector.projections import tsne, umap\n"
    "def spec(table, name):\n"
    "    return next(s for s in table if s['name'] == name)\n"
    "spec(tsne.PARAMS, 'n_iter').update(min=20, max=4321, step=7)\n"
    "spec(tsne.PARAMS, 'perplexity').update(min=3.0, max=77.0)\n"
    "spec(umap.PARAMS, 'n_neighbors').update(min=4, max=44)\n"
    "spec(umap.PARAMS, 'min_dist').update(max=0.5, step=0.05)\n"
    "x = np.random.default_rng(0).normal(size=(200, 8))\n"
    "p = Projector(x, {'word': [f'w{i}' for i in range(200)]}, height=400)\n"
    "p",
]

nb = notebook_fixture("param_limits.ipynb", CELLS)

INPUTS = {
    "tsne": {"perplexity": "nbp-perplexity", "n_iter": "nbp-iterations", "seed": "nbp-seed"},
    "umap": {"n_neighbors": "nbp-neighbors", "min_dist": "nbp-min-dist", "seed": "nbp-seed"},
}


def test_the_tabs_read_their_limits_from_the_python_tables(nb):
    tables = nb.py_json("{m: p.methods[m]['params'] for m in ('tsne', 'umap')}")
    defaults = nb.py_json("{m: p.methods[m]['defaults'] for m in ('tsne', 'umap')}")
    for method, inputs in INPUTS.items():
        nb.view.locator(f".nbp-tab[data-method='{method}']").click()
        tab = nb.view.locator(f".nbp-tab-body[data-method='{method}']")
        for name, cls in inputs.items():
            spec = next(s for s in tables[method] if s["name"] == name)
            field = tab.locator(f"input.{cls}")
            shown = {key: field.get_attribute(key) for key in ("min", "max", "step")}
            want = {key: spec.get(key) for key in ("min", "max", "step")}
            if want["step"] is None:
                want["step"] = 1 if spec["type"] == "int" else "any"
            expected = {k: v if isinstance(v, str) else _num(v) for k, v in want.items()}
            assert shown == expected, (method, name)
            if defaults[method][name] is None:  # UMAP's seed: none unless the user gives one
                assert field.input_value() == ""
            else:
                assert float(field.input_value()) == defaults[method][name]
    # The changed tables are the ones shown (the originals say 5000 and 5..50).
    tsne_tab = nb.view.locator(".nbp-tab-body[data-method='tsne']")
    assert tsne_tab.locator("input.nbp-iterations").get_attribute("max") == "4321"
    umap_tab = nb.view.locator(".nbp-tab-body[data-method='umap']")
    assert umap_tab.locator("input.nbp-neighbors").get_attribute("min") == "4"


def _num(value: float) -> str:
    """A number as the page writes it into an attribute (JavaScript's String(n))."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
