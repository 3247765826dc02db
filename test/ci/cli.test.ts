/**
 * `repowright ci diagnose-log` through runCli, in-process: a temp file and stdin, JSON and human output;
 * and the streaming path's memory bound on a generated 50 MB log.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../helpers/cli.js";
import { CORPUS_DIR } from "./corpus.js";

const home = mkdtempSync(join(tmpdir(), "rw-ci-cli-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function cli(args: string[], stdinText?: string) {
  const env = { REPOWRIGHT_HOME: home, REPOWRIGHT_LOG_LEVEL: "silent", HOME: home };
  return runCliCaptured(["ci", "diagnose-log", ...args], env, stdinText);
}

describe("repowright ci diagnose-log", () => {
  it("prints one JSON line per file, with 1-based cited line numbers", async () => {
    const a = join(home, "maven.log");
    writeFileSync(a, readFileSync(join(CORPUS_DIR, "maven-surefire.log")));
    const b = join(home, "cargo.log");
    writeFileSync(b, readFileSync(join(CORPUS_DIR, "cargo-build.log")));
    const r = await cli([a, b, "--json"]);
    expect(r.code).toBe(0);
    const rows = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ file: a, category: "test", infrastructure: false, action: "fix" });
    expect(Object.keys(rows[0]!)).toEqual(["file", "category", "infrastructure", "action", "lines", "facts"]);
    const lines = readFileSync(a, "utf8").split("\n");
    const cited = (rows[0]!["lines"] as number[]).map((n) => lines[n - 1]);
    expect(cited.join("\n")).toMatch(/Failed to execute goal .*maven-surefire-plugin/);
    expect(rows[1]).toMatchObject({
      category: "compilation",
      facts: expect.objectContaining({ code: "E0308" }),
    });
  });

  it("reads stdin for -, and prints a human summary without --json", async () => {
    const r = await cli(["-"], readFileSync(join(CORPUS_DIR, "unittest-errors.log"), "utf8"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^-: test \(code, error\) -> fix/);
    expect(r.out).toMatch(/ERROR: test_div \(test_calc\.CalcTest\.test_div\)/);
  });

  it("says which file it cannot read, exit code 2", async () => {
    const r = await cli([join(home, "missing.log")]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot read .*missing\.log/);
  });

  it("keeps line numbers of a file with Travis \\r markers and CRLF line ends", async () => {
    const log = "travis_fold:start:install\r\u001b[0K$ npm ci\r\nok\r\nnpm error code E503\r\n";
    const r = await cli(["--json", "-"], log);
    expect(JSON.parse(r.out)).toMatchObject({ category: "infrastructure", action: "rerun", lines: [3] });
  });
});

describe("streaming", () => {
  it("diagnoses a 50 MB log in a node whose heap is limited to 32 MB", () => {
    // A hard bound instead of a heap-growth guess: a diagnoser that held the log could not finish.
    const r = spawnSync(
      process.execPath,
      ["--max-old-space-size=32", "--import", "tsx", join(import.meta.dirname, "stream-child.ts")],
      { encoding: "utf8", env: { ...process.env, STREAM_MB: "50" }, timeout: 120_000 },
    );
    expect(r.stderr).not.toMatch(/heap out of memory/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { category: string; test: string; peakHeap: number };
    expect(out).toMatchObject({ category: "test", test: "tests::adds" });
    expect(out.peakHeap).toBeLessThan(32 * 1024 * 1024);
  }, 120_000);
});

describe("linesOf", () => {
  it("splits on \\n only, drops \\r before \\n, joins lines across chunks and cuts over-long lines", async () => {
    const { linesOf } = await import("../../src/ci/diagnose/lines.js");
    const chunks = ["a\r\nb\rc\nlo", "ng-line-", "tail\nxyz0123456789", "abc\nlast"];
    const out: string[] = [];
    for await (const l of linesOf(Readable.from(chunks), 12)) out.push(l);
    expect(out).toEqual(["a", "b\rc", "long-line-ta", "xyz012345678", "last"]);
  });
});
