/**
 * Compact, model-friendly views of GitHub objects and Link-header paging, shared by every toolset and agent
 * that talks to GitHub (github, ci, prs, the CI doctor), so none imports another's internals.
 */

type Obj = Record<string, unknown>;

/** The `page` number of the rel="next" link, or null on the last page. */
export function nextPage(link: string | undefined): number | null {
  if (!link) return null;
  const m = /<([^>]+)>;\s*rel="next"/.exec(link);
  if (!m) return null;
  const p = new URL(m[1]!).searchParams.get("page");
  return p ? Number(p) : null;
}

/** Drops null/undefined/empty-array fields so the output stays small. */
export function compact<T extends Obj>(o: T): Partial<T> {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out as Partial<T>;
}

/** Job conclusions that count as failed (GitHub's "re-run failed jobs" also re-runs these). */
export const FAILED = new Set(["failure", "timed_out", "cancelled", "startup_failure"]);

export function runView(r: Obj) {
  return compact({
    id: r["id"] as number,
    name: r["name"] as string,
    workflow_id: r["workflow_id"] as number,
    run_number: r["run_number"] as number,
    attempt: r["run_attempt"] as number,
    event: r["event"] as string,
    status: r["status"] as string,
    conclusion: (r["conclusion"] as string | null) ?? null,
    branch: r["head_branch"] as string,
    head_sha: r["head_sha"] as string,
    actor: ((r["actor"] as Obj | null)?.["login"] as string | undefined) ?? null,
    created_at: r["created_at"] as string,
    updated_at: r["updated_at"] as string,
    url: r["html_url"] as string,
  });
}

export function jobView(j: Obj) {
  const steps = (j["steps"] as Obj[] | undefined) ?? [];
  const failedSteps = steps.filter((s) => s["conclusion"] === "failure").map((s) => s["name"] as string);
  return compact({
    id: j["id"] as number,
    name: j["name"] as string,
    status: j["status"] as string,
    conclusion: (j["conclusion"] as string | null) ?? null,
    started_at: j["started_at"] as string,
    completed_at: (j["completed_at"] as string | null) ?? null,
    failed_steps: failedSteps,
    url: (j["html_url"] as string | null) ?? null,
  });
}
