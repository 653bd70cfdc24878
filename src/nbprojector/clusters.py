"""Clusters of a layout, and a name for each: HDBSCAN finds them, the metadata names them.

Pure code (numpy, pandas, scikit-learn): no widget. :func:`find_clusters` runs
``sklearn.cluster.HDBSCAN`` on coordinates (a 2D / 3D layout, or the original vectors of a
small data set). Past ``max_fit_points`` it clusters a random sample and gives every other
point the cluster of its nearest sampled point, so a million points take seconds, not hours.
:func:`name_clusters` names each cluster from a metadata column: a text column by
class-based TF-IDF (each cluster's documents joined into one, then the terms most specific
to it), a categorical column by its most frequent values. Noise points are "unclustered".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

# scikit-learn is imported where a clustering runs: importing it (and the parts of SciPy it
# loads) takes most of a second, which ``import nbprojector`` would pay for every user.

#: The cluster id of noise points, and the name they get.
NOISE = -1
UNCLUSTERED = "unclustered"
#: Points HDBSCAN fits at most; the rest take the cluster of their nearest fitted point.
MAX_FIT_POINTS = 20_000
#: How many terms (or categories) name a cluster, and how many are kept as its top terms.
NAME_TERMS = 3
TOP_TERMS = 10

Naming = Literal["auto", "terms", "category"]


class ClusterError(ValueError):
    """Inputs clustering cannot use; the message says how to fix them."""


@dataclass
class Clustering:
    """What :func:`cluster` found.

    Attributes:
        labels: int64 cluster id per point given (``NOISE`` for unclustered points).
        table: one row per cluster, ordered by id: ``id``, ``name``, ``size``,
            ``top_terms`` (list of str), ``centre`` (tuple of floats, in the coordinates'
            units) and ``anchor`` (the index, into the points given, of the member nearest
            the centre: where the name is drawn).
    """

    labels: np.ndarray
    table: pd.DataFrame


def default_min_cluster_size(n_points: int) -> int:
    """Half a percent of the points, at least 5: small groups of a large map are noise."""
    return max(5, round(0.005 * n_points))


def find_clusters(
    coords: np.ndarray,
    *,
    min_cluster_size: int | None = None,
    min_samples: int | None = None,
    max_fit_points: int = MAX_FIT_POINTS,
    seed: int = 0,
) -> np.ndarray:
    """HDBSCAN cluster ids (int64, ``NOISE`` for noise) of the rows of ``coords``.

    Args:
        coords: (N, D) finite numbers.
        min_cluster_size: the smallest group called a cluster (default
            :func:`default_min_cluster_size`), counted among all N points.
        min_samples: HDBSCAN's density smoothing (default: min(min_cluster_size, 10)).
        max_fit_points: past this many points a random sample of this size is clustered
            and every other point takes the cluster of its nearest sampled point.
        seed: the sample's random seed.
    """
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim != 2 or len(coords) < 2:
        raise ClusterError(f"clustering needs an (N, D) array of N >= 2 points, got {coords.shape}")
    if not np.isfinite(coords).all():
        raise ClusterError("clustering needs finite coordinates; the layout has NaN or infinity")
    n = len(coords)
    size = default_min_cluster_size(n) if min_cluster_size is None else int(min_cluster_size)
    if size < 2:
        raise ClusterError(f"min_cluster_size must be at least 2, got {size}")
    if min_samples is not None and int(min_samples) < 1:
        raise ClusterError(f"min_samples must be at least 1, got {min_samples}")
    if n <= max_fit_points:
        fit_rows = None
        fitted = coords
    else:
        fit_rows = np.sort(np.random.default_rng(seed).choice(n, max_fit_points, replace=False))
        fitted = coords[fit_rows]
        # The same share of the sample: a cluster of `size` points has this many sampled.
        size = max(2, round(size * max_fit_points / n))
    from sklearn.cluster import HDBSCAN
    from sklearn.neighbors import NearestNeighbors

    samples = min(size, 10) if min_samples is None else int(min_samples)
    samples = min(samples, len(fitted) - 1)
    size = min(size, len(fitted))
    fit_labels = (
        HDBSCAN(min_cluster_size=size, min_samples=samples, copy=True)
        .fit_predict(fitted)
        .astype(np.int64)
    )
    if fit_rows is None:
        return fit_labels
    nearest = NearestNeighbors(n_neighbors=1).fit(fitted).kneighbors(coords, return_distance=False)
    labels = fit_labels[nearest[:, 0]]
    labels[fit_rows] = fit_labels
    return labels


def _is_text(values: pd.Series) -> bool:
    """Free text (named by terms) rather than categories (named by the most frequent):
    strings, mostly of several words, or nearly all distinct."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return False
    present = values.dropna().astype(str)
    if present.empty:
        return False
    several_words = float(present.str.contains(r"\w\W+\w", regex=True).mean())
    return several_words > 0.5 or present.nunique() > 0.5 * len(present)


