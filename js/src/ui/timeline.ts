// The embeddings timeline (data panel, with two or more embeddings): a slider over the
// embeddings in order, a play button that steps through them, and the toggle that keeps the
// map still from one to the next (Python aligns each new layout to the one shown before).
// Each step only writes the `embedding` trait; the stage animates the move.

import { write } from "../model";
import type { Ctx } from "../context";
import { h } from "../dom";
import { checkbox } from "./display";

export function timeline(ctx: Ctx): HTMLElement {
  const { model } = ctx;
  const slider = h("input", { type: "range", class: "nbp-timeline", min: 0, max: 1, step: 1, value: 0, "aria-label": "Embedding timeline" });
  const name = h("span", { class: "nbp-timeline-name" });
  const play = h("button", { class: "nbp-timeline-play", title: "Show the embeddings one after another, in order", text: "Play" });
  const interval = h("input", { class: "nbp-timeline-interval", type: "number", min: 0.5, max: 60, step: 0.5, value: 2, title: "Seconds per embedding", "aria-label": "Seconds per embedding" });
  let timer: ReturnType<typeof setInterval> | undefined;

  const names = (): string[] => model.get("embeddings") ?? [];
  const show = (index: number) => {
    const all = names();
    if (index >= 0 && index < all.length && all[index] !== model.get("embedding")) write(model, "embedding", all[index]);
  };
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
    play.textContent = "Play";
    play.classList.remove("nbp-on");
  };
  const step = () => {
    const next = names().indexOf(model.get("embedding")) + 1;
    if (next >= names().length) return stop();
    show(next);
    if (next === names().length - 1) stop();
  };

  slider.addEventListener("input", () => {
    stop();
    show(Number(slider.value));
  });
  play.addEventListener("click", () => {
    if (timer !== undefined) return stop();
    const seconds = Math.min(60, Math.max(0.5, Number(interval.value) || 2));
    play.textContent = "Stop";
    play.classList.add("nbp-on");
    // From the start when the last one is shown, else onwards from the one shown.
    if (names().indexOf(model.get("embedding")) >= names().length - 1) show(0);
    else step();
    if (timer === undefined && play.classList.contains("nbp-on")) timer = setInterval(step, seconds * 1000);
  });

  const box = h(
    "div",
    { class: "nbp-timeline-box" },
    h("div", { class: "nbp-row nbp-timeline-row" }, slider, name),
    h("div", { class: "nbp-row nbp-playback" }, play, interval, h("span", { class: "nbp-note", text: "s" })),
    checkbox(ctx, "align_embeddings", "nbp-align", "Align layouts", "Keep the map still from one embedding to the next: PCA and custom layouts are rotated, mirrored and scaled onto the one shown before; t-SNE and UMAP start from it. Off: each embedding's own layout."),
  );
  const update = () => {
    const all = names();
    const index = Math.max(0, all.indexOf(model.get("embedding")));
    box.hidden = all.length < 2;
    slider.max = String(Math.max(1, all.length - 1));
    slider.value = String(index);
    name.textContent = all[index] ?? "";
    if (all.length < 2) stop();
  };
  ctx.listen("change:embeddings", update);
  ctx.listen("change:embedding", update);
  update();
  return box;
}
