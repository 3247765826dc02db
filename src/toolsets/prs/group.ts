/**
 * From a pile of changed files to a few reviewable pull requests in dependency order.
 *
 * 1. Each file gets a kind: dependency manifest or lockfile, CI, build configuration, documentation, test
 *    or source.
 * 2. Source files group by module: their directory, with directories of fewer than MIN_GROUP changed
 *    files folded into their parent, so a group is a coherent area rather than a single file.
 * 3. A test joins the group of the source it tests (same base name, or the changed source it imports).
 * 4. Imports between changed files (JS/TS relative imports, Python modules) order the groups: a group
 *    comes after the groups it imports from; groups that import each other are merged.
 * 5. Dependencies and build configuration come first (everything builds on them), documentation last;
 *    beyond `maxGroups`, the smallest groups merge into the group they are most connected to.
 */
import { basename, dirname, extname, posix } from "node:path";
import type { ChangedFile } from "./changes.js";

export type FileKind = "dependencies" | "ci" | "config" | "docs" | "test" | "source";

export interface PlannedGroup {
  /** 1-based position in the stack. */
  index: number;
  title: string;
  description: string;
  kind: FileKind | "mixed";
  files: ChangedFile[];
  /** Indexes of earlier groups whose files this group's files import. */
  depends_on: number[];
  added: number;
  deleted: number;
}

const MIN_GROUP = 3;

const DEP_FILES = new Set([
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "pyproject.toml",
  "poetry.lock",
  "uv.lock",
  "Pipfile",
  "Pipfile.lock",
  "go.mod",
  "go.sum",
  "Cargo.toml",
  "Cargo.lock",
  "Gemfile",
  "Gemfile.lock",
  "composer.json",
  "composer.lock",
]);

export function kindOf(path: string): FileKind {
  const name = basename(path);
  if (DEP_FILES.has(name) || /^requirements.*\.txt$/.test(name)) return "dependencies";
  if (/^(\.github|\.circleci|\.ci|\.gitlab)\//.test(path) || name === ".gitlab-ci.yml") return "ci";
  if (/\.(md|mdx|rst|adoc)$/i.test(name) || /^docs?\//.test(path) || /^(LICENSE|CHANGELOG|NOTICE)/.test(name))
    return "docs";
  if (
    /(^|\/)(tests?|__tests__|spec)\//.test(path) ||
    /\.(test|spec)\.[cm]?[jt]sx?$/.test(name) ||
    /^test_.*\.py$|_test\.(py|go)$/.test(name)
  )
    return "test";
  if (
    !path.includes("/") &&
    (/^(tsconfig.*\.json|biome\.jsonc?|\.eslintrc.*|eslint\.config\..*|\.prettierrc.*|vite(st)?\.config\..*|jest\.config\..*|babel\.config\..*|Makefile|Dockerfile|\.editorconfig|\.gitignore|\.npmrc|setup\.cfg|tox\.ini)$/.test(
      name,
    ) ||
      /\.(ya?ml|toml|ini)$/.test(name))
  )
    return "config";
  return "source";
}

/** The name a test and its source share: `session` for session.ts, session.test.ts and test_session.py. */
function stem(path: string): string {
  return basename(path, extname(path))
    .replace(/\.(test|spec)$/, "")
    .replace(/^test_|_test$/, "");
}

// ------------------------------------------------------------------------------------------ imports

const JS_IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;
const PY_IMPORT = /^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))/gm;
const JS_EXT = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

/** Changed files that `file` imports, resolved against the set of changed paths. */
export function importsOf(path: string, text: string, changed: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  const ext = extname(path);
  if (JS_EXT.includes(ext) || ext === ".vue" || ext === ".svelte") {
    for (const m of text.matchAll(JS_IMPORT)) {
      const target = posix.normalize(posix.join(posix.dirname(path), m[1]!));
      const base = target.replace(/\.[cm]?[jt]sx?$/, "");
      const candidates = [
        target,
        ...JS_EXT.map((e) => base + e),
        ...JS_EXT.map((e) => `${target}/index${e}`),
      ];
      const hit = candidates.find((c) => changed.has(c));
      if (hit && hit !== path) out.add(hit);
    }
  } else if (ext === ".py") {
    for (const m of text.matchAll(PY_IMPORT)) {
      const mod = (m[1] ?? m[2]!).replace(/^\.+/, "");
      if (!mod) continue;
      const rel = mod.replace(/\./g, "/");
      for (const root of ["", "src/", `${posix.dirname(path)}/`]) {
        const hit = [`${root}${rel}.py`, `${root}${rel}/__init__.py`].find((c) => changed.has(c));
        if (hit && hit !== path) {
          out.add(hit);
          break;
        }
      }
    }
  }
  return [...out];
}

