"""Finding things in the map: search by meaning with a text encoder, clustering a layout
and naming the clusters, annotating.

Everything runs in this process, on the CPU."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from common import Row, attempt, fmt_n, fmt_time, timed
from sklearn.metrics import adjusted_rand_score

from nbprojector import Projector, clusters

#: Blobs of the 2-D layout clustered, each with its own words.
CLUSTER_BLOBS = 20
WORDS_PER_BLOB = 3


def blob_words(b: int) -> list[str]:
    """Blob b's own words, letters only (the vectorizer reads words of letters): 'aaax'..."""
    return [chr(ord("a") + b) * 3 + chr(ord("x") + w) for w in range(WORDS_PER_BLOB)]


def layout_with_texts(n: int, seed: int = 0) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """A 2-D layout of ``CLUSTER_BLOBS`` separated Gaussian blobs (as t-SNE / UMAP draw
    clusters), a text per point made of its blob's words and words every blob shares, and
    each point's blob."""
    rng = np.random.default_rng(seed)
    means = rng.uniform(-60, 60, size=(CLUSTER_BLOBS, 2)).astype(np.float32)
    blob = rng.integers(0, CLUSTER_BLOBS, n)
    coords = means[blob] + rng.standard_normal((n, 2), dtype=np.float32)
    own = np.array([" ".join(blob_words(b)) for b in range(CLUSTER_BLOBS)], dtype=object)
    shared = np.array(["the usual text", "some common words"], dtype=object)
    texts = pd.Series(own[blob] + " " + shared[rng.integers(0, 2, n)])
    return coords, texts, blob


def cluster_rows(sizes: list[int]) -> list[Row]:
    """clusters.cluster (HDBSCAN, then class-based TF-IDF names from a text column) on a 2-D
    layout at each size: the time, how many clusters, agreement with the blobs."""
    out: list[Row] = []
    for n in sizes:
        coords, texts, blob = layout_with_texts(n)
        fit = min(n, clusters.MAX_FIT_POINTS)
        seconds, found = timed(lambda c=coords, t=texts: clusters.cluster(c, t))
        named = sum(
            set(name.split(", ")) == set(blob_words(b))
            for name, b in zip(
                found.table["name"],
                [np.bincount(blob[found.labels == c]).argmax() for c in found.table["id"]],
                strict=True,
            )
        )
        ari = adjusted_rand_score(blob, found.labels)
        sampled = ("" if fit == n else
                   f"HDBSCAN on a {fmt_n(fit)} sample, the rest by nearest sampled point; ")
        out.append(Row(
            "cluster a 2D layout and name the clusters", f"{fmt_n(n)} points", fmt_time(seconds),
            f"{sampled}{len(found.table)} clusters of {CLUSTER_BLOBS} blobs (adjusted Rand "
            f"{ari:.3f}), {named} named by exactly their blob's words; "
            f"{int((found.labels == clusters.NOISE).sum())} unclustered",
        ))  # fmt: skip
    return out


def widget_cluster_rows(sizes: list[int]) -> list[Row]:
    """p.cluster() end to end: the 2-D layout shown clustered and named, the names written
    into the metadata's ``cluster`` column (one undo step) and the names' trait."""
    out: list[Row] = []
    for n in sizes:
        coords, texts, _ = layout_with_texts(n)
        p = Projector(coords, {"text": texts}, color_by="")
        p.project("pca", components=(1, 2))
        seconds, table = timed(lambda p=p: p.cluster("text"))
        out.append(Row(
            "p.cluster() on the 2D layout shown", f"{fmt_n(n)} points", fmt_time(seconds),
            f"{len(table)} clusters; the cluster column written and the names sent",
        ))  # fmt: skip
    return out


