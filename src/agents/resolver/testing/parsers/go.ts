/**
 * `go test -json` (test2json): one JSON event a line, `{"Action":"pass","Package":"example.com/m/pkg",
 * "Test":"TestAdd"}`. Ids are `package/TestName` (a subtest `package/TestName/sub`). A package that fails
 * with no failing test in it did not build or crashed outside a test: it is an error, and its tests
 * count as failing. Go 1.24 also reports build failures as `build-fail` events. `go test -v` text
 * (`--- PASS: TestAdd (0.00s)` ... `ok  example.com/m/pkg 0.01s`) is read for commands run as they are.
 */
import { Tally } from "./tally.js";

interface GoEvent {
  Action?: string;
  Package?: string;
  ImportPath?: string;
  Test?: string;
  Output?: string;
}

export function parseGoJson(text: string, tally = new Tally()): Tally {
  const failedTests = new Set<string>();
  const failedPackages: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    let e: GoEvent;
    try {
      e = JSON.parse(line) as GoEvent;
    } catch {
      continue;
    }
    if (typeof e !== "object" || e === null) continue;
    const pkg = e.Package ?? "";
    if (e.Action === "build-fail" && e.ImportPath) tally.error(e.ImportPath.replace(/ \[.*\]$/, ""));
    if (e.Test === undefined) {
      if (e.Action === "fail" && pkg) failedPackages.push(pkg);
      continue;
    }
    const id = `${pkg}/${e.Test}`;
    if (e.Action === "pass") tally.pass(id);
    else if (e.Action === "skip") tally.skip(id);
    else if (e.Action === "fail") {
      tally.fail(id);
      failedTests.add(pkg);
    }
  }
  for (const pkg of failedPackages) if (!failedTests.has(pkg)) tally.error(pkg);
  return tally;
}

const VERBOSE = /^\s*--- (PASS|FAIL|SKIP): (\S+) \(/;
const PACKAGE_LINE = /^(ok|FAIL)\s+(\S+)\s+(?:\d|\(cached\)|\[)/;

export function parseGoVerbose(text: string, tally = new Tally()): Tally {
  let pending: { outcome: string; test: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const v = VERBOSE.exec(line);
    if (v) {
      pending.push({ outcome: v[1]!, test: v[2]! });
      continue;
    }
    const p = PACKAGE_LINE.exec(line);
    if (!p) continue;
    const pkg = p[2]!;
    if (p[1] === "FAIL" && pending.length === 0) tally.error(pkg);
    for (const r of pending) {
      const id = `${pkg}/${r.test}`;
      if (r.outcome === "PASS") tally.pass(id);
      else if (r.outcome === "SKIP") tally.skip(id);
      else tally.fail(id);
    }
    pending = [];
  }
  return tally;
}

/** The package and the test of a go id: the test is the first segment that names one. */
export function splitGoId(id: string): { pkg: string; test: string } | undefined {
  const parts = id.split("/");
  const at = parts.findIndex((p, i) => i > 0 && /^(?:Test|Example|Fuzz|Benchmark)(?:$|[^a-z])/.test(p));
  if (at < 0) return undefined;
  return { pkg: parts.slice(0, at).join("/"), test: parts.slice(at).join("/") };
}
