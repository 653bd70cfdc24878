// Clusters: one button finds the clusters of the points shown and names them (in Python,
// in the background); the names are drawn on the map and fill the `cluster` column.
// Pressing it again after a new layout or an isolate clusters what is shown then.

import type { ClusteringState, Column } from "../protocol";
import type { Ctx } from "../context";
import { field, h, section, setOptions } from "../dom";

const LABELS_SHOWN = "";

export function clustersPanel(ctx: Ctx): HTMLElement {
  const { model, rpc } = ctx;
  const run = h("button", { class: "nbp-cluster-run", title: "Find the clusters of the points shown and name them on the map", text: "Clusters" });
  const nameBy = h("select", { class: "nbp-cluster-name-by", "aria-label": "Name clusters by" });
  const status = h("p", { class: "nbp-note nbp-cluster-status", role: "status" });

  run.addEventListener("click", () => {
    const payload = nameBy.value === LABELS_SHOWN ? { action: "run" as const } : { action: "run" as const, column: nameBy.value };
    rpc.request("cluster", payload).catch((err: Error) => ctx.notify(err.message, "error"));
  });

  const update = () => {
    const state = (model.get("clustering") ?? {}) as ClusteringState;
    const columns: Column[] = model.get("columns") ?? [];
    // The clusters' own column names nothing new.
    const options = columns.filter((c) => c.name !== state.column).map((c) => ({ value: c.name, label: c.name }));
    setOptions(nameBy, [{ value: LABELS_SHOWN, label: "(the labels shown)" }, ...options], nameBy.value);
    run.disabled = state.state === "running";
    status.dataset.state = state.state ?? "idle";
    status.textContent = state.state === "failed" ? `failed: ${state.error ?? state.message ?? ""}` : (state.message ?? "");
    status.hidden = !status.textContent;
  };
  for (const trait of ["columns", "clustering"]) ctx.listen(`change:${trait}`, update);
  update();
  // The button and its menu share one row, so the left panel still fits a 900 px window.
  return section("Clusters", h("div", { class: "nbp-row nbp-cluster-row" }, run, field("Name by", nameBy)), status);
}

/** Edit a cluster's name in place: a text box over the name drawn at (x, y, w, h) in
 * `box`'s CSS px; Enter renames it in Python, Escape or leaving the box cancels. */
export function editClusterName(ctx: Ctx, box: HTMLElement, name: { id: number; name: string; x: number; y: number; w: number; h: number }): HTMLInputElement {
  box.querySelector(".nbp-cluster-rename")?.remove();
  const input = h("input", { class: "nbp-cluster-rename", type: "text", value: name.name, "aria-label": `Rename cluster ${name.id}` });
  input.style.left = `${name.x - 8}px`;
  input.style.top = `${name.y}px`;
  input.style.width = `${Math.max(120, name.w + 24)}px`;
  input.style.height = `${name.h}px`;
  let done = false;
  const close = () => {
    done = true;
    input.remove();
  };
  input.addEventListener("keydown", (e) => {
    e.stopPropagation(); // typing here is not a shortcut for the view
    if (e.key === "Escape") close();
    if (e.key !== "Enter") return;
    const text = input.value.trim();
    close();
    if (text && text !== name.name) {
      ctx.rpc.request("cluster", { action: "rename", id: name.id, name: text }).catch((err: Error) => ctx.notify(err.message, "error"));
    }
  });
  input.addEventListener("blur", () => {
    if (!done) close();
  });
  box.append(input);
  input.focus();
  input.select();
  return input;
}
