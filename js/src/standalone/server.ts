// The offline export's stand-in for Python: answers the widget's requests from the
// data embedded in the page. Search, counts, the metadata card and bookmark playback always
// work; nearest neighbours when the vectors were embedded (else the reply says why); colour by
// and label by from the colourings and columns embedded. What needs Python (projections,
// isolation, changing bookmarks) gets a reply that says so.

import { bytes, fromBase64 } from "../codecs";
import {
  type AnyRequest,
  type BookmarkPayload,
  type BookmarkSummary,
  type Cell,
  type ExportColumn,
  KINDS,
  type NeighborsPayload,
  type NeighborsResult,
  type Results,
  type RowResult,
} from "../protocol";
import type { LocalModel, LocalServer, Reply } from "./localModel";
import { VectorSpace } from "./nearest";
import { compileQuery, testAll } from "./textMatch";

/** One metadata column as the export carries it (see ExportColumn). */
/** What an offline page answers for the points it does not draw: it draws every point. */
const NONE_UNDRAWN = { indices: [], labels: [] };

export type ColumnData = ExportColumn;

export interface ExportData {
  columns: ExportColumn[];
  neighbors: { available: boolean; reason?: string; vectors?: Record<string, { shape: [number, number]; data: string }> };
  bookmarks: {
    patches: Record<string, unknown>[];
    colorings: Record<string, Record<string, unknown>>;
    missing_colorings?: string;
  };
}

const LISTED = 100;

/** A string as Python's repr() writes it, so messages read as the kernel's do. */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t");
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

