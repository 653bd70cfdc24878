"""How the view draws: multisampling on with a GPU, off on a software renderer (where it
costs most of a frame)."""

from __future__ import annotations

from .harness import close_notebook, open_notebook

CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "p = Projector(np.random.default_rng(0).normal(size=(500, 8)))\n"
    "p",
]

# Make the page's WebGL name a hardware GPU, as WEBGL_debug_renderer_info does with one.
HARDWARE_GPU = """(() => {
  const name = 'ANGLE (NVIDIA, NVIDIA GeForce RTX 4090 Direct3D11 vs_5_0 ps_5_0, D3D11)';
  const UNMASKED_RENDERER_WEBGL = 0x9246;
  for (const proto of [WebGLRenderingContext.prototype, WebGL2RenderingContext.prototype]) {
    const get = proto.getParameter;
    proto.getParameter = function (p) {
      return p === UNMASKED_RENDERER_WEBGL ? name : get.call(this, p);
    };
  }
})()"""


def test_multisampling_off_in_software_and_on_with_a_gpu(server, browser):
    server.write_notebook("renderer.ipynb", CELLS)
    # This machine's Chromium draws WebGL with SwiftShader.
    nb = open_notebook(browser, server, "renderer.ipynb")
    try:
        assert nb.handle("h.renderer()") == {"software": True, "antialias": False}
    finally:
        close_notebook(nb)
    nb = open_notebook(browser, server, "renderer.ipynb", init_script=HARDWARE_GPU)
    try:
        assert nb.handle("h.renderer()") == {"software": False, "antialias": True}
        assert nb.handle("h.count()") == 500
    finally:
        close_notebook(nb)


FIRST_FRAME_CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "p = Projector(np.random.default_rng(0).normal(size=(20_000, 3)).astype(np.float32))\n"
    "p",
]

# Before the page's scripts: count the bytes every WebGL buffer upload carries, and note, when
# the view first says it has drawn a frame, how many frames that is and the canvas's size
# beside its box's (in device pixels).
WATCH_FIRST_FRAME = """(() => {
  const seen = (window.__firstFrame = { uploaded: 0, contexts: 0 });
  for (const proto of [WebGLRenderingContext.prototype, WebGL2RenderingContext.prototype]) {
    const bufferData = proto.bufferData;
    proto.bufferData = function (target, data, ...rest) {
      if (seen.frames === undefined) seen.uploaded += data?.byteLength ?? 0;
      return bufferData.call(this, target, data, ...rest);
    };
    const drawArrays = proto.drawArrays;
    proto.drawArrays = function (...args) {
      if (seen.firstDrawInResize === undefined) seen.firstDrawInResize = Boolean(seen.inResize);
      seen.drawn = true;
      return drawArrays.apply(this, args);
    };
    // Programs linked inside the first frame's callback (the dots' is linked before it), and
    // whether that frame is flushed to the GPU process before the callback's other work.
    const linkProgram = proto.linkProgram;
    proto.linkProgram = function (...args) {
      if (seen.drawn === undefined) seen[seen.inResize ? 'linkedInResize' : 'linkedBefore'] = true;
      return linkProgram.apply(this, args);
    };
    const flush = proto.flush;
    proto.flush = function (...args) {
      if (seen.drawn && seen.flushedInResize === undefined) {
        seen.flushedInResize = Boolean(seen.inResize);
      }
      return flush.apply(this, args);
    };
  }
  // WebGL contexts made before the first frame, and whether that frame is drawn inside a
  // ResizeObserver's callback (after layout, before paint) rather than a later animation frame.
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
    if (/webgl/.test(String(kind)) && seen.frames === undefined) seen.contexts++;
    return getContext.call(this, kind, ...rest);
  };
  const Observer = window.ResizeObserver;
  window.ResizeObserver = class extends Observer {
    constructor(callback) {
      super((entries, observer) => {
        seen.inResize = true;
        try { callback(entries, observer); } finally { seen.inResize = false; }
      });
    }
  };
  new MutationObserver(() => {
    const el = document.querySelector('.nbprojector[data-ready="1"]');
    if (!el || seen.frames !== undefined) return;
    const canvas = el.querySelector('.nbp-canvas canvas');
    const ratio = window.devicePixelRatio || 1;
    seen.frames = Number(el.dataset.frames);
    seen.canvas = [canvas.width, canvas.height];
    const box = canvas.parentElement;
    seen.box = [Math.floor(box.clientWidth * ratio), Math.floor(box.clientHeight * ratio)];
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
})()"""


def test_the_first_frame_is_drawn_once_at_the_canvas_size(server, browser):
    """Nothing is drawn before the view has its size (a frame at the canvas's default
    300 x 150 would be thrown away, and costs as much as a real one at a million points),
    the frame is drawn as soon as the size is known (in the resize observer's callback, so
    it is in that paint) and handed to the GPU at once, with one WebGL context and the dots'
    program linked beforehand, and the layout goes to the GPU once (not again as the
    transition's start)."""
    server.write_notebook("first_frame.ipynb", FIRST_FRAME_CELLS)
    nb = open_notebook(browser, server, "first_frame.ipynb", init_script=WATCH_FIRST_FRAME)
    try:
        seen = nb.page.evaluate("() => window.__firstFrame")
        assert seen["frames"] == 1, seen
        assert seen["canvas"] == seen["box"] and seen["canvas"] != [300, 150], seen
        positions = 20_000 * 3 * 4  # float32 x, y, z
        assert positions <= seen["uploaded"] < 1.5 * positions, seen
        # One WebGL context: the software-renderer probe's own becomes the renderer's.
        assert seen["contexts"] == 1, seen
        # Drawn once the view has its size, in the same paint (not one animation frame on).
        assert seen["firstDrawInResize"] is True, seen
        # The dots' program was linked while the view was built, not in the frame's callback,
        # and the frame went to the GPU process at once (the labels' work then overlaps it).
        assert seen.get("linkedBefore") is True and "linkedInResize" not in seen, seen
        assert seen.get("flushedInResize") is True, seen
    finally:
        close_notebook(nb)
