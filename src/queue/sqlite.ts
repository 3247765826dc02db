/**
 * The embedded queue: one table in a SQLite file of the data dir (WAL, so the server and `repowright
 * worker` processes on the same machine share it). A worker claims a job in an IMMEDIATE transaction and
 * holds a lease it renews while the handler runs; a job whose lease lapsed (its worker was killed) is
 * claimable again. Completion and failure are written only by the holder of the current lease, so a job
 * completes once even when a presumed-dead worker wakes up.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { backoffDelay, runHandler, waitForJob } from "./common.js";
import {
  type Enqueued,
  type EnqueueOptions,
  JOB_STATES,
  type Job,
  type JobHandler,
  type JobProgress,
  type JobState,
  type ListOptions,
  type Queue,
  type QueueDefaults,
  type QueueWorker,
  TERMINAL_STATES,
  type WorkOptions,
} from "./types.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, key TEXT UNIQUE, data TEXT NOT NULL,
  state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL,
  backoff_ms INTEGER NOT NULL, run_at INTEGER NOT NULL, lease TEXT, lease_until INTEGER,
  progress TEXT, result TEXT, error TEXT, cancel_requested INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (state, run_at);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at);
`;

interface Row {
  id: string;
  kind: string;
  key: string | null;
  data: string;
  state: string;
  attempts: number;
  max_attempts: number;
  backoff_ms: number;
  run_at: number;
  lease: string | null;
  lease_until: number | null;
  progress: string | null;
  result: string | null;
  error: string | null;
  cancel_requested: number;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface SqliteQueueOptions {
  /** File path, or ":memory:" (one process only). */
  path: string;
  defaults: QueueDefaults;
  /** How often an idle worker looks for work that another process added (default 100 ms). */
  pollMs?: number;
  now?: () => number;
}

