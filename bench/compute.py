"""Compute rows: PCA (ours beside sklearn's), Projector construction, exact neighbours.
Everything runs in this process, on the CPU. ``image_rows`` (thumbnails and atlases) is
run by the ``images`` section (images.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from common import Row, best_of, blobs, fmt_bytes, fmt_n, fmt_time, median_time, shape, timed

from nbprojector import Projector
from nbprojector.neighbors import NeighborIndex
from nbprojector.projections.pca import pca
from nbprojector.thumbnails import as_thumbnails, build_atlases

K_PCA = 10
K_NEIGHBOURS = 100
QUERIES = 10


def _best(runs: int) -> str:
    return f"best of {runs}; " if runs > 1 else ""


def available_ram() -> int:
    """MemAvailable from /proc/meminfo, in bytes (0 where unknown)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def matrix_rows(
    sizes: list[tuple[int, int]],
    sklearn_size: tuple[int, int],
    nn_sizes: list[tuple[int, int]],
) -> tuple[list[Row], list[Row]]:
    """PCA rows at every size in ``sizes`` (sklearn beside ours at ``sklearn_size``) and
    neighbour rows at ``nn_sizes``; each matrix is made once and serves both."""
    pca_out: list[Row] = []
    nn_out: list[Row] = []
    for n, d in sorted(set(sizes) | set(nn_sizes), key=lambda s: s[0] * s[1]):
        # The matrix, one block of scratch while making it, scores; neighbours add the
        # unit-norm copy of the rows (cosine).
        need = (3.3 if (n, d) in nn_sizes else 2.5) * n * d * 4
        if need > available_ram() * 0.8:
            note = f"needs ~{fmt_bytes(need)}, {fmt_bytes(available_ram())} free"
            pca_out.append(Row("PCA (nbprojector)", shape(n, d), "skipped", note))
            continue
        x, _ = blobs(n, d)
        if (n, d) in sizes:
            pca_out.extend(pca_row(x, sklearn=(n, d) == sklearn_size))
        if (n, d) in nn_sizes:
            nn_out.extend(neighbour_rows(x))
        del x
    return pca_out, nn_out


def pca_row(x: np.ndarray, sklearn: bool) -> list[Row]:
    n, d = x.shape
    seconds, runs, result = best_of(lambda: pca(x, K_PCA))
    target = "; target: within 5 s" if (n, d) == (1_000_000, 768) else ""
    rows = [
        Row(
            "PCA (nbprojector), 10 components",
            shape(n, d),
            fmt_time(seconds),
            f"{_best(runs)}covariance in float32 chunks + eigh; input {fmt_bytes(x.nbytes)}; "
            f"top component explains {result.explained_variance_ratio[0]:.1%}{target}",
        )
    ]
    if sklearn:
        rows.extend(sklearn_rows(x, seconds))
    return rows


def sklearn_rows(x: np.ndarray, ours: float) -> list[Row]:
    from sklearn.decomposition import PCA

    rows = []
    n, d = x.shape
    for solver, note in (
        ("randomized", "randomized SVD (sklearn's default at this size)"),
        ("covariance_eigh", "the same method as ours, float32 in"),
    ):
        seconds, runs, _ = best_of(
            lambda s=solver: PCA(K_PCA, svd_solver=s, random_state=0).fit_transform(x)
        )
        rows.append(
            Row(
                f"PCA (sklearn, svd_solver='{solver}')",
                shape(n, d),
                fmt_time(seconds),
                f"{_best(runs)}{note}; {seconds / ours:.1f}x ours",
            )
        )
    return rows


def projector_row(n: int, d: int) -> Row:
    x, labels = blobs(n, d)
    table = pd.DataFrame(
        {
            "name": [f"item {i}" for i in range(n)],
            "blob": pd.Series(labels).map(lambda b: f"blob {b}"),
        }
    )
    pca_alone, _, _ = best_of(lambda: pca(x, K_PCA))
    seconds, runs, _ = best_of(lambda: Projector(x, table, color_by="blob"))
    return Row(
        "Projector(emb, meta) construction",
        f"{shape(n, d)}, 2 columns",
        fmt_time(seconds),
        f"{_best(runs)}validation + PCA + colours + labels (no kernel attached, so nothing "
        f"is sent); PCA alone {fmt_time(pca_alone)}",
    )


