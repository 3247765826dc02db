/**
 * GitHub Actions reads more than one caller needs (the github and ci toolsets, the CI doctor): every job
 * of a run, and a job's log through GitHub's redirect-to-download. They take the GitHub client and the
 * caller's abort signal, which a tool's context has (`{ deps, signal }`) and an agent passes itself.
 */
import { type GithubDeps, withSignal } from "./deps.js";
import { downloadJobLog as downloadJobLogOp } from "./operations.js";
import { nextPage } from "./views.js";

type Obj = Record<string, unknown>;

/** The GitHub client and the signal its calls stop on: a tool's context is one. */
export interface GithubCall {
  deps: GithubDeps;
  signal: AbortSignal;
}

/** The whole log of one job (operations.ts's downloadJobLog, with the caller's client and signal). */
export function downloadJobLog(c: GithubCall, o: string, r: string, jobId: number): Promise<string> {
  return downloadJobLogOp(c.deps, { owner: o, repo: r }, jobId, c.signal);
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
