// Points drawn as their images. Python sends PNG atlases (`_atlases`, one binary
// buffer each) and a manifest saying where image i is (`image_manifest`); this decodes them
// (createImageBitmap, off the main thread where the browser can), uploads one texture per
// atlas, and draws the point cloud's own geometry once more with one material per atlas
// (a geometry group per atlas: image i is in atlas floor(i / per_atlas)).
//
// The browser's WebGL MAX_TEXTURE_SIZE is read here; atlases larger than it are never
// uploaded (three.js would shrink them silently): the page asks Python to rebuild them at
// its size (the `atlas` request) and draws dots, saying so, until they arrive.

import * as THREE from "three";
import { bytes, uint32s } from "../codecs";
import type { Ctx } from "../context";
import type { Stage } from "./stage";
import { spriteFragmentShader, spriteVertexShader } from "./spriteShader";

/** What makes an error about the images stale: new images, or dots asked for. */
const IMAGE_EVENTS = ["change:image_manifest", "change:show_images"];

/** The `image_manifest` trait (see sprites.Atlases.to_manifest and images.py). */
export interface ImageManifest {
  format: string;
  cell: [number, number];
  columns: number;
  rows_per_atlas: number;
  per_atlas: number;
  count: number;
  atlases: number;
  sizes: [number, number][];
  max_texture_size: number;
  thumbnail?: [number, number];
  downscaled?: boolean;
}

export type SpriteState = "none" | "loading" | "rebuilding" | "drawn" | "dots" | "error";

interface Loaded {
  manifest: ImageManifest;
  bitmaps: ImageBitmap[];
}

export class SpriteLayer {
  private object: THREE.Points | null = null;
  private materials: THREE.ShaderMaterial[] = [];
  private textures: THREE.Texture[] = [];
  private loaded: Loaded | null = null;
  private version = 0;
  private scheduled = false;
  private requested = new Set<string>();
  private waiting: ((loaded: Loaded) => void)[] = [];
  private imageSize = { value: 28 };
  state: SpriteState = "none";
  /** Lower than the GPU's limit, to exercise the rebuild request in tests (null: the GPU's). */
  limitOverride: number | null = null;

  constructor(
    private stage: Stage,
    private ctx: Ctx,
  ) {
    ctx.listen("change:_atlases", () => this.schedule());
    ctx.listen("change:image_manifest", () => this.schedule());
    ctx.listen("change:show_images", () => this.refresh());
    ctx.listen("change:image_size", () => this.applySize());
    ctx.listen("change:_positions", () => this.refresh());
    ctx.listen("change:_drawn", () => this.refresh());
    this.applySize();
    this.schedule();
  }

  /** The texture side this page can use. */
  get maxTextureSize(): number {
    const gpu = this.stage.renderer.capabilities.maxTextureSize;
    return this.limitOverride ? Math.min(gpu, this.limitOverride) : gpu;
  }

  /** Images drawn now (not dots). */
  get drawing(): boolean {
    return this.state === "drawn";
  }

  /** The drawn size of an image in CSS px while images are shown, else null. */
  drawnSize(): number | null {
    return this.drawing ? this.imageSize.value : null;
  }

  /** How the images are drawn (for picking), or null while dots are. */
  look(): { size: number; images: true; aspect: number } | null {
    const cell = this.loaded?.manifest.cell;
    if (!this.drawing || !cell) return null;
    return { size: this.imageSize.value, images: true, aspect: cell[0] / Math.max(1, cell[1]) };
  }

  /** For tests: what is shown, and from how many atlases of which limit. */
  info() {
    const m = this.loaded?.manifest;
    return {
      state: this.state,
      atlases: this.textures.length,
      maxTextureSize: this.maxTextureSize,
      built: m?.max_texture_size ?? null,
      cell: m?.cell ?? null,
      version: this.version,
    };
  }

