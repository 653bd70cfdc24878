// Which labels and cluster names each frame draws, and how: the focus and the highlighted
// point always, the neighbours and the selection first, clear of the tooltip and of the
// compared point's marks, in the theme's colours. The layers in scene/ place them.

import { uint32s } from "./codecs";
import type { DrawnTraits } from "./drawnTraits";
import type { Hover } from "./hover";
import type { Model } from "./model";
import type { ClusteringState } from "./protocol";
import { type ChangeMarks, MARK_PX } from "./scene/changeMarks";
import type { ClusterNameLayer } from "./scene/clusterNames";
import type { LabelLayer } from "./scene/labels";
import type { Stage } from "./scene/stage";
import type { InspectState } from "./ui/inspectState";

export interface ViewLabelsDeps {
  model: Model;
  stage: Stage;
  inspect: InspectState;
  traits: DrawnTraits;
  hover: Hover;
  changeMarks: ChangeMarks;
  labelLayer: LabelLayer;
  clusterNames: ClusterNameLayer;
  /** Where the theme's colours are read (CSS custom properties). */
  root: HTMLElement;
  isHidden: (slot: number) => boolean;
  /** How large a point is drawn, CSS px. */
  pointSizePx: () => number;
}

/** Draw the labels and the cluster names over the frame just drawn. */
export function drawViewLabels(deps: ViewLabelsDeps): void {
  const { model, stage, inspect, traits, hover, isHidden } = deps;
  const style = getComputedStyle(deps.root);
  const color = style.getPropertyValue("--nbp-fg").trim() || "#1f1f1f";
  const halo = style.getPropertyValue("--nbp-canvas-bg").trim() || "#ffffff";
  // The label layer draws slots (the labels of the drawn points, in drawn order).
  const drawn = traits.drawn;
  const nb = inspect.neighbors;
  const focus = drawn.slotOf(inspect.focus);
  const highlighted = drawn.slotOf(inspect.highlighted);
  const hovered = drawn.slotOf(hover.point);
  deps.labelLayer.draw({
    screen: () => stage.screenPositions(),
    point: (i, out) => stage.screenPoint(i, out),
    labels: traits.labels,
    isHidden,
    forced: [focus, highlighted].filter((i) => i >= 0 && i !== hovered),
    avoid: hover.box ? [hover.box] : [],
    exclude: hovered,
    groups: [nb ? drawn.slotsOf(nb.indices) : [], drawn.slotsOf(uint32s(model.get("_selection")))],
    all: Boolean(model.get("all_labels")),
    fontPx: model.get("label_size") ?? 12,
    // Labels clear the compared point's marks while they are drawn.
    offsetPx: Math.max(deps.pointSizePx() / 2 + 4, deps.changeMarks.drawn ? MARK_PX / 2 + 2 : 0),
    color,
    halo,
  });
  deps.clusterNames.draw({
    // Anchored at a drawn slot; a name whose anchor point is not drawn is not drawn.
    names: (((model.get("clustering") ?? {}) as ClusteringState).names ?? [])
      .map((c) => ({ ...c, anchor: drawn.slotOf(c.anchor) }))
      .filter((c) => c.anchor >= 0),
    point: (i, out) => stage.screenPoint(i, out),
    isHidden,
    fontPx: Math.max(16, 1.5 * (model.get("label_size") ?? 12)),
    color,
    halo,
  });
}
