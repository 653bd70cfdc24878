"""Beyond the kernel: PCA, neighbours, an IVF-PQ index and t-SNE / UMAP placement over a
clustered N x 128 float32 dataset stored as Lance on disk (10M rows: 5 GB).

    python bench/beyond.py                 # N = 10,000,000 (5 GB on disk; hours on 2 cores)
    python bench/beyond.py --quick         # N = 1,000,000, smaller fit and placement
    python bench/beyond.py --n 2000000 --fit 50000 --place 200000 --folder /data/beyond

Rows: opening the data (written once, reused), PCA over all N on a 2-worker LocalCluster
against in-memory PCA of min(N, 1M) rows, one exact streamed neighbour query over all N,
the IVF-PQ build, query latency and recall@100 against exact, and the rate at which
t-SNE's and UMAP's ``transform`` place points after a fit. Prints one Markdown table (the
machine on its first row) and writes it to bench/results/beyond.md (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: siblings import
from common import Row, fmt_n, fmt_time, shape

from bench import machine_row, table
from nbprojector.chunk_runner import ChunkRunner
from nbprojector.lance_index import LanceIndexNeighbors, build_ivf_pq
from nbprojector.neighbor_backend import ExactNeighbors
from nbprojector.placement import tsne_placer, umap_placer
from nbprojector.projections import tsne as tsne_module
from nbprojector.projections import umap as umap_module
from nbprojector.projections.pca import pca
from nbprojector.sources import ArraySource
from nbprojector.streamed_neighbors import StreamedNeighbors
from nbprojector.streamed_pca import streamed_pca

RESULTS = Path(__file__).resolve().parent / "results" / "beyond.md"
D = 128
CLUSTERS = 100
WRITE_ROWS = 1_000_000


def log(message: str) -> None:
    print(f"[beyond] {message}", file=sys.stderr, flush=True)


def clustered_block(start: int, n: int, seed: int = 0) -> np.ndarray:
    """Rows [start, start + n) of the dataset: the same rows whatever the block size."""
    centres = np.random.default_rng(seed).normal(size=(CLUSTERS, D)).astype(np.float32) * 3
    rng = np.random.default_rng([seed, start])
    labels = rng.integers(0, CLUSTERS, n)
    return centres[labels] + rng.standard_normal((n, D), dtype=np.float32)


class LanceBlocks:
    """A vector source over a Lance dataset's ``vector`` column (workers reopen it by path)."""

    in_memory = False

    def __init__(self, uri: str) -> None:
        import lance

        self.uri = uri
        self.dataset = lance.dataset(uri)
        self.vector_column = "vector"
        self.shape = (self.dataset.count_rows(), D)
        self.dtype = np.dtype(np.float32)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return LanceBlocks, (self.uri,)

    def take(self, rows: np.ndarray) -> np.ndarray:
        table = self.dataset.take(np.asarray(rows, dtype=np.int64), columns=["vector"])
        flat = table.column("vector").combine_chunks().flatten().to_numpy()
        return flat.reshape(len(rows), D).astype(np.float32, copy=False)

    def chunks(self, rows_per_chunk: int) -> Any:
        for start in range(0, self.shape[0], rows_per_chunk):
            stop = min(self.shape[0], start + rows_per_chunk)
            yield start, self.take(np.arange(start, stop))


def open_dataset(folder: Path, n: int) -> tuple[LanceBlocks, float]:
    """The Lance dataset of N rows in ``folder`` (written unless it is already there)."""
    import lance
    import pyarrow as pa

    uri = str(folder / f"clustered-{n}x{D}.lance")
    if Path(uri).exists() and lance.dataset(uri).count_rows() == n:
        return LanceBlocks(uri), 0.0
    start = time.perf_counter()

    def batches() -> Any:
        for first in range(0, n, WRITE_ROWS):
            block = clustered_block(first, min(WRITE_ROWS, n - first))
            log(f"writing rows {first:,}..{first + len(block):,}")
            column = pa.FixedSizeListArray.from_arrays(pa.array(block.ravel()), D)
            yield pa.RecordBatch.from_pydict({"vector": column})

    schema = pa.schema([("vector", pa.list_(pa.float32(), D))])
    lance.write_dataset(pa.RecordBatchReader.from_batches(schema, batches()), uri,
                        mode="overwrite", max_rows_per_file=4_000_000)  # fmt: skip
    return LanceBlocks(uri), time.perf_counter() - start


