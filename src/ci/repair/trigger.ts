/**
 * The webhook-driven CI doctor: a `workflow_run` delivery (action `completed`, conclusion failure or
 * timed_out) becomes a `ci.repair` job keyed by the run attempt, so a redelivered event, or the
 * `check_suite` event of the same run, runs the loop once. Runs on the doctor's own fix branches are
 * checked by the loop that pushed them; they are not picked up again here.
 */
import type { GithubEventSubscriber } from "../../jobs/index.js";
import type { Queue } from "../../queue/index.js";
import type { RepairRequest } from "./types.js";

export const REPAIR_JOB = "ci.repair";

type Obj = Record<string, unknown>;

/** The repair a `workflow_run` event asks for, or why it asks for none. */
export function repairFromEvent(event: {
  id: string;
  event: string;
  payload: unknown;
}): { request: RepairRequest; attempt: number } | { ignored: string } {
  const p = event.payload as Obj;
  if (event.event !== "workflow_run") return { ignored: event.event };
  if (p["action"] !== "completed") return { ignored: `workflow_run.${String(p["action"])}` };
  const run = p["workflow_run"] as Obj | undefined;
  const full = String((p["repository"] as Obj | undefined)?.["full_name"] ?? "");
  const [owner, repo] = full.split("/");
  if (!run || !owner || !repo) return { ignored: "no run or repository in the event" };
  const conclusion = String(run["conclusion"]);
  if (conclusion !== "failure" && conclusion !== "timed_out") return { ignored: `conclusion ${conclusion}` };
  if (String(run["head_branch"] ?? "").startsWith("repowright/ci-fix/"))
    return { ignored: "a run of the CI doctor's own fix branch" };
  return {
    request: {
      owner,
      repo,
      run_id: Number(run["id"]),
      trigger: { kind: "webhook", delivery: event.id },
    },
    attempt: Number(run["run_attempt"] ?? 1),
  };
}

export function repairSubscriber(deps: { queue: Queue }): GithubEventSubscriber {
  return {
    name: "ci-doctor",
    events: ["workflow_run"],
    async handle(event) {
      const decided = repairFromEvent(event);
      if ("ignored" in decided) return decided;
      const { request, attempt } = decided;
      const { job, created } = await deps.queue.enqueue(REPAIR_JOB, request, {
        key: `ci-repair:${request.owner}/${request.repo}:${request.run_id}:${attempt}`.toLowerCase(),
        attempts: 2,
      });
      return { queued: job.id, created };
    },
  };
}