// ------------------------------------------------------------------------------------------ planning

interface Bucket {
  key: string;
  kind: FileKind | "mixed";
  files: ChangedFile[];
}

export interface PlanOptions {
  maxGroups: number;
  /** Text of a changed file (null when deleted or binary). */
  text(file: ChangedFile): string | null;
}

export function planGroups(files: readonly ChangedFile[], options: PlanOptions): PlannedGroup[] {
  if (files.length === 0) return [];
  const changed = new Set(files.map((f) => f.path));
  const byPath = new Map(files.map((f) => [f.path, f]));
  const imports = new Map<string, string[]>();
  for (const f of files) {
    const text = options.text(f);
    imports.set(f.path, text ? importsOf(f.path, text, changed) : []);
  }

  // 1-2. Kinds, and modules for source files (small directories folded into their parents).
  const kind = new Map(files.map((f) => [f.path, kindOf(f.path)]));
  const sources = files.filter((f) => kind.get(f.path) === "source");

  // 3. Tests join their source: same stem first, then a changed source they import. A source's tests
  // count towards its directory's size when small directories fold.
  const sourceByStem = new Map<string, string>();
  for (const f of sources) sourceByStem.set(stem(f.path), f.path);
  const testTarget = new Map<string, string>();
  const weight = new Map(sources.map((f) => [f.path, 1]));
  for (const f of files) {
    if (kind.get(f.path) !== "test") continue;
    const target =
      sourceByStem.get(stem(f.path)) ?? imports.get(f.path)!.find((p) => kind.get(p) === "source");
    if (target) {
      testTarget.set(f.path, target);
      weight.set(target, weight.get(target)! + 1);
    }
  }
  const sourceEdges: [string, string][] = [];
  for (const f of sources)
    for (const t of imports.get(f.path)!) if (kind.get(t) === "source") sourceEdges.push([f.path, t]);
  const moduleOf = foldDirectories(weight, sourceEdges);
  const bucketOf = new Map<string, string>();
  for (const f of files) {
    const k = kind.get(f.path)!;
    if (k === "source") bucketOf.set(f.path, `src:${moduleOf.get(f.path)}`);
    else if (k === "test") {
      const target = testTarget.get(f.path);
      bucketOf.set(f.path, target ? `src:${moduleOf.get(target)}` : `test:${topDir(f.path)}`);
    } else if (k === "config") bucketOf.set(f.path, "dependencies");
    else bucketOf.set(f.path, k);
  }
  const buckets = new Map<string, Bucket>();
  for (const f of files) {
    const key = bucketOf.get(f.path)!;
    let b = buckets.get(key);
    if (!b) {
      b = { key, kind: key === "dependencies" ? "dependencies" : (kind.get(f.path)! as FileKind), files: [] };
      buckets.set(key, b);
    }
    if (b.kind !== kind.get(f.path) && !(b.kind === "source" && kind.get(f.path) === "test")) {
      if (b.key !== "dependencies") b.kind = "mixed";
    }
    b.files.push(f);
  }

  // 4. Edges between buckets from what the code imports (a test's imports do not order groups: tests
  // import widely, and would tie unrelated modules into cycles). Groups that import each other merge.
  const edgesOf = () => {
    const edges = new Map() as Edges;
    for (const [from, targets] of imports) {
      if (kind.get(from) === "test") continue;
      const a = bucketOf.get(from)!;
      for (const t of targets) {
        const b = bucketOf.get(t)!;
        if (a === b) continue;
        addEdge(edges, a, b);
      }
    }
    return edges;
  };
  const merge = (into: string, from: string) => {
    const a = buckets.get(into)!;
    const b = buckets.get(from)!;
    a.files.push(...b.files);
    if (a.kind !== b.kind) a.kind = "mixed";
    for (const f of b.files) bucketOf.set(f.path, into);
    buckets.delete(from);
  };
  for (const cycle of stronglyConnected([...buckets.keys()], edgesOf())) {
    const [first, ...rest] = cycle.sort(
      (x, y) => buckets.get(y)!.files.length - buckets.get(x)!.files.length,
    );
    for (const r of rest) merge(first!, r);
  }

  // 5. Stack order: dependencies and build config first, code by imports (Kahn; ties by path), tests
  // that belong to no changed code after it, CI, then docs.
  const rank = (k: string) =>
    k === "dependencies" ? 0 : k === "docs" ? 4 : k === "ci" ? 3 : k.startsWith("test:") ? 2 : 1;
  let edges = edgesOf();
  let order: string[] = [];
  const pending = new Set(buckets.keys());
  const byRank = (x: string, y: string) => rank(x) - rank(y) || (x < y ? -1 : 1);
  while (pending.size > 0) {
    const ready = [...pending]
      .filter((k) => ![...(edges.get(k)?.keys() ?? [])].some((d) => pending.has(d)))
      .sort(byRank);
    const next = ready[0] ?? [...pending].sort(byRank)[0]!;
    order.push(next);
    pending.delete(next);
  }

  // 6. Too many groups: merge two neighbours in that order (which can never create a cycle), the pair
  // with the fewest files, preferring neighbours in the same directory; dependencies and docs stay apart
  // while other merges are possible.
  while (order.length > options.maxGroups) {
    let best = -1;
    let bestScore = Number.POSITIVE_INFINITY;
    for (let k = 0; k + 1 < order.length; k++) {
      const a = order[k]!;
      const b = order[k + 1]!;
      const fixed = [a, b].some((x) => x === "dependencies" || x === "docs");
      const shared = sharedSegments(buckets.get(a)!.files, buckets.get(b)!.files);
      const score =
        buckets.get(a)!.files.length + buckets.get(b)!.files.length - 3 * shared + (fixed ? 1e6 : 0);
      if (score < bestScore) {
        bestScore = score;
        best = k;
      }
    }
    merge(order[best]!, order[best + 1]!);
    order = order.filter((k) => buckets.has(k));
  }
  edges = edgesOf();

  const position = new Map(order.map((k, i) => [k, i + 1]));
  const groups = order.map((key, i) => {
    const b = buckets.get(key)!;
    b.files.sort((x, y) => (x.path < y.path ? -1 : 1));
    const depends = [...(edges.get(key)?.keys() ?? [])].map((k) => position.get(k)!).filter((p) => p < i + 1);
    if (key !== "dependencies" && position.has("dependencies") && !depends.includes(1)) {
      // Everything builds on changed dependencies and build configuration.
      if (b.files.some((f) => kind.get(f.path) === "source" || kind.get(f.path) === "test"))
        depends.push(position.get("dependencies")!);
    }
    return {
      index: i + 1,
      key,
      kind: b.kind,
      files: b.files,
      depends_on: [...new Set(depends)].sort((x, y) => x - y),
      added: b.files.reduce((a, f) => a + f.added, 0),
      deleted: b.files.reduce((a, f) => a + f.deleted, 0),
    };
  });
  return groups
    .map((g) => ({
      index: g.index,
      title: titleOf(g.key, g.files),
      description: "",
      kind: g.kind,
      files: g.files,
      depends_on: g.depends_on,
      added: g.added,
      deleted: g.deleted,
    }))
    .map((g, _i, all) => ({ ...g, description: describe(g, all, byPath.size) }));
}

