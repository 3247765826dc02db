/**
 * The evidence the gates read: which tests a change fixed and which it broke, from a run on the base and
 * a run with the change (of the same selection: a test left out of one run reads as missing).
 *
 * Missing counts against the change. A test that passed on the base and is absent from the change's
 * run (it was deleted, renamed, skipped, or its file no longer loads) is broken, because "no test that
 * passed on the base fails" cannot be shown for it. A test under something that could not be collected
 * on the base (its file did not import: typically a new test of a function the change adds) failed
 * there. A run that could not be read per test proves nothing, and the comparison says so.
 */
import { isUnder } from "./parse.js";
import type { Comparison, TestReport } from "./types.js";

export function compareRuns(base: TestReport, change: TestReport): Comparison {
  if (!base.parsed || !change.parsed) {
    const which =
      !base.parsed && !change.parsed ? "either run" : !base.parsed ? "the base run" : "the change's run";
    return {
      fixed: [],
      broken: [],
      stillFailing: [],
      newTests: [],
      comparable: false,
      reason: `no per-test results could be read from ${which}, so it proves nothing`,
    };
  }
  const basePassed = new Set(base.passed);
  const baseFailed = new Set(base.failed);
  const baseSkipped = new Set(base.skipped);
  const baseErrors = base.errors ?? [];
  const changePassed = new Set(change.passed);
  const uncollectedOnBase = (t: string) => baseErrors.some((e) => isUnder(t, e));
  const failedOnBase = (t: string) => baseFailed.has(t) || (!basePassed.has(t) && uncollectedOnBase(t));
  const onBase = (t: string) =>
    basePassed.has(t) || baseFailed.has(t) || baseSkipped.has(t) || uncollectedOnBase(t);

  const ran = [...new Set([...change.passed, ...change.failed])].sort();
  return {
    fixed: change.passed.filter(failedOnBase),
    broken: base.passed.filter((t) => !changePassed.has(t)),
    stillFailing: [...new Set([...base.failed, ...change.failed.filter(failedOnBase)])]
      .filter((t) => !changePassed.has(t))
      .sort(),
    newTests: ran.filter((t) => !onBase(t)),
    comparable: true,
  };
}
