/**
 * Running a plan: the install and the tests, each through `runSandboxed` (the repository's code is
 * untrusted), then its report files read and removed. Tests never get the network; an install gets it
 * only when the caller says so. Two runs must not share a worktree at the same time: they would share
 * its reports directory.
 */
import { lstat, mkdir, readdir, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import { isAbsolute, join, normalize, relative } from "node:path";
import { conflictError, validationError } from "../../../core/errors.js";
import { runSandboxed, type SandboxOptions, type SandboxResult } from "../../../sandbox/index.js";
import { JEST_REPORT, MOCHA_REPORT, parseTestResults, stripAnsi, VITEST_REPORT } from "./parse.js";
import { NODE_RESULTS_FILE } from "./parsers/node-test.js";
import type { InstallRun, ReportFile, ReportSpec, TestPlan, TestRun } from "./types.js";

/** Sandbox settings a caller may pass; the command, the directory and the network are the module's. */
export type TestSandboxOptions = Partial<Omit<SandboxOptions, "command" | "cwd" | "network">>;

export interface InstallOptions {
  /** Let the install reach the network (under bubblewrap; the process level cannot take it away). */
  network?: boolean;
  timeoutMs?: number;
  sandbox?: TestSandboxOptions;
  signal?: AbortSignal;
  /**
   * A directory outside the worktree for the package managers' caches and downloads (npm, pip, cargo,
   * go, gradle, maven), shared by the install and the test runs. Without it they go to the sandbox's
   * private HOME, which is gone after each run: what `cargo fetch` downloaded is not there for
   * `cargo test --offline`.
   */
  cacheDir?: string;
}

export interface RunTestsOptions {
  /** Only these tests (ids of a TestReport), when the runner can select; else everything runs. */
  selection?: readonly string[];
  timeoutMs?: number;
  sandbox?: TestSandboxOptions;
  signal?: AbortSignal;
  cacheDir?: string;
  /** Run `installDeps` first (once: the caller asks for it on the first run only). */
  install?: boolean | Pick<InstallOptions, "network" | "timeoutMs">;
}

/** The report files our commands write (see runners.ts). */
const REPORT_NAMES = [NODE_RESULTS_FILE, JEST_REPORT, VITEST_REPORT, MOCHA_REPORT];

/** Lines of output a run keeps for people and models to read. */
const TAIL_LINES = 60;
const TAIL_LINE_CHARS = 400;
/** A report file larger than this is not read (no real report of one run is). */
const MAX_REPORT_BYTES = 32 * 1024 * 1024;
/** How far below the worktree report directories (`target/surefire-reports`) are looked for. */
const SCAN_DEPTH = 8;
const SCAN_ENTRIES = 20_000;

export async function installDeps(
  plan: TestPlan,
  worktree: string,
  options: InstallOptions = {},
): Promise<InstallRun | undefined> {
  if (!plan.install || plan.install.length === 0) return undefined;
  const root = await worktreeRoot(worktree);
  const result = await runSandboxed({
    ...(await sandboxBase(plan, root, options)),
    command: plan.install,
    network: options.network ?? false,
  });
  return {
    command: [...plan.install],
    ok: result.exitCode === 0 && !result.timedOut && !result.cancelled,
    exitCode: result.exitCode,
    isolation: result.isolation,
    durationMs: result.durationMs,
    timedOut: result.timedOut,
    tail: tail(result.stdout, result.stderr),
  };
}

export async function runTests(
  plan: TestPlan,
  worktree: string,
  options: RunTestsOptions = {},
): Promise<TestRun> {
  const root = await worktreeRoot(worktree);
  const selection = options.selection;
  if (selection !== undefined && selection.length === 0) throw validationError("selection is empty");
  let install: InstallRun | undefined;
  if (options.install) {
    const extra = options.install === true ? {} : options.install;
    install = await installDeps(plan, root, { ...options, ...extra });
    if (install && !install.ok) return installFailed(plan, install);
  }
  const command = selection && plan.select ? plan.select(selection) : plan.command;
  const reportDir = await prepareReportDir(root, plan.reports);
  let result: SandboxResult;
  let files: ReportFile[];
  try {
    const startedAt = Date.now();
    result = await runSandboxed({
      ...(await sandboxBase(plan, root, options)),
      command,
      // The repository's tests run without the network, whatever the sandbox defaults say.
      network: false,
    });
    files = await collectReports(root, plan.reports, reportDir, startedAt);
  } finally {
    if (reportDir) await rm(reportDir, { recursive: true, force: true });
  }
  const report = parseTestResults(plan, { ...result, root }, files);
  return {
    ...report,
    summary: describe(report.summary, report.parsed, result, command),
    command: [...command],
    selected: selection !== undefined && plan.select !== undefined,
    isolation: result.isolation,
    durationMs: result.durationMs,
    timedOut: result.timedOut,
    cancelled: result.cancelled,
    outputTruncated: result.truncated.stdout || result.truncated.stderr,
    tail: tail(result.stdout, result.stderr),
    ...(install ? { install } : {}),
  };
}

/** The summary, with what a reader must know about how the run ended. */
function describe(summary: string, parsed: boolean, r: SandboxResult, command: readonly string[]): string {
  const notes: string[] = [];
  if (r.timedOut) notes.push(`timed out after ${Math.round(r.durationMs / 1000)} s`);
  if (r.cancelled) notes.push("cancelled");
  if (r.truncated.stdout || r.truncated.stderr) notes.push("output truncated: results may be missing");
  if (!parsed && notStarted(r)) {
    const program = command[0] ?? "";
    const hint = program.includes("/")
      ? "; are the dependencies installed? (installDeps)"
      : r.isolation.level === "bubblewrap"
        ? "; under bubblewrap the home directories are hidden, so tools installed there (pyenv, rustup, nvm) are not on PATH"
        : "";
    notes.push(`\`${program}\` could not be run (not found${hint})`);
  }
  return notes.length > 0 ? `${summary} (${notes.join("; ")})` : summary;
}

/** The program was not there: 127 from the process level (and shells), bwrap's own words under it. */
function notStarted(r: SandboxResult): boolean {
  return (
    r.exitCode === 127 ||
    (r.exitCode === 1 && /^bwrap: execvp [^\n]*: No such file or directory$/m.test(r.stderr))
  );
}

function installFailed(plan: TestPlan, install: InstallRun): TestRun {
  const why = install.timedOut ? "timed out" : `exit code ${install.exitCode ?? "none"}`;
  return {
    parsed: false,
    passed: [],
    failed: [],
    skipped: [],
    exitCode: null,
    summary: `the install (${install.command.join(" ")}) failed (${why}); the tests did not run`,
    command: [...plan.command],
    selected: false,
    isolation: install.isolation,
    durationMs: install.durationMs,
    timedOut: install.timedOut,
    cancelled: false,
    outputTruncated: false,
    tail: install.tail,
    install,
  };
}

async function worktreeRoot(worktree: string): Promise<string> {
  try {
    const real = await realpath(worktree);
    if ((await stat(real)).isDirectory()) return real;
  } catch {
    // reported below
  }
  throw validationError(`worktree ${worktree} is not a directory`);
}

async function sandboxBase(
  plan: TestPlan,
  root: string,
  options: Pick<InstallOptions, "sandbox" | "timeoutMs" | "signal" | "cacheDir">,
): Promise<Omit<SandboxOptions, "command">> {
  // A caller's object may still carry `network` (from the configuration, say): tests decide it here.
  const { network: _ignored, ...sandbox } = (options.sandbox ?? {}) as TestSandboxOptions & {
    network?: boolean;
  };
  const cacheDir = options.cacheDir === undefined ? undefined : await checkCacheDir(options.cacheDir, root);
  const timeoutMs = options.timeoutMs ?? sandbox.timeoutMs;
  const signal = options.signal ?? sandbox.signal;
  return {
    ...sandbox,
    cwd: root,
    env: { ...plan.env, ...(cacheDir ? cacheEnv(cacheDir) : {}), ...sandbox.env },
    writable: [...(sandbox.writable ?? []), ...(cacheDir ? [cacheDir] : [])],
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(signal !== undefined ? { signal } : {}),
  };
}

/** The cache directory must be apart from the worktree: caches inside it would end up in the change. */
async function checkCacheDir(dir: string, root: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(dir);
    if (!(await stat(real)).isDirectory()) throw new Error("not a directory");
  } catch {
    throw validationError(`cacheDir ${dir} is not a directory`);
  }
  const inside = (a: string, b: string) => a === b || !relative(b, a).startsWith("..");
  if (inside(real, root) || inside(root, real))
    throw validationError(`cacheDir ${dir} must be outside the worktree ${root}, and not contain it`);
  return real;
}

