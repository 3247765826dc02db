/**
 * The import graph between changed files, read with tree-sitter (the code toolset's parsers) for
 * TypeScript/JavaScript, Python, Go, Rust and Java: each import statement, where it is (its line, so a
 * hunk that adds it can be told apart from one that was there before), and the changed files it
 * resolves to. Imports of anything else (packages, the standard library, unchanged files) are dropped:
 * only changed files order a stack.
 */
import { basename, posix } from "node:path";
import type { Node } from "web-tree-sitter";
import { withSyntaxTree } from "../../code/chunker.js";

export const IMPORT_LANGUAGES = new Set(["typescript", "tsx", "javascript", "python", "go", "rust", "java"]);

/** One import statement: what it names, and the line it is on (1-based). */
interface RawImport {
  spec: string;
  line: number;
  /** Python: the names of `from x import a, b` (each may be a submodule). */
  names?: string[];
  /** Rust `mod x;` (a child module file), as opposed to a `use` path. */
  mod?: boolean;
  /** The names the statement binds in the importing file (what code that uses the import mentions). */
  bound: string[];
}

export interface ResolvedImport {
  path: string;
  line: number;
  /** The names the import binds (`createSession`, `db`, `HashMap`). */
  names: string[];
}

/** Identifiers inside a node, except within its `source` (the module string). */
function identifiers(n: Node, skip?: Node | null): string[] {
  const out = new Set<string>();
  for (const id of n.descendantsOfType(["identifier", "type_identifier", "property_identifier"])) {
    if (!id || (skip && id.startIndex >= skip.startIndex && id.endIndex <= skip.endIndex)) continue;
    out.add(id.text);
  }
  return [...out];
}
const lastSegment = (s: string) =>
  s
    .split(/::|[./]/)
    .filter(Boolean)
    .at(-1) ?? s;

