// What one view's inspector knows beyond the synced traits: the focused point (the one
// clicked, whose card and neighbours are shown), its neighbour list, the point hovered in a
// list, and the neighbour settings. Python owns the selection's truth; this writes it for
// clicks and regions and lets go of the focus as soon as the selection is changed elsewhere
// (search, Python, another view).

import { float32s, uint32s } from "../codecs";
import { write } from "../model";
import type { Metric, NeighborsPayload, NeighborsResult } from "../protocol";
import type { Result } from "../rpc";
import type { Ctx } from "../context";
import { combine, type SelectOp } from "../selection";
import type { ChangeSets } from "../scene/changeMarks";

/** A point of a comparison with its neighbours in A and B, kept / lost / gained. */
export interface ComparedPoint extends ChangeSets {
  index: number;
}


export interface NeighborList {
  focus: number;
  /** Point indices, nearest first. */
  indices: Uint32Array;
  distances: Float32Array;
  /** Degrees, for cosine only. */
  angles: Float32Array | null;
  metric: Metric;
  /** Where the distances were computed: in the original space or the spherized one. */
  space: NeighborsResult["space"];
  /** How the list was found: "exact", or an approximate index's name. */
  foundBy: string;
}

/** Whether every index of `some` is in the sorted `sorted`. */
export function includesAll(sorted: Uint32Array, some: ArrayLike<number>): boolean {
  for (let k = 0; k < some.length; k++) {
    const i = some[k];
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < i) lo = mid + 1;
      else hi = mid;
    }
    if (sorted[lo] !== i) return false;
  }
  return true;
}

