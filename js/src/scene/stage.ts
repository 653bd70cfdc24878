// Renderer, cameras and controls. 3D: a perspective camera that orbits (rotate, zoom, pan);
// 2D: an orthographic camera that pans and zooms. Frames are drawn on demand only.

import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import { pickPoint, type PointLook } from "./picking";
import { PointCloud } from "./points";

const FOV = 45;
/** Layouts are fitted in [-1, 1]; the camera frames a little more than that. */
const FIT_RADIUS = 1.15;
/** A 3D fit keeps the points within this share of each half field of view (dots have a size). */
const FIT_MARGIN = 0.92;
/** Where a fitted 3D camera looks from (a direction; its length is fitted). */
const FIT_DIRECTION = new THREE.Vector3(0.55, 0.35, 0.76).normalize();
const TRANSITION_MS = 700;

export interface CameraState {
  dims: number;
  position: number[];
  target: number[];
  up: number[];
  zoom: number;
}

export class Stage {
  readonly renderer: THREE.WebGLRenderer;
  readonly points = new PointCloud();
  readonly canvas: HTMLCanvasElement;
  private scene = new THREE.Scene();
  private perspective = new THREE.PerspectiveCamera(FOV, 1, 0.01, 100);
  private orthographic = new THREE.OrthographicCamera(-1, 1, 1, -1, -100, 100);
  private controls: OrbitControls;
  dims = 3;
  private leftNavigates = true;
  private frameRequested = false;
  /** Frames are held back (deferFrames; a timer ends it). */
  private deferred = false;
  private deferTimer: ReturnType<typeof setTimeout> | undefined;
  /** A frame was asked for while frames were held back. */
  private frameWanted = false;
  private transitionStart = 0;
  private transitionMs = TRANSITION_MS;
  /** Called after each drawn frame (tests and the status line read it). */
  onFrame: () => void = () => {};
  /** Called when the user moved the camera (end of a drag or wheel). */
  onCameraChange: () => void = () => {};
  /** Called when the browser takes the WebGL context away (too many alive, a GPU reset)
   * and when it gives it back (the stage then draws again by itself). */
  onContextLost: () => void = () => {};
  onContextRestored: () => void = () => {};
  private contextLost = false;
  /** Kept for a restored context, whose clear colour three.js resets to black. */
  private clearColor = new THREE.Color(0xffffff);
  frames = 0;
  /** How many times every point was projected to the screen (tests: not once a frame). */
  screenPasses = 0;
  /** How points are drawn (sizes, dots or images), for picking; the view sets it. */
  look: () => Omit<PointLook, "perspectiveScale" | "pixelRatio"> = () => ({
    size: this.points.material.uniforms.size.value as number,
    images: false,
    aspect: 1,
  });
  private screenCache: Float32Array | null = null;
  /** The camera's projection x view matrix, for projecting single points (null: stale). */
  private pointMatrix: THREE.Matrix4 | null = null;
  private viewDepth = new Float32Array(0);
  private width = 1;
  private height = 1;
  /** The container has been laid out (a size above zero) and the canvas sized to it. Until
   * then nothing is drawn: a frame at the canvas's default 300 x 150 would be thrown away at
   * once, and at a million points it costs as long as the real first frame. */
  private sized = false;
  /** The camera is where the last fit put it (no drag, wheel or restored view since):
   * a resize or a new layout fits it again, to the new shape of the canvas or the layout. */
  private fitted = true;

