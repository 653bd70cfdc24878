// The request / reply protocol with Python. Its kinds, payloads, results, buffers and commands
// are generated from src/nbprojector/protocol.py and protocol_types.py (protocolTypes.ts); the envelopes and the
// shapes of the traits the page reads are here.

export * from "./protocolTypes";
import type { Kind, Payloads, Results } from "./protocolTypes";

/** A request as the page sends it (its buffers travel beside it). */
export interface Request<K extends Kind = Kind> {
  id: string;
  kind: K;
  payload: Payloads[K];
}

/** Any one request, told apart by its kind (a switch on `kind` narrows its payload). */
export type AnyRequest = { [K in Kind]: Request<K> }[Kind];

/** Python's answer to a request (its buffers travel beside it). */
export type Reply<K extends Kind = Kind> =
  | { id: string | null; ok: true; result: Results[K] }
  | { id: string | null; ok: false; error: string };

/** What the widget's `projection` trait says about the layout shown. */
export interface Projection {
  method?: string;
  params?: Record<string, any>;
  dims?: number;
  variance?: number[];
  variance_shown?: number;
  [key: string]: unknown;
}
