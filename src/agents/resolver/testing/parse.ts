/**
 * Reading one run per test. Each runner's machine-readable results are read first (the report files the
 * plan had it write, or its JSON lines on stdout); when there are none (the run died before writing
 * them, or the command was run as it is), what it printed is read with every text format we know
 * (pytest's summary, TAP, cargo's lines, go's `--- PASS:`), since `make test` or an npm script can run
 * any of them. A run in which no test and no collection error can be found is unparsed: it proves nothing.
 */

import { parseCargo } from "./parsers/cargo.js";
import { parseGoJson, parseGoVerbose, splitGoId } from "./parsers/go.js";
import { jsonObject, parseJestJson, parseMochaJson } from "./parsers/js-json.js";
import { parseJunit } from "./parsers/junit.js";
import { NODE_RESULTS_FILE, parseNodeEvents } from "./parsers/node-test.js";
import { parsePytest } from "./parsers/pytest.js";
import { type Outcomes, Tally } from "./parsers/tally.js";
import { parseTap } from "./parsers/tap.js";
import type { ReportFile, TestOutput, TestPlan, TestReport } from "./types.js";

export const JEST_REPORT = "jest.json";
export const VITEST_REPORT = "vitest.json";
export const MOCHA_REPORT = "mocha.json";

export function parseTestResults(
  plan: Pick<TestPlan, "runner">,
  raw: TestOutput,
  reportFiles: readonly ReportFile[] = [],
): TestReport {
  const output = { ...raw, stdout: stripAnsi(raw.stdout), stderr: stripAnsi(raw.stderr) };
  const tally = fromRunner(plan.runner, output, reportFiles);
  if (tally.size === 0) readText(`${output.stdout}\n${output.stderr}`, output.root, tally);
  return report(tally.result(), output.exitCode);
}

function fromRunner(runner: TestPlan["runner"], output: TestOutput, files: readonly ReportFile[]): Tally {
  const tally = new Tally();
  const named = (name: string) => files.filter((f) => baseName(f.path) === name);
  const { root } = output;
  switch (runner) {
    case "pytest":
      return parsePytest(`${output.stdout}\n${output.stderr}`, tally);
    case "node-test":
      for (const f of named(NODE_RESULTS_FILE)) parseNodeEvents(f.content, tally);
      return tally;
    case "jest":
    case "vitest": {
      const reports = named(runner === "jest" ? JEST_REPORT : VITEST_REPORT).map((f) =>
        jsonObject(f.content),
      );
      // jest --json without a file prints the report on stdout.
      for (const r of reports.length > 0 ? reports : [jsonObject(output.stdout)])
        if (r) parseJestJson(r, root, tally);
      return tally;
    }
    case "mocha": {
      const reports = named(MOCHA_REPORT).map((f) => jsonObject(f.content));
      // A mocha too old for the json reporter's `output` option prints the report on stdout.
      for (const r of reports.length > 0 ? reports : [jsonObject(output.stdout)])
        if (r) parseMochaJson(r, root, tally);
      return tally;
    }
    case "go":
      return parseGoJson(output.stdout, tally);
    case "cargo":
      return parseCargo(output.stdout, tally);
    case "maven":
    case "gradle":
      for (const f of files) if (f.path.endsWith(".xml")) parseJunit(f.content, tally);
      return tally;
    default:
      return tally;
  }
}

/** Every text format at once: a wrapper (make, an npm script, tox) may run any runner, or several. */
function readText(text: string, root: string | undefined, tally: Tally): void {
  parsePytest(text, tally);
  parseTap(text, root, tally);
  parseCargo(text, tally);
  parseGoVerbose(text, tally);
  parseGoJson(text, tally);
}

function report(o: Outcomes, exitCode: number | null): TestReport {
  const parsed = o.passed.length + o.failed.length + o.skipped.length + o.errors.length > 0;
  const parts = [`${o.passed.length} passed`, `${o.failed.length} failed`];
  if (o.skipped.length > 0) parts.push(`${o.skipped.length} skipped`);
  if (o.errors.length > 0) parts.push(`${o.errors.length} ${o.errors.length === 1 ? "error" : "errors"}`);
  return {
    parsed,
    passed: o.passed,
    failed: o.failed,
    skipped: o.skipped,
    ...(o.errors.length > 0 ? { errors: o.errors } : {}),
    exitCode,
    summary: parsed
      ? parts.join(", ")
      : `no per-test results could be read (exit code ${exitCode ?? "none"})`,
  };
}

/**
 * Whether a test id belongs to something that could not be collected: `tests/test_x.py::t` under
 * `tests/test_x.py`, `a.test.js > s > t` under `a.test.js` or `a.test.js > s`, `example.com/m/TestX` under
 * the package `example.com/m` (but not a test of `example.com/m/sub`).
 */
export function isUnder(testId: string, collectorId: string): boolean {
  if (!testId.startsWith(collectorId) || testId === collectorId) return false;
  const rest = testId.slice(collectorId.length);
  if (rest.startsWith("::") || rest.startsWith(" > ")) return true;
  return rest.startsWith("/") && splitGoId(testId)?.pkg === collectorId;
}

/** Colours and cursor moves: a runner may print them even to a pipe (vitest does, given a TERM). */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, "");
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
