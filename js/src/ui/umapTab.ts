// UMAP: 2D or 3D, neighbours, minimum distance, seed; progress, including numba's compile.

import type { Ctx } from "../context";
import { field, h } from "../dom";
import type { Tab } from "./tab";
import { dimsToggle, methodInfo, paramInput, runControls } from "./runControls";

export function umapTab(ctx: Ctx): Tab {
  const info = methodInfo(ctx, "umap");
  const dims = dimsToggle(2);
  const neighbors = paramInput("nbp-neighbors", info, "n_neighbors").input;
  neighbors.type = "range";
  const neighborsValue = h("span", { class: "nbp-value", text: neighbors.value });
  neighbors.addEventListener("input", () => (neighborsValue.textContent = neighbors.value));
  const minDist = paramInput("nbp-min-dist", info, "min_dist");
  const seed = paramInput("nbp-seed", info, "seed");
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
        h("div", { class: "nbp-fields2" }, field("Min. distance", minDist.input), field("Seed", seed.input)),
        controls.element,
      );
  return { method: "umap", title: "UMAP", body };
}
