/**
 * Queue throughput: N jobs of a fixed latency (a handler that sleeps), worked by 1 and by 4 workers, on
 * the embedded SQLite queue and on BullMQ (when a Redis answers), in the same run. The baseline is the
 * ideal of the same workers with no queue at all (workers × 1000 / latency jobs per second): the
 * efficiency column is what the queue's claiming, leases and bookkeeping leave of it, and the scale-out
 * ratio is 4 workers' rate over 1 worker's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { createLogger } from "../src/core/log.js";
import { Redactor } from "../src/core/redact.js";
import { createBullmqQueue } from "../src/queue/bullmq.js";
import type { Queue, QueueDefaults, QueueWorker } from "../src/queue/index.js";
import { createSqliteQueue } from "../src/queue/sqlite.js";
import { dropPrefix } from "../test/goals/redis-prefix.js";
import { table } from "./lib.js";

const N = Number(process.env["QUEUE_BENCH_JOBS"] ?? 400);
const LATENCY_MS = Number(process.env["QUEUE_BENCH_LATENCY_MS"] ?? 10);
const defaults: QueueDefaults = { attempts: 3, backoffMs: 100, concurrency: 1, leaseMs: 30_000 };

async function throughput(queue: Queue, workers: number): Promise<number> {
  const ids: string[] = [];
  for (let i = 0; i < N; i++) ids.push((await queue.enqueue("sleep", { i })).job.id);
  let done = 0;
  let finish = () => {};
  const all = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const start = performance.now();
  const running: QueueWorker[] = [];
  for (let w = 0; w < workers; w++) {
    running.push(
      queue.work(
        {
          async sleep() {
            await new Promise((r) => setTimeout(r, LATENCY_MS));
            if (++done === N) finish();
            return null;
          },
        },
        { concurrency: 1 },
      ),
    );
  }
  await all;
  await queue.wait(ids[ids.length - 1] as string, { timeoutMs: 30_000 });
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(running.map((w) => w.close()));
  return N / seconds;
}

export async function run(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), "rw-bench-queue-"));
  const redisUrl = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
  const prefix = `rwbench:queue:${process.pid}:`;
  const log = createLogger({ level: "silent", redactor: new Redactor() });
  const rows: (string | number)[][] = [];
  let n = 0;
  const engines: [string, () => Promise<Queue | undefined>][] = [
    ["sqlite", async () => createSqliteQueue({ path: join(home, `q${n++}.db`), defaults, pollMs: 20 })],
    [
      "bullmq",
      async () => {
        const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
        const up = await probe.connect().then(
          () => true,
          () => false,
        );
        probe.disconnect();
        return up ? createBullmqQueue({ redisUrl, prefix: `${prefix}${n++}`, defaults, log }) : undefined;
      },
    ],
  ];
  try {
    for (const [name, open] of engines) {
      const rates: number[] = [];
      for (const workers of [1, 4]) {
        const queue = await open();
        if (!queue) {
          process.stdout.write(`  ${name}: skipped (no Redis at ${redisUrl})\n`);
          break;
        }
        try {
          await throughput(queue, workers); // warm-up round on the same queue
          const rate = await throughput(queue, workers);
          rates.push(rate);
          const ideal = (workers * 1000) / LATENCY_MS;
          rows.push([
            name,
            String(workers),
            rate.toFixed(0),
            ideal.toFixed(0),
            `${((rate / ideal) * 100).toFixed(0)}%`,
            workers === 4 && rates[0] ? `${(rate / rates[0]).toFixed(2)}x` : "",
          ]);
        } finally {
          await queue.close();
        }
      }
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
    // dropPrefix connects lazily and gives up at once when no Redis answers.
    await dropPrefix(redisUrl, prefix).catch(() => {});
  }
  process.stdout.write(`\n## queue: jobs/s on a job of ${LATENCY_MS} ms (${N} jobs per round)\n`);
  process.stdout.write(
    `${table(["engine", "workers", "jobs/s", "ideal (no queue)", "efficiency", "scale-out 4/1"], rows)}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
