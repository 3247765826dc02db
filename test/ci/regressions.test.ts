/**
 * The failures seen on real logs, each pinned: keywords inside identifiers and paths, a warning-only
 * summary winning over the real failure, Maven's footer and Gradle's/sbt's summaries cited instead of
 * the errors, and the CI's own markers breaking line-anchored rules.
 */
import { describe, expect, it } from "vitest";
import { diagnoseLog } from "../../src/ci/diagnose/index.js";
import { loadCorpus } from "./corpus.js";

const corpus = new Map(loadCorpus().map((l) => [l.name, l]));
const diagnosed = (name: string) => diagnoseLog(corpus.get(name)!.log);
const texts = (d: ReturnType<typeof diagnoseLog>) => d.lines.map((l) => l.text);
/** A raw GitHub job log around a failing step's output. */
const gh = (...lines: string[]) =>
  [
    "##[group]Run make check",
    "make check",
    "##[endgroup]",
    ...lines,
    "##[error]Process completed with exit code 1.",
  ]
    .map((l, i) => `2026-11-20T10:00:${String(i).padStart(2, "0")}.0000000Z ${l}`)
    .join("\n");

describe("identifiers and paths never match as keywords", () => {
  it("a test file named …-econnrefused.lua is not a network failure", () => {
    const d = diagnosed("npm-econnreset-test-names");
    expect(d).toMatchObject({ category: "test", infrastructure: false, action: "fix" });
    expect(texts(d).join("\n")).not.toMatch(/econnrefused|etimedout/i);
  });

  it("-XX:+HeapDumpOnOutOfMemoryError is not out of memory", () => {
    const d = diagnosed("maven-heapdump-flag");
    expect(d.category).toBe("test");
    expect(d.facts.test).toBe("com.acme.ParserTest.parsesEmpty");
  });

  it("a passing test class AssertionErrorCreator_…Test does not make a compile failure a test failure", () => {
    const d = diagnoseLog(
      gh(
        "[INFO] Running org.assertj.core.error.AssertionErrorCreator_multipleAssertionsError_Test",
        "[INFO] Tests run: 4, Failures: 0, Errors: 0, Skipped: 0",
        "[ERROR] /work/core/src/main/java/com/acme/App.java:[12,5] cannot find symbol",
      ),
    );
    expect(d.category).toBe("compilation");
    expect(texts(d)).not.toContainEqual(expect.stringMatching(/AssertionErrorCreator/));
  });

  it("symfony/error-handler and a branch ending -error are not cited as errors", () => {
    const d = diagnosed("phpunit");
    expect(d.category).toBe("test");
    expect(texts(d).join("\n")).not.toMatch(/error-handler/);
    const unknown = diagnoseLog(
      gh(
        "Switched to a new branch 'fix/retry-error'",
        "  - Installing symfony/error-handler (v7.1.0)",
        "Error: the check script failed",
      ),
    );
    expect(texts(unknown)).toEqual(["Error: the check script failed"]);
  });
});

describe("errors outrank warnings", () => {
  it("a warning-only ESLint summary does not win over the test failure after it", () => {
    const d = diagnosed("eslint-warning-then-vitest");
    expect(d.category).toBe("test");
    expect(texts(d)).not.toContain("✖ 1 problem (0 errors, 1 warning)");
  });

  it("a log with nothing but warnings says so (severity warning)", () => {
    const d = diagnoseLog(
      gh("✖ 1 problem (0 errors, 1 warning)", "ESLint found too many warnings (maximum: 0)."),
    );
    expect(d).toMatchObject({ category: "lint", severity: "error" });
    const only = diagnoseLog(gh("✖ 1 problem (0 errors, 1 warning)"));
    expect(only).toMatchObject({ category: "lint", severity: "warning" });
  });
});

describe("summaries point at the errors above them", () => {
  it("Maven: the Failed to execute goal line is cited, the footer never", () => {
    const d = diagnosed("maven-surefire");
    expect(d.category).toBe("test");
    expect(texts(d)).toContainEqual(expect.stringMatching(/^\[ERROR\] Failed to execute goal .*surefire/));
    expect(texts(d).join("\n")).not.toMatch(/\[Help 1\]|-rf :|re-run Maven/i);
    expect(d.facts.plugin).toBe("org.apache.maven.plugins:maven-surefire-plugin");
  });

  it("Maven: Compilation failure is compilation, with the file and line", () => {
    const d = diagnosed("maven-compile");
    expect(d.category).toBe("compilation");
    expect(d.facts).toMatchObject({ file: expect.stringMatching(/Calc\.java$/), line: 3 });
  });

  it("Gradle: the javac error and the failed task are cited before BUILD FAILED", () => {
    const d = diagnosed("gradle-compile");
    expect(d.category).toBe("compilation");
    expect(texts(d)).toContainEqual(expect.stringMatching(/App\.java:12: error: cannot find symbol/));
    expect(texts(d)).not.toContain("BUILD FAILED in 14s");
  });

  it("sbt: the scalac error is cited, not only 'Compilation failed'", () => {
    const d = diagnosed("sbt-compile");
    expect(d.category).toBe("compilation");
    expect(texts(d)[0]).toMatch(/Calc\.scala:3:22: type mismatch/);
  });
});

describe("the log's structure", () => {
  it("finds the failing step, and a retry warning in an earlier passing step is not the cause", () => {
    const log = [
      "##[group]Run npm ci",
      "npm ci",
      "##[endgroup]",
      "npm warn retry will retry, error on last attempt: Error: read ECONNRESET",
      "added 212 packages in 9s",
      "##[group]Run npm test",
      "npm test",
      "##[endgroup]",
      " FAIL  test/time.test.ts > formats durations",
      "##[error]Process completed with exit code 1.",
    ].join("\n");
    const d = diagnoseLog(log);
    expect(d).toMatchObject({ category: "test", step: "Run npm test" });
  });

  it("reads gh run view --log and Travis logs: markers removed, anchored rules still match", () => {
    expect(diagnosed("pytest-import")).toMatchObject({ category: "dependency", step: "python -m pytest -q" });
    const travis = diagnosed("black");
    expect(travis).toMatchObject({ category: "format", fix: "black ." });
    expect(texts(travis)[0]).toBe("would reformat /home/travis/build/acme/api/app/main.py");
  });

  it("with no recognisable line, cites what the failed step printed last and the exit line", () => {
    const d = diagnoseLog(gh("checking things", "all looks odd"));
    expect(d).toMatchObject({ category: "unknown", action: "ask", facts: { exit_code: 1 } });
    expect(texts(d)).toEqual(["checking things", "all looks odd", "Process completed with exit code 1."]);
  });
});
