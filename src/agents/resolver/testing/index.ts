/**
 * Finding, running and reading a repository's own tests: the evidence the resolver's gates rest on (a
 * test that fails on the base passes with the change; no test that passed on the base fails). See
 * docs/resolver.md, "Finding and running the tests".
 *
 * - `detectTestPlan(worktree)`: how this repository runs its tests, from its files.
 * - `installDeps(plan, worktree, options)` and `runTests(plan, worktree, options)`: through the sandbox.
 * - `parseTestResults(plan, output, reportFiles)`: one run, per test.
 * - `compareRuns(base, change)`: fixed, broken, still failing, new.
 */
export { compareRuns } from "./compare.js";
export { detectTestPlan } from "./detect.js";
export { isUnder, parseTestResults } from "./parse.js";
export {
  type InstallOptions,
  installDeps,
  type RunTestsOptions,
  runTests,
  type TestSandboxOptions,
} from "./run.js";
export { REPORT_DIR } from "./runners.js";
export type {
  Comparison,
  Ecosystem,
  InstallRun,
  ReportFile,
  ReportSpec,
  TestOutput,
  TestPlan,
  TestReport,
  TestRun,
  TestRunner,
} from "./types.js";
