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
  /**
   * Stack frames, innermost first, whatever the language (Python, Node, Go, Java): the repository path
   * each frame's file most likely has, and its function.
   */
  frames: { path: string; fn: string }[];
  /** Hyphenated names (`no-debugger`, `space-in-parens`): rule, command and file names. */
  names: string[];
  /** Whether the query is long prose (an issue) rather than a few keywords. */
  long: boolean;
}

const SOURCE_EXT =
  "py|pyi|js|jsx|mjs|cjs|ts|tsx|go|rs|java|c|h|cc|cpp|hpp|cs|rb|php|md|rst|txt|json|ya?ml|toml|cfg|ini|html|css";
/**
 * Paths are found in two linear steps, never one expression with two overlapping repeats (which backtracks
 * cubically on a long run of word characters: a 100 kB query would hold the event loop for minutes). First
 * a run of path characters, then, anchored in it, the longest prefix that ends in `name.ext`.
 */
const PATH_RUN_RE = /(?:[A-Za-z]:)?[\w.\-/\\]+/g;
const PATH_END_RE = new RegExp(`^(?:[A-Za-z]:)?[\\w.\\-/\\\\]*[\\w\\-]\\.(?:${SOURCE_EXT})(?!\\w)`);
/** Python: `File "x.py", line 12, in fn`. */
const PY_FRAME_RE = /File "([^"]+)", line \d+, in (\w+)/g;
/** Node: a line `at ...`, parsed by `nodeFrame`. */
const NODE_AT_RE = /^[ \t]*at (.+)$/gm;
/** Java and the JVM languages: `at com.foo.Bar.method(Bar.java:42)`. */
const JAVA_FRAME_RE =
  /^[ \t]*at ([\w$]+(?:\.[\w$]+)*)\.([\w$<>]+)\(([\w$]+\.(?:java|kt|scala|groovy|clj)):\d+\)/gm;
/** Go: the function line `pkg/path.(*T).Method(0x1, ...)`, then its file line `\t/abs/pkg/file.go:123 +0x1d`. */
const GO_FRAME_RE =
  /^[ \t]*(?:[\w.-]+\/)*[\w.-]+?\.(?:\(\*?(\w+)\)\.)?(\w+)(?:\.func\d+)*\([^)\n]*\)[ \t]*\r?\n[ \t]*(\S+\.go):\d+(?: \+0x[0-9a-f]+)?[ \t]*$/gm;
/** Lowercase words joined by hyphens, as rule, command and file names are: `no-debugger`, `space-in-parens`. */
const HYPHENATED_RE = /(?<![\w\-./@])[a-z][a-z0-9]*(?:-[a-z0-9]+)+(?![\w-]|\.\w)/g;
/**
 * At most this many paths, frames, dotted and hyphenated names are taken from one query: each is matched
 * against every file of the index, and no real issue names more.
 */
const MAX_MENTIONS = 200;
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
 * The path a frame's file most likely has in its repository: the part after the last `node_modules/<pkg>/`,
 * `site-packages/`, `dist-packages/` or Go module cache entry (`<module>@<version>/`); otherwise the absolute path as written (the searcher matches it by suffix). Runtime frames (`node:`,
 * `internal/`, `<anonymous>`) have none.
 */
export function framePath(raw: string): string | undefined {
  const p = raw.replace(/^file:\/\//, "").replace(/\\/g, "/");
  if (/^(node:|internal\/|<|native\b|\[)/.test(p) || !/\.\w+$/.test(p)) return undefined;
  const cuts = [
    /^.*\/node_modules\/(?:@[^/]+\/)?[^/]+\//,
    /^.*\/(?:site|dist)-packages\//,
    /^.*\/[^/]+@v?\d[^/]*\//,
  ];
  for (const cut of cuts) if (cut.test(p)) return p.replace(cut, "");
  return p.replace(/^\/?[A-Za-z]:\//, "/");
}

/**
 * Stack frames of every language the query recognises, innermost first: in the order Node, Go and Java
 * print them, and Python's in reverse.
 */
function stackFrames(text: string): { path: string; fn: string; at: number }[] {
  const out: { path: string; fn: string; at: number }[] = [];
  const add = (raw: string, fn: string, at: number) => {
    const path = framePath(raw);
    if (path) out.push({ path, fn, at });
  };
  // Python prints the innermost call last ("most recent call last"): its frames count down from there.
  for (const m of text.matchAll(PY_FRAME_RE)) add(m[1]!, m[2]!, -(m.index ?? 0));
  for (const m of text.matchAll(NODE_AT_RE)) {
    const f = nodeFrame(m[1]!);
    // Without a directory it is a Node core module (`events.js:82:20`).
    if (!f || !/\.[cm]?[jt]sx?$/.test(f.file) || !f.file.includes("/")) continue;
    add(f.file, f.fn.split(".").at(-1) ?? "", m.index ?? 0);
  }
  for (const m of text.matchAll(JAVA_FRAME_RE)) {
    const pkg = m[1]!.split(".").slice(0, -1);
    add([...pkg, m[3]!].join("/"), m[2]!.replace(/^lambda\$(\w+)\$\d+$/, "$1"), m.index ?? 0);
  }
  for (const m of text.matchAll(GO_FRAME_RE)) add(m[3]!, m[2]!, m.index ?? 0);
  return out.sort((a, b) => a.at - b.at);
}

/** The file paths written in a text (`src/a.py`, `C:\\x\\b.ts`, `setup.cfg`), in order. */
function pathsIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PATH_RUN_RE)) {
    const p = PATH_END_RE.exec(m[0]);
    if (p) out.push(p[0]);
  }
  return out;
}

