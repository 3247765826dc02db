/**
 * Chunking: tree-sitter for the languages in GRAMMARS (functions, methods, classes and the top-level code
 * between them, each with its enclosing context), markdown by heading, anything else by line windows
 * with overlap. Every line of a file belongs to at least one chunk.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Language, type Node, Parser } from "web-tree-sitter";
import { GRAMMARS, ownEntry } from "./languages.js";

export interface Chunk {
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  kind: string;
  /** Qualified name (`Class.method`) for definitions; the heading for markdown; "" otherwise. */
  symbol: string;
  /** Short name of the definition (last part of symbol), "" when none. */
  name: string;
  /** Enclosing signatures and docstring, prepended when indexing and embedding. */
  context: string;
  text: string;
  hash: string;
}

const MAX_CHUNK_LINES = 150;
const WINDOW = 60;
const OVERLAP = 10;

/** Node types that define something, per grammar; containers also hold definitions. */
interface Spec {
  defs: Record<string, string>;
  containers: Set<string>;
}

const spec = (defs: Record<string, string>, containers: string[]): Spec => ({
  defs,
  containers: new Set(containers),
});

const JS_DEFS = {
  function_declaration: "function",
  generator_function_declaration: "function",
  class_declaration: "class",
  abstract_class_declaration: "class",
  method_definition: "method",
  interface_declaration: "interface",
  type_alias_declaration: "type",
  enum_declaration: "enum",
  module: "module",
  internal_module: "namespace",
};
const JS_CONTAINERS = [
  "class_declaration",
  "abstract_class_declaration",
  "class_body",
  "module",
  "internal_module",
];

const SPECS: Record<string, Spec> = {
  typescript: spec(JS_DEFS, JS_CONTAINERS),
  tsx: spec(JS_DEFS, JS_CONTAINERS),
  javascript: spec(JS_DEFS, JS_CONTAINERS),
  python: spec({ function_definition: "function", class_definition: "class" }, ["class_definition"]),
  go: spec({ function_declaration: "function", method_declaration: "method", type_declaration: "type" }, []),
  rust: spec(
    {
      function_item: "function",
      impl_item: "impl",
      struct_item: "struct",
      enum_item: "enum",
      trait_item: "trait",
      mod_item: "module",
      macro_definition: "macro",
    },
    ["impl_item", "trait_item", "mod_item"],
  ),
  java: spec(
    {
      class_declaration: "class",
      interface_declaration: "interface",
      enum_declaration: "enum",
      record_declaration: "class",
      method_declaration: "method",
      constructor_declaration: "constructor",
    },
    ["class_declaration", "interface_declaration", "enum_declaration", "record_declaration"],
  ),
  c: spec({ function_definition: "function", struct_specifier: "struct", enum_specifier: "enum" }, []),
  cpp: spec(
    {
      function_definition: "function",
      class_specifier: "class",
      struct_specifier: "struct",
      namespace_definition: "namespace",
      enum_specifier: "enum",
    },
    ["class_specifier", "struct_specifier", "namespace_definition"],
  ),
  csharp: spec(
    {
      class_declaration: "class",
      interface_declaration: "interface",
      struct_declaration: "struct",
      enum_declaration: "enum",
      record_declaration: "class",
      method_declaration: "method",
      constructor_declaration: "constructor",
      property_declaration: "property",
      namespace_declaration: "namespace",
    },
    [
      "class_declaration",
      "interface_declaration",
      "struct_declaration",
      "namespace_declaration",
      "record_declaration",
    ],
  ),
  ruby: spec({ method: "method", singleton_method: "method", class: "class", module: "module" }, [
    "class",
    "module",
  ]),
  php: spec(
    {
      function_definition: "function",
      class_declaration: "class",
      interface_declaration: "interface",
      trait_declaration: "trait",
      method_declaration: "method",
      enum_declaration: "enum",
    },
    ["class_declaration", "interface_declaration", "trait_declaration", "enum_declaration"],
  ),
};

