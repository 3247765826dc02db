/**
 * The goals model: what a goal and a task are, which status changes are allowed, and how ids look.
 * Pure data and functions; persistence is in repo.ts, graph algorithms in graph.ts.
 */
import { validationError } from "../../core/errors.js";

export const TASK_STATUSES = ["pending", "in_progress", "blocked", "done", "cancelled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const GOAL_STATUSES = ["active", "completed", "cancelled", "archived"] as const;
export type GoalStatus = (typeof GOAL_STATUSES)[number];

export const PRIORITIES = ["critical", "high", "medium", "low"] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Lower rank = more urgent. */
export const PRIORITY_RANK: Readonly<Record<Priority, number>> = { critical: 0, high: 1, medium: 2, low: 3 };

/**
 * Allowed task status changes. Setting a task to the status it already has is not a change and always
 * allowed. Starting (in_progress) or finishing (done) additionally needs every dependency done; reopening a
 * done task needs no dependent to be in progress or done (checked where the graph is at hand).
 */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  pending: ["in_progress", "blocked", "done", "cancelled"],
  in_progress: ["pending", "blocked", "done", "cancelled"],
  blocked: ["pending", "in_progress", "cancelled"],
  done: ["pending"],
  cancelled: ["pending"],
};

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return from === to || TASK_TRANSITIONS[from].includes(to);
}

/** Statuses that need every dependency done first. */
export const NEEDS_DEPENDENCIES_DONE: ReadonlySet<TaskStatus> = new Set(["in_progress", "done"]);

export interface Goal {
  id: string;
  title: string;
  description?: string;
  status: GoalStatus;
  priority: Priority;
  tags: string[];
  created_at: string;
  updated_at: string;
}

export interface Task {
  id: string;
  goal_id: string;
  title: string;
  description?: string;
  details?: string;
  test_strategy?: string;
  status: TaskStatus;
  priority: Priority;
  /** Ids of tasks of the same goal that must be done before this one can start. */
  dependencies: string[];
  /** Effort in the unit the team uses (hours, points); the critical path sums it. */
  estimate?: number;
  tags: string[];
  assignee?: string;
  /** Links to where the task also lives (GitHub or Jira issues, pull requests). */
  links: string[];
  created_at: string;
  updated_at: string;
  started_at?: string;
  completed_at?: string;
}

/** Per-goal counters, rewritten from the full task set on every task write (so they cannot drift). */
export interface GoalStats {
  goal_id: string;
  total: number;
  counts: Record<TaskStatus, number>;
  estimate_total: number;
  estimate_done: number;
}

const GOAL_ID = /^GOAL-(\d{4,})$/;
const TASK_ID = /^TASK-(\d{4,})$/;

export const formatGoalId = (n: number): string => `GOAL-${String(n).padStart(4, "0")}`;
export const formatTaskId = (n: number): string => `TASK-${String(n).padStart(4, "0")}`;

export function taskNumber(id: string): number {
  const m = TASK_ID.exec(id);
  return m ? Number(m[1]) : Number.NaN;
}

export function checkGoalId(id: string): string {
  if (!GOAL_ID.test(id)) throw validationError(`goal id must look like GOAL-0001; got ${JSON.stringify(id)}`);
  return id;
}

export function checkTaskId(id: string, field = "task_id"): string {
  if (!TASK_ID.test(id))
    throw validationError(`${field} must look like TASK-0001; got ${JSON.stringify(id)}`);
  return id;
}

export function emptyCounts(): Record<TaskStatus, number> {
  return { pending: 0, in_progress: 0, blocked: 0, done: 0, cancelled: 0 };
}

export function computeStats(goalId: string, tasks: Iterable<Task>): GoalStats {
  const counts = emptyCounts();
  let total = 0;
  let estimateTotal = 0;
  let estimateDone = 0;
  for (const t of tasks) {
    total++;
    counts[t.status]++;
    if (t.status !== "cancelled") estimateTotal += t.estimate ?? 0;
    if (t.status === "done") estimateDone += t.estimate ?? 0;
  }
  return { goal_id: goalId, total, counts, estimate_total: estimateTotal, estimate_done: estimateDone };
}

/** Share of the non-cancelled tasks that are done, 0..100 with one decimal. */
export function percentDone(stats: GoalStats): number {
  const live = stats.total - stats.counts.cancelled;
  return live === 0 ? 0 : Math.round((stats.counts.done / live) * 1000) / 10;
}

/** Stable order for lists: by number, so TASK-10000 comes after TASK-9999. */
export function byTaskNumber(a: { id: string }, b: { id: string }): number {
  return taskNumber(a.id) - taskNumber(b.id);
}
