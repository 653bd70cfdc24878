// Run / pause / resume / stop for a background projection, and its progress line.

import type { Progress } from "../protocol";
import type { Ctx } from "./context";
import { h } from "./dom";
import { progressLine } from "./progressLine";

export interface RunControls {
  element: HTMLElement;
  /** Disable the run button (e.g. while a custom query matches nothing). */
  setRunnable(ok: boolean, why?: string): void;
}

export function runControls(ctx: Ctx, method: string, params: () => Record<string, unknown>): RunControls {
  const { model, rpc } = ctx;
  const run = h("button", { class: "nbp-run", "data-method": method, text: "Run" });
  const pause = h("button", { class: "nbp-pause", text: "Pause" });
  const stop = h("button", { class: "nbp-stop", title: "Stop here and keep this layout", text: "Stop" });
  const line = h("div", { class: "nbp-progress", "data-method": method });
  const bar = h("div", { class: "nbp-progress-bar" }, h("span"));
  let runnable = true;

  const fail = (err: Error) => ctx.notify(err.message, "error");
  run.addEventListener("click", () => {
    ctx.notify("");
    rpc.request("project", { method, params: params() }).catch(fail);
  });
  pause.addEventListener("click", () => {
    const state = (model.get("progress") as Progress)?.state;
    rpc.request(state === "paused" ? "resume" : "pause").catch(fail);
  });
  stop.addEventListener("click", () => rpc.request("cancel", { keep: true }).catch(fail));

  const update = () => {
    const p = (model.get("progress") ?? {}) as Progress;
    const mine = p.method === method;
    const active = mine && (p.state === "running" || p.state === "paused");
    pause.hidden = stop.hidden = !active;
    pause.textContent = p.state === "paused" ? "Resume" : "Pause";
    run.disabled = !runnable;
    line.hidden = !mine || !p.state;
    if (mine) {
      line.textContent = progressLine(p);
      line.dataset.state = p.state ?? "";
      if (p.iteration !== undefined) line.dataset.iteration = String(p.iteration);
    }
    const fraction = mine && active && typeof p.fraction === "number" ? p.fraction : null;
    bar.hidden = fraction === null;
    (bar.firstChild as HTMLElement).style.width = `${Math.round(100 * (fraction ?? 0))}%`;
  };
  ctx.listen("change:progress", update);
  update();
  return {
    element: h("div", { class: "nbp-run-controls" }, h("div", { class: "nbp-row" }, run, pause, stop), bar, line),
    setRunnable(ok: boolean, why = "") {
      runnable = ok;
      run.disabled = !ok;
      run.title = why;
    },
  };
}

/** A labelled number input with bounds; reads back as a number (or the fallback). */
export function numberInput(cls: string, value: number, min: number, max: number, step: number) {
  const input = h("input", { class: cls, type: "number", value, min, max, step });
  return {
    input,
    read: (): number => {
      const v = Number(input.value);
      return Number.isFinite(v) ? v : value;
    },
  };
}

export function dimsToggle(initial: 2 | 3) {
  let dims: 2 | 3 = initial;
  const b2 = h("button", { class: "nbp-dims", "data-dims": "2", text: "2D" });
  const b3 = h("button", { class: "nbp-dims", "data-dims": "3", text: "3D" });
  const sync = () => {
    b2.classList.toggle("nbp-on", dims === 2);
    b3.classList.toggle("nbp-on", dims === 3);
  };
  b2.addEventListener("click", () => ((dims = 2), sync()));
  b3.addEventListener("click", () => ((dims = 3), sync()));
  sync();
  return { element: h("div", { class: "nbp-row" }, b2, b3), get: () => dims };
}
