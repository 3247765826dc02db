/**
 * Behaviour the issue asks for that a review found missing, each through the MCP client against the
 * emulator: failed job logs past the first page of jobs, pull request mergeability while GitHub is still
 * computing it and the checks verdict, binary files truncated like text, a plain 403 as `forbidden`, and
 * Bottleneck's pacing kept by the patch that takes its empty waits away.
 */
import { createRequire } from "node:module";
import Bottleneck from "bottleneck";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ToolError } from "../../src/core/errors.js";
import { useImmediateBottleneck } from "../../src/github/bottleneck.js";
import { toToolError } from "../../src/github/client.js";
import { type GithubTestBed, startGithubTestBed } from "./helpers.js";

type Obj = Record<string, unknown>;
const R = { owner: "acme", repo: "review" };
const BINARY = `\u0000PNG${"x".repeat(3000)}`;
/** Over 1 MB: GitHub's contents JSON then carries no content (encoding "none"). */
const BIG = `${"0123456789abcdef".repeat(70_000)}END`;

describe("github toolset: behaviour fixed after review", () => {
  let bed: GithubTestBed;
  beforeAll(async () => {
    bed = await startGithubTestBed({
      repos: [
        {
          owner: "acme",
          name: "review",
          files: { "README.md": "# review\n", "assets/blob.bin": BINARY, "data/big.txt": BIG },
          branches: { feature: { files: { "src/new.ts": "export const x = 1;\n" } } },
          pulls: [{ title: "Add x", head: "feature" }],
          workflows: [
            {
              name: "Matrix",
              path: ".github/workflows/matrix.yml",
              runs: [
                {
                  head_branch: "main",
                  conclusion: "failure",
                  jobs: Array.from({ length: 105 }, (_, i) => ({
                    name: `shard-${i + 1}`,
                    conclusion: i === 2 || i === 102 ? "failure" : i === 103 ? "cancelled" : "success",
                    log: `shard ${i + 1} start\nshard ${i + 1} ${i === 2 || i === 102 ? "FAILED" : "done"}\n`,
                  })),
                },
              ],
            },
            {
              name: "CI",
              path: ".github/workflows/ci.yml",
              runs: [
                {
                  head_branch: "feature",
                  conclusion: "failure",
                  jobs: [
                    { name: "build", conclusion: "success" },
                    { name: "test", conclusion: "failure" },
                  ],
                },
              ],
            },
          ],
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

  it("get_job_logs with a run id reads every page of jobs, so failed jobs past the first 100 show", async () => {
    const runs = await call("list_workflow_runs", { workflow_id: "matrix.yml" });
    const runId = (runs["runs"] as Obj[])[0]!["id"] as number;
    const all = await call("get_job_logs", { run_id: runId, tail_lines: 1 });
    expect((all["jobs"] as Obj[]).map((j) => `${j["name"]}:${j["conclusion"]}:${j["log"]}`)).toEqual([
      "shard-3:failure:shard 3 FAILED",
      "shard-103:failure:shard 103 FAILED",
      "shard-104:cancelled:shard 104 done",
    ]);
    const capped = await call("get_job_logs", { run_id: runId, tail_lines: 1, max_jobs: 2 });
    expect((capped["jobs"] as Obj[]).map((j) => j["name"])).toEqual(["shard-3", "shard-103"]);
    expect(capped["more_jobs"]).toEqual([
      expect.objectContaining({ name: "shard-104", conclusion: "cancelled" }),
    ]);
    expect(capped["note"]).toMatch(/1 more job\(s\) not shown.*job_id/);
  });

  it("get_pull_request waits out GitHub's background mergeability check, and says so when it lasts", async () => {
    bed.emu.setMergeabilityDelay(1);
    bed.emu.requests.length = 0;
    const pr = await call("get_pull_request", { pull_number: 1 });
    expect(pr).toMatchObject({ state: "open", mergeable: true, mergeable_state: "clean" });
    expect(pr["mergeable_note"]).toBeUndefined();
    const reads = bed.emu.requests.filter((r) => r.path === "/repos/acme/review/pulls/1");
    expect(reads.map((r) => `${r.status}:${r.conditional}`)).toEqual(["200:false", "200:true"]);
    // The verdict of the head commit's checks, with the failing ones named.
    expect(pr["checks"]).toEqual({ state: "failure", total: 2, success: 1, failure: 1, failing: ["test"] });

    bed.emu.setMergeabilityDelay(100);
    const pending = await call("get_pull_request", { pull_number: 1, include_checks: false });
    expect(pending).toMatchObject({ mergeable_state: "unknown" });
    expect(pending["mergeable"]).toBeUndefined();
    expect(pending["mergeable_note"]).toMatch(/still computing.*call get_pull_request again/);
    bed.emu.setMergeabilityDelay(0);
  });

  it("get_pull_request counts commit statuses (Jenkins, CircleCI, ...) with the check runs", async () => {
    const sha = (await call("get_pull_request", { pull_number: 1 }))["head_sha"] as string;
    const post = (body: Obj) =>
      fetch(`${bed.emu.url}/repos/acme/review/statuses/${sha}`, {
        method: "POST",
        headers: { authorization: "token test-token", "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => expect(r.status).toBe(201));
    await post({ state: "pending", context: "ci/jenkins" });
    await post({ state: "success", context: "ci/jenkins" }); // the latest per context counts
    await post({ state: "error", context: "ci/lint", description: "linter crashed" });
    const pr = await call("get_pull_request", { pull_number: 1 });
    expect(pr["checks"]).toEqual({
      state: "failure",
      total: 4,
      success: 2,
      failure: 1,
      error: 1,
      failing: ["test", "ci/lint"],
    });
  });

  it("get_file_contents truncates a binary file's base64 with a note and reads on from the offset", async () => {
    const first = await call("get_file_contents", { path: "assets/blob.bin", max_chars: 1000 });
    expect(first).toMatchObject({ type: "file", encoding: "base64" });
    expect((first["content"] as string).length).toBe(1000);
    expect(first["note"]).toMatch(/call again with offset=1000/);
    let b64 = first["content"] as string;
    for (let offset = 1000; ; offset += 1000) {
      const next = await call("get_file_contents", { path: "assets/blob.bin", max_chars: 1000, offset });
      b64 += next["content"] as string;
      if (!/offset=/.test(String(next["note"]))) break;
    }
    expect(Buffer.from(b64, "base64").toString("utf8")).toBe(BINARY);
  });

  it("the file resource reads a file over 1 MB through the raw media type instead of returning nothing", async () => {
    const file = await bed.app.client.readResource({
      uri: "github://repos/acme/review/contents/data%2Fbig.txt",
    });
    const text = String((file.contents[0] as { text?: string }).text);
    expect(text.length).toBe(BIG.length);
    expect(text.endsWith("END")).toBe(true);
  });

  it("a 4xx such as GitHub's 406 for a diff too large is not retried and is a validation error", async () => {
    bed.emu.requests.length = 0;
    bed.emu.faults.push({ path: "/repos/acme/review/pulls/1", kind: "status", status: 406 });
    const r = await bed.app.call("get_pull_request_diff", { ...R, pull_number: 1 });
    expect(r.data).toMatchObject({ type: "validation", status_code: 406 });
    expect(bed.emu.requests.filter((x) => x.path === "/repos/acme/review/pulls/1")).toHaveLength(1);
  });

  it("a 403 that is not a rate limit is forbidden and not retried; GitHub's older abuse wording is rate_limited", async () => {
    bed.emu.requests.length = 0;
    bed.emu.faults.push({ path: "/repos/acme/review", kind: "status", status: 403 });
    const r = await bed.app.call("get_repository", R);
    expect(r.data).toMatchObject({ type: "forbidden", status_code: 403 });
    expect(bed.emu.requests.filter((x) => x.path === "/repos/acme/review")).toHaveLength(1);

    const err = Object.assign(new Error("abuse"), {
      name: "HttpError",
      status: 403,
      request: { method: "POST", url: "https://api.github.com/repos/acme/review/issues" },
      response: {
        url: "",
        status: 403,
        headers: { "retry-after": "30" },
        data: { message: "You have triggered an abuse detection mechanism. Please wait a few minutes." },
      },
    });
    const mapped = (toToolError(err) as ToolError).toPayload();
    expect(mapped).toMatchObject({ type: "rate_limited", status_code: 403, retry_after_s: 30 });
  });
});

describe("Bottleneck without empty waits", () => {
  it("is applied to the copies the Octokit plugins load, and still paces and orders jobs", async () => {
    expect(useImmediateBottleneck()).toBe(true);
    const require = createRequire(import.meta.url);
    const Light = require("bottleneck/light.js") as typeof Bottleneck;
    for (const B of [Bottleneck, Light]) {
      const limiter = new B({ maxConcurrent: 1, minTime: 40 });
      const started: number[] = [];
      let running = 0;
      let overlap = false;
      const job = async (i: number) => {
        started.push(Date.now());
        running++;
        if (running > 1) overlap = true;
        await new Promise((r) => setImmediate(r));
        running--;
        return i;
      };
      const order = await Promise.all([1, 2, 3].map((i) => limiter.schedule(() => job(i))));
      expect(order).toEqual([1, 2, 3]);
      expect(overlap).toBe(false);
      // Pacing still applies (without it the three start within a millisecond). Bottleneck spaces the
      // slots it computes, not the moments jobs actually start, so on a loaded machine the observed gap
      // can be shorter than 2 x minTime: only its presence is asserted.
      expect(started[2]! - started[0]!).toBeGreaterThanOrEqual(40);
    }
  });
});
