"""The offline page answers as Python does: the same requests, on the same data, go to a real
Projector and to the export's stand-in for Python (js/src/standalone/server.ts, run by node),
and the replies, their buffers and the traits they change are compared."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nbprojector import Projector

ROOT = Path(__file__).resolve().parent.parent
ESBUILD = ROOT / "js" / "node_modules" / ".bin" / "esbuild"
DRIVER = ROOT / "tests" / "js" / "standalone_driver.mjs"
DATA = re.compile(r'<script type="application/json" id="nbprojector-data">(.*?)</script>', re.S)

# Traits a restored bookmark sets (what the view shows).
RESTORED = ["embedding", "color_by", "label_by", "spherize", "point_size", "label_size",
            "_visible", "_selection", "_positions", "_colors", "_palette", "legend", "camera",
            "projection", "metric"]  # fmt: skip


@pytest.fixture(scope="module")
def driver(tmp_path_factory) -> Path:
    """The driver and the server's TypeScript bundled into one script for node."""
    if shutil.which("node") is None or not ESBUILD.exists():
        pytest.fail("needs node and js/node_modules (cd js && npm ci)")
    out = tmp_path_factory.mktemp("driver") / "driver.mjs"
    subprocess.run([str(ESBUILD), str(DRIVER), "--bundle", "--platform=node", "--format=esm",
                    f"--outfile={out}", "--log-level=warning"], check=True)  # fmt: skip
    return out


def make_projector() -> Projector:
    rng = np.random.default_rng(3)
    n = 120
    emb = rng.normal(size=(n, 6)).astype(np.float32)
    emb[:40] += 3.0  # two clusters, so neighbour lists are not ties
    words = [None if i % 17 == 5 else f"w{i} {'Blue' if i % 3 else 'red'}" for i in range(n)]
    meta = {
        "word": words,
        "digit": rng.integers(0, 10, n),
        "score": np.round(rng.uniform(0, 2, n), 3),
        "flag": np.arange(n) % 4 == 0,
    }
    p = Projector(emb, meta, label_by="word", color_by="digit")
    p.selection = [1, 2, 3, 50]
    p.add_bookmark("plain")
    p.isolate(np.arange(0, 80))
    p.selection = [4, 70]
    p.color_by = "score"
    p.label_by = "digit"
    p.metric = "euclidean"  # the page finds neighbours by it
    p.add_bookmark("isolated")
    p.metric = "cosine"
    p.show_all()
    p.selection = []
    p.color_by = "digit"
    p.label_by = "word"
    return p


def export_of(p: Projector, folder: Path) -> Path:
    """The JSON the offline page reads, from the page Python writes."""
    page = p.to_html(folder / "view.html").read_text(encoding="utf-8")
    data = json.loads(html.unescape(DATA.search(page).group(1)))
    path = folder / "export.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def python_answers(p: Projector, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each step as the page's message to Python: its reply, buffers and the traits named."""
    answers = []
    for step in steps:
        answer: dict[str, Any] = {}
        if "set" in step:
            for name, value in step["set"].items():
                setattr(p, name, value)
        else:
            sent: list[tuple[Any, Any]] = []
            p.send = lambda content, buffers=None, sent=sent: sent.append((content, buffers))
            buffers = [base64.b64decode(b) for b in step.get("buffers", [])]
            p._on_page_message(p, step["request"], buffers)
            (content, reply_buffers), = sent
            answer["content"] = json.loads(json.dumps(content))
            answer["buffers"] = [base64.b64encode(bytes(b)).decode() for b in reply_buffers or []]
        answer["traits"] = {name: plain(getattr(p, name)) for name in step.get("traits", [])}
        answers.append(answer)
    return answers


def plain(value: Any) -> Any:
    if isinstance(value, (bytes, memoryview)):
        return {"base64": base64.b64encode(bytes(value)).decode()}
    return json.loads(json.dumps(value))


