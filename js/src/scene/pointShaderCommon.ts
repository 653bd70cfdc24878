// GLSL shared by the dot shader (points.ts) and the image shader (spriteShader.ts): the
// per-point state flags and a point's drawn size. The including shader declares the
// uniforms pixelRatio and perspectiveScale before it.

export const pointCommon = /* glsl */ `
float flag(float s, float bit) { return mod(floor(s / bit), 2.0); }

// Size in device pixels: the base size, smaller with distance in 3D, 60% larger when
// selected or a neighbour, twice as large when hovered.
float pointSize(float base, vec4 mv, float selected, float neighbor, float hovered) {
  float s = base * pixelRatio;
  if (perspectiveScale > 0.0) s *= perspectiveScale / max(-mv.z, 0.001);
  s *= 1.0 + 0.6 * max(selected, neighbor) + 1.0 * hovered;
  return max(s, 1.0);
}
`;
