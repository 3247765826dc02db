/**
 * The shapes the resolver's test module hands around: a plan (how this repository runs its tests), a
 * report (what one run said, per test), a run (a report plus how it ran) and a comparison (the evidence
 * the gates read). Kept apart from the code so the detectors, parsers and runner depend on one another
 * only through these.
 */
import type { SandboxIsolation } from "../../../sandbox/index.js";

export type Ecosystem = "node" | "python" | "go" | "rust" | "java" | "other";

/** The runner whose output is read. `unknown`: a command we run as it is and read as best we can. */
export type TestRunner =
  | "pytest"
  | "node-test"
  | "jest"
  | "vitest"
  | "mocha"
  | "go"
  | "cargo"
  | "maven"
  | "gradle"
  | "make"
  | "unknown";

/**
 * Where a runner's machine-readable results land. Their paths are relative to the worktree: the command
 * runs there, at the same path inside and outside bubblewrap, and a relative path keeps `command` a
 * plain argv that can be shown and rerun by hand.
 */
export interface ReportSpec {
  /**
   * A directory, relative to the worktree, that `runTests` creates empty before the run and removes
   * after it; the command writes its report files there.
   */
  dir?: string;
  /** Files laid into `dir` before the run (node:test's reporter module), name to content. */
  files?: Readonly<Record<string, string>>;
  /**
   * Names of directories the build tool writes JUnit XML into (`surefire-reports`, `test-results`):
   * it picks their place per module, so they are searched for under the worktree, and only files written
   * during the run are read (a stale report from an earlier build must not count).
   */
  junitDirs?: readonly string[];
}

export interface TestPlan {
  ecosystem: Ecosystem;
  runner: TestRunner;
  /** The whole suite, as an argv run in the worktree. */
  command: string[];
  /** Installs the dependencies (the only step that may be given the network). */
  install?: string[];
  /** Why this command: "package.json scripts.test", ".repowright.yml test". Shown in the PR. */
  source: string;
  /** Where the per-test results land, when the command was made to write them. */
  reports?: ReportSpec;
  /** Variables the command needs (never secrets): keeping caches out of the worktree, say. */
  env?: Readonly<Record<string, string>>;
  /**
   * Globs of the repository's test files (`.repowright.yml` test_file_pattern, else the runner's usual
   * ones): how the resolver tells a test it wrote from a source change.
   */
  testFilePatterns: string[];
  /** An argv that runs only these tests (ids as in a TestReport), when the runner can select. */
  select?(testIds: readonly string[]): string[];
}

export interface TestReport {
  /** Whether per-test ids were found. An unparsed run proves nothing either way. */
  parsed: boolean;
  /** Test ids, each once, sorted; an id that both passed and failed (a teardown error) is failed. */
  passed: string[];
  failed: string[];
  skipped: string[];
  /**
   * Ids of what could not be loaded or collected (a test file that does not import, a package that does
   * not build). The tests under one did not pass: `compareRuns` counts them as failing.
   */
  errors?: string[];
  exitCode: number | null;
  /** "12 passed, 1 failed, 2 skipped"; or why nothing could be read. */
  summary: string;
}

/** The output of one run, as `parseTestResults` reads it. */
export interface TestOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  /** The worktree's real path: absolute paths a runner prints are made relative to it, so ids are stable. */
  root?: string;
}

/** A report file the command wrote: its path relative to the worktree, and its text. */
export interface ReportFile {
  path: string;
  content: string;
}

export interface TestRun extends TestReport {
  /** The argv that ran (the plan's, or its selection). */
  command: string[];
  /** Whether `selection` narrowed the run; false when the runner cannot select and everything ran. */
  selected: boolean;
  isolation: SandboxIsolation;
  durationMs: number;
  timedOut: boolean;
  cancelled: boolean;
  /** The sandbox cut stdout or stderr (head and tail kept): results read from the text may be missing. */
  outputTruncated: boolean;
  /** The last ~60 lines of stdout and stderr, for a person or a model to read. */
  tail: string;
  /** Set when an install ran first (`runTests` with `install`). */
  install?: InstallRun;
}

export interface InstallRun {
  command: string[];
  ok: boolean;
  exitCode: number | null;
  isolation: SandboxIsolation;
  durationMs: number;
  timedOut: boolean;
  tail: string;
}

export interface Comparison {
  /** Failed (or could not be collected) on the base, pass with the change. */
  fixed: string[];
  /** Passed on the base, and fail, are skipped or are missing with the change. */
  broken: string[];
  /** Failed on the base and do not pass with the change. */
  stillFailing: string[];
  /** Ran with the change (passed or failed) and are nowhere in the base run. */
  newTests: string[];
  /**
   * False when either run could not be read per test: then nothing is fixed and nothing is proven
   * unbroken, whatever the lists say (they are empty), and `reason` says which run.
   */
  comparable: boolean;
  reason?: string;
}