const unquote = (s: string) => s.replace(/^["'`]|["'`]$/g, "");
const lineOf = (n: Node) => n.startPosition.row + 1;

function jsImports(root: Node): RawImport[] {
  const out: RawImport[] = [];
  for (const n of root.descendantsOfType(["import_statement", "export_statement", "call_expression"])) {
    if (!n) continue;
    if (n.type === "call_expression") {
      const fn = n.childForFieldName("function");
      if (!fn || !(fn.type === "import" || (fn.type === "identifier" && fn.text === "require"))) continue;
      const arg = n.childForFieldName("arguments")?.namedChildren[0];
      // `const { a } = require("./x")`: the names are on the declarator around the call.
      const decl = n.parent?.type === "variable_declarator" ? n.parent.childForFieldName("name") : null;
      if (arg?.type === "string")
        out.push({ spec: unquote(arg.text), line: lineOf(n), bound: decl ? identifiers(decl) : [] });
      continue;
    }
    const source = n.childForFieldName("source");
    if (source?.type === "string")
      out.push({ spec: unquote(source.text), line: lineOf(n), bound: identifiers(n, source) });
  }
  return out;
}

function pythonImports(root: Node): RawImport[] {
  const out: RawImport[] = [];
  for (const n of root.descendantsOfType(["import_statement", "import_from_statement"])) {
    if (!n) continue;
    if (n.type === "import_statement") {
      for (const c of n.namedChildren) {
        const name = c?.type === "aliased_import" ? c.childForFieldName("name") : c;
        const alias = c?.type === "aliased_import" ? c.childForFieldName("alias")?.text : undefined;
        if (name?.type === "dotted_name")
          out.push({ spec: name.text, line: lineOf(n), bound: [alias ?? name.text.split(".")[0]!] });
      }
      continue;
    }
    const module = n.childForFieldName("module_name");
    if (!module) continue;
    const names: string[] = [];
    const bound: string[] = [];
    for (const c of n.childrenForFieldName("name")) {
      const name = c?.type === "aliased_import" ? c.childForFieldName("name") : c;
      if (name?.type === "dotted_name") names.push(name.text);
      const alias = c?.type === "aliased_import" ? c.childForFieldName("alias")?.text : undefined;
      if (name) bound.push(alias ?? name.text);
    }
    out.push({ spec: module.text.replace(/\s+/g, ""), line: lineOf(n), names, bound });
  }
  return out;
}

function goImports(root: Node): RawImport[] {
  const out: RawImport[] = [];
  for (const n of root.descendantsOfType("import_spec")) {
    const p = n?.childForFieldName("path");
    const alias = n?.childForFieldName("name")?.text;
    if (p)
      out.push({ spec: unquote(p.text), line: lineOf(n!), bound: [alias ?? lastSegment(unquote(p.text))] });
  }
  return out;
}

function rustImports(root: Node): RawImport[] {
  const out: RawImport[] = [];
  for (const n of root.descendantsOfType(["use_declaration", "mod_item"])) {
    if (!n) continue;
    if (n.type === "mod_item") {
      // `mod x;` (no body) is a child module in its own file.
      if (!n.childForFieldName("body")) {
        const name = n.childForFieldName("name");
        if (name) out.push({ spec: name.text, line: lineOf(n), mod: true, bound: [name.text] });
      }
      continue;
    }
    const arg = n.childForFieldName("argument");
    if (!arg) continue;
    // `crate::a::{b, c::d}` names crate::a::b and crate::a::c::d; the module path is what matters.
    const text = arg.text.replace(/\s+/g, "");
    const brace = text.indexOf("{");
    const bound = identifiers(arg);
    if (brace < 0) out.push({ spec: text.replace(/as\w+$/, ""), line: lineOf(n), bound });
    else {
      const prefix = text.slice(0, brace);
      for (const part of text.slice(brace + 1, text.lastIndexOf("}")).split(","))
        if (part && !part.includes("{"))
          out.push({ spec: prefix + part.replace(/as\w+$/, ""), line: lineOf(n), bound });
      out.push({ spec: prefix.replace(/::$/, ""), line: lineOf(n), bound });
    }
  }
  return out;
}

function javaImports(root: Node): RawImport[] {
  const out: RawImport[] = [];
  for (const n of root.descendantsOfType("import_declaration")) {
    if (!n) continue;
    const m = /^import\s+(?:static\s+)?([\w.]+(?:\.\*)?)\s*;/.exec(n.text);
    if (m) out.push({ spec: m[1]!, line: lineOf(n), bound: [lastSegment(m[1]!.replace(/\.\*$/, ""))] });
  }
  return out;
}

const EXTRACTORS: Record<string, (root: Node) => RawImport[]> = {
  typescript: jsImports,
  tsx: jsImports,
  javascript: jsImports,
  python: pythonImports,
  go: goImports,
  rust: rustImports,
  java: javaImports,
};

/** The import statements of a file (empty for a language without an import reader). */
export async function readImports(language: string, text: string): Promise<RawImport[]> {
  const extract = EXTRACTORS[language];
  if (!extract) return [];
  return (await withSyntaxTree(language, text, extract)) ?? [];
}

const JS_EXT = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

/**
 * Resolves import statements to changed files. Built once per analysis over the set of changed paths
 * (and the Go module path from go.mod, when there is one).
 */
export class ImportResolver {
  private readonly goDirs = new Map<string, string[]>();
  private readonly javaByName = new Map<string, string[]>();

  constructor(
    private readonly changed: ReadonlySet<string>,
    private readonly goModule?: string,
  ) {
    for (const p of changed) {
      if (p.endsWith(".go") && !p.endsWith("_test.go")) push(this.goDirs, posix.dirname(p), p);
      if (p.endsWith(".java")) push(this.javaByName, basename(p), p);
    }
  }

  /** The root go.mod's module path, when there is one. */
  get goModulePath(): string | undefined {
    return this.goModule;
  }

  resolve(path: string, language: string, imports: readonly RawImport[]): ResolvedImport[] {
    const out = new Map<string, ResolvedImport>();
    let bound: string[] = [];
    const add = (target: string | undefined, line: number) => {
      if (!target || target === path || !this.changed.has(target)) return;
      const seen = out.get(target);
      if (!seen) out.set(target, { path: target, line, names: [...bound] });
      else for (const b of bound) if (!seen.names.includes(b)) seen.names.push(b);
    };
    for (const imp of imports) {
      bound = imp.bound;
      switch (language) {
        case "typescript":
        case "tsx":
        case "javascript":
          add(this.js(path, imp.spec), imp.line);
          break;
        case "python":
          for (const t of this.python(path, imp)) add(t, imp.line);
          break;
        case "go":
          for (const t of this.go(imp.spec)) add(t, imp.line);
          break;
        case "rust":
          add(this.rust(path, imp), imp.line);
          break;
        case "java":
          for (const t of this.java(imp.spec)) add(t, imp.line);
          break;
      }
    }
    return [...out.values()];
  }

  private js(path: string, spec: string): string | undefined {
    if (!spec.startsWith("./") && !spec.startsWith("../")) return undefined;
    const target = posix.normalize(posix.join(posix.dirname(path), spec));
    const base = target.replace(/\.[cm]?[jt]sx?$/, "");
    const candidates = [target, ...JS_EXT.map((e) => base + e), ...JS_EXT.map((e) => `${target}/index${e}`)];
    return candidates.find((c) => this.changed.has(c));
  }

  private python(path: string, imp: RawImport): string[] {
    const dots = /^\.*/.exec(imp.spec)![0].length;
    const rel = imp.spec.slice(dots).replace(/\./g, "/");
    const roots: string[] = [];
    if (dots > 0) {
      let dir = posix.dirname(path);
      for (let i = 1; i < dots; i++) dir = posix.dirname(dir);
      roots.push(dir === "." ? "" : `${dir}/`);
    } else roots.push("", "src/", `${posix.dirname(path)}/`);
    const found: string[] = [];
    for (const root of roots) {
      const mod = rel ? `${root}${rel}` : root.replace(/\/$/, "");
      const hits = [`${mod}.py`, `${mod}/__init__.py`].filter((c) => this.changed.has(c));
      // `from pkg import sub`: sub may be a module of its own.
      for (const name of imp.names ?? []) {
        const sub = `${mod ? `${mod}/` : ""}${name.replace(/\./g, "/")}`;
        for (const c of [`${sub}.py`, `${sub}/__init__.py`]) if (this.changed.has(c)) hits.push(c);
      }
      if (hits.length > 0) {
        found.push(...hits);
        break;
      }
    }
    return found;
  }

  private go(spec: string): string[] {
    if (!this.goModule || !spec.startsWith(`${this.goModule}/`)) return [];
    return this.goDirs.get(spec.slice(this.goModule.length + 1)) ?? [];
  }

  private rust(path: string, imp: RawImport): string | undefined {
    const dir = posix.dirname(path);
    const name = basename(path, ".rs");
    // The directory a file's child modules live in: its own for mod.rs/lib.rs/main.rs, else <dir>/<name>.
    const own = ["mod", "lib", "main"].includes(name) ? dir : `${dir}/${name}`;
    const file = (segments: string[], from: string) => {
      for (let n = segments.length; n > 0; n--) {
        const p = posix.join(from, ...segments.slice(0, n));
        for (const c of [`${p}.rs`, `${p}/mod.rs`]) if (this.changed.has(c)) return c;
      }
      return undefined;
    };
    if (imp.mod) return file([imp.spec], own);
    const segments = imp.spec.split("::").filter(Boolean);
    const head = segments[0];
    if (head === "crate") {
      const i = path.lastIndexOf("src/");
      return file(segments.slice(1), i >= 0 ? path.slice(0, i + 3) : dir);
    }
    if (head === "self") return file(segments.slice(1), own);
    if (head === "super")
      return file(segments.slice(1), ["mod", "lib", "main"].includes(name) ? posix.dirname(dir) : dir);
    return undefined;
  }

  private java(spec: string): string[] {
    const parts = spec.split(".");
    if (parts.at(-1) === "*") {
      const dir = parts.slice(0, -1).join("/");
      return [...this.changed].filter((p) => p.endsWith(".java") && posix.dirname(p).endsWith(dir));
    }
    // `import static a.B.member`: the class is one segment up.
    for (const cls of [parts, parts.slice(0, -1)]) {
      const suffix = `${cls.join("/")}.java`;
      const hits = (this.javaByName.get(`${cls.at(-1)}.java`) ?? []).filter(
        (p) => p === suffix || p.endsWith(`/${suffix}`),
      );
      if (hits.length > 0) return hits;
    }
    return [];
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The module path a go.mod declares. */
export function goModulePath(goMod: string): string | undefined {
  return /^module\s+(\S+)/m.exec(goMod)?.[1];
}