let parserReady: Promise<void> | undefined;
const languages = new Map<string, Promise<Language>>();

function grammarDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("tree-sitter-wasms/package.json")), "out");
}

async function loadLanguage(lang: string): Promise<Language | undefined> {
  const grammar = ownEntry(GRAMMARS, lang);
  if (!grammar) return undefined;
  parserReady ??= Parser.init();
  await parserReady;
  let l = languages.get(grammar);
  if (!l) {
    l = Language.load(join(grammarDir(), `tree-sitter-${grammar}.wasm`));
    languages.set(grammar, l);
  }
  return l;
}

/**
 * Parses `text` with the tree-sitter grammar of `lang` and gives the root node to `visit`; the tree and
 * parser are freed afterwards (do not keep nodes). Undefined when `lang` has no grammar. Other toolsets
 * (the prs toolset's import graph) read syntax through this, with the same parsers the chunker uses.
 */
export async function withSyntaxTree<T>(
  lang: string,
  text: string,
  visit: (root: Node) => T,
): Promise<T | undefined> {
  const language = await loadLanguage(lang);
  if (!language) return undefined;
  const parser = new Parser();
  try {
    parser.setLanguage(language);
    const tree = parser.parse(text);
    if (!tree) return undefined;
    try {
      return visit(tree.rootNode);
    } finally {
      tree.delete();
    }
  } finally {
    parser.delete();
  }
}

