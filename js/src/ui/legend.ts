// The colour legend: values with counts for categories, a gradient bar for numbers.

import type { Legend } from "../protocol";
import { h } from "../dom";

function swatchRow(color: string, text: string, count: number): HTMLElement {
  return h(
    "div",
    { class: "nbp-legend-row" },
    h("span", { class: "nbp-swatch", style: `background:${color}` }),
    h("span", { class: "nbp-legend-value", text }),
    h("span", { class: "nbp-legend-count", text: count.toLocaleString() }),
  );
}

function format(x: number): string {
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-2 && x !== 0) ? x.toExponential(2) : String(+x.toFixed(3));
}

export function renderLegend(container: HTMLElement, legend: Legend): void {
  const rows: HTMLElement[] = [];
  if (legend.kind === "categorical") {
    for (const e of legend.entries ?? []) rows.push(swatchRow(e.color, String(e.value), e.count));
    if (legend.other) {
      // More values than one-byte colours: the rest share one grey, and the legend says so.
      const n = legend.other.values.toLocaleString();
      rows.push(swatchRow(legend.other.color, `+${n} more, in grey`, legend.other.count));
    }
  } else if (legend.kind === "numeric") {
    // Python samples the stops from the same colour map that coloured the points.
    const stops = (legend.stops ?? []).join(", ");
    rows.push(
      h("div", { class: "nbp-gradient", title: legend.colormap ?? "", style: `background:linear-gradient(to right, ${stops})` }),
      h(
        "div",
        { class: "nbp-gradient-labels" },
        h("span", { text: format(legend.min ?? 0) }),
        h("span", { text: format(legend.max ?? 1) }),
      ),
    );
  }
  if (legend.missing) rows.push(swatchRow(legend.missing.color, "(missing)", legend.missing.count));
  // Computed scores say what they measure (text, never HTML).
  if (legend.caption) rows.push(h("div", { class: "nbp-legend-caption", text: legend.caption }));
  container.replaceChildren(...rows);
}
