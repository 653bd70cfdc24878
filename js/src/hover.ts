// The point under the pointer: its flag in the scene and its tooltip. The tooltip sits where
// the point's label would be and moves with it; before the labels arrive it shows the label
// from the point's metadata row.

import { uint32s } from "./codecs";
import type { DrawnTraits } from "./drawnTraits";
import type { Model } from "./model";
import type { Rpc } from "./rpc";
import type { Box } from "./scene/labels";
import { HOVERED } from "./scene/points";
import type { Stage } from "./scene/stage";
import type { InspectState } from "./ui/inspectState";

export interface HoverDeps {
  model: Model;
  rpc: Rpc;
  stage: Stage;
  inspect: InspectState;
  traits: DrawnTraits;
  /** The view's root element (tests read `data-hovered` there). */
  root: HTMLElement;
  /** How large a point is drawn, CSS px. */
  pointSizePx: () => number;
}

export class Hover {
  /** The point hovered in the canvas (a point index; the scene's flags take its slot). */
  point = -1;
  /** Where the tooltip is, relative to the canvas (null: hidden). */
  box: Box | null = null;

  /** `tooltip`: an element over the canvas, hidden at first. */
  constructor(
    readonly tooltip: HTMLElement,
    private deps: HoverDeps,
  ) {}

  /** The tooltip's text, or null when it is hidden. */
  get text(): string | null {
    return this.tooltip.hidden ? null : this.tooltip.textContent;
  }

  set(i: number): void {
    const { stage, traits, inspect, model, root } = this.deps;
    if (i !== this.point) {
      // Only the two points' flags change: hovering must not cost O(N) per move.
      const points = stage.points;
      const was = traits.drawn.slotOf(this.point);
      const now = traits.drawn.slotOf(i);
      if (was >= 0 && this.point !== inspect.highlighted) points.setFlag([was], HOVERED, false);
      if (now >= 0) points.setFlag([now], HOVERED, true);
      points.commitState(uint32s(model.get("_selection")).length > 0 || inspect.focus >= 0, [was, now]);
      this.point = i;
      root.dataset.hovered = String(i);
      stage.requestFrame();
    }
    if (i < 0) {
      this.tooltip.hidden = true;
      return;
    }
    this.show(i);
  }

  /** The labels changed: the tooltip reads its point's new one. */
  refresh(): void {
    if (this.point >= 0) this.show(this.point);
  }

  private show(i: number): void {
    const known = this.deps.traits.labels.count > 0;
    this.tooltip.textContent = (known && this.deps.inspect.labelOf(i)) || `#${i}`;
    this.tooltip.hidden = false;
    this.place();
    if (!known) this.labelFromRow(i);
  }

  /** Before the labels arrive: the hovered point's label from its metadata row. */
  private labelFromRow(i: number): void {
    const column = String(this.deps.model.get("label_by") ?? "");
    this.deps.rpc
      .request("row", { index: i })
      .then(({ result }) => {
        if (this.point !== i || this.deps.traits.labels.count > 0) return; // moved on, or labels came
        const value = result.row[column];
        if (value !== null && value !== undefined && String(value) !== "") {
          this.tooltip.textContent = String(value);
          this.place();
        }
      })
      .catch(() => {}); // the tooltip keeps "#i"
  }

  /** The tooltip sits where the hovered point's label would be (beside the point, enlarged by
   * the hover), not at the pointer: the labels drawn with each frame know where it is. */
  place(): void {
    const { stage, traits } = this.deps;
    const slot = traits.drawn.slotOf(this.point);
    const p = slot >= 0 && !this.tooltip.hidden ? stage.screenPosition(slot) : null;
    if (!p) {
      this.box = null;
      return;
    }
    const canvas = stage.canvas;
    const w = this.tooltip.offsetWidth, height = this.tooltip.offsetHeight;
    const offset = this.deps.pointSizePx() + 4; // hovered points are drawn twice as large
    let x = p[0] + offset;
    if (x + w > canvas.clientWidth) x = Math.max(0, p[0] - offset - w);
    const y = Math.max(0, Math.min(p[1] - height / 2, canvas.clientHeight - height));
    const box = canvas.getBoundingClientRect();
    const parent = this.tooltip.parentElement!.getBoundingClientRect();
    this.tooltip.style.left = `${box.left - parent.left + x}px`;
    this.tooltip.style.top = `${box.top - parent.top + y}px`;
    this.box = { x, y, w, h: height };
  }
}
