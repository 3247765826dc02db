/** Pieces shared by the goals tools: limits, annotations, and the helpers that report a change. */
import { z } from "zod";
import { validationError } from "../../core/errors.js";
import type { Store } from "../../store/types.js";
import { readyIds } from "./graph.js";
import { byTaskNumber, computeStats, percentDone, type Task } from "./model.js";
import { type GoalState, loadGoal } from "./repo.js";
import { taskRefOut } from "./views.js";

/** A goal is read whole for every write; this keeps one write (and one delete batch) bounded. */
export const MAX_TASKS_PER_GOAL = 40_000;
export const MAX_BATCH = 500;

export const now = () => new Date().toISOString();

export async function progressOf(store: Store, goalId: string) {
  const state = await loadGoal(store, goalId);
  return { state, stats: computeStats(goalId, state.tasks) };
}

export const refsOf = (state: GoalState, ids: Iterable<string>) =>
  [...ids]
    .map((id) => state.byId.get(id))
    .filter((t): t is Task => t !== undefined)
    .sort(byTaskNumber)
    .map((t) => ({ id: t.id, title: t.title }));

export function cycleError(cycle: string[], where: string) {
  return validationError(
    `refused: ${where} would create a dependency cycle ${cycle.join(" -> ")} (each task depends on the next); nothing was written`,
    { cycle },
  );
}

export const becameReadyOut = z
  .array(taskRefOut)
  .describe("Tasks that can start now because of this change.");
export const goalSummaryOut = z
  .object({
    id: z.string().describe("Goal id."),
    percent_done: z.number().describe("Progress, 0-100."),
    all_done: z.boolean().describe("True when every task is done or cancelled."),
  })
  .describe("The goal after the change.");

export function goalSummary(st: GoalState) {
  const stats = computeStats(st.goal.id, st.tasks);
  return {
    id: st.goal.id,
    percent_done: percentDone(stats),
    all_done: stats.total === stats.counts.done + stats.counts.cancelled,
  };
}

export function becameReady(st: GoalState, before: Set<string>, exclude: Set<string>) {
  const after = readyIds(st.tasks);
  return refsOf(
    st,
    [...after].filter((id) => !before.has(id) && !exclude.has(id)),
  );
}
