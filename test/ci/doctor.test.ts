/**
 * The CI doctor's instruments against the GitHub emulator (journey 3): each failure named with the log
 * lines that prove it, a transient failure re-run once and not again, a mechanical fix proposed once and
 * not again after it was tried, and waiting for a run with progress.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GithubTestBed, startGithubTestBed } from "../github/helpers.js";
import { LOGS } from "./logs.js";

type Obj = Record<string, unknown>;
const R = { owner: "acme", repo: "api" };

describe("ci toolset", () => {
  let bed: GithubTestBed;
  const call = async (name: string, args: Obj = {}) => {
    const r = await bed.app.call(name, { ...R, ...args });
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.data)}`);
    return r.data as Obj;
  };
  const runId = async (branch: string) =>
    ((await call("list_workflow_runs", { branch }))["runs"] as Obj[])[0]!["id"] as number;

  beforeAll(async () => {
    bed = await startGithubTestBed(
      {
        repos: [
          {
            owner: "acme",
            name: "api",
            files: { "package.json": "{}\n" },
            branches: { flaky: {}, deps: {}, slow: {} },
            workflows: [
              {
                name: "CI",
                path: ".github/workflows/ci.yml",
                runs: [
                  {
                    head_branch: "main",
                    conclusion: "failure",
                    jobs: [
                      {
                        name: "format",
                        conclusion: "failure",
                        log: LOGS.prettier,
                        steps: ["Check formatting"],
                      },
                      { name: "test", conclusion: "failure", log: LOGS.vitest },
                      { name: "build", conclusion: "success", log: "built\n" },
                    ],
                  },
                  {
                    head_branch: "flaky",
                    conclusion: "failure",
                    jobs: [
                      { name: "install", conclusion: "failure", log: LOGS.network },
                      { name: "lint", conclusion: "cancelled", log: "cancelled\n" },
                    ],
                  },
                  {
                    head_branch: "deps",
                    conclusion: "failure",
                    jobs: [{ name: "install", conclusion: "failure", log: LOGS.lockfile }],
                  },
                  {
                    head_branch: "slow",
                    status: "in_progress",
                    conclusion: null,
                    jobs: [
                      { name: "unit", status: "completed", conclusion: "success", log: "ok\n" },
                      { name: "e2e", status: "in_progress" },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
      { REPOWRIGHT_TOOLSETS: "github,ci" },
    );
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("names each failed job's cause with the log lines that prove it", async () => {
    const d = await call("diagnose_ci_run", { run_id: await runId("main") });
    expect(d).toMatchObject({ verdict: "failing", cancelled_jobs: [] });
    expect(d["next"]).toMatch(/the code needs a change: test \(test\)/);
    const [format, test] = d["failures"] as Obj[];
    expect(format).toMatchObject({
      job: "format",
      category: "format",
      action: "fix",
      fix: "npx prettier --write .",
      failed_steps: ["Check formatting"],
    });
    expect(format!["evidence"]).toContainEqual({
      line: 5,
      text: "[warn] Code style issues found in 2 files. Run Prettier with --write to fix.",
    });
    expect(test).toMatchObject({ job: "test", category: "test", action: "fix" });
    expect(JSON.stringify(test!["evidence"])).toContain("AssertionError: expected '1m 0s' to be '60s'");
  });

  it("says re-run for an infrastructure failure, and not a second time once a re-run failed the same way", async () => {
    const first = await call("diagnose_ci_run", { branch: "flaky" });
    expect(first).toMatchObject({ verdict: "transient", cancelled_jobs: ["lint"] });
    expect(first["next"]).toMatch(/rerun_failed_jobs/);
    expect(first["failures"]).toEqual([
      expect.objectContaining({ category: "infrastructure", action: "rerun" }),
    ]);

    const id = (first["run"] as Obj)["id"] as number;
    await call("rerun_failed_jobs", { run_id: id });
    bed.emu.completeRun("acme", "api", id, {
      conclusion: "failure",
      jobs: { install: { conclusion: "failure", log: LOGS.network } },
    });
    const again = await call("diagnose_ci_run", { run_id: id });
    expect(again["verdict"]).toBe("needs_investigation");
    expect(again["failures"]).toEqual([
      expect.objectContaining({
        category: "infrastructure",
        action: "investigate",
        note: expect.stringMatching(/already re-run 1 time/),
      }),
    ]);
  });

  it("proposes a mechanical fix once; after it is recorded and the failure is back, says not to repeat it", async () => {
    const d = await call("diagnose_ci_run", { branch: "deps" });
    expect(d).toMatchObject({ verdict: "fixable" });
    expect(d["next"]).toMatch(/npm install && git add package-lock.json/);
    const failure = (d["failures"] as Obj[])[0]!;
    expect(failure).toMatchObject({ category: "lockfile", action: "fix" });

    const rec = await call("record_ci_fix_attempt", {
      fingerprints: [failure["fingerprint"]],
      description: "regenerated package-lock.json",
      branch: "deps",
      commit_sha: "abc1234",
    });
    expect(rec).toMatchObject({ recorded: 1 });

    const later = await call("diagnose_ci_run", { branch: "deps" });
    expect(later["verdict"]).toBe("needs_investigation");
    expect((later["failures"] as Obj[])[0]).toMatchObject({
      action: "investigate",
      tried_before: [
        expect.objectContaining({ commit_sha: "abc1234", description: "regenerated package-lock.json" }),
      ],
      note: expect.stringMatching(/already tried.*do not repeat it/),
    });
  });

  it("waits for a run to finish with progress, or says it is still going after the timeout", async () => {
    const id = await runId("slow");
    const still = await call("wait_for_ci_run", { run_id: id, timeout_s: 1, poll_s: 1 });
    expect(still).toMatchObject({
      completed: false,
      run: expect.objectContaining({ status: "in_progress" }),
    });

    const progress: string[] = [];
    const waiting = bed.app.client.callTool(
      { name: "wait_for_ci_run", arguments: { ...R, run_id: id, timeout_s: 30, poll_s: 1 } },
      undefined,
      { onprogress: (p) => progress.push(String(p.message)) },
    );
    setTimeout(() => bed.emu.completeRun("acme", "api", id, { conclusion: "success" }), 300);
    const done = (await waiting).structuredContent as Obj | undefined;
    const data = done ?? JSON.parse(((await waiting).content as { text: string }[])[0]!.text);
    expect(data).toMatchObject({ completed: true, run: expect.objectContaining({ conclusion: "success" }) });
    expect(progress[0]).toMatch(/in_progress: 1\/2 jobs done/);

    const unknown = await bed.app.call("diagnose_ci_run", { ...R, branch: "no-such-branch" });
    expect(unknown).toMatchObject({ isError: true, data: { type: "not_found" } });
  });
});
