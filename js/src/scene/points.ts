// The point cloud: one THREE.Points with a small shader. Positions animate on the GPU between
// the previous and the new layout (a uniform `progress`), so a transition costs no per-frame
// work proportional to N in JavaScript.

import * as THREE from "three";
import { pointCommon } from "./pointShaderCommon";

/** Per-point state flags, one byte a point (the `pstate` attribute). */
export const SELECTED = 1;
export const HOVERED = 2;
export const NEIGHBOR = 4;
export const HIDDEN = 8;

const vertexShader = /* glsl */ `
attribute vec3 pcolor;
uniform float size;
uniform vec3 background;
varying vec3 vColor;

${pointCommon}

void main() {
  Point pt = placePoint();
  gl_PointSize = pointSize(size, pt);
  layerDepth(pt);
  if (pt.hidden > 0.5) gl_Position = vec4(2.0, 2.0, 2.0, 1.0); // outside the clip volume
  vColor = mix(background, pcolor, vAlpha); // faded here, once a point, not once a pixel
}
`;

// Software WebGL runs this for every pixel of every point: a squared radius (no square root),
// no branch but the discard, the colour already faded by the vertex shader.
const fragmentShader = /* glsl */ `
uniform vec3 background;
varying vec3 vColor;
varying float vRing;

void main() {
  vec2 c = gl_PointCoord - vec2(0.5);
  float r2 = dot(c, c);
  if (r2 > 0.25) discard; // outside the round dot (radius 0.5)
  // Selected and hovered points: an outline past radius 0.36 in the text colour.
  gl_FragColor = vec4(mix(vColor, vec3(1.0) - background, vRing * step(0.1296, r2)), 1.0);
}
`;

/** Gives a point geometry a bounding sphere that is never computed: three.js would
 * otherwise walk every point to find one before the first frame (to order the scene's
 * objects by distance; a point cloud is never culled, frustumCulled = false). */
export function unbounded(geometry: THREE.BufferGeometry): void {
  geometry.boundingSphere = new THREE.Sphere(new THREE.Vector3(), Infinity);
}

export class PointCloud {
  readonly object: THREE.Points;
  readonly material: THREE.ShaderMaterial;
  /** Shared with the image layer (sprites.ts), which draws the same points as images. */
  readonly geometry = new THREE.BufferGeometry();
  count = 0;
  /** Where each point is drawn once the running transition has finished. */
  target: Float32Array = new Float32Array(0);
  private previous: Float32Array = new Float32Array(0);
  private state = new Uint8Array(0);
  /** The whole flag buffer awaits its upload (a range must not narrow it). */
  private wholeStatePending = false;
  /** Counts flag changes (the motion sample rescans the flags when it moves on). */
  flagsVersion = 0;

  constructor() {
    this.material = new THREE.ShaderMaterial({
      vertexShader,
      fragmentShader,
      uniforms: {
        progress: { value: 1 },
        size: { value: 4 },
        pixelRatio: { value: 1 },
        perspectiveScale: { value: 0 },
        hasSelection: { value: 0 },
        background: { value: new THREE.Color(1, 1, 1) },
      },
    });
    this.object = new THREE.Points(this.geometry, this.material);
    this.object.frustumCulled = false;
    unbounded(this.geometry);
  }

  /** Current drawn position of point i, mid-transition included. */
  positionAt(i: number, out: THREE.Vector3): THREE.Vector3 {
    const t = this.material.uniforms.progress.value as number;
    const a = this.previous, b = this.target, k = 3 * i;
    return out.set(
      a[k] + (b[k] - a[k]) * t,
      a[k + 1] + (b[k + 1] - a[k + 1]) * t,
      a[k + 2] + (b[k + 2] - a[k + 2]) * t,
    );
  }

  /** The layout the points move to and the one they move from (read only). */
  layouts(): { target: Float32Array; start: Float32Array } {
    return { target: this.target, start: this.previous };
  }

  /** Replace the layout. With `animate`, points move from where they are drawn now. */
  setPositions(positions: Float32Array, animate: boolean): void {
    const n = Math.floor(positions.length / 3);
    const resized = n !== this.count;
    let previous: Float32Array;
    if (animate && !resized) {
      // Freeze the in-between positions of a running transition as the new start.
      const t = this.material.uniforms.progress.value as number;
      previous = new Float32Array(positions.length);
      const a = this.previous, b = this.target;
      for (let k = 0; k < previous.length; k++) previous[k] = a[k] + (b[k] - a[k]) * t;
    } else {
      previous = positions;
    }
    this.target = positions;
    this.previous = previous;
    if (resized) this.resize(n);
    // Not moving: both attributes are one buffer, so the GPU gets the layout once, not twice
    // (12 MB less to upload before the first frame at a million points).
    const position = new THREE.BufferAttribute(positions, 3);
    this.geometry.setAttribute("position", position);
    this.geometry.setAttribute("pprev", previous === positions ? position : new THREE.BufferAttribute(previous, 3));
    this.material.uniforms.progress.value = animate && !resized ? 0 : 1;
  }

  /** RGB per point (codecs.ts decodeColors), or null: every point in `fallback`. */
  setColors(colors: Uint8Array | null, fallback: [number, number, number]): void {
    let rgb = colors;
    if (!rgb || rgb.length !== this.count * 3) {
      rgb = new Uint8Array(this.count * 3);
      for (let i = 0; i < rgb.length; i += 3) rgb.set(fallback, i);
    }
    this.geometry.setAttribute("pcolor", new THREE.BufferAttribute(rgb, 3, true));
  }

  /** Set or clear one flag on many points; the caller then calls commitState(). */
  setFlag(indices: ArrayLike<number>, bit: number, on: boolean): void {
    const s = this.state;
    this.flagsVersion++;
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j];
      if (i >= 0 && i < s.length) s[i] = on ? s[i] | bit : s[i] & ~bit;
    }
  }

  clearFlag(bit: number): void {
    const s = this.state;
    this.flagsVersion++;
    for (let i = 0; i < s.length; i++) s[i] &= ~bit;
  }

  flags(i: number): number {
    return this.state[i] ?? 0;
  }

  /** Every point's flag byte (read only: setFlag writes them). */
  get allFlags(): Uint8Array {
    return this.state;
  }

  /** Upload the flags to the GPU: all of them, or only the points `changed` (a hover
   * changes two bytes: uploading N for it would cost every pointer move O(N)). */
  commitState(hasSelection: boolean, changed?: number[]): void {
    const attr = this.geometry.getAttribute("pstate") as THREE.BufferAttribute | undefined;
    if (attr) {
      if (changed && !this.wholeStatePending) {
        for (const i of changed) if (i >= 0 && i < this.count) attr.addUpdateRange(i, 1);
      } else {
        attr.clearUpdateRanges(); // the whole buffer, until a frame has uploaded it
        this.wholeStatePending = true;
      }
      attr.needsUpdate = true;
    }
    this.material.uniforms.hasSelection.value = hasSelection ? 1 : 0;
  }

  /** A frame was drawn: what commitState asked for is on the GPU. */
  drawn(): void {
    this.wholeStatePending = false;
  }

  private resize(n: number): void {
    this.count = n;
    this.state = new Uint8Array(n);
    this.flagsVersion++;
    this.geometry.setAttribute("pstate", new THREE.BufferAttribute(this.state, 1));
    this.geometry.setDrawRange(0, n);
  }

  dispose(): void {
    this.geometry.dispose();
    this.material.dispose();
  }
}
