/**
 * What a file is for, judged from its path and its neighbours: the implementation, a test, documentation
 * or configuration, a benchmark or example, or a build copy of a source file that is also indexed
 * (`dist/esm/issues.js` next to `src/issues.ts`). A question about how something works is answered by the
 * implementation; the others mention the same words, so they weigh less unless the query asks for them.
 */
import { GRAMMARS } from "../../code/languages.js";

export type FileRole = "code" | "test" | "prose" | "bench" | "build";

const TEST_PATH =
  /(^|\/)(tests?|testing|__tests__|__mocks__|spec|fixtures?)\/|(^|\/)test_[^/]*$|_tests?\.[a-z]+$|\.(test|spec)\.[a-z]+$|(^|\/)conftest\.py$/i;
const BENCH_DIR = /(^|\/)(bench|benches|benchmarks?|examples?|samples?|demos?)\//i;
/** Directories that usually hold build output; a file there is a copy only if its source is indexed too. */
const BUILD_DIRS = new Set(["dist", "build", "out", "lib", "esm", "cjs", "umd", "es", "_build", "target"]);
const BUILD_EXT = /(\.d)?\.(m|c)?(js|ts)x?$|\.(py|pyi|go|rs|java|rb|php)$/;

/** Languages a fix usually lives in; everything else (docs, config, data) is "prose" for this purpose. */
export const CODE_LANGS = new Set([
  ...Object.keys(GRAMMARS),
  "shell",
  "kotlin",
  "swift",
  "scala",
  "lua",
  "vue",
  "sql",
]);

export function isTestPath(path: string): boolean {
  return TEST_PATH.test(path);
}

/** The last `n` segments of a path without its extension(s): `dist/esm/version3/issues.d.ts` -> `version3/issues`. */
function stemKey(segments: readonly string[], n: number): string {
  const tail = segments.slice(-n);
  tail[tail.length - 1] = tail[tail.length - 1]!.replace(BUILD_EXT, "");
  return tail.join("/").toLowerCase();
}

/**
 * Role of every file of an index. A file below a build directory is `build` when a file outside any build
 * directory has the same name stem and parent directory (its source); without one it is the only copy and
 * keeps its role.
 */
export function fileRoles(files: ReadonlyMap<number, { path: string; lang: string }>): Map<number, FileRole> {
  const sources = new Set<string>();
  const inBuild = new Map<number, string[]>();
  for (const [id, f] of files) {
    const segments = f.path.split("/");
    if (segments.slice(0, -1).some((s) => BUILD_DIRS.has(s))) inBuild.set(id, segments);
    else if (CODE_LANGS.has(f.lang)) {
      sources.add(stemKey(segments, 1));
      if (segments.length > 1) sources.add(stemKey(segments, 2));
    }
  }
  const roles = new Map<number, FileRole>();
  for (const [id, f] of files) {
    const segments = inBuild.get(id);
    if (segments) {
      const last = segments.lastIndexOf(
        segments
          .slice(0, -1)
          .filter((s) => BUILD_DIRS.has(s))
          .at(-1)!,
      );
      const below = segments.slice(last + 1);
      const key = stemKey(below, Math.min(2, below.length));
      if (sources.has(key)) {
        roles.set(id, "build");
        continue;
      }
    }
    roles.set(id, roleByPath(f.path, f.lang));
  }
  return roles;
}

/** The role a path has on its own (without looking for a build copy's source). */
export function roleByPath(path: string, lang: string): FileRole {
  if (TEST_PATH.test(path)) return "test";
  if (!CODE_LANGS.has(lang)) return "prose";
  if (BENCH_DIR.test(path)) return "bench";
  return "code";
}

/** Roles the query asks about by name: those keep their full weight. */
export function rolesAskedFor(query: string): Set<FileRole> {
  const out = new Set<FileRole>();
  if (/\b(tests?|testing|spec|specs|fixtures?|mocks?|assert\w*)\b/i.test(query)) out.add("test");
  if (
    /\b(docs?|documentation|documented|readme|guide|changelog|config(uration)?|settings?|manual)\b/i.test(
      query,
    )
  )
    out.add("prose");
  if (/\b(bench(mark)?s?|examples?|samples?|demos?)\b/i.test(query)) out.add("bench");
  if (/\b(dist|build output|compiled|bundle[ds]?)\b/i.test(query)) out.add("build");
  return out;
}
