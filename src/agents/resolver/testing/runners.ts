/**
 * Known test runners, recognised from the words of a plain command (`jest --coverage`, `python -m
 * pytest tests`, `cargo test`), and the same command made to leave per-test results we can read. What
 * runs is not changed: only reporting flags are added (pytest `-rA`, a node:test reporter, jest/vitest/
 * mocha JSON to a file, `go test -json`), plus the flags that keep a runner from stopping at the first
 * failing target (cargo `--no-fail-fast`, maven `-fae`, gradle `--continue`): tests it never reached would
 * read as missing, and a missing test that passed on the base counts as broken. Each also knows how to
 * run only some tests (`select`).
 */
import { validationError } from "../../../core/errors.js";
import { JEST_REPORT, MOCHA_REPORT, VITEST_REPORT } from "./parse.js";
import { splitGoId } from "./parsers/go.js";
import { NODE_REPORTER_FILE, NODE_REPORTER_SOURCE, NODE_RESULTS_FILE } from "./parsers/node-test.js";
import { exactAlternation } from "./shell.js";
import type { Ecosystem, ReportSpec, TestPlan, TestRunner } from "./types.js";

/**
 * Where report files go, relative to the worktree: created empty by `runTests` before a run and removed
 * after it. No runner's default test discovery matches it (no `test` in its name, no test-like files in it).
 */
export const REPORT_DIR = ".repowright-reports";

export type PackageManager = "npm" | "pnpm" | "yarn";

export interface RecognizeContext {
  /** How to run a package's binary: `./node_modules/.bin/x`, or through yarn under Plug'n'Play. */
  packageManager?: PackageManager;
  pnp?: boolean;
  /** Whether a relative path exists in the repository (for telling positional paths from option values). */
  exists?: (relativePath: string) => boolean;
}

export interface RunnerCommand {
  runner: TestRunner;
  ecosystem: Ecosystem;
  command: string[];
  reports?: ReportSpec;
  env?: Readonly<Record<string, string>>;
  select?: TestPlan["select"];
}

/** The runner a plain command runs, with reporting added; undefined when it is not one we know. */
export function recognize(words: readonly string[], ctx: RecognizeContext = {}): RunnerCommand | undefined {
  const w = words[0] === "npx" ? words.slice(1) : [...words];
  const [first = "", second = ""] = w;
  if (first === "pytest" || first === "py.test") return pytest(w, ctx);
  if (/^python(?:3(?:\.\d+)?)?$/.test(first) && second === "-m" && w[2] === "pytest") return pytest(w, ctx);
  if (first === "node" && w.includes("--test")) return nodeTest(w);
  if (first === "jest") return jest(w, ctx);
  if (first === "vitest") return vitest(w, ctx);
  if (first === "mocha") return mocha(w, ctx);
  if (first === "go" && second === "test") return goTest(w);
  if (first === "cargo" && second === "test") return cargoTest(w);
  if (/^(?:\.\/)?mvnw$|^mvn$/.test(first) && w.some((x) => x === "test" || x === "verify")) return maven(w);
  if (/^(?:\.\/)?gradlew$|^gradle$/.test(first) && w.some((x) => x === "test" || x === "check"))
    return gradle(w);
  if (first === "make" && w.length >= 2) return { runner: "make", ecosystem: "other", command: w };
  return undefined;
}

/** The runner a script mentions, for reading it when it is run as it is (`tsc && node --test`). */
export function mentionedRunner(script: string): TestRunner {
  if (/\bnode\b[^&|;]*--test\b/.test(script)) return "node-test";
  if (/\bvitest\b/.test(script)) return "vitest";
  if (/\bjest\b/.test(script)) return "jest";
  if (/\bmocha\b/.test(script)) return "mocha";
  if (/\bpytest\b/.test(script)) return "pytest";
  if (/\bgo test\b/.test(script)) return "go";
  if (/\bcargo test\b/.test(script)) return "cargo";
  return "unknown";
}

/** The titles of a JavaScript test id (`file > suite > name`), without the file. */
function titles(id: string): string[] {
  return id.split(" > ").slice(1);
}

function requireIds(ids: readonly string[]): readonly string[] {
  if (ids.length === 0) throw validationError("a test selection needs at least one test id");
  return ids;
}

// pytest ---------------------------------------------------------------------------------------------

/** pytest options whose value is the next word (so that word is not a path to test). */
const PYTEST_VALUE_OPTIONS = new Set([
  "-k",
  "-m",
  "-c",
  "-p",
  "-o",
  "-W",
  "-n",
  "--rootdir",
  "--confcutdir",
  "--basetemp",
  "--ignore",
  "--ignore-glob",
  "--deselect",
  "--cov",
  "--maxfail",
  "--tb",
  "--durations",
  "--import-mode",
  "--log-level",
]);

