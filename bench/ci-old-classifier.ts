/** The ci toolset's classifier as it was before src/ci/diagnose (commit 502025f), kept only as bench/ci.ts's second baseline. */
/**
 * Why a CI job failed, from its log: a category, the lines that prove it, and what to do about it.
 *
 * Rules are regular expressions over the log's lines (timestamps and colour codes removed), grouped by
 * category. The cause is the category of the strongest signal present: an infrastructure or dependency
 * failure explains the test failures it causes, not the other way round. Deterministic and offline: the
 * evidence lines are quoted, so a person (or model) can check the verdict in seconds.
 */
import { createHash } from "node:crypto";

/** In the order causes explain each other: the first one found in a log is its cause. */
export const CATEGORIES = [
  "infrastructure",
  "timeout",
  "out_of_memory",
  "lockfile",
  "dependency",
  "format",
  "typecheck",
  "lint",
  "build",
  "test",
  "unknown",
] as const;
export type Category = (typeof CATEGORIES)[number];

/** What to do: re-run (transient), fix (a change in the repository), investigate (no safe automatic step). */
export type Action = "rerun" | "fix" | "investigate";

export interface Evidence {
  /** 1-based line number in the job log. */
  line: number;
  text: string;
}

export interface Diagnosis {
  category: Category;
  cause: string;
  action: Action;
  /** For fixable categories: the command that repairs it in a checkout. */
  fix?: string;
  evidence: Evidence[];
  /** Stable across re-runs of the same failure: to recognise a fix that was already tried. */
  fingerprint: string;
}

interface Rule {
  category: Category;
  pattern: RegExp;
  /** The cause in words; may use the match. */
  cause: (m: RegExpExecArray) => string;
  /** For format and lockfile: the repair command. */
  fix?: (m: RegExpExecArray) => string;
}

const rule = (category: Category, pattern: RegExp, cause: Rule["cause"], fix?: Rule["fix"]): Rule => ({
  category,
  pattern,
  cause,
  fix,
});

