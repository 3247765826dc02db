/**
 * The CI doctor's repair loop against the GitHub emulator, whose runner really runs Biome and npm on each
 * run's commit: a red run is diagnosed from real tool output, fixed (lockfile and formatter) in a clone in
 * the sandbox, pushed with a pull request, checked by the run the push started, and reported; a fix that
 * does not help is stopped and not tried again; an infrastructure failure is re-run once and reported.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { repairDeps, repairRun } from "../../src/ci/repair/run.js";
import type { RepairRecord } from "../../src/ci/repair/types.js";
import type { GithubTestBed } from "../github/helpers.js";
import {
  appFiles,
  BIN,
  dispatchAndWait,
  FORMAT_JOB,
  NPM_CI_JOB,
  repoSeed,
  startRepairBed,
} from "./repair-bed.js";

type Obj = Record<string, unknown>;

const beds: GithubTestBed[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const b of beds.splice(0)) await b.close();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function bed(name: string, files: Record<string, string>, jobs: Record<string, string[]>) {
  const b = await startRepairBed(repoSeed(name, files, Object.keys(jobs)), jobs);
  beds.push(b);
  return b;
}

function deps(b: GithubTestBed) {
  const summary = join(mkdtempSync(join(tmpdir(), "ci-summary-")), "summary.md");
  dirs.push(join(summary, ".."));
  return {
    summary,
    deps: repairDeps(b.app.host, {
      // The runner's toolchain on PATH (Biome), and npm kept offline: nothing leaves the machine.
      // Under bubblewrap the runner's toolchain must also be readable: BIN's links point into node_modules.
      sandbox: {
        readable: [dirname(BIN)],
        hostEnv: { PATH: `${BIN}:${process.env["PATH"]}` },
        env: { npm_config_offline: "true" },
      },
      stepSummary: summary,
      pollMs: 200,
    }),
  };
}

const issues = async (b: GithubTestBed, repo: string) =>
  ((await b.app.call("list_issues", { owner: "acme", repo, state: "all" })).data as Obj)["issues"] as Obj[];

describe("the CI doctor's repair loop", () => {
  it("fixes a lockfile and a formatter failure, pushes a PR, and the run the push started is green", async () => {
    const b = await bed("app", appFiles(), { format: FORMAT_JOB, deps: NPM_CI_JOB });
    const red = await dispatchAndWait(b, "app");
    expect(red["conclusion"]).toBe("failure");
    const logs = b.emu.state.repo("acme", "app")!.jobs.filter((j) => j.run_id === red["id"]);
    expect(logs.find((j) => j.name === "deps")!.log).toContain(
      "can only install packages when your package.json",
    );
    expect(logs.find((j) => j.name === "format")!.log).toContain("Formatter would have printed");

    const { deps: d, summary } = deps(b);
    const record = await repairRun(
      { owner: "acme", repo: "app", run_id: Number(red["id"]), trigger: { kind: "cli" } },
      d,
    );

    expect(record.outcome, JSON.stringify(record, null, 2)).toMatchObject({ kind: "fixed" });
    const [first, second] = record.iterations;
    expect(first!.failures.map((f) => f.category).sort()).toEqual(["format", "lockfile"]);
    expect(first!.plan).toMatchObject({ kind: "fix" });
    expect((first!.plan as { fixes: { id: string }[] }).fixes.map((f) => f.id)).toEqual([
      "lockfile:npm",
      "format:biome",
    ]);
    expect(first!.commit!.files.sort()).toEqual(["package-lock.json", "src/index.js"]);
    expect(second!.verdict).toBe("passing");
    expect(record.phases.map((p) => p.name)).toEqual([
      "watch",
      "diagnose",
      "plan",
      "fix",
      "push",
      "rerun",
      "verify",
      "diagnose",
      "plan",
      "report",
    ]);
    // The pushed tree is really fixed: the lock has left-pad, the file is formatted.
    const branch = "repowright/ci-fix/main";
    expect(b.git("acme", "app", "show", `${branch}:src/index.js`)).toBe(
      "const a = { b: 1 };\nexport default a;",
    );
    expect(b.git("acme", "app", "show", `${branch}:package-lock.json`)).toContain("node_modules/left-pad");
    expect(record.pull_request).toMatchObject({ branch, created: true });
    const pr = (
      await b.app.call("get_pull_request", {
        owner: "acme",
        repo: "app",
        pull_number: record.pull_request!.number,
      })
    ).data as Obj;
    expect(pr["base"]).toBe("main");
    // The report: the job summary (Markdown), the record (JSON), no issue for a success.
    const md = readFileSync(summary, "utf8");
    expect(md).toContain("fixed — the run is green after the fix");
    expect(md).toContain("Formatter would have printed");
    expect(await issues(b, "app")).toHaveLength(0);
    const stored = await b.app.store.getDoc<RepairRecord>("ci-repairs", record.id);
    expect(stored?.data.outcome?.kind).toBe("fixed");
    // The same run attempt is not analysed twice (a second webhook, a watcher, a restart).
    const again = await repairRun(
      { owner: "acme", repo: "app", run_id: Number(red["id"]), trigger: { kind: "cli" } },
      d,
    );
    expect(again.outcome?.kind).toBe("already_analysed");
    const metrics = await b.app.host.metrics.registry.metrics();
    expect(metrics).toMatch(/repowright_ci_repairs_total\{outcome="fixed"\} 1/);
    expect(metrics).toMatch(/repowright_ci_fix_commits_total\{category="format"\} 1/);
  });

  it("stops a fix that does not help, and does not try it again", async () => {
    // CI checks with spaces; the repository's Biome config (its default, tabs) is what the fixer uses:
    // the fix changes the file, and the check fails the same way after it.
    const files = appFiles({ "src/index.js": "function f() {\n    return 1\n}\nexport default f\n" });
    delete files["package-lock.json"];
    delete files["package.json"];
    const format = [FORMAT_JOB[0]!, "format", "--indent-style=space", "."];
    const b = await bed("lint", files, { format });
    const red = await dispatchAndWait(b, "lint");
    const { deps: d } = deps(b);
    const record = await repairRun(
      { owner: "acme", repo: "lint", run_id: Number(red["id"]), trigger: { kind: "cli" } },
      d,
    );
    expect(record.outcome, JSON.stringify(record, null, 2)).toMatchObject({ kind: "stopped" });
    const o = record.outcome as { reason: string };
    expect(["fingerprint_repeated", "fix_did_not_help"]).toContain(o.reason);
    // It did push one fix (tabs), and the run that checked it failed the same way.
    expect(record.iterations[0]!.commit?.files).toEqual(["src/index.js"]);
    expect(record.iterations[1]!.failures[0]!.fingerprint).toBe(
      record.iterations[0]!.failures[0]!.fingerprint,
    );
    // One persistent-failure issue, updated rather than duplicated by the next doctor.
    const list = await issues(b, "lint");
    expect(list).toHaveLength(1);
    // A new failing run of the same failure: the fix was tried, it is not tried again.
    const red2 = await dispatchAndWait(b, "lint");
    const next = await repairRun(
      { owner: "acme", repo: "lint", run_id: Number(red2["id"]), trigger: { kind: "cli" } },
      d,
    );
    expect(next.outcome).toMatchObject({ kind: "stopped" });
    expect(next.iterations.every((i) => i.plan.kind !== "fix")).toBe(true);
    expect(await issues(b, "lint")).toHaveLength(1);
  });

  it("re-runs an infrastructure failure once and reports it when it fails again", async () => {
    const files = {
      "package.json":
        '{ "name": "x", "version": "1.0.0", "private": true, "dependencies": { "left-pad": "^1.3.0" } }\n',
      ".github/workflows/ci.yml":
        "name: CI\non: [push]\njobs:\n  install:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm install\n",
    };
    // The registry is down (a closed loopback port), on every attempt.
    const install = [
      "npm",
      "install",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      "--fetch-retries=0",
      "--registry",
      "http://127.0.0.1:9/",
    ];
    const b = await bed("infra", files, { install });
    const red = await dispatchAndWait(b, "infra");
    const { deps: d, summary } = deps(b);
    const record = await repairRun(
      { owner: "acme", repo: "infra", run_id: Number(red["id"]), trigger: { kind: "cli" } },
      d,
    );
    expect(record.iterations[0]!.failures[0]!.category).toBe("infrastructure");
    expect(record.iterations[0]!.plan).toEqual({ kind: "rerun" });
    expect(record.iterations[1]!.attempt).toBe(2);
    expect(record.outcome).toMatchObject({ kind: "stopped" });
    const reruns = b.emu.requests.filter((r) => r.method === "POST" && r.path.endsWith("/rerun-failed-jobs"));
    expect(reruns).toHaveLength(1);
    const [listed] = await issues(b, "infra");
    const issue = (
      await b.app.call("get_issue", { owner: "acme", repo: "infra", issue_number: listed!["number"] })
    ).data as Obj;
    expect(String(issue["body"])).toContain("ECONNREFUSED");
    expect(readFileSync(summary, "utf8")).toContain("stopped — needs a person");
  });
});