/**
 * Module of each source path: its directory, with directories that hold too few changes (a source with
 * its tests weighs more) folded into their parent.
 */
function foldDirectories(
  weight: ReadonlyMap<string, number>,
  fileEdges: readonly [string, string][],
): Map<string, string> {
  const paths = [...weight.keys()];
  const moduleOf = new Map(paths.map((p) => [p, dirname(p)]));
  // Top-level areas stay apart (src/ and scripts/ are not one module just because both are small).
  const tops = new Set(paths.map((p) => topDir(p)));
  const frozen = new Set<string>(["."]);
  // Modules caught in import cycles, which would have to merge: a fold must not add to them.
  const tangled = () => {
    const edges = new Map() as Edges;
    for (const [a, b] of fileEdges) {
      const x = moduleOf.get(a)!;
      const y = moduleOf.get(b)!;
      if (x === y) continue;
      addEdge(edges, x, y);
    }
    return stronglyConnected([...new Set(moduleOf.values())], edges).reduce((n, c) => n + c.length, 0);
  };
  let tangle = tangled();
  for (;;) {
    const counts = new Map<string, number>();
    for (const [p, m] of moduleOf) counts.set(m, (counts.get(m) ?? 0) + weight.get(p)!);
    // Deepest small directory first.
    const small = [...counts]
      .filter(([m, n]) => n < MIN_GROUP && !frozen.has(m))
      .sort((x, y) => y[0].split("/").length - x[0].split("/").length)[0];
    if (!small) return moduleOf;
    const parent = dirname(small[0]);
    if (parent === "." && tops.size > 1) {
      frozen.add(small[0]);
      continue;
    }
    const moved = [...moduleOf].filter(([, m]) => m === small[0]).map(([p]) => p);
    for (const p of moved) moduleOf.set(p, parent);
    const after = tangled();
    if (after > tangle) {
      // Folding here would tie this directory's code into a cycle with its parent's: keep it apart.
      for (const p of moved) moduleOf.set(p, small[0]);
      frozen.add(small[0]);
    } else tangle = after;
  }
}