/** Where each package manager keeps what it downloads, all under one directory the caller keeps. */
function cacheEnv(dir: string): Record<string, string> {
  return {
    npm_config_cache: join(dir, "npm"),
    YARN_CACHE_FOLDER: join(dir, "yarn"),
    npm_config_store_dir: join(dir, "pnpm-store"),
    PIP_CACHE_DIR: join(dir, "pip"),
    CARGO_HOME: join(dir, "cargo"),
    GOPATH: join(dir, "go"),
    GOMODCACHE: join(dir, "go", "pkg", "mod"),
    GOCACHE: join(dir, "go-build"),
    GRADLE_USER_HOME: join(dir, "gradle"),
    MAVEN_OPTS: `-Dmaven.repo.local=${join(dir, "m2")}`,
  };
}

/** Makes the plan's reports directory empty (a link there is removed, never followed) and lays its files. */
async function prepareReportDir(root: string, spec: ReportSpec | undefined): Promise<string | undefined> {
  if (!spec?.dir) return undefined;
  const rel = normalize(spec.dir);
  if (isAbsolute(rel) || rel === "." || rel.split("/").includes(".."))
    throw validationError(`reports directory ${spec.dir} must be a path inside the worktree`);
  const dir = join(root, rel);
  const s = await lstat(dir).catch(() => undefined);
  if (s?.isDirectory()) {
    // Left by a run that died before cleaning up, it holds only our files; anything else is the
    // repository's own, and is not ours to delete.
    const ours = new Set([...Object.keys(spec.files ?? {}), ...REPORT_NAMES]);
    const theirs = (await readdir(dir)).filter((n) => !ours.has(n));
    if (theirs.length > 0)
      throw conflictError(
        `the worktree has a ${rel} directory of its own (${theirs[0]}); the test reports need that path`,
      );
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(spec.files ?? {})) {
    await writeFile(join(dir, name), content, { flag: "wx" });
  }
  return dir;
}

