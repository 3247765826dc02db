/**
 * What kind of file a changed path is (dependency manifest or lockfile, CI, build configuration,
 * documentation, test or source), the name a test shares with its source, and modules: directories,
 * small ones folded into their parents unless that ties them into an import cycle.
 */
import { basename, dirname, extname, posix } from "node:path";

export type FileKind = "dependencies" | "ci" | "config" | "docs" | "test" | "source";

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
export function stem(path: string): string {
  return basename(path, extname(path))
    .replace(/\.(test|spec)$/, "")
    .replace(/^test_|_test$/, "");
}

/**
 * Module of each source path: its directory, with directories that hold too few changes (a source with
 * its tests weighs more) folded into their parent.
 */
export function foldDirectories(
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
export function commonDir(paths: readonly string[]): string {
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
