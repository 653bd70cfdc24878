// t-SNE: 2D or 3D, perplexity, learning rate, iterations, seed; animated while it runs.

import type { Ctx } from "./context";
import { field, h } from "./dom";
import type { Tab } from "./projectionsPanel";
import { dimsToggle, numberInput, runControls } from "./runControls";

export function tsneTab(ctx: Ctx): Tab {
  const defaults = ctx.model.get("methods")?.tsne?.defaults ?? {};
  const dims = dimsToggle(2);
  const perplexity = numberInput("nbp-perplexity", defaults.perplexity ?? 30, 2, 100, 1);
  const learning = h("input", { class: "nbp-learning-rate", type: "text", value: String(defaults.learning_rate ?? "auto") });
  const iterations = numberInput("nbp-iterations", defaults.n_iter ?? 750, 10, 5000, 50);
  const seed = numberInput("nbp-seed", defaults.seed ?? 0, 0, 2 ** 31 - 1, 1);
  const note = h("div", { class: "nbp-note" });
  const controls = runControls(ctx, "tsne", () => {
    const rate = learning.value.trim();
    return {
      dims: dims.get(),
      perplexity: perplexity.read(),
      learning_rate: rate === "auto" || rate === "" ? "auto" : Number(rate),
      n_iter: Math.round(iterations.read()),
      seed: Math.round(seed.read()),
    };
  });
  const update = () => {
    const d = ctx.model.get("n_dims") ?? 0;
    note.textContent = d > 50 ? `Input reduced to 50 dimensions with PCA first (from ${d}).` : "";
  };
  ctx.listen("change:n_dims", update);
  update();
  const body = h(
    "div",
    { class: "nbp-tab-body" },
    dims.element,
    field("Perplexity", perplexity.input),
    field("Learning rate", learning),
    field("Iterations", iterations.input),
    field("Seed", seed.input),
    note,
    controls.element,
  );
  return { method: "tsne", title: "t-SNE", body };
}
