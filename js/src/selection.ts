// How a click or a region changes the selection: the operation a modifier key asks for, and
// the new sorted index set. Shared by the panels and the region tools of the view.

export type SelectOp = "replace" | "add" | "remove";

/** Shift adds, Alt or Ctrl (Cmd) removes, otherwise the selection is replaced. */
export function opOf(e: { shiftKey: boolean; altKey: boolean; ctrlKey: boolean; metaKey: boolean }): SelectOp {
  if (e.altKey || e.ctrlKey || e.metaKey) return "remove";
  return e.shiftKey ? "add" : "replace";
}

/** Sorted, distinct indices of `current` changed by `change` (O(N) with one byte a point). */
export function combine(current: Uint32Array, change: ArrayLike<number>, op: SelectOp, n: number): Uint32Array {
  const mark = new Uint8Array(n);
  if (op !== "replace") for (let j = 0; j < current.length; j++) mark[current[j]] = 1;
  const on = op === "remove" ? 0 : 1;
  for (let j = 0; j < change.length; j++) if (change[j] < n) mark[change[j]] = on;
  let count = 0;
  for (let i = 0; i < n; i++) count += mark[i];
  const out = new Uint32Array(count);
  for (let i = 0, j = 0; i < n; i++) if (mark[i]) out[j++] = i;
  return out;
}
