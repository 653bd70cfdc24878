"""Beyond the kernel: opening, PCA, neighbours, an IVF-PQ index and t-SNE / UMAP placement over
a clustered N x 128 float32 dataset stored as Lance on disk (10M rows: 5 GB).

    python bench/beyond.py                 # N = 10,000,000 (5 GB on disk; hours on 2 cores)
    python bench/beyond.py --quick         # N = 1,000,000, smaller fit and placement
    python bench/beyond.py --only open     # one section again (of open,pca,exact,index,query,
                                           # placement; query reuses the index built)
    python bench/beyond.py --n 2000000 --fit 50000 --place 200000 --folder /data/beyond

Rows: writing the data (once, reused), open -> first frame in JupyterLab and Chromium beside
an in-memory 1M matrix, with the kernel's peak RSS (beyond_open.py), PCA over all N on a
2-worker LocalCluster against in-memory PCA of min(N, 1M) rows, one exact streamed neighbour
query over all N, the IVF-PQ build, query latency and recall@100 against exact, and the rate
at which t-SNE's and UMAP's ``transform`` place points after a fit (over ``--place`` points,
else over as many as ``--place-seconds`` allow). Prints one Markdown table (the machine on
its first row) and writes it to bench/results/beyond-<sections>.md (git-ignored).
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
from nbprojector.lance_index import LanceIndexNeighbors, build_ivf_pq, default_partitions
from nbprojector.placement import fitted_placer
from nbprojector.projections import tsne as tsne_module
from nbprojector.projections import umap as umap_module
from nbprojector.projections.pca import pca
from nbprojector.streamed_neighbors import StreamedNeighbors
from nbprojector.streamed_pca import streamed_pca

RESULTS = Path(__file__).resolve().parent / "results" / "beyond.md"  # beyond-<sections>.md
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
    local = float("inf")
    for _ in range(3):  # best of 3, as the compute section times PCA: one call can be
        start = time.perf_counter()  # slowed many times over by another process's load
        pca(memory)
        local = min(local, time.perf_counter() - start)
    ratio = seconds / local
    return [
        Row("PCA over all rows, 2-worker LocalCluster", shape(n, D), fmt_time(seconds),
            f"{n / seconds:,.0f} rows/s; {ratio:.1f}x the in-memory {fmt_n(m)} time"),
        Row("PCA in memory (numpy)", shape(m, D), fmt_time(local),
            f"best of 3; {m / local:,.0f} rows/s"),
    ]  # fmt: skip


def exact_query_row(source: LanceBlocks, client: Any, n: int) -> Row:
    exact = StreamedNeighbors(source, ChunkRunner(client, rows_per_chunk=262_144))
    exact.query(0, 10, "cosine")  # warm: workers import and open the dataset
    start = time.perf_counter()
    exact.query(1, 100, "cosine")
    seconds = time.perf_counter() - start
    return Row("one exact neighbour query (k=100), streamed on the cluster", shape(n, D),
               fmt_time(seconds), "cosine; every row read from Lance")  # fmt: skip


def cosine_truth(source: LanceBlocks, picks: np.ndarray, k: int) -> list[np.ndarray]:
    """The exact k nearest rows (cosine) of every picked row, in one pass over all rows (a
    pass per query would read 5 GB twenty times at 10M)."""
    queries = source.take(picks)
    queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    best_sim = np.full((len(picks), k), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(picks), k), dtype=np.int64)
    for start, block in source.chunks(262_144):
        block = block / np.linalg.norm(block, axis=1, keepdims=True)
        sims = queries @ block.T  # (queries, rows of the block)
        ids = np.broadcast_to(np.arange(start, start + len(block)), sims.shape)
        sims = np.where(ids == picks[:, None], -np.inf, sims)  # a point is not its neighbour
        sims, ids = np.hstack([best_sim, sims]), np.hstack([best_ids, ids])
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        best_sim = np.take_along_axis(sims, top, 1)
        best_ids = np.take_along_axis(ids, top, 1)
    return list(best_ids)


def bench_partitions(n: int) -> int:
    """IVF partitions for the bench: the widget's default (Lance's advice, about sqrt(N),
    capped at 1,024: k-means costs grow with partitions squared and sqrt(10M) = 3,162
    would take hours on two shared cores)."""
    return default_partitions(n)


def index_rows(source: LanceBlocks, n: int, queries: int, partitions: int | None,
               refines: list[int]) -> list[Row]:  # fmt: skip
    """Build the index (unless ``partitions`` is None: the dataset's index is reused), then
    time queries and their recall@100 for each refine factor. No cluster runs in this
    process meanwhile (see README.md)."""
    rows = []
    if partitions is not None:
        start = time.perf_counter()
        build_ivf_pq(source.dataset, "vector", metric="cosine", num_partitions=partitions)
        build = time.perf_counter() - start
        rows.append(Row("IVF-PQ index build (Lance)", shape(n, D), fmt_time(build),
                        f"{partitions:,} partitions (sqrt(N) would be "
                        f"{default_partitions(n):,}), {D // 8} sub-vectors, cosine"))  # fmt: skip
        log(f"index built in {build:.0f} s")
    picks = np.random.default_rng(1).choice(n, queries, replace=False)
    log("exact neighbours of the queries (one pass)")
    truth = cosine_truth(source, picks, 100)
    exact = StreamedNeighbors(source, ChunkRunner(use_dask=False, rows_per_chunk=262_144))
    for refine in refines:
        index = LanceIndexNeighbors(source, source.dataset, "vector", "cosine",
                                    exact_backend=exact, refine_factor=refine)  # fmt: skip
        index.query(int(picks[0]), 100, "cosine")  # warm: opens the index files
        latencies, recalls = [], []
        for q, true in zip(picks, truth, strict=True):
            start = time.perf_counter()
            found = index.query(int(q), 100, "cosine").indices
            latencies.append(time.perf_counter() - start)
            recalls.append(len(np.intersect1d(found, true)) / 100)
        latency, recall = statistics.median(latencies), float(np.mean(recalls))
        met = "met" if latency <= 0.1 and recall >= 0.95 else "not met"
        rows.append(Row(f"click -> list from the index (k=100, {index.nprobes} probes, "
                        f"refine x{refine})", shape(n, D), fmt_time(latency),
                        f"median of {queries}; recall@100 {recall:.3f} (min "
                        f"{min(recalls):.2f}) against exact; distances exact; target 100 ms "
                        f"and 0.95: {met}"))  # fmt: skip
    return rows


def place_for(placer: Any, others: np.ndarray, place: int | None,
              seconds: float) -> tuple[int, float]:  # fmt: skip
    """Place blocks of 16,384 rows of ``others``: ``place`` rows, or (``place`` None) until
    ``seconds`` have passed; (rows placed, seconds taken)."""
    placer(others[:500], np.arange(500))  # warm: first-call costs are not the rate
    done, start = 0, time.perf_counter()
    limit = len(others) if place is None else place
    while done < limit and (place is not None or time.perf_counter() - start < seconds):
        block = others[done : min(limit, done + 16_384)]
        placer(block, np.arange(len(block)))
        done += len(block)
    return done, time.perf_counter() - start


def placement_rows(fit: int, place: int | None, seconds: float) -> list[Row]:
    """The placing rate of t-SNE's and UMAP's ``transform`` after a fit on ``fit`` rows:
    over ``place`` rows, or over as many blocks as ``seconds`` allow (placing 1M at t-SNE's
    ~400 points/s on two cores would take 40 minutes)."""
    rows = []
    fitted = clustered_block(0, fit, seed=5)
    others = clustered_block(fit, place or 1_000_000, seed=5)
    methods = [("t-SNE", tsne_module.tsne, {"n_iter": 500})]
    if umap_module.umap_available():
        methods.append(("UMAP", umap_module.umap, {}))
    for name, method, options in methods:
        model: list[Any] = []
        log(f"{name}: fitting {fit:,} points")
        start = time.perf_counter()
        method(fitted, on_fitted=lambda *m, into=model: into.append(m), **options)
        fit_s = time.perf_counter() - start
        log(f"{name}: placing")
        placed, taken = place_for(fitted_placer(*model[0]), others, place, seconds)
        how = f"the first {fmt_n(placed)} of {fmt_n(len(others))}" if place is None else ""
        rows.append(Row(f"{name} transform: placing points after a fit",
                        f"{placed:,} on {fmt_n(fit)}", fmt_time(taken),
                        f"{placed / taken:,.0f} points/s in process, measured on {how or 'all'}"
                        f" placed points; the fit took {fmt_time(fit_s)}"
                        + (" (numba compile included)" if name == "UMAP" else "")))  # fmt: skip
    return rows


SECTIONS = ("open", "pca", "exact", "index", "query", "placement")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 1M, smaller fit and placing")
    parser.add_argument("--n", type=int, help="rows (default 10M; --quick 1M)")
    parser.add_argument("--only", help=f"comma-separated sections, of {','.join(SECTIONS)} (all)")
    parser.add_argument("--fit", type=int, help="points fitted before placing (200k; 20k)")
    parser.add_argument("--place", type=int,
                        help="points placed (default: as many as --place-seconds allow)")
    parser.add_argument("--place-seconds", type=float, default=120.0,
                        help="placing time per method when --place is not given (120)")
    parser.add_argument("--partitions", type=int, help="IVF partitions (sqrt(N), at most 1,024)")
    parser.add_argument("--queries", type=int, default=20, help="index queries timed")
    parser.add_argument("--refine", default="20,70,100",
                        help="refine factors the index queries are timed with (20,70,100)")
    parser.add_argument("--folder", type=Path, help="where the Lance dataset is kept")
    args = parser.parse_args(argv)
    only = SECTIONS if args.only is None else tuple(args.only.split(","))
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        parser.error(f"--only: unknown section(s) {', '.join(unknown)}; "
                     f"choose from {','.join(SECTIONS)}")  # fmt: skip
    n = args.n or (1_000_000 if args.quick else 10_000_000)
    fit = args.fit or (20_000 if args.quick else 200_000)
    place = args.place or (50_000 if args.quick else None)
    partitions = args.partitions or bench_partitions(n)
    folder = args.folder or Path(tempfile.gettempdir()) / "nbprojector-beyond"
    folder.mkdir(parents=True, exist_ok=True)

    load_before = os.getloadavg()[0]
    begin = time.perf_counter()
    rows = [machine_row()]
    if set(only) - {"placement"}:
        source, wrote = open_dataset(folder, n)
        rows.append(Row("clustered dataset as Lance on disk", shape(n, D),
                        fmt_time(wrote) if wrote else "reused",
                        f"{n * D * 4 / 2**30:.2f} GiB of vectors; {source.uri}"))  # fmt: skip
    if "open" in only:
        from beyond_open import open_rows

        log("open -> first frame")
        rows += open_rows(source.uri, n, D)
    if "pca" in only or "exact" in only:
        rows += cluster_rows(source, n, only)
    if "index" in only or "query" in only:  # query: reuse the index the dataset has
        log("the index")
        rows += index_rows(source, n, args.queries, partitions if "index" in only else None,
                           [int(r) for r in args.refine.split(",")])  # fmt: skip
    if "placement" in only:
        log("placement")
        rows += placement_rows(fit, place, args.place_seconds)
    command = "python bench/beyond.py" + (" --quick" if args.quick else "")
    command += f" --n {n}" if set(only) - {"placement"} else ""  # placement's data is its own
    command += "" if args.only is None else f" --only {args.only}"
    if "placement" in only:
        command += f" --fit {fit}" + (f" --place {place}" if place else
                                      f" --place-seconds {args.place_seconds:g}")  # fmt: skip
    if "index" in only:
        command += f" --partitions {partitions}"
    if "index" in only or "query" in only:
        command += f" --refine {args.refine}"
    stamp = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    text = (
        f"{table(rows)}\n\n`{command}` on {stamp}, {fmt_time(time.perf_counter() - begin)} in "
        f"all; load average (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after.\n"
    )
    print(text)
    results = RESULTS.with_name(f"beyond-{'-'.join(only)}.md")
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(text)
    return 0


def cluster_rows(source: LanceBlocks, n: int, only: tuple[str, ...]) -> list[Row]:
    """PCA and the exact query, on a 2-worker LocalCluster started for them."""
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           memory_limit="2GiB", dashboard_address=None)  # fmt: skip
    client = Client(cluster, set_as_default=False)
    rows = [Row("LocalCluster(2 workers x 1 thread) start", "-",
                fmt_time(time.perf_counter() - start))]  # fmt: skip
    try:
        if "pca" in only:
            log("PCA")
            rows += pca_rows(source, client, n)
        if "exact" in only:
            log("one exact query")
            rows.append(exact_query_row(source, client, n))
    finally:
        client.close()
        cluster.close()
    return rows


if __name__ == "__main__":
    sys.exit(main())
