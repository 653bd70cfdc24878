// The offline export's stand-in for Python: answers the widget's requests from the
// data embedded in the page. Search, counts, the metadata card and bookmark playback always
// work; nearest neighbours when the vectors were embedded (else the reply says why); colour by
// and label by from the colourings and columns embedded. What needs Python (projections,
// isolation, changing bookmarks) gets a reply that says so.

import { bytes, fromBase64 } from "../codecs";
import type { LocalModel, LocalServer, Reply } from "./localModel";
import { type Metric, VectorSpace } from "./nearest";

export interface ColumnData {
  name: string;
  /** Distinct texts; point i has values[codes[i] - 1], or is missing when codes[i] is 0. */
  values: string[];
  codes: { dtype: string; data: string };
}

export interface ExportData {
  columns: ColumnData[];
  neighbors: { available: boolean; reason?: string; vectors?: Record<string, { shape: [number, number]; data: string }> };
  bookmarks: {
    patches: Record<string, unknown>[];
    colorings: Record<string, Record<string, unknown>>;
    missing_colorings?: string;
  };
}

const LISTED = 100;
const OFFLINE = "needs the Python kernel: this page is an offline export of the view (open the notebook to run it)";
const EMPTY_QUERY = "empty query: type some text to search for";

class Column {
  readonly codes: Uint8Array | Uint16Array | Uint32Array;
  constructor(readonly data: ColumnData) {
    const raw = fromBase64(data.codes.data);
    const buffer = raw.buffer as ArrayBuffer;
    this.codes = data.codes.dtype === "uint8" ? raw : data.codes.dtype === "uint16"
      ? new Uint16Array(buffer, 0, raw.length / 2) : new Uint32Array(buffer, 0, raw.length / 4);
  }
  text(i: number): string | null {
    const c = this.codes[i];
    return c ? this.data.values[c - 1] : null;
  }
}

/** Binary patch values travel as base64; traits hold DataViews, as in a notebook. */
export function dataView(b64: string): DataView {
  const raw = fromBase64(b64);
  return new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
}

function withViews(patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) out[key] = key.startsWith("_") && typeof value === "string" ? dataView(value) : value;
  return out;
}

export class ExportServer implements LocalServer {
  private columns = new Map<string, Column>();
  private spaces = new Map<string, VectorSpace>();
  /** Says things the widget has no place for (e.g. a colouring left out of the export). */
  onNotice: (text: string) => void = () => {};

  constructor(
    private model: LocalModel,
    private data: ExportData,
  ) {
    for (const c of data.columns) this.columns.set(c.name, new Column(c));
  }

  async answer(content: any, buffers: DataView[]): Promise<Reply> {
    const id = content?.id ?? null;
    try {
      const [result, out] = this.handle(String(content?.kind), content?.payload ?? {}, buffers);
      return { content: { id, ok: true, result }, buffers: out };
    } catch (err) {
      return { content: { id, ok: false, error: (err as Error).message } };
    }
  }

  written(names: string[]): void {
    if (names.includes("color_by")) this.recolor();
    if (names.includes("label_by")) this.relabel();
  }

  private handle(kind: string, p: Record<string, any>, _buffers: DataView[]): [unknown, ArrayBufferView[]] {
    switch (kind) {
      case "search": {
        const column = (p.column as string) || this.model.get("label_by");
        const hits = this.match(column, p.query, Boolean(p.regex), true);
        this.model.setMany({ _selection: new DataView(hits.buffer) }, false);
        return [{ count: hits.length, listed: Math.min(LISTED, hits.length), column }, [hits.slice(0, LISTED)]];
      }
      case "count": {
        const column = (p.column as string) || this.model.get("label_by");
        return [{ count: this.match(column, p.query, Boolean(p.regex), true).length }, []];
      }
      case "row":
        return [this.row(Number(p.index)), []];
      case "neighbors":
        return this.neighbors(p);
      case "bookmark":
        return [this.bookmark(p), []];
      case "atlas": // only asked when the atlases exceed this browser's texture size
        throw new Error(`smaller image atlases ${OFFLINE}; export with p.max_texture_size = ${p.max_texture_size} set first`);
      case "snapshot":
        return [{ used: false }, []];
      default:
        throw new Error(`${kind === "project" ? "Projections" : kind === "isolate" ? "Isolating points" : `'${kind}'`} ${OFFLINE}`);
    }
  }

  private shown(): (i: number) => boolean {
    const visible = bytes(this.model.get("_visible"));
    return visible.length ? (i) => visible[i] !== 0 : () => true;
  }

  /** Sorted indices of the points shown whose `column` text contains `query` (case-insensitive)
   * or matches it as a regular expression; missing values never match. */
  match(name: string, query: unknown, regex: boolean, shownOnly: boolean): Uint32Array {
    const column = this.columns.get(name);
    if (!column) throw new Error(`unknown column '${name}'; choose one of ${[...this.columns.keys()].join(", ")}`);
    if (typeof query !== "string") throw new Error("'query' must be a string");
    if (query === "") throw new Error(EMPTY_QUERY);
    let test: (s: string) => boolean;
    if (regex) {
      let re: RegExp;
      try {
        re = new RegExp(query, "i");
      } catch (err) {
        throw new Error(`invalid regular expression '${query}': ${(err as Error).message}`);
      }
      test = (s) => re.test(s);
    } else {
      const q = query.toLowerCase();
      test = (s) => s.toLowerCase().includes(q);
    }
    const hit = column.data.values.map(test); // once per distinct value, not per point
    const shown = shownOnly ? this.shown() : () => true;
    const out: number[] = [];
    const codes = column.codes;
    for (let i = 0; i < codes.length; i++) if (codes[i] && hit[codes[i] - 1] && shown(i)) out.push(i);
    return Uint32Array.from(out);
  }

