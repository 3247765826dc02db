/**
 * GitHub Actions reads more than one caller needs (the github and ci toolsets, the CI doctor): every job
 * of a run, and a job's log through GitHub's redirect-to-download. They take the GitHub client and the
 * caller's abort signal, which a tool's context has (`{ deps, signal }`) and an agent passes itself.
 */
import { ToolError } from "../core/errors.js";
import { type GithubDeps, withSignal } from "./client.js";
import { nextPage } from "./views.js";

type Obj = Record<string, unknown>;

/** The GitHub client and the signal its calls stop on: a tool's context is one. */
export interface GithubCall {
  deps: GithubDeps;
  signal: AbortSignal;
}

/** GitHub answers the logs endpoint with a redirect to a short-lived download URL; fetch that. */
export async function downloadJobLog(c: GithubCall, o: string, r: string, jobId: number): Promise<string> {
  const res = await withSignal(c.deps, c.signal).request(
    "GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs",
    {
      owner: o,
      repo: r,
      job_id: jobId,
      request: { redirect: "manual", noCache: true },
    },
  );
  const location = (res.headers as Record<string, string | undefined>)["location"];
  if (res.status >= 300 && res.status < 400 && location) {
    const dl = await c.deps.fetch(location, { signal: c.signal }).catch((err: unknown) => {
      if (c.signal.aborted) throw err;
      throw new ToolError(
        "upstream",
        `downloading the log of job ${jobId} failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    });
    if (!dl.ok) {
      throw new ToolError("upstream", `downloading the log of job ${jobId} failed: HTTP ${dl.status}`, {
        statusCode: dl.status,
      });
    }
    return dl.text();
  }
  return typeof res.data === "string" ? res.data : String(res.data ?? "");
}

/** Every job of a run's latest attempt, all pages (a matrix can have hundreds), so no failed job is missed. */
export async function runJobs(c: GithubCall, o: string, r: string, runId: number): Promise<Obj[]> {
  const jobs: Obj[] = [];
  const { request } = withSignal(c.deps, c.signal);
  for (let p: number | null = 1; p !== null; ) {
    const res = await request("GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs", {
      owner: o,
      repo: r,
      run_id: runId,
      per_page: 100,
      page: p,
    });
    jobs.push(...(res.data.jobs as unknown as Obj[]));
    p = nextPage(res.headers.link);
  }
  return jobs;
}
