// Where the points are drawn on the canvas: every point's screen position, computed once per
// camera and layout (picking, regions and "all labels" need every point), and single points
// projected alone when that cache is stale (a few labels while the camera moves).

import * as THREE from "three";
import type { PointCloud } from "./points";

export class ScreenSpace {
  /** How many times every point was projected to the screen (tests: not once a frame). */
  passes = 0;
  /** Each point's view-space depth, as of the last full pass (picking's depth order). */
  viewDepth = new Float32Array(0);
  private cache: Float32Array | null = null;
  /** The camera's projection x view matrix, for projecting single points (null: stale). */
  private pointMatrix: THREE.Matrix4 | null = null;
  private width = 1;
  private height = 1;
  private scratch = new Float32Array(4);
  private scratchVector = new THREE.Vector3();

  constructor(
    private points: PointCloud,
    private camera: () => THREE.Camera,
  ) {}

  /** The canvas's size in CSS px (the caller invalidates). */
  setSize(width: number, height: number): void {
    this.width = width;
    this.height = height;
  }

  /** The camera or the layout moved: screen positions are to be computed again. */
  invalidate(): void {
    this.cache = null;
    this.pointMatrix = null;
  }

  private matrix(): THREE.Matrix4 {
    const camera = this.camera();
    this.pointMatrix ??= new THREE.Matrix4().multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse);
    return this.pointMatrix;
  }

  /** Point i's (x, y, clip depth) and view depth into `out` (4 values), as all()'s loop
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

  /** Every point's (x, y, z): CSS px relative to the canvas and clip-space depth (Infinity
   * behind the camera). Cached until the camera or the layout moves; read only.
   * O(N): only what needs every point asks (picking, regions, all labels). */
  all(): Float32Array {
    if (this.cache) return this.cache;
    this.passes++;
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
    this.cache = out;
    return out;
  }

  /** Point i's (x, y, clip depth) into `out`, as all() has it: from the cache when it is
   * valid, else projected alone, so labelling a few points while the camera moves costs
   * nothing proportional to N. False when i is not a point. */
  point(i: number, out: Float32Array): boolean {
    if (i < 0 || i >= this.points.count) return false;
    const s = this.cache;
    if (s) {
      out[0] = s[3 * i]; out[1] = s[3 * i + 1]; out[2] = s[3 * i + 2];
      return true;
    }
    this.project(i, this.scratch, this.scratchVector);
    out[0] = this.scratch[0]; out[1] = this.scratch[1]; out[2] = this.scratch[2];
    return true;
  }

  /** Where a position in the points' coordinates is drawn, CSS px relative to the canvas. */
  of(position: ArrayLike<number>): [number, number] {
    const v = new THREE.Vector3(position[0], position[1], position[2] ?? 0).project(this.camera());
    return [((v.x + 1) * this.width) / 2, ((1 - v.y) * this.height) / 2];
  }
}
