// One view of a Projector: the three areas (data and projections | canvas | inspector), the
// status line, hover and click. Several views of one model work side by side.

import { bytes, decodeColors, decodePositions, uint32s } from "./codecs";
import type { Ctx } from "./context";
import { h } from "./dom";
import { DrawnTraits } from "./drawnTraits";
import { Hover } from "./hover";
import { bindPanelToggle } from "./layoutMemory";
import type { Model } from "./model";
import { write } from "./model";
import { bindPointer } from "./pointer";
import type { FindState, Progress, Projection } from "./protocol";
import type { Rpc } from "./rpc";
import { ChangeMarks } from "./scene/changeMarks";
import { ClusterNameLayer } from "./scene/clusterNames";
import { LabelLayer } from "./scene/labels";
import { HIDDEN, HOVERED, NEIGHBOR, SELECTED } from "./scene/points";
import { QueryMarker } from "./scene/queryMarker";
import { RegionTool } from "./scene/regions";
import { SpriteLayer } from "./scene/sprites";
import { Stage } from "./scene/stage";
import { testHandle } from "./testHandle";
import { applyThemeAttributes, watchHostTheme } from "./theme";
import { editKeys } from "./ui/annotate";
import { bookmarksPanel } from "./ui/bookmarksPanel";
import { clustersPanel, editClusterName } from "./ui/clustersPanel";
import { dataPanel } from "./ui/dataPanel";
import { displayPanel } from "./ui/display";
import { inspector } from "./ui/inspector";
import { InspectState } from "./ui/inspectState";
import { projectionsPanel } from "./ui/projectionsPanel";
import { statusText } from "./ui/statusLine";
import { ViewTools } from "./ui/viewTools";
import { drawViewLabels } from "./viewLabels";

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
  private traits: DrawnTraits;
  private hover: Hover;
  private message: HTMLElement;
  private status: HTMLElement;
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
    this.traits = new DrawnTraits(model);
    const canvasBox = h("div", { class: "nbp-canvas" });
    this.message = h("div", { class: "nbp-message", hidden: true, role: "status" });
    this.status = h("div", { class: "nbp-status" });
    this.inspect = new InspectState(this.ctx);
    this.inspect.drawnLabelOf = (i) => this.traits.labels.get(this.traits.drawn.slotOf(i));
    this.inspect.isDrawn = (i) => this.traits.drawn.isDrawn(i);
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
    const tooltip = h("div", { class: "nbp-tooltip", hidden: true });
    const centre = h("div", { class: "nbp-centre" }, canvasBox, tooltip, this.message, this.contextNotice);
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
    this.hover = new Hover(tooltip, {
      model, rpc, stage: this.stage, inspect: this.inspect, traits: this.traits, root: this.root,
      pointSizePx: () => this.pointSizePx(),
    });
    this.resizeObserver = new ResizeObserver(() => {
      this.applyTheme(); // attached to the page only now, perhaps: read the host's colours
      // After layout, before paint: the frame drawn here is in this paint.
      this.stage.resize(true);
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
      onSelect: (slots, op) => this.inspect.select(this.traits.drawn.pointsOf(slots), op),
    });
    toggleLeft.after(this.regions.toolbar);
    this.tools = new ViewTools(this.ctx, { stage: this.stage, labels: this.labelLayer, clusterNames: this.clusterNames, drawLabels: () => this.drawLabels() });
    reset.before(...this.tools.elements);
    this.stopThemeWatch = watchHostTheme(() => this.applyTheme());
    this.changeMarks = new ChangeMarks(this.stage.points, canvasBox, (i) => this.traits.drawn.slotOf(i));
    this.stage.add(this.changeMarks.object);
    this.inspect.onChange(() => {
      if (this.inspect.compared !== this.changeMarks.sets) this.changeMarks.show(this.inspect.compared, this.isHidden);
      this.applySelection();
      if (!this.inspect.pending) this.stage.resumeFrames();
      // For tests and bench/: whose neighbour list is shown ("-1": none).
      this.root.dataset.neighborsOf = String(this.inspect.neighbors?.focus ?? -1);
    });
    bindPointer(this.stage.canvas, {
      stage: this.stage,
      regions: this.regions,
      inspect: this.inspect,
      pickPoint: (x, y) => this.pickPoint(x, y),
      hover: (i) => this.hover.set(i),
    });

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
    for (const trait of ["n_points", "n_dims", "projection", "progress", "_selection", "_visible", "_drawn",
      "isolated_count"]) {
      this.listen(`change:${trait}`, () => this.updateStatus());
    }
    this.sprites = new SpriteLayer(this.stage, this.ctx);
    const dots = this.stage.look;
    this.stage.look = () => this.sprites.look() ?? dots();
    this.queryMarker = new QueryMarker(window.devicePixelRatio || 1);
    this.stage.add(this.queryMarker.object);
    this.listen("change:find", () => this.applyQueryMarker());
    this.inspect.thumbnailOf = (i, px) => this.sprites.thumbnail(i, px);
    (this.root as any).__nbp = testHandle({
      stage: this.stage, rpc, inspect: this.inspect, traits: this.traits, hover: this.hover,
      queryMarker: this.queryMarker, changeMarks: this.changeMarks, regions: this.regions,
      labelLayer: this.labelLayer, clusterNames: this.clusterNames, sprites: this.sprites,
      isHidden: this.isHidden,
    });

    this.applyHeight();
    this.applyTheme();
    this.applyDims();
    this.applyPositions(false);
    this.applyColors();
    this.applyLabels();
    this.applySelection();
    this.applySizes();
    // No resize here: the resize observer's first notice, once the view is laid out, sizes
    // the canvas and draws the first frame in that same paint.
    this.stage.setCameraState(model.get("camera"));
    this.stage.prepare();
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
    this.hover.refresh();
    this.stage.requestFrame();
  }

  private applySelection(): void {
    const points = this.stage.points;
    const drawn = this.traits.drawn;
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
    for (const s of [drawn.slotOf(this.hover.point), highlighted]) if (s >= 0) points.setFlag([s], HOVERED, true);
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
    this.status.textContent = statusText(this.model, this.traits.drawn.points.length);
    const progress = (this.model.get("progress") ?? {}) as Progress;
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
    this.hover.place(); // follows its point as the camera moves; the labels then avoid it
    this.drawLabels();
  }

  /** The first display carries positions and colours only (they reach the screen sooner);
   * once a frame is drawn, ask Python for the labels (a second view, or a reload, finds them
   * in the state already). Until they arrive, hover asks for the point's row. */
  private askForLabels(): void {
    if (this.traits.labels.count > 0) return;
    this.rpc.request("labels", {}).catch((err: Error) => this.ctx.notify(err.message, "error"));
  }

  private drawLabels(): void {
    drawViewLabels({
      model: this.model, stage: this.stage, inspect: this.inspect, traits: this.traits,
      hover: this.hover, changeMarks: this.changeMarks, labelLayer: this.labelLayer,
      clusterNames: this.clusterNames, root: this.root, isHidden: this.isHidden,
      pointSizePx: () => this.pointSizePx(),
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

  /** The point (index) drawn under the canvas pixel (x, y), or -1. */
  private pickPoint(x: number, y: number): number {
    return this.traits.drawn.pointOf(this.stage.pick(x, y, this.pickRadius(), this.isHidden));
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
