// The words a running projection shows, in its tab and in the status line. Python writes the
// line ("iteration 340 / 750", "t-SNE done, 750 iterations"); a pause is said here, where
// the state is seen: "paused at iteration 340".

import type { Progress } from "../protocol";

/** `count` and `word` in the right number: "1 match", "12 matches", "10,000 points". */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? word : many}`;
}

export function progressLine(p: Progress): string {
  const line = stateLine(p);
  return p.note && p.state !== "failed" ? `${line} (${p.note})` : line;
}

function stateLine(p: Progress): string {
  const message = p.message ?? "";
  if (p.state === "failed") return `failed: ${p.error ?? message}`;
  if (p.state === "paused") {
    // "iteration 340 / 750" -> "paused at iteration 340"; another phase: "paused: <phase>".
    const step = message.match(/^(iteration|epoch) ([\d,]+)/);
    return step ? `paused at ${step[1]} ${step[2]}` : `paused: ${message}`;
  }
  return message;
}
