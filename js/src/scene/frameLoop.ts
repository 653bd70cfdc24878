// Frames on demand: one animation frame per burst of requests, and a way to hold frames back
// for a moment (a click's frame waits for its neighbour list, so the page draws once).

export class FrameLoop {
  private frameRequested = false;
  private animationFrame: number | undefined;
  /** Frames are held back (defer; a timer ends it). */
  private deferred = false;
  private deferTimer: ReturnType<typeof setTimeout> | undefined;
  /** A frame was asked for while frames were held back. */
  private frameWanted = false;

  /** `draw` draws one frame (it may decline: no size yet, no context). */
  constructor(private draw: () => void) {}

  request(): void {
    if (this.deferred) {
      this.frameWanted = true;
      return;
    }
    if (this.frameRequested) return;
    this.frameRequested = true;
    this.animationFrame = requestAnimationFrame(() => this.tick());
  }

  /** Draw at once rather than at the next animation frame; a frame already asked for is
   * this one. Held-back frames stay held (drawn when they resume). */
  drawNow(): void {
    if (this.deferred) {
      this.frameWanted = true;
      return;
    }
    this.cancelRequest();
    this.draw();
  }

  private cancelRequest(): void {
    if (this.animationFrame !== undefined) cancelAnimationFrame(this.animationFrame);
    this.animationFrame = undefined;
    this.frameRequested = false;
  }

  /** Draw nothing for up to `ms`, or until resume(). */
  defer(ms: number): void {
    this.deferred = true;
    clearTimeout(this.deferTimer);
    this.deferTimer = setTimeout(() => this.resume(false), ms);
  }

  /** End defer(). With `afterPaint`, the held frame is drawn one animation frame later, so
   * what the caller just put in the page is painted first and does not wait for the canvas. */
  resume(afterPaint = true): void {
    if (!this.deferred) return;
    this.deferred = false;
    clearTimeout(this.deferTimer);
    if (!this.frameWanted) return;
    this.frameWanted = false;
    if (afterPaint) requestAnimationFrame(() => this.request());
    else this.request();
  }

  private tick(): void {
    this.frameRequested = false;
    this.animationFrame = undefined;
    if (this.deferred) {
      this.frameWanted = true; // asked for before the deferral began
      return;
    }
    this.draw();
  }

  dispose(): void {
    clearTimeout(this.deferTimer);
    this.cancelRequest();
  }
}
