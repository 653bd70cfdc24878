// Above the draw budget the page draws a sample: the per-point traits (_positions, _colors,
// _labels, _visible) hold the drawn points only, in drawn order, and `_drawn` (uint32, sorted)
// says which point each drawn slot is. Everything that talks to Python (selection,
// neighbours, search, bookmarks) speaks point indices; the scene speaks slots. This converts.
// Empty `_drawn`: every point is drawn and slot = point.

export class DrawnPoints {
  constructor(readonly points: Uint32Array) {}

  /** Whether a sample is drawn (some points are not). */
  get sampled(): boolean {
    return this.points.length > 0;
  }

  /** The point drawn in `slot` (slot < 0 stays -1). */
  pointOf(slot: number): number {
    if (slot < 0) return -1;
    return this.sampled ? (slot < this.points.length ? this.points[slot] : -1) : slot;
  }

  /** The slot that draws `point`, or -1 when it is not drawn (binary search). */
  slotOf(point: number): number {
    if (point < 0) return -1;
    if (!this.sampled) return point;
    const a = this.points;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid] < point) lo = mid + 1;
      else hi = mid;
    }
    return lo < a.length && a[lo] === point ? lo : -1;
  }

  isDrawn(point: number): boolean {
    return this.slotOf(point) >= 0;
  }

  /** The slots of the drawn ones among `points` (the others are left out). */
  slotsOf(points: ArrayLike<number>): Uint32Array {
    if (!this.sampled) return Uint32Array.from(points as ArrayLike<number>);
    const out: number[] = [];
    for (let k = 0; k < points.length; k++) {
      const s = this.slotOf(points[k]);
      if (s >= 0) out.push(s);
    }
    return Uint32Array.from(out);
  }

  /** The points drawn in `slots`. */
  pointsOf(slots: ArrayLike<number>): Uint32Array {
    if (!this.sampled) return Uint32Array.from(slots as ArrayLike<number>);
    const out = new Uint32Array(slots.length);
    for (let k = 0; k < slots.length; k++) out[k] = this.points[slots[k]];
    return out;
  }
}
