/**
 * `repowright worker` processes: a worker SIGKILLed in the middle of a job leaves it to another, which
 * completes it exactly once; two workers share one BullMQ queue. Real processes, a real SQLite file and
 * the real Redis.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { createLogger } from "../../src/core/log.js";
import { Redactor } from "../../src/core/redact.js";
import { TOOL_JOB, type ToolJobData } from "../../src/jobs/index.js";
import { createBullmqQueue } from "../../src/queue/bullmq.js";
import type { Queue, QueueDefaults } from "../../src/queue/index.js";
import { createSqliteQueue } from "../../src/queue/sqlite.js";
import { dropPrefix } from "../goals/redis-prefix.js";

const root = resolve(__dirname, "../..");
const MAIN = join(root, "src/cli/main.ts");
const PLUGIN = join(root, "test/fixtures/plugins/slow.ts");
const redisUrl = inject("redisUrl");
const LEASE_MS = 1500;
const defaults: QueueDefaults = { attempts: 3, backoffMs: 100, concurrency: 1, leaseMs: LEASE_MS };
const caller: ToolJobData["caller"] = { id: "test", roles: ["admin"], transport: "in-process" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill("SIGKILL");
      await new Promise((r) => c.once("exit", r));
    }
  }
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Worker = ChildProcess & { ready: Promise<void> };

function worker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "worker", "--plugin", PLUGIN], {
    cwd: root,
    env: {
      PATH: process.env["PATH"] ?? "",
      HOME: env["REPOWRIGHT_HOME"] ?? tmpdir(),
      REPOWRIGHT_LOG_LEVEL: "silent",
      REPOWRIGHT_TOOLSETS: "memory,slow",
      REPOWRIGHT_QUEUE_LEASE_MS: String(LEASE_MS),
      REPOWRIGHT_QUEUE_BACKOFF_MS: "100",
      REPOWRIGHT_QUEUE_CONCURRENCY: "1",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  const ready = new Promise<void>((resolve) => {
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      if (err.includes("working the")) resolve();
    });
  });
  child.on("exit", (code, signal) => {
    if (code !== 0 && signal !== "SIGKILL" && signal !== "SIGTERM")
      console.error(`worker exited ${code}: ${err}`);
  });
  children.push(child);
  return Object.assign(child, { ready });
}

const lines = (file: string) => {
  try {
    return readFileSync(file, "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

async function until(check: () => boolean, ms = 30_000) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (check()) return;
  throw new Error("timed out waiting");
}

interface Engine {
  name: string;
  skip: boolean;
  open(): { queue: Queue; env: Record<string, string>; cleanup(): Promise<void> };
}

const engines: Engine[] = [
  {
    name: "sqlite",
    skip: false,
    open() {
      const home = mkdtempSync(join(tmpdir(), "rw-workers-"));
      dirs.push(home);
      const queue = createSqliteQueue({ path: join(home, "queue.db"), defaults, pollMs: 20 });
      return { queue, env: { REPOWRIGHT_HOME: home }, cleanup: () => queue.close() };
    },
  },
  {
    name: "bullmq",
    skip: !redisUrl,
    open() {
      const home = mkdtempSync(join(tmpdir(), "rw-workers-"));
      dirs.push(home);
      const prefix = `rwtest${process.pid}w${Math.random().toString(36).slice(2, 8)}:`;
      const log = createLogger({ level: "silent", redactor: new Redactor() });
      const queue = createBullmqQueue({ redisUrl, prefix: `${prefix}q`, defaults, log });
      return {
        queue,
        env: {
          REPOWRIGHT_HOME: home,
          REPOWRIGHT_STORE: "redis",
          REDIS_URL: redisUrl,
          REPOWRIGHT_REDIS_PREFIX: prefix,
        },
        async cleanup() {
          await queue.close();
          await dropPrefix(redisUrl, prefix);
        },
      };
    },
  },
];

for (const engine of engines) {
  describe.skipIf(engine.skip)(`repowright worker on ${engine.name}`, () => {
    it("retries the job of a SIGKILLed worker elsewhere and completes it exactly once", async () => {
      const { queue, env, cleanup } = engine.open();
      try {
        const file = join(env["REPOWRIGHT_HOME"] as string, "marks.txt");
        const { job } = await queue.enqueue<ToolJobData>(TOOL_JOB, {
          tool: "slow_mark",
          args: { file, ms: 2500, tag: "k" },
          caller,
        });
        const first = worker(env);
        await until(() => lines(file).length === 1);
        first.kill("SIGKILL");
        await new Promise((r) => first.once("exit", r));
        expect(lines(file)).toEqual([`start ${first.pid} k`]);
        const second = worker(env);
        const done = await queue.wait(job.id, { timeoutMs: 40_000 });
        expect(done).toMatchObject({
          state: "completed",
          attempts: 2,
          result: { pid: second.pid, tag: "k" },
        });
        expect(lines(file)).toEqual([
          `start ${first.pid} k`,
          `start ${second.pid} k`,
          `done ${second.pid} k`,
        ]);
        await sleep(LEASE_MS);
        expect(lines(file).filter((l) => l.startsWith("done"))).toHaveLength(1);
      } finally {
        await cleanup();
      }
    }, 60_000);

    it.skipIf(engine.name !== "bullmq")(
      "shares one queue between two worker processes",
      async () => {
        const { queue, env, cleanup } = engine.open();
        try {
          const file = join(env["REPOWRIGHT_HOME"] as string, "marks.txt");
          const a = worker(env);
          const b = worker(env);
          const jobs = await Promise.all(
            Array.from({ length: 8 }, (_, i) =>
              queue.enqueue<ToolJobData>(TOOL_JOB, {
                tool: "slow_mark",
                args: { file, ms: 400, tag: `j${i}` },
                caller,
              }),
            ),
          );
          const done = await Promise.all(jobs.map((j) => queue.wait(j.job.id, { timeoutMs: 40_000 })));
          expect(done.every((j) => j?.state === "completed")).toBe(true);
          const pids = new Set(done.map((j) => (j?.result as { pid: number } | undefined)?.pid));
          expect(pids).toEqual(new Set([a.pid, b.pid]));
          const finished = lines(file).filter((l) => l.startsWith("done"));
          expect(finished).toHaveLength(8);
          expect(new Set(finished.map((l) => l.split(" ")[2])).size).toBe(8);
        } finally {
          await cleanup();
        }
      },
      60_000,
    );
  });
}