  private row(index: number): unknown {
    const n = this.model.get("n_points") ?? 0;
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new Error(`'index' must be between 0 and ${n - 1}, got ${index}`);
    const row: Record<string, string | null> = {};
    for (const [name, column] of this.columns) row[name] = column.text(index);
    return { index, row };
  }

  private space(spherize: boolean): VectorSpace {
    const name = String(this.model.get("embedding"));
    const key = `${name}|${spherize}`;
    let space = this.spaces.get(key);
    if (!space) {
      const info = this.data.neighbors;
      const packed = info.vectors?.[name];
      if (!info.available || !packed) throw new Error(info.reason ?? `the vectors of '${name}' are not in this export`);
      const raw = fromBase64(packed.data);
      const base = new VectorSpace(new Float32Array(raw.buffer, 0, raw.length / 4), packed.shape[0], packed.shape[1]);
      this.spaces.set(`${name}|false`, base);
      space = spherize ? base.spherized() : base;
      this.spaces.set(key, space);
    }
    return space;
  }

  private neighbors(p: Record<string, any>): [unknown, ArrayBufferView[]] {
    const index = Number(p.index);
    const k = Number(p.k ?? 100);
    const metric = (p.metric ?? "cosine") as Metric;
    if (metric !== "cosine" && metric !== "euclidean") throw new Error("'metric' must be one of cosine, euclidean");
    if (!Number.isInteger(k) || k < 1 || k > 999) throw new Error(`'k' must be between 1 and 999, got ${p.k}`);
    const spherize = p.spherize === undefined ? Boolean(this.model.get("spherize")) : Boolean(p.spherize);
    const space = this.space(spherize);
    if (!Number.isInteger(index) || index < 0 || index >= space.n) throw new Error(`'index' must be between 0 and ${space.n - 1}`);
    const found = space.query(index, k, metric, this.shown());
    const out: ArrayBufferView[] = [found.indices, found.distances];
    if (found.angles) out.push(found.angles);
    const result = { index, count: found.indices.length, metric, space: spherize ? "spherized" : "original", angles: found.angles !== null };
    return [result, out];
  }

  private bookmark(p: Record<string, any>): unknown {
    const summaries = (this.model.get("bookmarks") ?? []) as { name: string }[];
    if (p.action !== "restore") throw new Error(`Bookmarks can be played back in this offline export, not changed: '${p.action}' ${OFFLINE}`);
    let which = typeof p.which === "number" ? p.which : summaries.findIndex((s) => s.name === p.which);
    const patches = this.data.bookmarks.patches;
    if (which < 0 || which >= patches.length) throw new Error(`no bookmark ${p.which}: there are ${patches.length}`);
    which = Math.trunc(which);
    const patch = patches[which];
    const { colorings } = this.data.bookmarks;
    const colorBy = String(patch.color_by ?? "");
    const labels = this.labelPatch(String(patch.label_by ?? this.model.get("label_by")));
    // Everything at once, as Python's hold_sync would send it: colours and labels, then the
    // isolation and selection, then the layout (it animates), then the camera.
    this.model.setMany({ ...withViews(colorings[colorBy] ?? {}), ...labels, ...withViews(patch) }, false);
    return summaries[which] ?? {};
  }

  private recolor(): void {
    const column = String(this.model.get("color_by") ?? "");
    const coloring = this.data.bookmarks.colorings[column];
    if (coloring) {
      this.model.setMany(withViews(coloring), false);
      return;
    }
    this.onNotice(`Colouring by '${column}' is not in this export: ${this.data.bookmarks.missing_colorings ?? "it was left out"}.`);
  }

  private relabel(): void {
    this.model.setMany(this.labelPatch(String(this.model.get("label_by") ?? "")), false);
  }

  /** A column's text as the packed labels the view reads (UTF-8 + uint32 offsets). */
  private labelPatch(name: string): Record<string, unknown> {
    const column = this.columns.get(name);
    if (!column) return {};
    const encoder = new TextEncoder();
    const encoded = column.data.values.map((v) => encoder.encode(v));
    const codes = column.codes;
    const offsets = new Uint32Array(codes.length + 1);
    for (let i = 0; i < codes.length; i++) offsets[i + 1] = offsets[i] + (codes[i] ? encoded[codes[i] - 1].length : 0);
    const out = new Uint8Array(offsets[codes.length]);
    for (let i = 0; i < codes.length; i++) if (codes[i]) out.set(encoded[codes[i] - 1], offsets[i]);
    return { _labels: new DataView(out.buffer), _label_offsets: new DataView(offsets.buffer) };
  }
}

