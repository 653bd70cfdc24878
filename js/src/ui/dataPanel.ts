// The data panel: which embedding, label by, colour by, and the legend.

import type { Column, Legend } from "../protocol";
import { write } from "../model";
import type { Ctx } from "../context";
import { field, h, section, setOptions } from "../dom";
import { spherizeToggle } from "./display";
import { renderLegend } from "./legend";
import { timeline } from "./timeline";
import { compareControl } from "./compare";
import { kInput } from "./kInput";

/** The ``color_by`` value for colouring by layout fidelity (Python's COLOR_BY_FIDELITY). */
const COLOR_BY_FIDELITY = ":layout fidelity";
/** The ``color_by`` value for the last comparison's neighbour change (COLOR_BY_CHANGE). */
const COLOR_BY_CHANGE = ":neighbour change";

export function dataPanel(ctx: Ctx): HTMLElement {
  const { model } = ctx;
  const embedding = h("select", { class: "nbp-embedding", "aria-label": "Embedding" });
  const labelBy = h("select", { class: "nbp-label-by", "aria-label": "Label by" });
  const colorBy = h("select", { class: "nbp-color-by", "aria-label": "Colour by" });
  const colormap = h("select", { class: "nbp-colormap", "aria-label": "Colour map", title: "Colour map of numeric columns and computed scores" });
  const legend = h("div", { class: "nbp-legend" });
  const embeddingField = field("Embedding", embedding);
  // Layout fidelity compares each point's k nearest: k beside the menu while it is chosen.
  const fidelityK = kInput(ctx, "fidelity_k", 15, "Neighbours compared by layout fidelity (k)");
  const colorField = h("div", { class: "nbp-field nbp-color-field" }, h("span", { text: "Colour by" }), colorBy, fidelityK);

  embedding.addEventListener("change", () => write(model, "embedding", embedding.value));
  labelBy.addEventListener("change", () => write(model, "label_by", labelBy.value));
  colorBy.addEventListener("change", () => write(model, "color_by", colorBy.value));
  colormap.addEventListener("change", () => write(model, "colormap", colormap.value));
  const colormapField = field("Colour map", colormap);

  const update = () => {
    const names: string[] = model.get("embeddings") ?? [];
    setOptions(embedding, names.map((n) => ({ value: n, label: n })), model.get("embedding"));
    embeddingField.hidden = names.length < 2;
    const columns: Column[] = model.get("columns") ?? [];
    const described = (c: Column) =>
      c.kind === "numeric" ? "numeric" : c.kind === "text" ? `text, over ${(c.unique - 1).toLocaleString("en-US")} values` : `${c.unique} values`;
    const options = columns.map((c) => ({ value: c.name, label: `${c.name} (${described(c)})` }));
    setOptions(labelBy, options, model.get("label_by"));
    const computed = [{ value: COLOR_BY_FIDELITY, label: "layout fidelity (computed)" }];
    if ((model.get("comparison") ?? {}).state === "done") {
      computed.push({ value: COLOR_BY_CHANGE, label: "neighbour change (computed)" });
    }
    // Text left on disk has too many values to colour by: it labels and is searched only.
    const colourable = options.filter((_o, i) => columns[i].kind !== "text");
    setOptions(colorBy, [{ value: "", label: "(none)" }, ...colourable, ...computed], model.get("color_by"));
    fidelityK.hidden = colorBy.value !== COLOR_BY_FIDELITY;
    const shown = (model.get("legend") ?? { kind: "none" }) as Legend;
    renderLegend(legend, shown);
    // The map's menu matters only while a map colours the points.
    const current = String(model.get("colormap") ?? "");
    const maps: string[] = model.get("colormaps") ?? [];
    const offered = maps.includes(current) || !current ? maps : [...maps, current];
    setOptions(colormap, offered.map((n) => ({ value: n, label: n })), current);
    colormapField.hidden = shown.kind !== "numeric";
  };
  for (const trait of ["embeddings", "embedding", "columns", "label_by", "color_by", "legend", "comparison", "colormap", "colormaps"]) {
    ctx.listen(`change:${trait}`, update);
  }
  update();
  return section("Data", embeddingField, timeline(ctx), field("Label by", labelBy), colorField, colormapField, spherizeToggle(ctx), legend, compareControl(ctx));
}
