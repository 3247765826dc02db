/** GitHub Actions: workflows, runs, jobs, job logs (redirect-to-download, tail), re-runs, cancel, dispatch. */

import { z } from "zod";
import { ToolError, validationError } from "../../core/errors.js";
import { downloadJobLog, runJobs } from "../../github/actions.js";
import { FAILED, jobView, runView } from "../../github/views.js";
import { REMOTE_OVERWRITE, REMOTE_READ, REMOTE_WRITE } from "../../mcp/tool.js";
import { compact, type GhCtx, gh, ghTool, nextPage, owner, page, perPage, repo, tail } from "./common.js";

type Obj = Record<string, unknown>;
const runId = z.number().int().min(1).describe("Workflow run id.");
export const listWorkflows = ghTool({
  name: "list_workflows",
  title: "List workflows",
  description: "The repository's Actions workflows: id, name, file path, state.",
  input: z.object({ owner, repo, page, per_page: perPage(30) }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await gh(ctx).request("GET /repos/{owner}/{repo}/actions/workflows", input);
    return {
      total_count: res.data.total_count,
      workflows: res.data.workflows.map((w) => ({ id: w.id, name: w.name, path: w.path, state: w.state })),
      page: input.page,
      next_page: nextPage(res.headers.link),
    };
  },
});

