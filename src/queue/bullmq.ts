/**
 * The scale-out queue: BullMQ on the Redis the store uses, worked by `repowright worker` processes on any
 * machine (and by the server itself unless told not to). BullMQ gives the lease (its job lock, renewed
 * while a job runs), the stalled-job check that re-runs a dead worker's job, attempts with exponential
 * backoff and job ids that make a second add of the same id a no-op. What it lacks is added here:
 * the idempotency key maps to a job id, cancellation reaches the worker that runs the job through a Redis
 * channel, and a cancelled job is marked so that its state reads `cancelled` rather than failed.
 */
import { createHash, randomUUID } from "node:crypto";
import { Job as BullJob, Queue as BullQueue, QueueEvents, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "../core/log.js";
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
  type WorkOptions,
} from "./types.js";

export interface BullmqQueueOptions {
  redisUrl: string;
  /** Prefix of every key (the store's prefix + "q"); tests use their own and delete it after. */
  prefix: string;
  /** Queue name (default "jobs"). */
  name?: string;
  defaults: QueueDefaults;
  log: Logger;
}

/** What a BullMQ job's data holds: the caller's data, its key, and the nonce that tells who created it. */
interface Envelope {
  data: unknown;
  key?: string;
  nonce: string;
}

const KEEP_COMPLETED_S = 7 * 86400;
const KEEP_FAILED_S = 30 * 86400;
const WATCH_POLL_MS = 250;

