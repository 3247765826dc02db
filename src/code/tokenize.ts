/**
 * Code-aware tokens: identifiers are kept whole AND split into their camelCase / snake_case parts, dotted
 * names (`a.b.c`) and file paths are kept whole too, so `tokenTtl`, `token_ttl`, `token ttl` and
 * `auth.token_ttl` all meet. Everything is lowercased and lightly stemmed (plural endings only).
 *
 * This runs over every chunk several times while indexing (terms, LSI training, LSI vectors), so the scan is
 * a hand-written loop over char codes instead of a global regular expression, and `countTokens` counts
 * straight into a map without building the token list: both give exactly what the regular expression
 * `[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*` matched, in the same order.
 */

const STOP = new Set(
  (
    "a an and are as at be but by for from has have if in into is it its no not of on or so such that the their " +
    "then there these they this to was will with we you i me my our can do does did been being which when what " +
    "where who how would should could also any all some than too very just about there here"
  ).split(" "),
);

/** Plural endings only: enough to meet `sessions`/`session` without the damage of a full stemmer. */
export function stem(t: string): string {
  const n = t.length;
  if (n > 4 && t.endsWith("ies")) return `${t.slice(0, -3)}y`;
  if (n > 3 && t.charCodeAt(n - 1) === 115 /* s */) {
    // Not after ss, us, is, ys.
    const p = t.charCodeAt(n - 2);
    if (p !== 115 && p !== 117 && p !== 105 && p !== 121) return t.slice(0, -1);
  }
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

/**
 * Longest identifier kept whole as a term. Longer ones (minified bundles, base64 and hex blobs) are never
 * searched for whole, and a term is a key of the terms table: PostgreSQL's btree refuses keys over about
 * 2.7 kB. Their parts are still kept.
 */
export const MAX_TERM_CHARS = 200;

/** The tokens of one identifier, computed from scratch (the memo below calls this once per identifier). */
function identTokensUncached(id: string): readonly string[] {
  const out: string[] = [];
  const lower = id.toLowerCase();
  const parts = splitIdentifier(id);
  if (lower.length >= 2 && lower.length <= MAX_TERM_CHARS && !STOP.has(lower) && !/^[0-9_$]+$/.test(lower))
    out.push(stem(lower));
  if (parts.length > 1) {
    for (const p of parts)
      if (p.length >= 2 && p.length <= MAX_TERM_CHARS && !STOP.has(p) && !/^[0-9]+$/.test(p))
        out.push(stem(p));
  }
  return out;
}

/**
 * Identifiers repeat a lot across a repository: their tokens are computed once (bounded memo). The memo is
 * an open-addressing table keyed by a hash computed while scanning, and a hit is checked with
 * `startsWith` at the word's offset, so a known identifier costs no substring and no string hashing.
 */
const MEMO_MAX = 500_000;
let memoBits = 16;
let memoKeys: (string | undefined)[] = new Array(1 << memoBits);
let memoHashes = new Int32Array(1 << memoBits);
let memoValues: (readonly string[] | undefined)[] = new Array(1 << memoBits);
let memoSize = 0;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

function memoReset(bits: number): void {
  memoBits = bits;
  memoKeys = new Array(1 << bits);
  memoHashes = new Int32Array(1 << bits);
  memoValues = new Array(1 << bits);
  memoSize = 0;
}

function memoInsert(key: string, hash: number, value: readonly string[]): void {
  if (memoSize >= MEMO_MAX) memoReset(16);
  else if (memoSize * 2 >= 1 << memoBits) {
    // Grow: rehash every entry into a table twice the size.
    const keys = memoKeys;
    const hashes = memoHashes;
    const values = memoValues;
    memoReset(memoBits + 1);
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j];
      if (k !== undefined) memoInsert(k, hashes[j]!, values[j]!);
    }
  }
  const mask = (1 << memoBits) - 1;
  let slot = hash & mask;
  while (memoKeys[slot] !== undefined) slot = (slot + 1) & mask;
  memoKeys[slot] = key;
  memoHashes[slot] = hash;
  memoValues[slot] = value;
  memoSize++;
}

/** Tokens of the identifier `text.slice(start, end)` whose hash (FNV-1a over its char codes) is `hash`. */
function memoTokens(text: string, start: number, end: number, hash: number): readonly string[] {
  const mask = (1 << memoBits) - 1;
  const len = end - start;
  for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
    const k = memoKeys[slot];
    if (k === undefined) break;
    if (memoHashes[slot] === hash && k.length === len && text.startsWith(k, start)) return memoValues[slot]!;
  }
  const id = text.slice(start, end);
  const value = identTokensUncached(id);
  memoInsert(id, hash, value);
  return value;
}

function identTokens(id: string): readonly string[] {
  let h = FNV_OFFSET;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), FNV_PRIME);
  return memoTokens(id, 0, id.length, h);
}

function pushIdent(out: string[], id: string): void {
  for (const t of identTokens(id)) out.push(t);
}

/** Per ASCII char code: 1 when it can start an identifier (A-Z a-z _ $), 2 when it can only continue one. */
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36) CHAR_CLASS[c] = 1;
  else if (c >= 48 && c <= 57) CHAR_CLASS[c] = 2;
}

function isIdentStart(c: number): boolean {
  return c < 128 && CHAR_CLASS[c] === 1;
}

/**
 * Scans `text` and, for each token in order, pushes it to `out` or adds `weight` to its count in `counts`.
 * Words are the leftmost-longest matches of identifier(.identifier)*, as the regular expression in the
 * header finds them; a dotted word gives itself (up to 6 parts) then its parts' tokens.
 */
function scan(
  text: string,
  out: string[] | undefined,
  counts: Map<string, number> | undefined,
  weight: number,
) {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c0 = text.charCodeAt(i);
    if (c0 >= 128 || CHAR_CLASS[c0] !== 1) {
      i++;
      continue;
    }
    const start = i;
    let h = Math.imul(FNV_OFFSET ^ c0, FNV_PRIME);
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c >= 128 || CHAR_CLASS[c] === 0) break;
      h = Math.imul(h ^ c, FNV_PRIME);
      i++;
    }
    let tokens: readonly string[];
    if (i + 1 < n && text.charCodeAt(i) === 46 && isIdentStart(text.charCodeAt(i + 1))) {
      // A dotted name: the dot continues the word only when an identifier starts right after it.
      for (;;) {
        i += 2;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c >= 128 || CHAR_CLASS[c] === 0) break;
          i++;
        }
        if (!(i + 1 < n && text.charCodeAt(i) === 46 && isIdentStart(text.charCodeAt(i + 1)))) break;
      }
      const word = text.slice(start, i);
      const parts = word.split(".");
      const list: string[] = [];
      if (parts.length <= 6) list.push(word.toLowerCase());
      for (const p of parts) for (const t of identTokens(p)) list.push(t);
      tokens = list;
    } else tokens = memoTokens(text, start, i, h);
    if (out) for (const t of tokens) out.push(t);
    else if (counts) for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + weight);
  }
}

/** Tokens of code or prose. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  scan(text, out, undefined, 1);
  return out;
}

/** `termCounts(tokenize(text), into, weight)` without the intermediate token list. */
export function countTokens(text: string, into = new Map<string, number>(), weight = 1) {
  scan(text, undefined, into, weight);
  return into;
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