def page_answers(driver: Path, export: Path, steps: list[dict[str, Any]]) -> dict[str, Any]:
    done = subprocess.run(["node", str(driver), str(export)], input=json.dumps(steps),
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def request(i: int, kind: str, payload: dict[str, Any], traits: list[str] | None = None,
            buffers: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
    step: dict[str, Any] = {"request": {"id": f"t-{i}", "kind": kind, "payload": payload}}
    if traits:
        step["traits"] = traits
    if buffers:
        step["buffers"] = buffers
    return step


def numbered(specs: list[tuple]) -> list[dict[str, Any]]:
    return [request(i, *spec) for i, spec in enumerate(specs)]


def compare(py: dict[str, Any], js: dict[str, Any], what: str) -> None:
    if "content" in py:
        a, b = py["content"], js["content"]
        assert a["ok"] == b["ok"], f"{what}: Python {a}, page {b}"
        assert a == b, f"{what}: Python {a}, page {b}"
        assert py["buffers"] == js["buffers"], f"{what}: buffers differ"
    assert py["traits"] == js["traits"], f"{what}: traits differ"


def run_both(driver, tmp_path, steps, p=None):
    p = p or make_projector()
    export = export_of(p, tmp_path)
    js = page_answers(driver, export, steps)
    return python_answers(p, steps), js["answers"]


def test_search_and_count_answer_alike(driver, tmp_path):
    steps = numbered([
        ("search", {"query": "blue"}, ["_selection"]),  # the label column, any case
        ("search", {"query": "^w1[0-9] ", "column": "word", "regex": True}, ["_selection"]),
        ("search", {"query": "3", "column": "digit"}, ["_selection"]),
        ("search", {"query": "1.", "column": "score"}, ["_selection"]),
        ("search", {"query": "true", "column": "flag"}, ["_selection"]),
        ("search", {"query": "zzz", "column": None}, ["_selection"]),
        ("count", {"column": "word", "query": "RED"}),
        ("count", {"column": "", "query": "w1", "regex": False}),
        ("count", {"column": "score", "query": r"^0\.\d", "regex": True}),
        ("search", {"query": ""}),  # errors: the same message on both sides
        ("search", {"query": "a", "column": "nope"}),
        ("count", {"column": "nope", "query": "a"}),
    ])  # fmt: skip
    py, js = run_both(driver, tmp_path, steps)
    for step, a, b in zip(steps, py, js, strict=True):
        compare(a, b, json.dumps(step["request"]))
    assert py[0]["content"]["result"]["count"] > 50  # the fixture does exercise the search


def test_rows_answer_alike_with_each_column_type(driver, tmp_path):
    steps = numbered([("row", {"index": i}) for i in (0, 5, 22, 119)] + [("row", {"index": 120})])
    py, js = run_both(driver, tmp_path, steps)
    for step, a, b in zip(steps, py, js, strict=True):
        compare(a, b, json.dumps(step["request"]))
    assert py[1]["content"]["result"]["row"]["word"] is None  # a missing value is null


def test_neighbours_answer_alike(driver, tmp_path):
    steps = numbered([
        ("neighbors", {"index": 3, "k": 10, "metric": "cosine", "spherize": False}),
        ("neighbors", {"index": 77, "k": 25, "metric": "euclidean", "spherize": False}),
        ("neighbors", {"index": 3, "k": 10, "metric": "cosine", "spherize": True}),
        ("neighbors", {"index": 0, "k": 119, "metric": "euclidean"}),
        ("neighbors", {"index": 0, "k": 1000}),
        ("neighbors", {"index": 500, "k": 5}),
    ])  # fmt: skip
    py, js = run_both(driver, tmp_path, steps)
    for step, a, b in zip(steps, py, js, strict=True):
        what = json.dumps(step["request"])
        assert a["content"] == b["content"], what
        if not a["content"]["ok"]:
            continue
        assert len(a["buffers"]) == len(b["buffers"]), what
        (ia, *rest_a), (ib, *rest_b) = (decode(side["buffers"]) for side in (a, b))
        np.testing.assert_array_equal(ia, ib, err_msg=what)
        for x, y in zip(rest_a, rest_b, strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-4, err_msg=what)


def decode(buffers: list[str]) -> list[np.ndarray]:
    """A neighbours reply's buffers: uint32 indices, float32 distances (and angles)."""
    dtypes = ["<u4"] + ["<f4"] * (len(buffers) - 1)
    return [np.frombuffer(base64.b64decode(b), t) for b, t in zip(buffers, dtypes, strict=True)]


def test_bookmark_restore_sets_the_same_view(driver, tmp_path):
    steps = [
        request(0, "bookmark", {"action": "restore", "which": "isolated"}, RESTORED),
        request(1, "search", {"query": "w7"}, ["_selection"]),  # only the isolated points
        request(2, "bookmark", {"action": "restore", "which": 0}, RESTORED),
        request(3, "bookmark", {"action": "restore", "which": 7}),
        request(4, "bookmark", {"action": "restore", "which": "nope"}),
    ]
    py, js = run_both(driver, tmp_path, steps)
    for step, a, b in zip(steps, py, js, strict=True):
        compare(a, b, json.dumps(step["request"]))
    assert py[0]["traits"]["_visible"] != py[2]["traits"]["_visible"]
    assert (py[0]["traits"]["metric"], py[2]["traits"]["metric"]) == ("euclidean", "cosine")


def test_labels_are_packed_alike(driver, tmp_path):
    # The page asks for the labels after its first frame; then each label column's.
    first = request(0, "labels", {}, traits=["_labels", "_label_offsets"])
    steps = [first] + [{"set": {"label_by": name}, "traits": ["_labels", "_label_offsets"]}
                       for name in ("digit", "score", "flag", "word")]  # fmt: skip
    py, js = run_both(driver, tmp_path, steps)
    for step, a, b in zip(steps, py, js, strict=True):
        compare(a, b, json.dumps(step.get("set") or step["request"]))
