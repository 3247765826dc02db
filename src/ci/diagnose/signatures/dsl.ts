/**
 * Helpers for writing signatures: keyword patterns that respect token boundaries.
 *
 * Why not `\b`: in a regular expression `\b` sits between `-` and `e`, so `\bECONNREFUSED\b` matches the
 * test file `spec/http-econnrefused.lua`, and `\bOutOfMemoryError\b` matches nothing useful either way.
 * A keyword here must not touch an identifier or path character on either side: letters, digits, `_`,
 * `.`, `/`, `\`, `-`, `+`, `@`, `$` before it; the same after it, except that a full stop ending a
 * sentence is fine.
 */
const BEFORE = String.raw`(?<![\w./\\@$+-])`;
const AFTER = String.raw`(?![\w/\\@$+-]|\.\w)`;

/** A pattern matching any of the alternatives as a whole token (case-insensitive unless told). */
export function kw(alternatives: string, flags = "i"): RegExp {
  return new RegExp(`${BEFORE}(?:${alternatives})${AFTER}`, flags);
}

/** The source of a token boundary, to build larger patterns around a keyword. */
export const TOKEN = { before: BEFORE, after: AFTER } as const;
