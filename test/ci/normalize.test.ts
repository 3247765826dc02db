/** Lines as the tool printed them: what normalizeLine removes, and what it keeps aside as structure. */
import { describe, expect, it } from "vitest";
import { diagnoseLog, normalizeLine, splitLines } from "../../src/ci/diagnose/index.js";

describe("normalizeLine", () => {
  it.each([
    ["GitHub timestamp", "2026-11-20T10:00:01.1234567Z npm error code E404", "npm error code E404"],
    ["colour codes", "\u001b[31m×\u001b[39m test/a.test.ts \u001b[2m4ms\u001b[22m", "× test/a.test.ts 4ms"],
    ["gh run view --log", "build\tRun npm test\t2026-11-20T10:00:01.1Z FAIL x", "FAIL x"],
    ["Travis fold glued to a line", "travis_fold:end:install\r\u001b[0K$ npm test", "$ npm test"],
    ["Travis timer", "travis_time:end:1b:start=1,finish=2,duration=1,event=script\r\u001b[0K", ""],
    [
      "GitLab section",
      "\u001b[0Ksection_start:1700000000:build_script\r\u001b[0KRunning make",
      "Running make",
    ],
    ["progress bar rewritten with \\r", "Downloading 10%\rDownloading 100%", "Downloading 100%"],
    ["Jenkins timestamper and pipeline", "[2026-11-20T10:00:00.000Z] [Pipeline] sh", ""],
    [
      "GitHub error annotation keeps its message",
      "##[error]Process completed with exit code 2.",
      "Process completed with exit code 2.",
    ],
    ["a workflow command", "::error file=a.ts,line=3::Type error", "Type error"],
  ])("%s", (_name, raw, text) => {
    expect(normalizeLine(raw).text).toBe(text);
  });

  it("keeps the CI's markers aside as structure", () => {
    expect(normalizeLine("##[group]Run npm test").marker).toEqual({ kind: "step", name: "Run npm test" });
    expect(normalizeLine("travis_fold:start:install\r\u001b[0K$ npm ci").marker).toEqual({
      kind: "step",
      name: "install",
    });
    expect(normalizeLine("[Pipeline] { (Build)").marker).toEqual({ kind: "step", name: "Build" });
    expect(normalizeLine("build\tRun make\t2026-11-20T10:00:01.1Z x").step).toBe("Run make");
  });

  it("splits on \\n and \\r\\n only, so line numbers match the file's", () => {
    expect(splitLines("a\r\nb\rc\nd\n")).toEqual(["a", "b\rc", "d"]);
  });
});

describe("steps of other CIs", () => {
  it("GitLab: the failing section and its exit line", () => {
    const log = [
      "\u001b[0Ksection_start:1700000000:prepare_script\r\u001b[0KPreparing environment",
      "npm warn retry will retry, error on last attempt: Error: read ECONNRESET",
      "\u001b[0Ksection_end:1700000001:prepare_script\r\u001b[0K",
      "\u001b[0Ksection_start:1700000002:step_script\r\u001b[0K$ pytest",
      "FAILED tests/test_a.py::test_one - assert 1 == 2",
      "ERROR: Job failed: exit code 1",
    ].join("\n");
    expect(diagnoseLog(log)).toMatchObject({
      category: "test",
      step: "step_script",
      facts: { exit_code: 1 },
    });
  });

  it("Jenkins: the stage that failed", () => {
    const log = [
      "[Pipeline] { (Lint)",
      "+ ruff check .",
      "app/main.py:1:8: F401 [*] `os` imported but unused",
      "ERROR: script returned exit code 1",
      "[Pipeline] }",
      "Finished: FAILURE",
    ].join("\n");
    expect(diagnoseLog(log)).toMatchObject({ category: "lint", step: "Lint", facts: { code: "F401" } });
  });
});
