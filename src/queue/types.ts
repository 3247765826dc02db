/**
 * The job queue's one interface. Two engines implement it and one contract suite (test/queue/contract.ts)
 * holds both to it: the embedded queue in a SQLite file (worked in-process, or by `repowright worker` on
 * the same machine) and BullMQ on Redis (`repowright worker` processes on any machine).
 *
 * A job runs at least once and completes at most once: a worker holds a lease on it (renewed while it
 * runs); a worker that dies (SIGKILL, a lost machine) lets the lease lapse and the job is run again; only
 * the holder of the current lease can complete it. Handlers with outside side effects make them
 * idempotent with the job's id (e.g. an idempotency key derived from it).
 */

/**
 * `waiting` (ready), `delayed` (waiting for its time: a retry's backoff), `active` (a worker holds it),
 * `completed`, `dead` (failed on its last attempt, or failed for good: the dead-letter state), `cancelled`.
 */
export const JOB_STATES = ["waiting", "delayed", "active", "completed", "dead", "cancelled"] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(["completed", "dead", "cancelled"]);

export interface JobProgress {
  progress: number;
  total?: number;
  message?: string;
}

export interface Job<T = unknown> {
  id: string;
  /** What to do: the name of a handler (`tool`, `github.event`, ...). */
  kind: string;
  /** The caller's idempotency key, when it gave one. */
  key?: string;
  data: T;
  state: JobState;
  /** Attempts started so far (a retry after a lost worker counts). */
  attempts: number;
  maxAttempts: number;
  progress?: JobProgress;
  result?: unknown;
  /** Why the last attempt failed (or why the job died). */
  error?: string;
  /** Whether a cancellation was asked for (an active job stops at its handler's next check). */
  cancelRequested: boolean;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
}

export interface EnqueueOptions {
  /**
   * Idempotency key: a second enqueue with the same key returns the existing job (whatever its state)
   * instead of adding one.
   */
  key?: string;
  /** Attempts in all, the first included (default: the queue's, `REPOWRIGHT_QUEUE_ATTEMPTS`). */
  attempts?: number;
  /** First retry's delay; each next one doubles it (default: the queue's). */
  backoffMs?: number;
  /** Start no earlier than this many ms from now. */
  delayMs?: number;
}

export interface Enqueued<T = unknown> {
  job: Job<T>;
  /** False when the key matched an existing job. */
  created: boolean;
}

export interface JobContext<T = unknown> {
  id: string;
  kind: string;
  data: T;
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when the job is cancelled or the worker shuts down. */
  signal: AbortSignal;
  /** Records progress; readers see it through `get`, `watch` and `GET /api/v1/jobs/<id>`. */
  progress(update: JobProgress): Promise<void>;
}

/** Runs one job; what it returns is the job's result. A thrown `PermanentJobError` is not retried. */
export type JobHandler = (job: JobContext) => Promise<unknown>;

/** A failure that retrying cannot fix (bad input, a refused call): the job goes to `dead` at once. */
export class PermanentJobError extends Error {
  override readonly name = "PermanentJobError";
}

export interface WorkOptions {
  /** Jobs run at once by this worker (default: the queue's, `REPOWRIGHT_QUEUE_CONCURRENCY`). */
  concurrency?: number;
}

export interface QueueWorker {
  /** Stops taking jobs; waits for running ones (aborting them after `graceMs`, default 10 s). */
  close(graceMs?: number): Promise<void>;
}

export interface ListOptions {
  state?: JobState;
  limit?: number;
}

export interface Queue {
  readonly engine: "sqlite" | "bullmq";
  enqueue<T>(kind: string, data: T, options?: EnqueueOptions): Promise<Enqueued<T>>;
  /** The job, or undefined when no job has that id. */
  get(id: string): Promise<Job | undefined>;
  /**
   * Cancels a job: a waiting or delayed one never runs; an active one has its signal aborted and ends
   * `cancelled`; a finished one is left as it is. Returns the job as it is now, undefined when unknown.
   */
  cancel(id: string): Promise<Job | undefined>;
  /** The newest jobs first. */
  list(options?: ListOptions): Promise<Job[]>;
  /**
   * How many jobs are in each state now (for the `repowright_queue_jobs` gauge and the dashboard). Finished
   * jobs count until the engine forgets them; on BullMQ a cancelled job that had not started counts where it
   * was left (waiting or delayed) until a worker drops it, and one that ran counts as dead.
   */
  counts(): Promise<Record<JobState, number>>;
  /** Calls `listener` with the job each time its state or progress changes; returns the unsubscribe. */
  watch(id: string, listener: (job: Job) => void): () => void;
  /** Resolves with the job once it is completed, dead or cancelled (or as it is at `timeoutMs`). */
  wait(id: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<Job | undefined>;
  /** Starts working jobs with these handlers (by kind); a job of a kind with no handler dies. */
  work(handlers: Readonly<Record<string, JobHandler>>, options?: WorkOptions): QueueWorker;
  close(): Promise<void>;
}

export interface QueueDefaults {
  attempts: number;
  backoffMs: number;
  concurrency: number;
  /** How long a worker's lease lasts without renewal; a dead worker's job runs again after it. */
  leaseMs: number;
}
