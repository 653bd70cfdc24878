// Search: a column, a query, a regular-expression toggle. Python matches (the same
// rules as p.search), selects every match and answers with the count and the first 100
// indices as a uint32 buffer; the list shows their labels. A bad pattern gets a message here.
// "By meaning" sends the query to the embedding's encoder in Python instead: the nearest
// points come back through the `find` trait (and `_found` / `_found_distances`), with the
// distances listed; the view draws the query's marker. Without an encoder the toggle is
// disabled and says why.
// Once the selection is changed elsewhere (a click, a region, Python), the list no longer
// says what is selected: it is marked stale until the next search
// (by meaning too: its nearest points are the selection it made).

import { float32s, uint32s } from "../codecs";
import type { Column, FindState } from "../protocol";
import type { Ctx } from "../context";
import { h, section, setOptions } from "../dom";
import { pointList, showTheseButton } from "./neighbors";
import { includesAll, type InspectState } from "./inspectState";

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
  const meaning = h("button", { class: "nbp-meaning", "aria-pressed": "false", text: "by meaning" });
  const count = h("div", { class: "nbp-search-count" });
  const error = h("div", { class: "nbp-search-error", role: "alert", hidden: true });
  const list = h("ol", { class: "nbp-list nbp-search-list" });
  const stale = h("div", { class: "nbp-search-stale", hidden: true });
  const again = h("button", { class: "nbp-search-again", text: "Search again" });
  stale.append(h("span", { text: "The selection has changed since this search. " }), again);
  /** The last search's answer: how many it selected and the indices listed. */
  let found: { count: number; listed: Uint32Array } | null = null;
  const showThese = showTheseButton(state);
  /** Show the listed points (the undrawn ones marked), and "Show these" when some are. */
  const showList = (listed: Uint32Array, extra: (j: number) => HTMLElement | null) => {
    list.replaceChildren(...pointList(state, listed, extra));
    showThese.update(listed);
  };
  let chosen = ""; // the column the user picked; the label column until then
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const clear = () => {
    state.highlight(-1); // its list item goes: no mouseleave will come
    count.textContent = "";
    error.hidden = true;
    list.replaceChildren();
    showThese.update(null);
    found = null;
    markStale();
  };
  // The search selected exactly its matches; any other selection makes the list stale.
  const markStale = () => {
    const selection = state.selection;
    const isStale = found !== null && (selection.length !== found.count || !includesAll(selection, found.listed));
    stale.hidden = !isStale;
    list.classList.toggle("nbp-stale", isStale);
    count.classList.toggle("nbp-stale", isStale);
  };
  const byMeaning = () => meaning.getAttribute("aria-pressed") === "true";
  const runByMeaning = (query: string, mine: number) => {
    rpc
      .request("find", { query, k: state.k, metric: state.metric })
      // What was found (or the encoder's error) comes with the `find` trait, which may
      // arrive before this reply: the reply itself changes nothing shown.
      .catch((err: Error) => {
        if (mine !== seq) return;
        clear();
        error.textContent = err.message;
        error.hidden = false;
      });
  };
  /** Show what Python found by meaning (the `find` trait and the found points). */
  const showFound = () => {
    if (!byMeaning()) return;
    const find: FindState = model.get("find") ?? {};
    if (find.query !== undefined && find.query !== input.value) return; // an older query
    if (find.state === "failed") {
      clear();
      error.textContent = find.error ?? find.message ?? "search by meaning failed";
      error.hidden = false;
      return;
    }
    error.hidden = true;
    if (find.state === "running") {
      count.textContent = find.message ?? "encoding…";
      return;
    }
    if (find.state !== "done") return clear();
    const nearest = uint32s(model.get("_found"));
    state.learnLabels(find.undrawn);
    const distances = float32s(model.get("_found_distances"));
    const marker = find.marker ? ` · marker: ${find.marker.how} (${find.marker.method})` : "";
    count.textContent = `${nearest.length} nearest by meaning (${find.metric ?? "cosine"} distance)${marker}`;
    state.highlight(-1);
    showList(nearest, (j) => h("span", { class: "nbp-item-value" }, h("span", { class: "nbp-distance", text: distances[j]?.toPrecision(3) ?? "" })));
    found = { count: nearest.length, listed: nearest };
    markStale();
  };
  const run = () => {
    clearTimeout(timer);
    const query = input.value;
    const mine = ++seq;
    if (!query.trim()) {
      if (byMeaning()) rpc.request("find", { query: "" }).catch(() => undefined); // drops the marker
      return clear();
    }
    if (byMeaning()) {
      error.hidden = true;
      return runByMeaning(query, mine);
    }
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
        state.learnLabels(result.undrawn);
        showList(listed, () => null);
        found = { count: n, listed };
        markStale();
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
  again.addEventListener("click", run);
  ctx.listen("change:_selection", markStale);
  // Points drawn since: the list is shown again without their "not drawn" marks.
  ctx.listen("change:_drawn", () => found && list.childElementCount && showList(found.listed, (j) => (list.children[j]?.querySelector(".nbp-item-value") as HTMLElement | null) ?? null));
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

  const setMeaning = (on: boolean) => {
    meaning.setAttribute("aria-pressed", String(on));
    meaning.classList.toggle("nbp-on", on);
    column.disabled = regex.disabled = on;
    input.placeholder = on ? "Search by meaning" : "Search";
    clear();
    run();
  };
  meaning.addEventListener("click", () => setMeaning(!byMeaning()));
  const updateEncoder = () => {
    const embedding: string = model.get("embedding");
    const has = ((model.get("encoders") ?? []) as string[]).includes(embedding);
    meaning.disabled = !has;
    meaning.title = has
      ? "Encode the query with the embedding's encoder and list its nearest points"
      : `No encoder for embedding '${embedding}': pass one with Projector(..., encoder=fn)`;
    if (!has && byMeaning()) setMeaning(false);
  };
  ctx.listen("change:encoders", updateEncoder);
  ctx.listen("change:embedding", updateEncoder);
  ctx.listen("change:find", showFound);
  ctx.listen("change:_found", showFound);
  updateEncoder();

  const update = () => {
    const columns: Column[] = model.get("columns") ?? [];
    const names = columns.map((c) => c.name);
    setOptions(column, names.map((n) => ({ value: n, label: n })), names.includes(chosen) ? chosen : model.get("label_by"));
  };
  ctx.listen("change:columns", update);
  ctx.listen("change:label_by", update);
  update();
  return section("Search", h("div", { class: "nbp-row" }, column, regex, meaning), input, count, error, stale, showThese.button, list);
}

