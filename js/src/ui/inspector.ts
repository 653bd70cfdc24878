// The inspector: the selection (isolate, show all, clear), search, the focused point's
// metadata card, and its nearest neighbours.

import { uint32s } from "../codecs";
import type { Ctx } from "../context";
import type { IsolatedCount } from "../protocol";
import { h, section } from "../dom";
import { annotatePanel } from "./annotate";
import type { InspectState } from "./inspectState";
import { mostChangedPanel } from "./compare";
import { fidelityCard } from "./fidelityCard";
import { neighborsPanel } from "./neighbors";
import { searchPanel } from "./search";

function selectionPanel(ctx: Ctx, state: InspectState): HTMLElement {
  const { model, rpc } = ctx;
  const summary = h("div", { class: "nbp-selection-summary" });
  const shown = h("div", { class: "nbp-shown" });
  const isolate = h("button", { class: "nbp-isolate", title: "Show only the selected points and rerun the projection on them" });
  const showAll = h("button", { class: "nbp-show-all", text: "Show all", title: "Show every point again and rerun the projection" });
  const clear = h("button", { class: "nbp-clear-selection", text: "Clear selection" });
  const fail = (err: Error) => ctx.notify(err.message, "error");
  // The selection this view shows goes along (a selection write may still be held back by
  // ipywidgets' throttle, and this request would overtake it).
  isolate.addEventListener("click", () => rpc.request("isolate", {}, [state.selection.slice()]).catch(fail));
  showAll.addEventListener("click", () => rpc.request("isolate", { show_all: true }).catch(fail));
  clear.addEventListener("click", () => state.clickPoint(-1));

  const update = () => {
    const selected = uint32s(model.get("_selection")).length;
    summary.textContent = selected ? `${selected.toLocaleString()} selected` : "Nothing selected: click a point";
    isolate.textContent = `Isolate ${selected.toLocaleString()} ${selected === 1 ? "point" : "points"}`;
    isolate.disabled = selected === 0;
    clear.disabled = selected === 0;
    // Python says whether points are isolated: `_visible` also hides drawn points the layout
    // shown has not placed yet (the progress line tells that), which "Show all" cannot show.
    const isolated = (model.get("isolated_count") ?? null) as IsolatedCount;
    const n = model.get("n_points") ?? 0;
    shown.hidden = isolated === null;
    shown.textContent = isolated === null ? "" : `Showing ${isolated.toLocaleString()} of ${n.toLocaleString()} points (isolated)`;
    showAll.disabled = isolated === null;
  };
  ctx.listen("change:_selection", update);
  ctx.listen("change:isolated_count", update);
  ctx.listen("change:n_points", update);
  update();
  return section("Inspector", summary, shown, h("div", { class: "nbp-row nbp-wrap" }, isolate, showAll, clear));
}

/** The metadata row of the focused point (or of the one point selected). */
function cardPanel(ctx: Ctx, state: InspectState): HTMLElement {
  const card = h("dl", { class: "nbp-card" });
  const image = h("div", { class: "nbp-card-image" }); // the point's own image, if any
  const box = section("Point", image, card);
  let shownFor = -1;
  const showImage = () => image.replaceChildren(...[state.thumbnailOf(shownFor, 96)].filter((c) => c !== null));
  const update = () => {
    const selected = uint32s(ctx.model.get("_selection"));
    const index = state.focus >= 0 ? state.focus : selected.length === 1 ? selected[0] : -1;
    box.hidden = index < 0;
    if (index === shownFor) return;
    shownFor = index;
    showImage();
    if (index < 0) {
      card.replaceChildren();
      return;
    }
    ctx.rpc
      .request("row", { index })
      .then(({ result }) => {
        if (shownFor !== index) return;
        const rows = [h("dt", { text: "index" }), h("dd", { text: String(result.index) })];
        for (const [key, value] of Object.entries(result.row)) {
          rows.push(h("dt", { text: key }), h("dd", { text: value === null ? "(missing)" : String(value) }));
        }
        card.replaceChildren(...rows);
      })
      .catch((err: Error) => ctx.notify(err.message, "error"));
  };
  ctx.listen("change:_selection", update);
  ctx.listen("change:image_manifest", showImage);
  state.onChange(update);
  update();
  return box;
}

export function inspector(ctx: Ctx, state: InspectState): HTMLElement {
  return h(
    "div",
    { class: "nbp-inspector" },
    selectionPanel(ctx, state),
    annotatePanel(ctx),
    searchPanel(ctx, state),
    cardPanel(ctx, state),
    fidelityCard(ctx, state),
    neighborsPanel(ctx, state),
    mostChangedPanel(ctx, state),
  );
}
