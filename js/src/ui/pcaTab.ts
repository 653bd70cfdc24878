// PCA: choose any two or three of the top components as x / y / z; variance explained.

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
  const zField = field("Z", axes[2]);
  let dims = 3;
  let last: Projection = {};

  const request = (components: number[]) => {
    rpc
      .request("project", { method: "pca", params: { components } })
      .catch((err: Error) => ctx.notify(err.message, "error"));
  };
  const chosen = () => axes.slice(0, dims).map((s) => Number(s.value));
  for (const select of axes) select.addEventListener("change", () => request(chosen()));
  for (const [button, d] of [[dim2, 2], [dim3, 3]] as const) {
    button.addEventListener("click", () => {
      dims = d;
      const c = chosen();
      if (d === 3 && c.length === 3 && new Set(c).size < 3) c[2] = [1, 2, 3, 4].find((k) => !c.includes(k)) ?? 3;
      request(c);
    });
  }

  const update = () => {
    const p = (model.get("projection") ?? {}) as Projection;
    const variance = p.method === "pca" ? (p.variance ?? []) : (last.variance ?? []);
    if (p.method === "pca") last = p;
    const options = variance.map((v, i) => ({ value: String(i + 1), label: `Component #${i + 1} (${pct(v)})` }));
    const components: number[] = last.params?.components ?? [1, 2, 3];
    axes.forEach((select, i) => setOptions(select, options, String(components[i] ?? i + 1)));
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
    field("X", axes[0]),
    field("Y", axes[1]),
    zField,
    total,
  );
  const onOpen = () => {
    if ((model.get("projection") as Projection)?.method !== "pca") {
      request(last.params?.components ?? [1, 2, 3]);
    }
  };
  return { method: "pca", title: "PCA", body, onOpen };
}
