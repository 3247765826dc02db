/**
 * `ci watch`: polls a repository's completed workflow runs (conditional requests through the GitHub
 * client's ETag cache: a poll while nothing changed costs no rate limit) and runs the repair loop once per
 * failed run attempt. The attempts already analysed are in the store, so a restarted watcher, a second
 * watcher and the webhook-driven doctor do not repeat one.
 */
import { sleep } from "../../core/resilience.js";
import { analysedBefore, type RepairDeps, repairRun } from "./run.js";
import type { RepairRecord } from "./types.js";

type Obj = Record<string, unknown>;

export interface WatchOptions {
  owner: string;
  repo: string;
  branch?: string;
  /** One pass (a scheduled workflow), not a loop. */
  once?: boolean;
  /** Runs older than this are left alone (default: a day). */
  maxAgeMs?: number;
  signal?: AbortSignal;
  onRecord?: (record: RepairRecord) => void;
}

const RED = new Set(["failure", "timed_out"]);

export async function watchRepository(o: WatchOptions, deps: RepairDeps): Promise<RepairRecord[]> {
  const signal = o.signal ?? new AbortController().signal;
  const done: RepairRecord[] = [];
  const maxAge = o.maxAgeMs ?? 24 * 3600 * 1000;
  for (;;) {
    const res = await deps.github.octokit.request("GET /repos/{owner}/{repo}/actions/runs", {
      owner: o.owner,
      repo: o.repo,
      status: "completed",
      per_page: 30,
      ...(o.branch ? { branch: o.branch } : {}),
      request: { signal },
    });
    const runs = (res.data.workflow_runs as unknown as Obj[]).filter(
      (r) =>
        RED.has(String(r["conclusion"])) &&
        Date.now() - Date.parse(String(r["updated_at"] ?? r["created_at"])) < maxAge &&
        // Runs on the doctor's own fix branches are checked by the loop that pushed them.
        !String(r["head_branch"]).startsWith("repowright/ci-fix/"),
    );
    for (const r of runs.reverse()) {
      const repository = `${o.owner}/${o.repo}`;
      if (await analysedBefore(deps.store, repository, Number(r["id"]), Number(r["run_attempt"] ?? 1)))
        continue;
      const record = await repairRun(
        { owner: o.owner, repo: o.repo, run_id: Number(r["id"]), trigger: { kind: "watch" } },
        deps,
        { signal },
      );
      if (record.outcome?.kind === "already_analysed") continue;
      done.push(record);
      o.onRecord?.(record);
    }
    if (o.once) return done;
    await sleep(deps.pollMs ?? deps.config.ci.pollS * 1000, signal);
  }
}
