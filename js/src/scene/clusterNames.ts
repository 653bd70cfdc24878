// Cluster names on the map: large text on a 2D canvas over the WebGL one, drawn with
// fillText (never parsed as HTML). Each name sits at its anchor point (a member of the
// cluster near its centre), so it follows the layout as points move. Names go largest
// cluster first and a name is drawn only where its box overlaps no name placed before:
// zoomed out, clusters crowd together and only the largest keep their names; zoomed in,
// they spread apart and more names fit.

import type { ClusterName } from "../protocol";

/** Space kept free around each name, CSS px. */
const PAD_PX = 4;

export interface ClusterNameRequest {
  names: ClusterName[];
  /** (x, y, depth) per point in CSS px; read only when there are names to draw. */
  /** Point i's (x, y, depth) in CSS px into `out` (only the anchors are asked). */
  point: (i: number, out: Float32Array) => boolean;
  isHidden: (i: number) => boolean;
  fontPx: number;
  color: string;
  halo: string;
}

export interface PlacedName {
  id: number;
  name: string;
  /** The box's left, top, width and height in canvas CSS px. */
  x: number;
  y: number;
  w: number;
  h: number;
}

export class ClusterNameLayer {
  readonly canvas: HTMLCanvasElement;
  private g: CanvasRenderingContext2D;
  /** The names drawn by the last frame (tests and the rename gesture read them). */
  placed: PlacedName[] = [];
  /** Device pixels per CSS pixel for the next draws (a PNG snapshot sets it; null: the screen's). */
  ratioOverride: number | null = null;

  constructor(container: HTMLElement) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "nbp-labels nbp-cluster-names";
    container.append(this.canvas);
    this.g = this.canvas.getContext("2d")!;
  }

  draw(r: ClusterNameRequest): void {
    const w = this.canvas.clientWidth, hgt = this.canvas.clientHeight;
    const ratio = this.ratioOverride ?? (window.devicePixelRatio || 1);
    if (this.canvas.width !== Math.round(w * ratio) || this.canvas.height !== Math.round(hgt * ratio)) {
      this.canvas.width = Math.round(w * ratio);
      this.canvas.height = Math.round(hgt * ratio);
    }
    const g = this.g;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.placed = [];
    if (!r.names.length || w < 1 || hgt < 1) return;

    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.font = `600 ${r.fontPx}px system-ui, -apple-system, "Segoe UI", sans-serif`;
    g.textAlign = "center";
    g.textBaseline = "middle";
    g.lineJoin = "round";
    g.lineWidth = Math.max(3, r.fontPx / 4);
    g.strokeStyle = r.halo;
    g.fillStyle = r.color;
    const p = new Float32Array(3);
    const lineH = Math.ceil(r.fontPx * 1.3);
    const bySize = [...r.names].sort((a, b) => b.size - a.size || a.id - b.id);
    for (const c of bySize) {
      const i = c.anchor;
      if (!r.point(i, p) || r.isHidden(i) || !isFinite(p[2])) continue;
      const cx = p[0], cy = p[1];
      if (cx < 0 || cy < 0 || cx > w || cy > hgt) continue; // the cluster is out of view
      const width = Math.ceil(g.measureText(c.name).width);
      if (width > w || lineH > hgt) continue;
      // Centred on the anchor, moved inside the view near its edges: whole names only.
      const x = Math.min(Math.max(0, cx - width / 2), w - width);
      const y = Math.min(Math.max(0, cy - lineH / 2), hgt - lineH);
      const box = { id: c.id, name: c.name, x, y, w: width, h: lineH };
      if (this.placed.some((p) => overlaps(p, box))) continue;
      this.placed.push(box);
      g.strokeText(c.name, x + width / 2, y + lineH / 2);
      g.fillText(c.name, x + width / 2, y + lineH / 2);
    }
  }

  /** The name drawn under (x, y) (canvas CSS px), or null. */
  at(x: number, y: number): PlacedName | null {
    return this.placed.find((p) => x >= p.x && x <= p.x + p.w && y >= p.y && y <= p.y + p.h) ?? null;
  }

  dispose(): void {
    this.canvas.remove();
  }
}

function overlaps(a: PlacedName, b: PlacedName): boolean {
  return a.x - PAD_PX < b.x + b.w && b.x - PAD_PX < a.x + a.w && a.y - PAD_PX < b.y + b.h && b.y - PAD_PX < a.y + a.h;
}
