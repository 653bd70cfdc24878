// The pointer over the canvas: hover, and a click on a point (selection, neighbours). A press
// asks for the point's neighbours at once, so a click's frame can show them.

import type { RegionTool } from "./scene/regions";
import type { Stage } from "./scene/stage";
import { opOf } from "./selection";
import type { InspectState } from "./ui/inspectState";

const CLICK_SLOP_PX = 4;
/** How long a click's frame may wait for the neighbour list (Python answers 100k x 768 in
 * ~15 ms; 1M x 768 in ~140 ms). */
const NEIGHBOR_WAIT_MS = 150;

export interface PointerDeps {
  stage: Stage;
  regions: RegionTool;
  inspect: InspectState;
  /** The point (index) drawn under the canvas pixel (x, y), or -1. */
  pickPoint: (x: number, y: number) => number;
  /** The pointer is over point i (-1: over none). */
  hover: (i: number) => void;
}

export function bindPointer(canvas: HTMLCanvasElement, deps: PointerDeps): void {
  const { stage, regions, inspect, pickPoint, hover } = deps;
  let down: { x: number; y: number } | null = null;
  canvas.addEventListener("pointerdown", (e) => {
    down = { x: e.offsetX, y: e.offsetY };
    // A plain press on a point in the navigate mode is often a click: ask for its
    // neighbours now (region modes press to drag; modifiers never ask for neighbours).
    const plain = e.button === 0 && opOf(e) === "replace" && regions.mode === "navigate";
    inspect.press(plain ? pickPoint(e.offsetX, e.offsetY) : -1);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (e.buttons) return; // dragging the camera
    hover(pickPoint(e.offsetX, e.offsetY));
  });
  canvas.addEventListener("pointerleave", () => hover(-1));
  canvas.addEventListener("pointerup", (e) => {
    if (!down) return;
    const moved = Math.hypot(e.offsetX - down.x, e.offsetY - down.y);
    down = null;
    if (moved > CLICK_SLOP_PX || e.button !== 0 || regions.dragged) {
      inspect.press(-1); // a drag: the press's early request goes unused
      return;
    }
    const i = pickPoint(e.offsetX, e.offsetY);
    const op = opOf(e);
    // The view changes once the neighbours are in (within NEIGHBOR_WAIT_MS, else twice).
    if (i >= 0 && op === "replace") stage.deferFrames(NEIGHBOR_WAIT_MS);
    inspect.clickPoint(i, op);
  });
}
