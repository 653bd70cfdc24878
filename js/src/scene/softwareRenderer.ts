// Whether the page's WebGL runs without a GPU: multisampling then costs most of a frame.

let software: boolean | undefined;

/** Whether this page's WebGL draws without a GPU (SwiftShader, llvmpipe): asked once, from a
 * throwaway context, since multisampling must be chosen before the renderer's own. */
export function softwareRenderer(): boolean {
  if (software !== undefined) return software;
  software = false;
  try {
    const gl = document.createElement("canvas").getContext("webgl2") ?? document.createElement("canvas").getContext("webgl");
    if (gl) {
      const info = gl.getExtension("WEBGL_debug_renderer_info");
      const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
      software = /swiftshader|llvmpipe|softpipe|software/i.test(name);
      gl.getExtension("WEBGL_lose_context")?.loseContext();
    }
  } catch {
    // No answer: keep multisampling.
  }
  return software;
}
