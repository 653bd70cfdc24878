"""Browser row: click a point -> its neighbour list on screen, on a stock Jupyter server
(and, from browser.py, on a TCP_NODELAY one).

A notebook makes N x D Gaussian blobs in the kernel (as ``common.blobs``: 50 centres) and
shows ``Projector(emb, meta)``. Then, ten times: move the pointer onto a point at its screen
position (the view's test handle, ``el.__nbp.clientPositions()``), press once its hover is
drawn, and time from ``pointerup`` to the view setting ``data-neighbors-of`` on
``.nbprojector`` to that point (it does so in the task that puts the neighbour list in the
page; js/src/view.ts), and to the beginning of the frame after the one that paints the list.
The selection is cleared between clicks. The first click, not counted, also builds the
kernel's unit-norm rows (cosine).
"""

from __future__ import annotations

import statistics
from typing import Any

import numpy as np
from common import Row, fmt_n, fmt_time, shape
from pages import CELLS, clear_card, harness, open_timed

CLICKS = 10

DATA = (
    "t0 = time.perf_counter()\n"
    "rng = np.random.default_rng(0)\n"
    "means = rng.normal(size=(50, {d})).astype(np.float32)\n"
    "blob = rng.integers(0, 50, {n})\n"
    "emb = np.empty(({n}, {d}), dtype=np.float32)\n"
    "step = 2**24 // {d}\n"
    "for s in range(0, {n}, step):\n"
    "    b = emb[s : s + step]\n"
    "    rng.standard_normal(b.shape, dtype=np.float32, out=b)\n"
    "    b *= 0.5\n"
    "    b += means[blob[s : s + step]]\n"
    "meta = {{'blob': np.array([f'blob {{i}}' for i in range(50)])[blob]}}\n"
    "t_data = time.perf_counter() - t0"
)

# Arm a timer for one click. Marks in ms from pointerup: when the press began (negative),
# when the `neighbors` request left the page (the view asks on press, so often negative too),
# when its reply reached the widget's comm, when data-neighbors-of names a point (the list is
# in the page), and when the frame after the list's first frame begins (the list on screen).
ARM = """([ready, modelId]) => {
  const el = document.querySelector(ready);
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const comm = kernel._comms.get(modelId);
  const send = comm.send, onMsg = comm.onMsg;
  const bench = (window.__nn = {});
  const at = {};
  const since = () => performance.now() - bench.start;
  const restore = () => { comm.send = send; comm.onMsg = onMsg; };
  comm.send = function (data, ...rest) {
    if (data?.content?.kind === 'neighbors') {
      at.sent = performance.now();
      at.id = data.content.id;
    }
    return send.call(this, data, ...rest);
  };
  comm.onMsg = function (msg) {
    const reply = msg.content.data?.content;
    if (reply?.id !== undefined && reply.id === at.id) at.replied = performance.now();
    return onMsg.call(this, msg);
  };
  window.addEventListener('pointerdown', () => (at.pressed = performance.now()),
                          { once: true, capture: true });
  window.addEventListener('pointerup', () => (bench.start = performance.now()),
                          { once: true, capture: true });
  const observer = new MutationObserver(() => {
    const of = el.dataset.neighborsOf;
    if (bench.start === undefined || of === undefined || of === '-1') return;
    bench.ms = since();
    for (const key of ['pressed', 'sent', 'replied']) bench[key] = at[key] - bench.start;
    // The list is painted by the next frame; once the frame after that begins, it is on
    // screen (a timer set in the next frame may run after the one after, canvas and all).
    requestAnimationFrame(() => requestAnimationFrame(() => (bench.painted = since())));
    bench.of = Number(of);
    bench.listed = el.querySelectorAll('.nbp-neighbors-list li').length;
    observer.disconnect();
    restore();
  });
  observer.observe(el, { attributes: true, attributeFilter: ['data-neighbors-of'] });
}"""


# Time `count` frames one at a time: from asking for one (the view's test handle) until the
# page runs a task after that frame's commit (the canvas read back, as software compositing
# does, included). A pause between frames lets each start from an idle page.
FRAMES = """async ([ready, count]) => {
  const h = document.querySelector(ready).__nbp;
  const times = [];
  for (let i = 0; i < count; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const start = performance.now();
    h.redraw();
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    times.push(performance.now() - start);
  }
  return times;
}"""