function sameIndices(a: Uint32Array, b: Uint32Array | null): boolean {
  if (!b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class InspectState {
  k = 100;
  focus = -1;
  neighbors: NeighborList | null = null;
  /** A point hovered in one of the inspector's lists (highlighted in the view). */
  highlighted = -1;
  /** Neighbours are being computed for the focus. */
  pending = false;
  /** The focus's neighbours in two compared embeddings, marked in the view (it goes with
   * the focus, and with the comparison: see compare.ts). */
  compared: ComparedPoint | null = null;
  /** The view supplies labels (it holds the packed label column of the drawn points). */
  drawnLabelOf: (i: number) => string = (i) => `#${i}`;
  /** Whether point i is drawn (above the draw budget only a sample is); the view supplies it. */
  isDrawn: (i: number) => boolean = () => true;
  /** Labels of points listed but not drawn, as Python sent them with their list. */
  private undrawnLabels = new Map<number, string>();
  /** The view supplies images: a small canvas of point i's image, null without images. */
  thumbnailOf: (i: number, px: number) => HTMLElement | null = () => null;
  private written: Uint32Array | null = null;
  /** The neighbours asked for when the pointer went down on a point (see `press`). */
  private early: { key: string; reply: Promise<Result<"neighbors">> } | null = null;
  private seq = 0;
  private listeners: (() => void)[] = [];

  constructor(private ctx: Ctx) {
    ctx.listen("change:_selection", () => this.selectionChanged());
    // The distance is the widget's (layout fidelity and comparisons use it too): a change
    // from Python or another view asks again for the focus's neighbours.
    ctx.listen("change:metric", () => this.requestNeighbors());
  }

  /** The distance for neighbours: the ``metric`` trait (cosine when the model has none). */
  get metric(): Metric {
    return this.ctx.model.get("metric") === "euclidean" ? "euclidean" : "cosine";
  }

  /** Call `callback` whenever the focus, the neighbours or the highlight change. */
  onChange(callback: () => void): void {
    this.listeners.push(callback);
  }

  private emit(): void {
    for (const callback of this.listeners) callback();
  }

  /** Point i's label (drawn, or listed by Python with its label). */
  labelOf(i: number): string {
    return this.isDrawn(i) ? this.drawnLabelOf(i) : (this.undrawnLabels.get(i) ?? "");
  }

  /** Keep the labels of undrawn points that came with a list (neighbours, search). */
  learnLabels(undrawn: { indices: number[]; labels: string[] } | undefined): void {
    if (!undrawn) return;
    if (this.undrawnLabels.size > 10_000) this.undrawnLabels.clear(); // lists are small; stay so
    undrawn.indices.forEach((i, j) => this.undrawnLabels.set(i, undrawn.labels[j] ?? ""));
  }

  /** Draw the points `indices` ("Show these"): Python swaps them into the drawn sample. */
  showPoints(indices: ArrayLike<number>): Promise<void> {
    const buffer = Uint32Array.from(indices as ArrayLike<number>);
    return this.ctx.rpc.request("show_points", {}, [buffer]).then(
      () => undefined,
      (err: Error) => this.ctx.notify(`Show these: ${err.message}`, "error"),
    );
  }

  get selection(): Uint32Array {
    return uint32s(this.ctx.model.get("_selection"));
  }

  private get n(): number {
    return this.ctx.model.get("n_points") ?? 0;
  }

  highlight(i: number): void {
    if (i === this.highlighted) return;
    this.highlighted = i;
    this.emit();
  }

  /** The pointer went down on point i (or on nothing, i < 0), and may come up as a click:
   * its neighbours are asked for now, so the list is in sooner after the release (a press
   * lasts ~100 ms; the query takes ~15 ms at 100k x 768). A drag leaves the answer unused. */
  press(i: number): void {
    this.early = null;
    if (i < 0) return;
    const payload = this.query(i);
    const reply = this.ctx.rpc.request("neighbors", payload);
    reply.catch(() => {}); // unused after a drag; a click reports its own failure
    this.early = { key: JSON.stringify(payload), reply };
  }

  /** A click on point i (or on nothing, i < 0). A plain click focuses the point and selects
   * it with its k nearest neighbours; Shift / Alt add or remove just that point. */
  clickPoint(i: number, op: SelectOp = "replace"): void {
    if (op !== "replace" || i < 0) this.early = null;
    if (op !== "replace") {
      if (i >= 0) this.writeSelection(combine(this.selection, [i], op, this.n));
      return;
    }
    this.setFocus(i);
    if (i >= 0) {
      this.requestNeighbors(); // tells the listeners, with `pending` set
      return;
    }
    this.emit();
    this.writeSelection(new Uint32Array(0));
  }

  /** Apply a region (or any set of points) to the selection. */
  select(indices: ArrayLike<number>, op: SelectOp): void {
    this.writeSelection(combine(this.selection, indices, op, this.n));
  }

  /** Mark the focus's neighbours in A and B (null: none). */
  showCompared(compared: ComparedPoint | null): void {
    if (compared === this.compared) return;
    this.compared = compared;
    this.emit();
  }

  setK(k: number): void {
    this.k = Math.max(1, Math.min(999, Math.round(k) || 100));
    if (this.focus >= 0) this.requestNeighbors();
  }

  setMetric(metric: Metric): void {
    write(this.ctx.model, "metric", metric); // change:metric asks for the neighbours again
  }

  /** Ask Python for the focus's neighbours again (k, metric or spherize changed). */
  requestNeighbors(): void {
    const focus = this.focus;
    if (focus < 0) return;
    const seq = ++this.seq;
    this.pending = true;
    this.emit();
    const payload = this.query(focus);
    const early = this.early;
    this.early = null;
    const reply = early?.key === JSON.stringify(payload) ? early.reply : this.ctx.rpc.request("neighbors", payload);
    reply
      .then(({ result, buffers }) => {
        if (seq !== this.seq || this.focus !== focus) return; // a newer click won
        const indices = uint32s(buffers[0]);
        this.learnLabels(result.undrawn);
        this.neighbors = {
          focus,
          indices,
          distances: float32s(buffers[1]),
          angles: result.angles ? float32s(buffers[2]) : null,
          metric: result.metric,
          space: result.space,
          foundBy: result.found_by,
        };
        this.pending = false;
        const all = new Uint32Array(indices.length + 1);
        all.set(indices);
        all[indices.length] = focus;
        this.writeSelection(combine(new Uint32Array(0), all, "replace", this.n));
        this.emit();
      })
      .catch((err: Error) => {
        if (seq !== this.seq) return;
        this.pending = false;
        this.writeSelection(new Uint32Array([focus]));
        this.ctx.notify(`Nearest neighbours: ${err.message}`, "error"); // after: a selection change clears errors
        this.emit();
      });
  }

  /** The `neighbors` request for point i with this view's settings. The space this view
   * shows goes along: a trait write may still be held back by ipywidgets' throttle while the
   * request overtakes it. */
  private query(i: number): NeighborsPayload {
    return { index: i, k: this.k, metric: this.metric, spherize: Boolean(this.ctx.model.get("spherize")) };
  }

  private setFocus(i: number): void {
    if (this.compared && this.compared.index !== i) this.compared = null;
    this.focus = i;
    this.neighbors = null;
    this.pending = false;
    this.seq++;
  }

  private writeSelection(indices: Uint32Array): void {
    this.written = indices;
    write(this.ctx.model, "_selection", new DataView(indices.buffer, indices.byteOffset, indices.byteLength));
  }

  /** Isolating part of a clicked point's neighbourhood keeps the selected points shown: the
   * focus stays while it is selected and nothing else was added, and its list keeps the
   * neighbours still selected. */
  private keepsFocus(selection: Uint32Array): boolean {
    const written = this.written;
    if (this.focus < 0 || !written || !selection.length || !includesAll(selection, [this.focus])) return false;
    if (!includesAll(written, selection)) return false;
    this.written = selection;
    const nb = this.neighbors;
    if (nb) {
      const keep = new Set<number>();
      for (let j = 0; j < nb.indices.length; j++) if (includesAll(selection, [nb.indices[j]])) keep.add(j);
      const pick = <T extends Float32Array | Uint32Array>(a: T) => a.filter((_, j) => keep.has(j)) as T;
      this.neighbors = { ...nb, indices: pick(nb.indices), distances: pick(nb.distances), angles: nb.angles && pick(nb.angles) };
    }
    this.emit();
    return true;
  }

  private selectionChanged(): void {
    const selection = this.selection;
    if (sameIndices(selection, this.written)) return; // our own write (or Python's echo of it)
    if (this.keepsFocus(selection)) return;
    this.written = null;
    // Changed elsewhere: the focus stays only while it is the one point selected.
    const focus = selection.length === 1 ? selection[0] : -1;
    if (focus !== this.focus || this.neighbors) {
      if (this.compared && this.compared.index !== focus) this.compared = null;
      this.focus = focus;
      this.neighbors = null;
      this.pending = false;
      this.seq++;
    }
    this.emit();
  }
}