export function hashText(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

function sliceLines(lines: readonly string[], start: number, end: number): string {
  return lines.slice(start - 1, end).join("\n");
}

function makeChunk(
  lines: readonly string[],
  start: number,
  end: number,
  kind: string,
  symbol: string,
  context: string,
): Chunk {
  const text = sliceLines(lines, start, end);
  const name = symbol.includes(".") ? symbol.slice(symbol.lastIndexOf(".") + 1) : symbol;
  return {
    startLine: start,
    endLine: end,
    kind,
    symbol,
    name,
    context,
    text,
    hash: hashText(context + text),
  };
}

/** Windows of at most `size` lines with `overlap`, pushed as chunks of `kind`. */
function windows(
  out: Chunk[],
  lines: readonly string[],
  start: number,
  end: number,
  kind: string,
  symbol: string,
  context: string,
  size = WINDOW,
): void {
  for (let s = start; s <= end; s += size - OVERLAP) {
    const e = Math.min(end, s + size - 1);
    const text = sliceLines(lines, s, e);
    if (text.trim()) out.push(makeChunk(lines, s, e, kind, symbol, context));
    if (e >= end) break;
  }
}

/** The name of a definition node, looking through declarators (C/C++) and wrappers. */
function nodeName(node: Node): string {
  const direct = node.childForFieldName("name");
  if (direct) return direct.text;
  let decl = node.childForFieldName("declarator");
  for (let i = 0; decl && i < 6; i++) {
    if (/identifier|name$/.test(decl.type)) return decl.text;
    const inner: Node | null = decl.childForFieldName("declarator") ?? decl.childForFieldName("name");
    if (!inner) {
      const id = decl.namedChildren.find((c) => c && /identifier/.test(c.type));
      return id?.text ?? "";
    }
    decl = inner;
  }
  if (node.type === "impl_item") return node.childForFieldName("type")?.text ?? "";
  const type = node.childForFieldName("type");
  if (node.type === "type_declaration") {
    const specNode = node.namedChildren.find((c) => c?.type === "type_spec");
    return specNode?.childForFieldName("name")?.text ?? "";
  }
  return type?.text ?? "";
}

function docstring(node: Node, lang: string): string {
  if (lang === "python") {
    const body = node.childForFieldName("body");
    const first = body?.namedChildren[0];
    if (first?.type === "expression_statement" && first.namedChildren[0]?.type === "string") {
      return first.text.slice(0, 600);
    }
    return "";
  }
  const parts: string[] = [];
  let prev = node.previousNamedSibling;
  let row = node.startPosition.row;
  while (prev?.type.includes("comment") && prev.endPosition.row >= row - 1) {
    parts.unshift(prev.text);
    row = prev.startPosition.row;
    prev = prev.previousNamedSibling;
  }
  return parts.join("\n").slice(0, 600);
}

/**
 * The first line of a definition, trimmed: read from the file's text between the node's start and the
 * first newline (or the node's end), so a class or namespace spanning the whole file is not copied whole.
 */
function signature(node: Node, text: string): string {
  const start = node.startIndex;
  const end = node.endIndex;
  const nl = text.indexOf("\n", start);
  const first = text.slice(start, nl >= 0 && nl < end ? nl : end);
  return first.trim().slice(0, 200);
}

interface Def {
  node: Node;
  start: number;
  end: number;
  kind: string;
  symbol: string;
  context: string;
  container: boolean;
}

/** Collects definitions depth-first; `prefix` is the qualified name of the enclosing container. */
function collectDefs(
  node: Node,
  s: Spec,
  lang: string,
  prefix: string,
  ctx: string,
  out: Def[],
  text: string,
): void {
  for (const child of node.namedChildren) {
    if (!child) continue;
    let target = child;
    // Unwrap decorators and exports so the definition gets the wrapper's lines (decorators, `export`).
    if (child.type === "decorated_definition") target = child.childForFieldName("definition") ?? child;
    if (child.type === "export_statement") {
      const d = child.childForFieldName("declaration");
      if (d) target = d;
    }
    let kind = s.defs[target.type];
    let name = kind ? nodeName(target) : "";
    if (!kind && (target.type === "lexical_declaration" || target.type === "variable_declaration")) {
      // const foo = () => {...} / function () {...}
      const decl = target.namedChildren.find((c) => c?.type === "variable_declarator");
      const value = decl?.childForFieldName("value");
      if (decl && value && /arrow_function|function/.test(value.type)) {
        kind = "function";
        name = decl.childForFieldName("name")?.text ?? "";
      }
    }
    if (!kind && s.containers.has(child.type)) {
      collectDefs(child, s, lang, prefix, ctx, out, text);
      continue;
    }
    if (kind) {
      const symbol = prefix && name ? `${prefix}.${name}` : name;
      const doc = docstring(target, lang);
      const sig = signature(target, text);
      out.push({
        node: target,
        start: child.startPosition.row + 1,
        end: child.endPosition.row + 1,
        kind,
        symbol,
        context: [ctx, doc ? `${sig}\n${doc}` : sig].filter(Boolean).join("\n"),
        container: s.containers.has(target.type),
      });
      if (s.containers.has(target.type)) {
        const body = target.childForFieldName("body") ?? target;
        collectDefs(body, s, lang, symbol, [ctx, sig].filter(Boolean).join("\n"), out, text);
      }
    } else if (
      child.namedChildCount > 0 &&
      child.type !== "comment" &&
      /block|body|namespace|program/.test(child.type)
    ) {
      collectDefs(child, s, lang, prefix, ctx, out, text);
    }
  }
}

/**
 * The first line of the earliest definition strictly inside container `d` (starting after its first line,
 * ending within it), or undefined. `byStart` holds the indexes of `defs` ordered by start line.
 */
function firstMemberStart(d: Def, defs: readonly Def[], byStart: Int32Array): number | undefined {
  // Binary search: the first definition that starts after d's first line.
  let lo = 0;
  let hi = byStart.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (defs[byStart[mid]!]!.start > d.start) hi = mid;
    else lo = mid + 1;
  }
  for (let k = lo; k < byStart.length; k++) {
    const o = defs[byStart[k]!]!;
    if (o.start > d.end) break;
    if (o.end <= d.end) return o.start;
  }
  return undefined;
}

