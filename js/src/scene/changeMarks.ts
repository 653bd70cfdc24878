// The neighbours of one point in two embeddings A and B, marked in the view: kept (near in
// both) with a solid ring, lost (near in A only) with a dashed ring, gained (near in B only)
// with a square, each in its own colour, drawn over the points at a fixed size on screen; and
// a small key in the canvas's corner saying which is which. The marks move with their points
// (the same transition uniform as the dots) and go when cleared.

import * as THREE from "three";
import { h } from "../dom";
import type { PointCloud } from "./points";

export type ChangeKind = "kept" | "lost" | "gained";
export const CHANGE_KINDS: ChangeKind[] = ["kept", "lost", "gained"];

/** The colours of the inspector's A / B lists (widget.css .nbp-kept, .nbp-lost, .nbp-gained). */
export const CHANGE_COLORS: Record<ChangeKind, string> = { kept: "#2ca02c", lost: "#d62728", gained: "#1f77b4" };
/** A mark's side in CSS px; its ring is at 0.36 of it (see the fragment shader). */
export const MARK_PX = 22;

export interface ChangeSets {
  /** The two embeddings' names, for the key. */
  a: string;
  b: string;
  kept: ArrayLike<number>;
  lost: ArrayLike<number>;
  gained: ArrayLike<number>;
}

const vertexShader = /* glsl */ `
attribute vec3 pprev;
attribute float kind;
uniform float progress;
uniform float pixelRatio;
uniform float size;
varying float vKind;

void main() {
  gl_Position = projectionMatrix * modelViewMatrix * vec4(mix(pprev, position, progress), 1.0);
  gl_PointSize = size * pixelRatio;
  vKind = kind;
}
`;

// kind 0 kept: a solid ring; 1 lost: a ring in 12 dashes; 2 gained: a square outline. Each
// has a thin halo in the background colour, so it reads over other points.
const fragmentShader = /* glsl */ `
uniform vec3 colors[3];
uniform vec3 background;
varying float vKind;

void main() {
  vec2 c = gl_PointCoord - vec2(0.5);
  int kind = int(vKind + 0.5);
  float r = kind == 2 ? max(abs(c.x), abs(c.y)) : length(c);
  float d = abs(r - 0.36);
  if (d > 0.11) discard;
  if (kind == 1 && fract(atan(c.y, c.x) / 6.2831853 * 12.0) > 0.55) discard;
  gl_FragColor = vec4(d > 0.065 ? background : colors[kind], 1.0);
}
`;

function rgb(hex: string): THREE.Vector3 {
  const n = parseInt(hex.slice(1), 16);
  // The shader writes these as they are (sRGB), like the points' own colours.
  return new THREE.Vector3(((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255);
}

export class ChangeMarks {
  readonly object: THREE.Points;
  readonly key: HTMLElement;
  private geometry = new THREE.BufferGeometry();
  sets: ChangeSets | null = null;
  /** The points marked, by kind, as last drawn (for tests). */
  drawn: Record<ChangeKind, number[]> | null = null;

  /** `slotOf`: the slot that draws a point, -1 when it is not drawn (above the draw budget
   * the cloud holds a sample of the points; the sets are point indices). */
  constructor(
    private points: PointCloud,
    container: HTMLElement,
    private slotOf: (point: number) => number = (i) => i,
  ) {
    const uniforms = points.material.uniforms;
    const material = new THREE.ShaderMaterial({
      vertexShader,
      fragmentShader,
      uniforms: {
        // Shared with the dots: the marks move and scale with them.
        progress: uniforms.progress,
        pixelRatio: uniforms.pixelRatio,
        background: uniforms.background,
        size: { value: MARK_PX },
        colors: { value: CHANGE_KINDS.map((kind) => rgb(CHANGE_COLORS[kind])) },
      },
      depthTest: false,
      transparent: false,
    });
    this.object = new THREE.Points(this.geometry, material);
    this.object.renderOrder = 9; // over the points and images, under the query marker
    this.object.frustumCulled = false;
    this.object.visible = false;
    this.key = h("div", { class: "nbp-change-key", hidden: true });
    container.append(this.key);
  }

  /** Mark these sets (null: clear). Points not drawn, or whose slot `isHidden`, are left out. */
  show(sets: ChangeSets | null, isHidden: (i: number) => boolean): void {
    this.sets = sets;
    this.refresh(isHidden);
  }

  /** Place the marks again: the layout or the points shown changed. */
  refresh(isHidden: (i: number) => boolean): void {
    const sets = this.sets;
    if (!sets) {
      this.object.visible = false;
      this.key.hidden = true;
      this.drawn = null;
      return;
    }
    const drawn: Record<ChangeKind, number[]> = { kept: [], lost: [], gained: [] };
    const slots: Record<ChangeKind, number[]> = { kept: [], lost: [], gained: [] };
    const n = this.points.count;
    for (const kind of CHANGE_KINDS) {
      for (const i of Array.from(sets[kind])) {
        const s = this.slotOf(i);
        if (s >= 0 && s < n && !isHidden(s)) {
          drawn[kind].push(i);
          slots[kind].push(s);
        }
      }
    }
    const total = drawn.kept.length + drawn.lost.length + drawn.gained.length;
    const position = new Float32Array(3 * total);
    const previous = new Float32Array(3 * total);
    const kinds = new Float32Array(total);
    const { target, start } = this.points.layouts();
    let j = 0;
    CHANGE_KINDS.forEach((kind, code) => {
      for (const i of slots[kind]) {
        position.set(target.subarray(3 * i, 3 * i + 3), 3 * j);
        previous.set(start.subarray(3 * i, 3 * i + 3), 3 * j);
        kinds[j++] = code;
      }
    });
    this.geometry.setAttribute("position", new THREE.BufferAttribute(position, 3));
    this.geometry.setAttribute("pprev", new THREE.BufferAttribute(previous, 3));
    this.geometry.setAttribute("kind", new THREE.BufferAttribute(kinds, 1));
    this.geometry.setDrawRange(0, total);
    this.object.visible = total > 0;
    this.drawn = drawn;
    this.renderKey(sets, drawn);
  }

  private renderKey(sets: ChangeSets, drawn: Record<ChangeKind, number[]>): void {
    const what: Record<ChangeKind, string> = {
      kept: `kept: near in ${sets.a} and ${sets.b}`,
      lost: `lost: near in ${sets.a} only`,
      gained: `gained: near in ${sets.b} only`,
    };
    this.key.replaceChildren(
      ...CHANGE_KINDS.map((kind) =>
        h(
          "div",
          { class: "nbp-change-key-row", "data-kind": kind },
          h("span", { class: `nbp-change-swatch nbp-change-${kind}`, style: `border-color:${CHANGE_COLORS[kind]}` }),
          h("span", { text: `${what[kind]} (${drawn[kind].length})` }),
        ),
      ),
    );
    this.key.hidden = false;
  }

  dispose(): void {
    this.geometry.dispose();
    (this.object.material as THREE.Material).dispose();
    this.key.remove();
  }
}
