// Search queries in the offline page: case-insensitive substrings, or regular expressions with
// RE2's syntax and linear-time matching (re2js), as the Python side matches them with RE2, so
// the same pattern finds the same points there and here, and none can freeze the page.

import { RE2JS } from "re2js";

export const EMPTY_QUERY = "empty query: type some text to search for";
/** A search over one column gives up after this long, as in Python. */
export const TIME_LIMIT_MS = 1000;
const VALUES_PER_CHECK = 1024;

const HINTS: [RegExp, string][] = [
  [/invalid escape sequence: `\\[1-9]/, "backreferences are not supported"],
  [/invalid or unsupported Perl syntax: `\(\?[=!]|invalid named capture: `\(\?<[=!]/, "lookahead and lookbehind are not supported"],
  [/invalid escape sequence: `\\Z`/, "write \\z for the end of the value"],
];

function explain(reason: string): string {
  for (const [found, hint] of HINTS) {
    if (found.test(reason)) return `${reason} (${hint}: search uses RE2, which matches in linear time)`;
  }
  return reason;
}

/** A test for one value's text; throws an Error whose message says what is wrong with the query. */
export function compileQuery(query: unknown, regex: boolean): (text: string) => boolean {
  if (typeof query !== "string") throw new Error("'query' must be a string");
  if (query === "") throw new Error(EMPTY_QUERY);
  if (!regex) {
    const q = query.toLowerCase();
    return (s) => s.toLowerCase().includes(q);
  }
  let pattern: RE2JS;
  try {
    pattern = RE2JS.compile(query, RE2JS.CASE_INSENSITIVE);
  } catch (err) {
    const reason = (err as Error).message.replace(/^error parsing regexp: /, "");
    throw new Error(`invalid regular expression '${query}': ${explain(reason)}`);
  }
  return (s) => pattern.test(s);
}

/** `test` applied to every value, stopping with an error once `limitMs` has passed. */
export function testAll(query: string, values: string[], test: (text: string) => boolean, limitMs = TIME_LIMIT_MS): boolean[] {
  const deadline = performance.now() + limitMs;
  const out = new Array<boolean>(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = test(values[i]);
    if (i % VALUES_PER_CHECK === VALUES_PER_CHECK - 1 && performance.now() > deadline) {
      throw new Error(
        `regular expression '${query}' took longer than ${limitMs / 1000} s over ${values.length.toLocaleString("en-US")} values and was stopped; simplify it (fewer or smaller repetitions)`,
      );
    }
  }
  return out;
}