export function createSqliteQueue(options: SqliteQueueOptions): Queue {
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("synchronous = NORMAL");
  db.exec(SCHEMA);
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 100;
  const defaults = options.defaults;
  // Wakes this process's idle workers and watchers at once; other processes find changes by polling.
  const local = new EventEmitter().setMaxListeners(0);
  let closed = false;

  const selectOne = db.prepare<[string], Row>("SELECT * FROM jobs WHERE id = ?");
  const selectByKey = db.prepare<[string], Row>("SELECT * FROM jobs WHERE key = ?");
  const insert = db.prepare(
    `INSERT INTO jobs (id, kind, key, data, state, max_attempts, backoff_ms, run_at, created_at, updated_at)
     VALUES (@id, @kind, @key, @data, 'waiting', @maxAttempts, @backoffMs, @runAt, @now, @now)`,
  );
  // Ready jobs, and active ones whose worker stopped renewing its lease.
  const selectClaimable = db.prepare<[number, number], Row>(
    `SELECT * FROM jobs WHERE (state = 'waiting' AND run_at <= ?) OR (state = 'active' AND lease_until < ?)
     ORDER BY run_at LIMIT 1`,
  );
  const claimRow = db.prepare(
    `UPDATE jobs SET state = 'active', attempts = attempts + 1, lease = @lease, lease_until = @until,
     updated_at = @now WHERE id = @id`,
  );
  const renew = db.prepare<[number, number, string, string], void>(
    "UPDATE jobs SET lease_until = ?, updated_at = ? WHERE id = ? AND lease = ? AND state = 'active'",
  );
  const finish = db.prepare(
    `UPDATE jobs SET state = @state, result = @result, error = @error, lease = NULL, lease_until = NULL,
     finished_at = @now, updated_at = @now WHERE id = @id AND lease = @lease AND state = 'active'`,
  );
  const retry = db.prepare(
    `UPDATE jobs SET state = 'waiting', run_at = @runAt, error = @error, lease = NULL, lease_until = NULL,
     updated_at = @now WHERE id = @id AND lease = @lease AND state = 'active'`,
  );
  const setProgress = db.prepare<[string, number, string, string], void>(
    "UPDATE jobs SET progress = ?, updated_at = ? WHERE id = ? AND lease = ? AND state = 'active'",
  );

  const toJob = (row: Row): Job => {
    const state = row.state as JobState;
    return {
      id: row.id,
      kind: row.kind,
      ...(row.key !== null ? { key: row.key } : {}),
      data: JSON.parse(row.data) as unknown,
      state: state === "waiting" && row.run_at > now() ? "delayed" : state,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      ...(row.progress !== null ? { progress: JSON.parse(row.progress) as JobProgress } : {}),
      ...(row.result !== null ? { result: JSON.parse(row.result) as unknown } : {}),
      ...(row.error !== null ? { error: row.error } : {}),
      cancelRequested: row.cancel_requested === 1,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      ...(row.finished_at !== null ? { finishedAt: row.finished_at } : {}),
    };
  };
  const read = (id: string) => {
    const row = selectOne.get(id);
    return row ? toJob(row) : undefined;
  };
  const changed = (id: string) => local.emit("changed", id);

  /** Takes the next claimable job, or undefined. A lapsed job on its last attempt dies instead. */
  const claim = db
    .transaction((lease: string, leaseMs: number): Row | undefined => {
      for (;;) {
        const t = now();
        const row = selectClaimable.get(t, t);
        if (!row) return undefined;
        if (row.cancel_requested === 1) {
          db.prepare(
            "UPDATE jobs SET state = 'cancelled', lease = NULL, finished_at = ?, updated_at = ? WHERE id = ?",
          ).run(t, t, row.id);
          continue;
        }
        if (row.state === "active" && row.attempts >= row.max_attempts) {
          db.prepare(
            `UPDATE jobs SET state = 'dead', lease = NULL, error = ?, finished_at = ?, updated_at = ?
             WHERE id = ?`,
          ).run(`worker lost on the last of ${row.max_attempts} attempts`, t, t, row.id);
          continue;
        }
        claimRow.run({ id: row.id, lease, until: t + leaseMs, now: t });
        return selectOne.get(row.id);
      }
    })
    .immediate.bind(null) as (lease: string, leaseMs: number) => Row | undefined;

  const queue: Queue = {
    engine: "sqlite",

    async enqueue<T>(kind: string, data: T, opts: EnqueueOptions = {}): Promise<Enqueued<T>> {
      const t = now();
      const id = randomUUID();
      const created = db
        .transaction(() => {
          if (opts.key !== undefined && selectByKey.get(opts.key)) return false;
          insert.run({
            id,
            kind,
            key: opts.key ?? null,
            data: JSON.stringify(data ?? null),
            maxAttempts: opts.attempts ?? defaults.attempts,
            backoffMs: opts.backoffMs ?? defaults.backoffMs,
            runAt: t + (opts.delayMs ?? 0),
            now: t,
          });
          return true;
        })
        .immediate();
      const row = created ? selectOne.get(id) : selectByKey.get(opts.key as string);
      if (created) changed(id);
      return { job: toJob(row as Row) as Job<T>, created };
    },

    async get(id) {
      return read(id);
    },

    async cancel(id) {
      const t = now();
      db.transaction(() => {
        const row = selectOne.get(id);
        if (!row || TERMINAL_STATES.has(row.state as JobState)) return;
        if (row.state === "active") {
          db.prepare("UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?").run(t, id);
        } else {
          db.prepare(
            `UPDATE jobs SET state = 'cancelled', cancel_requested = 1, finished_at = ?, updated_at = ?
             WHERE id = ?`,
          ).run(t, t, id);
        }
      }).immediate();
      changed(id);
      return read(id);
    },

    async counts() {
      const out = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
      const rows = db
        .prepare<[number], { state: string; delayed: number; n: number }>(
          "SELECT state, (state = 'waiting' AND run_at > ?) AS delayed, COUNT(*) AS n FROM jobs GROUP BY 1, 2",
        )
        .all(now());
      for (const r of rows) {
        const state = (r.delayed ? "delayed" : r.state) as JobState;
        if (state in out) out[state] += r.n;
      }
      return out;
    },

    async list({ state, limit = 50 }: ListOptions = {}) {
      const n = Math.max(1, Math.min(limit, 500));
      const t = now();
      const rows =
        state === undefined
          ? db.prepare<[number], Row>("SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?").all(n)
          : state === "delayed"
            ? db
                .prepare<[number, number], Row>(
                  "SELECT * FROM jobs WHERE state = 'waiting' AND run_at > ? ORDER BY created_at DESC LIMIT ?",
                )
                .all(t, n)
            : state === "waiting"
              ? db
                  .prepare<[number, number], Row>(
                    "SELECT * FROM jobs WHERE state = 'waiting' AND run_at <= ? ORDER BY created_at DESC LIMIT ?",
                  )
                  .all(t, n)
              : db
                  .prepare<[string, number], Row>(
                    "SELECT * FROM jobs WHERE state = ? ORDER BY created_at DESC LIMIT ?",
                  )
                  .all(state, n);
      return rows.map(toJob);
    },

    watch(id, listener) {
      let last = "";
      const check = () => {
        if (closed) return;
        const job = read(id);
        if (!job) return;
        const stamp = `${job.state}|${job.updatedAt}|${JSON.stringify(job.progress ?? null)}`;
        if (stamp === last) return;
        last = stamp;
        listener(job);
      };
      const onLocal = (changedId: string) => changedId === id && check();
      local.on("changed", onLocal);
      // Another process (a worker) may change it: poll too.
      const timer = setInterval(check, pollMs * 2);
      timer.unref();
      check();
      return () => {
        clearInterval(timer);
        local.off("changed", onLocal);
      };
    },

    wait(id, waitOptions) {
      return waitForJob(queue, id, waitOptions);
    },

    work(handlers: Readonly<Record<string, JobHandler>>, workOptions: WorkOptions = {}): QueueWorker {
      const concurrency = workOptions.concurrency ?? defaults.concurrency;
      const running = new Map<string, { abort: AbortController; done: Promise<void> }>();
      let stopping = false;
      let wake: (() => void) | undefined;
      const onLocal = () => wake?.();
      local.on("changed", onLocal);

      const runOne = async (row: Row, lease: string, abort: AbortController) => {
        const renewEvery = Math.max(50, Math.floor(defaults.leaseMs / 3));
        const heartbeat = setInterval(() => {
          const t = now();
          const ok = renew.run(t + defaults.leaseMs, t, row.id, lease).changes === 1;
          const current = selectOne.get(row.id);
          // Lost the lease (taken as dead) or asked to cancel: stop the handler.
          if (!ok || current?.cancel_requested === 1) abort.abort(ok ? "cancelled" : "lease lost");
        }, renewEvery);
        const outcome = await runHandler(handlers, toJob(row), abort.signal, async (update) => {
          setProgress.run(JSON.stringify(update), now(), row.id, lease);
          changed(row.id);
        });
        clearInterval(heartbeat);
        const t = now();
        const current = selectOne.get(row.id);
        if (outcome.ok) {
          // Done is done: a cancellation that came too late does not throw the result away.
          finish.run({
            id: row.id,
            lease,
            state: "completed",
            result: JSON.stringify(outcome.result ?? null),
            error: null,
            now: t,
          });
        } else if (current?.cancel_requested === 1) {
          finish.run({ id: row.id, lease, state: "cancelled", result: null, error: "cancelled", now: t });
        } else if (!outcome.permanent && row.attempts < row.max_attempts && !stopping) {
          retry.run({
            id: row.id,
            lease,
            error: outcome.error,
            runAt: t + backoffDelay(row.backoff_ms, row.attempts),
            now: t,
          });
        } else if (stopping && !outcome.permanent) {
          // Shutting down: hand the job back without spending an attempt's failure on it.
          retry.run({ id: row.id, lease, error: outcome.error, runAt: t, now: t });
        } else {
          finish.run({ id: row.id, lease, state: "dead", result: null, error: outcome.error, now: t });
        }
        changed(row.id);
      };

      const loop = (async () => {
        while (!stopping) {
          if (running.size >= concurrency) {
            await Promise.race([...running.values()].map((r) => r.done));
            continue;
          }
          const lease = randomUUID();
          const row = closed ? undefined : claim(lease, defaults.leaseMs);
          if (!row) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(done, pollMs);
              function done() {
                clearTimeout(timer);
                wake = undefined;
                resolve();
              }
              wake = done;
            });
            continue;
          }
          changed(row.id);
          const abort = new AbortController();
          const done = runOne(row, lease, abort).finally(() => running.delete(row.id));
          running.set(row.id, { abort, done });
        }
      })();

      let closing: Promise<void> | undefined;
      const shutdown = async (graceMs: number) => {
        stopping = true;
        wake?.();
        local.off("changed", onLocal);
        await loop;
        const all = Promise.all([...running.values()].map((r) => r.done));
        const timer = setTimeout(() => {
          for (const r of running.values()) r.abort.abort("worker shutting down");
        }, graceMs);
        await all;
        clearTimeout(timer);
      };
      return {
        close(graceMs = 10_000) {
          closing ??= shutdown(graceMs);
          return closing;
        },
      };
    },

    async close() {
      closed = true;
      db.close();
    },
  };
  return queue;
}