const RULES: Rule[] = [
  // Transient: the machine, the network or a registry failed, not the code.
  rule(
    "infrastructure",
    /\b(ECONNRESET|ETIMEDOUT|EAI_AGAIN|ECONNREFUSED|socket hang up|Could not resolve host|Temporary failure in name resolution|Connection reset by peer|TLS handshake timeout|Network is unreachable)\b/i,
    (m) => `network failure (${m[1]}) while the job ran`,
  ),
  rule(
    "infrastructure",
    /\b(50[234]) (Bad Gateway|Service Unavailable|Gateway Time-?out)\b/i,
    (m) => `a server the job depends on answered ${m[1]} ${m[2]}`,
  ),
  rule(
    "infrastructure",
    /(The runner has received a shutdown signal|lost communication with the server|The hosted runner encountered an error|runner .* did not respond)/i,
    () => "the runner was lost or shut down",
  ),
  rule("infrastructure", /No space left on device/i, () => "the runner ran out of disk space"),
  rule(
    "infrastructure",
    /\b(API rate limit exceeded|toomanyrequests|429 Too Many Requests)\b/i,
    () => "rate limited by a registry or API",
  ),
  rule(
    "timeout",
    /has exceeded the maximum execution time of (\d+) minutes/i,
    (m) => `the job hit its ${m[1]}-minute time limit`,
  ),
  rule(
    "out_of_memory",
    /(JavaScript heap out of memory|java\.lang\.OutOfMemoryError|MemoryError\b|exit code 137\b|Killed\s*$)/i,
    (m) => `out of memory (${m[1]!.trim()})`,
  ),
  // The lockfile no longer matches the manifest: regenerate it.
  rule(
    "lockfile",
    /(`npm ci` can only install packages when your package\.json and package-lock\.json[^.]*are in sync|Missing: \S+ from lock file)/i,
    () => "package-lock.json is out of sync with package.json",
    () => "npm install && git add package-lock.json",
  ),
  rule(
    "lockfile",
    /(lockfile had changes, but lockfile is frozen|ERR_PNPM_OUTDATED_LOCKFILE|Your lockfile needs to be updated)/i,
    () => "the lockfile is out of date and the install is frozen",
    (m) =>
      /pnpm/i.test(m[0]) ? "pnpm install && git add pnpm-lock.yaml" : "yarn install && git add yarn.lock",
  ),
  rule(
    "lockfile",
    /(poetry\.lock is not consistent with pyproject\.toml|pyproject\.toml changed significantly since poetry\.lock)/i,
    () => "poetry.lock is out of date",
    () => "poetry lock && git add poetry.lock",
  ),
  rule(
    "lockfile",
    /(the lock file .*Cargo\.lock needs to be updated but --locked was passed)/i,
    () => "Cargo.lock is out of date",
    () => "cargo update -w && git add Cargo.lock",
  ),
  // A dependency cannot be resolved: yanked, unpublished, or a version that does not exist.
  rule("dependency", /npm (?:ERR!|error) (?:code )?(E404|ETARGET|ERESOLVE|ENOVERSIONS)\b/, (m) =>
    m[1] === "ERESOLVE"
      ? "npm cannot resolve the dependency tree (conflicting peer dependencies)"
      : `npm cannot find a dependency version (${m[1]}): unpublished, yanked or mistyped`,
  ),
  rule(
    "dependency",
    /(No matching version found for (\S+)|No matching distribution found for (\S+)|Could not find a version that satisfies the requirement (\S+))/,
    (m) => `no installable version of ${m[2] ?? m[3] ?? m[4]} (yanked or never published)`,
  ),
  rule(
    "dependency",
    /(failed to select a version for (?:the requirement )?`?([^`\s]+)|version .* is yanked|yanked version)/i,
    (m) => `a dependency version was yanked or cannot be selected${m[2] ? ` (${m[2]})` : ""}`,
  ),
  // Formatting: the code is fine, its layout is not. Mechanical to repair.
  rule(
    "format",
    /(Code style issues found in .*Run Prettier with --write|Code style issues found)/i,
    () => "files are not formatted with Prettier",
    () => "npx prettier --write .",
  ),
  rule(
    "format",
    /(would reformat (\S+)|\d+ files? would be reformatted)/,
    () => "files are not formatted with Black",
    () => "black .",
  ),
  rule(
    "format",
    /(Would reformat: (\S+)|\d+ files? would be reformatted, )/,
    () => "files are not formatted with ruff format",
    () => "ruff format .",
  ),
  rule(
    "format",
    /(Formatter would have printed the following content|File content differs from formatting output)/i,
    () => "files are not formatted with Biome",
    () => "npx biome format --write .",
  ),
  rule(
    "format",
    /^Diff in (\S+) at line \d+/,
    () => "files are not formatted with rustfmt",
    () => "cargo fmt",
  ),
  rule(
    "format",
    /(gofmt.*\bneeds formatting|files? (?:are|is) not gofmt(?:ed|'d))/i,
    () => "files are not formatted with gofmt",
    () => "gofmt -w .",
  ),
  rule(
    "lint",
    /(✖ (\d+) problems? \((\d+) errors?|Found (\d+) errors?\.|^\S+:\d+:\d+: [A-Z]\d{3} |golangci-lint.*(?:issues|error)|^error: .* \[clippy::|^\s+\d+:\d+\s+error\s+.+\s+[@a-z-]+\/[a-z-]+$)/m,
    () => "the linter reports errors",
  ),
  rule(
    "typecheck",
    /(error TS(\d{4}): |: error: .* \[[a-z-]+\]$|^Found \d+ errors? in \d+ files? \(checked)/,
    (m) => (m[2] ? "TypeScript type errors (tsc)" : "type errors (mypy)"),
  ),
  rule(
    "build",
    /(error: could not compile|BUILD FAILED|Compilation failed|Module not found: Error: Can't resolve|SyntaxError: |error\[E\d{4}\]:)/,
    () => "the build fails",
  ),
  rule(
    "test",
    /(Tests?:\s+\d+ failed|Test Files\s+\d+ failed|^FAILED \S+::|--- FAIL: |^FAIL\s+\S+\.(?:test|spec)\.|\d+ failing$|AssertionError|Assertion ?Error|^\s*✗ |^\s*× )/m,
    () => "tests fail",
  ),
];

const PRIORITY: readonly Category[] = CATEGORIES.filter((c) => c !== "unknown");

const ACTION: Record<Category, Action> = {
  infrastructure: "rerun",
  timeout: "investigate",
  out_of_memory: "investigate",
  lockfile: "fix",
  dependency: "fix",
  format: "fix",
  lint: "fix",
  typecheck: "fix",
  build: "fix",
  test: "fix",
  unknown: "investigate",
};

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ?/;
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const MAX_EVIDENCE = 6;
const MAX_LINE = 300;

/** Log lines without GitHub's timestamps and colour codes. */
export function cleanLines(log: string): string[] {
  return log.split(/\r?\n/).map((l) => l.replace(TIMESTAMP, "").replace(ANSI, ""));
}

/** The cause of a failed job from its log, with the lines that prove it. */
export function classifyLog(log: string, job = ""): Diagnosis {
  const lines = cleanLines(log);
  const found = new Map<Category, { rule: Rule; match: RegExpExecArray; evidence: Evidence[] }>();
  lines.forEach((text, i) => {
    for (const r of RULES) {
      const m = r.pattern.exec(text);
      if (!m) continue;
      let f = found.get(r.category);
      if (!f) {
        f = { rule: r, match: m, evidence: [] };
        found.set(r.category, f);
      }
      if (f.evidence.length < MAX_EVIDENCE && f.evidence.at(-1)?.line !== i + 1) {
        f.evidence.push({ line: i + 1, text: text.trim().slice(0, MAX_LINE) });
      }
    }
  });
  const category = PRIORITY.find((c) => found.has(c));
  if (!category) {
    // No known signal: GitHub's own error annotations, else the last lines, are the best evidence.
    const marked = lines
      .map((text, i) => ({ line: i + 1, text: text.trim().slice(0, MAX_LINE) }))
      .filter((l) => /^##\[error\]|\berror\b/i.test(l.text));
    const evidence = (
      marked.length > 0
        ? marked
        : lines.map((text, i) => ({ line: i + 1, text })).filter((l) => l.text.trim())
    ).slice(-MAX_EVIDENCE);
    return {
      category: "unknown",
      cause: "no known failure pattern in the log",
      action: "investigate",
      evidence,
      fingerprint: fingerprint("unknown", job, evidence),
    };
  }
  const f = found.get(category)!;
  const diagnosis: Diagnosis = {
    category,
    cause: f.rule.cause(f.match),
    action: ACTION[category],
    evidence: f.evidence,
    fingerprint: fingerprint(category, job, f.evidence),
  };
  const fix = f.rule.fix?.(f.match);
  if (fix) diagnosis.fix = fix;
  return diagnosis;
}

/** Category, job and the first evidence line with its numbers, hashes and paths' digits taken out. */
function fingerprint(category: Category, job: string, evidence: Evidence[]): string {
  const first = (evidence[0]?.text ?? "").replace(/[0-9a-f]{7,40}/gi, "#").replace(/\d+/g, "0");
  return createHash("sha256").update(`${category}\n${job}\n${first}`).digest("hex").slice(0, 16);
}
