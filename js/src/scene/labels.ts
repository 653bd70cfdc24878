// Point labels on a 2D canvas over the WebGL one: text drawn with fillText, never
// parsed as HTML. Labels go in order of priority (the point hovered in a list, the focused
// point, its neighbours, the selection, then with "all labels" every point shown, front-most
// first) and a label is drawn only where it overlaps no label placed before it, nor the hover
// tooltip: a greedy placement over a coarse grid of screen cells, so the view stays readable at
// any density. The forced labels are always drawn, on the first side of their point (right,
// left, above, below) where they overlap nothing.

import type { Labels } from "../codecs";

const CELL_PX = 6;
/** Stop after this many labels: more would not be readable anyway. */
const MAX_LABELS = 1500;
/** Bound the text measurements of one frame (the costly part) in all-labels mode. */
const MAX_MEASURED = 20_000;
const DEPTH_BUCKETS = 1024;
/** How many lines out from its point a forced label looks for a free place. */
const FORCED_TRIES = 4;

export interface LabelRequest {
  /** (x, y, depth) per point in CSS px; read only in all-labels mode (it is O(N)). */
  screen: () => Float32Array;
  /** Point i's (x, y, depth) into `out`: the labels of a few points cost no O(N) work. */
  point: (i: number, out: Float32Array) => boolean;
  labels: Labels;
  isHidden: (i: number) => boolean;
  /** Always drawn: the point hovered in a list, the focus. */
  forced: number[];
  /** Areas no label may cover (the hover tooltip), CSS px relative to the canvas. */
  avoid: Box[];
  /** A point not labelled here (the hovered one: the tooltip shows its label). */
  exclude: number;
  /** Then these, in order, where they fit. */
  groups: ArrayLike<number>[];
  /** Then every point shown, front-most first, where it fits. */
  all: boolean;
  fontPx: number;
  /** Distance from a point's centre to its label, CSS px. */
  offsetPx: number;
  color: string;
  halo: string;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Placed extends Box {
  i: number;
}

export class LabelLayer {
  readonly canvas: HTMLCanvasElement;
  private g: CanvasRenderingContext2D;
  /** The labels drawn by the last frame (tests read them). */
  placed: Placed[] = [];
  /** Device pixels per CSS pixel for the next draws (a PNG snapshot sets it; null: the screen's). */
  ratioOverride: number | null = null;
  private widths = new Map<number, number>();
  private font = "";
  private labelsSeen: Labels | null = null;
  private width = 0;
  private height = 0;

  constructor(container: HTMLElement) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "nbp-labels";
    container.append(this.canvas);
    this.g = this.canvas.getContext("2d")!;
  }

  private fit(): void {
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    const ratio = this.ratioOverride ?? (window.devicePixelRatio || 1);
    if (w === this.width && h === this.height && this.canvas.width === Math.round(w * ratio)) return;
    this.width = w;
    this.height = h;
    this.canvas.width = Math.round(w * ratio);
    this.canvas.height = Math.round(h * ratio);
    this.font = ""; // the context's state was reset
  }