/**
 * One Node frame, from the text after `at `: `fn (/abs/x.js:12:5)`, `/abs/x.js:12:5`,
 * `async Obj.fn [as alias] (file:///abs/x.mjs:1:2)`, `new Foo (x.js:1:2)`. Parsed with string operations
 * so that a long line costs its length once.
 */
function nodeFrame(rest: string): { fn: string; file: string } | undefined {
  let r = rest
    .trim()
    .replace(/^async /, "")
    .replace(/^new /, "");
  let fn = "";
  if (r.endsWith(")")) {
    const open = r.lastIndexOf(" (");
    if (open < 0) return undefined;
    fn = r.slice(0, open).replace(/ \[as [^\]]*\]$/, "");
    if (/[\s()]/.test(fn)) return undefined;
    r = r.slice(open + 2, -1);
  }
  // `file:line` or `file:line:column`.
  const last = /:\d+$/.exec(r);
  if (!last) return undefined;
  let file = r.slice(0, last.index);
  const before = /:\d+$/.exec(file);
  if (before) file = file.slice(0, before.index);
  return file && !/[\s()]/.test(file) ? { fn, file } : undefined;
}

/** Whether a line has something code-like in it: a code span, a path, a dotted or code-shaped name. */
function hasCode(line: string): boolean {
  if (/`/.test(line)) return true;
  if (pathsIn(line).length > 0) return true;
  for (const m of line.matchAll(IDENT_RE)) if (looksLikeCode(m[0])) return true;
  return false;
}

/**
 * Issue-template text: headings and bold labels the template wrote (`### Describe the bug`,
 * `**Tell us about your environment**`, `**What parser are you using?** default`), question lines the
 * template asks before the user's answer, checkbox lists, and blocks bots and plugins append (custom
 * elements such as `<bountysource-plugin>…</bountysource-plugin>`). The answers stay; so does anything in
 * a fenced code block, and the first line (the title).
 */
