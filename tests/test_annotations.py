"""Annotating the metadata table: annotate, undo and redo round-trip exactly; bad input
changes nothing and says why."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from nbprojector import Projector
from nbprojector.annotations import NUMBER, TEXT, AnnotationError, TableEdits, column_kind_of
from nbprojector.colors import color_points


def table() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["a", "b", "c", None, "e", "f"],
        "score": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5],
        "kind": pd.Categorical(["x", "y", "x", "y", "x", "y"]),
    })  # fmt: skip


def test_annotate_undo_redo_round_trip_exactly():
    t = table()
    before = t.copy()
    edits = TableEdits(t)
    edits.annotate([1, 3], "name", "fixed")
    edits.annotate([0, 5, 5], "topic", "refunds")
    edits.annotate([2], "weight", 3)
    after = t.copy()
    assert t["name"].tolist() == ["a", "fixed", "c", "fixed", "e", "f"]
    assert t["topic"].tolist() == ["refunds", None, None, None, None, "refunds"]
    assert t["weight"].dtype == np.float64 and t["weight"].iloc[2] == 3.0
    for _ in range(3):
        edits.undo()
    pd.testing.assert_frame_equal(t, before)
    for _ in range(3):
        edits.redo()
    pd.testing.assert_frame_equal(t, after)
    with pytest.raises(AnnotationError, match="nothing to redo"):
        edits.redo()


def test_fifty_steps_undo_back_to_the_start():
    t = table()
    before = t.copy()
    edits = TableEdits(t)
    for i in range(60):
        edits.annotate([i % 6], "name", f"v{i}")
    assert edits.can_undo == 60
    for _ in range(60):
        edits.undo()
    pd.testing.assert_frame_equal(t, before)
    with pytest.raises(AnnotationError, match="nothing to undo"):
        edits.undo()


def test_a_new_edit_drops_the_redo_steps():
    edits = TableEdits(table())
    edits.annotate([0], "name", "x")
    edits.undo()
    edits.annotate([1], "name", "y")
    assert edits.can_redo == 0


def test_the_log_says_time_indices_column_old_and_new():
    edits = TableEdits(table())
    edits.annotate([3, 1], "name", "fixed")
    log = edits.log()
    assert list(log.columns) == ["time", "action", "column", "indices", "old", "new", "created"]
    row = log.iloc[0]
    assert row["column"] == "name" and row["indices"].tolist() == [1, 3]
    assert row["old"].tolist() == ["b", None] and row["new"].tolist() == ["fixed", "fixed"]
    assert not row["created"]
    edits.undo()
    assert len(edits.log()) == 0


@pytest.mark.parametrize(
    ("indices", "column", "value", "message"),
    [
        ([6], "name", "z", r"indices must be in 0\.\.5"),
        ([-1], "name", "z", r"indices must be in 0\.\.5"),
        ([], "name", "z", "no points to annotate"),
        ([0.5], "name", "z", "whole point numbers"),
        (np.ones(6, bool), "name", "z", "boolean mask"),
        ([0], "name", 3, "holds text, so its value must be text"),
        ([0], "score", 1.0, "came with the data as numbers and is not editable"),
        ([0], "kind", "x", "came with the data as categories"),
        ([0], "", "x", "column name must be non-empty"),
        ([0], "new", None, "does not exist yet"),
        ([0], "new", float("nan"), "not a finite number"),
        ([0], "new", True, "is a boolean"),
        ([0], "new", ["a"], "give text, a number, or None"),
    ],
)
def test_bad_input_says_why_and_changes_nothing(indices, column, value, message):
    t = table()
    before = t.copy()
    edits = TableEdits(t)
    with pytest.raises(AnnotationError, match=message):
        edits.annotate(indices, column, value)
    pd.testing.assert_frame_equal(t, before)
    assert edits.can_undo == 0


def test_a_made_number_column_refuses_text():
    edits = TableEdits(table())
    edits.annotate([0], "weight", 2.0)
    with pytest.raises(AnnotationError, match="holds number"):
        edits.annotate([1], "weight", "heavy")
    edits.annotate([1], "weight", None)  # None clears, whatever the kind


def test_set_column_is_one_step():
    t = table()
    edits = TableEdits(t)
    edits.set_column("cluster", ["c0", "c0", "c1", "c1", None, "c2"], action="cluster")
    assert t["cluster"].tolist() == ["c0", "c0", "c1", "c1", None, "c2"]
    assert edits.editable("cluster")
    edits.annotate([4], "cluster", "c2")
    edits.undo()
    edits.undo()
    assert "cluster" not in t.columns
    with pytest.raises(AnnotationError, match="one value per point"):
        edits.set_column("cluster", ["a"])


def test_net_edits_leave_out_columns_edited_back_as_they_were():
    edits = TableEdits(table())
    edits.annotate([0], "name", "x")
    edits.undo()
    edits.annotate([1], "topic", "y")
    assert [e["column"] for e in edits.net()] == ["topic"]


def test_net_edits_put_back_on_the_data_as_loaded():
    t = table()
    edits = TableEdits(t)
    edits.annotate([1], "name", "fixed")
    edits.annotate([0, 2], "topic", "refunds")
    net = edits.net()
    wanted = t.copy()
    edits.annotate([2], "name", "other")
    edits.annotate([4], "topic", "billing")
    edits.put_back(net)
    pd.testing.assert_frame_equal(t, wanted)
    edits.undo()  # putting back is one undo step
    assert t["name"].iloc[2] == "other" and t["topic"].iloc[4] == "billing"


@pytest.mark.parametrize(
    ("series", "kind"),
    [
        (pd.Series(["a", None, "b"], dtype=object), TEXT),
        (pd.Series([None, np.nan], dtype=object), TEXT),  # nothing present yet: text
        (pd.Series([], dtype=object), TEXT),
        (pd.Series(np.array(["x", "y"])), TEXT),  # pandas' own string column
        (pd.Series(["x", None], dtype="string"), TEXT),
        (pd.Series(["a", 1], dtype=object), None),  # text mixed with numbers
        (pd.Series(["a", b"bytes"], dtype=object), None),
        (pd.Series([1.5, np.nan]), NUMBER),
        (pd.Series([1, 2]), None),  # whole numbers that came with the data
        (pd.Series(["a", "b"], dtype="category"), None),
        (pd.Series([True, False]), None),
    ],
)
def test_which_columns_hold_annotations(series, kind):
    assert column_kind_of(series) == kind


def test_a_million_distinct_labels_are_typed_as_text():
    """Typing a column looks at its values in one vectorised pass (a Python loop over a
    million distinct labels took seconds on the way to the first frame)."""
    labels = pd.Series(np.char.add("w", np.arange(1_000_000).astype(str)), dtype=object)
    python_calls = 0

    def count(_frame, event, _arg):
        nonlocal python_calls
        python_calls += event == "call"  # a Python function or generator step, not C

    sys.setprofile(count)
    try:
        kind = column_kind_of(labels)
    finally:
        sys.setprofile(None)
    assert kind == TEXT
    assert python_calls < 10_000  # not one Python step per value
    labels.iloc[-1] = 7
    assert column_kind_of(labels) is None


# ------------------------------------------------------------------ the widget


@pytest.fixture
def p(digits):
    labels = np.array([f"d{d}" for d in digits.target], dtype=object)
    widget = Projector(digits.data, {"label": labels, "digit": digits.target},
                       color_by="label")  # fmt: skip
    # The page asks for the labels once it has drawn its first frame.
    widget._requests.handle({"id": 0, "kind": "labels", "payload": {}}, [])
    yield widget
    widget.close()


def test_annotate_recolours_relabels_and_updates_columns(p):
    colors_before, labels_before = p._colors, p._labels
    p.annotate([0, 1, 2], "label", "oops")
    assert p.metadata["label"].iloc[:3].tolist() == ["oops"] * 3
    assert p._colors != colors_before and p._labels != labels_before
    assert p._colors == color_points(p.metadata["label"]).traits["_colors"]
    assert any(e["value"] == "oops" and e["count"] == 3 for e in p.legend["entries"])
    assert p.search("oops", column="label").tolist() == [0, 1, 2]
    p.annotate([5], "note", "look")
    assert "note" in [c["name"] for c in p.columns]
    assert p.edits["undo"] == 2 and "note" in p.edits["editable"]
    p.color_by = "note"
    p.undo()  # the column coloured by is gone: colours fall back to none
    assert p.color_by == "" and "note" not in p.metadata.columns
    p.undo()
    assert p._colors == b"" and p.metadata["label"].iloc[0] == "d0"
    p.color_by = "label"
    assert p._colors == colors_before and p._labels == labels_before
    p.redo()
    assert p.metadata["label"].iloc[0] == "oops" and p.edits["redo"] == 1


def test_widget_errors_leave_everything(p):
    colors = p._colors
    with pytest.raises(ValueError, match="not editable"):
        p.annotate([0], "digit", 3)
    with pytest.raises(ValueError, match=r"0\.\.1796"):
        p.annotate([5000], "label", "x")
    assert p._colors == colors and len(p.annotations) == 0 and p.edits["undo"] == 0


# ------------------------------------------------------------------ bookmarks, log dirs, export


def test_edits_travel_in_bookmarks_through_a_file(p, tmp_path, digits):
    p.annotate([0, 1], "label", "fixed")
    p.annotate([2, 3, 4], "topic", "loops")
    p.color_by = "topic"
    p.add_bookmark("annotated")
    annotated = p.metadata.copy()
    colors = p._colors
    p.undo()
    p.undo()
    assert "topic" not in p.metadata.columns
    p.restore_bookmark("annotated")
    pd.testing.assert_frame_equal(p.metadata, annotated)
    assert p.color_by == "topic" and p._colors == colors
    p.save_bookmarks(tmp_path / "b.json")
    labels = np.array([f"d{d}" for d in digits.target], dtype=object)
    other = Projector(digits.data, {"label": labels, "digit": digits.target})
    other.load_bookmarks(tmp_path / "b.json")
    other.restore_bookmark("annotated")
    pd.testing.assert_frame_equal(other.metadata, annotated)
    assert other.color_by == "topic" and other._colors == colors
    other.undo()  # the restore's table change is one undo step
    assert "topic" not in other.metadata.columns and other.metadata["label"].iloc[0] == "d0"
    other.close()


def test_bad_annotations_in_a_bookmark_file_are_refused_at_load(p, tmp_path):
    import json

    from nbprojector.bookmarks import BookmarkError

    p.annotate([0], "topic", "x")
    p.add_bookmark("one")
    p.save_bookmarks(tmp_path / "b.json")
    document = json.loads((tmp_path / "b.json").read_text())
    for damage, message in [
        ({"kind": "colour"}, "not text or number"),
        ({"groups": [{"value": "x", "indices": [99999]}]}, "indices outside"),
        ({"groups": [{"value": 3, "indices": [0]}]}, "holds text"),
        ({"column": ""}, "no column name"),
        ({"created": "yes"}, "'created' must be true or false"),
        ({"kind": "number", "groups": [{"value": 10**400, "indices": [0]}]}, "not a finite"),
        ({"groups": [{"value": "x", "indices": [True]}]}, "indices outside"),
        ("not an object", "not an object"),
    ]:
        broken = json.loads(json.dumps(document))
        if isinstance(damage, dict):
            broken["bookmarks"][0]["annotations"][0].update(damage)
        else:
            broken["bookmarks"][0]["annotations"][0] = damage
        (tmp_path / "bad.json").write_text(json.dumps(broken))
        with pytest.raises(BookmarkError, match=message):
            p.load_bookmarks(tmp_path / "bad.json")
    assert [b["name"] for b in p.bookmarks] == ["one"]


def test_a_bookmark_whose_annotations_do_not_fit_changes_nothing(p, digits):
    p.annotate([0], "topic", "x")
    p.add_bookmark("one")
    p._bookmarks.states[0].annotations = [
        {"column": "digit", "kind": "number", "created": False,
         "groups": [{"value": 1.0, "indices": [0]}]}
    ]  # fmt: skip
    before, colors = p.metadata.copy(), p._colors
    with pytest.raises(ValueError, match="not editable"):
        p.restore_bookmark("one")
    pd.testing.assert_frame_equal(p.metadata, before)
    assert p._colors == colors and p.edits["undo"] == 1


def test_to_logdir_writes_the_edited_table(p, tmp_path):
    from nbprojector.metadata import read_tsv

    pytest.importorskip("tensorboard")
    p.annotate([0, 1], "label", "fixed")
    p.annotate([5], "topic", "loops")
    p.to_logdir(tmp_path / "logs")
    written = read_tsv(tmp_path / "logs" / "metadata.tsv")
    assert written["label"].iloc[:3].tolist() == ["fixed", "fixed", "d2"]
    assert written["topic"].iloc[5] == "loops" and written["topic"].isna().sum() == p.n_points - 1


def test_the_offline_page_carries_the_edited_table(p, tmp_path):
    from nbprojector.export import decode_columns, encode_columns

    p.annotate([7], "topic", "loops")
    p.color_by = "topic"
    columns = decode_columns(encode_columns(p.export_record().data.table))
    assert columns["topic"][7] == "loops" and columns["topic"][0] is None
    html = p.to_html(tmp_path / "view.html").read_text()
    assert "loops" in html
