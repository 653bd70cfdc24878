// t-SNE: 2D or 3D, perplexity, learning rate, iterations, seed; animated while it runs.

import type { Ctx } from "../context";
import { field, h } from "../dom";
import type { Tab } from "./tab";
import { dimsToggle, methodInfo, paramInput, runControls } from "./runControls";

export function tsneTab(ctx: Ctx): Tab {
  const info = methodInfo(ctx, "tsne");
  const dims = dimsToggle(2);
  const perplexity = paramInput("nbp-perplexity", info, "perplexity");
  const learning = h("input", { class: "nbp-learning-rate", type: "text", value: String(info.defaults?.learning_rate ?? "auto") });
  const iterations = paramInput("nbp-iterations", info, "n_iter");
  const seed = paramInput("nbp-seed", info, "seed");
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
    // One line, so the tab stays short; the full sentence is its tooltip.
    note.textContent = d > 50 ? `PCA first: ${d} → 50 dimensions.` : "";
    note.title = d > 50 ? `The input is reduced to 50 dimensions with PCA first (from ${d}).` : "";
  };
  ctx.listen("change:n_dims", update);
  update();
  const body = h(
    "div",
    { class: "nbp-tab-body" },
    dims.element,
    // Two columns, each label over its field: the tab stays short enough for the panel to
    // show the bookmarks below it without scrolling.
    h(
      "div",
      { class: "nbp-fields2" },
      field("Perplexity", perplexity.input),
      field("Learning rate", learning),
      field("Iterations", iterations.input),
      field("Seed", seed.input),
    ),
    note,
    controls.element,
  );
  return { method: "tsne", title: "t-SNE", body };
}
