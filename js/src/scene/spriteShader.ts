// The shaders that draw points as their images. Same per-point attributes as the
// dots (position, pprev, pstate) plus `pindex`, the point's index: the cell of point i in an
// atlas follows from i alone (see sprites.py's Atlases), so isolating, searching, selecting
// or a new layout never moves an image to another point. One material per atlas, each
// drawing the geometry group of the indices that atlas holds.

import { pointCommon } from "./pointShaderCommon";

export const spriteVertexShader = /* glsl */ `
attribute float pindex;
uniform float imageSize;
uniform int atlasStart;
uniform int columns;
varying vec2 vCell;
varying float vSize;

${pointCommon}

void main() {
  Point pt = placePoint();
  gl_PointSize = pointSize(imageSize, pt);
  vSize = gl_PointSize;
  int local = int(pindex + 0.5) - atlasStart;
  int row = local / columns;
  vCell = vec2(float(local - row * columns), float(row));
  layerDepth(pt); // the hovered image in front of all others, then the emphasised ones
  if (pt.hidden > 0.5) gl_Position = vec4(2.0, 2.0, 2.0, 1.0); // outside the clip volume
}
`;

export const spriteFragmentShader = /* glsl */ `
uniform sampler2D atlas;
uniform vec2 atlasSize;
uniform vec2 cell;
uniform vec3 background;
varying vec2 vCell;
varying float vAlpha;
varying float vRing;
varying float vSize;

void main() {
  // The cell's aspect ratio fitted in the square point sprite (gl_PointCoord: 0,0 top left).
  vec2 uv = gl_PointCoord;
  float aspect = cell.x / cell.y;
  if (aspect >= 1.0) uv.y = (uv.y - 0.5) * aspect + 0.5;
  else uv.x = (uv.x - 0.5) / aspect + 0.5;
  if (uv.x < 0.0 || uv.y < 0.0 || uv.x > 1.0 || uv.y > 1.0) discard;
  // Texels of this cell only (half a texel inside its edges: no bleeding from neighbours).
  vec2 lo = vCell * cell + 0.5;
  vec2 texel = clamp((vCell + uv) * cell, lo, lo + cell - 1.0);
  vec4 c = texture2D(atlas, texel / atlasSize);
  // Selected and hovered images get a frame in the text colour, 2 px wide.
  vec2 edge = min(uv, 1.0 - uv) * vSize * vec2(min(aspect, 1.0), min(1.0 / aspect, 1.0));
  if (vRing > 0.5 && min(edge.x, edge.y) < 2.0) {
    gl_FragColor = vec4(vec3(1.0) - background, 1.0);
    return;
  }
  if (c.a < 0.004) discard; // transparent pixels show what is behind
  gl_FragColor = vec4(mix(background, c.rgb, vAlpha), c.a);
}
`;
