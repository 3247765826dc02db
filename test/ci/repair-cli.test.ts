/**
 * The CI doctor from the command line and from webhooks: `ci watch --once` repairs each failed run
 * attempt once (an infrastructure failure: re-run once, reported in the job summary and an issue), and a
 * second pass does nothing; `ci repair --event` reads a workflow_run event; a workflow_run delivery
 * becomes one repair job per run attempt.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPAIR_JOB, repairSubscriber } from "../../src/ci/repair/trigger.js";
import type { GithubTestBed } from "../github/helpers.js";
import { runCliCaptured } from "../helpers/cli.js";
import { dispatchAndWait, repoSeed, startRepairBed } from "./repair-bed.js";

const FILES = {
  "package.json":
    '{ "name": "x", "version": "1.0.0", "private": true, "dependencies": { "left-pad": "^1.3.0" } }\n',
  ".github/workflows/ci.yml":
    "name: CI\non: [push]\njobs:\n  install:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm install\n",
};
// The registry is down (a closed loopback port).
const INSTALL = [
  "npm",
  "install",
  "--no-audit",
  "--no-fund",
  "--ignore-scripts",
  "--fetch-retries=0",
  "--registry",
  "http://127.0.0.1:9/",
];

describe("the CI doctor's command line and webhook intake", () => {
  let bed: GithubTestBed;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    bed = await startRepairBed(repoSeed("svc", FILES, ["install"]), { install: INSTALL });
    dir = mkdtempSync(join(tmpdir(), "ci-cli-"));
    env = {
      REPOWRIGHT_HOME: join(dir, "home"),
      REPOWRIGHT_LOG_LEVEL: "silent",
      REPOWRIGHT_TOOLSETS: "github,ci",
      REPOWRIGHT_CI_POLL_S: "1",
      GITHUB_TOKEN: "test-token",
      GITHUB_API_URL: bed.emu.url,
      GITHUB_WRITE_INTERVAL_MS: "0",
      GITHUB_STEP_SUMMARY: join(dir, "summary.md"),
    };
  });
  afterAll(async () => {
    await bed?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("ci watch --once repairs each failed run attempt once and reports it", async () => {
    const red = await dispatchAndWait(bed, "svc");
    expect(red["conclusion"]).toBe("failure");
    const first = await runCliCaptured(["ci", "watch", "acme/svc", "--once", "--json"], env);
    expect(first.code, first.err).not.toBe(0);
    const record = JSON.parse(first.out) as {
      iterations: { plan: { kind: string } }[];
      outcome: { kind: string };
    };
    expect(record.iterations[0]!.plan.kind).toBe("rerun");
    expect(record.outcome.kind).toBe("stopped");
    expect(readFileSync(env["GITHUB_STEP_SUMMARY"]!, "utf8")).toContain("CI doctor: acme/svc CI on main");
    const reruns = () =>
      bed.emu.requests.filter((r) => r.method === "POST" && r.path.endsWith("/rerun-failed-jobs"));
    expect(reruns()).toHaveLength(1);
    // The store remembers the attempts it analysed: a second pass repairs nothing.
    const second = await runCliCaptured(["ci", "watch", "acme/svc", "--once", "--json"], env);
    expect(second.code, second.err).toBe(0);
    expect(second.out).toBe("");
    expect(reruns()).toHaveLength(1);
  });

  it("ci repair --event ignores a workflow_run that succeeded", async () => {
    const file = join(dir, "event.json");
    writeFileSync(
      file,
      JSON.stringify({
        action: "completed",
        repository: { full_name: "acme/svc" },
        workflow_run: { id: 1, conclusion: "success", head_branch: "main", run_attempt: 1 },
      }),
    );
    const out = await runCliCaptured(["ci", "repair", "--event", file, "--event-name", "workflow_run"], env);
    expect(out.code, out.err).toBe(0);
    expect(out.out).toContain("nothing to repair: conclusion success");
  });

  it("a failed workflow_run delivery becomes one repair job per run attempt", async () => {
    const sub = repairSubscriber({ queue: bed.app.queue });
    const event = (id: string, attempt: number) => ({
      id,
      receivedAt: new Date().toISOString(),
      event: "workflow_run",
      payload: {
        action: "completed",
        repository: { full_name: "acme/svc" },
        workflow_run: { id: 4242, conclusion: "failure", head_branch: "main", run_attempt: attempt },
      },
    });
    const signal = new AbortController().signal;
    const a = (await sub.handle(event("d1", 1), signal)) as { queued: string; created: boolean };
    const b = (await sub.handle(event("d2", 1), signal)) as { queued: string; created: boolean };
    const c = (await sub.handle(event("d3", 2), signal)) as { queued: string; created: boolean };
    expect(a.created).toBe(true);
    expect(b).toEqual({ queued: a.queued, created: false });
    expect(c.queued).not.toBe(a.queued);
    const job = await bed.app.queue.get(a.queued);
    expect(job?.kind).toBe(REPAIR_JOB);
    expect(job?.data).toMatchObject({ owner: "acme", repo: "svc", run_id: 4242 });
    expect(await sub.handle({ ...event("d4", 1), payload: { action: "requested" } }, signal)).toEqual({
      ignored: "workflow_run.requested",
    });
    for (const id of [a.queued, c.queued]) await bed.app.queue.cancel(id);
  });
});