def pca_rows(source: LanceBlocks, client: Any, n: int) -> list[Row]:
    runner = ChunkRunner(client, rows_per_chunk=262_144)
    seconds = time.perf_counter()
    streamed_pca(source, runner=runner)
    seconds = time.perf_counter() - seconds
    m = min(n, 1_000_000)
    memory = clustered_block(0, m)
    local = time.perf_counter()
    pca(memory)
    local = time.perf_counter() - local
    ratio = seconds / local
    return [
        Row("PCA over all rows, 2-worker LocalCluster", shape(n, D), fmt_time(seconds),
            f"{n / seconds:,.0f} rows/s; {ratio:.1f}x the in-memory {fmt_n(m)} time"),
        Row("PCA in memory (numpy)", shape(m, D), fmt_time(local), f"{m / local:,.0f} rows/s"),
    ]  # fmt: skip


def exact_query_row(source: LanceBlocks, client: Any, n: int) -> Row:
    exact = StreamedNeighbors(source, ChunkRunner(client, rows_per_chunk=262_144))
    exact.query(0, 10, "cosine")  # warm: workers import and open the dataset
    start = time.perf_counter()
    exact.query(1, 100, "cosine")
    seconds = time.perf_counter() - start
    return Row("one exact neighbour query (k=100), streamed on the cluster", shape(n, D),
               fmt_time(seconds), "cosine; every row read from Lance")  # fmt: skip


