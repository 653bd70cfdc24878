// Which point is drawn under the pointer. The answer follows the shaders (pointShaderCommon.ts):
// each point covers a disc (an image: a square) of its drawn size, smaller with distance in
// 3D, larger when selected, a neighbour or hovered; where several cover a pixel, the one the
// depth test keeps is shown: the hovered point above all, then the emphasised ones (selected,
// neighbours) by depth, then the rest by depth, a later index winning a tie as it is drawn
// later. So a click lands on the point the user sees, and the hovered point, drawn on top,
// is the one a click at the same place picks.

import { HIDDEN, HOVERED, NEIGHBOR, SELECTED } from "./points";

/** How points are drawn now: what picking needs to know of the shaders' sizes. */
export interface PointLook {
  /** The base size in CSS px (a dot's diameter, an image's longer side). */
  size: number;
  /** Images (squares, `aspect` = width / height) rather than round dots. */
  images: boolean;
  aspect: number;
  /** 3D perspective: the size is multiplied by perspectiveScale / view depth (0: none). */
  perspectiveScale: number;
  /** Device pixels per CSS pixel (sizes are at least one device pixel). */
  pixelRatio: number;
}

export interface PickInput {
  /** (x, y, clip-space depth) per point, CSS px; depth Infinity when not drawn. */
  screen: Float32Array;
  /** View-space depth per point (the distance that shrinks it in perspective). */
  viewDepth: Float32Array;
  /** The per-point flag bytes (points.ts). */
  flags: Uint8Array;
  look: PointLook;
}

/** Depth-test order: lower is in front. Mirrors `layerDepth` in pointShaderCommon.ts. */
function drawnDepth(flags: number, z: number): number {
  if (flags & HOVERED) return -4;
  if (flags & (SELECTED | NEIGHBOR)) return z - 2; // squeezed in front of the rest
  return z;
}

/** Half the drawn size of a point in CSS px (pointSize in pointShaderCommon.ts). */
export function drawnRadius(look: PointLook, flags: number, viewDepth: number): number {
  let s = look.size * look.pixelRatio;
  if (look.perspectiveScale > 0) s *= look.perspectiveScale / Math.max(viewDepth, 0.001);
  s *= 1 + 0.6 * (flags & (SELECTED | NEIGHBOR) ? 1 : 0) + (flags & HOVERED ? 1 : 0);
  return Math.max(s, 1) / look.pixelRatio / 2;
}

/** The point drawn at (x, y): of the points covering that pixel, the one in front; when none
 * covers it, the nearest centre within `slop` px (front-most on a tie), so small dots stay easy
 * to hit. -1 when there is none. Hidden points (flag or `isHidden`) are never picked. */
export function pickPoint(input: PickInput, x: number, y: number, slop: number, isHidden: (i: number) => boolean): number {
  const { screen, viewDepth, flags, look } = input;
  const n = Math.min(flags.length, screen.length / 3);
  // Half extents of an image's square in units of its radius (the longer side is the size).
  const hx = look.images ? Math.min(1, look.aspect) : 1;
  const hy = look.images ? Math.min(1, 1 / look.aspect) : 1;
  let front = -1, frontDepth = Infinity;
  let near = -1, nearD = slop * slop, nearZ = Infinity;
  for (let i = 0; i < n; i++) {
    const z = screen[3 * i + 2];
    if (!isFinite(z) || flags[i] & HIDDEN) continue;
    const dx = screen[3 * i] - x, dy = screen[3 * i + 1] - y;
    const d = dx * dx + dy * dy;
    const r = drawnRadius(look, flags[i], viewDepth[i]);
    const covers = look.images ? Math.abs(dx) <= r * hx && Math.abs(dy) <= r * hy : d <= r * r;
    if (covers) {
      const depth = drawnDepth(flags[i], z);
      if (depth <= frontDepth && !isHidden(i)) (front = i), (frontDepth = depth);
    } else if (front < 0 && (d < nearD - 1e-6 || (Math.abs(d - nearD) <= 1e-6 && z < nearZ)) && !isHidden(i)) {
      near = i; nearD = d; nearZ = z;
    }
  }
  return front >= 0 ? front : near;
}
