"""The widget over the engines: PCA on a Dask client, neighbours streamed for a source that
is not in memory, an IVF-PQ index built from the widget with its label in every answer
(Python and the page's request), ``exact=`` and ``where=``."""

from __future__ import annotations

import numpy as np
import pytest
from engine_sources import BlockSource, clustered

from nbprojector import Projector
from nbprojector.neighbor_backend import ExactNeighbors
from nbprojector.sources import ArraySource
from nbprojector.streamed_neighbors import StreamedNeighbors

N = 4_000


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return clustered(N, 16, clusters=10, seed=2)


def meta() -> dict:
    return {"lang": np.where(np.arange(N) % 4 == 0, "en", "fr"), "n": np.arange(N)}


def listening(p: Projector) -> Projector:
    p.sent = []
    p.send = lambda content, buffers=None: p.sent.append((content, buffers))
    return p


def ask(p, kind, payload):
    p._on_page_message(p, {"id": "t-1", "kind": kind, "payload": payload}, [])
    return p.sent[-1]


def test_pca_on_a_dask_client_equals_in_memory(vectors, dask_client):
    on_cluster = Projector(vectors, meta(), compute=dask_client)
    local = Projector(vectors, meta(), compute="local")
    a, b = on_cluster.coordinates, local.coordinates
    signs = np.sign((a * b).sum(axis=0))
    np.testing.assert_allclose(a * signs, b, atol=1e-4 * np.abs(b).max())


def test_a_source_not_in_memory_streams_its_neighbours_and_pca(vectors, monkeypatch):
    p = Projector(vectors, meta(), compute="local")
    expected = p.coordinates
    source = BlockSource(vectors)
    monkeypatch.setattr(p._view.data, "source", lambda name: source)
    assert isinstance(p._view.neighbors(), StreamedNeighbors)
    frame = p.neighbors(7, k=12)
    truth = ExactNeighbors(ArraySource(vectors)).query(7, 12, "cosine")
    np.testing.assert_array_equal(frame["index"].to_numpy(), truth.indices)
    np.testing.assert_array_equal(frame["distance"].to_numpy(), truth.distances)
    assert frame.attrs["found_by"] == "exact"
    source.taken = 0
    p._projections._pca._results.clear()  # computed from the matrix when the widget opened
    p.project("pca", components=(1, 2))
    assert source.taken >= 2 * N  # two passes read through the source, not the matrix
    np.testing.assert_allclose(np.abs(p.coordinates), np.abs(expected[:, :2]),
                               atol=1e-4 * np.abs(expected).max())  # fmt: skip


def test_tsne_record_says_fitted_and_placed(vectors):
    p = Projector(vectors[:900], {"n": np.arange(900)}, compute="local")
    p.project("tsne", n_iter=250, perplexity=20, fit_points=400).wait()
    assert p.projection["fitted"] == 400 and p.projection["placed"] == 500
    assert p.projection["placement"] == "fitted on 400 points, placed 500"
    assert np.isfinite(p.coordinates).all() and p.coordinates.shape == (900, 2)


def test_build_index_then_approximate_lists_labelled(vectors, tmp_path):
    p = listening(Projector(vectors, meta(), compute="local"))
    with pytest.raises(ValueError, match=r"not stored in Lance.*build_index\(folder="):
        p.build_index()
    with pytest.raises(ValueError, match="where= filters run on Lance"):
        p.neighbors(3, where="lang = 'en'")
    stages = []
    summary = p.build_index(num_partitions=20, folder=tmp_path / "v.lance",
                            on_progress=lambda m, f: stages.append(m))  # fmt: skip
    assert summary["kind"] == "ivf_pq" and summary["points"] == N
    assert stages[0].startswith("writing the vectors to Lance")
    assert "building the IVF-PQ index (20 partitions, 2 sub-vectors) over 4,000 points" in stages
    frame = p.neighbors(3, k=10)
    assert frame.attrs["found_by"] == "approximate (IVF-PQ, refined)"
    exact = p.neighbors(3, k=10, exact=True)
    assert exact.attrs["found_by"] == "exact"
    assert len(np.intersect1d(frame["index"], exact["index"])) >= 8
    english = p.neighbors(3, k=10, where="lang = 'en'")
    assert (english["index"] % 4 == 0).all() and len(english) == 10
    reply, _buffers = ask(p, "neighbors", {"index": 3, "k": 5, "metric": "cosine"})
    assert reply["ok"] and reply["result"]["found_by"] == "approximate (IVF-PQ, refined)"
    # The index serves cosine: a euclidean request is answered exactly, and says so.
    reply, _buffers = ask(p, "neighbors", {"index": 3, "k": 5, "metric": "euclidean"})
    assert reply["result"]["found_by"] == "exact"


def test_index_option_is_checked(vectors):
    with pytest.raises(ValueError, match=r"index must be one of 'ivf_pq' or None, got 'hnsw'"):
        Projector(vectors, index="hnsw")
