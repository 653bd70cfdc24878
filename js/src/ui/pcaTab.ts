// PCA: choose any two or three of the top components as x / y / z; variance explained.
// The three menus always hold three different components: picking one another axis uses
// swaps the two, and Z is remembered in 2D for the way back to 3D.

import type { Projection } from "../protocol";
import type { Ctx } from "../context";
import { field, h, setOptions } from "../dom";
import type { Tab } from "./tab";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function pcaTab(ctx: Ctx): Tab {
  const { model, rpc } = ctx;
  const axes = ["x", "y", "z"].map((axis) => h("select", { class: `nbp-pca-${axis}`, "aria-label": `PCA ${axis}` }));
  const dim2 = h("button", { class: "nbp-dims", "data-dims": "2", text: "2D" });
  const dim3 = h("button", { class: "nbp-dims", "data-dims": "3", text: "3D" });
  const total = h("div", { class: "nbp-variance" });
  const [xField, yField, zField] = ["X", "Y", "Z"].map((name, i) => field(name, axes[i]));
  for (const f of [xField, yField, zField]) f.classList.add("nbp-axis-field");
  let dims = 3;
  let last: Projection = {};
  /** The components of x, y and z, all different (z is kept while 2D is shown). */
  let chosen = [1, 2, 3];

  const request = (components: number[]) => {
    rpc
      .request("project", { method: "pca", params: { components } })
      .catch((err: Error) => ctx.notify(err.message, "error"));
  };
  const showChosen = () => axes.forEach((select, i) => (select.value = String(chosen[i])));
  axes.forEach((select, i) => {
    select.addEventListener("change", () => {
      const value = Number(select.value);
      const other = chosen.findIndex((c, j) => j !== i && c === value);
      if (other >= 0) chosen[other] = chosen[i]; // a component used elsewhere: swap the two
      chosen[i] = value;
      showChosen();
      request(chosen.slice(0, dims));
    });
  });
  for (const [button, d] of [[dim2, 2], [dim3, 3]] as const) {
    button.addEventListener("click", () => {
      dims = d;
      request(chosen.slice(0, d));
    });
  }

  const update = () => {
    const p = (model.get("projection") ?? {}) as Projection;
    const variance = p.method === "pca" ? (p.variance ?? []) : (last.variance ?? []);
    if (p.method === "pca") last = p;
    const options = variance.map((v, i) => ({ value: String(i + 1), label: `Component #${i + 1} (${pct(v)})` }));
    const components: number[] = last.params?.components ?? [1, 2, 3];
    chosen = [0, 1, 2].map((i) => components[i] ?? chosen[i]);
    if (new Set(chosen).size < 3) {
      // The z kept from before is now x or y: the first component neither uses.
      chosen[2] = [1, 2, 3, 4].find((k) => k !== chosen[0] && k !== chosen[1]) ?? 3;
    }
    axes.forEach((select, i) => setOptions(select, options, String(chosen[i])));
    dims = last.dims ?? 3;
    zField.hidden = dims === 2;
    dim2.classList.toggle("nbp-on", dims === 2);
    dim3.classList.toggle("nbp-on", dims === 3);
    dim3.disabled = variance.length < 3;
    const shown = last.variance_shown ?? 0;
    const all = variance.reduce((a, b) => a + b, 0);
    total.textContent = `Variance shown: ${pct(shown)} (top ${variance.length} components: ${pct(all)})`;
  };
  ctx.listen("change:projection", update);
  update();

  const body = h(
    "div",
    { class: "nbp-tab-body" },
    h("div", { class: "nbp-row" }, dim2, dim3),
    xField,
    yField,
    zField,
    total,
  );
  const onOpen = () => {
    if ((model.get("projection") as Projection)?.method !== "pca") {
      request(chosen.slice(0, dims));
    }
  };
  return { method: "pca", title: "PCA", body, onOpen };
}
