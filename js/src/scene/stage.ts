// Renderer, cameras and controls. 3D: a perspective camera that orbits (rotate, zoom, pan);
// 2D: an orthographic camera that pans and zooms. Frames are drawn on demand only.

import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import { defaultDistance, FIT_DIRECTION, FIT_RADIUS, fitDistance, FOV } from "./cameraFit";
import { FrameLoop } from "./frameLoop";
import { MOTION_SAMPLE, MotionSample } from "./motionSample";
import { pickPoint, type PointLook } from "./picking";
import { PointCloud } from "./points";
import { ScreenSpace } from "./screenSpace";
import { softwareRenderer, takeSpareContext } from "./softwareRenderer";

const TRANSITION_MS = 700;
/** The camera is at rest once the user has not moved it for this long: the full frame. */
const REST_MS = 300;

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
  private frameLoop = new FrameLoop(() => this.draw());
  /** What a software renderer draws while the user moves the camera. */
  readonly motion = new MotionSample(this.points);
  /** The user is moving the camera (a drag, a wheel turn), until REST_MS pass without a move. */
  private moving = false;
  private restTimer: ReturnType<typeof setTimeout> | undefined;
  /** How many points the last frame drew (the dots, or the motion sample). */
  drawnLastFrame = 0;
  private screen = new ScreenSpace(this.points, () => this.camera);
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
  /** How points are drawn (sizes, dots or images), for picking; the view sets it. */
  look: () => Omit<PointLook, "perspectiveScale" | "pixelRatio"> = () => ({
    size: this.points.material.uniforms.size.value as number,
    images: false,
    aspect: 1,
  });
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
    const software = softwareRenderer();
    this.renderer = new THREE.WebGLRenderer({
      antialias: !software, preserveDrawingBuffer: true, ...(software ? takeSpareContext() : {}),
    });
    this.renderer.setPixelRatio(window.devicePixelRatio || 1);
    this.canvas = this.renderer.domElement;
    container.appendChild(this.canvas);
    this.scene.add(this.points.object, ...this.motion.objects);
    // A GPU draws a million points in a few milliseconds: only software draws the sample.
    if (software) this.motion.budget = MOTION_SAMPLE;
    this.controls = new OrbitControls(this.perspective, this.canvas);
    let moved = false; // between a press and its release: a plain click moves nothing
    let gesture = false; // the user's: a camera set by code (a bookmark, a fit) is not motion
    this.controls.addEventListener("start", () => {
      moved = false;
      gesture = true;
      this.fitted = false;
    });
    this.controls.addEventListener("change", () => {
      moved = true;
      if (gesture) this.startMotion();
      this.invalidateScreen();
      this.resumeFrames(false); // the camera moves: draw now, whatever waits
      this.requestFrame();
    });
    this.controls.addEventListener("end", () => {
      gesture = false;
      if (moved) this.onCameraChange();
    });
    this.canvas.addEventListener("wheel", () => this.onCameraChangeSoon(), { passive: true });
    // three.js listens too: it allows the restore and, once restored, rebuilds its GPU
    // objects from the scene on the next render. Nothing asks for that render but us.
    this.canvas.addEventListener("webglcontextlost", this.handleContextLost);
    this.canvas.addEventListener("webglcontextrestored", this.handleContextRestored);
    this.setDims(3);
    this.resetView();
  }

  /** Link the programs of what the scene holds now (the dots, once they have positions: the
   * program depends on that) and send them to the GPU process, which links them while the
   * page lays the view out; the first frame then does not wait for the link. */
  prepare(): void {
    this.renderer.compile(this.scene, this.camera);
    this.renderer.getContext().flush();
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

  /** The camera moves by the user's hand: frames draw the motion sample until it rests. */
  private startMotion(): void {
    this.moving = true;
    this.armRest();
  }

  /** Rest comes REST_MS after the last move, or after the last frame drawn while moving: a
   * frame slower than REST_MS (a loaded machine) must not end the motion while moves wait. */
  private armRest(): void {
    clearTimeout(this.restTimer);
    this.restTimer = setTimeout(() => {
      this.moving = false;
      if (this.motion.applies()) this.requestFrame(); // the full frame
    }, REST_MS);
  }

  /** Whether the user is moving the camera (frames then may draw the motion sample). */
  get cameraMoving(): boolean {
    return this.moving;
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
    this.points.material.uniforms.perspectiveScale.value = this.dims === 3 ? defaultDistance() : 0;
    if (changed) this.resetView();
  }

  /** Whether a left-button drag moves the camera (true) or is left to a selection tool. */
  setLeftDragNavigates(on: boolean): void {
    this.leftNavigates = on;
    this.setDims(this.dims);
  }

  /** Frame the whole layout (the reset-view button). */
  resetView(): void {
    this.fitted = true;
    this.controls.target.set(0, 0, 0);
    if (this.dims === 3) {
      this.perspective.position.copy(FIT_DIRECTION).multiplyScalar(fitDistance(this.points.target, this.perspective.aspect));
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

  /** Fit the canvas to its container. `drawNow`: draw the frame at once, not at the next
   * animation frame; a ResizeObserver calls it after layout and before paint, so the frame is
   * in this paint (the first frame of a view comes one frame sooner). */
  resize(drawNow = false): void {
    const w = this.container.clientWidth;
    const h = this.container.clientHeight;
    if (w < 1 || h < 1) return; // not laid out yet (or hidden): draw when it is
    if (this.sized && w === this.width && h === this.height) return;
    this.sized = true;
    this.width = w;
    this.height = h;
    this.screen.setSize(w, h);
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
    if (drawNow) this.frameLoop.drawNow();
    else this.requestFrame();
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
    this.frameLoop.request();
  }

  /** Draw nothing for up to `ms`, or until resumeFrames(). A click's own frame waits for its
   * neighbour list this way: the page then draws once, not twice, and the list's reply is
   * not queued behind a frame (a software renderer takes ~100 ms to draw 100k points, and
   * the page's main thread waits for it). */
  deferFrames(ms: number): void {
    this.frameLoop.defer(ms);
  }

  /** End deferFrames(). With `afterPaint`, the held frame is drawn one animation frame
   * later, so what the caller just put in the page (the neighbour list) is painted first
   * and does not wait for the canvas. */
  resumeFrames(afterPaint = true): void {
    this.frameLoop.resume(afterPaint);
  }

  private draw(): void {
    if (this.contextLost) return; // drawn again when the context is restored
    if (!this.sized) return; // resize() asks for the first frame once there is a size
    const progress = this.points.material.uniforms.progress;
    if (progress.value < 1) {
      const t = Math.min(1, (performance.now() - this.transitionStart) / this.transitionMs);
      progress.value = t < 1 ? t * t * (3 - 2 * t) : 1; // smoothstep easing
      this.invalidateScreen();
      if (t < 1) this.requestFrame();
    }
    const sampled = this.moving && this.motion.applies();
    this.drawnLastFrame = sampled ? this.motion.show(true) : this.points.count;
    this.renderer.render(this.scene, this.camera);
    // Hand the frame to the GPU process now, not when this task ends: the work that follows
    // (labels, hover, the rest of the page's frame) then overlaps its drawing.
    this.renderer.getContext().flush();
    if (sampled) {
      this.motion.show(false);
      this.armRest();
    }
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
    this.screen.invalidate();
  }

  /** How many times every point was projected to the screen (tests: not once a frame). */
  get screenPasses(): number {
    return this.screen.passes;
  }

  /** Point i's (x, y, clip depth) into `out`, as screenPositions() has it: from the cache when
   * it is valid, else projected alone, so labelling a few points while the camera moves costs
   * nothing proportional to N. False when i is not a point. */
  screenPoint(i: number, out: Float32Array): boolean {
    return this.screen.point(i, out);
  }

  /** Every point's (x, y, z): CSS px relative to the canvas and clip-space depth
   * (Infinity behind the camera). Cached until the camera or the layout moves; read only. */
  screenPositions(): Float32Array {
    return this.screen.all();
  }

  /** Where a position in the points' coordinates is drawn, CSS px relative to the canvas. */
  screenOf(position: ArrayLike<number>): [number, number] {
    return this.screen.of(position);
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
    const screen = this.screen.all();
    const look: PointLook = {
      ...this.look(),
      perspectiveScale: this.points.material.uniforms.perspectiveScale.value as number,
      pixelRatio: this.renderer.getPixelRatio(),
    };
    return pickPoint({ screen, viewDepth: this.screen.viewDepth, flags: this.points.allFlags, look }, x, y, slop, isHidden);
  }

  dispose(): void {
    clearTimeout(this.cameraTimer);
    clearTimeout(this.restTimer);
    this.frameLoop.dispose();
    this.controls.dispose();
    this.points.dispose();
    this.motion.dispose();
    this.canvas.removeEventListener("webglcontextlost", this.handleContextLost);
    this.canvas.removeEventListener("webglcontextrestored", this.handleContextRestored);
    this.renderer.dispose();
    // Give the context back now: the browser keeps only ~16 alive and, past that, takes one
    // from the oldest view, which may be one still on screen; garbage collection is too late.
    this.renderer.forceContextLoss();
    this.canvas.remove();
  }
}
