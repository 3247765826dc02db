/**
 * The jobs toolset: follow and cancel the server's background jobs (long tools run as jobs, agent runs,
 * webhook deliveries). Each job is also a resource, `repowright://jobs/{id}`, whose subscribers are told
 * when it changes, and `GET /api/v1/jobs/<id>` over REST.
 */
import { z } from "zod";
import { notFoundError } from "../../core/errors.js";
import { jobUri, jobView, ownsJob } from "../../jobs/index.js";
import { defineTool, defineToolset, LOCAL_UPDATE, READ_ONLY } from "../../mcp/tool.js";
import { JOB_STATES } from "../../queue/types.js";

const jobId = z.string().min(1).max(128).describe("The job's id, as the tool that started it returned.");

/** The longest a get_job call waits for the job to finish. */
const MAX_WAIT_S = 300;

export const getJob = defineTool({
  name: "get_job",
  title: "Get a job's status",
  description:
    "Status of a background job: state (waiting, delayed, active, completed, dead, cancelled), attempts, progress, and its result or error. With wait_s, waits up to that many seconds for it to finish first.",
  input: z.object({
    job_id: jobId,
    wait_s: z
      .number()
      .int()
      .min(0)
      .max(MAX_WAIT_S)
      .default(0)
      .describe(
        `Wait up to this many seconds for the job to finish (0 = answer now; at most ${MAX_WAIT_S}).`,
      ),
  }),
  annotations: READ_ONLY,
  timeoutMs: (MAX_WAIT_S + 30) * 1000,
  async handler(input, ctx) {
    let job = await ctx.queue.get(input.job_id);
    if (!job || !ownsJob(ctx, ctx.caller, job)) throw notFoundError(`no job ${input.job_id}`);
    if (input.wait_s > 0) {
      job = (await ctx.queue.wait(job.id, { timeoutMs: input.wait_s * 1000, signal: ctx.signal })) ?? job;
    }
    return jobView(job);
  },
});

export const listJobs = defineTool({
  name: "list_jobs",
  title: "List jobs",
  description:
    "The newest background jobs first (yours, when the server authenticates callers), optionally by state.",
  input: z.object({
    state: z.enum(JOB_STATES).optional().describe("Only jobs in this state."),
    limit: z.number().int().min(1).max(200).default(20).describe("How many jobs at most (default 20)."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const jobs = await ctx.queue.list({ ...(input.state ? { state: input.state } : {}), limit: input.limit });
    const mine = jobs.filter((j) => ownsJob(ctx, ctx.caller, j));
    return { jobs: mine.map(jobView), count: mine.length };
  },
});

export const cancelJob = defineTool({
  name: "cancel_job",
  title: "Cancel a job",
  description:
    "Cancels a background job: a waiting one never runs; a running one is told to stop and ends cancelled; a finished one is left as it is.",
  input: z.object({ job_id: jobId }),
  annotations: LOCAL_UPDATE,
  async handler(input, ctx) {
    const job = await ctx.queue.get(input.job_id);
    if (!job || !ownsJob(ctx, ctx.caller, job)) throw notFoundError(`no job ${input.job_id}`);
    const after = (await ctx.queue.cancel(job.id)) ?? job;
    ctx.resourceUpdated(jobUri(job.id));
    return jobView(after);
  },
});

export const getRun = defineTool({
  name: "get_agent_run",
  title: "Get an agent run's record",
  description:
    "The record of an issue-resolver run by id: its phases, the tests on the base and with the change, the gates, the model's tokens and cost, and the outcome (pull request or why not).",
  input: z.object({
    run_id: z.string().min(1).max(64).describe("The run's id (in the job's result and the status comment)."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const doc = await ctx.store.getDoc<Record<string, unknown>>(AGENT_RUNS, input.run_id);
    if (!doc) throw notFoundError(`no run ${input.run_id}`);
    return doc.data;
  },
});

/** Where the resolver keeps its run records (src/agents/resolver/run.ts writes them). */
const AGENT_RUNS = "resolver-runs";

export const jobsToolset = defineToolset({
  name: "jobs",
  description: "Background jobs: status, progress, results, cancellation.",
  tools: [getJob, listJobs, cancelJob, getRun],
  resourceTemplates: [
    {
      uriTemplate: "repowright://jobs/{id}",
      name: "job",
      title: "A background job",
      description: "A job's state, progress and result; subscribe to be told when it changes.",
      mimeType: "application/json",
      async read(uri, vars, ctx) {
        const job = await ctx.queue.get(vars["id"] ?? "");
        if (!job || !ownsJob(ctx, ctx.caller, job)) throw notFoundError(`no job ${vars["id"]}`);
        return [{ uri, mimeType: "application/json", text: JSON.stringify(jobView(job), null, 2) }];
      },
    },
  ],
});