/**
 * The report files the run wrote. The command is untrusted, so nothing here follows a link: a report
 * directory it replaced by a link, or a "report" that links to a file of ours, is not read.
 */
async function collectReports(
  root: string,
  spec: ReportSpec | undefined,
  reportDir: string | undefined,
  startedAt: number,
): Promise<ReportFile[]> {
  const files: ReportFile[] = [];
  if (reportDir && (await isRealDirectory(reportDir))) {
    const laid = new Set(Object.keys(spec?.files ?? {}));
    for (const name of await readdir(reportDir)) {
      if (laid.has(name)) continue;
      const file = await readReport(root, join(reportDir, name));
      if (file) files.push(file);
    }
  }
  if (spec?.junitDirs && spec.junitDirs.length > 0) {
    // A coarse file system clock can stamp a file written during the run up to a second or two early.
    const since = startedAt - 2000;
    for (const dir of await findDirectories(root, new Set(spec.junitDirs))) {
      for (const path of await xmlFiles(dir, 2)) {
        const s = await lstat(path);
        if (s.mtimeMs < since) continue;
        const file = await readReport(root, path);
        if (file) files.push(file);
      }
    }
  }
  return files;
}

async function readReport(root: string, path: string): Promise<ReportFile | undefined> {
  const s = await lstat(path).catch(() => undefined);
  if (!s?.isFile() || s.size > MAX_REPORT_BYTES) return undefined;
  return { path: relative(root, path), content: await readFile(path, "utf8") };
}

async function isRealDirectory(path: string): Promise<boolean> {
  const s = await lstat(path).catch(() => undefined);
  return s?.isDirectory() ?? false;
}

/** Directories with one of these names under the worktree (not in .git, node_modules or hidden ones). */
async function findDirectories(root: string, names: ReadonlySet<string>): Promise<string[]> {
  const found: string[] = [];
  let budget = SCAN_ENTRIES;
  let level = [root];
  for (let depth = 0; depth <= SCAN_DEPTH && level.length > 0 && budget > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (--budget < 0) break;
        if (!e.isDirectory() || e.name.startsWith(".") || e.name === "node_modules") continue;
        const path = join(dir, e.name);
        if (names.has(e.name)) found.push(path);
        else next.push(path);
      }
    }
    level = next;
  }
  return found;
}

async function xmlFiles(dir: string, depth: number): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isFile() && e.name.endsWith(".xml")) out.push(path);
    else if (e.isDirectory() && depth > 0) out.push(...(await xmlFiles(path, depth - 1)));
  }
  return out.sort();
}

/**
 * The end of a run's output: the last lines of stdout, then of stderr (a third of the lines kept for
 * stderr when both have more than enough), each line cut to a readable length.
 */
export function tail(stdout: string, stderr: string, lines = TAIL_LINES): string {
  const last = (s: string) =>
    stripAnsi(s)
      .replace(/\s+$/, "")
      .split(/\r?\n/)
      .map((l) => (l.length > TAIL_LINE_CHARS ? `${l.slice(0, TAIL_LINE_CHARS)}…` : l));
  const out = stdout.trim() === "" ? [] : last(stdout);
  const err = stderr.trim() === "" ? [] : last(stderr);
  const outShare = Math.min(out.length, lines - Math.min(err.length, Math.floor(lines / 3)));
  const errShare = Math.min(err.length, lines - outShare);
  const parts: string[] = [];
  if (outShare > 0) parts.push(out.slice(-outShare).join("\n"));
  if (errShare > 0) parts.push(`${outShare > 0 ? "--- stderr ---\n" : ""}${err.slice(-errShare).join("\n")}`);
  return parts.join("\n");
}
