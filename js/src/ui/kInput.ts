// A small number input for a neighbour count the widget holds (fidelity_k, compare_k): it
// follows the trait, and writes a whole number from 1 to the other points on change.

import type { Ctx } from "../context";
import { h } from "../dom";
import { write } from "../model";

export function kInput(ctx: Ctx, trait: "fidelity_k" | "compare_k", fallback: number, title: string): HTMLInputElement {
  const { model } = ctx;
  const input = h("input", { type: "number", class: `nbp-k nbp-${trait.replace("_", "-")}`, min: 1, step: 1, title, "aria-label": title });
  const most = () => Math.max(1, (model.get("n_points") ?? 2) - 1);
  const current = () => Number(model.get(trait) ?? fallback);
  const show = () => {
    input.max = String(most());
    input.value = String(current());
  };
  const commit = () => {
    const k = Math.max(1, Math.min(most(), Math.round(Number(input.value)) || current()));
    input.value = String(k);
    if (k !== current()) write(model, trait, k);
  };
  input.addEventListener("change", commit);
  // Enter applies it too (a number input's change may wait for the focus to leave).
  input.addEventListener("keydown", (e) => e.key === "Enter" && commit());
  ctx.listen(`change:${trait}`, show);
  ctx.listen("change:n_points", show);
  show();
  return input;
}
