"""The widget's clusters: p.cluster(), the cluster column, the names drawn, renaming."""

import time

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from nbprojector import Projector
from nbprojector.clusters import UNCLUSTERED

TOPICS = ["apple banana fruit", "engine wheel car", "violin piano music", "river ocean water"]


@pytest.fixture
def blobs():
    emb, truth = make_blobs(600, n_features=8, centers=4, cluster_std=0.6, random_state=3)
    meta = pd.DataFrame({
        "text": [f"{TOPICS[b]} and more" for b in truth],
        "kind": np.array(["a", "b", "c", "d"])[truth],
    })  # fmt: skip
    return emb.astype(np.float32), truth, meta


def test_cluster_adds_the_column_the_table_and_the_names_drawn(blobs):
    emb, truth, meta = blobs
    p = Projector(emb, meta, label_by="text")
    table = p.cluster()
    assert list(table.columns) == ["id", "name", "size", "top_terms", "centre"]
    assert len(table) == 4
    column = p.metadata["cluster"]
    assert adjusted_rand_score(truth, column) > 0.95
    assert {frozenset(n.split(", ")) for n in table.name} == {frozenset(t.split()) for t in TOPICS}
    drawn = p.clustering["names"]
    assert [d["name"] for d in drawn] == list(table.name)
    for d in drawn:  # each name is drawn at a point of its own cluster
        assert column[d["anchor"]] == d["name"]
        assert d["size"] == (column == d["name"]).sum()
    assert p.clustering["state"] == "done"
    assert any(c["name"] == "cluster" for c in p.columns)


def test_colour_search_and_isolate_work_on_the_cluster_column(blobs):
    emb, _, meta = blobs
    p = Projector(emb, meta, label_by="text", color_by="")
    p.cluster()
    p.color_by = "cluster"
    palette = np.frombuffer(p._palette, np.uint8).reshape(-1, 3)
    colors = palette[np.frombuffer(p._colors, np.uint8)]  # one byte a point
    codes = pd.factorize(p.metadata["cluster"])[0]
    assert len({tuple(colors[codes == c][0]) for c in range(codes.max() + 1)}) == 4
    assert {entry["value"] for entry in p.legend["entries"]} == set(p.clusters.name)
    name = p.clusters.name[0]
    found = p.search(name, column="cluster")
    assert len(found) == p.clusters["size"][0]
    shown = p.isolate(found)
    assert len(shown) == len(found)


def test_categorical_column_names_by_its_most_frequent_value(blobs):
    emb, _, meta = blobs
    p = Projector(emb, meta)
    table = p.cluster("kind")
    assert sorted(table.name) == ["a", "b", "c", "d"]


def test_reclustering_after_isolate_clusters_only_the_points_shown(blobs):
    emb, truth, meta = blobs
    p = Projector(emb, meta, label_by="text")
    two = np.flatnonzero(truth < 2)
    p.isolate(two)
    table = p.cluster()
    assert len(table) == 2
    column = p.metadata["cluster"]
    assert (column[truth >= 2] == UNCLUSTERED).all()
    assert table["size"].sum() + (column[two] == UNCLUSTERED).sum() == len(two)


def test_rename_changes_the_column_and_the_names_and_undo_takes_it_back(blobs):
    emb, _, meta = blobs
    p = Projector(emb, meta, label_by="text")
    table = p.cluster()
    first, old = int(table.id[0]), table.name[0]
    members = p.metadata["cluster"] == old
    p.rename_cluster(first, "fruit bowl")
    assert (p.metadata["cluster"][members] == "fruit bowl").all()
    assert p.clusters.name[0] == "fruit bowl"
    assert p.clustering["names"][0]["name"] == "fruit bowl"
    p.undo()
    assert p.clusters.name[0] == old
    assert p.clustering["names"][0]["name"] == old
    p.undo()  # the clustering itself
    assert "cluster" not in p.metadata.columns
    assert p.clustering["names"] == []
    assert p.clusters.empty
    with pytest.raises(ValueError, match="no clusters shown"):
        p.rename_cluster(first, "x")
    p.redo()
    assert p.clusters.name[0] == old


def test_a_cluster_column_of_the_data_is_never_written_over(blobs):
    emb, truth, meta = blobs
    own = meta.assign(cluster=truth % 2)
    p = Projector(emb, own, label_by="text")
    table = p.cluster()
    np.testing.assert_array_equal(p.metadata["cluster"], truth % 2)
    assert p.clustering["column"] == "cluster (2)"
    assert set(p.metadata["cluster (2)"]) == set(table.name)
    p.rename_cluster(int(table.id[0]), "renamed")
    assert (p.metadata["cluster (2)"] == "renamed").sum() == table["size"][0]
    p.cluster()  # again: the same column, written over
    assert list(p.metadata.columns) == ["text", "kind", "cluster", "cluster (2)"]


@pytest.mark.parametrize(
    ("cluster_id", "name", "message"),
    [(99, "x", "unknown cluster id 99"), (0, "  ", "non-empty"), (0, "unclustered", "taken")],
)
def test_bad_renames_say_what_is_wrong_and_change_nothing(blobs, cluster_id, name, message):
    emb, _, meta = blobs
    p = Projector(emb, meta, label_by="text")
    p.cluster()
    before = p.metadata["cluster"].copy()
    with pytest.raises(ValueError, match=message):
        p.rename_cluster(cluster_id, name)
    pd.testing.assert_series_equal(p.metadata["cluster"], before)


def test_rename_before_clustering_and_bad_arguments_are_refused(blobs):
    emb, _, meta = blobs
    p = Projector(emb, meta)
    with pytest.raises(ValueError, match=r"run p.cluster\(\) first"):
        p.rename_cluster(0, "x")
    with pytest.raises(ValueError, match="unknown column 'nope'"):
        p.cluster("nope")
    with pytest.raises(ValueError, match="space must be one of"):
        p.cluster(space="moon")
    assert "cluster" not in p.metadata.columns


def test_the_original_space_is_offered_for_small_data(blobs):
    emb, truth, meta = blobs
    p = Projector(emb, meta, label_by="text")
    p.cluster(space="original")
    assert adjusted_rand_score(truth, p.metadata["cluster"]) > 0.95
    assert len(p.clusters.centre[0]) == emb.shape[1]


def test_the_button_clusters_in_the_background(blobs):
    emb, truth, meta = blobs
    p = Projector(emb, meta, label_by="text")
    replies = []
    p._requests._send = lambda content, buffers: replies.append(content)
    p._requests.handle({"id": 1, "kind": "cluster", "payload": {"action": "run"}}, [])
    assert replies == [{"id": 1, "ok": True, "result": {"state": "running"}}]
    deadline = time.monotonic() + 60
    while p.clustering.get("state") != "done" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert p.clustering["state"] == "done"
    assert len(p.clustering["names"]) == 4
    assert adjusted_rand_score(truth, p.metadata["cluster"]) > 0.95
    first = p.clustering["names"][0]["id"]
    p._requests.handle({"id": 2, "kind": "cluster",
                        "payload": {"action": "rename", "id": first, "name": "mine"}}, [])
    assert replies[-1]["ok"] and p.clustering["names"][0]["name"] == "mine"
    p._requests.handle({"id": 3, "kind": "cluster",
                        "payload": {"action": "rename", "id": first, "name": ""}}, [])
    assert not replies[-1]["ok"] and "non-empty" in replies[-1]["error"]