def top_terms(
    labels: np.ndarray, texts: pd.Series, n_terms: int = TOP_TERMS
) -> dict[int, list[str]]:
    """Class-based TF-IDF: the terms most specific to each cluster (noise left out).

    Each cluster's texts count as one document (their term counts summed through a sparse
    cluster x point matrix, no per-point loop); TF-IDF over those documents weighs a term
    by how often the cluster uses it and down-weighs the terms every cluster uses.
    """
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    ids = np.unique(labels[labels != NOISE])
    if len(ids) == 0:
        return {}
    documents = texts.fillna("").astype(str).tolist()
    try:
        vectorizer = CountVectorizer(stop_words="english", token_pattern=r"(?u)\b[^\W\d_]{2,}\b")
        counts = vectorizer.fit_transform(documents)
    except ValueError:  # only stop words, digits or nothing at all: no terms to name by
        return {int(c): [] for c in ids}
    clustered = np.flatnonzero(labels != NOISE)
    row_of = np.searchsorted(ids, labels[clustered])
    membership = sparse.csr_matrix(
        (np.ones(len(clustered)), (row_of, clustered)), shape=(len(ids), len(labels))
    )
    per_cluster = membership @ counts
    weights = TfidfTransformer(sublinear_tf=True).fit_transform(per_cluster).toarray()
    vocabulary = vectorizer.get_feature_names_out()
    out: dict[int, list[str]] = {}
    for row, cluster_id in enumerate(ids):  # one loop step per cluster, not per point
        order = np.argsort(-weights[row], kind="stable")[:n_terms]
        out[int(cluster_id)] = [str(vocabulary[j]) for j in order if weights[row, j] > 0]
    return out


def top_categories(
    labels: np.ndarray, values: pd.Series, n_terms: int = TOP_TERMS
) -> dict[int, list[str]]:
    """Each cluster's most frequent values, most frequent first (ties: first seen)."""
    keep = labels != NOISE
    frame = pd.DataFrame({"cluster": labels[keep], "value": values.to_numpy()[keep]}).dropna()
    frame["value"] = frame["value"].astype(str)
    counts = frame.value_counts(sort=False).reset_index(name="n")
    counts = counts.sort_values(["cluster", "n"], ascending=[True, False], kind="stable")
    ranked = counts.groupby("cluster", sort=True)["value"].apply(lambda s: list(s[:n_terms]))
    out: dict[int, list[str]] = {int(c): [] for c in np.unique(labels[keep])}
    out.update({int(c): list(v) for c, v in ranked.items()})
    return out


