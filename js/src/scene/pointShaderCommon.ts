// GLSL shared by the dot shader (points.ts) and the image shader (spriteShader.ts): the
// per-point attributes and uniforms both use, where a point is drawn (mid-transition), its
// state flags, its size, its depth layer, and the fading and ring both pass on to their fragment shaders.

export const pointCommon = /* glsl */ `
attribute vec3 pprev;
attribute float pstate;
uniform float progress;
uniform float pixelRatio;
uniform float perspectiveScale;
uniform float hasSelection;
varying float vAlpha;
varying float vRing;

float flag(float s, float bit) { return mod(floor(s / bit), 2.0); }

struct Point { vec4 mv; float selected; float hovered; float neighbor; float hidden; float emphasised; };

// Sets gl_Position (between the previous and the new layout), vAlpha (points outside a
// selection fade) and vRing (selected and hovered points get an outline).
Point placePoint() {
  Point pt;
  pt.mv = modelViewMatrix * vec4(mix(pprev, position, progress), 1.0);
  gl_Position = projectionMatrix * pt.mv;
  pt.selected = flag(pstate, 1.0);
  pt.hovered = flag(pstate, 2.0);
  pt.neighbor = flag(pstate, 4.0);
  pt.hidden = flag(pstate, 8.0);
  pt.emphasised = max(max(pt.selected, pt.neighbor), pt.hovered);
  vAlpha = (hasSelection > 0.5 && pt.emphasised < 0.5) ? 0.25 : 1.0;
  vRing = max(pt.selected, pt.hovered);
  return pt;
}

// Size in device pixels: the base size, smaller with distance in 3D, 60% larger when
// selected or a neighbour, twice as large when hovered.
float pointSize(float base, Point pt) {
  float s = base * pixelRatio;
  if (perspectiveScale > 0.0) s *= perspectiveScale / max(-pt.mv.z, 0.001);
  s *= 1.0 + 0.6 * max(pt.selected, pt.neighbor) + 1.0 * pt.hovered;
  return max(s, 1.0);
}

// Depth layers (picking.ts mirrors them): the hovered point in front of everything, then the
// emphasised ones (their depths squeezed into the nearest 5% of the range, keeping their own
// order), then the rest.
void layerDepth(Point pt) {
  if (pt.hovered > 0.5) gl_Position.z = -0.999 * gl_Position.w;
  else if (pt.emphasised > 0.5) gl_Position.z = (-1.0 + 0.05 * (gl_Position.z / gl_Position.w + 1.0)) * gl_Position.w;
}
`;