function chunkByTree(
  root: Node,
  lines: readonly string[],
  lang: string,
  pathCtx: string,
  text: string,
): Chunk[] {
  const s = SPECS[lang];
  if (!s) return [];
  const defs: Def[] = [];
  collectDefs(root, s, lang, "", "", defs, text);
  const out: Chunk[] = [];
  const covered = new Uint8Array(lines.length + 2);
  const byStart = Int32Array.from(defs.keys()).sort((a, b) => defs[a]!.start - defs[b]!.start || a - b);
  const containers = defs.filter((d) => d.container);
  for (const d of defs) {
    let end = d.end;
    if (d.container) {
      // The container's own chunk is its header: up to its first member definition.
      const first = firstMemberStart(d, defs, byStart);
      if (first !== undefined) end = Math.max(d.start, first - 1);
    }
    const ctx = `${pathCtx}\n${d.context}`;
    if (end - d.start + 1 > MAX_CHUNK_LINES)
      windows(out, lines, d.start, end, d.kind, d.symbol, ctx, MAX_CHUNK_LINES);
    else out.push(makeChunk(lines, d.start, end, d.kind, d.symbol, ctx));
    for (let l = d.start; l <= end; l++) covered[l] = 1;
  }
  // Lines no definition covers (imports, top-level statements, class attributes): grouped in blocks.
  let runStart = 0;
  for (let l = 1; l <= lines.length + 1; l++) {
    const free = l <= lines.length && !covered[l];
    if (free && !runStart) runStart = l;
    if (!free && runStart) {
      // The innermost (last collected) container around the run names it.
      let enclosing: Def | undefined;
      for (let k = containers.length - 1; k >= 0; k--) {
        const c = containers[k]!;
        if (c.start <= runStart && c.end >= l - 1) {
          enclosing = c;
          break;
        }
      }
      windows(out, lines, runStart, l - 1, "block", enclosing?.symbol ?? "", pathCtx);
      runStart = 0;
    }
  }
  out.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
  return out;
}

function chunkMarkdown(lines: readonly string[], pathCtx: string): Chunk[] {
  const out: Chunk[] = [];
  let start = 1;
  let heading = "";
  let inFence = false;
  const flush = (end: number) => {
    if (end < start) return;
    if (end - start + 1 > MAX_CHUNK_LINES) windows(out, lines, start, end, "section", heading, pathCtx);
    else if (sliceLines(lines, start, end).trim())
      out.push(makeChunk(lines, start, end, "section", heading, `${pathCtx}\n${heading}`));
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^(```|~~~)/.test(line)) inFence = !inFence;
    const m = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) {
      flush(i);
      start = i + 1;
      heading = (m[1] ?? "").trim().slice(0, 200);
    }
  }
  flush(lines.length);
  // A markdown "symbol" is a heading: keep it out of the definition name index.
  for (const c of out) c.name = "";
  return out;
}

/** Splits one file into chunks (by syntax unless `syntax` is false: then by line windows). */
export async function chunkFile(
  path: string,
  lang: string,
  text: string,
  options: { syntax?: boolean } = {},
): Promise<Chunk[]> {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines.at(-1) === "") lines.pop();
  const pathCtx = path;
  if (lang === "markdown" && options.syntax !== false) return chunkMarkdown(lines, pathCtx);
  // A very large file (options.syntax false) is cut in line windows only: parsing it would cost more
  // time and memory than the rest of the repository.
  const language = options.syntax === false ? undefined : await loadLanguage(lang);
  if (language) {
    const parser = new Parser();
    try {
      parser.setLanguage(language);
      const tree = parser.parse(text);
      if (tree) {
        try {
          const chunks = chunkByTree(tree.rootNode, lines, lang, pathCtx, text);
          if (chunks.length > 0) return chunks;
        } finally {
          tree.delete();
        }
      }
    } finally {
      parser.delete();
    }
  }
  const out: Chunk[] = [];
  windows(out, lines, 1, lines.length, "lines", "", pathCtx);
  return out;
}
