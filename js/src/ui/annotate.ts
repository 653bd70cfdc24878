// "Label selection as": give the selected points a value in a metadata column (a new one, or
// one of the editable ones Python lists in `edits`), and undo / redo of the table's edits
// (buttons, and Ctrl-Z / Ctrl-Shift-Z while the widget has the focus). Python edits the
// table and sends the new colours, legend and labels back; nothing is changed here first.

import { uint32s } from "../codecs";
import type { Ctx } from "../context";
import { h, section } from "../dom";
import type { EditsTrait, Legend } from "../protocol";

const NO_EDITS: EditsTrait = { undo: 0, redo: 0, next_undo: "", next_redo: "", editable: [] };

function edits(ctx: Ctx): EditsTrait {
  return ctx.model.get("edits") ?? NO_EDITS;
}

function undoRedo(ctx: Ctx, action: "undo" | "redo"): void {
  const available = action === "undo" ? edits(ctx).undo : edits(ctx).redo;
  if (!available) return;
  ctx.rpc.request("edit", { action }).catch((err: Error) => ctx.notify(err.message, "error"));
}

/** Ctrl-Z (Cmd-Z) undoes, Ctrl-Shift-Z and Ctrl-Y redo; keys typed in a text box stay its own. */
export function editKeys(ctx: Ctx): (e: KeyboardEvent) => void {
  return (e) => {
    const target = e.target as HTMLElement | null;
    if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable)) return;
    const key = e.key.toLowerCase();
    const action = key === "z" ? (e.shiftKey ? "redo" : "undo") : key === "y" ? "redo" : null;
    if (!action) return;
    e.preventDefault();
    e.stopPropagation(); // the notebook's own undo would act on cells
    undoRedo(ctx, action);
  };
}

export function annotatePanel(ctx: Ctx): HTMLElement {
  const { model, rpc } = ctx;
  const column = h("input", { class: "nbp-annotate-column", list: "", placeholder: "column (new or editable)", "aria-label": "Label column" });
  const value = h("input", { class: "nbp-annotate-value", list: "", placeholder: "value", "aria-label": "Label value" });
  // A datalist per view (ids are page-wide): the editable columns, and the values of the
  // column coloured by when it is the one chosen.
  const uid = Math.random().toString(36).slice(2);
  const columns = h("datalist", { id: `nbp-annotate-columns-${uid}` });
  const values = h("datalist", { id: `nbp-annotate-values-${uid}` });
  column.setAttribute("list", columns.id);
  value.setAttribute("list", values.id);
  const apply = h("button", { class: "nbp-annotate-apply" });
  const undo = h("button", { class: "nbp-undo", text: "Undo" });
  const redo = h("button", { class: "nbp-redo", text: "Redo" });

  const label = () => {
    const name = column.value.trim();
    if (!name) return ctx.notify("Name a column to label the selection in", "error");
    apply.disabled = true;
    rpc
      .request("annotate", { column: name, value: value.value === "" ? null : value.value })
      .then(({ result }) => ctx.notify(`Labelled ${result.count.toLocaleString()} points: ${name} = ${value.value || "(missing)"}`))
      .catch((err: Error) => ctx.notify(err.message, "error"))
      .finally(update);
  };
  apply.addEventListener("click", label);
  value.addEventListener("keydown", (e) => e.key === "Enter" && label());
  undo.addEventListener("click", () => undoRedo(ctx, "undo"));
  redo.addEventListener("click", () => undoRedo(ctx, "redo"));

  const updateValues = () => {
    const legend: Legend = model.get("legend") ?? { kind: "none" };
    const known = legend.column === column.value.trim() ? (legend.entries ?? []).map((e) => String(e.value)) : [];
    values.replaceChildren(...known.map((v) => h("option", { value: v })));
  };
  const update = () => {
    const state = edits(ctx);
    const selected = uint32s(model.get("_selection")).length;
    apply.textContent = `Label ${selected.toLocaleString()} ${selected === 1 ? "point" : "points"}`;
    apply.disabled = selected === 0;
    columns.replaceChildren(...state.editable.map((c) => h("option", { value: c })));
    undo.disabled = state.undo === 0;
    redo.disabled = state.redo === 0;
    undo.title = state.undo ? `Undo ${state.next_undo} (Ctrl-Z)` : "Nothing to undo";
    redo.title = state.redo ? `Redo ${state.next_redo} (Ctrl-Shift-Z)` : "Nothing to redo";
    updateValues();
  };
  column.addEventListener("input", updateValues);
  ctx.listen("change:_selection", update);
  ctx.listen("change:edits", update);
  ctx.listen("change:legend", updateValues);
  update();
  return section(
    "Label selection as",
    h("div", { class: "nbp-row" }, column, columns),
    h("div", { class: "nbp-row" }, value, values, apply),
    h("div", { class: "nbp-row" }, undo, redo),
  );
}
