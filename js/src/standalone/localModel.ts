// A model that lives in the page alone (the offline export): the slice of anywidget's
// model interface the widget uses (get / set / on / off / save_changes / send). `send` hands
// each request to a local server whose reply comes back as a "msg:custom" event, as Python's
// would in a notebook; `save_changes` lets the server react to the page's own writes (as
// Python's trait observers do).

import type { Model } from "../model";

type Callback = (...args: any[]) => void;

export interface Reply {
  content: unknown;
  buffers?: ArrayBufferView[];
}

export interface LocalServer {
  /** Answer one request of the widget (`{id, kind, payload}` + buffers). */
  answer(content: unknown, buffers: DataView[]): Promise<Reply>;
  /** The page wrote these traits (save_changes). */
  written?(names: string[]): void;
}

function asDataView(b: ArrayBuffer | ArrayBufferView): DataView {
  return b instanceof ArrayBuffer ? new DataView(b) : new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export class LocalModel implements Model {
  private handlers = new Map<string, Set<Callback>>();
  private dirty = new Set<string>();
  server: LocalServer | null = null;

  constructor(private values: Record<string, unknown>) {}

  get(name: string): any {
    return this.values[name];
  }

  set(name: string, value: unknown): void {
    this.setMany({ [name]: value });
  }

  /** Set several traits, then tell listeners of each change (one hold_sync batch in Python). */
  setMany(patch: Record<string, unknown>, fromPage = true): void {
    const changed = Object.keys(patch).filter((name) => this.values[name] !== patch[name]);
    for (const name of changed) {
      this.values[name] = patch[name];
      if (fromPage) this.dirty.add(name);
    }
    for (const name of changed) this.emit(`change:${name}`, this, patch[name]);
    if (changed.length) this.emit("change", this);
  }

  save_changes(): void {
    const names = [...this.dirty];
    this.dirty.clear();
    if (names.length) this.server?.written?.(names);
  }

  on(event: string, callback: Callback): void {
    for (const name of event.split(/\s+/)) {
      if (!this.handlers.has(name)) this.handlers.set(name, new Set());
      this.handlers.get(name)!.add(callback);
    }
  }

  off(event?: string | null, callback?: Callback | null): void {
    const names = event ? event.split(/\s+/) : [...this.handlers.keys()];
    for (const name of names) {
      if (callback) this.handlers.get(name)?.delete(callback);
      else this.handlers.delete(name);
    }
  }

  send(content: unknown, _callbacks?: unknown, buffers: (ArrayBuffer | ArrayBufferView)[] = []): void {
    const server = this.server;
    if (!server) return;
    const views = buffers.map(asDataView);
    // Always asynchronous, like a kernel's reply.
    Promise.resolve()
      .then(() => server.answer(content, views))
      .then((reply) => this.emit("msg:custom", reply.content, (reply.buffers ?? []).map(asDataView)));
  }

  private emit(event: string, ...args: unknown[]): void {
    for (const callback of [...(this.handlers.get(event) ?? [])]) {
      try {
        callback(...args);
      } catch (err) {
        console.error(`nbprojector: a '${event}' listener failed`, err);
      }
    }
  }
}
