// Region selection: a rectangle or a lasso dragged over the view (2D and 3D), and in
// 3D a sphere around a point. Every point inside is selected, those hidden behind others too
// (no depth test), which the note after each selection says. The tests run over the Stage's
// cached screen positions: O(N) typed-array loops, no per-point objects.

import * as THREE from "three";
import { h } from "../dom";
import { opOf, type SelectOp } from "../selection";
import type { Stage } from "./stage";

export type Mode = "navigate" | "rectangle" | "lasso" | "sphere";

const SVG = "http://www.w3.org/2000/svg";
const DRAG_SLOP_PX = 4;
/** A lasso vertex is added once the pointer moved this far from the last one. */
const LASSO_STEP_PX = 3;
const NOTE_MS = 4000;

type Skip = (i: number) => boolean;

function collect(n: number, inside: (i: number) => boolean): Uint32Array {
  const hits = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) if (inside(i)) (hits[i] = 1), count++;
  const out = new Uint32Array(count);
  for (let i = 0, j = 0; i < n; i++) if (hits[i]) out[j++] = i;
  return out;
}

/** Points whose screen position (x, y) lies in the rectangle, borders included. */
export function pointsInRect(screen: Float32Array, x0: number, y0: number, x1: number, y1: number, skip: Skip): Uint32Array {
  const [lx, hx] = x0 < x1 ? [x0, x1] : [x1, x0];
  const [ly, hy] = y0 < y1 ? [y0, y1] : [y1, y0];
  return collect(screen.length / 3, (i) => {
    const x = screen[3 * i], y = screen[3 * i + 1];
    return x >= lx && x <= hx && y >= ly && y <= hy && isFinite(screen[3 * i + 2]) && !skip(i);
  });
}

/** Points inside a closed polygon (x0, y0, x1, y1, ...), by the even-odd rule. */
export function pointsInPolygon(screen: Float32Array, polygon: ArrayLike<number>, skip: Skip): Uint32Array {
  const m = polygon.length >> 1;
  if (m < 3) return new Uint32Array(0);
  let lx = Infinity, ly = Infinity, hx = -Infinity, hy = -Infinity;
  for (let j = 0; j < m; j++) {
    const x = polygon[2 * j], y = polygon[2 * j + 1];
    lx = Math.min(lx, x); hx = Math.max(hx, x); ly = Math.min(ly, y); hy = Math.max(hy, y);
  }
  return collect(screen.length / 3, (i) => {
    const x = screen[3 * i], y = screen[3 * i + 1];
    if (x < lx || x > hx || y < ly || y > hy || !isFinite(screen[3 * i + 2]) || skip(i)) return false;
    let inside = false;
    for (let a = 0, b = m - 1; a < m; b = a++) {
      const xa = polygon[2 * a], ya = polygon[2 * a + 1], xb = polygon[2 * b], yb = polygon[2 * b + 1];
      if (ya > y !== yb > y && x < ((xb - xa) * (y - ya)) / (yb - ya) + xa) inside = !inside;
    }
    return inside;
  });
}

/** Points within `radius` (layout units, as drawn) of point `centre`, in 3D. */
export function pointsInSphere(stage: Stage, centre: number, radius: number, skip: Skip): Uint32Array {
  const points = stage.points;
  const c = points.positionAt(centre, new THREE.Vector3());
  const v = new THREE.Vector3();
  const r2 = radius * radius;
  return collect(points.count, (i) => !skip(i) && points.positionAt(i, v).distanceToSquared(c) <= r2);
}

/** Layout units per CSS pixel at the depth of point i (to turn a dragged radius into 3D). */
export function unitsPerPixel(stage: Stage, i: number): number {
  const camera = stage.camera;
  const height = Math.max(1, stage.canvas.clientHeight);
  if (camera instanceof THREE.PerspectiveCamera) {
    const p = stage.points.positionAt(i, new THREE.Vector3()).applyMatrix4(camera.matrixWorldInverse);
    const depth = Math.max(1e-6, -p.z);
    return (2 * depth * Math.tan(THREE.MathUtils.degToRad(camera.fov / 2))) / (camera.zoom * height);
  }
  return (camera.top - camera.bottom) / (camera.zoom * height);
}

export interface RegionOptions {
  isHidden: Skip;
  pickRadius: () => number;
  /** A region was drawn: apply it to the selection. */
  onSelect: (indices: Uint32Array, op: SelectOp) => void;
}

interface Drag {
  op: SelectOp;
  x0: number;
  y0: number;
  polygon: number[];
  centre: number;
  moved: boolean;
}

