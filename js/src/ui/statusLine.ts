// The status line under the view: how many points and dimensions, the projection and how well
// it keeps neighbours, the selection, isolation and a running job's progress.

import { uint32s } from "../codecs";
import type { Model } from "../model";
import type { IsolatedCount, Progress, Projection } from "../protocol";
import { progressLine } from "./progressLine";

const METHOD_NAMES: Record<string, string> = { pca: "PCA", tsne: "t-SNE", umap: "UMAP", custom: "Custom" };

/** The status line's text; `drawn` is how many points are drawn (0: every point is). */
export function statusText(model: Model, drawn: number): string {
  const n = model.get("n_points") ?? 0;
  const d = model.get("n_dims") ?? 0;
  const p = (model.get("projection") ?? {}) as Projection;
  const progress = (model.get("progress") ?? {}) as Progress;
  const selected = uint32s(model.get("_selection")).length;
  const parts = [drawn ? `drawing ${drawn.toLocaleString("en-US")} of ${n.toLocaleString("en-US")} points` : `${n.toLocaleString()} points`, `${d} dimensions`];
  if (p.method) parts.push(`${METHOD_NAMES[p.method] ?? p.method} ${p.dims ?? 3}D`);
  if (typeof p.aligned_to === "string") parts.push(`aligned to ${p.aligned_to}`);
  const fidelity = p.fidelity as { k: number; mean: number; chance: number } | undefined;
  if (fidelity) {
    const pct = (x: number) => `${+(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
    parts.push(`keeps ${pct(fidelity.mean)} of ${fidelity.k}-NN (chance ${pct(fidelity.chance)})`);
  }
  if (selected) parts.push(`${selected.toLocaleString()} selected`);
  // Isolation as Python has it: drawn points hidden until the layout places them are not.
  const isolated = (model.get("isolated_count") ?? null) as IsolatedCount;
  if (isolated !== null) parts.push(`${isolated.toLocaleString()} shown (isolated)`);
  if (progress.state === "running" || progress.state === "paused" || progress.state === "failed") parts.push(progressLine(progress));
  return parts.join(" · ");
}
