// Entry of the offline HTML export (built to static/standalone.js, written inline into
// the file by src/nbprojector/export.py). It reads the data the file carries, makes a model
// that lives in the page (standalone/localModel.ts) answered by a local stand-in for Python
// (standalone/server.ts), and runs the widget's own ES module (the notebook's static/widget.js,
// carried as text and imported from a blob: URL) on it: no network, no kernel.

import type { Model } from "./model";
import { LocalModel } from "./standalone/localModel";
import { ExportServer } from "./standalone/server";
import { type Payload, stateOf } from "./standalone/state";

interface Widget {
  initialize?(ctx: { model: Model }): unknown;
  render(ctx: { model: Model; el: HTMLElement }): unknown;
}

function say(text: string, error = false): void {
  let note = document.getElementById("nbprojector-notice");
  if (!note) {
    note = document.createElement("p");
    note.id = "nbprojector-notice";
    note.setAttribute("role", "status");
    document.getElementById("nbprojector")?.after(note);
  }
  note.textContent = text;
  note.style.color = error ? "#c62828" : "";
}

async function main(): Promise<void> {
  const payload = JSON.parse(document.getElementById("nbprojector-data")!.textContent!) as Payload;
  const style = document.createElement("style");
  style.textContent = payload.css;
  document.head.append(style);

  const model = new LocalModel(stateOf(payload.widget));
  const server = new ExportServer(model, payload);
  server.onNotice = (text) => say(text);
  model.server = server;

  const url = URL.createObjectURL(new Blob([payload.esm], { type: "text/javascript" }));
  const widget = ((await import(/* @vite-ignore */ url)) as { default: Widget }).default;
  URL.revokeObjectURL(url);
  const el = document.getElementById("nbprojector")!;
  await widget.initialize?.({ model });
  await widget.render({ model, el });
  el.dataset.exportReady = "1";
}

main().catch((err: Error) => say(`This export could not start: ${err.message}`, true));
