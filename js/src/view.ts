// One view of a Projector: the three areas (data and projections | canvas | inspector), the
// status line, hover and click. Several views of one model work side by side.

import { bytes, decodeColors, decodePositions, Labels, uint32s } from "./codecs";
import { DrawnPoints } from "./drawnPoints";
import type { Model } from "./model";
import { write } from "./model";
import type { ClusteringState, FindState, Progress, Projection } from "./protocol";
import type { Rpc } from "./rpc";
import { ChangeMarks, MARK_PX } from "./scene/changeMarks";
import { ClusterNameLayer } from "./scene/clusterNames";
import { type Box, LabelLayer } from "./scene/labels";
import { HIDDEN, HOVERED, NEIGHBOR, SELECTED } from "./scene/points";
import { QueryMarker } from "./scene/queryMarker";
import { RegionTool } from "./scene/regions";
import { SpriteLayer } from "./scene/sprites";
import { Stage } from "./scene/stage";
import { applyThemeAttributes, watchHostTheme } from "./theme";
import type { Ctx } from "./context";
import { bookmarksPanel } from "./ui/bookmarksPanel";
import { clustersPanel, editClusterName } from "./ui/clustersPanel";
import { dataPanel } from "./ui/dataPanel";
import { displayPanel } from "./ui/display";
import { h } from "./dom";
import { InspectState } from "./ui/inspectState";
import { opOf } from "./selection";
import { editKeys } from "./ui/annotate";
import { inspector } from "./ui/inspector";
import { bindPanelToggle } from "./layoutMemory";
import { progressLine } from "./ui/progressLine";
import { projectionsPanel } from "./ui/projectionsPanel";
import { ViewTools } from "./ui/viewTools";

const CLICK_SLOP_PX = 4;
/** How long a click's frame may wait for the neighbour list (Python answers 100k x 768 in
 * ~15 ms; 1M x 768 in ~140 ms). */
const NEIGHBOR_WAIT_MS = 150;
const METHOD_NAMES: Record<string, string> = { pca: "PCA", tsne: "t-SNE", umap: "UMAP", custom: "Custom" };
const FALLBACK_COLOR: [number, number, number] = [74, 127, 209];
/** An error says what went wrong with the state shown: once that changes, the error goes.
 * (Python's errors come after their own trait changes on the same channel.) The metadata
 * table's edits and the cluster names are state too: "nothing to undo" goes once an edit is made. */
const STATE_EVENTS = [
  "change:projection", "change:_selection", "change:_visible", "change:embedding",
  "change:edits", "change:clustering",
];

export class ProjectorView {
  private root: HTMLElement;
  private stage: Stage;
  private labelsRaw: [unknown, unknown] = [undefined, undefined];
  private labelsDecoded = new Labels(new Uint8Array(0), new Uint32Array(0));
  private tooltip: HTMLElement;
  private message: HTMLElement;
  private status: HTMLElement;
  /** The point hovered in the canvas (a point index; the scene's flags take its slot). */
  private hovered = -1;
  private drawnRaw: unknown = undefined;
  private drawnPoints = new DrawnPoints(new Uint32Array(0));
  private listeners: [string, () => void][] = [];
  private resizeObserver: ResizeObserver;
  private ctx: Ctx;
  private layoutVersion = 0;
  private inspect: InspectState;
  private queryMarker!: QueryMarker;
  private changeMarks: ChangeMarks;
  private regions: RegionTool;
  private labelLayer: LabelLayer;
  private clusterNames: ClusterNameLayer;
  private tools: ViewTools;
  private stopThemeWatch: () => void;
  private background = "";
  private sprites: SpriteLayer;
  private contextNotice: HTMLElement;
  /** The notice's Redraw button: rebuild the view (index.ts mounts a new one here). */
  onRedraw: () => void = () => this.stage.requestFrame();
  /** Where the hover tooltip is, relative to the canvas (null: hidden). */
  private tooltipBox: Box | null = null;
  /** The listeners that clear the error shown once it is stale. */
  private staleWatch: [string, () => void][] = [];

