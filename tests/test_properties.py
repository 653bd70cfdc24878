"""Properties over generated input (Hypothesis): any message to the widget's request handler
gets exactly one reply and the widget keeps working; any bytes given to the metadata TSV,
bookmark file and projector_config.pbtxt readers give a result or the reader's own error;
any finite matrix gives finite positions. Example counts come from the profile in
conftest.py ("ci" by default; ``--hypothesis-profile=long`` for a longer run)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nbprojector import Projector, bookmarks, metadata, protocol
from nbprojector.codec import decode_positions
from nbprojector.dataset import EmbeddingError

N = 40

# ------------------------------------------------------------------- the request handler


def deliver(p: Projector, content: Any, buffers: list[Any] | None = None) -> list[dict]:
    """Hand one message from the page to the widget's request handler, as the comm does;
    return the replies it sent (each checked to be strict JSON, as the comm needs)."""
    replies: list[dict] = []

    def send(reply: Any, reply_buffers: Any = None) -> None:
        json.dumps(reply, allow_nan=False)
        replies.append(reply)

    p.send = send
    p._requests.handle(content, buffers or [])
    return replies


@pytest.fixture(scope="module")
def widget() -> Projector:
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(N)]
    return Projector(
        rng.normal(size=(N, 5)).astype(np.float32),
        {"word": words, "group": np.arange(N) % 3, "score": rng.random(N)},
        label_by="word",
    )


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
# Field names and values the handlers read, so generated requests reach past the first check.
FIELDS = [
    "query", "column", "regex", "index", "k", "metric", "spherize", "method", "params",
    "components", "action", "which", "name", "keep", "show_all", "token", "width", "height",
    "max_texture_size", "left", "right", "down", "up", "perplexity", "dims",
    "value", "space", "id",
]  # fmt: skip
field_values = (
    json_values
    | st.sampled_from(["word", "group", "score", "w1", "^w[12]", "(a+)+$", "([", "pca", "custom"])
    | st.sampled_from(["undo", "redo", "rename", "run", "layout", "original", "new column"])
    | st.integers(-3, N + 3)
)
params = st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=5)
payloads = st.dictionaries(st.sampled_from(FIELDS), field_values | params, max_size=6)
# Projections that run in the background (t-SNE, UMAP), like the other background jobs
# (search by meaning, the Clusters button), are left out: they are tested on their own, and
# a thousand of them would only test the machine's patience.
kinds = st.sampled_from([k for k in protocol.KINDS]) | st.text(max_size=8)
requests = st.fixed_dictionaries(
    {"id": st.integers(0, 2**31) | st.text(max_size=6), "kind": kinds, "payload": payloads}
)
# The table's kinds with their own fields, so that annotate, edit and cluster rename run.
table_requests = st.fixed_dictionaries({
    "id": st.integers(0, 2**31),
    "kind": st.sampled_from(["annotate", "edit", "cluster"]),
    "payload": st.fixed_dictionaries(
        {"column": field_values, "value": field_values},
        optional={"action": st.sampled_from(["undo", "redo", "rename"]) | field_values,
                  "id": field_values, "name": field_values},
    ),
})  # fmt: skip
messages = (
    requests | table_requests | json_values
    | st.fixed_dictionaries({"id": json_values, "kind": json_values})
)  # fmt: skip
buffers = st.lists(st.binary(max_size=64), max_size=2)


def runs_in_background(content: Any) -> bool:
    payload = content.get("payload") if isinstance(content, dict) else None
    if not isinstance(payload, dict):
        return False
    kind = content.get("kind")
    if kind == "find" or (kind == "cluster" and payload.get("action") == "run"):
        return True
    method = payload.get("method")
    return isinstance(method, str) and method.lower() in {"tsne", "umap"}


@given(content=messages, data=buffers, chosen=st.lists(st.integers(0, N - 1), max_size=5))
def test_any_message_gets_one_reply_and_the_widget_keeps_working(widget, content, data, chosen):
    if runs_in_background(content):
        return
    if isinstance(content, dict) and content.get("kind") == "annotate":
        widget.selection = chosen  # annotate labels the selection: give it one (or none)
    replies = deliver(widget, content, data)
    assert len(replies) == 1
    reply = replies[0]
    assert reply["ok"] in (True, False)
    if reply["ok"] is False:
        assert isinstance(reply["error"], str) and reply["error"]
    if isinstance(content, dict) and isinstance(content.get("id"), (int, str)):
        assert reply["id"] == content["id"]
    # The metadata edits an annotate or a redo made are taken back (the check reads a label).
    while widget.edits["undo"]:
        widget.undo()
    # A normal request still works, and what the widget shows is finite.
    [row] = deliver(widget, {"id": "check", "kind": "row", "payload": {"index": 1}})
    assert row["id"] == "check" and row["ok"] is True
    assert row["result"]["index"] == 1 and row["result"]["row"]["word"] == "w1"
    assert np.isfinite(decode_positions(widget._positions)).all()


# ----------------------------------------------------------------------------- readers


def written(data: bytes, name: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="nbp-prop-"))
    path = folder / name
    path.write_bytes(data)
    return path


tsv_like = st.lists(
    st.sampled_from([b"a", b"\t", b"\n", b"\r\n", b"\r", b"1.5", b"-", b"\xef\xbb\xbf", b"\xff",
                     b"nan", b"\xe2\x80\xa8", b"x y", b"\x00", b"1e999", b"w"]),
    max_size=30,
).map(b"".join)  # fmt: skip


@given(data=st.binary(max_size=200) | tsv_like)
def test_metadata_tsv_reader_gives_a_table_or_its_own_error(data):
    path = written(data, "metadata.tsv")
    try:
        table = metadata.read_tsv(path)
    except metadata.MetadataError as err:
        assert str(err)
        return
    assert table.shape[1] >= 1 and len(set(table.columns)) == table.shape[1]


BOOKMARK_KEYS = [
    "format", "version", "bookmarks", "name", "projection", "coords", "selection", "camera",
    "point_size", "color_by", "label_by", "dtype", "data", "shape", "projections",
    "selectedPoints", "label", "filteredPoints", "pca-0", "pca-1", "tsne-0", "dims",
]  # fmt: skip
bookmark_json = st.recursive(
    json_scalars | st.sampled_from(["nbprojector-bookmarks", "pca", "tsne", "float16", "uint32"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(BOOKMARK_KEYS) | st.text(max_size=6), inner, max_size=5),
    max_leaves=16,
).map(lambda v: json.dumps(v).encode())


@given(data=st.binary(max_size=200) | bookmark_json)
def test_bookmark_reader_gives_bookmarks_or_its_own_error(data):
    path = written(data, "bookmarks.json")
    try:
        states = bookmarks.load(path, N)
    except bookmarks.BookmarkError as err:
        assert str(err)
        return
    assert all(isinstance(s, bookmarks.State) for s in states)


ANNOTATION_KEYS = ["column", "kind", "created", "groups", "value", "indices", "text", "number"]
annotations_json = st.recursive(
    json_scalars | st.integers(-(2**70), 2**70) | st.sampled_from(["text", "number", "word"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(ANNOTATION_KEYS) | st.text(max_size=6), inner, max_size=5),
    max_leaves=16,
)


@given(annotations=annotations_json)
def test_bookmark_annotations_load_checked_or_refused(annotations):
    """A bookmark that is whole but for its table edits: they load checked, or the reader
    refuses them with its own error (and what loads can be written again as strict JSON)."""
    state = bookmarks.State("b", "embedding", {"method": "pca"}, np.zeros((N, 2), np.float32))
    record = bookmarks.to_dict(state) | {"annotations": annotations}
    text = json.dumps({"format": bookmarks.FORMAT, "version": bookmarks.VERSION, "n_points": N,
                       "bookmarks": [record]})  # fmt: skip
    try:
        [loaded] = bookmarks.loads(text, N)
    except bookmarks.BookmarkError as err:
        assert str(err)
        return
    assert bookmarks.loads(bookmarks.dumps([loaded], N), N)[0].annotations == loaded.annotations


pbtxt_like = st.lists(
    st.sampled_from([b"embeddings {", b"}", b" tensor_path: ", b'"t.tsv"', b" metadata_path: ",
                     b'"../x"', b" sprite {", b" image_path: ", b" single_image_dim: ", b"0",
                     b"28", b" tensor_shape: ", b" bookmarks_path: ", b"\n", b"\xff", b"#",
                     b'"', b"\\", b"model_checkpoint_path: ", b"{", b"-1"]),
    max_size=30,
).map(b"".join)  # fmt: skip


@given(data=st.binary(max_size=200) | pbtxt_like)
def test_projector_config_reader_gives_a_config_or_its_own_error(data):
    pytest.importorskip("google.protobuf")
    from nbprojector import logdir_config

    path = written(data, "projector_config.pbtxt")
    try:
        logdir_config.parse_config(path)
        logdir_config.config_entries("run", path)
    except logdir_config.LogdirError as err:
        assert str(err)


# ------------------------------------------------------------------------ finite layouts

finite_matrices = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64]),
    shape=st.tuples(st.integers(2, 25), st.integers(2, 8)),
    elements=st.floats(allow_nan=False, allow_infinity=False, width=32),
) | hnp.arrays(
    dtype=np.float64,
    shape=st.tuples(st.integers(2, 12), st.integers(2, 5)),
    elements=st.floats(allow_nan=False, allow_infinity=False),
)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(matrix=finite_matrices)
def test_any_finite_matrix_gives_finite_positions(matrix):
    if np.abs(matrix).max() > np.finfo(np.float32).max:
        # Positions are float32: data beyond its range is refused, saying how to fix it.
        with pytest.raises(EmbeddingError, match="beyond float32's range"):
            Projector(matrix)
        return
    p = Projector(matrix)
    positions = decode_positions(p._positions)
    assert positions.size == p.n_points * 3 and np.isfinite(positions).all()
    assert np.isfinite(p.coordinates).all()