/** A list of strings as Python's repr() writes it. */
function pyList(items: string[]): string {
  return `[${items.map(pyRepr).join(", ")}]`;
}
const OFFLINE = "needs the Python kernel: this page is an offline export of the view (open the notebook to run it)";

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
  /** Point i's value as Python's `row` answer has it: a number, true / false, or text. */
  value(i: number): Cell {
    const text = this.text(i);
    if (text === null) return null;
    if (this.data.type === "number") return Number(text);
    if (this.data.type === "boolean") return text === "True";
    return text;
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
  /** The colour map the exported colours were made with. */
  private colormap: unknown;
  /** Says things the widget has no place for (e.g. a colouring left out of the export). */
  onNotice: (text: string) => void = () => {};

  constructor(
    private model: LocalModel,
    private data: ExportData,
  ) {
    for (const c of data.columns) this.columns.set(c.name, new Column(c));
    this.colormap = model.get("colormap");
  }

  async answer(content: unknown, buffers: DataView[]): Promise<Reply> {
    const message = (content ?? {}) as Partial<AnyRequest>;
    const id = message.id ?? null;
    try {
      if (!KINDS.includes(message.kind as AnyRequest["kind"])) {
        throw new Error(`unknown request kind ${pyRepr(String(message.kind))}; known kinds: ${KINDS.join(", ")}`);
      }
      const [result, out] = this.handle({ ...message, payload: message.payload ?? {} } as AnyRequest, buffers);
      return { content: { id, ok: true, result }, buffers: out };
    } catch (err) {
      return { content: { id, ok: false, error: (err as Error).message } };
    }
  }

  written(names: string[]): void {
    if (names.includes("color_by")) this.recolor();
    if (names.includes("label_by")) this.relabel();
    // The colours of each column were computed with the map in use at export time.
    if (names.includes("colormap") && this.model.get("colormap") !== this.colormap) {
      this.model.setMany({ colormap: this.colormap }, false); // the menu goes back to it
      this.onNotice(`Another colour map ${OFFLINE}: this export's colours use '${this.colormap}'.`);
    }
  }

  /** One request, as Python's handler of its kind answers it (or why it needs Python). */
  private handle(request: AnyRequest, _buffers: DataView[]): [Results[AnyRequest["kind"]], ArrayBufferView[]] {
    switch (request.kind) {
      case "search": {
        const p = request.payload;
        const column = p.column || this.model.get("label_by");
        const hits = this.match(column, p.query, Boolean(p.regex), true);
        this.model.setMany({ _selection: new DataView(hits.buffer) }, false);
        // An export holds the points it draws: none is left undrawn.
        return [{ count: hits.length, listed: Math.min(LISTED, hits.length), column, undrawn: NONE_UNDRAWN }, [hits.slice(0, LISTED)]];
      }
      case "count": {
        const p = request.payload;
        const column = p.column || this.model.get("label_by");
        if (!this.columns.has(column)) throw new Error(`unknown column ${pyRepr(column)}`);
        // Over ALL points, as the custom axes are (also while some are isolated).
        const count = this.match(column, p.query, Boolean(p.regex), false).length;
        return [{ count, of: this.model.get("n_points") ?? 0 }, []];
      }
      case "row":
        return [this.row(request.payload.index), []];
      case "labels": // the first frame is drawn: the labels of the label column follow
        this.relabel();
        return [{}, []];
      case "neighbors":
        return this.neighbors(request.payload);
      case "bookmark":
        return [this.bookmark(request.payload), []];
      case "atlas": // only asked when the atlases exceed this browser's texture size
        throw new Error(`smaller image atlases ${OFFLINE}; export with p.max_texture_size = ${request.payload.max_texture_size} set first`);
      case "snapshot":
        return [{ used: false }, []];
      case "project":
        throw new Error(`Projections ${OFFLINE}`);
      case "isolate":
        throw new Error(`Isolating points ${OFFLINE}`);
      case "find":
        throw new Error(`Search by meaning ${OFFLINE}`);
      case "cluster": // the names made in the notebook are in the exported table
        throw new Error(`Naming clusters ${OFFLINE}`);
      case "annotate": // the edits made in the notebook are in the exported table
      case "edit":
        throw new Error(`Labelling points ${OFFLINE}`);
      default:
        throw new Error(`'${request.kind}' ${OFFLINE}`);
    }
  }

  private shown(): (i: number) => boolean {
    const visible = bytes(this.model.get("_visible"));
    return visible.length ? (i) => visible[i] !== 0 : () => true;
  }

  /** Sorted indices of the points shown whose `column` text contains `query` (case-insensitive)
   * or matches it as an RE2 regular expression; missing values never match. */
  match(name: string, query: unknown, regex: boolean, shownOnly: boolean): Uint32Array {
    const column = this.columns.get(name);
    if (!column) throw new Error(`unknown column ${pyRepr(name)}; choose one of ${pyList([...this.columns.keys()])}`);
    const test = compileQuery(query, regex);
    // Once per distinct value, not per point; a regular expression within the time limit.
    const values = column.data.values;
    const hit = regex ? testAll(query as string, values, test) : values.map(test);
    const shown = shownOnly ? this.shown() : () => true;
    const out: number[] = [];
    const codes = column.codes;
    for (let i = 0; i < codes.length; i++) if (codes[i] && hit[codes[i] - 1] && shown(i)) out.push(i);
    return Uint32Array.from(out);
  }

  private row(index: number): RowResult {
    const n = this.model.get("n_points") ?? 0;
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new Error(`'index' must be between 0 and ${n - 1}, got ${index}`);
    const row: Record<string, Cell> = {};
    for (const [name, column] of this.columns) row[name] = column.value(index);
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

  private neighbors(p: NeighborsPayload): [NeighborsResult, ArrayBufferView[]] {
    const index = p.index;
    const k = p.k ?? 100;
    const metric = p.metric ?? "cosine";
    const n = this.model.get("n_points") ?? 0;
    // Checked in the order Python checks them, with its messages.
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new Error(`'index' must be between 0 and ${n - 1}, got ${index}`);
    if (!Number.isInteger(k) || k < 1 || k > 999) throw new Error(`'k' must be between 1 and 999, got ${k}`);
    const spherize = p.spherize ?? Boolean(this.model.get("spherize"));
    const space = this.space(spherize);
    const found = space.query(index, k, metric, this.shown());
    const out: ArrayBufferView[] = [found.indices, found.distances];
    if (found.angles) out.push(found.angles);
    const result: NeighborsResult = { index, count: found.indices.length, metric, space: spherize ? "spherized" : "original", angles: found.angles !== null, undrawn: NONE_UNDRAWN, found_by: "exact" };
    return [result, out];
  }

  private bookmark(p: BookmarkPayload): BookmarkSummary {
    const summaries = (this.model.get("bookmarks") ?? []) as BookmarkSummary[];
    if (p.action !== "restore") throw new Error(`Bookmarks can be played back in this offline export, not changed: '${p.action}' ${OFFLINE}`);
    const which = this.bookmarkIndex(p.which, summaries);
    const patch = this.data.bookmarks.patches[which];
    const { colorings } = this.data.bookmarks;
    const colorBy = String(patch.color_by ?? "");
    const labels = this.labelPatch(String(patch.label_by ?? this.model.get("label_by")));
    // Everything at once, as Python's hold_sync would send it: colours and labels, then the
    // isolation and selection, then the layout (it animates), then the camera.
    this.model.setMany({ ...withViews(colorings[colorBy] ?? {}), ...labels, ...withViews(patch) }, false);
    return summaries[which];
  }

  /** A bookmark's position from its position (negative counts from the end) or its name,
   * with Python's messages when there is none. */
  private bookmarkIndex(which: number | string, summaries: BookmarkSummary[]): number {
    const count = this.data.bookmarks.patches.length;
    if (typeof which === "number") {
      if (!(-count <= which && which < count)) throw new Error(`no bookmark ${which}: there are ${count}`);
      return (which + count) % count;
    }
    const found = summaries.findIndex((s) => s.name === which);
    if (found < 0) throw new Error(`no bookmark named ${pyRepr(which)}; there are ${pyList(summaries.map((s) => s.name))}`);
    return found;
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

