/**
 * The vocabulary of the CI log diagnosis: categories, signatures (data) and the diagnosis itself.
 *
 * Kept apart from the engine so that signature files are plain data importing only types.
 */

/**
 * What real projects fail on. The order is the order in which causes explain each other: an
 * infrastructure failure explains the test failures it causes, a missing dependency explains the
 * compile errors that follow it. It is only a tie-break; where a line sits (in the failing step or not)
 * counts for more.
 */
export const CATEGORIES = [
  "infrastructure",
  "cancelled",
  "timeout",
  "out_of_memory",
  "configuration",
  "lockfile",
  "dependency",
  "compilation",
  "typecheck",
  "compatibility",
  "license",
  "format",
  "lint",
  "documentation",
  "test",
  "unknown",
] as const;
export type Category = (typeof CATEGORIES)[number];

/** What to do: re-run (transient), fix (a change in the repository), ask (a person must look). */
export type Action = "fix" | "rerun" | "ask";

/** Not the code's fault: a re-run (or an operator) can fix these without a commit. */
export const INFRASTRUCTURE: ReadonlySet<Category> = new Set(["infrastructure", "cancelled"]);

export const ACTIONS: Record<Category, Action> = {
  infrastructure: "rerun",
  cancelled: "ask",
  timeout: "ask",
  out_of_memory: "ask",
  configuration: "fix",
  lockfile: "fix",
  dependency: "fix",
  compilation: "fix",
  typecheck: "fix",
  compatibility: "fix",
  license: "fix",
  format: "fix",
  lint: "fix",
  documentation: "fix",
  test: "fix",
  unknown: "ask",
};

export type Ecosystem =
  | "github"
  | "generic"
  | "node"
  | "python"
  | "go"
  | "rust"
  | "jvm"
  | "dotnet"
  | "ruby"
  | "php"
  | "r"
  | "erlang"
  | "perl"
  | "make"
  | "docker"
  | "terraform"
  | "git";

/**
 * How a line bears on the verdict.
 * - `decisive`: the line is the cause (an assertion, a compile error, `Failed to execute goal …: reason`).
 * - `summary`: the tool's own failure summary (`BUILD FAILED`, `FAILED (errors=2)`): it fixes the category
 *   with confidence, but a decisive line of the same category is cited before it.
 * - `context`: weak evidence, cited only when nothing better is there.
 * - `noise`: known boilerplate (Maven's `[Help 1]` footer): never cited, and it keeps the generic
 *   "a line that says error" rule off the line.
 */
export type Role = "decisive" | "summary" | "context" | "noise";

/** Facts pulled out of cited lines, from the signatures' named groups. */
export type Facts = {
  tool?: string;
  plugin?: string;
  package?: string;
  version?: string;
  test?: string;
  file?: string;
  line?: number;
  code?: string;
  exit_code?: number;
  tests?: string[];
  files?: string[];
};

/** Named groups a signature's pattern may capture; each lands in Facts. */
export type FactGroup = "tool" | "plugin" | "package" | "version" | "test" | "file" | "line" | "code";

/**
 * One recognisable line of one tool. Data: the engine interprets it, a test checks its example.
 * Patterns are matched against normalised lines (no ANSI, timestamps or CI markers).
 */
export interface Signature {
  /** `<ecosystem>.<tool>.<what>`, unique. */
  id: string;
  ecosystem: Ecosystem;
  category: Category;
  /**
   * Lower-case literal(s), one of which must occur in the lower-cased line before the pattern is tried:
   * a cheap filter that keeps the engine at tens of MB/s with a hundred-odd signatures.
   */
  needle: string | readonly string[];
  pattern: RegExp;
  role: Role;
  /** A warning-level line never decides against an error-level one (default error). */
  severity?: "error" | "warning";
  /** Overrides the role's default weight: more specific signatures of the same line weigh more. */
  weight?: number;
  /** The summary points at the next N non-blank lines (Gradle's `* What went wrong:`): they are cited. */
  next?: number;
  /** The tool, when the pattern does not capture it. */
  tool?: string;
  /** The cause in words; `{group}` is replaced by the named group of the match. */
  cause: string;
  /** For mechanical repairs: the command that repairs it in a checkout. */
  fix?: string;
  /** A line this signature must recognise (checked by test/ci/signatures.test.ts). */
  example: string;
  /** Lines it must not recognise: the false positives it was written against. */
  notExamples?: readonly string[];
}

export interface CitedLine {
  /** 1-based line number in the log as given. */
  line: number;
  /** The normalised text. */
  text: string;
  /** The signature that recognised it (`structure.*` for the engine's own structural findings). */
  signature: string;
}

export interface Diagnosis {
  category: Category;
  /** True when the code is not at fault (a re-run or an operator can fix it). */
  infrastructure: boolean;
  action: Action;
  /** `error`, or `warning` when only warning-level lines were found (warnings treated as errors). */
  severity: "error" | "warning";
  /** 0..1: how strongly the cited lines support the category. */
  confidence: number;
  cause: string;
  fix?: string;
  /** The failing step, when the log shows steps (GitHub groups, Travis folds, Jenkins stages). */
  step?: string;
  facts: Facts;
  /** The decisive lines first in importance, returned in log order. */
  lines: CitedLine[];
}