export function stripTemplate(text: string): string {
  const noBlocks = text
    .replace(/<([a-z][a-z0-9]*-[a-z0-9-]+)\b[^>]*>[\s\S]*?<\/\1>/g, " ")
    .replace(/<summary>[\s\S]*?<\/summary>/gi, " ")
    .replace(/<\/?(details|summary|br|p|b|i|em|strong|sup|sub|hr)\s*\/?>/gi, " ");
  const lines = noBlocks.split(/\r?\n/);
  const out: string[] = [];
  let fence = false;
  for (const [i, line] of lines.entries()) {
    if (/^\s*(```|~~~)/.test(line)) {
      fence = !fence;
      out.push(line);
      continue;
    }
    if (fence || i === 0) {
      out.push(line);
      continue;
    }
    let l = line;
    // Checkbox items: the template's acknowledgements.
    if (/^\s*[-*]\s+\[[ xX]\]/.test(l)) continue;
    // A heading, or a line that is only bold (a label), without code in it.
    const bare = trimEndOf(l.replace(/^\s*(#{1,6}\s+|[-*]\s+)?/, ""), ":").trim();
    if (/^#{1,6}\s/.test(l.trim()) && !hasCode(bare)) continue;
    if (/^(\*\*|__)[^*_]+(\*\*|__):?$/.test(bare) && !hasCode(bare)) continue;
    // A bold label or question at the start of a line, before its answer: `**Node Version:** 12`.
    l = l.replace(/^(\s*(?:[-*]\s+)?)(\*\*|__)([^*_]+[?:])\2:?/, (all, lead: string, _m, label: string) =>
      hasCode(label) ? all : lead,
    );
    if (!l.trim() && line.trim()) continue;
    // A question line without code, answered on the next line: the template asked it.
    if (l.trimEnd().endsWith("?") && !hasCode(l)) {
      let k = i + 1;
      while (k < lines.length && !lines[k]!.trim()) k++;
      const next = lines[k]?.trim() ?? "";
      if (next && !next.endsWith("?")) continue;
    }
    out.push(l);
  }
  return out.join("\n");
}

/** The text without its HTML comments (an unclosed one runs to the end), in one pass. */
function withoutComments(text: string): string {
  let out = "";
  let at = 0;
  for (let open = text.indexOf("<!--"); open >= 0; open = text.indexOf("<!--", at)) {
    out += `${text.slice(at, open)} `;
    const close = text.indexOf("-->", open + 4);
    at = close < 0 ? text.length : close + 3;
  }
  return out + text.slice(at);
}

/** `s` without the trailing characters in `chars` and whitespace. */
function trimEndOf(s: string, chars: string): string {
  let e = s.length;
  while (e > 0 && (chars.includes(s[e - 1]!) || /\s/.test(s[e - 1]!))) e--;
  return s.slice(0, e);
}

/**
 * Issue boilerplate that matches everything and nothing: template instructions in HTML comments, template
 * headings and questions (see `stripTemplate`), and environment dumps (runs of `name: version` or
 * `name==version` lines).
 */
export function stripBoilerplate(text: string): string {
  const noComments = stripTemplate(withoutComments(text));
  const lines = noComments.split(/\r?\n/);
  // On the trimmed line: a leading or trailing `\s*` beside another repeat backtracks quadratically on a
  // long run of spaces.
  const dump = (line: string) => {
    const l = line.trim();
    return /^[-*]?\s*[\w.-]+\s*(:|==|>=|=)\s*[\w.+\-/]*$/.test(l) || /^[\w.-]+\s+\d+\.\d\S*$/.test(l);
  };
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
  const frames = stackFrames(text).slice(0, MAX_MENTIONS);
  for (const f of frames) {
    paths.add(f.path);
    if (/^[A-Za-z_$][\w$]*$/.test(f.fn) && !/^(<\w+>|anonymous|Object|Module|main)$/.test(f.fn))
      addIdent(f.fn, 3);
  }
  const names = new Set<string>();
  // Names in prose and code spans only: inside a fenced block (a configuration, a log) they are data.
  const prose = text.replace(/```[\s\S]*?```/g, " ").replace(/\b\w+:\/\/\S+/g, " ");
  for (const m of prose.matchAll(HYPHENATED_RE)) if (names.size < MAX_MENTIONS) names.add(m[0]);
  for (const found of pathsIn(text)) {
    const p = found.replace(/\\/g, "/");
    if (paths.size >= MAX_MENTIONS) break;
    if (p.includes("/") || /\.(py|js|ts|go|rs|java|rb|php|c|cpp|cs|tsx|jsx)$/.test(p)) paths.add(p);
  }
  for (const m of text.matchAll(DOTTED_RE)) {
    const d = m[0];
    if (/\.(com|org|io|net|html?)$/.test(d) || /^(e\.g|i\.e|etc)\b/.test(d)) continue;
    // No module path or qualified name is this long; matching its prefixes would cost its length squared.
    if (d.length > 256 || d.split(".", 17).length > 16) continue;
    if (dotted.size >= MAX_MENTIONS) continue;
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
  // A hyphenated name as the term its file's path gives (`no-debugger.js` -> `no_debugger`), weighed as an
  // identifier; not its parts: `auto-generated` in prose says nothing more about `auto` or `generated`.
  for (const n of names) {
    const whole = stem(n.replace(/-/g, "_"));
    raw.set(whole, (raw.get(whole) ?? 0) + 2);
  }
  for (const [t, n] of raw) terms.set(t, 1 + Math.log(n));
  const words = text.split(/\s+/).length;
  return {
    terms,
    paths: [...paths],
    dotted: [...dotted],
    identifiers,
    frames: frames.map(({ path, fn }) => ({ path, fn })),
    names: [...names],
    long: words > 30,
  };
}
