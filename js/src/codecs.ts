// Binary traits arrive as DataView (or ArrayBuffer); build typed arrays over the same memory,
// copying only when the byte offset is not aligned for the element type.

type Binary = DataView | ArrayBuffer | ArrayBufferView | null | undefined;

export function bytes(value: Binary): Uint8Array {
  if (!value) return new Uint8Array(0);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
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
