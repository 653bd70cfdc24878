// The inspector: what is selected, and the selected point's metadata card.

import { uint32s } from "../codecs";
import { write } from "../model";
import type { Ctx } from "./context";
import { h, section } from "./dom";

export function inspector(ctx: Ctx): HTMLElement {
  const { model, rpc } = ctx;
  const summary = h("div", { class: "nbp-selection-summary" });
  const clear = h("button", { class: "nbp-clear-selection", text: "Clear selection" });
  const card = h("dl", { class: "nbp-card" });
  clear.addEventListener("click", () => write(model, "_selection", new DataView(new ArrayBuffer(0))));

  let shownFor = -1;
  const update = () => {
    const selected = uint32s(model.get("_selection"));
    summary.textContent = selected.length ? `${selected.length.toLocaleString()} selected` : "Nothing selected: click a point";
    clear.disabled = selected.length === 0;
    if (selected.length !== 1) {
      card.replaceChildren();
      shownFor = -1;
      return;
    }
    const index = selected[0];
    if (index === shownFor) return;
    shownFor = index;
    rpc
      .request("row", { index })
      .then(({ result }) => {
        if (shownFor !== index) return;
        const rows = [h("dt", { text: "index" }), h("dd", { text: String(result.index) })];
        for (const [key, value] of Object.entries(result.row as Record<string, unknown>)) {
          rows.push(h("dt", { text: key }), h("dd", { text: value === null ? "(missing)" : String(value) }));
        }
        card.replaceChildren(...rows);
      })
      .catch((err: Error) => ctx.notify(err.message, "error"));
  };
  ctx.listen("change:_selection", update);
  update();
  return section("Inspector", summary, clear, card);
}