  constructor(
    private model: Model,
    private el: HTMLElement,
    private rpc: Rpc,
  ) {
    this.ctx = {
      model,
      rpc,
      notify: (text, kind = "info", staleOn = STATE_EVENTS) => this.notify(text, kind, staleOn),
      listen: (event, callback) => this.listen(event, callback),
    };
    const canvasBox = h("div", { class: "nbp-canvas" });
    this.tooltip = h("div", { class: "nbp-tooltip", hidden: true });
    this.message = h("div", { class: "nbp-message", hidden: true, role: "status" });
    this.status = h("div", { class: "nbp-status" });
    this.inspect = new InspectState(this.ctx);
    this.inspect.drawnLabelOf = (i) => this.labels.get(this.drawn.slotOf(i));
    this.inspect.isDrawn = (i) => this.drawn.isDrawn(i);
    const left = h("div", { class: "nbp-left nbp-panel" }, dataPanel(this.ctx), displayPanel(this.ctx), projectionsPanel(this.ctx), clustersPanel(this.ctx), bookmarksPanel(this.ctx));
    const right = h("div", { class: "nbp-right nbp-panel" }, inspector(this.ctx, this.inspect));
    const reset = h("button", { class: "nbp-reset", title: "Fit the whole layout in view", text: "Reset view" });
    const toggleLeft = h("button", { class: "nbp-toggle-left", title: "Show or hide the data and projections panel", text: "Panels" });
    const toggleRight = h("button", { class: "nbp-toggle-right", title: "Show or hide the inspector", text: "Inspector" });
    // The toolbar spans the widget (one row above the panels and the canvas).
    const toolbar = h("div", { class: "nbp-toolbar" }, toggleLeft, h("span", { class: "nbp-spacer" }), reset, toggleRight);
    const redraw = h("button", { class: "nbp-redraw", text: "Redraw" });
    redraw.addEventListener("click", () => this.onRedraw());
    this.contextNotice = h("div", { class: "nbp-context-lost", role: "alert", hidden: true },
      h("span", { text: "This view lost its WebGL context (the browser keeps only a few alive, or the GPU was reset), so nothing is drawn. " }), redraw);
    const centre = h("div", { class: "nbp-centre" }, canvasBox, this.tooltip, this.message, this.contextNotice);
    this.root = h("div", { class: "nbprojector" }, toolbar, h("div", { class: "nbp-body" }, left, centre, right), this.status);
    el.append(this.root);
    // Focusable, so a click anywhere in the widget gives it the keys (undo / redo).
    this.root.tabIndex = -1;
    this.root.addEventListener("keydown", editKeys(this.ctx));
    reset.addEventListener("click", () => {
      this.stage.resetView();
      write(model, "camera", this.stage.getCameraState());
    });
    bindPanelToggle(toggleLeft, left, "left");
    bindPanelToggle(toggleRight, right, "right");
    this.message.addEventListener("click", () => (this.message.hidden = true));

    this.stage = new Stage(canvasBox);
    this.stage.onFrame = () => this.afterFrame();
    this.stage.onCameraChange = () => write(model, "camera", this.stage.getCameraState());
    this.stage.onContextLost = () => (this.contextNotice.hidden = false);
    this.stage.onContextRestored = () => (this.contextNotice.hidden = true);
    this.resizeObserver = new ResizeObserver(() => {
      this.stage.resize();
      this.applyTheme(); // attached to the page only now, perhaps: read the host's colours
    });
    this.resizeObserver.observe(canvasBox);
    this.labelLayer = new LabelLayer(canvasBox);
    this.clusterNames = new ClusterNameLayer(canvasBox);
    // A double-click on a cluster's name edits it in place.
    this.stage.canvas.addEventListener("dblclick", (e) => {
      const name = this.clusterNames.at(e.offsetX, e.offsetY);
      if (name) editClusterName(this.ctx, canvasBox, name);
    });
    this.regions = new RegionTool(this.stage, canvasBox, {
      isHidden: this.isHidden,
      pickRadius: () => this.pickRadius(),
      onSelect: (slots, op) => this.inspect.select(this.drawn.pointsOf(slots), op),
    });
    toggleLeft.after(this.regions.toolbar);
    this.tools = new ViewTools(this.ctx, { stage: this.stage, labels: this.labelLayer, clusterNames: this.clusterNames, drawLabels: () => this.drawLabels() });
    reset.before(...this.tools.elements);
    this.stopThemeWatch = watchHostTheme(() => this.applyTheme());
    this.changeMarks = new ChangeMarks(this.stage.points, canvasBox, (i) => this.drawn.slotOf(i));
    this.stage.add(this.changeMarks.object);
    this.inspect.onChange(() => {
      if (this.inspect.compared !== this.changeMarks.sets) this.changeMarks.show(this.inspect.compared, this.isHidden);
      this.applySelection();
      if (!this.inspect.pending) this.stage.resumeFrames();
      // For tests and bench/: whose neighbour list is shown ("-1": none).
      this.root.dataset.neighborsOf = String(this.inspect.neighbors?.focus ?? -1);
    });
    this.bindPointer(this.stage.canvas);

    this.listen("change:height", () => this.applyHeight());
    this.listen("change:theme", () => this.applyTheme());
    this.listen("change:_positions", () => this.applyPositions(true));
    this.listen("change:projection", () => this.applyDims());
    this.listen("change:_colors", () => this.applyColors());
    this.listen("change:_palette", () => this.applyColors());
    this.listen("change:_labels", () => this.applyLabels());
    this.listen("change:_drawn", () => this.applySelection());
    this.listen("change:_selection", () => this.applySelection());
    this.listen("change:_visible", () => this.applySelection());
    this.listen("change:point_size", () => this.applySizes());
    this.listen("change:label_size", () => this.stage.requestFrame());
    this.listen("change:all_labels", () => this.stage.requestFrame());
    this.listen("change:clustering", () => this.stage.requestFrame());
    this.listen("change:camera", () => this.stage.setCameraState(model.get("camera")));
    for (const trait of ["n_points", "n_dims", "projection", "progress", "_selection", "_visible", "_drawn"]) {
      this.listen(`change:${trait}`, () => this.updateStatus());
    }
    this.sprites = new SpriteLayer(this.stage, this.ctx);
    const dots = this.stage.look;
    this.stage.look = () => this.sprites.look() ?? dots();
    this.queryMarker = new QueryMarker(window.devicePixelRatio || 1);
    this.stage.add(this.queryMarker.object);
    this.listen("change:find", () => this.applyQueryMarker());
    this.inspect.thumbnailOf = (i, px) => this.sprites.thumbnail(i, px);
    (this.root as any).__nbp = this.testHandle();

    this.applyHeight();
    this.applyTheme();
    this.applyDims();
    this.applyPositions(false);
    this.applyColors();
    this.applyLabels();
    this.applySelection();
    this.applySizes();
    this.stage.resize();
    this.stage.setCameraState(model.get("camera"));
    this.updateStatus();
    this.applyQueryMarker();
  }

