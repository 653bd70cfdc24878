// While the camera moves, a software renderer (no GPU) draws a fixed sample of the points plus
// every emphasised one (selected, hovered, neighbours); the frame after the camera stops draws
// them all. Without a GPU, each point drawn costs the same whatever its size (SwiftShader
// spends most of a frame setting up primitives), so a frame's time follows the number of
// points: a million points take most of a second a frame, too slow to follow a wheel or a drag.
// The sample is in drawing order (a subset of the points in index order), so where points
// overlap, the one drawn on top is the same as in the full frame.

import * as THREE from "three";
import { HIDDEN, HOVERED, NEIGHBOR, type PointCloud, SELECTED, unbounded } from "./points";

/** Points drawn while the camera moves, on a software renderer. */
export const MOTION_SAMPLE = 250_000;

const EMPHASISED = SELECTED | HOVERED | NEIGHBOR;

/** Whether point i is in a sample of `share` (0..1) of the points: a fixed hash of i, so the
 * sample never changes while the count stays, and is spread evenly over the index range. */
function inSample(i: number, threshold: number): boolean {
  return Math.imul(i + 1, 0x9e3779b1) >>> 0 < threshold;
}

export class MotionSample {
  /** The sample and the emphasised points: drawn with the dots' own material. */
  readonly objects: THREE.Points[];
  /** Point counts above this are drawn by their sample while the camera moves. */
  budget = Infinity;
  private sample = new THREE.BufferGeometry();
  private emphasised = new THREE.BufferGeometry();
  private sampledFor = -1;
  private sampledBudget = -1;
  private scannedVersion = -1;
  private emphasisedIndex = new THREE.BufferAttribute(new Uint32Array(64), 1);
  /** How many times the flags were scanned for emphasised points (tests: not once a frame). */
  scans = 0;

  constructor(private points: PointCloud) {
    this.emphasised.setIndex(this.emphasisedIndex);
    unbounded(this.sample);
    unbounded(this.emphasised);
    this.objects = [this.sample, this.emphasised].map((g) => {
      const object = new THREE.Points(g, points.material);
      object.frustumCulled = false;
      object.visible = false;
      return object;
    });
  }

  /** Whether a frame drawn while the camera moves draws the sample instead of every dot. */
  applies(): boolean {
    return this.points.object.visible && this.points.count > this.budget;
  }

  /** Show the sample instead of the dots for one frame (`on`, when applies()), or the dots
   * again (off). Returns how many points that frame draws. */
  show(on: boolean): number {
    const points = this.points;
    points.object.visible = !on;
    for (const object of this.objects) object.visible = on;
    if (!on) return points.count;
    this.update();
    return (this.sample.index?.count ?? 0) + this.emphasised.drawRange.count;
  }

  /** Bring the sample up to date: the dots' current attributes (shared, not copied), the
   * sample's indices when the count changed, the emphasised points when a flag changed. */
  private update(): void {
    const points = this.points;
    for (const [name, attribute] of Object.entries(points.geometry.attributes)) {
      for (const g of [this.sample, this.emphasised]) {
        if (g.getAttribute(name) !== attribute) g.setAttribute(name, attribute);
      }
    }
    const n = points.count;
    if (n !== this.sampledFor || this.budget !== this.sampledBudget) {
      this.sampledFor = n;
      this.sampledBudget = this.budget;
      const threshold = Math.min(1, this.budget / n) * 2 ** 32;
      let count = 0;
      for (let i = 0; i < n; i++) if (inSample(i, threshold)) count++;
      const index = new Uint32Array(count);
      for (let i = 0, k = 0; i < n; i++) if (inSample(i, threshold)) index[k++] = i;
      this.sample.setIndex(new THREE.BufferAttribute(index, 1));
    }
    if (points.flagsVersion !== this.scannedVersion) this.scanFlags();
  }

  /** The emphasised points, from every point's flags: once a flag change, not once a frame. */
  private scanFlags(): void {
    this.scannedVersion = this.points.flagsVersion;
    this.scans++;
    const flags = this.points.allFlags;
    let count = 0;
    for (let i = 0; i < flags.length; i++) if (flags[i] & EMPHASISED && !(flags[i] & HIDDEN)) count++;
    let attribute = this.emphasisedIndex;
    if (count > attribute.count) {
      attribute = new THREE.BufferAttribute(new Uint32Array(Math.max(count, 2 * attribute.count)), 1);
      this.emphasisedIndex = attribute;
      this.emphasised.setIndex(attribute);
    }
    const index = attribute.array as Uint32Array;
    for (let i = 0, k = 0; i < flags.length; i++) if (flags[i] & EMPHASISED && !(flags[i] & HIDDEN)) index[k++] = i;
    attribute.clearUpdateRanges();
    attribute.addUpdateRange(0, count);
    attribute.needsUpdate = true;
    this.emphasised.setDrawRange(0, count);
  }

  dispose(): void {
    // The attributes are the dots' own (disposed with them); only the indices are ours.
    this.sample.setIndex(null);
    this.emphasised.setIndex(null);
  }
}
