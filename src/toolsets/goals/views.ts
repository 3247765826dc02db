/**
 * Shared zod fragments (inputs and outputs) and the compact views tools return. Views never carry
 * undefined values or empty optional lists, so the JSON stays small and matches the output schemas.
 */
import { z } from "zod";
import { validationError } from "../../core/errors.js";
import {
  GOAL_STATUSES,
  type Goal,
  type GoalStats,
  PRIORITIES,
  percentDone,
  TASK_STATUSES,
  type Task,
} from "./model.js";

export const goalIdIn = z
  .string()
  .regex(/^GOAL-\d{4,}$/, "goal ids look like GOAL-0001")
  .describe("Goal id, e.g. GOAL-0001.");
export const taskIdIn = z
  .string()
  .regex(/^TASK-\d{4,}$/, "task ids look like TASK-0001")
  .describe("Task id, e.g. TASK-0001.");
export const expectedVersionIn = z
  .number()
  .int()
  .min(1)
  .optional()
  .describe(
    "Optimistic concurrency: the version you last read. The write is refused with a conflict error when it changed since.",
  );
export const priorityIn = z.enum(PRIORITIES).describe("Priority: critical, high, medium or low.");
export const taskStatusIn = z.enum(TASK_STATUSES).describe("Task status.");
export const goalStatusIn = z.enum(GOAL_STATUSES).describe("Goal status.");
export const tagsIn = z
  .array(z.string().min(1).max(50).describe("A tag."))
  .max(20)
  .describe("Free-form tags, e.g. backend, security.");
export const cursorIn = z.string().max(200).optional().describe("next_cursor from the previous page.");

/** Editable task fields, shared by create_tasks, update_task and batch_update_tasks. */
export const taskFields = {
  title: z.string().min(1).max(300).describe("Short imperative title."),
  description: z.string().max(10_000).describe("What the task is about."),
  details: z.string().max(50_000).describe("How to do it: implementation notes."),
  test_strategy: z.string().max(10_000).describe("How to verify it is done."),
  priority: priorityIn,
  estimate: z
    .number()
    .min(0)
    .max(1_000_000)
    .describe("Effort in your unit (hours, points); the critical path adds these up."),
  tags: tagsIn,
  assignee: z.string().min(1).max(200).describe("Who works on it."),
  links: z
    .array(z.string().min(1).max(2000).describe("A URL or reference, e.g. a GitHub or Jira issue."))
    .max(20)
    .describe("Where this task also lives: issues, pull requests, documents."),
};

export const goalOut = z.object({
  id: z.string().describe("Goal id."),
  title: z.string().describe("Title."),
  description: z.string().optional().describe("Description."),
  status: goalStatusIn,
  priority: priorityIn,
  tags: z.array(z.string()).optional().describe("Tags (omitted when none)."),
  version: z.number().int().describe("Version for expected_version."),
  created_at: z.string().describe("ISO time of creation."),
  updated_at: z.string().describe("ISO time of the last change."),
});

export const progressOut = z.object({
  total: z.number().int().describe("Tasks in the goal."),
  counts: z
    .object({
      pending: z.number().int().describe("Pending tasks."),
      in_progress: z.number().int().describe("Tasks in progress."),
      blocked: z.number().int().describe("Blocked tasks."),
      done: z.number().int().describe("Done tasks."),
      cancelled: z.number().int().describe("Cancelled tasks."),
    })
    .describe("Tasks per status."),
  percent_done: z.number().describe("Done tasks as a share of the tasks not cancelled, 0-100."),
  estimate_total: z.number().describe("Sum of the estimates of the tasks not cancelled."),
  estimate_done: z.number().describe("Sum of the estimates of the done tasks."),
});

export const taskOut = z.object({
  id: z.string().describe("Task id."),
  goal_id: z.string().describe("Goal the task belongs to."),
  title: z.string().describe("Title."),
  status: taskStatusIn,
  priority: priorityIn,
  dependencies: z.array(z.string()).describe("Tasks that must be done first."),
  version: z.number().int().describe("Version for expected_version."),
  description: z.string().optional().describe("Description."),
  details: z.string().optional().describe("Implementation notes."),
  test_strategy: z.string().optional().describe("How to verify it."),
  estimate: z.number().optional().describe("Effort estimate."),
  tags: z.array(z.string()).optional().describe("Tags."),
  assignee: z.string().optional().describe("Assignee."),
  links: z.array(z.string()).optional().describe("Links."),
  created_at: z.string().optional().describe("ISO time of creation."),
  updated_at: z.string().optional().describe("ISO time of the last change."),
  started_at: z.string().optional().describe("ISO time it went in progress."),
  completed_at: z.string().optional().describe("ISO time it was done."),
});

export const taskRefOut = z.object({
  id: z.string().describe("Task id."),
  title: z.string().describe("Title."),
});

function clean<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined || (Array.isArray(v) && v.length === 0 && k !== "dependencies")) delete o[k];
  }
  return o;
}

export function goalView(goal: Goal, version: number) {
  return clean({
    id: goal.id,
    title: goal.title,
    description: goal.description,
    status: goal.status,
    priority: goal.priority,
    tags: goal.tags,
    version,
    created_at: goal.created_at,
    updated_at: goal.updated_at,
  });
}

export function progressView(stats: GoalStats) {
  return {
    total: stats.total,
    counts: { ...stats.counts },
    percent_done: percentDone(stats),
    estimate_total: stats.estimate_total,
    estimate_done: stats.estimate_done,
  };
}

/** Full view (get_task, update results) or list view (without the long text fields and timestamps). */
export function taskView(t: Task, version: number, full = true) {
  const base = {
    id: t.id,
    goal_id: t.goal_id,
    title: t.title,
    status: t.status,
    priority: t.priority,
    dependencies: t.dependencies,
    version,
    estimate: t.estimate,
    tags: t.tags,
    assignee: t.assignee,
  };
  if (!full) return clean(base);
  return clean({
    ...base,
    description: t.description,
    details: t.details,
    test_strategy: t.test_strategy,
    links: t.links,
    created_at: t.created_at,
    updated_at: t.updated_at,
    started_at: t.started_at,
    completed_at: t.completed_at,
  });
}

export const encodeCursor = (n: number) => Buffer.from(`after:${n}`, "utf8").toString("base64url");

export function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return -1;
  const m = /^after:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m) throw validationError("cursor is not a next_cursor from this tool; omit it to start from the top");
  return Number(m[1]);
}
