// The toolbar's theme menu and PNG button, and the page's half of
// `p.save_png`: Python sends {command: "snapshot", token, scale}; the view draws one frame at
// scale x the screen's pixel ratio (points and labels, exactly as shown) and answers with a
// "snapshot" request that carries the PNG as a binary buffer.

import { write } from "../model";
import { COMMANDS, type Command, type SnapshotCommand, type SnapshotPayload } from "../protocol";
import type { ClusterNameLayer } from "../scene/clusterNames";
import type { LabelLayer } from "../scene/labels";
import type { Stage } from "../scene/stage";
import type { Ctx } from "../context";
import { h } from "../dom";

/** What a snapshot needs from a view. */
export interface Drawable {
  stage: Stage;
  labels: LabelLayer;
  clusterNames: ClusterNameLayer;
  /** Draw the labels and cluster names now (at their `ratioOverride` when set). */
  drawLabels(): void;
}

/** The toolbar button's scale: twice the screen's resolution. */
const BUTTON_SCALE = 2;
/** A snapshot waits this long at most for a running transition to end. */
const STILL_WAIT_MS = 3000;

/** The canvas as shown (WebGL points, then the labels and cluster names drawn over them),
 * at `scale` x the screen's pixel ratio. */
export function snapshotCanvas(view: Drawable, scale: number): HTMLCanvasElement {
  const out = document.createElement("canvas");
  const g = out.getContext("2d")!;
  const ratio = scale * (window.devicePixelRatio || 1);
  const used = view.stage.renderAt(ratio, (canvas) => {
    out.width = canvas.width;
    out.height = canvas.height;
    g.drawImage(canvas, 0, 0);
  });
  const layers = [view.labels, view.clusterNames];
  for (const layer of layers) layer.ratioOverride = used;
  try {
    view.drawLabels();
    for (const layer of layers) g.drawImage(layer.canvas, 0, 0, out.width, out.height);
  } finally {
    for (const layer of layers) layer.ratioOverride = null;
    view.drawLabels();
  }
  return out;
}

export function pngBytes(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => {
      if (!blob) return reject(new Error("the browser could not encode the PNG"));
      blob.arrayBuffer().then((b) => resolve(new Uint8Array(b)), reject);
    }, "image/png"),
  );
}

/** Resolves once no layout transition is running (or after STILL_WAIT_MS). */
function still(stage: Stage): Promise<void> {
  const start = performance.now();
  return new Promise((resolve) => {
    const check = () => {
      if (!stage.transitioning || performance.now() - start > STILL_WAIT_MS) resolve();
      else requestAnimationFrame(check);
    };
    check();
  });
}

export function download(data: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  const a = h("a", { href: url, download: name });
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function themeSelect(ctx: Ctx): HTMLSelectElement {
  const select = h("select", { class: "nbp-theme", "aria-label": "Theme", title: "Colours: follow the notebook's theme, or always light or dark" });
  for (const [value, text] of [["auto", "Auto theme"], ["light", "Light"], ["dark", "Dark"]]) {
    select.append(h("option", { value, text }));
  }
  select.addEventListener("change", () => write(ctx.model, "theme", select.value));
  const update = () => (select.value = ctx.model.get("theme") ?? "auto");
  ctx.listen("change:theme", update);
  update();
  return select;
}

/** A message Python sent unasked (replies to requests carry an id instead). */
function isCommand(msg: unknown): msg is Command {
  const name = (msg as { command?: unknown } | null)?.command;
  return typeof name === "string" && (COMMANDS as readonly string[]).includes(name);
}

export class ViewTools {
  /** Toolbar controls, in order. */
  readonly elements: HTMLElement[];
  private onMessage = (msg: unknown) => {
    if (isCommand(msg) && msg.command === "snapshot") void this.answer(msg);
  };

  constructor(
    private ctx: Ctx,
    private view: Drawable,
  ) {
    const png = h("button", { class: "nbp-snapshot", title: `Download a PNG of the view (${BUTTON_SCALE}x the screen's resolution)`, text: "PNG" });
    png.addEventListener("click", () => {
      pngBytes(snapshotCanvas(view, BUTTON_SCALE))
        .then((data) => download(data, "nbprojector.png", "image/png"))
        .catch((err: Error) => ctx.notify(`PNG snapshot: ${err.message}`, "error"));
    });
    this.elements = [themeSelect(ctx), png];
    ctx.model.on("msg:custom", this.onMessage);
  }

  /** Python's `save_png`: every view of the model answers; Python keeps the first answer. */
  private async answer(msg: SnapshotCommand): Promise<void> {
    const token = String(msg.token ?? "");
    const scale = Math.min(16, Math.max(0.1, Number(msg.scale) || 1));
    let payload: SnapshotPayload;
    let buffers: Uint8Array[] = [];
    try {
      await still(this.view.stage);
      const canvas = snapshotCanvas(this.view, scale);
      buffers = [await pngBytes(canvas)];
      payload = { token, width: canvas.width, height: canvas.height };
    } catch (err) {
      payload = { token, error: (err as Error).message };
    }
    // Python always answers; a second view's answer is acknowledged and dropped there.
    await this.ctx.rpc.request("snapshot", payload, buffers).catch(() => undefined);
  }

  dispose(): void {
    this.ctx.model.off("msg:custom", this.onMessage);
  }
}
