// Whether the page's WebGL runs without a GPU: multisampling then costs most of a frame.

let software: boolean | undefined;
/** The probe's own context, kept when the renderer is software: the first view draws with
 * it instead of making a second context before its first frame. */
let spare: { canvas: HTMLCanvasElement; context: WebGL2RenderingContext } | undefined;

/** The attributes three.js's WebGLRenderer asks for, without multisampling, and with the
 * drawing buffer kept (the stage reads frames back for PNG snapshots). */
const RENDERER_ATTRIBUTES: WebGLContextAttributes = {
  alpha: true, depth: true, stencil: false, antialias: false, premultipliedAlpha: true,
  preserveDrawingBuffer: true, powerPreference: "default", failIfMajorPerformanceCaveat: false,
};

/** Whether this page's WebGL draws without a GPU (SwiftShader, llvmpipe): asked once, from a
 * context of its own, since multisampling must be chosen before the renderer's own. */
export function softwareRenderer(): boolean {
  if (software !== undefined) return software;
  software = false;
  try {
    const canvas = document.createElement("canvas");
    const webgl2 = canvas.getContext("webgl2", RENDERER_ATTRIBUTES);
    const gl = webgl2 ?? document.createElement("canvas").getContext("webgl");
    if (gl) {
      const info = gl.getExtension("WEBGL_debug_renderer_info");
      const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
      software = /swiftshader|llvmpipe|softpipe|software/i.test(name);
      if (software && webgl2) spare = { canvas, context: webgl2 };
      else gl.getExtension("WEBGL_lose_context")?.loseContext();
    }
  } catch {
    // No answer: keep multisampling.
  }
  return software;
}

/** The probe's context for a new renderer (once; software renderers only), else nothing:
 * the renderer makes its own. */
export function takeSpareContext(): { canvas: HTMLCanvasElement; context: WebGL2RenderingContext } | undefined {
  const taken = spare;
  spare = undefined;
  return taken;
}
