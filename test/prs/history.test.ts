/**
 * The split on a real project's history: eleven commits of tomli (hukkin/tomli 443a0c1..1da01ef, MIT;
 * test/fixtures/prs-history/tomli/README.md says how the fixture was made) applied to its base tree as one
 * working-tree change. suggest_pr_boundaries splits it by the import graph; the groups must respect the
 * imports (no group needs a file only a later group changes), and validate_pr_groups with run_tests
 * builds each stacked branch's tree and runs tomli's own tests there, in the sandbox.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";

type Obj = Record<string, unknown>;
type Group = { index: number; files: { path: string; hunks?: number[] }[]; depends_on: number[] };
type AnalyzedFile = {
  path: string;
  status: string;
  imports: { path: string }[];
  hunks: { uses: string[] }[];
};

const FIXTURE = resolve(__dirname, "../fixtures/prs-history/tomli");
const TEST_COMMAND = "PYTHONPATH=src python3 -m unittest";

describe("splitting a real project's history (tomli)", () => {
  let app: TestApp;
  let work: string;
  let analysis: Obj;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "rw-prs-history-"));
    cpSync(join(FIXTURE, "base"), work, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", work, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "tomli at 443a0c1");
    git("apply", join(FIXTURE, "range.patch"));
    app = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: "prs" } });
    const r = await app.call("analyze_repository", { repo_path: work });
    expect(r.isError, JSON.stringify(r.data)).toBe(false);
    analysis = r.data as Obj;
  });
  afterAll(async () => {
    await app?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("sees the range's changes and the imports between tomli's modules", () => {
    const files = analysis["files"] as AnalyzedFile[];
    const byPath = new Map(files.map((f) => [f.path, f]));
    expect(files).toHaveLength(15);
    expect(byPath.get("setup.py")).toMatchObject({ status: "added" });
    expect(byPath.get("scripts/mypyc_tox")).toMatchObject({ status: "added" });
    expect(byPath.get("src/tomli/_parser.py")).toMatchObject({ status: "modified" });
    expect(byPath.get("src/tomli/_parser.py")!.imports.map((i) => i.path)).toContain("src/tomli/_re.py");
  });

  for (const strategy of ["dependency", "hybrid"] as const) {
    it(`${strategy}: no group needs a file of a later group, and every stacked tree passes tomli's tests`, async () => {
      const b = await app.call("suggest_pr_boundaries", { analysis, strategy, max_files_per_pr: 4 });
      expect(b.isError, JSON.stringify(b.data)).toBe(false);
      const groups = (b.data as { groups: Group[] }).groups;
      expect(groups.length).toBeGreaterThanOrEqual(3);
      const files = analysis["files"] as AnalyzedFile[];
      // Every change is in exactly one group (whole files, or all of a split file's hunks).
      const seen = new Map<string, number[]>();
      for (const g of groups)
        for (const f of g.files) seen.set(f.path, [...(seen.get(f.path) ?? []), g.index]);
      expect([...seen.keys()].sort()).toEqual(files.map((f) => f.path).sort());
      // A group never needs a file that only a later group brings: where a hunk uses an import, the
      // imported file is in this group or an earlier one (the first group that touches it).
      const first = new Map([...seen].map(([p, gs]) => [p, Math.min(...gs)]));
      for (const g of groups)
        for (const m of g.files) {
          const f = files.find((x) => x.path === m.path)!;
          const hunks = m.hunks ? m.hunks.map((h) => f.hunks[h]!) : f.hunks;
          for (const used of hunks.flatMap((h) => h.uses))
            expect(first.get(used) ?? 0, `${m.path} in group ${g.index} uses ${used}`).toBeLessThanOrEqual(
              g.index,
            );
        }
      const v = await app.call("validate_pr_groups", {
        analysis,
        groups,
        rules: { max_files_per_pr: 4, run_tests: true, test_command: TEST_COMMAND },
      });
      expect(v.isError, JSON.stringify(v.data)).toBe(false);
      const result = v.data as { valid: boolean; violations: Obj[]; test_runs: Obj[] };
      expect(result.violations).toEqual([]);
      expect(result.test_runs).toHaveLength(groups.length);
      for (const run of result.test_runs)
        expect(run, String(run["output_tail"])).toMatchObject({ passed: true });
      expect(result.test_runs.map((r) => r["output_tail"]).join("\n")).toMatch(/Ran \d+ tests/);
      expect(result.valid).toBe(true);
    }, 120_000);
  }
});