  constructor(private container: HTMLElement) {
    // Multisampling costs a software renderer (no GPU) most of a frame: on SwiftShader,
    // 100k points took ~160 ms a frame with it and ~90 ms without. Left off there.
    this.renderer = new THREE.WebGLRenderer({ antialias: !softwareRenderer(), preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(window.devicePixelRatio || 1);
    this.canvas = this.renderer.domElement;
    container.appendChild(this.canvas);
    this.scene.add(this.points.object);
    this.controls = new OrbitControls(this.perspective, this.canvas);
    let moved = false; // between a press and its release: a plain click moves nothing
    this.controls.addEventListener("start", () => {
      moved = false;
      this.fitted = false;
    });
    this.controls.addEventListener("change", () => {
      moved = true;
      this.invalidateScreen();
      this.resumeFrames(false); // the camera moves: draw now, whatever waits
      this.requestFrame();
    });
    this.controls.addEventListener("end", () => moved && this.onCameraChange());
    this.canvas.addEventListener("wheel", () => this.onCameraChangeSoon(), { passive: true });
    // three.js listens too: it allows the restore and, once restored, rebuilds its GPU
    // objects from the scene on the next render. Nothing asks for that render but us.
    this.canvas.addEventListener("webglcontextlost", this.handleContextLost);
    this.canvas.addEventListener("webglcontextrestored", this.handleContextRestored);
    this.setDims(3);
    this.resetView();
  }

  private handleContextLost = (): void => {
    this.contextLost = true;
    this.onContextLost();
  };

  private handleContextRestored = (): void => {
    this.contextLost = false;
    this.renderer.setClearColor(this.clearColor, 1);
    this.invalidateScreen();
    this.onContextRestored();
    this.requestFrame();
  };

  /** What draws this view: a software renderer, and whether multisampling is on. */
  rendererInfo(): { software: boolean; antialias: boolean } {
    const attributes = this.renderer.getContext().getContextAttributes();
    return { software: softwareRenderer(), antialias: Boolean(attributes?.antialias) };
  }

  get camera(): THREE.PerspectiveCamera | THREE.OrthographicCamera {
    return this.dims === 3 ? this.perspective : this.orthographic;
  }

  private cameraTimer: ReturnType<typeof setTimeout> | undefined;
  private onCameraChangeSoon(): void {
    clearTimeout(this.cameraTimer);
    this.cameraTimer = setTimeout(() => this.onCameraChange(), 300);
  }

  setDims(dims: number): void {
    const changed = dims !== this.dims;
    this.dims = dims === 2 ? 2 : 3;
    this.controls.object = this.camera;
    this.controls.enableRotate = this.dims === 3;
    this.controls.screenSpacePanning = true;
    // In 2D the left button pans, as in every map; in 3D it rotates. A region-selection
    // mode takes the left button for itself (-1: OrbitControls ignores that button).
    const left = this.dims === 3 ? THREE.MOUSE.ROTATE : THREE.MOUSE.PAN;
    this.controls.mouseButtons = {
      LEFT: this.leftNavigates ? left : (-1 as THREE.MOUSE),
      MIDDLE: THREE.MOUSE.DOLLY,
      RIGHT: THREE.MOUSE.PAN,
    };
    this.points.material.uniforms.perspectiveScale.value = this.dims === 3 ? this.defaultDistance() : 0;
    if (changed) this.resetView();
  }

  /** Whether a left-button drag moves the camera (true) or is left to a selection tool. */
  setLeftDragNavigates(on: boolean): void {
    this.leftNavigates = on;
    this.setDims(this.dims);
  }

  private defaultDistance(): number {
    return FIT_RADIUS / Math.tan(THREE.MathUtils.degToRad(FOV / 2));
  }

  /** How far from the origin, along FIT_DIRECTION, the perspective camera sees every point
   * within both its vertical and its horizontal field of view (the horizontal one is the
   * narrower in a tall canvas): the nearest such distance, point by point. Positions are
   * clamped to [-1, 1], where finished layouts are fitted: a running frame's far outliers
   * are meant to be drawn outside. */
  private fitDistance(): number {
    const p = this.points.target;
    const tanV = Math.tan(THREE.MathUtils.degToRad(FOV / 2)) * FIT_MARGIN;
    const tanH = tanV * this.perspective.aspect;
    const f = FIT_DIRECTION;
    const r = new THREE.Vector3().crossVectors(new THREE.Vector3(0, 1, 0), f).normalize();
    const u = new THREE.Vector3().crossVectors(f, r);
    const clamp = (v: number) => Math.max(-1, Math.min(1, v));
    let distance = 0;
    let any = false;
    for (let i = 0; i + 2 < p.length; i += 3) {
      if (!(isFinite(p[i]) && isFinite(p[i + 1]) && isFinite(p[i + 2]))) continue;
      const x = clamp(p[i]), y = clamp(p[i + 1]), z = clamp(p[i + 2]);
      // Seen from distance d, the point is at depth d - p.f: it is in view when its
      // sideways and upward offsets are within tan * depth.
      const side = Math.abs(x * r.x + y * r.y + z * r.z) / tanH;
      const rise = Math.abs(x * u.x + y * u.y + z * u.z) / tanV;
      distance = Math.max(distance, Math.max(side, rise) + x * f.x + y * f.y + z * f.z);
      any = true;
    }
    if (!any) return this.defaultDistance() * Math.max(1, 1 / this.perspective.aspect);
    return Math.max(distance, 0.1);
  }

  /** Frame the whole layout (the reset-view button). */
  resetView(): void {
    this.fitted = true;
    this.controls.target.set(0, 0, 0);
    if (this.dims === 3) {
      this.perspective.position.copy(FIT_DIRECTION).multiplyScalar(this.fitDistance());
      this.perspective.up.set(0, 1, 0);
      this.perspective.zoom = 1;
      this.perspective.updateProjectionMatrix();
    } else {
      this.orthographic.position.set(0, 0, 10);
      this.orthographic.up.set(0, 1, 0);
      this.orthographic.zoom = 1;
      this.orthographic.lookAt(0, 0, 0);
      this.orthographic.updateProjectionMatrix();
    }
    this.controls.update();
    this.invalidateScreen();
    this.requestFrame();
  }

  getCameraState(): CameraState {
    const c = this.camera;
    return {
      dims: this.dims,
      position: c.position.toArray(),
      target: this.controls.target.toArray(),
      up: c.up.toArray(),
      zoom: c.zoom,
    };
  }

  setCameraState(s: Partial<CameraState> | null | undefined): boolean {
    if (!s || s.dims !== this.dims || !s.position || !s.target) return false;
    const c = this.camera;
    c.position.fromArray(s.position);
    if (s.up) c.up.fromArray(s.up);
    c.zoom = s.zoom ?? 1;
    c.updateProjectionMatrix();
    this.fitted = false;
    this.controls.target.fromArray(s.target);
    this.controls.update();
    this.invalidateScreen();
    this.requestFrame();
    return true;
  }

  resize(): void {
    const w = this.container.clientWidth;
    const h = this.container.clientHeight;
    if (w < 1 || h < 1) return; // not laid out yet (or hidden): draw when it is
    if (this.sized && w === this.width && h === this.height) return;
    this.sized = true;
    this.width = w;
    this.height = h;
    this.renderer.setSize(w, h, true);
    const aspect = w / h;
    this.perspective.aspect = aspect;
    this.perspective.updateProjectionMatrix();
    // Keep the aspect ratio: the shorter side spans the fitted radius.
    const o = this.orthographic;
    const rx = aspect >= 1 ? FIT_RADIUS * aspect : FIT_RADIUS;
    const ry = aspect >= 1 ? FIT_RADIUS : FIT_RADIUS / aspect;
    o.left = -rx; o.right = rx; o.top = ry; o.bottom = -ry;
    o.updateProjectionMatrix();
    this.points.material.uniforms.pixelRatio.value = this.renderer.getPixelRatio();
    this.invalidateScreen();
    if (this.fitted) this.resetView(); // a fit for the old shape may not fit the new one
    this.resumeFrames(false); // resizing cleared the canvas: never leave it blank
    this.requestFrame();
  }

  setPositions(positions: Float32Array, animate: boolean, durationMs = TRANSITION_MS): void {
    this.points.setPositions(positions, animate);
    // A camera at its fit stays fitted to whatever layout is shown (the first one, a new
    // projection), until the user moves it.
    if (this.fitted && this.dims === 3) this.resetView();
    this.transitionMs = durationMs;
    this.transitionStart = performance.now();
    this.invalidateScreen();
    this.requestFrame();
  }

  /** Add an object drawn with the points (the image layer). */
  add(object: THREE.Object3D): void {
    this.scene.add(object);
    this.requestFrame();
  }

  setBackground(css: string): void {
    const color = new THREE.Color(css);
    this.clearColor.copy(color);
    this.renderer.setClearColor(color, 1);
    (this.points.material.uniforms.background.value as THREE.Color).copy(color);
    this.requestFrame();
  }

  get transitioning(): boolean {
    return (this.points.material.uniforms.progress.value as number) < 1;
  }

  requestFrame(): void {
    if (this.deferred) {
      this.frameWanted = true;
      return;
    }
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => this.draw());
  }

  /** Draw nothing for up to `ms`, or until resumeFrames(). A click's own frame waits for its
   * neighbour list this way: the page then draws once, not twice, and the list's reply is
   * not queued behind a frame (a software renderer takes ~100 ms to draw 100k points, and
   * the page's main thread waits for it). */
  deferFrames(ms: number): void {
    this.deferred = true;
    clearTimeout(this.deferTimer);
    this.deferTimer = setTimeout(() => this.resumeFrames(false), ms);
  }

  /** End deferFrames(). With `afterPaint`, the held frame is drawn one animation frame
   * later, so what the caller just put in the page (the neighbour list) is painted first
   * and does not wait for the canvas. */
  resumeFrames(afterPaint = true): void {
    if (!this.deferred) return;
    this.deferred = false;
    clearTimeout(this.deferTimer);
    if (!this.frameWanted) return;
    this.frameWanted = false;
    if (afterPaint) requestAnimationFrame(() => this.requestFrame());
    else this.requestFrame();
  }

  private draw(): void {
    this.frameRequested = false;
    if (this.contextLost) return; // drawn again when the context is restored
    if (!this.sized) return; // resize() asks for the first frame once there is a size
    if (this.deferred) {
      this.frameWanted = true; // asked for before the deferral began
      return;
    }
    const progress = this.points.material.uniforms.progress;
    if (progress.value < 1) {
      const t = Math.min(1, (performance.now() - this.transitionStart) / this.transitionMs);
      progress.value = t < 1 ? t * t * (3 - 2 * t) : 1; // smoothstep easing
      this.invalidateScreen();
      if (t < 1) this.requestFrame();
    }
    this.renderer.render(this.scene, this.camera);
    this.points.drawn();
    this.frames++;
    this.onFrame();
  }

  /** Draw one frame at `ratio` device pixels per CSS pixel (a PNG snapshot), hand the canvas
   * to `use` while it holds that frame, then draw at the screen's ratio again. The ratio is
   * capped so the drawing buffer stays within the GPU's limits; returns the ratio used. */
  renderAt(ratio: number, use: (canvas: HTMLCanvasElement) => void): number {
    const gl = this.renderer.getContext();
    const limit = Math.min(gl.getParameter(gl.MAX_RENDERBUFFER_SIZE), ...gl.getParameter(gl.MAX_VIEWPORT_DIMS));
    const used = Math.max(0.1, Math.min(ratio, limit / Math.max(this.width, this.height)));
    const before = this.renderer.getPixelRatio();
    // Every shader that sizes things in device pixels (points, and any other layer) scales.
    const uniforms: { value: number }[] = [];
    this.scene.traverse((object) => {
      const uniform = (object as any).material?.uniforms?.pixelRatio;
      if (uniform && !uniforms.includes(uniform)) uniforms.push(uniform);
    });
    const saved = uniforms.map((u) => u.value);
    try {
      this.renderer.setPixelRatio(used);
      this.renderer.setSize(this.width, this.height, false);
      for (const u of uniforms) u.value = (u.value / before) * used;
      this.renderer.render(this.scene, this.camera);
      use(this.canvas);
    } finally {
      this.renderer.setPixelRatio(before);
      this.renderer.setSize(this.width, this.height, false);
      uniforms.forEach((u, i) => (u.value = saved[i]));
      this.renderer.render(this.scene, this.camera);
    }
    return used;
  }

  /** The camera or the layout moved: screen positions are to be computed again. */
  private invalidateScreen(): void {
    this.screenCache = null;
    this.pointMatrix = null;
  }

  private matrix(): THREE.Matrix4 {
    this.pointMatrix ??= new THREE.Matrix4().multiplyMatrices(this.camera.projectionMatrix, this.camera.matrixWorldInverse);
    return this.pointMatrix;
  }

  /** Point i's (x, y, clip depth) and view depth into `out` (4 values), as screen()'s loop
   * computes them for every point: CSS px relative to the canvas, depth Infinity behind the
   * camera. */
  private project(i: number, out: Float32Array, v: THREE.Vector3): void {
    const e = this.matrix().elements;
    this.points.positionAt(i, v);
    const w = e[3] * v.x + e[7] * v.y + e[11] * v.z + e[15];
    const x = (e[0] * v.x + e[4] * v.y + e[8] * v.z + e[12]) / w;
    const y = (e[1] * v.x + e[5] * v.y + e[9] * v.z + e[13]) / w;
    const z = (e[2] * v.x + e[6] * v.y + e[10] * v.z + e[14]) / w;
    out[0] = (x + 1) * (this.width / 2);
    out[1] = (1 - y) * (this.height / 2);
    out[2] = w > 0 && z >= -1 && z <= 1 ? z : Infinity; // behind the camera: unpickable
    out[3] = w; // a perspective camera's w is the view-space depth
  }

  /** Screen positions (CSS px, relative to the canvas) of every point; cached per camera.
   * O(N): only what needs every point asks (picking, regions, all labels). */
  private screen(): Float32Array {
    if (this.screenCache) return this.screenCache;
    this.screenPasses++;
    const n = this.points.count;
    const out = new Float32Array(n * 3);
    if (this.viewDepth.length !== n) this.viewDepth = new Float32Array(n);
    const depth = this.viewDepth;
    const e = this.matrix().elements;
    const v = new THREE.Vector3();
    const hw = this.width / 2, hh = this.height / 2;
    for (let i = 0; i < n; i++) {
      this.points.positionAt(i, v);
      const w = e[3] * v.x + e[7] * v.y + e[11] * v.z + e[15];
      const x = (e[0] * v.x + e[4] * v.y + e[8] * v.z + e[12]) / w;
      const y = (e[1] * v.x + e[5] * v.y + e[9] * v.z + e[13]) / w;
      const z = (e[2] * v.x + e[6] * v.y + e[10] * v.z + e[14]) / w;
      out[3 * i] = (x + 1) * hw;
      out[3 * i + 1] = (1 - y) * hh;
      out[3 * i + 2] = w > 0 && z >= -1 && z <= 1 ? z : Infinity; // behind the camera: unpickable
      depth[i] = w; // a perspective camera's w is the view-space depth
    }
    this.screenCache = out;
    return out;
  }

  private scratch = new Float32Array(4);
  private scratchVector = new THREE.Vector3();

  /** Point i's (x, y, clip depth) into `out`, as screenPositions() has it: from the cache when
   * it is valid, else projected alone, so labelling a few points while the camera moves costs
   * nothing proportional to N. False when i is not a point. */
  screenPoint(i: number, out: Float32Array): boolean {
    if (i < 0 || i >= this.points.count) return false;
    const s = this.screenCache;
    if (s) {
      out[0] = s[3 * i]; out[1] = s[3 * i + 1]; out[2] = s[3 * i + 2];
      return true;
    }
    this.project(i, this.scratch, this.scratchVector);
    out[0] = this.scratch[0]; out[1] = this.scratch[1]; out[2] = this.scratch[2];
    return true;
  }

  /** Every point's (x, y, z): CSS px relative to the canvas and clip-space depth
   * (Infinity behind the camera). Cached until the camera or the layout moves; read only. */
  screenPositions(): Float32Array {
    return this.screen();
  }

  /** Where a position in the points' coordinates is drawn, CSS px relative to the canvas. */
  screenOf(position: ArrayLike<number>): [number, number] {
    const v = new THREE.Vector3(position[0], position[1], position[2] ?? 0).project(this.camera);
    return [((v.x + 1) * this.width) / 2, ((1 - v.y) * this.height) / 2];
  }

  /** Where point i is drawn, in CSS px relative to the canvas; null when off screen. */
  screenPosition(i: number): [number, number] | null {
    const p = new Float32Array(3);
    if (!this.screenPoint(i, p) || !isFinite(p[2])) return null;
    return [p[0], p[1]];
  }

  /** The point drawn at (x, y) (front-most, as the depth test shows it), else the nearest
   * within `slop` px; -1 when none. See picking.ts. */
  pick(x: number, y: number, slop: number, isHidden: (i: number) => boolean): number {
    const screen = this.screen();
    const look: PointLook = {
      ...this.look(),
      perspectiveScale: this.points.material.uniforms.perspectiveScale.value as number,
      pixelRatio: this.renderer.getPixelRatio(),
    };
    return pickPoint({ screen, viewDepth: this.viewDepth, flags: this.points.allFlags, look }, x, y, slop, isHidden);
  }

  dispose(): void {
    clearTimeout(this.cameraTimer);
    clearTimeout(this.deferTimer);
    this.controls.dispose();
    this.points.dispose();
    this.canvas.removeEventListener("webglcontextlost", this.handleContextLost);
    this.canvas.removeEventListener("webglcontextrestored", this.handleContextRestored);
    this.renderer.dispose();
    // Give the context back now: the browser keeps only ~16 alive and, past that, takes one
    // from the oldest view, which may be one still on screen; garbage collection is too late.
    this.renderer.forceContextLoss();
    this.canvas.remove();
  }
}

let software: boolean | undefined;

/** Whether this page's WebGL draws without a GPU (SwiftShader, llvmpipe): asked once, from a
 * throwaway context, since multisampling must be chosen before the renderer's own. */
function softwareRenderer(): boolean {
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
