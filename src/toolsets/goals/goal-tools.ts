/** Tools over goals: create, get, list, update, delete. */

import { z } from "zod";
import { validationError } from "../../core/errors.js";
import { limitIn } from "../../mcp/fragments.js";
import { defineTool, LOCAL_OVERWRITE, LOCAL_UPDATE, LOCAL_WRITE, READ_ONLY } from "../../mcp/tool.js";
import { formatGoalId, type Goal, percentDone } from "./model.js";
import { allocateIds, checkVersion, listGoals, transact } from "./repo.js";
import { now, progressOf } from "./shared.js";
import {
  cursorIn,
  decodeCursor,
  encodeCursor,
  expectedVersionIn,
  goalIdIn,
  goalOut,
  goalStatusIn,
  goalView,
  priorityIn,
  progressOut,
  progressView,
  tagsIn,
  taskOut,
  taskView,
} from "./views.js";

// ---------------------------------------------------------------------------------------------- goals

export const createGoal = defineTool({
  name: "create_goal",
  title: "Create a goal",
  description:
    "Record a goal (e.g. 'add rate limiting to our API') to break into tasks with create_tasks. Returns its id (GOAL-0001).",
  input: z.object({
    title: z.string().min(1).max(300).describe("What should be achieved."),
    description: z.string().max(20_000).optional().describe("Context, constraints, definition of done."),
    priority: priorityIn.default("medium"),
    tags: tagsIn.default([]),
  }),
  output: z.object({ goal: goalOut }),
  annotations: LOCAL_WRITE,
  async handler(input, ctx) {
    const result = await transact(ctx.store, async (tx) => {
      // Inside the transaction: a retried attempt takes a fresh id rather than colliding again.
      const id = formatGoalId(await allocateIds(ctx.store, "goal", 1));
      const t = now();
      const goal: Goal = {
        id,
        title: input.title,
        description: input.description,
        status: "active",
        priority: input.priority,
        tags: input.tags,
        created_at: t,
        updated_at: t,
      };
      tx.createGoal(goal);
      return () => goalView(goal, tx.written.get(id) ?? 1);
    });
    return { goal: result() };
  },
});

