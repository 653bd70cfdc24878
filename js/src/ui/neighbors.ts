// Nearest neighbours: k and the metric, then the list for the focused point:
// label, distance, angle for cosine, and a bar (longer is nearer). The caption says which
// space the distances were computed in, always, and how the list was found (exact, or from
// an approximate index: then a true neighbour may be missing, though each distance is exact).

import type { Ctx } from "../context";
import { field, h, section } from "../dom";
import type { Metric } from "../protocol";
import type { InspectState } from "./inspectState";

/** List items for points (hover highlights the point in the view, click focuses it). */
export function pointList(
  state: InspectState,
  indices: ArrayLike<number>,
  extra: (j: number) => HTMLElement | null,
): HTMLElement[] {
  const items: HTMLElement[] = [];
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    const drawn = state.isDrawn(i);
    const mark = drawn ? null : h("span", { class: "nbp-undrawn", text: "not drawn", title: "Not among the points drawn (the draw budget); Show these draws it" });
    const item = h("li", { class: drawn ? "nbp-item" : "nbp-item nbp-item-undrawn", "data-index": i, title: `point #${i}` }, state.thumbnailOf(i, 24), h("span", { class: "nbp-item-label", text: state.labelOf(i) || `#${i}` }), mark, extra(j));
    item.addEventListener("mouseenter", () => state.highlight(i));
    item.addEventListener("mouseleave", () => state.highlight(-1));
    item.addEventListener("click", () => state.clickPoint(i));
    items.push(item);
  }
  return items;
}

/** "Show these": a button that draws a list's points that are not drawn; hidden while
 * every point listed is drawn. `update` it whenever the list or the drawn points change. */
export function showTheseButton(state: InspectState): { button: HTMLButtonElement; update: (indices: ArrayLike<number> | null) => void } {
  const button = h("button", { class: "nbp-show-these", hidden: true, text: "Show these" });
  let undrawn: number[] = [];
  button.addEventListener("click", () => void state.showPoints(undrawn));
  const update = (indices: ArrayLike<number> | null) => {
    undrawn = [];
    for (let j = 0; indices && j < indices.length; j++) if (!state.isDrawn(indices[j])) undrawn.push(indices[j]);
    button.hidden = undrawn.length === 0;
    button.title = `Draw the ${undrawn.length} listed points that are not drawn (in place of others)`;
  };
  return { button, update };
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(3));

export function neighborsPanel(ctx: Ctx, state: InspectState): HTMLElement {
  const k = h("input", { type: "number", class: "nbp-k", min: 1, max: 999, step: 1, value: state.k, "aria-label": "Number of neighbours" });
  const metric = h("select", { class: "nbp-metric", "aria-label": "Distance" });
  metric.append(h("option", { value: "cosine", text: "cosine" }), h("option", { value: "euclidean", text: "euclidean" }));
  const caption = h("div", { class: "nbp-neighbors-caption" });
  const list = h("ol", { class: "nbp-list nbp-neighbors-list" });
  const showThese = showTheseButton(state);

  k.addEventListener("change", () => {
    state.setK(Number(k.value));
    k.value = String(state.k);
  });
  metric.addEventListener("change", () => state.setMetric(metric.value as Metric));
  const showMetric = () => (metric.value = state.metric);
  ctx.listen("change:metric", showMetric);
  showMetric();

  let shown: unknown = null;
  const update = () => {
    const nb = state.neighbors;
    if (state.focus < 0) {
      caption.textContent = "Click a point to list its nearest neighbours";
    } else if (state.pending || !nb) {
      caption.textContent = `Finding the neighbours of ${state.labelOf(state.focus) || `#${state.focus}`}…`;
    }
    if (nb === shown) return;
    shown = nb;
    showThese.update(nb ? nb.indices : null);
    state.highlight(-1); // the list is replaced: no mouseleave will come for its items
    if (!nb) {
      list.replaceChildren();
      return;
    }
    const what = `${nb.metric} distance in the ${nb.space} space`;
    caption.textContent = `${nb.indices.length} nearest to ${state.labelOf(nb.focus) || `#${nb.focus}`}: ${what}`;
    caption.title = nb.space === "spherized" ? "Spherize is on (data panel): vectors centred on the mean and scaled to unit norm" : "The vectors as given (spherize is off)";
    const exact = nb.foundBy === "exact";
    const foundBy = h("span", {
      class: "nbp-neighbors-found-by",
      "data-exact": String(exact),
      text: ` · ${nb.foundBy}`,
      title: exact ? "Every point compared with the query: these are the nearest" : "Found with an index: each distance is exact, but a true neighbour may be missing (p.neighbors(i, exact=True) lists the exact ones)",
    });
    caption.append(foundBy);
    let max = 0;
    for (let j = 0; j < nb.distances.length; j++) max = Math.max(max, nb.distances[j]);
    list.replaceChildren(
      ...pointList(state, nb.indices, (j) => {
        const d = nb.distances[j];
        const text = fmt(d) + (nb.angles ? ` · ${nb.angles[j].toFixed(1)}°` : "");
        const bar = h("span", { class: "nbp-bar", title: what });
        bar.append(h("span", { class: "nbp-bar-fill", style: `width:${max > 0 ? Math.max(2, 100 * (1 - d / (max * 1.05))) : 100}%` }));
        return h("span", { class: "nbp-item-value" }, h("span", { class: "nbp-distance", text }), bar);
      }),
    );
  };
  state.onChange(update);
  // Spherize changes every distance: ask again for the focus.
  ctx.listen("change:spherize", () => state.requestNeighbors());
  // Points drawn since the list came: their "not drawn" marks go.
  ctx.listen("change:_drawn", () => {
    shown = null;
    update();
  });
  update();
  return section("Nearest neighbours", h("div", { class: "nbp-row" }, field("k", k), metric), caption, showThese.button, list);
}