export const listWorkflowRuns = ghTool({
  name: "list_workflow_runs",
  title: "List workflow runs",
  description:
    "Workflow runs, newest first, of one workflow (id or file name) or all, filtered by branch, event, status/conclusion and actor.",
  input: z.object({
    owner,
    repo,
    workflow_id: z
      .union([z.number().int(), z.string().min(1)])
      .optional()
      .describe("Workflow id or file name (e.g. ci.yml); all workflows when omitted."),
    branch: z.string().optional().describe("Head branch."),
    event: z.string().optional().describe("Triggering event (push, pull_request, workflow_dispatch, ...)."),
    status: z
      .enum([
        "completed",
        "action_required",
        "cancelled",
        "failure",
        "neutral",
        "skipped",
        "stale",
        "success",
        "timed_out",
        "in_progress",
        "queued",
        "requested",
        "waiting",
        "pending",
      ])
      .optional()
      .describe("Status or conclusion."),
    actor: z.string().optional().describe("Login of the user whose push or action started the run."),
    page,
    per_page: perPage(20),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const { workflow_id, ...q } = input;
    const res =
      workflow_id === undefined
        ? await gh(ctx).request("GET /repos/{owner}/{repo}/actions/runs", q)
        : await gh(ctx).request("GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", {
            ...q,
            workflow_id,
          });
    return {
      total_count: res.data.total_count,
      runs: (res.data.workflow_runs as unknown as Obj[]).map(runView),
      page: input.page,
      next_page: nextPage(res.headers.link),
    };
  },
});

export const getWorkflowRun = ghTool({
  name: "get_workflow_run",
  title: "Get a workflow run",
  description: "One workflow run: status, conclusion, branch, sha, attempt, actor, timestamps.",
  input: z.object({ owner, repo, run_id: runId }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await gh(ctx).request("GET /repos/{owner}/{repo}/actions/runs/{run_id}", input);
    return runView(res.data as unknown as Obj);
  },
});

export const listWorkflowJobs = ghTool({
  name: "list_workflow_jobs",
  title: "List workflow jobs",
  description:
    "The jobs of a workflow run (latest attempt, or all attempts) with their conclusion and failed steps.",
  input: z.object({
    owner,
    repo,
    run_id: runId,
    filter: z
      .enum(["latest", "all"])
      .default("latest")
      .describe("Jobs of the latest attempt, or of every attempt."),
    page,
    per_page: perPage(30),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await gh(ctx).request("GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs", input);
    return {
      total_count: res.data.total_count,
      jobs: (res.data.jobs as unknown as Obj[]).map(jobView),
      page: input.page,
      next_page: nextPage(res.headers.link),
    };
  },
});

export const getJobLogs = ghTool({
  name: "get_job_logs",
  title: "Get job logs",
  description:
    "Logs of one job (job_id), or of every failed job of a run (run_id), tail only: the last tail_lines lines of each, which is where failures show.",
  input: z.object({
    owner,
    repo,
    job_id: z.number().int().min(1).optional().describe("One job's id."),
    run_id: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("A run id: logs of its failed jobs (or all, with failed_only false)."),
    failed_only: z.boolean().default(true).describe("With run_id: only jobs that failed."),
    tail_lines: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(200)
      .describe("Lines kept from the end of each log (0 = all)."),
    max_jobs: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(10)
      .describe("With run_id: most job logs returned; the others are listed by id."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    if ((input.job_id === undefined) === (input.run_id === undefined)) {
      throw validationError("give exactly one of job_id or run_id");
    }
    let jobs: { id: number; name: string; conclusion: string | null }[];
    if (input.job_id !== undefined) {
      const j = (
        await gh(ctx).request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}", {
          owner: input.owner,
          repo: input.repo,
          job_id: input.job_id,
        })
      ).data;
      jobs = [{ id: Number(j.id), name: j.name, conclusion: j.conclusion }];
    } else {
      jobs = (await runJobs(ctx, input.owner, input.repo, input.run_id!))
        .filter((j) => !input.failed_only || FAILED.has(String(j["conclusion"])))
        .map((j) => ({
          id: Number(j["id"]),
          name: String(j["name"]),
          conclusion: j["conclusion"] as string | null,
        }));
    }
    const left = jobs.slice(input.max_jobs);
    jobs = jobs.slice(0, input.max_jobs);
    const logs = [];
    for (const j of jobs) {
      const text = await downloadJobLog(ctx, input.owner, input.repo, j.id);
      const t = tail(text, input.tail_lines);
      logs.push(
        compact({
          job_id: j.id,
          name: j.name,
          conclusion: j.conclusion,
          log: t.text,
          note:
            t.omitted > 0
              ? `first ${t.omitted} lines omitted; raise tail_lines (0 = all) to see them`
              : undefined,
        }),
      );
    }
    return {
      jobs: logs,
      ...(logs.length === 0 ? { note: `no ${input.failed_only ? "failed " : ""}jobs in this run` } : {}),
      ...(left.length > 0
        ? {
            more_jobs: left.map((j) => compact({ job_id: j.id, name: j.name, conclusion: j.conclusion })),
            note: `${left.length} more job(s) not shown (max_jobs=${input.max_jobs}); call get_job_logs with one of their job_id, or raise max_jobs`,
          }
        : {}),
    };
  },
});

export const rerunWorkflowRun = ghTool({
  name: "rerun_workflow_run",
  title: "Re-run a workflow run",
  description: "Re-run every job of a completed workflow run (a new attempt).",
  input: z.object({ owner, repo, run_id: runId }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    await gh(ctx).request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun", input);
    return { run_id: input.run_id, rerun: "all jobs" };
  },
});

export const rerunFailedJobs = ghTool({
  name: "rerun_failed_jobs",
  title: "Re-run failed jobs",
  description: "Re-run only the failed jobs (and their dependents) of a completed workflow run.",
  input: z.object({ owner, repo, run_id: runId }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    await gh(ctx).request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs", input);
    return { run_id: input.run_id, rerun: "failed jobs" };
  },
});

export const cancelWorkflowRun = ghTool({
  name: "cancel_workflow_run",
  title: "Cancel a workflow run",
  description: "Cancel a queued or running workflow run.",
  input: z.object({ owner, repo, run_id: runId }),
  annotations: REMOTE_OVERWRITE,
  async handler(input, ctx) {
    await gh(ctx).request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel", input);
    return { run_id: input.run_id, cancelled: true };
  },
});

export const runWorkflow = ghTool({
  name: "run_workflow",
  title: "Run a workflow",
  description: "Start a workflow that has a workflow_dispatch trigger, on a branch or tag, with inputs.",
  input: z.object({
    owner,
    repo,
    workflow_id: z
      .union([z.number().int(), z.string().min(1)])
      .describe("Workflow id or file name (e.g. deploy.yml)."),
    ref: z.string().min(1).describe("Branch or tag to run on."),
    inputs: z.record(z.string()).default({}).describe("Workflow inputs (strings)."),
  }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    await gh(ctx).request("POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", input);
    return {
      dispatched: true,
      workflow_id: input.workflow_id,
      ref: input.ref,
      note: "GitHub returns no run id; list_workflow_runs with event=workflow_dispatch shows the new run",
    };
  },
});

export const actionTools = [
  listWorkflows,
  listWorkflowRuns,
  getWorkflowRun,
  listWorkflowJobs,
  getJobLogs,
  rerunWorkflowRun,
  rerunFailedJobs,
  cancelWorkflowRun,
  runWorkflow,
];