export const getGoal = defineTool({
  name: "get_goal",
  title: "Get a goal",
  description: "A goal with its progress and its tasks (compact; list_tasks pages through big goals).",
  input: z.object({
    goal_id: goalIdIn,
    include_tasks: z.boolean().default(true).describe("Include the tasks (up to task_limit)."),
    task_limit: limitIn(500, 100, "Most tasks to include."),
  }),
  output: z.object({
    goal: goalOut,
    progress: progressOut,
    tasks: z.array(taskOut).optional().describe("Tasks by id."),
    tasks_truncated: z.boolean().optional().describe("True when the goal has more tasks than task_limit."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const { state, stats } = await progressOf(ctx.store, input.goal_id);
    const out: Record<string, unknown> = {
      goal: goalView(state.goal.data, state.goal.version),
      progress: progressView(stats),
    };
    if (input.include_tasks) {
      out["tasks"] = state.tasks
        .slice(0, input.task_limit)
        .map((t) => taskView(t, state.versions.get(t.id) ?? 0, false));
      if (state.tasks.length > input.task_limit) out["tasks_truncated"] = true;
    }
    return out;
  },
});

export const listGoalsTool = defineTool({
  name: "list_goals",
  title: "List goals",
  description: "Goals with their progress, optionally by status, a page at a time (pass next_cursor back).",
  input: z.object({
    status: goalStatusIn.optional().describe("Only goals with this status."),
    cursor: cursorIn,
    limit: limitIn(200, 50, "Most goals in this page."),
  }),
  output: z.object({
    goals: z.array(
      z.object({
        id: z.string().describe("Goal id."),
        title: z.string().describe("Title."),
        status: goalStatusIn,
        priority: priorityIn,
        tasks: z.number().int().describe("Number of tasks."),
        done: z.number().int().describe("Done tasks."),
        percent_done: z.number().describe("Progress, 0-100."),
        version: z.number().int().describe("Version for expected_version."),
        updated_at: z.string().describe("ISO time of the last change."),
      }),
    ),
    next_cursor: z.string().nullable().describe("Cursor of the next page; null at the end."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const after = decodeCursor(input.cursor);
    const all = (await listGoals(ctx.store))
      .map((g) => ({ ...g, n: Number(g.goal.id.slice(5)) }))
      .filter((g) => g.n > after && (!input.status || g.goal.data.status === input.status))
      .sort((a, b) => a.n - b.n);
    const page = all.slice(0, input.limit);
    return {
      goals: page.map(({ goal, stats }) => ({
        id: goal.id,
        title: goal.data.title,
        status: goal.data.status,
        priority: goal.data.priority,
        tasks: stats?.total ?? 0,
        done: stats?.counts.done ?? 0,
        percent_done: stats ? percentDone(stats) : 0,
        version: goal.version,
        updated_at: goal.data.updated_at,
      })),
      next_cursor: all.length > page.length ? encodeCursor(page[page.length - 1]!.n) : null,
    };
  },
});

export const updateGoal = defineTool({
  name: "update_goal",
  title: "Update a goal",
  description:
    "Change a goal's title, description, status, priority or tags. Completing a goal needs every task done or cancelled.",
  input: z.object({
    goal_id: goalIdIn,
    title: z.string().min(1).max(300).optional().describe("New title."),
    description: z.string().max(20_000).optional().describe("New description."),
    status: goalStatusIn.optional(),
    priority: priorityIn.optional(),
    tags: tagsIn.optional(),
    expected_version: expectedVersionIn,
  }),
  output: z.object({ goal: goalOut }),
  annotations: LOCAL_UPDATE,
  async handler(input, ctx) {
    const result = await transact(ctx.store, async (tx) => {
      const st = await tx.load(input.goal_id);
      checkVersion(input.goal_id, input.expected_version, st.goal.version);
      const goal: Goal = { ...st.goal.data, updated_at: now() };
      if (input.title !== undefined) goal.title = input.title;
      if (input.description !== undefined) goal.description = input.description;
      if (input.priority !== undefined) goal.priority = input.priority;
      if (input.tags !== undefined) goal.tags = input.tags;
      if (input.status !== undefined) {
        const open = st.tasks.filter((t) => t.status !== "done" && t.status !== "cancelled");
        if (input.status === "completed" && open.length > 0) {
          throw validationError(
            `${input.goal_id} still has ${open.length} open task(s) (${open
              .slice(0, 5)
              .map((t) => `${t.id} ${t.status}`)
              .join(", ")}); finish or cancel them first`,
          );
        }
        goal.status = input.status;
      }
      tx.updateGoal(goal);
      return () => goalView(goal, tx.written.get(goal.id) ?? st.goal.version);
    });
    return { goal: result() };
  },
});

export const deleteGoal = defineTool({
  name: "delete_goal",
  title: "Delete a goal",
  description:
    "Delete a goal and all its tasks, all or nothing. Refused while a task is in progress unless force is true.",
  input: z.object({
    goal_id: goalIdIn,
    force: z.boolean().default(false).describe("Delete even when tasks are in progress."),
    expected_version: expectedVersionIn,
  }),
  output: z.object({
    goal_id: z.string().describe("The deleted goal."),
    deleted: z.boolean().describe("Always true on success."),
    tasks_deleted: z.number().int().describe("Tasks deleted with it."),
  }),
  annotations: LOCAL_OVERWRITE,
  async handler(input, ctx) {
    const count = await transact(ctx.store, async (tx) => {
      const st = await tx.load(input.goal_id);
      checkVersion(input.goal_id, input.expected_version, st.goal.version);
      const busy = st.tasks.filter((t) => t.status === "in_progress");
      if (busy.length > 0 && !input.force) {
        throw validationError(
          `${input.goal_id} has ${busy.length} task(s) in progress (${busy
            .slice(0, 5)
            .map((t) => t.id)
            .join(", ")}); finish them, or pass force: true to delete anyway`,
          { in_progress: busy.map((t) => t.id) },
        );
      }
      tx.deleteGoal(input.goal_id);
      return st.tasks.length;
    });
    return { goal_id: input.goal_id, deleted: true, tasks_deleted: count };
  },
});
