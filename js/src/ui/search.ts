// Search: a column, a query, a regular-expression toggle. Python matches (the same
// rules as p.search), selects every match and answers with the count and the first 100
// indices as a uint32 buffer; the list shows their labels. A bad pattern gets a message here.

import { uint32s } from "../codecs";
import type { Column } from "../protocol";
import type { Ctx } from "../context";
import { h, section, setOptions } from "../dom";
import { pointList } from "./neighbors";
import type { InspectState } from "./inspectState";

const DEBOUNCE_MS = 250;

export function searchPanel(ctx: Ctx, state: InspectState): HTMLElement {
  const { model, rpc } = ctx;
  const input = h("input", { type: "search", class: "nbp-search", placeholder: "Search", "aria-label": "Search" });
  const column = h("select", { class: "nbp-search-column", "aria-label": "Search in column" });
  const regex = h("button", {
    class: "nbp-regex",
    title: "Regular expression (off: plain text). Case is ignored either way",
    "aria-pressed": "false",
    text: ".*",
  });
  const count = h("div", { class: "nbp-search-count" });
  const error = h("div", { class: "nbp-search-error", role: "alert", hidden: true });
  const list = h("ol", { class: "nbp-list nbp-search-list" });
  let chosen = ""; // the column the user picked; the label column until then
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const clear = () => {
    state.highlight(-1); // its list item goes: no mouseleave will come
    count.textContent = "";
    error.hidden = true;
    list.replaceChildren();
  };
  const run = () => {
    clearTimeout(timer);
    const query = input.value;
    const mine = ++seq;
    if (!query.trim()) return clear();
    const on = regex.getAttribute("aria-pressed") === "true";
    rpc
      .request("search", { query, column: column.value, regex: on })
      .then(({ result, buffers }) => {
        if (mine !== seq) return; // a newer query is on its way
        error.hidden = true;
        const n = result.count as number;
        const listed = uint32s(buffers[0]);
        count.textContent = `${n.toLocaleString()} ${n === 1 ? "match" : "matches"}` + (n > listed.length ? ` (first ${listed.length} listed)` : "");
        state.highlight(-1);
        list.replaceChildren(...pointList(state, listed, () => null));
      })
      .catch((err: Error) => {
        if (mine !== seq) return;
        clear();
        error.textContent = err.message;
        error.hidden = false;
      });
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, DEBOUNCE_MS);
  });
  input.addEventListener("keydown", (e) => e.key === "Enter" && run());
  column.addEventListener("change", () => {
    chosen = column.value;
    run();
  });
  regex.addEventListener("click", () => {
    const on = regex.getAttribute("aria-pressed") !== "true";
    regex.setAttribute("aria-pressed", String(on));
    regex.classList.toggle("nbp-on", on);
    run();
  });

  const update = () => {
    const columns: Column[] = model.get("columns") ?? [];
    const names = columns.map((c) => c.name);
    setOptions(column, names.map((n) => ({ value: n, label: n })), names.includes(chosen) ? chosen : model.get("label_by"));
  };
  ctx.listen("change:columns", update);
  ctx.listen("change:label_by", update);
  update();
  return section("Search", h("div", { class: "nbp-row" }, column, regex), input, count, error, list);
}
