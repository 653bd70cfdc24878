"""Clusters of a layout and their names (the pure module)."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from nbprojector import clusters

TOPICS = [
    "apple banana fruit",
    "engine wheel car",
    "violin piano music",
    "river ocean water",
]


def blobs(n=600, centers=4, seed=0):
    coords, truth = make_blobs(n, centers=centers, cluster_std=0.5, random_state=seed)
    rng = np.random.default_rng(seed)
    # Every text also has words all blobs share: the names must come from the specific ones.
    common = rng.choice(["the common red", "a common blue"], size=n)
    texts = pd.Series([f"{TOPICS[b]} {c}" for b, c in zip(truth, common, strict=True)])
    return coords, truth, texts


def test_finds_the_blobs_and_names_them_by_their_own_words():
    coords, truth, texts = blobs()
    result = clusters.cluster(coords, texts)
    assert adjusted_rand_score(truth, result.labels) > 0.95
    table = result.table
    assert list(table.columns) == ["id", "name", "size", "top_terms", "centre", "anchor"]
    assert len(table) == 4
    for row in table.itertuples():
        members = truth[result.labels == row.id]
        blob = np.bincount(members).argmax()
        assert set(row.name.split(", ")) == set(TOPICS[blob].split())
        assert "common" not in row.top_terms[:3]
        assert row.size == (result.labels == row.id).sum()
        assert result.labels[row.anchor] == row.id
        np.testing.assert_allclose(row.centre, coords[result.labels == row.id].mean(0))


def test_categorical_column_names_by_most_frequent_value():
    coords, truth, _ = blobs()
    animals = np.array(["cat", "dog", "owl", "eel"])[truth].astype(object)
    animals[::10] = "dog"  # a minority of other values does not change the names
    result = clusters.cluster(coords, pd.Series(animals))
    named = {row.name: np.bincount(truth[result.labels == row.id]).argmax()
             for row in result.table.itertuples()}  # fmt: skip
    assert named == {"cat": 0, "dog": 1, "owl": 2, "eel": 3}


def test_noise_is_unclustered_and_the_column_has_one_name_per_point():
    coords, _, texts = blobs(400)
    far = np.array([[100.0, 100.0], [-100.0, 100.0], [100.0, -100.0]])
    result = clusters.cluster(np.vstack([coords, far]), pd.concat([texts, pd.Series(["x"] * 3)]))
    assert (result.labels[-3:] == clusters.NOISE).all()
    names = dict(zip(result.table.id, result.table.name, strict=True))
    column = clusters.name_column(result.labels, names)
    assert len(column) == 403
    assert (column[-3:] == clusters.UNCLUSTERED).all()
    assert set(column[:400]) <= set(result.table.name) | {clusters.UNCLUSTERED}


def test_large_inputs_cluster_a_sample_and_assign_the_rest_to_the_nearest():
    coords, truth = make_blobs(6000, centers=3, cluster_std=0.4, random_state=1)
    labels = clusters.find_clusters(coords, max_fit_points=1000)
    assert adjusted_rand_score(truth, labels) > 0.95


def test_equal_names_are_made_unique_and_no_values_gives_numbered_names():
    coords, truth, _ = blobs()
    same = pd.Series(["same words here"] * len(truth))
    names = list(clusters.cluster(coords, same).table.name)
    assert len(set(names)) == len(names) == 4
    plain = clusters.cluster(coords).table
    assert list(plain.name) == [f"cluster {c}" for c in plain.id]


@pytest.mark.parametrize(
    ("coords", "kwargs", "message"),
    [
        (np.array([[0.0, np.nan], [1.0, 2.0]]), {}, "finite"),
        (np.zeros((10, 2)), {"min_cluster_size": 1}, "min_cluster_size must be at least 2"),
        (np.zeros(10), {}, "(N, D)"),
    ],
)
def test_bad_input_says_what_to_fix(coords, kwargs, message):
    with pytest.raises(clusters.ClusterError, match=re.escape(message)):
        clusters.find_clusters(coords, **kwargs)


def test_values_of_the_wrong_length_are_refused():
    coords, _, texts = blobs()
    with pytest.raises(clusters.ClusterError, match="one per point"):
        clusters.cluster(coords, texts[:10])


def test_importing_the_package_leaves_scikit_learn_until_a_clustering_runs():
    """scikit-learn takes most of a second to import: a notebook that never clusters never
    pays it, and one that does gets it at its first clustering."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, nbprojector\n"
        "from nbprojector.clusters import find_clusters\n"
        "p = nbprojector.Projector(np.random.default_rng(0).normal(size=(300, 4)))\n"
        "print('sklearn' in sys.modules)\n"
        "find_clusters(np.random.default_rng(1).normal(size=(50, 2)))\n"
        "print('sklearn' in sys.modules)\n"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, timeout=120)  # fmt: skip
    assert shown.stdout.split() == ["False", "True"], shown.stderr
