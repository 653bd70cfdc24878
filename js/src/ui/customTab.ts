// Custom axes: x from Left to Right, y from Down to Up, each a search over one column.
// Each field shows how many points it matches among ALL points (the axes come from all of
// them, also while a subset is isolated); the run waits until every used field matches.

import type { Column } from "../protocol";
import type { Ctx } from "../context";
import { field, h, setOptions } from "../dom";
import { plural } from "./progressLine";
import type { Tab } from "./tab";
import { runControls } from "./runControls";

const FIELDS = ["left", "right", "down", "up"] as const;
const TITLES = { left: "Left", right: "Right", down: "Down", up: "Up" };

export function customTab(ctx: Ctx): Tab {
  const { model, rpc } = ctx;
  const column = h("select", { class: "nbp-custom-column", "aria-label": "Search column" });
  const regex = h("input", { class: "nbp-custom-regex", type: "checkbox" });
  const inputs = Object.fromEntries(
    FIELDS.map((f) => [f, h("input", { class: `nbp-custom-${f}`, type: "text", placeholder: f === "left" || f === "right" ? "required" : "optional" })]),
  ) as Record<(typeof FIELDS)[number], HTMLInputElement>;
  const counts = Object.fromEntries(FIELDS.map((f) => [f, h("span", { class: `nbp-count nbp-count-${f}` })])) as Record<
    (typeof FIELDS)[number],
    HTMLElement
  >;
  const controls = runControls(ctx, "custom", () => ({
    column: column.value,
    regex: regex.checked,
    ...Object.fromEntries(FIELDS.map((f) => [f, inputs[f].value.trim() || null])),
  }));
  let generation = 0;

  const recount = async () => {
    const mine = ++generation;
    const problems: string[] = [];
    for (const f of FIELDS) {
      const query = inputs[f].value.trim();
      const el = counts[f];
      if (!query) {
        el.textContent = "";
        el.dataset.count = "";
        if (f === "left" || f === "right") problems.push(`${TITLES[f]} is empty`);
        continue;
      }
      try {
        const { result } = await rpc.request("count", { column: column.value, query, regex: regex.checked });
        if (mine !== generation) return;
        const of = plural(result.of, "point");
        el.textContent = result.count ? `${result.count.toLocaleString()} of ${of}` : `no match among ${of}`;
        el.dataset.count = String(result.count);
        if (!result.count) problems.push(`${TITLES[f]} matches nothing`);
      } catch (err) {
        if (mine !== generation) return;
        el.textContent = (err as Error).message;
        el.dataset.count = "error";
        problems.push((err as Error).message);
      }
    }
    const yHalf = Boolean(inputs.down.value.trim()) !== Boolean(inputs.up.value.trim());
    if (yHalf) problems.push("give both Down and Up, or neither");
    controls.setRunnable(problems.length === 0, problems.join("; "));
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(recount, 200);
  };
  for (const f of FIELDS) inputs[f].addEventListener("input", soon);
  regex.addEventListener("change", soon);
  column.addEventListener("change", soon);

  const update = () => {
    const columns: Column[] = model.get("columns") ?? [];
    // Every column, text left on disk too: Python searches it a block at a time.
    setOptions(column, columns.map((c) => ({ value: c.name, label: c.name })), column.value || model.get("label_by"));
  };
  ctx.listen("change:columns", update);
  update();
  controls.setRunnable(false, "Left is empty");

  const row = (f: (typeof FIELDS)[number]) => h("div", { class: "nbp-custom-field" }, field(TITLES[f], inputs[f]), counts[f]);
  const body = h(
    "div",
    { class: "nbp-tab-body" },
    field("Column", column),
    h("label", { class: "nbp-check" }, regex, h("span", { text: "Regular expressions" })),
    ...FIELDS.map(row),
    controls.element,
  );
  return { method: "custom", title: "Custom", body };
}