function pytest(words: readonly string[], ctx: RecognizeContext): RunnerCommand {
  // -rA: the summary names every test with its outcome. The cache provider and bytecode would only
  // leave files in the worktree; neither changes which tests run.
  const extra = ["-rA", "-p", "no:cacheprovider"];
  const command = [...words, ...extra];
  const exists = ctx.exists ?? (() => false);
  // Paths given to pytest are dropped when selecting: `pytest tests` plus node ids would run everything.
  const withoutPaths = words.filter((word, i) => {
    if (i === 0 || word.startsWith("-") || PYTEST_VALUE_OPTIONS.has(words[i - 1] ?? "")) return true;
    return !exists(word.split("::")[0]!);
  });
  return {
    runner: "pytest",
    ecosystem: "python",
    command,
    env: { PYTHONDONTWRITEBYTECODE: "1" },
    select: (ids) => [...withoutPaths, ...extra, ...requireIds(ids)],
  };
}

// node:test --------------------------------------------------------------------------------------------

function nodeTest(words: readonly string[]): RunnerCommand | undefined {
  // Reporters given by the script would pair with ours by position: run such a script as it is.
  if (words.some((w) => w.startsWith("--test-reporter"))) return undefined;
  // Node takes options only before the first path, so ours go right after `node`.
  const reporting = [
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    `--test-reporter=./${REPORT_DIR}/${NODE_REPORTER_FILE}`,
    `--test-reporter-destination=${REPORT_DIR}/${NODE_RESULTS_FILE}`,
  ];
  const build = (more: readonly string[]) => ["node", ...reporting, ...more, ...words.slice(1)];
  return {
    runner: "node-test",
    ecosystem: "node",
    command: build([]),
    reports: { dir: REPORT_DIR, files: { [NODE_REPORTER_FILE]: NODE_REPORTER_SOURCE } },
    // Node 20 matches the pattern against a test's own name (suites still run to reach it).
    select: (ids) => {
      const leaves = requireIds(ids).map((id) => titles(id).at(-1) ?? id);
      return build([`--test-name-pattern=^${exactAlternation(leaves)}$`]);
    },
  };
}

// jest, vitest, mocha ---------------------------------------------------------------------------------

function bin(name: string, ctx: RecognizeContext): string[] {
  return ctx.pnp ? [ctx.packageManager ?? "yarn", name] : [`./node_modules/.bin/${name}`];
}

function jest(words: readonly string[], ctx: RecognizeContext): RunnerCommand | undefined {
  if (words.some((w) => w === "--json" || w.startsWith("--outputFile"))) return undefined;
  const command = [
    ...bin("jest", ctx),
    ...words.slice(1),
    "--json",
    `--outputFile=${REPORT_DIR}/${JEST_REPORT}`,
  ];
  return {
    runner: "jest",
    ecosystem: "node",
    command,
    reports: { dir: REPORT_DIR },
    // jest matches -t against the suites' and the test's titles joined by spaces.
    select: (ids) => [
      ...command,
      `--testNamePattern=^${exactAlternation(requireIds(ids).map((id) => titles(id).join(" ")))}$`,
    ],
  };
}

const VITEST_OTHER_COMMANDS = new Set(["bench", "related", "list", "init", "typecheck"]);

function vitest(words: readonly string[], ctx: RecognizeContext): RunnerCommand | undefined {
  if (words.some((w) => w.startsWith("--outputFile"))) return undefined;
  let rest = words.slice(1);
  if (rest[0] !== undefined && VITEST_OTHER_COMMANDS.has(rest[0])) return undefined;
  // One run, never watch mode (CI=true does that too; being explicit costs nothing).
  if (rest[0] === "run" || rest[0] === "watch" || rest[0] === "dev") rest = rest.slice(1);
  const reporters = rest.some((w) => w.startsWith("--reporter")) ? [] : ["--reporter=default"];
  const command = [
    ...bin("vitest", ctx),
    "run",
    ...rest,
    ...reporters,
    "--reporter=json",
    `--outputFile.json=${REPORT_DIR}/${VITEST_REPORT}`,
  ];
  return {
    runner: "vitest",
    ecosystem: "node",
    command,
    reports: { dir: REPORT_DIR },
    // vitest matches -t against the full name, which may start with the file's.
    select: (ids) => [
      ...command,
      `--testNamePattern=(?:^| )${exactAlternation(requireIds(ids).map((id) => titles(id).join(" ")))}$`,
    ],
  };
}