def annotate_rows(n: int) -> list[Row]:
    """p.annotate on half the points of a text column the view colours and labels by, then
    p.undo(): each step rewrites the column, the colours, the legend and the labels."""
    rng = np.random.default_rng(0)
    emb = rng.standard_normal((n, 16), dtype=np.float32)
    words = np.array([f"word{i}" for i in range(20)], dtype=object)
    p = Projector(emb, {"label": words[rng.integers(0, 20, n)]}, color_by="label")
    half = rng.permutation(n)[: n // 2]
    before = p.metadata["label"].copy()
    labelled, _ = timed(lambda: p.annotate(half, "label", "relabelled"))
    undone, _ = timed(p.undo)
    made, _ = timed(lambda: p.annotate(half, "reviewed", "yes"))
    p.undo()
    assert p.metadata["label"].equals(before) and "reviewed" not in p.metadata.columns
    p.close()
    return [
        Row("p.annotate: relabel half the points (coloured and labelled by the column)",
            f"{fmt_n(n)} points", fmt_time(labelled), f"{fmt_n(len(half))} points edited"),
        Row("p.undo() of that edit", f"{fmt_n(n)} points", fmt_time(undone),
            "the column, colours, legend and labels put back exactly"),
        Row("p.annotate into a new column", f"{fmt_n(n)} points", fmt_time(made),
            f"{fmt_n(len(half))} points; the others missing"),
    ]  # fmt: skip


class HashEncoder:
    """The tests' deterministic text encoder: hashed word counts times a fixed Gaussian
    matrix, into ``dims`` dimensions (a stand-in for a sentence model's ``encode``)."""

    def __init__(self, dims: int) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.vectorizer = HashingVectorizer(n_features=2**12, alternate_sign=False, norm="l2")
        self.matrix = np.random.default_rng(7).standard_normal((2**12, dims), dtype=np.float32)

    def __call__(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.vectorizer.transform(texts) @ self.matrix, dtype=np.float32)


def search_by_meaning_rows(n: int, dims: int = 384, k: int = 100) -> list[Row]:
    """Encode a query and find its k nearest of n points: from Python (p.search by meaning,
    p.neighbors of a text) and as the page asks (the find request, answered by a background
    job), with the encoder the tests use."""
    rng = np.random.default_rng(0)
    vocab = np.array([f"w{i}" for i in range(5_000)], dtype=object)
    words = vocab[rng.integers(0, len(vocab), (n, 6))]
    texts = [" ".join(row) for row in words]
    encoder = HashEncoder(dims)
    emb = np.concatenate([encoder(texts[i : i + 20_000]) for i in range(0, n, 20_000)])
    p = Projector(emb, {"text": texts}, color_by="", encoder=encoder)
    query = " ".join(words[n // 2][:4])
    first, hits = timed(lambda: p.search(query, by="meaning", k=k))
    again, _ = timed(lambda: p.search(query + " w1", by="meaning", k=k))
    near, _ = timed(lambda: p.neighbors(query + " w2", k=k))
    assert n // 2 in hits[:5], "the query's own sentence is among its nearest"

    def page_round_trip() -> None:
        p._requests._send = lambda _content, _buffers: None
        p._requests.handle({"id": 1, "kind": "find", "payload": {"query": query + " w3",
                                                                 "k": k}}, [])  # fmt: skip
        while p.find.get("state") == "running":
            time.sleep(0.001)
        assert p.find["state"] == "done", p.find

    page, _ = timed(page_round_trip)
    p.close()
    size = f"{fmt_n(n)} x {dims}"
    return [
        Row("p.search(text, by='meaning'): encode, k nearest, select, marker (first)", size,
            fmt_time(first), f"k={k}; includes building the exact index"),
        Row("p.search(text, by='meaning') again", size, fmt_time(again), f"k={k}"),
        Row("p.neighbors(text): encode and k nearest", size, fmt_time(near), f"k={k}"),
        Row("find request: encoded in a background job until the trait says done", size,
            fmt_time(page), f"k={k}; without the page's transport"),
    ]  # fmt: skip


def run(quick: bool) -> list[Row]:
    rows: list[Row] = []
    sizes = [100_000] if quick else [100_000, 1_000_000]
    attempt(rows, "cluster a 2D layout", lambda: cluster_rows(sizes))
    attempt(rows, "p.cluster()", lambda: widget_cluster_rows(sizes))
    attempt(rows, "annotate and undo", lambda: annotate_rows(100_000))
    attempt(rows, "search by meaning", lambda: search_by_meaning_rows(100_000))
    return rows