  /** Decode once both traits of one update have arrived (they come in one message). */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.load();
    });
  }

  private manifest(): ImageManifest | null {
    const m = this.ctx.model.get("image_manifest") as ImageManifest | undefined;
    return m && m.count > 0 && Array.isArray(m.sizes) ? m : null;
  }

  private load(): void {
    const version = ++this.version;
    const m = this.manifest();
    const buffers = (this.ctx.model.get("_atlases") ?? []) as DataView[];
    if (!m) {
      this.waiting = [];
      this.replace(null, "none");
      return;
    }
    if (buffers.length !== m.atlases) return; // the other half of the update is on its way
    const limit = this.maxTextureSize;
    if (m.sizes.some(([w, h]) => w > limit || h > limit)) {
      this.askForSmaller(m, limit);
      return;
    }
    this.state = "loading";
    Promise.all(
      buffers.map((b) =>
        createImageBitmap(new Blob([bytes(b) as BlobPart], { type: "image/png" }), {
          premultiplyAlpha: "none",
          colorSpaceConversion: "none",
        }),
      ),
    ).then(
      (bitmaps) => {
        if (version !== this.version) {
          for (const b of bitmaps) b.close();
          return;
        }
        this.replace({ manifest: m, bitmaps }, "dots");
      },
      (err: Error) => {
        if (version === this.version) {
          this.replace(null, "error");
          this.ctx.notify(`Images could not be decoded: ${err.message}`, "error", IMAGE_EVENTS);
        }
      },
    );
  }

  /** Atlases larger than this browser's textures: ask Python for smaller ones. */
  private askForSmaller(m: ImageManifest, limit: number): void {
    this.replace(null, "rebuilding");
    const key = `${m.max_texture_size}>${limit}`;
    if (this.requested.has(key)) return;
    this.requested.add(key);
    this.ctx.notify(`Images: rebuilding the atlases for this browser's ${limit} px texture limit…`, "info");
    this.ctx.rpc
      .request("atlas", { max_texture_size: limit })
      .then(({ result }) => {
        if (result.max_texture_size > limit) {
          throw new Error(`Python kept ${result.max_texture_size} px atlases`);
        }
        this.ctx.notify("", "info");
      })
      .catch((err: Error) => {
        this.state = "error";
        this.ctx.notify(`Images cannot be shown: this browser's textures are at most ${limit} px (${err.message}); showing dots`, "error", IMAGE_EVENTS);
      });
  }

  /** Swap in newly decoded atlases (or none), freeing the old ones. */
  private replace(loaded: Loaded | null, state: SpriteState): void {
    if (this.object) this.object.removeFromParent();
    for (const t of this.textures) t.dispose();
    for (const m of this.materials) m.dispose();
    if (this.loaded && this.loaded !== loaded) for (const b of this.loaded.bitmaps) b.close();
    this.object = null;
    this.textures = [];
    this.materials = [];
    this.loaded = loaded;
    this.state = state;
    if (loaded) {
      this.build(loaded);
      for (const draw of this.waiting.splice(0)) draw(loaded);
    }
    this.refresh();
  }

  private build({ manifest: m, bitmaps }: Loaded): void {
    const dots = this.stage.points.material.uniforms;
    for (let a = 0; a < bitmaps.length; a++) {
      const texture = new THREE.Texture(bitmaps[a] as unknown as HTMLImageElement);
      texture.flipY = false; // row 0 of the atlas at v = 0, as gl_PointCoord's top
      texture.premultiplyAlpha = false;
      texture.generateMipmaps = false;
      texture.minFilter = THREE.LinearFilter;
      texture.magFilter = THREE.NearestFilter; // small images enlarged stay crisp
      texture.needsUpdate = true;
      this.textures.push(texture);
      this.materials.push(
        new THREE.ShaderMaterial({
          vertexShader: spriteVertexShader,
          fragmentShader: spriteFragmentShader,
          transparent: true,
          depthWrite: true,
          uniforms: {
            // Shared with the dots: transitions, selection and theme apply to both.
            progress: dots.progress,
            pixelRatio: dots.pixelRatio,
            perspectiveScale: dots.perspectiveScale,
            hasSelection: dots.hasSelection,
            background: dots.background,
            imageSize: this.imageSize,
            atlasStart: { value: a * m.per_atlas },
            columns: { value: m.columns },
            atlas: { value: texture },
            atlasSize: { value: new THREE.Vector2(bitmaps[a].width, bitmaps[a].height) },
            cell: { value: new THREE.Vector2(m.cell[0], m.cell[1]) },
          },
        }),
      );
    }
    this.object = new THREE.Points(this.stage.points.geometry, this.materials);
    this.object.frustumCulled = false;
    this.object.visible = false;
    this.stage.add(this.object);
  }

  /** Show images or dots, after any change of the toggle, the layout or the atlases. */
  refresh(): void {
    const points = this.stage.points;
    const m = this.loaded?.manifest;
    // Above the draw budget the vertices are the drawn points (`_drawn`, ascending): vertex
    // k shows image drawn[k], and each atlas's images are one run of vertices.
    const raw = this.ctx.model.get("_drawn");
    const drawn = uint32s(raw);
    const sampled = drawn.length > 0;
    const count = sampled ? drawn.length : m?.count;
    const usable = Boolean(this.object && m && count === points.count && points.count > 0 && (!sampled || drawn[drawn.length - 1] < m.count));
    if (usable && m) {
      const geometry = points.geometry;
      const index = geometry.getAttribute("pindex") as THREE.BufferAttribute | undefined;
      if (!index || index.count !== points.count || this.indexedFor !== raw) {
        const values = new Float32Array(points.count);
        for (let i = 0; i < values.length; i++) values[i] = sampled ? drawn[i] : i;
        geometry.setAttribute("pindex", new THREE.BufferAttribute(values, 1));
        this.indexedFor = raw;
      }
      geometry.clearGroups();
      const vertexOf = (image: number) => (sampled ? lowerBound(drawn, image) : Math.min(image, m.count));
      for (let a = 0; a < this.materials.length; a++) {
        const start = vertexOf(a * m.per_atlas);
        geometry.addGroup(start, vertexOf((a + 1) * m.per_atlas) - start, a);
      }
    }
    const show = usable && Boolean(this.ctx.model.get("show_images"));
    if (this.object) this.object.visible = show;
    points.object.visible = !show;
    if (this.state === "drawn" || this.state === "dots") this.state = show ? "drawn" : "dots";
    this.stage.requestFrame();
  }

  /** The `_drawn` array the vertices' image indices were last set for. */
  private indexedFor: unknown = null;

  private applySize(): void {
    this.imageSize.value = this.ctx.model.get("image_size") ?? 28;
    this.stage.requestFrame();
  }

  /** Set a test limit below the GPU's and check the atlases against it again. */
  setLimitOverride(limit: number | null): void {
    this.limitOverride = limit;
    this.schedule();
  }

  /** A small canvas showing point i's image (longest side `px` CSS px), drawn as soon as the
   * atlases are decoded; null when there are no images. */
  thumbnail(i: number, px: number): HTMLCanvasElement | null {
    const m = this.loaded?.manifest ?? this.manifest();
    if (!m || i < 0 || i >= m.count) return null;
    const scale = px / Math.max(m.cell[0], m.cell[1]);
    const canvas = document.createElement("canvas");
    canvas.className = "nbp-thumb";
    canvas.width = Math.max(1, Math.round(m.cell[0] * scale));
    canvas.height = Math.max(1, Math.round(m.cell[1] * scale));
    canvas.dataset.index = String(i);
    const draw = (loaded: Loaded) => {
      if (i >= loaded.manifest.count) return;
      const { cell, per_atlas, columns } = loaded.manifest;
      const local = i % per_atlas;
      const bitmap = loaded.bitmaps[Math.floor(i / per_atlas)];
      const g = canvas.getContext("2d");
      if (!g || !bitmap) return;
      g.imageSmoothingEnabled = scale < 1;
      g.clearRect(0, 0, canvas.width, canvas.height);
      const col = local % columns, row = Math.floor(local / columns);
      g.drawImage(bitmap, col * cell[0], row * cell[1], cell[0], cell[1], 0, 0, canvas.width, canvas.height);
      canvas.dataset.drawn = "1";
    };
    if (this.loaded) draw(this.loaded);
    else this.waiting.push(draw);
    return canvas;
  }

  dispose(): void {
    this.version++;
    this.replace(null, "none");
  }
}

/** The first position in the ascending `a` whose value is at least `x`. */
function lowerBound(a: Uint32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
