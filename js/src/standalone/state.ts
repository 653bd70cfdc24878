// What an offline export carries (the JSON in the page, written by src/nbprojector/export.py),
// and the widget's state rebuilt from it with each binary buffer where ipywidgets puts it.

import { fromBase64 } from "../codecs";
import type { ExportData } from "./server";

export interface Payload extends ExportData {
  format: string;
  esm: string;
  css: string;
  widget: { state: Record<string, unknown>; buffer_paths: (string | number)[][]; buffers: string[] };
}

/** The widget's state with each binary buffer put back where ipywidgets would (a DataView). */
export function stateOf(widget: Payload["widget"]): Record<string, unknown> {
  const state = widget.state;
  widget.buffer_paths.forEach((path, j) => {
    const raw = fromBase64(widget.buffers[j]);
    let target = state as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
    target[path[path.length - 1]] = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  });
  return state;
}

