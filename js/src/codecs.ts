// Binary traits arrive as DataView (or ArrayBuffer); build typed arrays over the same memory,
// copying only when the byte offset is not aligned for the element type. Hosts that drop
// binary buffers (some widget hosts serialise state as JSON) may hand over a base64 string
// or a plain array of byte values instead: those are decoded once here.

type Binary = DataView | ArrayBuffer | ArrayBufferView | string | ArrayLike<number> | null | undefined;

/** Base64 (standard or URL-safe alphabet, padding optional) to bytes. */
export function fromBase64(text: string): Uint8Array {
  const clean = text.replace(/[\s=]/g, "").replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(clean + "===".slice((clean.length + 3) % 4));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

// Decoded fallbacks, so that a trait read on every hover is decoded once, not each time.
const decodedStrings = new Map<string, Uint8Array>();
const decodedObjects = new WeakMap<object, Uint8Array>();

export function bytes(value: Binary): Uint8Array {
  if (!value) return new Uint8Array(0);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === "string") {
    let out = decodedStrings.get(value);
    if (!out) {
      out = fromBase64(value);
      if (decodedStrings.size >= 32) decodedStrings.delete(decodedStrings.keys().next().value!);
      decodedStrings.set(value, out);
    }
    return out;
  }
  if (typeof value === "object") {
    // A plain array of byte values, or {"0": 12, "1": 34, ...} from a JSON round trip.
    let out = decodedObjects.get(value);
    if (!out) {
      out = Uint8Array.from(Array.isArray(value) ? value : (Object.values(value) as number[]));
      decodedObjects.set(value, out);
    }
    return out;
  }
  return new Uint8Array(0);
}

function typed<T>(value: Binary, size: number, make: (b: ArrayBuffer, o: number, n: number) => T): T {
  const raw = bytes(value);
  const count = Math.floor(raw.byteLength / size);
  if (raw.byteOffset % size === 0) return make(raw.buffer as ArrayBuffer, raw.byteOffset, count);
  const copy = raw.slice(0, count * size); // unaligned: one copy into a fresh buffer
  return make(copy.buffer, 0, count);
}

export function float32s(value: Binary): Float32Array {
  return typed(value, 4, (b, o, n) => new Float32Array(b, o, n));
}

export function uint32s(value: Binary): Uint32Array {
  return typed(value, 4, (b, o, n) => new Uint32Array(b, o, n));
}

/** A packed UTF-8 column: one buffer and N + 1 offsets; strings decoded only when asked. */
export class Labels {
  private decoder = new TextDecoder();
  constructor(
    private data: Uint8Array,
    private offsets: Uint32Array,
  ) {}

  get count(): number {
    return Math.max(0, this.offsets.length - 1);
  }

  get(i: number): string {
    if (i < 0 || i >= this.count) return "";
    return this.decoder.decode(this.data.subarray(this.offsets[i], this.offsets[i + 1]));
  }
}

/** Bytes before the quantised positions (src/nbprojector/codec.py describes the layout). */
const POSITIONS_HEADER = 56;
const POSITIONS_MAGIC = "NPQ1";

/**
 * The `_positions` trait -> x, y, z per point (float32, z = 0 in 2D): a 56-byte header
 * ("NPQ1", uint32 dims, float64 offset and step per axis) and uint16 N x dims. Each value is
 * offset + q * step, computed in float64 and rounded to float32 as Python's decode_positions
 * does. Anything else (an empty trait, state saved by an older version) is no points.
 */
export function decodePositions(value: Binary): Float32Array {
  const raw = bytes(value);
  if (raw.byteLength < POSITIONS_HEADER) return new Float32Array(0);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = String.fromCharCode(raw[0], raw[1], raw[2], raw[3]);
  const dims = view.getUint32(4, true);
  if (magic !== POSITIONS_MAGIC || (dims !== 2 && dims !== 3)) return new Float32Array(0);
  const offset = [0, 1, 2].map((a) => view.getFloat64(8 + 8 * a, true));
  const step = [0, 1, 2].map((a) => view.getFloat64(32 + 8 * a, true));
  const n = Math.floor((raw.byteLength - POSITIONS_HEADER) / (2 * dims));
  // Little-endian uint16s over the same memory (one copy only when unaligned); every
  // platform a browser runs on is little-endian.
  const q = typed(raw.subarray(POSITIONS_HEADER, POSITIONS_HEADER + 2 * dims * n), 2, (b, o, c) => new Uint16Array(b, o, c));
  const out = new Float32Array(3 * n);
  for (let a = 0; a < dims; a++) {
    const o = offset[a], s = step[a];
    for (let i = 0, k = a; i < n; i++, k += dims) out[3 * i + a] = o + q[k] * s;
  }
  return out;
}

/**
 * The `_colors` and `_palette` traits -> RGB per point: one byte a point indexing the palette
 * (K x 3, categories), or RGB already (continuous maps, computed scores). Null when neither
 * fits `count` points (nothing colours them: the caller's default colour).
 */
export function decodeColors(colors: Binary, palette: Binary, count: number): Uint8Array | null {
  const data = bytes(colors);
  const lut = bytes(palette);
  if (lut.length >= 3 && data.length === count) {
    const k = Math.floor(lut.length / 3);
    const out = new Uint8Array(3 * count);
    for (let i = 0; i < count; i++) {
      const c = data[i] < k ? 3 * data[i] : 0;
      out[3 * i] = lut[c];
      out[3 * i + 1] = lut[c + 1];
      out[3 * i + 2] = lut[c + 2];
    }
    return out;
  }
  return data.length === 3 * count && count > 0 ? data : null;
}
