/**
 * Reading a query, which may be three words or a whole issue with a stack trace: weighted terms, plus the
 * file paths, dotted module names, code identifiers and stack frames it mentions, which the searcher
 * matches against the index directly.
 */
import { splitIdentifier, stem, tokenize } from "../../code/tokenize.js";

export interface QueryAnalysis {
  terms: Map<string, number>;
  /** Paths as written (`xarray/core/dataset.py`, `/usr/lib/.../sphinx/util/inspect.py`). */
  paths: string[];
  /** Dotted names (`sphinx.ext.autodoc`, `Dataset.to_zarr`). */
  dotted: string[];
  /** Identifiers that look like code: snake_case, camelCase, in backticks, called, or in a frame. */
  identifiers: Map<string, number>;
  /** Whether the query is long prose (an issue) rather than a few keywords. */
  long: boolean;
}

const SOURCE_EXT =
  "py|pyi|js|jsx|mjs|cjs|ts|tsx|go|rs|java|c|h|cc|cpp|hpp|cs|rb|php|md|rst|txt|json|ya?ml|toml|cfg|ini|html|css";
const PATH_RE = new RegExp(`(?:[A-Za-z]:)?[\\w.\\-/\\\\]*[\\w\\-]+\\.(?:${SOURCE_EXT})\\b`, "g");
const FRAME_RE = /File "([^"]+)", line \d+, in (\w+)/g;
const DOTTED_RE = /\b[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+\b/g;
const CODE_SPAN_RE = /`{1,3}([^`]+)`{1,3}/g;
const IDENT_RE = /\b[A-Za-z_]\w*\b/g;

function looksLikeCode(id: string): boolean {
  return (
    /_/.test(id.replace(/^_+|_+$/g, "")) ||
    /[a-z][A-Z]/.test(id) ||
    /^__\w+__$/.test(id) ||
    /^[A-Z][a-z]+[A-Z]/.test(id)
  );
}

/**
 * Issue boilerplate that matches everything and nothing: template instructions in HTML comments, and
 * environment dumps (runs of `name: version` or `name==version` lines).
 */
export function stripBoilerplate(text: string): string {
  const noComments = text.replace(/<!--[\s\S]*?-->/g, " ");
  const lines = noComments.split(/\r?\n/);
  const dump = (l: string) =>
    /^\s*[-*]?\s*[\w.-]+\s*(:|==|>=|=)\s*[\w.+\-/]*\s*$/.test(l) ||
    /^\s*[\w.-]+\s+\d+(\.\d+)+\S*\s*$/.test(l);
  const keep = new Array<boolean>(lines.length).fill(true);
  for (let i = 0; i < lines.length; ) {
    let j = i;
    while (j < lines.length && (dump(lines[j]!) || (!lines[j]!.trim() && j > i))) j++;
    let n = 0;
    for (let k = i; k < j; k++) if (lines[k]!.trim()) n++;
    if (n >= 5) for (let k = i; k < j; k++) keep[k] = false;
    i = j > i ? j : i + 1;
  }
  return lines.filter((_, i) => keep[i]).join("\n");
}

export function analyzeQuery(input: string): QueryAnalysis {
  const text = input.length > 200 ? stripBoilerplate(input) : input;
  const terms = new Map<string, number>();
  const identifiers = new Map<string, number>();
  const paths = new Set<string>();
  const dotted = new Set<string>();
  const addIdent = (id: string, w: number) => {
    if (id.length < 3) return;
    identifiers.set(id, Math.max(identifiers.get(id) ?? 0, w));
  };
  for (const m of text.matchAll(FRAME_RE)) {
    paths.add(m[1]!);
    addIdent(m[2]!, 3);
  }
  for (const m of text.matchAll(PATH_RE)) {
    const p = m[0].replace(/\\/g, "/");
    if (p.includes("/") || /\.(py|js|ts|go|rs|java|rb|php|c|cpp|cs|tsx|jsx)$/.test(p)) paths.add(p);
  }
  for (const m of text.matchAll(DOTTED_RE)) {
    const d = m[0];
    if (/\.(com|org|io|net|html?)$/.test(d) || /^(e\.g|i\.e|etc)\b/.test(d)) continue;
    dotted.add(d);
    for (const part of d.split(".")) if (looksLikeCode(part) || /^[A-Z]/.test(part)) addIdent(part, 2);
  }
  for (const m of text.matchAll(CODE_SPAN_RE)) {
    for (const id of m[1]!.matchAll(IDENT_RE)) addIdent(id[0], 2);
  }
  // A short query is likely a name: every word in it may be one.
  const short = text.trim().split(/\s+/).length <= 2;
  for (const m of text.matchAll(IDENT_RE)) {
    const id = m[0];
    if (looksLikeCode(id) || short) addIdent(id, 2);
    else if (/\(/.test(text.charAt((m.index ?? 0) + id.length))) addIdent(id, 1.5);
  }
  // Term weights: every token once per occurrence, code identifiers count more; sublinear in repetition.
  const raw = new Map<string, number>();
  for (const t of tokenize(text)) raw.set(t, (raw.get(t) ?? 0) + 1);
  for (const [id, w] of identifiers) {
    const whole = stem(id.toLowerCase());
    raw.set(whole, (raw.get(whole) ?? 0) + w);
    for (const p of splitIdentifier(id))
      if (p.length >= 2) raw.set(stem(p), (raw.get(stem(p)) ?? 0) + (w - 1) / 2);
  }
  for (const [t, n] of raw) terms.set(t, 1 + Math.log(n));
  const words = text.split(/\s+/).length;
  return { terms, paths: [...paths], dotted: [...dotted], identifiers, long: words > 30 };
}
