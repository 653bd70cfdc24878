// request(kind, payload) -> Promise of Python's reply. One listener per model (registered in
// anywidget's initialize), shared by every view of that model. Ids carry a random prefix:
// replies reach every page connected to the kernel, and another page's ids must not match.

import type { Kind, Payloads, Reply, Results } from "./protocol";
import type { Model } from "./model";

/** Python's answer to one request: its result and the binary buffers beside it. */
export interface Result<K extends Kind = Kind> {
  result: Results[K];
  buffers: DataView[];
}

interface Pending {
  resolve: (r: Result) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class Rpc {
  private pending = new Map<string, Pending>();
  private counter = 0;
  private prefix = Math.random().toString(36).slice(2, 10);
  private listener = (msg: unknown, buffers: DataView[]) => this.onMessage(msg, buffers);

  constructor(private model: Model) {
    model.on("msg:custom", this.listener);
  }

  /** Send a request of `kind`; its payload and result have that kind's types. */
  request<K extends Kind>(
    kind: K,
    payload: Payloads[K],
    buffers: ArrayBufferView[] = [],
    timeoutMs = 120_000,
  ): Promise<Result<K>> {
    return this.send(kind, payload, buffers, timeoutMs) as Promise<Result<K>>;
  }

  /** Send any message, well formed or not: for tests of how Python answers bad requests. */
  requestUnchecked(kind: string, payload: unknown): Promise<Result> {
    return this.send(kind, payload, [], 120_000);
  }

  private send(kind: string, payload: unknown, buffers: ArrayBufferView[], timeoutMs: number): Promise<Result> {
    const id = `${this.prefix}-${++this.counter}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer from Python to '${kind}' after ${timeoutMs / 1000} s (is the kernel busy or gone?)`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.model.send({ id, kind, payload }, undefined, buffers);
    });
  }

  private onMessage(msg: unknown, buffers: DataView[]): void {
    const reply = msg as Reply;
    if (!reply || typeof reply !== "object" || typeof reply.id !== "string") return;
    const entry = this.pending.get(reply.id);
    if (!entry) return; // another page's, or a view's request that already timed out
    this.pending.delete(reply.id);
    clearTimeout(entry.timer);
    if (reply.ok) entry.resolve({ result: reply.result, buffers: buffers ?? [] });
    else entry.reject(new Error(reply.error));
  }

  dispose(): void {
    this.model.off("msg:custom", this.listener);
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(new Error("the widget was closed"));
    }
    this.pending.clear();
  }
}

const registry = new WeakMap<Model, Rpc>();

export function attachRpc(model: Model): Rpc {
  const rpc = new Rpc(model);
  registry.set(model, rpc);
  return rpc;
}

export function rpcFor(model: Model): Rpc {
  let rpc = registry.get(model);
  if (!rpc) rpc = attachRpc(model); // hosts that skip initialize still get one listener
  return rpc;
}

export function detachRpc(model: Model): void {
  registry.get(model)?.dispose();
  registry.delete(model);
}
