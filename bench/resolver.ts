/**
 * Issues per hour through the whole resolver pipeline (clone from the GitHub emulator, tests in the
 * sandbox, a scripted model of fixed latency, gates, branch, push, draft PR, status comment), with 1 and 4
 * workers on one BullMQ queue (embedded SQLite queue when no Redis answers), and the model calls and
 * tokens each resolved issue took. The baseline is the same runs one after another with no queue (one
 * in-process run at a time); the ratio is what the queue and parallel workers buy on this machine.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { agentHandlers } from "../src/agents/index.js";
import { resolveIssue, resolverDeps } from "../src/agents/resolver/run.js";
import { RESOLVE_JOB } from "../src/agents/resolver/trigger.js";
import { createApp } from "../src/app.js";
import { createGithubEmulator } from "../src/emulators/github/server.js";
import { createLlmEmulator } from "../src/emulators/llm/server.js";
import { startWorking } from "../src/jobs/index.js";
import { dropPrefix } from "../test/goals/redis-prefix.js";
import { ADD_FIXED, SEED } from "../test/resolver/fixture.js";
import { table } from "./lib.js";

const N = Number(process.env["RESOLVER_BENCH_ISSUES"] ?? 8);
const MODEL_MS = Number(process.env["RESOLVER_BENCH_MODEL_MS"] ?? 500);

export async function run(): Promise<void> {
  const redisUrl = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const redisUp = await probe.connect().then(
    () => true,
    () => false,
  );
  probe.disconnect();
  const rows: (string | number)[][] = [];
  const setups: [string, number][] = [
    ["in-process, one at a time", 0],
    [redisUp ? "bullmq" : "sqlite queue", 1],
    [redisUp ? "bullmq" : "sqlite queue", 4],
  ];
  for (const [name, workers] of setups) {
    const gh = await createGithubEmulator();
    await gh.seed(SEED);
    // One model turn per run: write the fix, run the tests, finish (tools of one turn run in order).
    const llm = await createLlmEmulator({
      script: {
        loop: true,
        steps: [
          {
            fault: { delay_ms: MODEL_MS },
            reply: {
              tool_calls: [
                { name: "write_file", input: { path: "src/add.js", content: ADD_FIXED } },
                { name: "run_tests", input: {} },
                { name: "finish", input: { summary: "add() adds" } },
              ],
              usage: { input: 2000, output: 150 },
            },
          },
        ],
      },
    });
    const home = mkdtempSync(join(tmpdir(), "rw-bench-resolver-"));
    const prefix = `rwbench:resolver:${process.pid}:${workers}:`;
    const app = await createApp({
      env: {
        REPOWRIGHT_HOME: home,
        REPOWRIGHT_LOG_LEVEL: "silent",
        REPOWRIGHT_TOOLSETS: "github,jobs",
        GITHUB_TOKEN: "resolver-token",
        GITHUB_API_URL: gh.url,
        GITHUB_WRITE_INTERVAL_MS: "0",
        REPOWRIGHT_LLM_API_KEY: "bench",
        REPOWRIGHT_LLM_BASE_URL: llm.anthropicBaseUrl,
        REPOWRIGHT_LLM_MODEL: "scripted",
        ...(workers > 0 && redisUp
          ? { REPOWRIGHT_STORE: "redis", REDIS_URL: redisUrl, REPOWRIGHT_REDIS_PREFIX: prefix }
          : {}),
      },
    });
    try {
      const issues: number[] = [];
      for (let i = 0; i < N; i++) {
        const r = await app.host.invoke(
          "create_issue",
          { owner: "acme", repo: "calc", title: `add() subtracts (${i})`, body: "add(2, 3) is -1" },
          { caller: { id: "bench", roles: ["admin"], transport: "in-process" } },
        );
        if (!r.ok) throw new Error(r.error.error);
        issues.push(Number((r.value as { number: number }).number));
      }
      const start = performance.now();
      let resolved = 0;
      if (workers === 0) {
        for (const issue of issues) {
          const rec = await resolveIssue(
            { owner: "acme", repo: "calc", issue, trigger: { kind: "cli" } },
            resolverDeps(app.host),
          );
          if (rec.outcome?.kind === "pr_opened") resolved++;
        }
      } else {
        const running = Array.from({ length: workers }, () =>
          startWorking({
            host: app.host,
            queue: app.queue,
            concurrency: 1,
            handlers: agentHandlers(app.host),
          }),
        );
        const jobs = await Promise.all(
          issues.map((issue) =>
            app.queue.enqueue(RESOLVE_JOB, { owner: "acme", repo: "calc", issue, trigger: { kind: "job" } }),
          ),
        );
        const done = await Promise.all(jobs.map((j) => app.queue.wait(j.job.id, { timeoutMs: 600_000 })));
        resolved = done.filter(
          (j) => (j?.result as { outcome?: { kind: string } })?.outcome?.kind === "pr_opened",
        ).length;
        await Promise.all(running.map((w) => w.close()));
      }
      const seconds = (performance.now() - start) / 1000;
      rows.push([
        name,
        workers === 0 ? "-" : String(workers),
        `${resolved}/${N}`,
        ((resolved / seconds) * 3600).toFixed(0),
        (llm.requests.length / Math.max(1, resolved)).toFixed(1),
        ((2150 * llm.requests.length) / Math.max(1, resolved)).toFixed(0),
      ]);
    } finally {
      await app.close();
      await llm.close();
      await gh.close();
      rmSync(home, { recursive: true, force: true });
      if (workers > 0 && redisUp) {
        await dropPrefix(redisUrl, prefix);
      }
    }
  }
  process.stdout.write(
    `\n## resolver: issues per hour, scripted model of ${MODEL_MS} ms a turn, ${N} issues\n`,
  );
  process.stdout.write(
    `${table(["setup", "workers", "resolved", "issues/hour", "model calls/issue", "tokens/issue"], rows)}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
