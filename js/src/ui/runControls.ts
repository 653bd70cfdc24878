// Run / pause / resume / stop for a background projection, and its progress line.

import type { Method, MethodInfo, MethodsTrait, Progress, ProjectPayload } from "../protocol";
import type { Ctx } from "../context";
import { h } from "../dom";
import { progressLine } from "./progressLine";

export interface RunControls {
  element: HTMLElement;
  /** Disable the run button (e.g. while a custom query matches nothing). */
  setRunnable(ok: boolean, why?: string): void;
}

/** The params a tab of `method` sends in its project request. */
export type ParamsOf<M extends Method> = NonNullable<Extract<ProjectPayload, { method?: M }>["params"]>;

export function runControls<M extends Method>(ctx: Ctx, method: M, params: () => ParamsOf<M>): RunControls {
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
    // The method and its params are of one kind, which TypeScript cannot see through M.
    rpc.request("project", { method, params: params() } as ProjectPayload).catch(fail);
  });
  pause.addEventListener("click", () => {
    const state = (model.get("progress") as Progress)?.state;
    rpc.request(state === "paused" ? "resume" : "pause", {}).catch(fail);
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

/** The method's entry in the widget's `methods` trait (what the projections panel offers). */
export function methodInfo(ctx: Ctx, method: Method): MethodInfo {
  return (ctx.model.get("methods") as MethodsTrait | undefined)?.[method] ?? { available: true };
}

/** A number input for parameter `name`, its range, step and default from Python's table of
 * the method's parameters (`params` in `methods`): one table for Python and the tab. */
export function paramInput(cls: string, info: MethodInfo, name: string) {
  const spec = info.params?.find((p) => p.name === name);
  const chosen = info.defaults?.[name] ?? spec?.default;
  const step = spec?.step ?? (spec?.type === "int" ? 1 : "any");
  return numberInput(cls, typeof chosen === "number" ? chosen : Number(spec?.min ?? 0), spec?.min, spec?.max, step);
}

/** A labelled number input with bounds; reads back as a number (or the fallback). */
export function numberInput(cls: string, value: number, min?: number, max?: number, step: number | "any" = "any") {
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
