/**
 * The CI doctor's workflow fixes, on a workflow file in a temp checkout: a deprecated action bumped to its
 * current major, a missing token permission granted, a job's time limit raised; each only when the
 * diagnosis names it, and never for what it cannot fix (360 minutes, `permissions: write-all`).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Failure, fixFor, orderFixes } from "../../src/ci/repair/fixers.js";
import { classifyLog } from "../../src/toolsets/ci/classify.js";

const WF = ".github/workflows/ci.yml";
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function checkout(workflow: string): string {
  const root = mkdtempSync(join(tmpdir(), "ci-fixers-"));
  dirs.push(root);
  mkdirSync(join(root, ".github/workflows"), { recursive: true });
  writeFileSync(join(root, WF), workflow);
  return root;
}

/** A failure as diagnose_ci_run reports it, from a log line. */
function failure(log: string, job = "build"): Failure {
  const d = classifyLog(log, job);
  return { job_id: 1, job, ...d };
}

describe("the CI doctor's fixers", () => {
  it("bumps a deprecated action named by the log, and leaves other actions alone", async () => {
    const root = checkout(
      "jobs:\n  build:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/upload-artifact@v3\n        with:\n          name: out\n",
    );
    const f = failure(
      "##[error]This request has been automatically failed because it uses a deprecated version of `actions/upload-artifact: v3`. Learn more: https://github.blog/changelog/2024-04-16-deprecation-notice-v3-of-the-artifact-actions/",
    );
    expect(f.category).toBe("configuration");
    const fix = fixFor(f, WF)!;
    expect(fix.id).toBe("action:actions/upload-artifact");
    expect(await fix.edit!(root)).toEqual([WF]);
    const text = readFileSync(join(root, WF), "utf8");
    expect(text).toContain("actions/upload-artifact@v4");
    expect(text).toContain("actions/checkout@v4");
    expect(await fix.edit!(root)).toEqual([]);
  });

  it("grants contents: write when the bot was denied a push, keeping the rest of the file", async () => {
    const root = checkout(
      "# keep me\nname: CI\npermissions:\n  issues: write\njobs:\n  build:\n    steps: []\n",
    );
    const f = failure("remote: Permission to acme/app.git denied to github-actions[bot].");
    const fix = fixFor(f, WF)!;
    expect(fix.id).toBe("permissions:contents");
    expect(await fix.edit!(root)).toEqual([WF]);
    const text = readFileSync(join(root, WF), "utf8");
    expect(text).toContain("# keep me");
    expect(text).toMatch(/permissions:\n {2}issues: write\n {2}contents: write/);
    const all = checkout("permissions: write-all\njobs: {}\n");
    expect(await fix.edit!(all)).toEqual([]);
  });

  it("raises a job's time limit, but not past GitHub's 360 minutes", async () => {
    const root = checkout("jobs:\n  test:\n    name: Tests\n    timeout-minutes: 20\n    steps: []\n");
    const f = failure(
      "##[error]The job running on runner GitHub Actions 3 has exceeded the maximum execution time of 20 minutes.",
      "Tests",
    );
    expect(f.category).toBe("timeout");
    const fix = fixFor(f, WF)!;
    expect(await fix.edit!(root)).toEqual([WF]);
    expect(readFileSync(join(root, WF), "utf8")).toContain("timeout-minutes: 40");
    const max = failure(
      "##[error]The job running on runner GitHub Actions 3 has exceeded the maximum execution time of 360 minutes.",
      "Tests",
    );
    expect(fixFor(max, WF)).toBeUndefined();
  });

  it("runs lockfile fixes before formatters, one fix per tool", () => {
    const fmt = {
      ...failure("x"),
      category: "format",
      action: "fix" as const,
      facts: { tool: "biome" },
      fingerprint: "a",
    };
    const fmt2 = { ...fmt, fingerprint: "b" };
    const lock = { ...fmt, category: "lockfile", facts: { tool: "npm" }, fingerprint: "c" };
    const ordered = orderFixes([fixFor(fmt, WF)!, fixFor(fmt2, WF)!, fixFor(lock, WF)!]);
    expect(ordered.map((f) => f.id)).toEqual(["lockfile:npm", "format:biome"]);
    expect(ordered[1]!.fingerprints).toEqual(["a", "b"]);
    expect(fixFor({ ...fmt, facts: { tool: "unheard-of" } }, WF)).toBeUndefined();
  });
});
