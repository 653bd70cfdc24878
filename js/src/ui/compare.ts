// Comparing two embeddings of the same points: the data panel's "A vs B" control, and the
// inspector's list of the points whose neighbours changed most; choosing one shows its
// neighbours in A and in B side by side (kept in both, lost from A, gained in B).

import type { Ctx } from "../context";
import { field, h, section, setOptions } from "../dom";
import { write } from "../model";
import { kInput } from "./kInput";
import type { ChangedPoint, Comparison } from "../protocol";
import type { InspectState } from "./inspectState";
import { pointList } from "./neighbors";

/** The data panel's control: embedding A, embedding B, Compare (Python computes). */
export function compareControl(ctx: Ctx): HTMLElement {
  const { model } = ctx;
  const a = h("select", { class: "nbp-compare-a", "aria-label": "Compare embedding" });
  const b = h("select", { class: "nbp-compare-b", "aria-label": "with embedding" });
  const run = h("button", { class: "nbp-compare", text: "Compare", title: "Which points' nearest neighbours differ between the two embeddings" });
  const k = kInput(ctx, "compare_k", 10, "Neighbours compared in each embedding (k)");
  const box = h("div", { class: "nbp-compare-control" },
    field("Compare", h("div", { class: "nbp-row" }, a, h("span", { text: "vs" }), b)),
    h("div", { class: "nbp-row nbp-compare-run" }, h("label", { class: "nbp-field" }, h("span", { text: "k" }), k), run));
  run.addEventListener("click", () => write(model, "compare_embeddings", [a.value, b.value]));
  const update = () => {
    const names: string[] = model.get("embeddings") ?? [];
    const chosen: string[] = model.get("compare_embeddings") ?? [];
    const options = names.map((n) => ({ value: n, label: n }));
    setOptions(a, options, chosen[0] ?? names[0] ?? "");
    setOptions(b, options, chosen[1] ?? names[names.length - 1] ?? "");
    box.hidden = names.length < 2;
  };
  for (const trait of ["embeddings", "compare_embeddings"]) ctx.listen(`change:${trait}`, update);
  update();
  return box;
}

/** One side of a changed point: its neighbours in one embedding, each marked as kept (also
 * near in the other) or as lost / gained. */
function side(state: InspectState, name: string, ids: number[], other: Set<number>, away: "lost" | "gained"): HTMLElement {
  const items = pointList(state, ids, () => null);
  items.forEach((item, j) => {
    const kind = other.has(ids[j]) ? "kept" : away;
    item.classList.add(`nbp-${kind}`);
    item.dataset.change = kind;
  });
  const kept = ids.filter((i) => other.has(i)).length;
  const caption = `${name}: ${kept} kept, ${ids.length - kept} ${away}`;
  return h("div", { class: `nbp-compare-side nbp-compare-${away === "lost" ? "a" : "b"}` }, h("div", { class: "nbp-compare-caption", text: caption }), h("ol", { class: "nbp-list" }, ...items));
}

/** The inspector's "Most changed" section (hidden until a comparison is asked for). */
export function mostChangedPanel(ctx: Ctx, state: InspectState): HTMLElement {
  const summary = h("div", { class: "nbp-compare-summary" });
  const list = h("ol", { class: "nbp-list nbp-most-changed" });
  const detail = h("div", { class: "nbp-compare-detail nbp-row" });
  const box = section("Most changed", summary, list, detail);
  const choose = (comparison: Comparison, point: ChangedPoint) => {
    for (const item of list.children) item.classList.toggle("nbp-chosen", (item as HTMLElement).dataset.index === String(point.index));
    const inA = new Set(point.a), inB = new Set(point.b);
    detail.replaceChildren(side(state, comparison.a, point.a, inB, "lost"), side(state, comparison.b, point.b, inA, "gained"));
    // The same three sets, marked in the view (cleared with the focus or the comparison).
    state.showCompared({
      index: point.index, a: comparison.a, b: comparison.b,
      kept: point.a.filter((i) => inB.has(i)), lost: point.a.filter((i) => !inB.has(i)), gained: point.b.filter((i) => !inA.has(i)),
    });
  };
  // The focus went elsewhere: the chosen point's lists go with its marks.
  state.onChange(() => {
    if (state.compared || !detail.childElementCount) return;
    detail.replaceChildren();
    for (const item of list.children) item.classList.remove("nbp-chosen");
  });

  const update = () => {
    const comparison = (ctx.model.get("comparison") ?? {}) as Partial<Comparison>;
    state.showCompared(null); // a new comparison (or none): the marks of the old one go
    box.hidden = !comparison.a;
    if (!comparison.a || !comparison.b) return;
    if (comparison.state === "running") {
      summary.textContent = `Comparing ${comparison.a} with ${comparison.b}...`;
      list.replaceChildren();
      detail.replaceChildren();
      return;
    }
    if (comparison.state === "failed") {
      summary.textContent = `Comparison failed: ${comparison.error ?? ""}`;
      return;
    }
    const done = comparison as Comparison;
    const mean = `${Math.round((done.mean ?? 0) * 100)}%`;
    const how = done.metric ? ` (${done.metric}, ${done.space ?? "original"} space)` : "";
    summary.textContent = `${done.a} vs ${done.b}: ${done.k}-NN${how} change by ${mean} on average (1 - Jaccard)`;
    const changed = done.changed ?? [];
    const items = pointList(state, changed.map((p) => p.index), (j) =>
      h("span", { class: "nbp-item-value", text: `${Math.round(changed[j].change * 100)}% (${changed[j].kept} kept)` }),
    );
    // A click focuses the point (ringed in the view) and shows its neighbours in A and B.
    items.forEach((item, j) => item.addEventListener("click", () => choose(done, changed[j])));
    list.replaceChildren(...items);
    detail.replaceChildren();
  };
  ctx.listen("change:comparison", update);
  update();
  return box;
}
