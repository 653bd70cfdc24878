// Exact nearest neighbours in the page, for the offline export: the same answer
// as Python's (cosine distance 1 - cos with the angle in degrees, or euclidean; the point
// itself and hidden points left out; ties in distance go to the lower index), computed in
// float64 over the embedded float32 vectors. One query scans N x D values once; the export
// embeds the vectors only up to a size where that stays well under a second.

export type Metric = "cosine" | "euclidean";

export interface Found {
  indices: Uint32Array;
  distances: Float32Array;
  angles: Float32Array | null;
}

export class VectorSpace {
  private norms: Float64Array | null = null;

  constructor(
    readonly data: Float32Array,
    readonly n: number,
    readonly d: number,
  ) {}

  /** Centred on the mean of every point and scaled to unit norm; zero rows stay zero. */
  spherized(): VectorSpace {
    const { data, n, d } = this;
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
    for (let j = 0; j < d; j++) mean[j] /= n || 1;
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (data[i * d + j] - mean[j]) ** 2;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let j = 0; j < d; j++) out[i * d + j] = (data[i * d + j] - mean[j]) * inv;
    }
    return new VectorSpace(out, n, d);
  }

  private normOf(i: number): number {
    if (!this.norms) {
      const { data, n, d } = this;
      this.norms = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += data[r * d + j] ** 2;
        this.norms[r] = Math.sqrt(s);
      }
    }
    return this.norms[i];
  }

  /** The k nearest rows to row `q` among those `shown` allows, nearest first. */
  query(q: number, k: number, metric: Metric, shown: (i: number) => boolean): Found {
    const { data, n, d } = this;
    const heap = new TopK(Math.max(0, Math.min(k, n - 1)));
    const base = q * d;
    const qNorm = this.normOf(q);
    for (let i = 0; i < n; i++) {
      if (i === q || !shown(i)) continue;
      const row = i * d;
      let dist: number;
      if (metric === "cosine") {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += data[base + j] * data[row + j];
        const denom = qNorm * this.normOf(i);
        const cos = denom > 0 ? Math.max(-1, Math.min(1, dot / denom)) : 0;
        dist = 1 - cos;
      } else {
        let s = 0;
        for (let j = 0; j < d; j++) s += (data[base + j] - data[row + j]) ** 2;
        dist = Math.sqrt(s);
      }
      heap.offer(Math.fround(dist), i);
    }
    const { indices, distances } = heap.sorted();
    let angles: Float32Array | null = null;
    if (metric === "cosine") {
      angles = new Float32Array(distances.length);
      for (let j = 0; j < distances.length; j++) {
        angles[j] = (Math.acos(Math.max(-1, Math.min(1, 1 - distances[j]))) * 180) / Math.PI;
      }
    }
    return { indices, distances, angles };
  }
}

/** The k smallest (distance, index) pairs: a max-heap on (distance, index). */
class TopK {
  private dist: Float64Array;
  private idx: Uint32Array;
  private size = 0;

  constructor(private k: number) {
    this.dist = new Float64Array(k);
    this.idx = new Uint32Array(k);
  }

  private worse(a: number, b: number): boolean {
    return this.dist[a] > this.dist[b] || (this.dist[a] === this.dist[b] && this.idx[a] > this.idx[b]);
  }

  private swap(a: number, b: number): void {
    const d = this.dist[a], i = this.idx[a];
    this.dist[a] = this.dist[b]; this.idx[a] = this.idx[b];
    this.dist[b] = d; this.idx[b] = i;
  }

  offer(dist: number, index: number): void {
    if (this.k === 0) return;
    if (this.size < this.k) {
      let c = this.size++;
      this.dist[c] = dist;
      this.idx[c] = index;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!this.worse(c, p)) break;
        this.swap(c, p);
        c = p;
      }
      return;
    }
    // Indices arrive in increasing order: an equal distance never beats the root.
    if (dist >= this.dist[0]) return;
    this.dist[0] = dist;
    this.idx[0] = index;
    let p = 0;
    for (;;) {
      const l = 2 * p + 1, r = l + 1;
      let m = p;
      if (l < this.size && this.worse(l, m)) m = l;
      if (r < this.size && this.worse(r, m)) m = r;
      if (m === p) break;
      this.swap(p, m);
      p = m;
    }
  }

  sorted(): { indices: Uint32Array; distances: Float32Array } {
    const order = Array.from({ length: this.size }, (_, j) => j);
    order.sort((a, b) => this.dist[a] - this.dist[b] || this.idx[a] - this.idx[b]);
    return {
      indices: Uint32Array.from(order, (j) => this.idx[j]),
      distances: Float32Array.from(order, (j) => this.dist[j]),
    };
  }
}
