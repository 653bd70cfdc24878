// The marker of a search by meaning: where the encoded query sits in the layout shown, drawn
// over the points as a ring with a cross (a shape no point has), a fixed size on screen.

import * as THREE from "three";

/** Magenta: stands out against every colour map's hues and both themes. */
const MARKER_COLOR = "#e0109a";
const MARKER_PX = 26;

function markerTexture(): THREE.CanvasTexture {
  const size = 64;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const g = canvas.getContext("2d")!;
  const c = size / 2;
  const ring = (color: string, width: number) => {
    g.strokeStyle = color;
    g.lineWidth = width;
    g.beginPath();
    g.arc(c, c, size * 0.36, 0, 2 * Math.PI);
    g.moveTo(c, size * 0.08);
    g.lineTo(c, size * 0.92);
    g.moveTo(size * 0.08, c);
    g.lineTo(size * 0.92, c);
    g.stroke();
  };
  ring("#ffffff", 12); // a light outline keeps it visible on dark points
  ring(MARKER_COLOR, 6);
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace; // the canvas's colours are sRGB: draw them as is
  return texture;
}

export class QueryMarker {
  readonly object: THREE.Points;
  private position = new THREE.BufferAttribute(new Float32Array(3), 3);

  constructor(pixelRatio: number) {
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute("position", this.position);
    const material = new THREE.PointsMaterial({
      size: MARKER_PX * pixelRatio,
      sizeAttenuation: false,
      map: markerTexture(),
      transparent: true,
      depthTest: false,
      alphaTest: 0.1,
    });
    this.object = new THREE.Points(geometry, material);
    this.object.renderOrder = 10; // over the points and images
    this.object.frustumCulled = false;
    this.object.visible = false;
  }

  /** Show the marker at a position in the points' coordinates, or hide it (null). */
  place(position: ArrayLike<number> | null): void {
    if (!position) {
      this.object.visible = false;
      return;
    }
    this.position.setXYZ(0, position[0], position[1], position[2] ?? 0);
    this.position.needsUpdate = true;
    this.object.visible = true;
  }

  get visible(): boolean {
    return this.object.visible;
  }
}