  /** The marker of the last search by meaning, where Python placed it in this layout. */
  private applyQueryMarker(): void {
    const find: FindState = this.model.get("find") ?? {};
    const marker = find.state === "done" ? find.marker : undefined;
    this.queryMarker.place(marker ? marker.position : null);
    this.root.dataset.queryMarker = marker ? marker.how : ""; // for tests: drawn, and how placed
    this.stage.requestFrame();
  }

  private listen(event: string, callback: () => void): void {
    this.model.on(event, callback);
    this.listeners.push([event, callback]);
  }

  private notify(text: string, kind: "error" | "info", staleOn: string[] = STATE_EVENTS): void {
    for (const [event, callback] of this.staleWatch) this.model.off(event, callback);
    this.staleWatch = [];
    this.message.textContent = text;
    this.message.dataset.kind = kind;
    this.message.hidden = !text;
    if (!text || kind !== "error") return;
    const clear = () => this.notify("", "info");
    for (const event of staleOn) {
      this.model.on(event, clear);
      this.staleWatch.push([event, clear]);
    }
  }

  private applyHeight(): void {
    this.root.style.height = `${this.model.get("height") ?? 600}px`;
  }

  /** Colours from the `theme` trait and the host's theme (js/src/theme.ts); cheap when
   * nothing changed, as it runs on every host theme event and resize. */
  private applyTheme(): void {
    applyThemeAttributes(this.root, this.model.get("theme") ?? "auto");
    const style = getComputedStyle(this.root);
    const background = style.getPropertyValue("--nbp-canvas-bg").trim() || "#ffffff";
    const key = `${background}|${style.getPropertyValue("--nbp-fg").trim()}`;
    if (key === this.background) return;
    this.background = key;
    this.stage.setBackground(background); // the labels take their colours with this frame
  }

