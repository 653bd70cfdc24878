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
