/** Runs started by pushes, finished by the test through the emulator, read and re-run through the tools. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GithubTestBed, startGithubTestBed } from "./helpers.js";

type Obj = Record<string, unknown>;
const R = { owner: "acme", repo: "ci" };

describe("CI flow: a push starts a run; failed job logs; re-run of the failed jobs", () => {
  let bed: GithubTestBed;
  beforeAll(async () => {
    bed = await startGithubTestBed({
      repos: [
        {
          owner: "acme",
          name: "ci",
          files: { "package.json": "{}\n" },
          workflows: [{ name: "CI", path: ".github/workflows/ci.yml", on: ["push"], jobs: ["test", "lint"] }],
        },
      ],
    });
  });
  afterAll(async () => {
    await bed?.close();
  });
  const call = async (name: string, args: Obj = {}) => {
    const r = await bed.app.call(name, { ...R, ...args });
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.data)}`);
    return r.data as Obj;
  };

  it("goes from push to green", async () => {
    await call("create_branch", { branch: "fix" });
    const push = await call("push_files", {
      branch: "fix",
      message: "fix",
      files: [{ path: "a.js", content: "1" }],
    });
    const runs = await call("list_workflow_runs", { branch: "fix", event: "push" });
    expect(runs["runs"]).toEqual([
      expect.objectContaining({
        status: "queued",
        head_sha: push["commit_sha"],
        branch: "fix",
        actor: "octocat",
      }),
    ]);
    const runId = (runs["runs"] as Obj[])[0]!["id"] as number;
    bed.emu.completeRun("acme", "ci", runId, {
      conclusion: "failure",
      jobs: { test: { conclusion: "failure", log: "npm test\nFAIL a.test.js\n  expected 1, got 2\n" } },
    });
    const logs = await call("get_job_logs", { run_id: runId, tail_lines: 2 });
    expect(logs["jobs"]).toEqual([
      expect.objectContaining({ name: "test", log: "FAIL a.test.js\n  expected 1, got 2" }),
    ]);
    await call("rerun_failed_jobs", { run_id: runId });
    const jobs = await call("list_workflow_jobs", { run_id: runId });
    expect(
      (jobs["jobs"] as Obj[]).map((j) => `${j["name"]}:${j["status"]}:${j["conclusion"] ?? "-"}`),
    ).toEqual(["test:queued:-", "lint:completed:success"]);
    // Control over HTTP, as a non-TypeScript test would do it.
    const done = await fetch(`${bed.emu.url}/_emulator/repos/acme/ci/runs/${runId}/complete`, {
      method: "POST",
      body: JSON.stringify({ conclusion: "success" }),
    });
    expect(done.status).toBe(204);
    expect(await call("get_workflow_run", { run_id: runId })).toMatchObject({
      conclusion: "success",
      attempt: 2,
    });
    const green = await call("list_workflow_runs", { status: "success" });
    expect(green["total_count"]).toBe(1);
  });
});
