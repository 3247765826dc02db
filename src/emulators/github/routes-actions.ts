/**
 * Actions: workflows, runs (with GitHub's filters), jobs, job logs through the redirect-to-download flow,
 * re-runs, cancel and workflow_dispatch.
 */
import { createHmac } from "node:crypto";
import type { EmuEnv, RepoHandle } from "./env.js";
import { resolve } from "./git.js";
import {
  type EmuRequest,
  HttpError,
  invalid,
  notFound,
  perPage as pageOf,
  paginate,
  type Router,
  str,
} from "./http.js";
import {
  jobPayload,
  minimalRepoPayload,
  repoUrls,
  runPayload,
  simpleStatusPayload,
  statusPayload,
  workflowPayload,
} from "./payloads.js";
import { type JobRec, now, type RunRec, type StatusRec, type WorkflowRec } from "./state.js";

const STATUS_STATES = new Set(["error", "failure", "pending", "success"]);

const SIGNING_KEY = "repowright-emulator";

export function signLogUrl(jobId: number): string {
  return createHmac("sha256", SIGNING_KEY).update(String(jobId)).digest("hex").slice(0, 32);
}

function findWorkflow(h: RepoHandle, id: string): WorkflowRec {
  const w = h.rec.workflows.find(
    (x) => String(x.id) === id || x.path.split("/").pop() === id || x.path === id,
  );
  if (!w) throw notFound();
  return w;
}

function findRun(h: RepoHandle, id: string): RunRec {
  const r = h.rec.runs.find((x) => String(x.id) === id);
  if (!r) throw notFound();
  return r;
}

const STATUS = new Set(["queued", "in_progress", "completed", "waiting", "requested", "pending"]);

function filterRuns(req: EmuRequest, runs: RunRec[]): RunRec[] {
  const q = req.query;
  const branch = q.get("branch");
  const event = q.get("event");
  const status = q.get("status");
  const actor = q.get("actor");
  const headSha = q.get("head_sha");
  return runs
    .filter((r) => {
      if (branch && r.head_branch !== branch) return false;
      if (event && r.event !== event) return false;
      if (actor && r.actor.toLowerCase() !== actor.toLowerCase()) return false;
      if (headSha && r.head_sha !== headSha) return false;
      if (status) {
        if (STATUS.has(status)) {
          if (r.status !== status) return false;
        } else if (r.conclusion !== status) return false;
      }
      return true;
    })
    .sort((a, b) => b.id - a.id);
}

function resetJobs(env: EmuEnv, h: RepoHandle, run: RunRec, onlyFailed: boolean): void {
  const failed = (j: JobRec) =>
    j.conclusion === "failure" || j.conclusion === "cancelled" || j.conclusion === "timed_out";
  const latest = h.rec.jobs.filter((j) => j.run_id === run.id && j.run_attempt === run.run_attempt);
  run.run_attempt += 1;
  run.status = "queued";
  run.conclusion = null;
  run.updated_at = now();
  for (const j of latest) {
    const rerun = !onlyFailed || failed(j);
    h.rec.jobs.push({
      ...j,
      id: env.state.nextId(),
      run_attempt: run.run_attempt,
      status: rerun ? "queued" : j.status,
      conclusion: rerun ? null : j.conclusion,
      completed_at: rerun ? null : j.completed_at,
      log: rerun ? "" : j.log,
    });
  }
  env.onQueued?.(h.rec, run);
}

