/**
 * What the server's jobs do, and how a tool becomes one. A `tool` job calls a tool through the host's
 * pipeline as the caller who asked for it (same roles, rate limits, audit, redaction), so a long tool
 * run in the background is checked exactly like one run in the foreground. A `github.event` job hands a
 * webhook delivery to the subscribers of its event (the agents).
 */
import { ERROR_CONTRACT } from "../core/errors.js";
import { FLOW_JOB } from "../flows/job.js";
import type { Host } from "../mcp/host.js";
import type { Caller, HostServices } from "../mcp/tool.js";
import { type Job, type JobHandler, PermanentJobError, type Queue, TERMINAL_STATES } from "../queue/types.js";
import type { GithubDelivery } from "../webhooks/github.js";

export const TOOL_JOB = "tool";
export const GITHUB_EVENT_JOB = "github.event";

export interface ToolJobData {
  tool: string;
  args: Record<string, unknown>;
  caller: Pick<Caller, "id" | "roles" | "transport">;
}

/** A webhook delivery as its job carries it. */
export type GithubEventData = GithubDelivery;

/** Something that acts on GitHub events (the issue resolver, the CI doctor). */
export interface GithubEventSubscriber {
  name: string;
  /** Event names it wants (`issues`, `workflow_run`, ...). */
  events: readonly string[];
  /** Handles one delivery; what it returns is recorded in the job's result under its name. */
  handle(event: GithubEventData, signal: AbortSignal): Promise<unknown>;
}

/** The URI of a job's resource: subscribers get `notifications/resources/updated` as it progresses. */
export const jobUri = (id: string) => `repowright://jobs/${id}`;

/** The handlers a worker (the server's own, or `repowright worker`) runs jobs with. */
export function jobHandlers(
  host: Host,
  subscribers: readonly GithubEventSubscriber[] = [],
  extra: Readonly<Record<string, JobHandler>> = {},
): Record<string, JobHandler> {
  return {
    // The flows engine is loaded by the first flow job, not by every process that lists the tools.
    async [FLOW_JOB](job) {
      const { flowJobHandler } = await import("../flows/index.js");
      return flowJobHandler(host)(job);
    },
    ...extra,
    async [TOOL_JOB](job) {
      const data = job.data as ToolJobData;
      const outcome = await host.invoke(data.tool, data.args, {
        caller: { ...data.caller },
        signal: job.signal,
        progress: (update) => job.progress(update),
      });
      if (outcome.ok) return outcome.value;
      const message = `${outcome.error.type}: ${outcome.error.error}`;
      // A rate limit or an outage may pass; a refused or invalid call will not.
      if (ERROR_CONTRACT[outcome.error.type].retryable) throw new Error(message);
      throw new PermanentJobError(message);
    },
    async [GITHUB_EVENT_JOB](job) {
      const data = job.data as GithubEventData;
      const handled: Record<string, unknown> = {};
      for (const s of subscribers) {
        if (s.events.includes(data.event)) handled[s.name] = await s.handle(data, job.signal);
      }
      return { event: data.event, delivery: data.id, handled };
    },
  };
}

/** What a caller sees of a job (tools, REST): snake_case, the caller's own arguments included. */
export function jobView(job: Job): Record<string, unknown> {
  const data = job.data as Partial<ToolJobData> | undefined;
  return {
    job_id: job.id,
    kind: job.kind,
    ...(job.kind === TOOL_JOB && data?.tool ? { tool: data.tool, arguments: data.args } : {}),
    state: job.state,
    done: TERMINAL_STATES.has(job.state),
    attempts: job.attempts,
    max_attempts: job.maxAttempts,
    ...(job.progress ? { progress: job.progress } : {}),
    ...(job.state === "completed" ? { result: job.result } : {}),
    ...(job.error && job.state !== "completed" ? { error: job.error } : {}),
    ...(job.cancelRequested ? { cancel_requested: true } : {}),
    created_at: new Date(job.createdAt).toISOString(),
    updated_at: new Date(job.updatedAt).toISOString(),
    ...(job.finishedAt ? { finished_at: new Date(job.finishedAt).toISOString() } : {}),
  };
}

/** Whether this caller may see and cancel the job: on an open server anyone; with auth, its owner. */
export function ownsJob(services: HostServices, caller: Caller, job: Job): boolean {
  if (services.config.auth.mode === "none") return true;
  const owner = (job.data as Partial<ToolJobData> | undefined)?.caller?.id;
  return owner === caller.id;
}

/**
 * Runs a tool as a background job for this caller: returns at once with the job's id and where to follow
 * it; the job's resource is reported updated on each change until it ends.
 */
export async function enqueueToolJob(
  services: Pick<HostServices, "queue" | "resourceUpdated">,
  caller: Caller,
  tool: string,
  args: Record<string, unknown>,
  options: { key?: string } = {},
): Promise<Record<string, unknown>> {
  const { job, created } = await services.queue.enqueue<ToolJobData>(
    TOOL_JOB,
    { tool, args, caller: { id: caller.id, roles: [...caller.roles], transport: caller.transport } },
    options.key !== undefined ? { key: options.key } : {},
  );
  followJob(services.queue, job.id, services.resourceUpdated);
  return {
    ...jobView(job),
    created,
    follow: {
      tool: "get_job",
      rest: `/api/v1/jobs/${job.id}`,
      resource: jobUri(job.id),
    },
  };
}

/** Reports the job's resource updated on every change until the job ends. */
export function followJob(queue: Queue, id: string, resourceUpdated: (uri: string) => void): void {
  let ended = false;
  let stop = () => {
    ended = true;
  };
  stop = queue.watch(id, (job) => {
    resourceUpdated(jobUri(id));
    if (TERMINAL_STATES.has(job.state)) stop();
  });
  if (ended) stop();
}

export interface StartWorkingOptions {
  host: Host;
  queue: Queue;
  concurrency?: number;
  subscribers?: readonly GithubEventSubscriber[];
  /** Handlers of further job kinds (the agents'). */
  handlers?: Readonly<Record<string, JobHandler>>;
}

/** Starts working the queue with the server's job handlers (`serve` in-process, `repowright worker`). */
export function startWorking(options: StartWorkingOptions) {
  return options.queue.work(jobHandlers(options.host, options.subscribers, options.handlers), {
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
}

/** The webhook route's `accept`: one `github.event` job per delivery, keyed by its delivery id. */
export function enqueueDelivery(queue: Queue) {
  return async (delivery: GithubDelivery) => {
    const { job } = await queue.enqueue<GithubEventData>(GITHUB_EVENT_JOB, delivery, {
      key: `github-delivery:${delivery.id}`,
    });
    return { job_id: job.id };
  };
}

/**
 * For a tool with a `background` argument: when it is set, queues the same call (without it) as a job
 * for this caller and returns the job; otherwise undefined and the tool runs in the foreground.
 */
export async function runInBackground(
  ctx: Pick<HostServices, "queue" | "resourceUpdated"> & { caller: Caller },
  tool: string,
  input: Record<string, unknown> & { background?: boolean },
): Promise<Record<string, unknown> | undefined> {
  if (!input.background) return undefined;
  return enqueueToolJob(ctx, ctx.caller, tool, { ...input, background: false });
}
