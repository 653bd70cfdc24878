// A small handle for tests and debugging, on the view's root element as `__nbp`: where points
// are drawn and what is shown, read without going through pixels.

import type { DrawnTraits } from "./drawnTraits";
import type { Hover } from "./hover";
import type { Rpc } from "./rpc";
import type { ChangeMarks } from "./scene/changeMarks";
import { MOTION_SAMPLE } from "./scene/motionSample";
import type { ClusterNameLayer } from "./scene/clusterNames";
import type { LabelLayer } from "./scene/labels";
import type { QueryMarker } from "./scene/queryMarker";
import type { RegionTool } from "./scene/regions";
import type { SpriteLayer } from "./scene/sprites";
import type { Stage } from "./scene/stage";
import type { InspectState } from "./ui/inspectState";

/** What the handle reads: the view's parts. */
export interface ViewParts {
  stage: Stage;
  rpc: Rpc;
  inspect: InspectState;
  traits: DrawnTraits;
  hover: Hover;
  queryMarker: QueryMarker;
  changeMarks: ChangeMarks;
  regions: RegionTool;
  labelLayer: LabelLayer;
  clusterNames: ClusterNameLayer;
  sprites: SpriteLayer;
  isHidden: (slot: number) => boolean;
}

export function testHandle(v: ViewParts) {
  const { stage, inspect, traits, hover } = v;
  return {
    count: () => stage.points.count,
    dims: () => stage.dims,
    frames: () => stage.frames,
    /** How many times every point's screen position was computed (picking, regions...). */
    screenPasses: () => stage.screenPasses,
    /** How many points the last frame drew: all of them, or the sample while the camera moves. */
    drawnLastFrame: () => stage.drawnLastFrame,
    /** The user is moving the camera (frames may draw the motion sample until it rests). */
    cameraMoving: () => stage.cameraMoving,
    /** Point counts above `budget` are drawn by a sample while the camera moves (null: the
     * renderer's own choice). How many times the flags were scanned for emphasised points. */
    setMotionBudget: (budget: number | null) => {
      stage.motion.budget = budget ?? (stage.rendererInfo().software ? MOTION_SAMPLE : Infinity);
    },
    motionScans: () => stage.motion.scans,
    /** Ask for one more frame (the bench times frames with it). */
    redraw: () => stage.requestFrame(),
    renderer: () => stage.rendererInfo(),
    camera: () => stage.getCameraState(),
    transitioning: () => stage.transitioning,
    hovered: () => hover.point,
    tooltip: () => hover.text,
    /** How many points have a label on this page (0 until the labels arrive). */
    labelCount: () => traits.labels.count,
    /** The tooltip's box [x, y, w, h] in canvas CSS px (as labelsPlaced), or null. */
    tooltipBox: () => (hover.box && !hover.tooltip.hidden ? [hover.box.x, hover.box.y, hover.box.w, hover.box.h] : null),
    /** Point i's position on the page (client px), or null when off screen or not drawn. */
    clientPosition: (i: number) => {
      const slot = traits.drawn.slotOf(i);
      const p = slot >= 0 ? stage.screenPosition(slot) : null;
      if (!p) return null;
      const box = stage.canvas.getBoundingClientRect();
      return [box.left + p[0], box.top + p[1]];
    },
    positions: () => Array.from(stage.points.target),
    /** The query marker's position on the page (client px), or null when not drawn. */
    queryMarker: () => {
      if (!v.queryMarker.visible) return null;
      const p = stage.screenOf(v.queryMarker.object.geometry.getAttribute("position").array);
      const box = stage.canvas.getBoundingClientRect();
      return [box.left + p[0], box.top + p[1]];
    },
    /** Send any request, well formed or not, and report Python's reply (protocol tests). */
    request: (kind: string, payload: unknown) =>
      v.rpc.requestUnchecked(kind, payload).then(
        (r) => ({ ok: true, result: r.result }),
        (e: Error) => ({ ok: false, error: e.message }),
      ),
    /** Every point's [x, y] on the page (client px), NaN when off screen: one call. */
    clientPositions: () => {
      const s = stage.screenPositions();
      const box = stage.canvas.getBoundingClientRect();
      const out: number[] = [];
      for (let i = 0; i < s.length / 3; i++) {
        const on = isFinite(s[3 * i + 2]);
        out.push(on ? box.left + s[3 * i] : NaN, on ? box.top + s[3 * i + 1] : NaN);
      }
      return out;
    },
    focus: () => inspect.focus,
    /** The compared point's neighbours marked in the view, by kind, or null. */
    changeMarks: () => v.changeMarks.drawn,
    /** The points drawn (point indices, ascending), or null when every point is. */
    drawn: () => (traits.drawn.sampled ? Array.from(traits.drawn.points) : null),
    neighbors: () => (inspect.neighbors ? Array.from(inspect.neighbors.indices) : null),
    highlighted: () => inspect.highlighted,
    hidden: () => {
      let n = 0;
      for (let i = 0; i < stage.points.count; i++) n += v.isHidden(i) ? 1 : 0;
      return n;
    },
    mode: () => v.regions.mode,
    lastRegion: () => v.regions.last,
    /** The labels drawn by the last frame: [index, x, y, w, h] in canvas CSS px. */
    labelsPlaced: () => v.labelLayer.placed.map((p) => [p.i, p.x, p.y, p.w, p.h]),
    /** The cluster names drawn by the last frame: {id, name, x, y, w, h} in canvas CSS px. */
    clusterNames: () => v.clusterNames.placed.map((p) => ({ ...p })),
    /** Images: {state: "drawn" | "dots" | "loading" | ..., atlases, maxTextureSize, ...}. */
    images: () => v.sprites.info(),
    /** Pretend this page's textures are at most `limit` px (null: the GPU's own limit). */
    setTextureLimit: (limit: number | null) => v.sprites.setLimitOverride(limit),
  };
}
