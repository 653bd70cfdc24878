// UMAP: 2D or 3D, neighbours, minimum distance, seed; progress, including numba's compile.

import type { Ctx } from "./context";
import { field, h } from "./dom";
import type { Tab } from "./projectionsPanel";
import { dimsToggle, numberInput, runControls } from "./runControls";

export function umapTab(ctx: Ctx): Tab {
  const info = ctx.model.get("methods")?.umap ?? {};
  const defaults = info.defaults ?? {};
  const dims = dimsToggle(2);
  const neighbors = h("input", { class: "nbp-neighbors", type: "range", min: 5, max: 50, step: 1, value: defaults.n_neighbors ?? 15 });
  const neighborsValue = h("span", { class: "nbp-value", text: neighbors.value });
  neighbors.addEventListener("input", () => (neighborsValue.textContent = neighbors.value));
  const minDist = numberInput("nbp-min-dist", defaults.min_dist ?? 0.1, 0, 0.99, 0.01);
  const seed = numberInput("nbp-seed", defaults.seed ?? 0, 0, 2 ** 31 - 1, 1);
  const controls = runControls(ctx, "umap", () => ({
    dims: dims.get(),
    n_neighbors: Number(neighbors.value),
    min_dist: minDist.read(),
    seed: Math.round(seed.read()),
  }));
  const body = info.available === false
    ? h("div", { class: "nbp-tab-body" }, h("div", { class: "nbp-note nbp-install", text: info.message ?? "UMAP is not installed." }))
    : h(
        "div",
        { class: "nbp-tab-body" },
        dims.element,
        field("Neighbours", h("span", { class: "nbp-inline" }, neighbors, neighborsValue)),
        field("Min. distance", minDist.input),
        field("Seed", seed.input),
        controls.element,
      );
  return { method: "umap", title: "UMAP", body };
}
