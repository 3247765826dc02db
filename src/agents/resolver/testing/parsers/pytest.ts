/**
 * pytest's own words, read from what `-rA` adds: a "short test summary info" section with one line per
 * test and outcome (`PASSED tests/test_x.py::test_a`, `FAILED tests/test_x.py::test_b - assert 1 == 2`).
 * It is printed last, so it survives the sandbox keeping only the head and tail of a long output, and it
 * names tests by their node ids, which are what `pytest <nodeid>` selects. `-v` lines
 * (`tests/test_x.py::test_a PASSED [ 50%]`) are read when there is no summary, for commands we run as
 * they are.
 */
import { Tally } from "./tally.js";

const SUMMARY_HEADER = /^=+ short test summary info =+$/;
const SUMMARY_LINE = /^(PASSED|FAILED|ERROR|XFAIL|XPASS|SKIPPED) (.+)$/;
const VERBOSE_LINE = /^(.+?::.+?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b/;
const VERBOSE_XDIST = /^\[gw\d+\] (?:\[\s*\d+%\] )?(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (.+?::.+)$/;

export function parsePytest(text: string, tally = new Tally()): Tally {
  const lines = text.split(/\r?\n/);
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (SUMMARY_HEADER.test(lines[i]!)) {
      start = i + 1;
      break;
    }
  }
  if (start >= 0) {
    for (const line of lines.slice(start)) {
      const m = SUMMARY_LINE.exec(line);
      if (m) record(tally, m[1]!, m[2]!);
    }
    return tally;
  }
  for (const line of lines) {
    const x = VERBOSE_XDIST.exec(line);
    if (x) {
      record(tally, x[1]!, x[2]!);
      continue;
    }
    const v = VERBOSE_LINE.exec(line);
    if (v) record(tally, v[2]!, v[1]!);
  }
  return tally;
}

function record(tally: Tally, outcome: string, rest: string): void {
  if (outcome === "SKIPPED") {
    // `SKIPPED [2] tests/test_x.py:14: reason`: pytest gives the place, not the node id.
    const place = /^(?:\[\d+\] )?(.+?:\d+)(?::|$)/.exec(rest);
    if (place) tally.skip(place[1]!);
    return;
  }
  const id = nodeId(rest);
  if (outcome === "PASSED" || outcome === "XPASS") tally.pass(id);
  else if (outcome === "XFAIL") tally.skip(id);
  else if (outcome === "ERROR" && !id.includes("::")) tally.error(id);
  else tally.fail(id);
}

/**
 * The node id at the start of a summary line, without the ` - message` pytest may append. A parameter id
 * can itself hold " - " (`test_p[a - b]`), so only a separator outside brackets ends it.
 */
export function nodeId(rest: string): string {
  let depth = 0;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === "[") depth++;
    else if (c === "]") depth = Math.max(0, depth - 1);
    else if (depth === 0 && rest.startsWith(" - ", i)) return rest.slice(0, i);
  }
  return rest.trimEnd();
}