export function createBullmqQueue(options: BullmqQueueOptions): Queue {
  const name = options.name ?? "jobs";
  const { prefix, defaults, log } = options;
  const connect = (role: string) => {
    // BullMQ's blocking commands need maxRetriesPerRequest: null.
    const client = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    client.on("error", (err: Error) => log.warn({ err, role }, "queue Redis connection failed"));
    return client;
  };
  const connection = connect("queue");
  const bull = new BullQueue(name, { connection, prefix });
  const cancelChannel = `${prefix}:${name}:cancel`;
  const cancelKey = (id: string) => `${prefix}:${name}:cancelled:${id}`;
  let events: QueueEvents | undefined;
  let eventsConnection: Redis | undefined;
  const watchers = new Map<string, Set<(job: Job) => void>>();
  const opened: QueueWorker[] = [];

  /** `raw`: the state read BEFORE the job's hash, so that a completed job's result is in what was read. */
  const toJob = async (job: BullJob, raw: string): Promise<Job> => {
    const envelope = job.data as Envelope;
    const cancelled = (await connection.exists(cancelKey(String(job.id)))) === 1;
    const state = mapState(raw, cancelled);
    const progress = job.progress;
    return {
      id: String(job.id),
      kind: job.name,
      ...(envelope.key !== undefined ? { key: envelope.key } : {}),
      data: envelope.data,
      state,
      attempts: job.attemptsStarted,
      maxAttempts: job.opts.attempts ?? 1,
      ...(progress && typeof progress === "object" ? { progress: progress as unknown as JobProgress } : {}),
      ...(raw === "completed" ? { result: job.returnvalue ?? null } : {}),
      ...(job.failedReason ? { error: job.failedReason } : {}),
      cancelRequested: cancelled,
      createdAt: job.timestamp,
      updatedAt: Math.max(job.timestamp, job.processedOn ?? 0, job.finishedOn ?? 0),
      ...(job.finishedOn && state !== "delayed" && state !== "waiting" ? { finishedAt: job.finishedOn } : {}),
    };
  };

  const fetch = async (id: string) => {
    const raw = await bull.getJobState(id);
    if (raw === "unknown") return undefined;
    const job = await BullJob.fromId(bull, id);
    return job ? toJob(job, raw) : undefined;
  };

  const notify = (id: string) => {
    const listeners = watchers.get(id);
    if (!listeners?.size) return;
    void fetch(id).then(
      (job) => {
        if (job) for (const l of listeners) l(job);
      },
      (err: unknown) => log.warn({ err, id }, "reading a watched job failed"),
    );
  };

  const ensureEvents = () => {
    if (events) return;
    eventsConnection = connect("events");
    events = new QueueEvents(name, { connection: eventsConnection, prefix });
    for (const event of [
      "progress",
      "active",
      "completed",
      "failed",
      "delayed",
      "waiting",
      "removed",
    ] as const) {
      events.on(event, ({ jobId }: { jobId: string }) => notify(jobId));
    }
    events.on("error", (err: Error) => log.warn({ err }, "queue events failed"));
  };

  const queue: Queue = {
    engine: "bullmq",

    async enqueue<T>(kind: string, data: T, opts: EnqueueOptions = {}): Promise<Enqueued<T>> {
      const nonce = randomUUID();
      // BullMQ ignores an add whose id exists: the nonce in the stored data says whose add won.
      const jobId =
        opts.key !== undefined
          ? `k-${createHash("sha256").update(opts.key).digest("hex").slice(0, 40)}`
          : nonce;
      const attempts = opts.attempts ?? defaults.attempts;
      const added = await bull.add(kind, { data: data ?? null, key: opts.key, nonce } satisfies Envelope, {
        jobId,
        attempts,
        backoff: { type: "exponential", delay: opts.backoffMs ?? defaults.backoffMs },
        ...(opts.delayMs ? { delay: opts.delayMs } : {}),
        removeOnComplete: { age: KEEP_COMPLETED_S },
        removeOnFail: { age: KEEP_FAILED_S },
      });
      const raw = await bull.getJobState(String(added.id));
      const stored = (await BullJob.fromId(bull, String(added.id))) ?? added;
      const created = (stored.data as Envelope).nonce === nonce;
      return { job: (await toJob(stored, raw)) as Job<T>, created };
    },

    get: fetch,

    async cancel(id) {
      const job = await BullJob.fromId(bull, id);
      if (!job) return undefined;
      const state = await job.getState();
      if (state !== "completed" && state !== "failed") {
        await connection.set(cancelKey(id), "1", "EX", KEEP_FAILED_S);
        // The worker running it (any process) aborts its signal; a waiting one is dropped when taken.
        if (state === "active") await connection.publish(cancelChannel, id);
      }
      notify(id);
      return fetch(id);
    },

    async counts() {
      const raw = await bull.getJobCounts(...ALL_TYPES);
      const out = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
      for (const state of JOB_STATES) {
        if (state === "cancelled") continue;
        for (const t of BULL_TYPES[state]) out[state] += raw[t] ?? 0;
      }
      return out;
    },

    async list({ state, limit = 50 }: ListOptions = {}) {
      const n = Math.max(1, Math.min(limit, 500));
      const types = state === undefined ? ALL_TYPES : BULL_TYPES[state];
      const found = await bull.getJobs([...types], 0, n - 1, false);
      const mapped = (await Promise.all(found.filter(Boolean).map((j) => fetch(String(j.id))))).filter(
        (j): j is Job => j !== undefined,
      );
      return mapped
        .filter((j) => state === undefined || j.state === state)
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, n);
    },

    watch(id, listener) {
      ensureEvents();
      // Events give the change at once; a slow poll covers the events a fresh subscription can miss.
      let last = "";
      const deliver = (job: Job) => {
        const stamp = `${job.state}|${job.updatedAt}|${JSON.stringify(job.progress ?? null)}`;
        if (stamp === last) return;
        last = stamp;
        listener(job);
      };
      const poll = () =>
        void fetch(id).then(
          (job) => job && deliver(job),
          () => undefined,
        );
      const set = watchers.get(id) ?? new Set();
      watchers.set(id, set);
      set.add(deliver);
      const timer = setInterval(poll, WATCH_POLL_MS);
      timer.unref();
      poll();
      return () => {
        clearInterval(timer);
        set.delete(deliver);
        if (set.size === 0) watchers.delete(id);
      };
    },

    wait(id, waitOptions) {
      return waitForJob(queue, id, waitOptions);
    },

    work(handlers: Readonly<Record<string, JobHandler>>, workOptions: WorkOptions = {}): QueueWorker {
      const subscriber = connect("cancel");
      const workerConnection = connect("worker");
      const worker = new Worker(
        name,
        async (job: BullJob, _token?: string, signal?: AbortSignal) => {
          if ((await connection.exists(cancelKey(String(job.id)))) === 1) {
            throw new UnrecoverableError("cancelled");
          }
          const view = await toJob(job, "active");
          const outcome = await runHandler(
            handlers,
            view,
            signal ?? new AbortController().signal,
            async (update) => {
              await job.updateProgress(update as unknown as Record<string, unknown>);
            },
          );
          if (outcome.ok) return outcome.result ?? null;
          if (outcome.permanent || (await connection.exists(cancelKey(String(job.id)))) === 1) {
            throw new UnrecoverableError(outcome.error);
          }
          throw new Error(outcome.error);
        },
        {
          connection: workerConnection,
          prefix,
          concurrency: workOptions.concurrency ?? defaults.concurrency,
          lockDuration: defaults.leaseMs,
          stalledInterval: Math.max(500, Math.floor(defaults.leaseMs / 2)),
          // A job whose worker died is run again, as many times as it has attempts.
          maxStalledCount: Math.max(1, defaults.attempts - 1),
          settings: { backoffStrategy: (made: number) => backoffDelay(defaults.backoffMs, made) },
        },
      );
      worker.on("error", (err: Error) => log.warn({ err }, "queue worker failed"));
      void subscriber.subscribe(cancelChannel);
      subscriber.on("message", (_channel: string, id: string) => {
        worker.cancelJob(id, "cancelled");
      });
      let closing: Promise<void> | undefined;
      const handle: QueueWorker = {
        close(graceMs = 10_000) {
          closing ??= shutdown(graceMs);
          return closing;
        },
      };
      const shutdown = async (graceMs: number) => {
        const timer = setTimeout(() => worker.cancelAllJobs("worker shutting down"), graceMs);
        await worker.close();
        clearTimeout(timer);
        subscriber.disconnect();
        workerConnection.disconnect();
      };
      opened.push(handle);
      return handle;
    },

    async close() {
      await Promise.all(opened.map((h) => h.close()));
      await events?.close();
      eventsConnection?.disconnect();
      await bull.close();
      connection.disconnect();
    },
  };
  return queue;
}

const ALL_TYPES = [
  "waiting",
  "prioritized",
  "delayed",
  "active",
  "completed",
  "failed",
  "waiting-children",
] as const;
const BULL_TYPES: Record<JobState, readonly (typeof ALL_TYPES)[number][]> = {
  waiting: ["waiting", "prioritized", "waiting-children"],
  delayed: ["delayed"],
  active: ["active"],
  completed: ["completed"],
  dead: ["failed"],
  cancelled: ["failed", "waiting", "delayed", "active"],
};

function mapState(raw: string, cancelled: boolean): JobState {
  if (cancelled && raw !== "completed") return "cancelled";
  switch (raw) {
    case "completed":
      return "completed";
    case "failed":
      return "dead";
    case "active":
      return "active";
    case "delayed":
      return "delayed";
    default:
      return "waiting";
  }
}