export function registerActionRoutes(router: Router, env: EmuEnv): void {
  const R = "/repos/:owner/:repo/actions";

  // Check runs of a commit: each job of the latest attempt of every run on that sha.
  router.on("GET", "/repos/:owner/:repo/commits/:ref/check-runs", async (req) => {
    const h = env.repo(req);
    const ref = req.params["ref"]!;
    const sha = (await resolve(h.gitDir, ref, "commit")) ?? ref;
    const { api, web } = repoUrls(req.urls, h.rec);
    const runs = h.rec.runs.filter((r) => r.head_sha === sha);
    const items = runs.flatMap((run) =>
      h.rec.jobs
        .filter((j) => j.run_id === run.id && j.run_attempt === run.run_attempt)
        .map((j) => ({
          id: j.id,
          head_sha: sha,
          node_id: Buffer.from(`CheckRun:${j.id}`).toString("base64"),
          external_id: String(j.id),
          url: `${api}/check-runs/${j.id}`,
          html_url: `${web}/actions/runs/${run.id}/job/${j.id}`,
          details_url: `${web}/actions/runs/${run.id}/job/${j.id}`,
          status: j.status,
          conclusion: j.conclusion,
          started_at: j.started_at,
          completed_at: j.completed_at,
          output: {
            title: null,
            summary: null,
            text: null,
            annotations_count: 0,
            annotations_url: `${api}/check-runs/${j.id}/annotations`,
          },
          name: j.name,
          check_suite: { id: run.id + 1 },
          app: null,
          pull_requests: [],
        })),
    );
    return paginate(req, items, (page) => ({ total_count: items.length, check_runs: page }));
  });

  // Commit statuses: create one, and the combined status of a ref (latest status per context).
  router.on("POST", "/repos/:owner/:repo/statuses/:sha", async (req) => {
    const h = env.repo(req);
    const body = req.body as Record<string, unknown>;
    const state = str(body, "state");
    if (!state || !STATUS_STATES.has(state)) throw invalid("Status", "state", "invalid");
    const sha = await resolve(h.gitDir, req.params["sha"]!, "commit");
    if (!sha) throw new HttpError(422, `No commit found for SHA: ${req.params["sha"]}`);
    const t = now();
    const rec: StatusRec = {
      id: env.state.nextId(),
      sha,
      state: state as StatusRec["state"],
      context: str(body, "context") ?? "default",
      description: str(body, "description") ?? null,
      target_url: str(body, "target_url") ?? null,
      creator: req.login,
      created_at: t,
      updated_at: t,
    };
    h.rec.statuses ??= [];
    h.rec.statuses.push(rec);
    return { status: 201, body: statusPayload(req.urls, h.rec, rec, env.state.user(rec.creator)) };
  });

  router.on("GET", "/repos/:owner/:repo/commits/:ref/status", async (req) => {
    const h = env.repo(req);
    const sha = await resolve(h.gitDir, req.params["ref"]!, "commit");
    if (!sha) throw new HttpError(422, `No commit found for SHA: ${req.params["ref"]}`);
    const latest = new Map<string, StatusRec>();
    for (const s of h.rec.statuses ?? []) if (s.sha === sha) latest.set(s.context, s);
    const items = [...latest.values()];
    const state = items.some((s) => s.state === "error" || s.state === "failure")
      ? "failure"
      : items.length === 0 || items.some((s) => s.state === "pending")
        ? "pending"
        : "success";
    const { api } = repoUrls(req.urls, h.rec);
    const { page, perPage } = pageOf(req);
    return {
      status: 200,
      body: {
        state,
        statuses: items
          .slice((page - 1) * perPage, page * perPage)
          .map((s) => simpleStatusPayload(req.urls, h.rec, s, env.state.user(s.creator))),
        sha,
        total_count: items.length,
        repository: minimalRepoPayload(req.urls, h.rec, env.state.user(h.rec.owner)),
        commit_url: `${api}/commits/${sha}`,
        url: `${api}/commits/${sha}/status`,
      },
    };
  });

  router.on("GET", `${R}/workflows`, (req) => {
    const h = env.repo(req);
    const items = h.rec.workflows.map((w) => workflowPayload(req.urls, h.rec, w));
    return paginate(req, items, (page) => ({ total_count: items.length, workflows: page }));
  });

  router.on("GET", `${R}/workflows/:id`, (req) => {
    const h = env.repo(req);
    return { status: 200, body: workflowPayload(req.urls, h.rec, findWorkflow(h, req.params["id"]!)) };
  });

  const listRuns = (req: EmuRequest, workflowId?: number) => {
    const h = env.repo(req);
    const runs = filterRuns(
      req,
      h.rec.runs.filter((r) => workflowId === undefined || r.workflow_id === workflowId),
    );
    const items = runs.map((r) =>
      runPayload(
        h.ctx,
        r,
        h.rec.workflows.find((w) => w.id === r.workflow_id),
      ),
    );
    return paginate(req, items, (page) => ({ total_count: items.length, workflow_runs: page }));
  };
  router.on("GET", `${R}/runs`, (req) => listRuns(req));
  router.on("GET", `${R}/workflows/:id/runs`, (req) =>
    listRuns(req, findWorkflow(env.repo(req), req.params["id"]!).id),
  );

  router.on("GET", `${R}/runs/:id`, (req) => {
    const h = env.repo(req);
    const run = findRun(h, req.params["id"]!);
    return {
      status: 200,
      body: runPayload(
        h.ctx,
        run,
        h.rec.workflows.find((w) => w.id === run.workflow_id),
      ),
    };
  });

  router.on("GET", `${R}/runs/:id/jobs`, (req) => {
    const h = env.repo(req);
    const run = findRun(h, req.params["id"]!);
    const all = req.query.get("filter") === "all";
    const jobs = h.rec.jobs.filter((j) => j.run_id === run.id && (all || j.run_attempt === run.run_attempt));
    const w = h.rec.workflows.find((x) => x.id === run.workflow_id);
    const items = jobs.map((j) => jobPayload(h.ctx, run, j, w));
    return paginate(req, items, (page) => ({ total_count: items.length, jobs: page }));
  });

  router.on("GET", `${R}/jobs/:id`, (req) => {
    const h = env.repo(req);
    const job = h.rec.jobs.find((j) => String(j.id) === req.params["id"]);
    if (!job) throw notFound();
    const run = findRun(h, String(job.run_id));
    return {
      status: 200,
      body: jobPayload(
        h.ctx,
        run,
        job,
        h.rec.workflows.find((w) => w.id === run.workflow_id),
      ),
    };
  });

  router.on("GET", `${R}/jobs/:id/logs`, (req) => {
    const h = env.repo(req);
    const job = h.rec.jobs.find((j) => String(j.id) === req.params["id"]);
    if (!job) throw notFound();
    const location = `${req.urls.api}/_emulator/download/jobs/${job.id}/logs?sig=${signLogUrl(job.id)}`;
    return { status: 302, headers: { location }, text: "" };
  });

  router.on("POST", `${R}/runs/:id/rerun`, (req) => {
    const h = env.repo(req);
    const run = findRun(h, req.params["id"]!);
    if (run.status !== "completed") throw new HttpError(403, "This workflow run is not completed");
    resetJobs(env, h, run, false);
    env.touch(h.rec);
    return { status: 201, body: {} };
  });

  router.on("POST", `${R}/runs/:id/rerun-failed-jobs`, (req) => {
    const h = env.repo(req);
    const run = findRun(h, req.params["id"]!);
    if (run.status !== "completed") throw new HttpError(403, "This workflow run is not completed");
    if (run.conclusion === "success") throw new HttpError(403, "There are no failed jobs to re-run");
    resetJobs(env, h, run, true);
    env.touch(h.rec);
    return { status: 201, body: {} };
  });

  router.on("POST", `${R}/runs/:id/cancel`, (req) => {
    const h = env.repo(req);
    const run = findRun(h, req.params["id"]!);
    if (run.status === "completed")
      throw new HttpError(409, "Cannot cancel a workflow run that is completed.");
    run.status = "completed";
    run.conclusion = "cancelled";
    run.updated_at = now();
    for (const j of h.rec.jobs.filter((x) => x.run_id === run.id && x.run_attempt === run.run_attempt)) {
      if (j.status !== "completed") {
        j.status = "completed";
        j.conclusion = "cancelled";
        j.completed_at = now();
      }
    }
    env.touch(h.rec);
    return { status: 202, body: {} };
  });

  router.on("POST", `${R}/workflows/:id/dispatches`, async (req) => {
    const h = env.repo(req);
    const w = findWorkflow(h, req.params["id"]!);
    const ref = str(req.body, "ref");
    if (!ref) throw new HttpError(422, 'Invalid request.\n\n"ref" wasn\'t supplied.');
    const sha = await resolve(h.gitDir, ref, "commit");
    if (!sha) throw new HttpError(422, `No ref found for: ${ref}`);
    const inputs = (req.body["inputs"] ?? {}) as Record<string, string>;
    env.startRun(h.rec, w, {
      branch: ref.replace(/^refs\/heads\//, ""),
      sha,
      event: "workflow_dispatch",
      actor: req.login,
      inputs,
    });
    env.touch(h.rec);
    return { status: 204 };
  });
}

/** The signed download URL the logs endpoint redirects to; it needs no token, like GitHub's. */
export function downloadJobLog(
  env: EmuEnv,
  jobId: string,
  sig: string | null,
): { status: number; text: string } {
  if (sig !== signLogUrl(Number(jobId))) return { status: 403, text: "signature mismatch" };
  for (const repo of env.state.data.repos) {
    const job = repo.jobs.find((j) => String(j.id) === jobId);
    if (job) return { status: 200, text: job.log };
  }
  return { status: 404, text: "not found" };
}
