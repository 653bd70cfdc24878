// The drawn points and their labels, decoded from the model's binary traits when first read
// after they change: one decoding shared by hover, labels, picking and the test handle.

import { bytes, Labels, uint32s } from "./codecs";
import { DrawnPoints } from "./drawnPoints";
import type { Model } from "./model";

export class DrawnTraits {
  private labelsRaw: [unknown, unknown] = [undefined, undefined];
  private labelsDecoded = new Labels(new Uint8Array(0), new Uint32Array(0));
  private drawnRaw: unknown = undefined;
  private drawnPoints = new DrawnPoints(new Uint32Array(0));

  constructor(private model: Model) {}

  /** The drawn points' labels, by slot; rebuilt lazily, as `drawn` is, so that a list redrawn
   * for a new drawn set (its `_drawn` event may come first) reads labels of the same set. */
  get labels(): Labels {
    const raw: [unknown, unknown] = [this.model.get("_labels"), this.model.get("_label_offsets")];
    if (raw[0] !== this.labelsRaw[0] || raw[1] !== this.labelsRaw[1]) {
      this.labelsRaw = raw;
      this.labelsDecoded = new Labels(bytes(raw[0] as DataView), uint32s(raw[1] as DataView));
    }
    return this.labelsDecoded;
  }

  /** The drawn points (see drawnPoints.ts), rebuilt when `_drawn` changes: read lazily, as
   * the other per-point traits of the same update may be applied before its own event. */
  get drawn(): DrawnPoints {
    const raw = this.model.get("_drawn");
    if (raw !== this.drawnRaw) {
      this.drawnRaw = raw;
      this.drawnPoints = new DrawnPoints(uint32s(raw));
    }
    return this.drawnPoints;
  }
}
