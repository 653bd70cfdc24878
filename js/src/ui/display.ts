// Points and labels: point size, label size, all labels; and the data panel's
// spherize toggle, which says what it changes.

import { write } from "../model";
import type { Ctx } from "../context";
import { field, h, section } from "../dom";

function slider(ctx: Ctx, trait: string, cls: string, min: number, max: number, step: number, label: string): HTMLElement {
  const input = h("input", { type: "range", class: cls, min, max, step, "aria-label": label });
  const value = h("span", { class: "nbp-slider-value" });
  const update = () => {
    const v = Number(ctx.model.get(trait));
    input.value = String(v);
    value.textContent = `${+v.toFixed(1)} px`;
  };
  input.addEventListener("input", () => write(ctx.model, trait, Number(input.value)));
  ctx.listen(`change:${trait}`, update);
  update();
  const box = field(label, input);
  box.append(value);
  return box;
}

export function checkbox(ctx: Ctx, trait: string, cls: string, label: string, title: string): HTMLElement {
  const input = h("input", { type: "checkbox", class: cls });
  input.addEventListener("change", () => write(ctx.model, trait, input.checked));
  const update = () => (input.checked = Boolean(ctx.model.get(trait)));
  ctx.listen(`change:${trait}`, update);
  update();
  return h("label", { class: "nbp-check", title }, input, h("span", { text: label }));
}

export function displayPanel(ctx: Ctx): HTMLElement {
  return section(
    "Points and labels",
    slider(ctx, "point_size", "nbp-point-size", 0.5, 32, 0.5, "Points"),
    slider(ctx, "label_size", "nbp-label-size", 6, 48, 1, "Labels"),
    checkbox(ctx, "all_labels", "nbp-all-labels", "Label all points", "Label every point shown where its label overlaps no other, front-most first"),
    imageControls(ctx),
  );
}

/** Images or dots, and the images' size; shown only when the points have images. */
function imageControls(ctx: Ctx): HTMLElement {
  const box = h(
    "div",
    { class: "nbp-image-controls" },
    checkbox(ctx, "show_images", "nbp-show-images", "Show images", "Draw each point as its own image instead of a dot"),
    slider(ctx, "image_size", "nbp-image-size", 4, 128, 1, "Images"),
  );
  const update = () => (box.hidden = !((ctx.model.get("image_manifest") ?? {}).count > 0));
  ctx.listen("change:image_manifest", update);
  update();
  return box;
}

export function spherizeToggle(ctx: Ctx): HTMLElement {
  return checkbox(
    ctx,
    "spherize",
    "nbp-spherize",
    "Spherize",
    "Centre the vectors on their mean and scale each to unit norm before computing neighbour distances. The neighbour list always says which space its distances are in.",
  );
}
