"""Cluster names in a real browser: the Clusters button, the names drawn, colour by cluster,
fewer names zoomed out, renaming by double-click."""

from __future__ import annotations

import numpy as np
from PIL import Image

from .harness import changed_share, notebook_fixture

CELLS = [
    "import numpy as np, pandas as pd\n"
    "from sklearn.datasets import make_blobs\n"
    "from nbprojector import Projector\n"
    "topics = ['apple banana fruit', 'engine wheel car', 'violin piano music',\n"
    "          'river ocean water', 'goal match football', 'bread cheese butter']\n"
    "emb, truth = make_blobs(1200, n_features=6, centers=len(topics), cluster_std=0.7,\n"
    "                        random_state=4)\n"
    "meta = pd.DataFrame({'text': [f'{topics[b]} {i}' for i, b in enumerate(truth)]})\n"
    "p = Projector(emb, meta, label_by='text', color_by='', height=560)\n"
    "p",
]

nb = notebook_fixture("clusters.ipynb", CELLS)


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
                    and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]):  # fmt: skip
                pairs.append((a["name"], b["name"]))
    return pairs


def test_the_clusters_button_names_the_clusters_on_the_map(nb):
    nb.settle()
    assert nb.handle("h.clusterNames()") == []
    before = nb.canvas_pixels()
    nb.unfold("Clusters")  # folded at first, like other advanced sections
    nb.view.locator("button.nbp-cluster-run").click()
    nb.wait_for("h.clusterNames().length > 0")
    nb.settle()
    assert nb.eventually("p.clustering['state']", "done", timeout=60) == "done"
    drawn = nb.handle("h.clusterNames()")
    names = nb.py_json("p.clusters.name.tolist()")
    assert len(names) == 6
    assert {d["name"] for d in drawn} <= set(names)
    assert len(drawn) >= 3  # fitted in view, the blobs are far apart
    assert overlapping(drawn) == []
    # Each name is made of its own blob's words.
    topics = nb.py_json("topics")
    assert all(any(set(d["name"].split(", ")) == set(t.split()) for t in topics) for d in drawn)
    # The names are drawn: the pixels under their boxes changed.
    after = nb.canvas_pixels()
    box = drawn[0]
    x0, y0 = int(box["x"]), int(box["y"])
    region = (slice(y0, y0 + int(box["h"])), slice(x0, x0 + int(box["w"])))
    assert changed_share(before[region], after[region]) > 0.05
    assert nb.view.locator(".nbp-cluster-status").inner_text().startswith("6 clusters")
    # The cluster column is there to colour by.
    assert nb.py_json("'cluster' in p.metadata.columns")
    options = nb.view.locator(".nbp-color-by option").all_inner_texts()
    assert any(o.startswith("cluster") for o in options)


def test_colouring_by_cluster_changes_the_points_colours(nb):
    nb.settle()
    before = nb.canvas_pixels()
    nb.view.locator(".nbp-color-by").select_option("cluster")
    assert nb.eventually("p.color_by", "cluster") == "cluster"
    nb.settle()
    assert changed_share(before, nb.canvas_pixels()) > 0.005
    legend = nb.view.locator(".nbp-legend").inner_text()
    assert all(name in legend for name in nb.py_json("p.clusters.name.tolist()"))


def test_fewer_names_when_zoomed_out_and_none_overlap(nb):
    nb.settle()
    fitted = nb.handle("h.clusterNames()")
    box = nb.view.locator("canvas").first.bounding_box()
    nb.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(12):
        nb.page.mouse.wheel(0, 400)
        nb.page.wait_for_timeout(60)
    nb.settle()
    zoomed_out = nb.handle("h.clusterNames()")
    assert 1 <= len(zoomed_out) < len(fitted)
    assert overlapping(zoomed_out) == []
    nb.view.locator("button.nbp-reset").click()
    nb.settle()
    nb.wait_for(f"h.clusterNames().length === {len(fitted)}")


def test_double_clicking_a_name_renames_the_cluster(nb):
    nb.settle()
    drawn = nb.handle("h.clusterNames()")
    target = drawn[0]
    canvas = nb.view.locator("canvas").first.bounding_box()
    x = canvas["x"] + target["x"] + target["w"] / 2
    y = canvas["y"] + target["y"] + target["h"] / 2
    nb.page.mouse.dblclick(x, y)
    editor = nb.view.locator("input.nbp-cluster-rename")
    editor.wait_for()
    assert editor.input_value() == target["name"]
    editor.fill("<b>my fruit</b>")
    editor.press("Enter")
    assert editor.count() == 0
    row = f"p.clusters.set_index('id').name[{target['id']}]"
    assert nb.eventually(row, "<b>my fruit</b>") == "<b>my fruit</b>"
    nb.wait_for("h.clusterNames().some(n => n.name === '<b>my fruit</b>')")
    # Text, never HTML: no element was made from the name.
    assert nb.view.locator("b", has_text="my fruit").count() == 0
    members = nb.py_json(f"int((p.metadata.cluster == {target['name']!r}).sum())")
    assert members == 0
    assert nb.py_json("int((p.metadata.cluster == '<b>my fruit</b>').sum())") > 0
    # Undo from Python puts the old name back on the map.
    nb.py("p.undo()")
    nb.wait_for("h.clusterNames().some(n => n.name === arg)", target["name"])
    assert np.isfinite(target["x"])


def png_of(nb, path) -> np.ndarray:
    """p.save_png at scale 1, waited for between cells (where the kernel reads the page)."""
    nb.py(f"png = p.save_png({str(path)!r}, scale=1)")
    for _ in range(100):
        if nb.py("print(png.done())").strip() == "True":
            break
        nb.page.wait_for_timeout(100)
    nb.py("png.result()")
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def test_the_png_shows_the_names(nb, tmp_path):
    nb.settle()
    drawn = nb.handle("h.clusterNames()")
    assert drawn
    with_names = png_of(nb, tmp_path / "names.png")
    nb.py("p.undo()")  # the clustering itself: no names any more
    nb.wait_for("h.clusterNames().length === 0")
    nb.settle()
    without = png_of(nb, tmp_path / "none.png")
    nb.py("p.redo()")
    for box in drawn:
        x, y, w, h = (round(box[k]) for k in ("x", "y", "w", "h"))
        region = (slice(y, y + h), slice(x, x + w))
        changed = (np.abs(with_names[region] - without[region]).max(axis=2) > 100).mean()
        assert changed > 0.05, box["name"]


def test_one_click_reclusters_after_an_isolate(nb):
    nb.py("two = np.flatnonzero(truth < 2); p.isolate(two)")
    nb.wait_for("h.hidden() > 0")
    nb.settle()
    nb.unfold("Clusters")  # folded at first, like other advanced sections
    nb.view.locator("button.nbp-cluster-run").click()
    assert nb.eventually("len(p.clusters)", 2, timeout=60) == 2
    nb.wait_for("h.clusterNames().length === 2")
    assert nb.py_json("bool((p.metadata.cluster[truth >= 2] == 'unclustered').all())")
    topics = nb.py_json("[topics[0], topics[1]]")
    drawn = {frozenset(d["name"].split(", ")) for d in nb.handle("h.clusterNames()")}
    assert drawn == {frozenset(t.split()) for t in topics}