def neighbour_rows(x: np.ndarray) -> list[Row]:
    """k=100 exact neighbours of one row, cosine and euclidean: the median over different
    rows (10, or 5 on the biggest matrices)."""
    n, d = x.shape
    repeats = 5 if n * d > 200_000_000 else QUERIES
    index = NeighborIndex(x)
    queries = np.random.default_rng(2).choice(n, repeats + 1, replace=False)
    # The first cosine query builds the unit rows; it is timed apart, on a row of its own.
    first, _ = timed(lambda: index.query(int(queries[-1]), K_NEIGHBOURS))
    target = "; target: within 150 ms" if (n, d) == (1_000_000, 768) else ""
    rows = []
    for metric in ("cosine", "euclidean"):
        seconds, times = median_time(
            lambda i, m=metric: index.query(int(queries[i]), K_NEIGHBOURS, metric=m), repeats
        )
        note = f"median of {repeats} (min {fmt_time(min(times))}, max {fmt_time(max(times))})"
        if metric == "cosine":
            note += f"; the very first cosine query builds the unit rows: {fmt_time(first)}"
        rows.append(
            Row(
                f"exact neighbours, one query, k=100, {metric}",
                shape(n, d),
                fmt_time(seconds),
                note + target,
            )
        )
    return rows


def digit_images(n: int) -> np.ndarray:
    """(n, 28, 28) uint8: sklearn's 1,797 digits upscaled to 28 x 28, tiled to n images."""
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = (load_digits().images * (255 / 16)).astype(np.uint8)
    big = np.stack(
        [
            np.asarray(Image.fromarray(im).resize((28, 28), Image.Resampling.BILINEAR))
            for im in digits
        ]
    )
    return big[np.arange(n) % len(big)]


def image_rows(n: int) -> list[Row]:
    images = digit_images(n)
    t_thumbs, thumbs = timed(lambda: as_thumbnails(images, n=n))
    t_atlas, atlases = timed(lambda: build_atlases(thumbs))
    png = sum(len(p) for p in atlases.pngs)
    size = f"{fmt_n(n)} x 28 x 28"
    return [
        Row(
            "images: thumbnails.as_thumbnails",
            size,
            fmt_time(t_thumbs),
            f"grey uint8 in, RGBA out ({fmt_bytes(thumbs.nbytes)} in memory)",
        ),
        Row(
            "images: thumbnails.build_atlases",
            size,
            fmt_time(t_atlas),
            f"{len(atlases.pngs)} PNG atlas{'es' if len(atlases.pngs) > 1 else ''} "
            f"({', '.join(f'{w} x {h}' for w, h in atlases.sizes)} px), {fmt_bytes(png)} "
            f"({png / n:.0f} B an image); raw grey pixels {fmt_bytes(n * 28 * 28)}",
        ),
    ]


def warm_up() -> None:
    """Load BLAS, pandas and the widget once, so the first row does not pay for it."""
    x, labels = blobs(2_000, 64)
    pca(x, K_PCA)
    Projector(x, {"blob": labels})
    NeighborIndex(x).query(0, 10)


def run(quick: bool) -> list[Row]:
    """The compute rows; ``quick`` uses sizes 5-10x smaller."""
    if quick:
        pca_sizes = [(10_000, 128), (10_000, 768), (20_000, 768), (100_000, 128)]
        sk, proj = (20_000, 768), (20_000, 128)
        nn_sizes = [(20_000, 768), (100_000, 128)]
    else:
        pca_sizes = [(n, d) for n in (10_000, 100_000, 1_000_000) for d in (128, 768)]
        sk, proj = (100_000, 768), (100_000, 128)
        nn_sizes = [(100_000, 768), (1_000_000, 128), (1_000_000, 768)]
    warm_up()
    pca_out, nn_out = matrix_rows(pca_sizes, sk, nn_sizes)
    # Image rows: the `images` section (images.py) runs image_rows.
    return [*pca_out, projector_row(*proj), *nn_out]
