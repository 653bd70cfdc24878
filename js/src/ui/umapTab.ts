// UMAP: 2D or 3D, neighbours, minimum distance, seed; progress, including numba's compile.
// The seed starts empty: umap-learn then runs on every core, and the tab says the layout is
// not reproducible; a seed makes it reproducible (on one core).

import type { Ctx } from "../context";
import { field, h } from "../dom";
import type { Tab } from "./tab";
import { dimsToggle, methodInfo, paramInput, runControls } from "./runControls";

/** Said while the seed is empty (the same words as Python's progress note). */
export const NOT_REPRODUCIBLE = "not reproducible: pass a seed for a reproducible layout";

export function umapTab(ctx: Ctx): Tab {
  const info = methodInfo(ctx, "umap");
  const dims = dimsToggle(2);
  const neighbors = paramInput("nbp-neighbors", info, "n_neighbors").input;
  neighbors.type = "range";
  const neighborsValue = h("span", { class: "nbp-value", text: neighbors.value });
  neighbors.addEventListener("input", () => (neighborsValue.textContent = neighbors.value));
  const minDist = paramInput("nbp-min-dist", info, "min_dist");
  const seed = paramInput("nbp-seed", info, "seed");
  seed.input.placeholder = "none";
  if (info.defaults?.seed === null) seed.input.value = "";
  const seeded = () => seed.input.value.trim() !== "";
  const seedNote = h("div", { class: "nbp-note nbp-seed-note", text: NOT_REPRODUCIBLE });
  const showSeedNote = () => (seedNote.hidden = seeded());
  seed.input.addEventListener("input", showSeedNote);
  showSeedNote();
  const controls = runControls(ctx, "umap", () => ({
    dims: dims.get(),
    n_neighbors: Number(neighbors.value),
    min_dist: minDist.read(),
    ...(seeded() ? { seed: Math.round(seed.read()) } : {}),
  }));
  const body = info.available === false
    ? h("div", { class: "nbp-tab-body" }, h("div", { class: "nbp-note nbp-install", text: info.message ?? "UMAP is not installed." }))
    : h(
        "div",
        { class: "nbp-tab-body" },
        dims.element,
        field("Neighbours", h("span", { class: "nbp-inline" }, neighbors, neighborsValue)),
        h("div", { class: "nbp-fields2" }, field("Min. distance", minDist.input), field("Seed", seed.input)),
        seedNote,
        controls.element,
      );
  return { method: "umap", title: "UMAP", body };
}
