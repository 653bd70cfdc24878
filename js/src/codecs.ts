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
