import { describe, expect, it } from "vitest";
import { classifyLog, cleanLines } from "../../src/toolsets/ci/classify.js";
import { LOGS } from "./logs.js";

describe("classifyLog", () => {
  it.each([
    ["prettier", "format", "fix", "npx prettier --write .", "Code style issues found in 2 files"],
    ["vitest", "test", "fix", undefined, "AssertionError: expected '1m 0s' to be '60s'"],
    ["network", "infrastructure", "rerun", undefined, "npm error code ECONNRESET"],
    [
      "lockfile",
      "lockfile",
      "fix",
      "npm install && git add package-lock.json",
      "Missing: left-pad@1.3.0 from lock file",
    ],
    ["yanked", "dependency", "fix", undefined, "No matching version found for leftish@2.4.1"],
    ["tsc", "typecheck", "fix", undefined, "error TS2322"],
    ["black", "format", "fix", "black .", "would reformat"],
    ["pytest", "test", "fix", undefined, "FAILED tests/test_api.py::test_rate_limit"],
    ["oom", "out_of_memory", "investigate", undefined, "JavaScript heap out of memory"],
    // The CI's own `##[error]` marker is removed from cited lines: the exit line is quoted without it.
    ["mystery", "unknown", "investigate", undefined, "Process completed with exit code 3."],
    ["networkThenTests", "infrastructure", "rerun", undefined, "ETIMEDOUT"],
  ] as const)("%s: %s, %s", (name, category, action, fix, proof) => {
    const d = classifyLog(LOGS[name], "job");
    expect(d).toMatchObject({ category, action });
    expect(d.fix).toBe(fix);
    expect(d.evidence.some((e) => e.text.includes(proof))).toBe(true);
    // Evidence is quoted without timestamps or colour codes, with its line number in the log.
    for (const e of d.evidence) {
      expect(e.text).not.toMatch(/^\d{4}-\d\d-\d\dT|\u001b\[/);
      expect(cleanLines(LOGS[name])[e.line - 1]).toContain(e.text);
    }
  });

  it("names the yanked package and the cause in words", () => {
    expect(classifyLog(LOGS.yanked).cause).toMatch(/ETARGET/);
    expect(classifyLog(LOGS.lockfile).cause).toBe("package-lock.json is out of sync with package.json");
  });

  it("gives the same failure the same fingerprint across runs, and a different one to another failure", () => {
    const again = LOGS.vitest.replace(/2026-11-20T10/g, "2026-11-21T09").replace("4ms", "7ms");
    expect(classifyLog(again, "test").fingerprint).toBe(classifyLog(LOGS.vitest, "test").fingerprint);
    expect(classifyLog(LOGS.pytest, "test").fingerprint).not.toBe(
      classifyLog(LOGS.vitest, "test").fingerprint,
    );
    expect(classifyLog(LOGS.vitest, "test (node 22)").fingerprint).not.toBe(
      classifyLog(LOGS.vitest, "test").fingerprint,
    );
  });
});
