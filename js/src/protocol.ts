// The request / reply protocol with Python. Its kinds, payloads, results, buffers and commands
// are generated from src/nbprojector/protocol.py (protocolTypes.ts); the envelopes and the
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

/** The widget's `progress` trait: what is running. */
export interface Progress {
  state?: "idle" | "running" | "paused" | "done" | "failed" | "cancelled";
  method?: string;
  message?: string;
  iteration?: number;
  n_iter?: number;
  fraction?: number | null;
  error?: string;
}

export interface Column {
  name: string;
  kind: "numeric" | "categorical";
  unique: number;
}

export interface Legend {
  kind: "none" | "numeric" | "categorical";
  column?: string;
  entries?: { value: unknown; color: string; count: number }[];
  other?: { values: number; count: number; color: string };
  missing?: { count: number; color: string };
  min?: number;
  max?: number;
  stops?: string[];
}
