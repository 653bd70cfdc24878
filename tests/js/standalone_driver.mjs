// Runs the offline page's stand-in for Python (js/src/standalone/server.ts) under node, for
// tests/test_standalone_parity.py: bundled with esbuild, given the export's JSON (argv[2]), it
// reads a list of steps on stdin and prints one answer per step as JSON:
//   {"request": {id, kind, payload}, "buffers": [base64...], "traits": [names]}
//     -> {"content": the reply, "buffers": [base64...], "traits": {name: value}}
//   {"set": {trait: value}}  (the page writing traits, as a person's choice in a menu would)
//     -> {"traits": {...}}
// Binary traits come back as base64, as Python's bytes traits are compared.

import { readFileSync } from "node:fs";
import { LocalModel } from "../../js/src/standalone/localModel";
import { ExportServer } from "../../js/src/standalone/server";
import { stateOf } from "../../js/src/standalone/state";

const base64 = (view) => Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString("base64");
const plain = (value) => (ArrayBuffer.isView(value) ? { base64: base64(value) } : value);

const payload = JSON.parse(readFileSync(process.argv[2], "utf-8"));
const model = new LocalModel(stateOf(payload.widget));
const server = new ExportServer(model, payload);
const notices = [];
server.onNotice = (text) => notices.push(text);
model.server = server;

const steps = JSON.parse(readFileSync(0, "utf-8"));
const out = [];
for (const step of steps) {
  const answer = {};
  if (step.set) {
    for (const [name, value] of Object.entries(step.set)) model.set(name, value);
    model.save_changes();
  } else {
    const buffers = (step.buffers ?? []).map((b) => new DataView(Uint8Array.from(Buffer.from(b, "base64")).buffer));
    const reply = await server.answer(step.request, buffers);
    answer.content = reply.content;
    answer.buffers = (reply.buffers ?? []).map(base64);
  }
  answer.traits = Object.fromEntries((step.traits ?? []).map((name) => [name, plain(model.get(name))]));
  out.push(answer);
}
process.stdout.write(JSON.stringify({ answers: out, notices }));