  private applyDims(): void {
    const p = (this.model.get("projection") ?? {}) as Projection;
    const dims = p.dims === 2 ? 2 : 3;
    if (dims !== this.stage.dims) {
      this.stage.setDims(dims);
      // A camera saved for this dimension (a restored bookmark) wins over the default fit.
      this.stage.setCameraState(this.model.get("camera"));
    }
    this.regions?.refresh();
    this.root.dataset.dims = String(dims);
  }

  private applyPositions(animate: boolean): void {
    this.applyDims();
    const positions = decodePositions(this.model.get("_positions"));
    // Frames of a running optimisation arrive several times a second: move quickly.
    const running = (this.model.get("progress") as Progress)?.state === "running";
    this.stage.setPositions(positions, animate, running ? 180 : 700);
    this.layoutVersion++;
    this.applyColors();
    this.applySelection(); // the compared point's marks move with their points there
    this.root.dataset.layout = String(this.layoutVersion);
  }

  private applyColors(): void {
    const points = this.stage.points;
    points.setColors(decodeColors(this.model.get("_colors"), this.model.get("_palette"), points.count), FALLBACK_COLOR);
    this.stage.requestFrame();
  }

  private applyLabels(): void {
    if (this.hovered >= 0) this.showTooltip(this.hovered);
    this.stage.requestFrame();
  }

  private applySelection(): void {
    const points = this.stage.points;
    const drawn = this.drawn;
    const selected = uint32s(this.model.get("_selection"));
    const visible = bytes(this.model.get("_visible"));
    points.clearFlag(SELECTED | HIDDEN | NEIGHBOR | HOVERED);
    points.setFlag(drawn.slotsOf(selected), SELECTED, true);
    // The focus is ringed at once (before its neighbours arrive); neighbours are emphasised
    // without the ring, so the clicked point stands out among them.
    const nb = this.inspect?.neighbors;
    if (nb) {
      const slots = drawn.slotsOf(nb.indices);
      points.setFlag(slots, SELECTED, false);
      points.setFlag(slots, NEIGHBOR, true);
    }
    // A compared point's neighbours in A and B are drawn in full (their marks are over them).
    const compared = this.inspect?.compared;
    if (compared) for (const set of [compared.kept, compared.lost, compared.gained]) points.setFlag(drawn.slotsOf(set), NEIGHBOR, true);
    const focus = drawn.slotOf(this.inspect?.focus ?? -1);
    if (focus >= 0) points.setFlag([focus], SELECTED, true);
    const highlighted = drawn.slotOf(this.inspect?.highlighted ?? -1);
    for (const s of [drawn.slotOf(this.hovered), highlighted]) if (s >= 0) points.setFlag([s], HOVERED, true);
    if (visible.length === points.count) {
      const hidden: number[] = [];
      for (let i = 0; i < visible.length; i++) if (!visible[i]) hidden.push(i);
      points.setFlag(hidden, HIDDEN, true);
    }
    points.commitState(selected.length > 0 || focus >= 0);
    this.changeMarks?.refresh(this.isHidden); // hidden points lose their marks
    this.stage.requestFrame();
  }

