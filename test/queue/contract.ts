/**
 * The queue contract: what every engine (embedded SQLite, BullMQ) must do, asserted through the Queue
 * interface only. Each test opens its own queue (its own file or Redis prefix) and closes it.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  type JobContext,
  type JobHandler,
  PermanentJobError,
  type Queue,
  type QueueDefaults,
} from "../../src/queue/index.js";

export const FAST: QueueDefaults = { attempts: 3, backoffMs: 50, concurrency: 4, leaseMs: 1000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function queueContract(open: (defaults?: Partial<QueueDefaults>) => Promise<Queue>) {
  const opened: { close(): Promise<void> }[] = [];
  const start = async (defaults?: Partial<QueueDefaults>) => {
    const q = await open(defaults);
    opened.push(q);
    return q;
  };
  const working = (q: Queue, handlers: Record<string, JobHandler>, concurrency?: number) => {
    const w = q.work(handlers, concurrency ? { concurrency } : {});
    opened.unshift(w);
    return w;
  };
  afterEach(async () => {
    for (const c of opened.splice(0)) await c.close();
  });

  describe("queue contract", () => {
    it("runs a job once and keeps its result, readable by id", async () => {
      const q = await start();
      const seen: JobContext[] = [];
      working(q, {
        echo: async (job) => {
          seen.push(job);
          return { doubled: (job.data as { n: number }).n * 2 };
        },
      });
      const { job, created } = await q.enqueue("echo", { n: 21 });
      expect(created).toBe(true);
      expect(["waiting", "active", "completed"]).toContain(job.state);
      const done = await q.wait(job.id, { timeoutMs: 10_000 });
      expect(done).toMatchObject({
        id: job.id,
        kind: "echo",
        state: "completed",
        result: { doubled: 42 },
        attempts: 1,
      });
      expect(await q.get(job.id)).toMatchObject({ state: "completed", data: { n: 21 } });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ attempt: 1, data: { n: 21 } });
    });

    it("counts jobs by state", async () => {
      const q = await start();
      await q.enqueue("later", {}, { delayMs: 60_000 });
      await q.enqueue("now", {});
      await q.enqueue("now", {});
      const counts = await q.counts();
      expect(counts).toMatchObject({ waiting: 2, delayed: 1, active: 0, completed: 0 });
      working(q, { now: async () => "ok" });
      await expect.poll(async () => (await q.counts()).completed, { timeout: 10_000 }).toBe(2);
      expect((await q.counts()).delayed).toBe(1);
    });

    it("returns the existing job for a duplicate idempotency key, even under concurrent enqueues", async () => {
      const q = await start();
      let runs = 0;
      working(q, {
        once: async () => {
          runs++;
          return "ok";
        },
      });
      const results = await Promise.all(
        Array.from({ length: 6 }, () => q.enqueue("once", { x: 1 }, { key: "issue-42" })),
      );
      const ids = new Set(results.map((r) => r.job.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const [id] = [...ids];
      await q.wait(id as string, { timeoutMs: 10_000 });
      const again = await q.enqueue("once", { x: 2 }, { key: "issue-42" });
      expect(again).toMatchObject({ created: false, job: { id, state: "completed", data: { x: 1 } } });
      await sleep(200);
      expect(runs).toBe(1);
    });

    it("retries a failing job with backoff, then leaves it dead with the last error", async () => {
      const q = await start();
      const at: number[] = [];
      working(q, {
        flaky: async () => {
          at.push(Date.now());
          throw new Error(`boom ${at.length}`);
        },
      });
      const { job } = await q.enqueue("flaky", {}, { attempts: 3, backoffMs: 100 });
      const done = await q.wait(job.id, { timeoutMs: 15_000 });
      expect(done).toMatchObject({ state: "dead", attempts: 3, error: "boom 3" });
      expect(at).toHaveLength(3);
      // Backoff: at least the base delay, then at least twice it.
      expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(90);
      expect((at[2] as number) - (at[1] as number)).toBeGreaterThanOrEqual(190);
    });

    it("recovers when a retry succeeds", async () => {
      const q = await start();
      working(q, {
        second: async (job) => {
          if (job.attempt < 2) throw new Error("not yet");
          return job.attempt;
        },
      });
      const { job } = await q.enqueue("second", {});
      expect(await q.wait(job.id, { timeoutMs: 10_000 })).toMatchObject({
        state: "completed",
        result: 2,
        attempts: 2,
      });
    });

    it("does not retry a permanent failure or a job of an unknown kind", async () => {
      const q = await start();
      let runs = 0;
      working(q, {
        refuse: async () => {
          runs++;
          throw new PermanentJobError("bad input: no such repository");
        },
      });
      const a = await q.enqueue("refuse", {});
      const b = await q.enqueue("no-such-kind", {});
      expect(await q.wait(a.job.id, { timeoutMs: 10_000 })).toMatchObject({
        state: "dead",
        attempts: 1,
        error: "bad input: no such repository",
      });
      expect(await q.wait(b.job.id, { timeoutMs: 10_000 })).toMatchObject({ state: "dead", attempts: 1 });
      expect((await q.get(b.job.id))?.error).toContain("no-such-kind");
      expect(runs).toBe(1);
    });

    it("shows progress while a job runs, through get and watch", async () => {
      const q = await start();
      let release = () => {};
      const gate = new Promise<void>((r) => (release = r));
      working(q, {
        steps: async (job) => {
          await job.progress({ progress: 1, total: 3, message: "cloned" });
          await gate;
          await job.progress({ progress: 3, total: 3, message: "done" });
          return "ok";
        },
      });
      const { job } = await q.enqueue("steps", {});
      const seen: string[] = [];
      const stop = q.watch(job.id, (j) => seen.push(`${j.state}:${j.progress?.message ?? ""}`));
      for (let i = 0; i < 100 && (await q.get(job.id))?.progress?.message !== "cloned"; i++) await sleep(50);
      expect(await q.get(job.id)).toMatchObject({
        state: "active",
        progress: { progress: 1, total: 3, message: "cloned" },
      });
      for (let i = 0; i < 100 && !seen.includes("active:cloned"); i++) await sleep(50);
      release();
      await q.wait(job.id, { timeoutMs: 10_000 });
      for (let i = 0; i < 100 && !seen.some((s) => s.startsWith("completed")); i++) await sleep(50);
      stop();
      expect(seen).toContain("active:cloned");
      expect(seen.some((s) => s.startsWith("completed"))).toBe(true);
    });

    it("cancels a waiting job before it runs, and an active one through its signal", async () => {
      const q = await start();
      const ran: string[] = [];
      let aborted = false;
      const w = working(
        q,
        {
          long: async (job) => {
            ran.push(job.id);
            await new Promise<void>((resolve) => {
              job.signal.addEventListener("abort", () => {
                aborted = true;
                resolve();
              });
            });
            throw new Error("stopped");
          },
        },
        1,
      );
      const first = await q.enqueue("long", { n: 1 });
      for (let i = 0; i < 100 && (await q.get(first.job.id))?.state !== "active"; i++) await sleep(50);
      // Concurrency 1: the second waits behind the first.
      const second = await q.enqueue("long", { n: 2 });
      expect((await q.cancel(second.job.id))?.state).toBe("cancelled");
      expect((await q.cancel(first.job.id))?.cancelRequested).toBe(true);
      expect(await q.wait(first.job.id, { timeoutMs: 10_000 })).toMatchObject({ state: "cancelled" });
      expect(aborted).toBe(true);
      await sleep(300);
      expect(ran).toEqual([first.job.id]);
      expect(await q.get(second.job.id)).toMatchObject({ state: "cancelled" });
      // A finished job stays as it is.
      await w.close();
      expect((await q.cancel(first.job.id))?.state).toBe("cancelled");
    });

    it("answers undefined for an unknown id", async () => {
      const q = await start();
      expect(await q.get("no-such-job")).toBeUndefined();
      expect(await q.cancel("no-such-job")).toBeUndefined();
      expect(await q.wait("no-such-job", { timeoutMs: 200 })).toBeUndefined();
    });

    it("lists jobs newest first, by state", async () => {
      const q = await start();
      const a = await q.enqueue("later", { n: 1 });
      await sleep(5);
      const b = await q.enqueue("later", { n: 2 });
      const c = await q.enqueue("later", { n: 3 }, { delayMs: 60_000 });
      const waiting = await q.list({ state: "waiting" });
      expect(waiting.map((j) => j.id)).toEqual([b.job.id, a.job.id]);
      expect((await q.list({ state: "delayed" })).map((j) => j.id)).toEqual([c.job.id]);
      expect((await q.list()).map((j) => j.id)).toContain(c.job.id);
      expect(await q.list({ state: "completed" })).toEqual([]);
    });

    it("runs many jobs across concurrent workers, each exactly once", async () => {
      const q = await start();
      const counts = new Map<number, number>();
      const handler: JobHandler = async (job) => {
        const n = (job.data as { n: number }).n;
        counts.set(n, (counts.get(n) ?? 0) + 1);
        await sleep(5);
        return n;
      };
      working(q, { many: handler }, 3);
      working(q, { many: handler }, 3);
      const jobs = await Promise.all(Array.from({ length: 40 }, (_, n) => q.enqueue("many", { n })));
      const done = await Promise.all(jobs.map((j) => q.wait(j.job.id, { timeoutMs: 20_000 })));
      expect(done.every((j) => j?.state === "completed")).toBe(true);
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
      expect(counts.size).toBe(40);
    });
  });
}