def targets(nb: Any, count: int) -> list[tuple[int, list[float]]]:
    """``count`` points well inside the canvas and apart from others on screen (so the
    click picks that very point): (index, [x, y]) each."""
    nb.settle()
    xy = np.array(nb.handle("h.clientPositions()"), dtype=float).reshape(-1, 2)
    box = nb.view.locator(".nbp-canvas canvas").first.bounding_box()
    height = nb.page.viewport_size["height"]
    inside = np.flatnonzero(
        (xy[:, 0] > box["x"] + 30)
        & (xy[:, 0] < box["x"] + box["width"] - 30)
        & (xy[:, 1] > box["y"] + 30)
        & (xy[:, 1] < min(box["y"] + box["height"], height) - 30)
    )
    pool = np.random.default_rng(5).choice(inside, min(len(inside), 400), replace=False)
    finite = np.isfinite(xy).all(axis=1)
    others = xy[finite]
    gap = np.array([np.partition(((others - xy[i]) ** 2).sum(1), 1)[1] for i in pool])
    best = pool[np.argsort(-gap)[:count]]
    return [(int(i), xy[i].tolist()) for i in best]


def clear(nb: Any) -> None:
    """Clear the selection; wait until no neighbour list is shown."""
    clear_card(nb)
    nb.page.wait_for_function(
        "(ready) => (document.querySelector(ready).dataset.neighborsOf ?? '-1') === '-1'",
        arg=harness.READY,
        timeout=10_000,
    )


def click(nb: Any, model_id: str, xy: list[float]) -> dict[str, Any]:
    """Click as a person does: move onto a point, and press once its hover is drawn. The
    point clicked (``target``) is the one hovered there: in 3D a point in front may cover
    the one aimed at, and the pointer then picks it, as it would for a person."""
    nb.page.mouse.move(*xy)
    nb.wait_for("h.hovered() !== -1", timeout=10_000)
    nb.settle()
    target = nb.handle("h.hovered()")
    nb.page.evaluate(ARM, [harness.READY, model_id])
    nb.page.mouse.down()
    nb.page.mouse.up()
    nb.page.wait_for_function("() => window.__nn.painted !== undefined", timeout=30_000)
    return {**nb.page.evaluate("() => window.__nn"), "target": target}


def rows(
    context: Any, server: Any, n: int, d: int, label: str = "stock server", time_frames: bool = True
) -> list[Row]:
    """The click row; with ``time_frames``, also the cost of one frame at this N."""
    cells = [CELLS[0], DATA.format(n=n, d=d), CELLS[2]]
    name = server.write_notebook(f"bench_nn_{n}_{d}.ipynb", cells)
    nb, first_frame = open_timed(context, server, name)
    try:
        model_id = nb.py("print(p.model_id)").strip()
        t_data, t_build = (float(v) for v in nb.py("print(t_data, t_build)").split())
        picks = targets(nb, CLICKS + 1)
        clear(nb)
        warm = click(nb, model_id, picks[0][1])  # builds the unit rows in the kernel
        marks = []
        for _, xy in picks[1:]:
            clear(nb)
            marks.append(click(nb, model_id, xy))
        clear(nb)
        if time_frames:
            nb.settle()
            frames = nb.page.evaluate(FRAMES, [harness.READY, 10])
            renderer = nb.handle("h.renderer()")
    finally:
        harness.close_notebook(nb)

    def median(key: str) -> str:
        return f"{statistics.median(m[key] for m in marks if key in m):.0f} ms"

    total = [m["painted"] for m in marks]
    exact = sum(m["of"] == m["target"] for m in marks)
    listed = sorted({m["listed"] for m in marks})
    out = [
        Row(
            f"click a point -> neighbour list drawn (k=100, cosine), {label}",
            f"{shape(n, d)} points",
            fmt_time(statistics.median(total) / 1000),
            f"pointerup -> the frame after the list's first frame begins; median of "
            f"{len(total)} (min {min(total):.1f} ms, max {max(total):.1f} ms); medians after "
            f"pointerup (negative: during the press, which began at {median('pressed')}): "
            f"`neighbors` sent {median('sent')}, its reply at the comm {median('replied')}, "
            f"list in the page (data-neighbors-of set) {median('ms')}; "
            f"the clicked point was the one picked {exact}/{len(marks)} times; list items "
            f"{'/'.join(map(str, listed))}; first click (kernel builds unit rows, not counted) "
            f"{warm['ms']:.0f} ms; kernel: data {fmt_time(t_data)}, Projector() "
            f"{fmt_time(t_build)}, first frame {fmt_time(first_frame)}; "
            "target: within 100 ms",
        )
    ]
    if time_frames:
        out.append(
            Row(
                "one frame of the view",
                f"{fmt_n(n)} points",
                fmt_time(statistics.median(frames) / 1000),
                f"redraw asked -> a task after its commit; median of {len(frames)} (min "
                f"{min(frames):.1f} ms, max {max(frames):.1f} ms); dots of 4 px, 3D; software "
                f"renderer {renderer['software']}, multisampling {renderer['antialias']}",
            )
        )
    return out