/** The deepest directory that contains every path ("" when they share none). */
function commonDir(paths: readonly string[]): string {
  const dirs = paths.map((p) =>
    dirname(p)
      .split("/")
      .filter((s) => s !== "."),
  );
  const first = dirs[0] ?? [];
  let n = 0;
  while (n < first.length && dirs.every((d) => d[n] === first[n])) n++;
  return first.slice(0, n).join("/");
}

/** How many leading directory segments the two groups' first files share (a proximity measure). */
function sharedSegments(a: readonly ChangedFile[], b: readonly ChangedFile[]): number {
  const x = commonDir(a.map((f) => f.path)).split("/");
  const y = commonDir(b.map((f) => f.path)).split("/");
  let n = 0;
  while (n < x.length && n < y.length && x[n] !== "" && x[n] === y[n]) n++;
  return n;
}

function topDir(path: string): string {
  return path.includes("/") ? path.slice(0, path.indexOf("/")) : ".";
}

type Edges = Map<string, Map<string, number>>;

/** Counts one more import from group `a` to group `b`. */
function addEdge(edges: Edges, a: string, b: string): void {
  let m = edges.get(a);
  if (!m) {
    m = new Map();
    edges.set(a, m);
  }
  m.set(b, (m.get(b) ?? 0) + 1);
}

/** Tarjan's strongly connected components with more than one member. */
function stronglyConnected(nodes: string[], edges: Map<string, Map<string, number>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp);
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return out;
}

function verbOf(files: readonly ChangedFile[]): string {
  if (files.every((f) => f.status === "added")) return "add";
  if (files.every((f) => f.status === "deleted")) return "remove";
  return "update";
}

function names(files: readonly ChangedFile[], max = 3): string {
  const stems = [...new Set(files.map((f) => stem(f.path)))];
  return stems.length <= max
    ? stems.join(", ")
    : `${stems.slice(0, max).join(", ")} and ${stems.length - max} more`;
}

function titleOf(key: string, files: readonly ChangedFile[]): string {
  const verb = verbOf(files);
  if (key === "dependencies") {
    // Manifests before lockfiles: package.json, package-lock.json.
    const isLock = (n: string) => /lock|\.sum$/i.test(n);
    const deps = files
      .filter((f) => kindOf(f.path) === "dependencies")
      .map((f) => basename(f.path))
      .sort((a, b) => Number(isLock(a)) - Number(isLock(b)) || (a < b ? -1 : 1));
    return deps.length > 0
      ? `deps: ${verb} ${[...new Set(deps)].join(", ")}${files.length > deps.length ? " and build config" : ""}`
      : `build: ${verb} ${names(files)}`;
  }
  if (key === "docs") return `docs: ${verb} ${names(files)}`;
  if (key === "ci") return `ci: ${verb} ${names(files)}`;
  const sources = files.filter((f) => kindOf(f.path) === "source");
  const tests = files.length - sources.length;
  // The area is the directory the group's code shares (a folded module can be wider than its files).
  const area = commonDir((sources.length > 0 ? sources : files).map((f) => f.path));
  const what = sources.length > 0 ? names(sources) : names(files);
  return `${area || "root"}: ${verb} ${what}${sources.length > 0 && tests > 0 ? " (with tests)" : ""}`;
}

function describe(
  g: Omit<PlannedGroup, "description">,
  all: readonly Omit<PlannedGroup, "description">[],
  total: number,
): string {
  const lines = [
    `Part ${g.index} of ${all.length} of a stack of pull requests split from ${total} changed files by repowright.`,
    "",
  ];
  if (g.depends_on.length > 0) {
    lines.push(`Builds on: ${g.depends_on.map((d) => `part ${d} (${all[d - 1]!.title})`).join("; ")}.`, "");
  }
  lines.push(`${g.files.length} file(s), +${g.added} −${g.deleted}:`, "");
  for (const f of g.files.slice(0, 60)) {
    const counts = f.binary ? "binary" : `+${f.added} −${f.deleted}`;
    lines.push(`- \`${f.path}\` (${f.status}${f.oldPath ? ` from \`${f.oldPath}\`` : ""}, ${counts})`);
  }
  if (g.files.length > 60) lines.push(`- … and ${g.files.length - 60} more`);
  return lines.join("\n");
}
