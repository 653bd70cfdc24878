// The focused point's layout fidelity, under its card: the share of its nearest neighbours
// (in the original space) that the map keeps near it, and those neighbours split into "also
// near in the map" and "far in the map" (hover one: it is highlighted in the view).

import type { Ctx } from "../context";
import { h, section } from "../dom";
import type { InspectState } from "./inspectState";
import { pointList } from "./neighbors";

export function fidelityCard(ctx: Ctx, state: InspectState): HTMLElement {
  const summary = h("div", { class: "nbp-fidelity-summary" });
  const near = h("ol", { class: "nbp-list nbp-fidelity-near" });
  const far = h("ol", { class: "nbp-list nbp-fidelity-far" });
  const nearTitle = h("div", { class: "nbp-compare-caption" });
  const farTitle = h("div", { class: "nbp-compare-caption" });
  const box = section("Layout fidelity", summary, nearTitle, near, farTitle, far);
  let asked = "";
  const update = () => {
    const index = state.focus;
    box.hidden = index < 0;
    // Asked again when the focus or the map changes (a new layout), or the neighbours
    // compared do (spherize, the distance, k).
    const settings = ["spherize", "metric", "fidelity_k"].map((trait) => ctx.model.get(trait)).join("|");
    const key = `${index}|${ctx.model.get("_positions")?.byteLength ?? 0}|${JSON.stringify(ctx.model.get("projection")?.params ?? {})}|${settings}`;
    if (index < 0 || key === asked) return;
    asked = key;
    ctx.rpc
      .request("fidelity_point", { index })
      .then(({ result }) => {
        if (state.focus !== result.index) return;
        const pct = Math.round(result.fidelity * 100);
        summary.textContent = `Keeps ${pct}% of its ${result.k} nearest neighbours (${result.metric}, ${result.space} space) near it in the map`;
        nearTitle.textContent = `Also near in the map (${result.near.length})`;
        farTitle.textContent = `Far in the map (${result.far.length})`;
        near.replaceChildren(...pointList(state, result.near, () => null));
        far.replaceChildren(...pointList(state, result.far, () => null));
      })
      .catch((err: Error) => {
        summary.textContent = err.message;
        near.replaceChildren();
        far.replaceChildren();
      });
  };
  state.onChange(update);
  for (const trait of ["_positions", "spherize", "metric", "fidelity_k", "projection"]) ctx.listen(`change:${trait}`, update);
  // Other points drawn: the lists are shown again, their "not drawn" marks up to date.
  ctx.listen("change:_drawn", () => {
    asked = "";
    update();
  });
  update();
  return box;
}