  draw(r: LabelRequest): void {
    this.fit();
    const g = this.g;
    const ratio = this.ratioOverride ?? (window.devicePixelRatio || 1);
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.placed = [];
    const anything = r.forced.length > 0 || r.all || r.groups.some((group) => group.length > 0);
    if (!anything || this.width < 1 || this.height < 1) return;

    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const font = `${r.fontPx}px system-ui, -apple-system, "Segoe UI", sans-serif`;
    if (font !== this.font || r.labels !== this.labelsSeen) this.widths.clear();
    this.font = font;
    this.labelsSeen = r.labels;
    g.font = font;
    g.textBaseline = "middle";
    g.lineJoin = "round";
    g.lineWidth = Math.max(2, r.fontPx / 4);
    g.strokeStyle = r.halo;
    g.fillStyle = r.color;

    // Every point's screen position only when every point may be labelled; otherwise the
    // labelled points are projected one by one (a frame of a rotation costs no O(N) here).
    const screen = r.all ? r.screen() : null;
    const p = new Float32Array(3);
    const at = (i: number): boolean => {
      if (!screen) return r.point(i, p);
      if (3 * i + 2 >= screen.length) return false;
      p[0] = screen[3 * i]; p[1] = screen[3 * i + 1]; p[2] = screen[3 * i + 2];
      return true;
    };
    const cols = Math.ceil(this.width / CELL_PX), rows = Math.ceil(this.height / CELL_PX);
    const grid = new Uint8Array(cols * rows);
    const lineH = Math.ceil(r.fontPx * 1.25);
    const done = new Set<number>();
    let measured = 0;

    const cellsFree = (x0: number, y0: number, x1: number, y1: number, mark: boolean): boolean => {
      const c0 = Math.max(0, Math.floor(x0 / CELL_PX)), c1 = Math.min(cols - 1, Math.floor(x1 / CELL_PX));
      const r0 = Math.max(0, Math.floor(y0 / CELL_PX)), r1 = Math.min(rows - 1, Math.floor(y1 / CELL_PX));
      for (let y = r0; y <= r1; y++) {
        for (let x = c0; x <= c1; x++) {
          if (mark) grid[y * cols + x] = 1;
          else if (grid[y * cols + x]) return false;
        }
      }
      return true;
    };

    // Only whole labels: one cut by the edge is unreadable (and off-canvas cells are not
    // tracked by the grid). Closed intervals: touching = taken.
    const fits = (x: number, y: number, w: number) =>
      x >= 0 && x + w <= this.width && y >= 0 && y + lineH <= this.height && cellsFree(x - 2, y, x + w + 2, y + lineH, false);

    const place = (i: number, forced: boolean): void => {
      if (done.has(i) || i < 0 || i === r.exclude || !at(i) || r.isHidden(i)) return;
      const px = p[0], py = p[1];
      if (!isFinite(p[2]) || px < 0 || py < 0 || px > this.width || py > this.height) return;
      let x = px + r.offsetPx, y = py - lineH / 2;
      // The anchor cell first: a cheap test that skips most labels before measuring them.
      if (!forced && !cellsFree(x, y, x, y + lineH, false)) return;
      const text = r.labels.get(i);
      if (!text) return;
      let w = this.widths.get(i);
      if (w === undefined) {
        if (!forced && measured >= MAX_MEASURED) return;
        measured++;
        w = Math.ceil(g.measureText(text).width);
        this.widths.set(i, w);
      }
      if (forced) {
        // Right, left, above or below the point, then a line further out each time: the first
        // place where it overlaps nothing (else the right: a forced label is always shown).
        const left = px - r.offsetPx - w, centred = px - w / 2;
        const spots: [number, number][] = [];
        for (let k = 0; k <= FORCED_TRIES; k++) {
          const d = k * lineH;
          spots.push([x, y - d], [left, y - d], [centred, y - r.offsetPx - lineH / 2 - d], [centred, y + r.offsetPx + lineH / 2 + d]);
          if (k > 0) spots.push([x, y + d], [left, y + d]);
        }
        [x, y] = spots.find(([sx, sy]) => fits(sx, sy, w!)) ?? spots[0];
      } else if (!fits(x, y, w)) return;
      cellsFree(x - 2, y, x + w + 2, y + lineH, true);
      done.add(i);
      g.strokeText(text, x, y + lineH / 2);
      g.fillText(text, x, y + lineH / 2);
      this.placed.push({ i, x, y, w, h: lineH });
    };

    for (const box of r.avoid) cellsFree(box.x, box.y, box.x + box.w, box.y + box.h, true);

    for (const i of r.forced) place(i, true);
    for (const group of r.groups) {
      for (let j = 0; j < group.length && this.placed.length < MAX_LABELS; j++) place(group[j], false);
    }
    if (screen) {
      for (const i of frontToBack(screen)) {
        if (this.placed.length >= MAX_LABELS || measured >= MAX_MEASURED) break;
        place(i, false);
      }
    }
  }

  dispose(): void {
    this.canvas.remove();
  }
}

/** Point indices ordered by depth, nearest first: a counting sort over depth buckets, O(N)
 * (a comparison sort of 1M points would cost every frame of a rotation). */
function frontToBack(screen: Float32Array): Uint32Array {
  const n = screen.length / 3;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const z = screen[3 * i + 2];
    if (isFinite(z)) (lo = Math.min(lo, z)), (hi = Math.max(hi, z));
  }
  const scale = hi > lo ? (DEPTH_BUCKETS - 1) / (hi - lo) : 0;
  const bucketOf = new Uint16Array(n);
  const starts = new Uint32Array(DEPTH_BUCKETS + 1);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const z = screen[3 * i + 2];
    if (!isFinite(z)) continue;
    const b = Math.floor((z - lo) * scale);
    bucketOf[i] = b;
    starts[b + 1]++;
    count++;
  }
  for (let b = 0; b < DEPTH_BUCKETS; b++) starts[b + 1] += starts[b];
  const out = new Uint32Array(count);
  for (let i = 0; i < n; i++) if (isFinite(screen[3 * i + 2])) out[starts[bucketOf[i]]++] = i;
  return out;
}
