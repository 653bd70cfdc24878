// The request / reply protocol with Python; mirrors src/nbprojector/protocol.py one to one.

export const KINDS = [
  "project",
  "cancel",
  "pause",
  "resume",
  "row",
  "count",
  "search",
  "neighbors",
  "isolate",
  "bookmark",
  "snapshot",
  "atlas",
] as const;

export type Kind = (typeof KINDS)[number];

export interface Request {
  id: string;
  kind: Kind;
  payload: Record<string, unknown>;
}

export type Reply =
  | { id: string | null; ok: true; result: any }
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
