"""Image rows: thumbnails and atlases in Python, what the widget sends, and the
first frame with images on in a real JupyterLab and Chromium.

    python bench/bench.py --only images [--quick]

70,000 images of 28 x 28 (7,000 with ``--quick``): sklearn's digits upscaled to MNIST's size
and tiled (``compute.digit_images``).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from common import BLOBS, IMPORTS_CELL, Row, attempt, blobs, fmt_bytes, fmt_n, fmt_time, timed
from compute import digit_images, image_rows

from nbprojector import Projector

RUN_TIMEOUT_MS = 300_000

CELLS = [
    IMPORTS_CELL,
    "t0 = time.perf_counter()\n"
    "from PIL import Image\n"
    "from sklearn.datasets import load_digits\n"
    + BLOBS
    + "digits = (load_digits().images * (255 / 16)).astype(np.uint8)\n"
    "big = np.stack([np.asarray(Image.fromarray(d).resize((28, 28), Image.Resampling.BILINEAR))\n"
    "                for d in digits])\n"
    "images = big[np.arange({n}) % len(big)]\n"
    "t_data = time.perf_counter() - t0",
    "t0 = time.perf_counter()\n"
    "p = Projector(emb, meta, color_by='blob', images=images)\n"
    "t_build = time.perf_counter() - t0\n"
    "p",
]


def widget_row(n: int) -> Row:
    """``set_images`` on a widget: thumbnails, atlases and the traits that carry them."""
    from ipywidgets.widgets.widget import _remove_buffers

    images = digit_images(n)
    x, labels = blobs(n, 3)
    p = Projector(x, {"blob": labels})
    seconds, _ = timed(lambda: p.set_images(images))
    state, _, buffers = _remove_buffers(p.get_state(["_atlases", "image_manifest"]))
    sent = sum(len(b) for b in buffers)
    manifest = len(json.dumps(state))
    m = p.image_manifest
    return Row(
        "images: Projector.set_images (what the widget sends)", f"{fmt_n(n)} x 28 x 28",
        fmt_time(seconds),
        f"thumbnails + atlases + traits; {len(buffers)} PNG buffer(s) of {fmt_bytes(sent)} "
        f"({', '.join(f'{w} x {h}' for w, h in m['sizes'])} px, max_texture_size "
        f"{m['max_texture_size']}) + {manifest} B JSON manifest",
    )  # fmt: skip


def first_frame_row(context: Any, server: Any, harness: Any, n: int) -> Row:
    name = server.write_notebook(f"bench_images_{n}.ipynb", [c.format(n=n) for c in CELLS])
    from pages import open_marked  # imported late, like browser_rows(): it loads the harness

    nb, marks = open_marked(context, server, name, also='[data-images="drawn"]')
    try:
        kernel = nb.py("print(t_import, t_data, t_build)").split()
        info = nb.handle("h.images()")
        sent = int(nb.py("print(sum(len(b) for b in p._atlases))"))
    finally:
        harness.close_notebook(nb)
    t_import, t_data, t_build = (float(v) for v in kernel)
    seconds = (marks["also"] - marks["start"]) / 1000
    dots = (marks["ready"] - marks["start"]) / 1000
    assert info["state"] == "drawn", info
    return Row(
        "run all cells -> first frame with images drawn", f"{fmt_n(n)} points, 28 x 28 images",
        fmt_time(seconds),
        f"first frame (dots, while the atlases decode) at {fmt_time(dots)}; "
        f"{info['atlases']} atlas(es), {fmt_bytes(sent)} of PNG; in the kernel: imports "
        f"{fmt_time(t_import)}, data + images {fmt_time(t_data)}, Projector(images=) "
        f"{fmt_time(t_build)}",
    )  # fmt: skip


def browser_rows(n: int) -> list[Row]:
    from pages import harness, launch_chromium  # the browser harness and its Chromium
    if not Path(harness.CHROMIUM).exists():
        return [Row("images: first frame", "-", "skipped", f"no Chromium at {harness.CHROMIUM}")]
    from playwright.sync_api import sync_playwright

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="nbp-bench-") as tmp, sync_playwright() as pw:
        context = launch_chromium(pw, Path(tmp))
        server = harness.JupyterServer(Path(tmp) / "stock")
        try:
            # Warm-up, not reported: fills Chromium's cache with JupyterLab.
            attempt([], "warm-up", lambda: [first_frame_row(context, server, harness, 500)])
            attempt(rows, f"images: first frame, {fmt_n(n)} points",
                    lambda: [first_frame_row(context, server, harness, n)])  # fmt: skip
        finally:
            server.stop()
        context.close()
    return rows


def run(quick: bool) -> list[Row]:
    n = 7_000 if quick else 70_000
    rows = image_rows(n)
    rows.append(widget_row(n))
    rows.extend(browser_rows(n))
    return rows