  private applySizes(): void {
    this.stage.points.material.uniforms.size.value = this.model.get("point_size") ?? 4;
    this.stage.requestFrame();
  }

  private updateStatus(): void {
    const n = this.model.get("n_points") ?? 0;
    const d = this.model.get("n_dims") ?? 0;
    const p = (this.model.get("projection") ?? {}) as Projection;
    const progress = (this.model.get("progress") ?? {}) as Progress;
    const selected = uint32s(this.model.get("_selection")).length;
    const drawn = this.drawn.points.length;
    const parts = [drawn ? `drawing ${drawn.toLocaleString("en-US")} of ${n.toLocaleString("en-US")} points` : `${n.toLocaleString()} points`, `${d} dimensions`];
    if (p.method) parts.push(`${METHOD_NAMES[p.method] ?? p.method} ${p.dims ?? 3}D`);
    if (typeof p.aligned_to === "string") parts.push(`aligned to ${p.aligned_to}`);
    const fidelity = p.fidelity as { k: number; mean: number; chance: number } | undefined;
    if (fidelity) {
      const pct = (x: number) => `${+(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
      parts.push(`keeps ${pct(fidelity.mean)} of ${fidelity.k}-NN (chance ${pct(fidelity.chance)})`);
    }
    if (selected) parts.push(`${selected.toLocaleString()} selected`);
    const visible = bytes(this.model.get("_visible"));
    if (visible.length) parts.push(`${visible.reduce((a, v) => a + (v ? 1 : 0), 0).toLocaleString()} shown (isolated)`);
    if (progress.state === "running" || progress.state === "paused" || progress.state === "failed") parts.push(progressLine(progress));
    this.status.textContent = parts.join(" · ");
    this.root.dataset.running = String(progress.state === "running");
  }

  private afterFrame(): void {
    const frames = this.stage.frames;
    this.root.dataset.frames = String(frames);
    if (this.stage.points.count > 0 && this.root.dataset.ready !== "1") {
      this.root.dataset.ready = "1";
      this.askForLabels();
    }
    // For tests and bench/: "drawn" once a frame has shown the images (else dots, loading...).
    if (this.root.dataset.images !== this.sprites.state) this.root.dataset.images = this.sprites.state;
    this.placeTooltip(); // follows its point as the camera moves; the labels then avoid it
    this.drawLabels();
  }

  /** The first display carries positions and colours only (they reach the screen sooner);
   * once a frame is drawn, ask Python for the labels (a second view, or a reload, finds them
   * in the state already). Until they arrive, hover asks for the point's row. */
  private askForLabels(): void {
    if (this.labels.count > 0) return;
    this.rpc.request("labels", {}).catch((err: Error) => this.ctx.notify(err.message, "error"));
  }

  private drawLabels(): void {
    const style = getComputedStyle(this.root);
    // The label layer draws slots (the labels of the drawn points, in drawn order).
    const drawn = this.drawn;
    const nb = this.inspect.neighbors;
    const focus = drawn.slotOf(this.inspect.focus);
    const highlighted = drawn.slotOf(this.inspect.highlighted);
    const hovered = drawn.slotOf(this.hovered);
    this.labelLayer.draw({
      screen: () => this.stage.screenPositions(),
      point: (i, out) => this.stage.screenPoint(i, out),
      labels: this.labels,
      isHidden: this.isHidden,
      forced: [focus, highlighted].filter((i) => i >= 0 && i !== hovered),
      avoid: this.tooltipBox ? [this.tooltipBox] : [],
      exclude: hovered,
      groups: [nb ? drawn.slotsOf(nb.indices) : [], drawn.slotsOf(uint32s(this.model.get("_selection")))],
      all: Boolean(this.model.get("all_labels")),
      fontPx: this.model.get("label_size") ?? 12,
      // Labels clear the compared point's marks while they are drawn.
      offsetPx: Math.max(this.pointSizePx() / 2 + 4, this.changeMarks.drawn ? MARK_PX / 2 + 2 : 0),
      color: style.getPropertyValue("--nbp-fg").trim() || "#1f1f1f",
      halo: style.getPropertyValue("--nbp-canvas-bg").trim() || "#ffffff",
    });
    this.clusterNames.draw({
      // Anchored at a drawn slot; a name whose anchor point is not drawn is not drawn.
      names: (((this.model.get("clustering") ?? {}) as ClusteringState).names ?? [])
        .map((c) => ({ ...c, anchor: drawn.slotOf(c.anchor) }))
        .filter((c) => c.anchor >= 0),
      point: (i, out) => this.stage.screenPoint(i, out),
      isHidden: this.isHidden,
      fontPx: Math.max(16, 1.5 * (this.model.get("label_size") ?? 12)),
      color: style.getPropertyValue("--nbp-fg").trim() || "#1f1f1f",
      halo: style.getPropertyValue("--nbp-canvas-bg").trim() || "#ffffff",
    });
  }

  private pointSizePx(): number {
    return this.sprites?.drawnSize() ?? this.model.get("point_size") ?? 4;
  }

  private isHidden = (i: number) => (this.stage.points.flags(i) & HIDDEN) !== 0;

  private pickRadius(): number {
    const image = this.sprites?.drawnSize();
    if (image) return Math.max(6, image / 2);
    return Math.max(6, (this.model.get("point_size") ?? 4) * 1.5);
  }

  private bindPointer(canvas: HTMLCanvasElement): void {
    let down: { x: number; y: number } | null = null;
    canvas.addEventListener("pointerdown", (e) => {
      down = { x: e.offsetX, y: e.offsetY };
      // A plain press on a point in the navigate mode is often a click: ask for its
      // neighbours now (region modes press to drag; modifiers never ask for neighbours).
      const plain = e.button === 0 && opOf(e) === "replace" && this.regions.mode === "navigate";
      this.inspect.press(plain ? this.pickPoint(e.offsetX, e.offsetY) : -1);
    });
    canvas.addEventListener("pointermove", (e) => {
      if (e.buttons) return; // dragging the camera
      this.setHovered(this.pickPoint(e.offsetX, e.offsetY));
    });
    canvas.addEventListener("pointerleave", () => this.setHovered(-1));
    canvas.addEventListener("pointerup", (e) => {
      if (!down) return;
      const moved = Math.hypot(e.offsetX - down.x, e.offsetY - down.y);
      down = null;
      if (moved > CLICK_SLOP_PX || e.button !== 0 || this.regions.dragged) {
        this.inspect.press(-1); // a drag: the press's early request goes unused
        return;
      }
      const i = this.pickPoint(e.offsetX, e.offsetY);
      const op = opOf(e);
      // The view changes once the neighbours are in (within NEIGHBOR_WAIT_MS, else twice).
      if (i >= 0 && op === "replace") this.stage.deferFrames(NEIGHBOR_WAIT_MS);
      this.inspect.clickPoint(i, op);
    });
  }

  /** The point (index) drawn under the canvas pixel (x, y), or -1. */
  private pickPoint(x: number, y: number): number {
    return this.drawn.pointOf(this.stage.pick(x, y, this.pickRadius(), this.isHidden));
  }

  /** The drawn points' labels, by slot; rebuilt lazily, as `drawn` is, so that a list redrawn
   * for a new drawn set (its `_drawn` event may come first) reads labels of the same set. */
  private get labels(): Labels {
    const raw: [unknown, unknown] = [this.model.get("_labels"), this.model.get("_label_offsets")];
    if (raw[0] !== this.labelsRaw[0] || raw[1] !== this.labelsRaw[1]) {
      this.labelsRaw = raw;
      this.labelsDecoded = new Labels(bytes(raw[0] as DataView), uint32s(raw[1] as DataView));
    }
    return this.labelsDecoded;
  }

  /** The drawn points (see drawnPoints.ts), rebuilt when `_drawn` changes: read lazily, as
   * the other per-point traits of the same update may be applied before its own event. */
  private get drawn(): DrawnPoints {
    const raw = this.model.get("_drawn");
    if (raw !== this.drawnRaw) {
      this.drawnRaw = raw;
      this.drawnPoints = new DrawnPoints(uint32s(raw));
    }
    return this.drawnPoints;
  }

  private setHovered(i: number): void {
    if (i !== this.hovered) {
      // Only the two points' flags change: hovering must not cost O(N) per move.
      const points = this.stage.points;
      const was = this.drawn.slotOf(this.hovered);
      const now = this.drawn.slotOf(i);
      if (was >= 0 && this.hovered !== this.inspect.highlighted) points.setFlag([was], HOVERED, false);
      if (now >= 0) points.setFlag([now], HOVERED, true);
      points.commitState(uint32s(this.model.get("_selection")).length > 0 || this.inspect.focus >= 0, [was, now]);
      this.hovered = i;
      this.root.dataset.hovered = String(i);
      this.stage.requestFrame();
    }
    if (i < 0) {
      this.tooltip.hidden = true;
      return;
    }
    this.showTooltip(i);
  }

  private showTooltip(i: number): void {
    const known = this.labels.count > 0;
    this.tooltip.textContent = (known && this.inspect.labelOf(i)) || `#${i}`;
    this.tooltip.hidden = false;
    this.placeTooltip();
    if (!known) this.labelFromRow(i);
  }

  /** Before the labels arrive: the hovered point's label from its metadata row. */
  private labelFromRow(i: number): void {
    const column = String(this.model.get("label_by") ?? "");
    this.rpc
      .request("row", { index: i })
      .then(({ result }) => {
        if (this.hovered !== i || this.labels.count > 0) return; // moved on, or labels came
        const value = result.row[column];
        if (value !== null && value !== undefined && String(value) !== "") {
          this.tooltip.textContent = String(value);
          this.placeTooltip();
        }
      })
      .catch(() => {}); // the tooltip keeps "#i"
  }

  /** The tooltip sits where the hovered point's label would be (beside the point, enlarged by
   * the hover), not at the pointer: the labels drawn with each frame know where it is. */
  private placeTooltip(): void {
    const slot = this.drawn.slotOf(this.hovered);
    const p = slot >= 0 && !this.tooltip.hidden ? this.stage.screenPosition(slot) : null;
    if (!p) {
      this.tooltipBox = null;
      return;
    }
    const canvas = this.stage.canvas;
    const w = this.tooltip.offsetWidth, height = this.tooltip.offsetHeight;
    const offset = this.pointSizePx() + 4; // hovered points are drawn twice as large
    let x = p[0] + offset;
    if (x + w > canvas.clientWidth) x = Math.max(0, p[0] - offset - w);
    const y = Math.max(0, Math.min(p[1] - height / 2, canvas.clientHeight - height));
    const box = canvas.getBoundingClientRect();
    const parent = this.tooltip.parentElement!.getBoundingClientRect();
    this.tooltip.style.left = `${box.left - parent.left + x}px`;
    this.tooltip.style.top = `${box.top - parent.top + y}px`;
    this.tooltipBox = { x, y, w, h: height };
  }

  /** A small handle for tests and debugging: where points are drawn, what is shown. */
  private testHandle() {
    return {
      count: () => this.stage.points.count,
      dims: () => this.stage.dims,
      frames: () => this.stage.frames,
      /** How many times every point's screen position was computed (picking, regions...). */
      screenPasses: () => this.stage.screenPasses,
      /** Ask for one more frame (the bench times frames with it). */
      redraw: () => this.stage.requestFrame(),
      renderer: () => this.stage.rendererInfo(),
      camera: () => this.stage.getCameraState(),
      transitioning: () => this.stage.transitioning,
      hovered: () => this.hovered,
      tooltip: () => (this.tooltip.hidden ? null : this.tooltip.textContent),
      /** How many points have a label on this page (0 until the labels arrive). */
      labelCount: () => this.labels.count,
      /** The tooltip's box [x, y, w, h] in canvas CSS px (as labelsPlaced), or null. */
      tooltipBox: () => (this.tooltipBox && !this.tooltip.hidden ? [this.tooltipBox.x, this.tooltipBox.y, this.tooltipBox.w, this.tooltipBox.h] : null),
      /** Point i's position on the page (client px), or null when off screen or not drawn. */
      clientPosition: (i: number) => {
        const slot = this.drawn.slotOf(i);
        const p = slot >= 0 ? this.stage.screenPosition(slot) : null;
        if (!p) return null;
        const box = this.stage.canvas.getBoundingClientRect();
        return [box.left + p[0], box.top + p[1]];
      },
      positions: () => Array.from(this.stage.points.target),
      /** The query marker's position on the page (client px), or null when not drawn. */
      queryMarker: () => {
        if (!this.queryMarker.visible) return null;
        const p = this.stage.screenOf(this.queryMarker.object.geometry.getAttribute("position").array);
        const box = this.stage.canvas.getBoundingClientRect();
        return [box.left + p[0], box.top + p[1]];
      },
      /** Send any request, well formed or not, and report Python's reply (protocol tests). */
      request: (kind: string, payload: unknown) =>
        this.rpc.requestUnchecked(kind, payload).then(
          (r) => ({ ok: true, result: r.result }),
          (e: Error) => ({ ok: false, error: e.message }),
        ),
      /** Every point's [x, y] on the page (client px), NaN when off screen: one call. */
      clientPositions: () => {
        const s = this.stage.screenPositions();
        const box = this.stage.canvas.getBoundingClientRect();
        const out: number[] = [];
        for (let i = 0; i < s.length / 3; i++) {
          const on = isFinite(s[3 * i + 2]);
          out.push(on ? box.left + s[3 * i] : NaN, on ? box.top + s[3 * i + 1] : NaN);
        }
        return out;
      },
      focus: () => this.inspect.focus,
      /** The compared point's neighbours marked in the view, by kind, or null. */
      changeMarks: () => this.changeMarks.drawn,
      /** The points drawn (point indices, ascending), or null when every point is. */
      drawn: () => (this.drawn.sampled ? Array.from(this.drawn.points) : null),
      neighbors: () => (this.inspect.neighbors ? Array.from(this.inspect.neighbors.indices) : null),
      highlighted: () => this.inspect.highlighted,
      hidden: () => {
        let n = 0;
        for (let i = 0; i < this.stage.points.count; i++) n += this.isHidden(i) ? 1 : 0;
        return n;
      },
      mode: () => this.regions.mode,
      lastRegion: () => this.regions.last,
      /** The labels drawn by the last frame: [index, x, y, w, h] in canvas CSS px. */
      labelsPlaced: () => this.labelLayer.placed.map((p) => [p.i, p.x, p.y, p.w, p.h]),
      /** The cluster names drawn by the last frame: {id, name, x, y, w, h} in canvas CSS px. */
      clusterNames: () => this.clusterNames.placed.map((p) => ({ ...p })),
      /** Images: {state: "drawn" | "dots" | "loading" | ..., atlases, maxTextureSize, ...}. */
      images: () => this.sprites.info(),
      /** Pretend this page's textures are at most `limit` px (null: the GPU's own limit). */
      setTextureLimit: (limit: number | null) => this.sprites.setLimitOverride(limit),
    };
  }

  dispose(): void {
    for (const [event, callback] of [...this.listeners, ...this.staleWatch]) this.model.off(event, callback);
    this.listeners = [];
    this.staleWatch = [];
    this.resizeObserver.disconnect();
    this.regions.dispose();
    this.tools.dispose();
    this.stopThemeWatch();
    this.labelLayer.dispose();
    this.clusterNames.dispose();
    this.changeMarks.dispose();
    this.sprites.dispose();
    this.stage.dispose();
    this.root.remove();
  }
}
