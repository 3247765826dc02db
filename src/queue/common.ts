/** What both queue engines share: running a handler, backoff, waiting for a job to finish. */
import {
  type Job,
  type JobHandler,
  type JobProgress,
  PermanentJobError,
  type Queue,
  TERMINAL_STATES,
} from "./types.js";

export type HandlerOutcome = { ok: true; result: unknown } | { ok: false; error: string; permanent: boolean };

/** The delay before retry number `attempt` (1 = after the first failure): base, 2×base, 4×base, ... */
export function backoffDelay(baseMs: number, attempt: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 60 * 60 * 1000);
}

/** Runs the job's handler; never throws. An unknown kind is a permanent failure. */
export async function runHandler(
  handlers: Readonly<Record<string, JobHandler>>,
  job: Job,
  signal: AbortSignal,
  progress: (update: JobProgress) => Promise<void>,
): Promise<HandlerOutcome> {
  const handler = Object.hasOwn(handlers, job.kind) ? handlers[job.kind] : undefined;
  if (!handler) return { ok: false, error: `no handler for jobs of kind "${job.kind}"`, permanent: true };
  try {
    const result = await handler({
      id: job.id,
      kind: job.kind,
      data: job.data,
      attempt: job.attempts,
      signal,
      progress,
    });
    return { ok: true, result };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: message.slice(0, 2000), permanent: err instanceof PermanentJobError };
  }
}

/** Resolves once the job is terminal, or with its state at the timeout; undefined for an unknown id. */
export function waitForJob(
  queue: Queue,
  id: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Job | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    let unwatch = () => {};
    const settle = (job: Job | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unwatch();
      options.signal?.removeEventListener("abort", onAbort);
      resolve(job);
    };
    const timer = setTimeout(
      () => void queue.get(id).then(settle, () => settle(undefined)),
      options.timeoutMs ?? 60_000,
    );
    const onAbort = () => void queue.get(id).then(settle, () => settle(undefined));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    unwatch = queue.watch(id, (job) => {
      if (TERMINAL_STATES.has(job.state)) settle(job);
    });
    void queue.get(id).then(
      (job) => {
        if (!job || TERMINAL_STATES.has(job.state)) settle(job);
      },
      () => settle(undefined),
    );
  });
}
