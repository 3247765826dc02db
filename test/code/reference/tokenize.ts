/**
 * REFERENCE ONLY (tests): the tokenizer as it was before the speed work of issue #15, verbatim; the
 * equivalence test checks the optimized src/code/tokenize.ts against it.
 *
 * Code-aware tokens: identifiers are kept whole AND split into their camelCase / snake_case parts, dotted
 * names (`a.b.c`) and file paths are kept whole too, so `tokenTtl`, `token_ttl`, `token ttl` and
 * `auth.token_ttl` all meet. Everything is lowercased and lightly stemmed (plural endings only).
 */

const STOP = new Set(
  (
    "a an and are as at be but by for from has have if in into is it its no not of on or so such that the their " +
    "then there these they this to was will with we you i me my our can do does did been being which when what " +
    "where who how would should could also any all some than too very just about there here"
  ).split(" "),
);

const IDENT = /[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*/g;

/** Plural endings only: enough to meet `sessions`/`session` without the damage of a full stemmer. */
export function stem(t: string): string {
  if (t.length > 4 && t.endsWith("ies")) return `${t.slice(0, -3)}y`;
  if (t.length > 3 && t.endsWith("s") && !/(ss|us|is|ys)$/.test(t)) return t.slice(0, -1);
  return t;
}

/** The parts of one identifier: `parseHTTPResponse2` -> parse, http, response2; `token_ttl` -> token, ttl. */
export function splitIdentifier(id: string): string[] {
  const parts: string[] = [];
  for (const piece of id.split(/[_$]+/)) {
    if (!piece) continue;
    const m = piece.match(/[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+/g);
    if (m) for (const p of m) parts.push(p.toLowerCase());
  }
  return parts;
}

/** Identifiers repeat a lot across a repository: their tokens are computed once (bounded memo). */
const identMemo = new Map<string, readonly string[]>();

function identTokens(id: string): readonly string[] {
  const hit = identMemo.get(id);
  if (hit) return hit;
  const out: string[] = [];
  const lower = id.toLowerCase();
  const parts = splitIdentifier(id);
  if (lower.length >= 2 && !STOP.has(lower) && !/^[0-9_$]+$/.test(lower)) out.push(stem(lower));
  if (parts.length > 1) {
    for (const p of parts) if (p.length >= 2 && !STOP.has(p) && !/^[0-9]+$/.test(p)) out.push(stem(p));
  }
  if (identMemo.size > 500_000) identMemo.clear();
  identMemo.set(id, out);
  return out;
}

function pushIdent(out: string[], id: string): void {
  for (const t of identTokens(id)) out.push(t);
}

/** Tokens of code or prose. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IDENT)) {
    const word = m[0];
    if (word.includes(".")) {
      const parts = word.split(".");
      if (parts.length <= 6) out.push(word.toLowerCase());
      for (const p of parts) pushIdent(out, p);
    } else pushIdent(out, word);
  }
  return out;
}

/** Module name of a source path: `pkg/sub/mod.py` -> `pkg.sub.mod`, `pkg/__init__.py` -> `pkg`. */
export function moduleName(path: string): string {
  const noExt = path.replace(/\.[A-Za-z0-9]+$/, "");
  return noExt
    .replace(/\/(__init__|index|mod)$/, "")
    .split("/")
    .filter(Boolean)
    .join(".")
    .toLowerCase();
}

/** Tokens of a file path: the whole path, its module name, each segment and each segment's parts. */
export function pathTokens(path: string): string[] {
  const out: string[] = [path.toLowerCase()];
  const mod = moduleName(path);
  if (mod) out.push(mod);
  const segments = path.split("/");
  for (const seg of segments) {
    const base = seg.replace(/\.[A-Za-z0-9]+$/, "");
    pushIdent(out, base.replace(/[^A-Za-z0-9_$]+/g, "_"));
  }
  return out;
}

/** Term frequencies of a token list. */
export function termCounts(tokens: readonly string[], into = new Map<string, number>(), weight = 1) {
  for (const t of tokens) into.set(t, (into.get(t) ?? 0) + weight);
  return into;
}