export class RegionTool {
  mode: Mode = "navigate";
  /** The mode buttons, for the toolbar. */
  readonly toolbar: HTMLElement;
  /** What the last region selected (tests read it): its kind, shape and count. */
  last: { mode: Mode; shape: number[]; count: number } | null = null;
  /** The pointer press since the last pointerdown drew a region (so it is not a click). */
  dragged = false;
  private svg: SVGSVGElement;
  private shape: SVGPolygonElement;
  private circle: SVGCircleElement;
  private note: HTMLElement;
  private buttons = new Map<Mode, HTMLButtonElement>();
  private drag: Drag | null = null;
  private noteTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private stage: Stage,
    container: HTMLElement,
    private options: RegionOptions,
  ) {
    this.svg = document.createElementNS(SVG, "svg");
    this.svg.setAttribute("class", "nbp-region");
    this.shape = document.createElementNS(SVG, "polygon");
    this.circle = document.createElementNS(SVG, "circle");
    this.svg.append(this.shape, this.circle);
    this.note = h("div", { class: "nbp-region-note", role: "status", hidden: true });
    container.append(this.svg, this.note);
    this.clearShape();

    const titles: [Mode, string, string][] = [
      ["navigate", "Navigate", "Drag to rotate (3D) or pan (2D)"],
      ["rectangle", "Rectangle", "Drag a rectangle to select. Shift adds, Alt or Ctrl removes"],
      ["lasso", "Lasso", "Draw around points to select. Shift adds, Alt or Ctrl removes"],
      ["sphere", "Sphere", "3D: press on a point and drag the radius. Shift adds, Alt or Ctrl removes"],
    ];
    this.toolbar = h("span", { class: "nbp-modes", role: "group", "aria-label": "Selection mode" });
    for (const [mode, text, title] of titles) {
      const button = h("button", { class: "nbp-mode", "data-mode": mode, title, text });
      button.addEventListener("click", () => this.setMode(mode));
      this.buttons.set(mode, button);
      this.toolbar.append(button);
    }
    const canvas = stage.canvas;
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    canvas.addEventListener("pointerup", (e) => this.up(e));
    canvas.addEventListener("pointercancel", () => this.cancel());
    this.refresh();
  }

  setMode(mode: Mode): void {
    if (mode === "sphere" && this.stage.dims !== 3) mode = "navigate";
    this.mode = mode;
    this.cancel();
    this.stage.setLeftDragNavigates(mode === "navigate");
    this.refresh();
  }

  /** Follow the view's dimension: the sphere exists in 3D only. */
  refresh(): void {
    if (this.mode === "sphere" && this.stage.dims !== 3) this.setMode("navigate");
    for (const [mode, button] of this.buttons) {
      button.classList.toggle("nbp-on", mode === this.mode);
      button.setAttribute("aria-pressed", String(mode === this.mode));
    }
    this.buttons.get("sphere")!.disabled = this.stage.dims !== 3;
    this.stage.canvas.dataset.mode = this.mode;
  }

  private down(e: PointerEvent): void {
    this.dragged = false;
    if (this.mode === "navigate" || e.button !== 0) return;
    let centre = -1;
    if (this.mode === "sphere") {
      centre = this.stage.pick(e.offsetX, e.offsetY, this.options.pickRadius(), this.options.isHidden);
      if (centre < 0) {
        this.say("Press on a point to centre the sphere there, then drag its radius");
        return;
      }
    }
    this.drag = { op: opOf(e), x0: e.offsetX, y0: e.offsetY, polygon: [e.offsetX, e.offsetY], centre, moved: false };
  }

  private move(e: PointerEvent): void {
    const d = this.drag;
    if (!d) return;
    const x = e.offsetX, y = e.offsetY;
    if (!d.moved && Math.hypot(x - d.x0, y - d.y0) <= DRAG_SLOP_PX) return;
    d.moved = true;
    this.dragged = true;
    if (this.mode === "rectangle") {
      d.polygon = [d.x0, d.y0, x, d.y0, x, y, d.x0, y];
    } else if (this.mode === "lasso") {
      const n = d.polygon.length;
      if (Math.hypot(x - d.polygon[n - 2], y - d.polygon[n - 1]) >= LASSO_STEP_PX) d.polygon.push(x, y);
    } else if (this.mode === "sphere") {
      const c = this.stage.screenPosition(d.centre);
      if (c) this.drawCircle(c[0], c[1], Math.hypot(x - c[0], y - c[1]));
      d.polygon = [x, y];
      return;
    }
    this.shape.setAttribute("points", d.polygon.join(" "));
  }

  private up(e: PointerEvent): void {
    const d = this.drag;
    this.drag = null;
    this.clearShape();
    if (!d || !d.moved) return; // a click: the view selects the point under the pointer
    this.move(e);
    const op = d.op !== "replace" ? d.op : opOf(e);
    const screen = this.stage.screenPositions();
    const skip = this.options.isHidden;
    let indices: Uint32Array;
    let what: string;
    if (this.mode === "rectangle") {
      indices = pointsInRect(screen, d.x0, d.y0, e.offsetX, e.offsetY, skip);
      what = "in the rectangle";
      d.polygon = [d.x0, d.y0, e.offsetX, e.offsetY];
    } else if (this.mode === "lasso") {
      indices = pointsInPolygon(screen, d.polygon, skip);
      what = "in the lasso";
    } else {
      const c = this.stage.screenPosition(d.centre);
      if (!c) return;
      const px = Math.hypot(e.offsetX - c[0], e.offsetY - c[1]);
      const radius = px * unitsPerPixel(this.stage, d.centre);
      indices = pointsInSphere(this.stage, d.centre, radius, skip);
      what = `in a sphere of radius ${radius.toPrecision(2)} (the layout spans -1 to 1)`;
      d.polygon = [d.centre, radius];
    }
    this.last = { mode: this.mode, shape: d.polygon.slice(), count: indices.length };
    this.options.onSelect(indices, op);
    const verb = op === "add" ? "added" : op === "remove" ? "removed" : "selected";
    const behind = this.stage.dims === 3 ? ", points behind others included" : "";
    this.say(`${indices.length.toLocaleString()} points ${what} ${verb}${behind}`);
  }

  private cancel(): void {
    this.drag = null;
    this.clearShape();
  }

  private clearShape(): void {
    this.shape.setAttribute("points", "");
    this.circle.setAttribute("r", "0");
  }

  private drawCircle(x: number, y: number, r: number): void {
    this.circle.setAttribute("cx", String(x));
    this.circle.setAttribute("cy", String(y));
    this.circle.setAttribute("r", String(r));
  }

  private say(text: string): void {
    this.note.textContent = text;
    this.note.hidden = false;
    clearTimeout(this.noteTimer);
    this.noteTimer = setTimeout(() => (this.note.hidden = true), NOTE_MS);
  }

  dispose(): void {
    clearTimeout(this.noteTimer);
    this.svg.remove();
    this.note.remove();
  }
}