def index_rows(source: LanceBlocks, n: int, queries: int) -> list[Row]:
    """The index is built with no cluster running in this process (see README.md)."""
    start = time.perf_counter()
    build_ivf_pq(source.dataset, "vector", metric="cosine")
    build = time.perf_counter() - start
    partitions = int(max(1, min(round(n**0.5), n // 40)))
    rows = [Row("IVF-PQ index build (Lance)", shape(n, D), fmt_time(build),
                f"{partitions} partitions, {D // 8} sub-vectors, cosine")]  # fmt: skip
    exact = StreamedNeighbors(source, ChunkRunner(use_dask=False, rows_per_chunk=262_144))
    index = LanceIndexNeighbors(source, source.dataset, "vector", "cosine", exact_backend=exact)
    picks = np.random.default_rng(1).choice(n, queries, replace=False)
    index.query(int(picks[0]), 100, "cosine")  # warm: opens the index files
    latencies, recalls = [], []
    truth_rows = clustered_block(0, n) if n <= 2_000_000 else None
    truth_index = ExactNeighbors(ArraySource(truth_rows)) if truth_rows is not None else exact
    for q in picks:
        start = time.perf_counter()
        found = index.query(int(q), 100, "cosine")
        latencies.append(time.perf_counter() - start)
        truth = truth_index.query(int(q), 100, "cosine")
        recalls.append(len(np.intersect1d(found.indices, truth.indices)) / 100)
    rows.append(Row("click -> list from the index (k=100, refine x20)", shape(n, D),
                    fmt_time(statistics.median(latencies)),
                    f"median of {queries}; recall@100 {np.mean(recalls):.3f} "
                    f"(min {min(recalls):.2f}), distances exact"))  # fmt: skip
    return rows


def placement_rows(fit: int, place: int) -> list[Row]:
    rows = []
    fitted = clustered_block(0, fit, seed=5)
    others = clustered_block(fit, place, seed=5)
    model: list[Any] = []
    start = time.perf_counter()
    tsne_module.tsne(fitted, n_iter=500, on_fitted=lambda *m: model.append(m))
    fit_s = time.perf_counter() - start
    placer = tsne_placer(*model[0])
    placer(others[:500], np.arange(500))  # warm: first-call costs are not the rate
    start = time.perf_counter()
    for first in range(0, place, 16_384):
        placer(others[first : first + 16_384], np.arange(16_384))
    seconds = time.perf_counter() - start
    rows.append(Row("t-SNE transform: placing points after a fit", f"{fmt_n(place)} on "
                    f"{fmt_n(fit)}", fmt_time(seconds),
                    f"{place / seconds:,.0f} points/s in process; the fit took "
                    f"{fmt_time(fit_s)}"))  # fmt: skip
    if umap_module.umap_available():
        model.clear()
        start = time.perf_counter()
        umap_module.umap(fitted, on_fitted=lambda m: model.append((m,)))
        fit_s = time.perf_counter() - start
        placer = umap_placer(*model[0])
        placer(others[:500], np.arange(500))  # warm: numba compiles transform's kernels
        start = time.perf_counter()
        for first in range(0, place, 16_384):
            placer(others[first : first + 16_384], np.arange(16_384))
        seconds = time.perf_counter() - start
        rows.append(Row("UMAP transform: placing points after a fit", f"{fmt_n(place)} on "
                        f"{fmt_n(fit)}", fmt_time(seconds),
                        f"{place / seconds:,.0f} points/s in process; the fit took "
                        f"{fmt_time(fit_s)} (numba compile included)"))  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 1M, smaller fit and placing")
    parser.add_argument("--n", type=int, help="rows (default 10M; --quick 1M)")
    parser.add_argument("--fit", type=int, help="points fitted before placing (200k; 20k)")
    parser.add_argument("--place", type=int, help="points placed (1M; 50k)")
    parser.add_argument("--queries", type=int, default=20, help="index queries timed")
    parser.add_argument("--folder", type=Path, help="where the Lance dataset is kept")
    args = parser.parse_args(argv)
    n = args.n or (1_000_000 if args.quick else 10_000_000)
    fit = args.fit or (20_000 if args.quick else 200_000)
    place = args.place or (50_000 if args.quick else 1_000_000)
    folder = args.folder or Path(tempfile.gettempdir()) / "nbprojector-beyond"
    folder.mkdir(parents=True, exist_ok=True)

    from distributed import Client, LocalCluster

    load_before = os.getloadavg()[0]
    begin = time.perf_counter()
    rows = [machine_row()]
    source, wrote = open_dataset(folder, n)
    rows.append(Row("clustered dataset as Lance on disk", shape(n, D),
                    fmt_time(wrote) if wrote else "reused",
                    f"{n * D * 4 / 2**30:.2f} GiB of vectors; {source.uri}"))  # fmt: skip
    start = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           memory_limit="2GiB", dashboard_address=None)  # fmt: skip
    client = Client(cluster, set_as_default=False)
    rows.append(Row("LocalCluster(2 workers x 1 thread) start", "-",
                    fmt_time(time.perf_counter() - start)))  # fmt: skip
    try:
        log("PCA")
        rows += pca_rows(source, client, n)
        log("one exact query")
        rows.append(exact_query_row(source, client, n))
    finally:
        client.close()
        cluster.close()
    log("the index")
    rows += index_rows(source, n, args.queries)
    log("placement")
    rows += placement_rows(fit, place)
    command = "python bench/beyond.py" + (" --quick" if args.quick else "") + (
        f" --n {n} --fit {fit} --place {place}")  # fmt: skip
    stamp = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    text = (
        f"{table(rows)}\n\n`{command}` on {stamp}, {fmt_time(time.perf_counter() - begin)} in "
        f"all; load average (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after.\n"
    )
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
