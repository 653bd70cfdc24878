// Where the cameras stand when they frame the whole layout: layouts are fitted in [-1, 1], and
// a fitted camera sees every point of it, whatever the canvas's shape.

import * as THREE from "three";

export const FOV = 45;
/** Layouts are fitted in [-1, 1]; the camera frames a little more than that. */
export const FIT_RADIUS = 1.15;
/** A 3D fit keeps the points within this share of each half field of view (dots have a size). */
const FIT_MARGIN = 0.92;
/** Where a fitted 3D camera looks from (a direction; its length is fitted). */
export const FIT_DIRECTION = new THREE.Vector3(0.55, 0.35, 0.76).normalize();

/** How far the perspective camera stands from a layout of radius FIT_RADIUS to see it all. */
export function defaultDistance(): number {
  return FIT_RADIUS / Math.tan(THREE.MathUtils.degToRad(FOV / 2));
}

/** How far from the origin, along FIT_DIRECTION, the perspective camera (of this `aspect`)
 * sees every point of `p` (x, y, z triples) within both its vertical and its horizontal field
 * of view (the horizontal one is the narrower in a tall canvas): the nearest such distance,
 * point by point. Positions are clamped to [-1, 1], where finished layouts are fitted: a
 * running frame's far outliers are meant to be drawn outside. */
export function fitDistance(p: ArrayLike<number>, aspect: number): number {
  const tanV = Math.tan(THREE.MathUtils.degToRad(FOV / 2)) * FIT_MARGIN;
  const tanH = tanV * aspect;
  const f = FIT_DIRECTION;
  const r = new THREE.Vector3().crossVectors(new THREE.Vector3(0, 1, 0), f).normalize();
  const u = new THREE.Vector3().crossVectors(f, r);
  const clamp = (v: number) => Math.max(-1, Math.min(1, v));
  let distance = 0;
  let any = false;
  for (let i = 0; i + 2 < p.length; i += 3) {
    if (!(isFinite(p[i]) && isFinite(p[i + 1]) && isFinite(p[i + 2]))) continue;
    const x = clamp(p[i]), y = clamp(p[i + 1]), z = clamp(p[i + 2]);
    // Seen from distance d, the point is at depth d - p.f: it is in view when its
    // sideways and upward offsets are within tan * depth.
    const side = Math.abs(x * r.x + y * r.y + z * r.z) / tanH;
    const rise = Math.abs(x * u.x + y * u.y + z * u.z) / tanV;
    distance = Math.max(distance, Math.max(side, rise) + x * f.x + y * f.y + z * f.z);
    any = true;
  }
  if (!any) return defaultDistance() * Math.max(1, 1 / aspect);
  return Math.max(distance, 0.1);
}
