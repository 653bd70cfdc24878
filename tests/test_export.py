"""The offline HTML export without a browser: one self-contained file, its state, its limits."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest

from nbprojector import Projector, export
from nbprojector.bundle import bundle_text
from nbprojector.codec import encode_positions
from nbprojector.layout import normalize_positions
from nbprojector.search import as_text

DATA = re.compile(r'<script type="application/json" id="nbprojector-data">(.*?)</script>', re.S)


@pytest.fixture
def p(digits):
    names = [f"d{i}" if i % 50 else None for i in range(1797)]
    meta = {"name": names, "digit": digits.target, "ink": digits.data.sum(1) / 7}
    return Projector(digits.data, meta, label_by="digit", color_by="digit")


def payload_of(html: str) -> dict:
    match = DATA.search(html)
    assert match, "the data script is missing"
    return json.loads(match.group(1))


def put_buffers(widget: dict) -> dict:
    state = widget["state"]
    for path, data in zip(widget["buffer_paths"], widget["buffers"], strict=True):
        target = state
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = base64.b64decode(data)
    return state


def test_one_file_with_nothing_fetched(p, tmp_path):
    path = p.to_html(tmp_path / "view.html")
    html = path.read_text(encoding="utf-8")
    # Every script and style is inline: no src / href at all, let alone an http(s) one.
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I)
    assert not re.search(r"<link\b", html, re.I)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    # ... nor does any code import a module from the network.
    assert not re.search(r"""(?:\bimport\s*\(|\bfrom)\s*["'`]\s*(?:https?:)?//""", html)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert html.count("</script>") == 2  # the data and the entry: nothing else closes early
    payload = payload_of(html)
    assert payload["esm"] == bundle_text("widget.js")
    assert payload["css"] == bundle_text("widget.css")


def test_state_round_trip(p, tmp_path):
    p.selection = [3, 5, 8]
    p.theme = "dark"
    p.point_size = 6.5
    p._requests.handle({"id": 0, "kind": "labels", "payload": {}}, [])  # as a page would
    state = put_buffers(payload_of(p.to_html(tmp_path / "v.html").read_text("utf-8"))["widget"])
    for trait in ("_positions", "_colors", "_palette", "_labels", "_label_offsets", "_selection"):
        assert state[trait] == getattr(p, trait), trait
    for trait in ("label_by", "color_by", "theme", "point_size", "legend", "columns", "n_points"):
        assert state[trait] == json.loads(json.dumps(getattr(p, trait))), trait
    assert "_esm" not in state and "_css" not in state
    assert not any(m["available"] for m in state["methods"].values())  # projections need Python


def test_columns_as_search_sees_them(p):
    columns = export.decode_columns(export.encode_columns(p.metadata))
    assert list(columns) == ["name", "digit", "ink"]
    for name, values in columns.items():
        text, missing = as_text(p.metadata[name])
        assert values == [None if m else t for t, m in zip(text, missing, strict=True)]
    assert columns["name"][0] is None and columns["name"][1] == "d1"


def test_vectors_embedded_within_the_limit(p, tmp_path):
    payload = payload_of(p.to_html(tmp_path / "v.html").read_text("utf-8"))
    info = payload["neighbors"]
    assert info["available"] is True
    packed = info["vectors"]["embedding"]
    vectors = np.frombuffer(base64.b64decode(packed["data"]), "<f4").reshape(packed["shape"])
    np.testing.assert_array_equal(vectors, p.vectors)


def test_beyond_the_limit_neighbours_say_why(p, tmp_path):
    html = p.to_html(tmp_path / "v.html", max_neighbor_floats=100_000).read_text("utf-8")
    info = payload_of(html)["neighbors"]
    assert info["available"] is False and "vectors" not in info
    reason = info["reason"]
    assert "not available in this offline export" in reason
    assert "1,797 x 64 = 115,008" in reason and "100,000" in reason
    assert "max_neighbor_floats" in reason
    assert export.MAX_NEIGHBOR_FLOATS >= 2_000_000  # the documented size


def test_bookmarks_become_ready_made_states(p, tmp_path):
    p.add_bookmark("pca 3d")
    p.project("pca", components=(1, 2))
    p.selection = [1, 2]
    p.color_by = "ink"
    p.metric = "euclidean"
    p.add_bookmark("pca 2d")
    payload = payload_of(p.to_html(tmp_path / "v.html").read_text("utf-8"))
    summaries = payload["widget"]["state"]["bookmarks"]
    assert [s["name"] for s in summaries] == ["pca 3d", "pca 2d"]
    first, second = payload["bookmarks"]["patches"]
    for patch, state in zip((first, second), p._bookmarks.states, strict=True):
        encoded = base64.b64decode(patch["_positions"])
        expected = encode_positions(normalize_positions(state.coords), state.coords.shape[1])
        assert encoded == expected
    assert first["projection"]["dims"] == 3 and second["projection"]["dims"] == 2
    assert np.frombuffer(base64.b64decode(second["_selection"]), "<u4").tolist() == [1, 2]
    assert second["color_by"] == "ink" and first["color_by"] == "digit"
    assert (first["metric"], second["metric"]) == ("cosine", "euclidean")
    colorings = payload["bookmarks"]["colorings"]
    assert {"", "digit", "ink", "name"} <= set(colorings)  # small data: every column
    assert base64.b64decode(colorings["ink"]["_colors"]) == p._colors
    assert base64.b64decode(colorings["ink"]["_palette"]) == p._palette


def test_an_isolated_bookmark_says_how_many_points_it_isolates(p):
    p.add_bookmark("all")
    p.isolate(np.arange(100))
    p.add_bookmark("isolated")
    patches = export.bookmark_patches(p.export_record())["patches"]
    assert [patch["isolated_count"] for patch in patches] == [None, 100]


def test_big_data_embeds_colours_of_columns_in_use_only(p):
    result = export.bookmark_patches(p.export_record(), coloring_budget=1000)
    assert set(result["colorings"]) == {"digit"}
    assert "columns in use only" in result["missing_colorings"]


def test_bad_arguments(p, tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        p.to_html(tmp_path / "missing" / "v.html")
    with pytest.raises(ValueError, match="max_neighbor_floats"):
        p.to_html(tmp_path / "v.html", max_neighbor_floats=-1)


def test_text_that_looks_like_html_stays_data(digits, tmp_path):
    meta = {"name": ["</script><script>alert(1)</script>"] * 1797}
    q = Projector(digits.data, meta, label_by="name")
    html = q.to_html(tmp_path / "v.html", title="<b>mine</b>").read_text("utf-8")
    assert html.count("</script>") == 2
    assert "<title>&lt;b&gt;mine&lt;/b&gt;</title>" in html
    columns = export.decode_columns(payload_of(html)["columns"])
    assert columns["name"][0] == meta["name"][0]


def test_bundle_needs_nothing_a_host_may_lack():
    """The widget's module fetches nothing (no CDN, no network at all) and uses no
    Jupyter-, Colab- or VS Code-specific API; only XML namespace names look like URLs."""
    for name in ("widget.js", "standalone.js"):
        code = bundle_text(name)
        urls = set(re.findall(r"https?://[^\s\"'`)]+", code))
        assert urls <= {"http://www.w3.org/1999/xhtml", "http://www.w3.org/2000/svg"}, urls
        assert not re.search(r"\bfetch\(|XMLHttpRequest|importScripts|WebSocket\(", code)
        for api in ("@jupyter", "jupyterlab", "@lumino", "jupyterapp", "IPython", "Jupyter.",
                    "google.colab", "acquireVsCodeApi", "require("):  # fmt: skip
            assert api not in code, f"{name} uses {api}"
    # The only module import is the export's own: the widget's text, from a blob: URL.
    assert "import(" not in bundle_text("widget.js")
    assert bundle_text("standalone.js").count("import(") == 1
    assert len(bundle_text("widget.js").encode()) < 1_000_000  # the bundle stays under 1 MB