function mocha(words: readonly string[], ctx: RecognizeContext): RunnerCommand {
  const command = [
    ...bin("mocha", ctx),
    ...words.slice(1),
    "--reporter=json",
    `--reporter-option=output=${REPORT_DIR}/${MOCHA_REPORT}`,
  ];
  return {
    runner: "mocha",
    ecosystem: "node",
    command,
    reports: { dir: REPORT_DIR },
    // mocha ids are `file > full title`; --grep matches the full title.
    select: (ids) => [
      ...command,
      `--grep=^${exactAlternation(requireIds(ids).map((id) => titles(id).join(" > ")))}$`,
    ],
  };
}

// go, cargo --------------------------------------------------------------------------------------------

function goTest(words: readonly string[]): RunnerCommand {
  const flags = words.slice(2).filter((w) => !w.startsWith("./") && !w.startsWith("../") && w !== ".");
  const json = words.includes("-json") ? [] : ["-json"];
  const command = ["go", "test", ...json, ...words.slice(2)];
  return {
    runner: "go",
    ecosystem: "go",
    command,
    // Top-level tests by name in their packages (-run splits at `/`, so a subtest runs its parent).
    select: (ids) => {
      const parts = requireIds(ids).map((id) => splitGoId(id) ?? { pkg: ".", test: id });
      const tests = parts.map((p) => p.test.split("/")[0]!);
      const pkgs = [...new Set(parts.map((p) => p.pkg))];
      return ["go", "test", ...json, ...flags, "-run", `^${exactAlternation(tests)}$`, ...pkgs];
    },
  };
}

function cargoTest(words: readonly string[]): RunnerCommand {
  const rest = words.slice(2);
  const dashes = rest.indexOf("--");
  const cargoArgs = dashes < 0 ? rest : rest.slice(0, dashes);
  const testArgs = dashes < 0 ? [] : rest.slice(dashes + 1);
  const ours = [
    ...(cargoArgs.includes("--no-fail-fast") ? [] : ["--no-fail-fast"]),
    // Tests never get the network; without this cargo would try it before saying so.
    ...(cargoArgs.includes("--offline") || cargoArgs.includes("--frozen") ? [] : ["--offline"]),
  ];
  const build = (more: readonly string[]) => {
    const after = [...testArgs, ...more];
    return ["cargo", "test", ...ours, ...cargoArgs, ...(after.length > 0 ? ["--", ...after] : [])];
  };
  return {
    runner: "cargo",
    ecosystem: "rust",
    command: build([]),
    env: { CARGO_TERM_COLOR: "never" },
    // Doc test ids leave out their line, so they are matched as libtest matches filters: by substring.
    select: (ids) => {
      const docTests = requireIds(ids).some((id) => id.includes(" - "));
      return build([...(docTests ? [] : ["--exact"]), ...ids]);
    },
  };
}

// maven, gradle -----------------------------------------------------------------------------------------

/** The class and method of a JUnit id (`com.x.FooTest.adds`), the method without `()` or `[1]`. */
function classAndMethod(id: string): { cls: string; method: string } {
  // Parameters may hold dots (`adds(java.lang.String)`); a class name never holds `(` or `[`.
  const base = id.replace(/[([].*$/, "");
  const dot = base.lastIndexOf(".");
  if (dot <= 0) return { cls: base, method: "" };
  return { cls: base.slice(0, dot), method: base.slice(dot + 1) };
}

function maven(words: readonly string[]): RunnerCommand {
  const command = words.includes("-fae") || words.includes("--fail-at-end") ? [...words] : [...words, "-fae"];
  return {
    runner: "maven",
    ecosystem: "java",
    command,
    reports: { junitDirs: ["surefire-reports", "failsafe-reports"] },
    select: (ids) => {
      const byClass = new Map<string, Set<string>>();
      for (const id of requireIds(ids)) {
        const { cls, method } = classAndMethod(id);
        const set = byClass.get(cls) ?? new Set<string>();
        if (method) set.add(method);
        byClass.set(cls, set);
      }
      const spec = [...byClass].map(([cls, m]) => (m.size > 0 ? `${cls}#${[...m].join("+")}` : cls));
      // Modules without any of these tests would fail the build otherwise.
      return [...command, `-Dtest=${spec.join(",")}`, "-Dsurefire.failIfNoSpecifiedTests=false"];
    },
  };
}

function gradle(words: readonly string[]): RunnerCommand {
  const command = [...words];
  if (!command.includes("--continue")) command.push("--continue");
  // A daemon would outlive the sandboxed run (and be killed with its process group anyway).
  if (!command.includes("--no-daemon") && !command.includes("--daemon")) command.push("--no-daemon");
  return {
    runner: "gradle",
    ecosystem: "java",
    command,
    reports: { junitDirs: ["test-results"] },
    select: (ids) => [
      ...command,
      ...requireIds(ids).flatMap((id) => {
        const { cls, method } = classAndMethod(id);
        return ["--tests", method ? `${cls}.${method}` : cls];
      }),
    ],
  };
}