def name_clusters(
    labels: np.ndarray, values: pd.Series | None, naming: Naming = "auto"
) -> tuple[dict[int, str], dict[int, list[str]]]:
    """A unique name and the top terms of each cluster.

    ``values`` (one per point) names the clusters: by class-based TF-IDF terms when it is
    free text (or ``naming="terms"``), by the most frequent values when it is categorical
    (or ``naming="category"``). Without values, or a cluster without any term, the name is
    "cluster <id>". Equal names get " (2)", " (3)" ...
    """
    ids = [int(c) for c in np.unique(labels[labels != NOISE])]
    terms: dict[int, list[str]] = {c: [] for c in ids}
    in_name = NAME_TERMS  # how many terms make the name (a category: its top value alone)
    if values is not None:
        if len(values) != len(labels):
            raise ClusterError(
                f"{len(values)} values to name {len(labels)} points; give one per point"
            )
        by_terms = naming == "terms" or (naming == "auto" and _is_text(values))
        terms.update(top_terms(labels, values) if by_terms else top_categories(labels, values))
        in_name = NAME_TERMS if by_terms else 1
    names: dict[int, str] = {}
    taken: set[str] = {UNCLUSTERED}
    for c in ids:
        base = ", ".join(terms[c][:in_name]) or f"cluster {c}"
        name, k = base, 2
        while name in taken:
            name, k = f"{base} ({k})", k + 1
        taken.add(name)
        names[c] = name
    return names, terms


def centres_and_anchors(
    coords: np.ndarray, labels: np.ndarray
) -> tuple[dict[int, np.ndarray], dict[int, int]]:
    """Each cluster's mean position, and its member nearest that mean (where a name is
    drawn: always on the cluster, also when the cluster is not convex)."""
    coords = np.asarray(coords, dtype=np.float64)
    members = np.flatnonzero(labels != NOISE)
    if len(members) == 0:
        return {}, {}
    frame = pd.DataFrame(coords[members], columns=[f"x{j}" for j in range(coords.shape[1])])
    frame["cluster"] = labels[members]
    means = frame.groupby("cluster").mean()
    offsets = coords[members] - means.loc[labels[members]].to_numpy()
    frame["distance"] = np.einsum("ij,ij->i", offsets, offsets)
    frame["point"] = members
    nearest = frame.loc[frame.groupby("cluster")["distance"].idxmin(), ["cluster", "point"]]
    centres = {int(c): means.loc[c].to_numpy() for c in means.index}
    anchors = {int(c): int(p) for c, p in zip(nearest["cluster"], nearest["point"], strict=True)}
    return centres, anchors


def cluster(
    coords: np.ndarray,
    values: pd.Series | None = None,
    *,
    naming: Naming = "auto",
    min_cluster_size: int | None = None,
    min_samples: int | None = None,
    max_fit_points: int = MAX_FIT_POINTS,
    seed: int = 0,
) -> Clustering:
    """Find the clusters of ``coords`` and name them from ``values`` (see the functions
    above); returns the labels and one row per cluster."""
    labels = find_clusters(coords, min_cluster_size=min_cluster_size, min_samples=min_samples,
                           max_fit_points=max_fit_points, seed=seed)  # fmt: skip
    names, terms = name_clusters(labels, values, naming)
    centres, anchors = centres_and_anchors(coords, labels)
    sizes = np.bincount(labels[labels != NOISE]) if (labels != NOISE).any() else np.zeros(0, int)
    ids = sorted(names)
    table = pd.DataFrame(
        {
            "id": pd.Series(ids, dtype=np.int64),
            "name": pd.Series([names[c] for c in ids], dtype=object),
            "size": pd.Series([int(sizes[c]) for c in ids], dtype=np.int64),
            "top_terms": pd.Series([terms[c] for c in ids], dtype=object),
            "centre": pd.Series([tuple(float(v) for v in centres[c]) for c in ids], dtype=object),
            "anchor": pd.Series([anchors[c] for c in ids], dtype=np.int64),
        }
    )
    return Clustering(labels=labels, table=table)


def name_column(labels: np.ndarray, names: dict[int, str]) -> pd.Series:
    """The per-point ``cluster`` column: each point's cluster name, "unclustered" for
    noise. Built from the codes (one lookup per point in numpy, no per-point loop)."""
    order = np.array(sorted(names), dtype=np.int64)
    text = np.array([UNCLUSTERED] + [names[int(c)] for c in order], dtype=object)
    codes = np.zeros(len(labels), dtype=np.int64)
    clustered = labels != NOISE
    codes[clustered] = np.searchsorted(order, labels[clustered]) + 1
    return pd.Series(text[codes], name="cluster", dtype=object)
