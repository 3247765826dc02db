/** Tools over tasks: create a batch, get, list, update one, update many all-or-nothing. */

import { z } from "zod";
import { validationError } from "../../core/errors.js";
import { limitIn } from "../../mcp/fragments.js";
import { defineTool, LOCAL_UPDATE, LOCAL_WRITE, READ_ONLY } from "../../mcp/tool.js";
import { buildGraph, findCycle, readyIds, readyMask } from "./graph.js";
import {
  byTaskNumber,
  canTransition,
  formatTaskId,
  NEEDS_DEPENDENCIES_DONE,
  TASK_TRANSITIONS,
  type Task,
  type TaskStatus,
  taskNumber,
} from "./model.js";
import {
  allocateIds,
  checkVersion,
  type GoalState,
  type GoalTx,
  goalOfTask,
  loadAllTasks,
  loadGoal,
  requireTask,
  transact,
} from "./repo.js";
import {
  becameReady,
  becameReadyOut,
  cycleError,
  goalSummary,
  goalSummaryOut,
  MAX_BATCH,
  MAX_TASKS_PER_GOAL,
  now,
} from "./shared.js";
import {
  cursorIn,
  decodeCursor,
  encodeCursor,
  expectedVersionIn,
  goalIdIn,
  priorityIn,
  taskFields,
  taskIdIn,
  taskOut,
  taskRefOut,
  taskStatusIn,
  taskView,
} from "./views.js";

// ---------------------------------------------------------------------------------------------- tasks

const newTaskIn = z.object({
  ref: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("Your name for this task within the batch, so other tasks of the batch can depend on it."),
  title: taskFields.title,
  description: taskFields.description.optional(),
  details: taskFields.details.optional(),
  test_strategy: taskFields.test_strategy.optional(),
  priority: taskFields.priority.default("medium"),
  estimate: taskFields.estimate.optional(),
  tags: taskFields.tags.default([]),
  assignee: taskFields.assignee.optional(),
  links: taskFields.links.default([]),
  depends_on: z
    .array(
      z
        .union([z.string().min(1).max(100), z.number().int().min(0)])
        .describe(
          "An existing task id (TASK-0001), a ref of this batch, or a 0-based position in this batch.",
        ),
    )
    .max(100)
    .default([])
    .describe("Tasks that must be done before this one."),
});

export const createTasks = defineTool({
  name: "create_tasks",
  title: "Create tasks",
  description:
    "Add a batch of tasks to a goal, all or nothing. Dependencies may name existing tasks by id, or tasks of the same batch by ref or by 0-based position; a batch that would form a cycle is refused with the cycle's path.",
  input: z.object({
    goal_id: goalIdIn,
    tasks: z.array(newTaskIn).min(1).max(MAX_BATCH).describe("Tasks to create, in order."),
  }),
  output: z.object({
    goal_id: z.string().describe("Goal."),
    tasks: z.array(
      z.object({
        id: z.string().describe("New task id."),
        ref: z.string().optional().describe("The ref you gave."),
        title: z.string().describe("Title."),
        dependencies: z.array(z.string()).describe("Resolved dependency ids."),
        version: z.number().int().describe("Version for expected_version."),
      }),
    ),
    ready: z.array(z.string()).describe("New tasks that can start now."),
  }),
  annotations: LOCAL_WRITE,
  async handler(input, ctx) {
    const specs = input.tasks;
    const refs = new Map<string, number>();
    specs.forEach((s, i) => {
      if (s.ref === undefined) return;
      if (refs.has(s.ref)) throw validationError(`tasks[${i}].ref ${JSON.stringify(s.ref)} is used twice`);
      refs.set(s.ref, i);
    });
    const result = await transact(ctx.store, async (tx) => {
      const st = await tx.load(input.goal_id);
      if (st.tasks.length + specs.length > MAX_TASKS_PER_GOAL) {
        throw validationError(
          `${input.goal_id} would have ${st.tasks.length + specs.length} tasks; a goal holds at most ${MAX_TASKS_PER_GOAL}: split the work into several goals`,
        );
      }
      const first = await allocateIds(ctx.store, "task", specs.length);
      const ids = specs.map((_, i) => formatTaskId(first + i));
      const t = now();
      const created: Task[] = specs.map((s, i) => {
        const deps = new Set<string>();
        s.depends_on.forEach((d, k) => {
          const where = `tasks[${i}].depends_on[${k}]`;
          let id: string;
          if (typeof d === "number") {
            if (d >= specs.length)
              throw validationError(`${where}: position ${d} is outside the batch of ${specs.length}`);
            id = ids[d]!;
          } else if (refs.has(d)) {
            id = ids[refs.get(d)!]!;
          } else if (st.byId.has(d)) {
            id = d;
          } else {
            throw validationError(
              `${where}: ${JSON.stringify(d)} is neither a task of ${input.goal_id} nor a ref in this batch`,
            );
          }
          if (id === ids[i]) throw validationError(`${where}: a task cannot depend on itself`);
          deps.add(id);
        });
        return {
          id: ids[i]!,
          goal_id: input.goal_id,
          title: s.title,
          description: s.description,
          details: s.details,
          test_strategy: s.test_strategy,
          status: "pending",
          priority: s.priority,
          dependencies: [...deps],
          estimate: s.estimate,
          tags: s.tags,
          assignee: s.assignee,
          links: s.links,
          created_at: t,
          updated_at: t,
        };
      });
      // Existing tasks never depend on new ones, so a cycle can only run through the batch itself.
      const cycle = findCycle(created);
      if (cycle) throw cycleError(cycle, "this batch");
      for (const task of created) tx.addTask(task);
      return () => {
        const ready = readyIds(st.tasks);
        return {
          goal_id: input.goal_id,
          tasks: created.map((task, i) => {
            const o: Record<string, unknown> = { id: task.id };
            if (specs[i]!.ref !== undefined) o["ref"] = specs[i]!.ref;
            return {
              ...o,
              title: task.title,
              dependencies: task.dependencies,
              version: tx.written.get(task.id) ?? 1,
            };
          }),
          ready: created.filter((c) => ready.has(c.id)).map((c) => c.id),
        };
      };
    });
    return result();
  },
});

export const getTask = defineTool({
  name: "get_task",
  title: "Get a task",
  description: "One task in full, with whether it is ready, what it still waits on, and what waits on it.",
  input: z.object({ task_id: taskIdIn }),
  output: z.object({
    task: taskOut,
    ready: z.boolean().describe("Pending with every dependency done: can start now."),
    waiting_on: z.array(taskRefOut).describe("Dependencies not done yet."),
    dependents: z.array(z.string()).describe("Tasks that depend on this one."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const goalId = await goalOfTask(ctx.store, input.task_id);
    const st = await loadGoal(ctx.store, goalId);
    const task = requireTask(st, input.task_id);
    const waiting = task.dependencies.filter((d) => st.byId.get(d)?.status !== "done");
    return {
      task: taskView(task, st.versions.get(task.id) ?? 0),
      ready: task.status === "pending" && waiting.length === 0,
      waiting_on: waiting.map((d) => ({ id: d, title: st.byId.get(d)?.title ?? "(missing)" })),
      dependents: st.tasks.filter((t) => t.dependencies.includes(task.id)).map((t) => t.id),
    };
  },
});

export const listTasks = defineTool({
  name: "list_tasks",
  title: "List tasks",
  description:
    "Tasks of a goal (or of every goal), filtered by status, priority, tag, assignee or ready-only, a page at a time (pass next_cursor back).",
  input: z.object({
    goal_id: goalIdIn.optional().describe("Only tasks of this goal (default: every goal)."),
    status: z.array(taskStatusIn).max(5).optional().describe("Only tasks with one of these statuses."),
    priority: priorityIn.optional().describe("Only tasks with this priority."),
    tag: z.string().min(1).max(50).optional().describe("Only tasks with this tag."),
    assignee: z.string().min(1).max(200).optional().describe("Only tasks assigned to this person."),
    ready_only: z.boolean().default(false).describe("Only tasks that can start now."),
    cursor: cursorIn,
    limit: limitIn(500, 50, "Most tasks in this page."),
  }),
  output: z.object({
    tasks: z.array(taskOut),
    total: z.number().int().describe("Tasks matching the filters, over all pages."),
    next_cursor: z.string().nullable().describe("Cursor of the next page; null at the end."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    let rows: { task: Task; version: number }[];
    if (input.goal_id) {
      const st = await loadGoal(ctx.store, input.goal_id);
      rows = st.tasks.map((task) => ({ task, version: st.versions.get(task.id) ?? 0 }));
    } else {
      rows = (await loadAllTasks(ctx.store)).sort((a, b) => byTaskNumber(a.task, b.task));
    }
    let ready: Set<string> | undefined;
    if (input.ready_only) {
      const tasks = rows.map((r) => r.task);
      const g = buildGraph(tasks);
      const mask = readyMask(tasks, g);
      ready = new Set(tasks.filter((_, i) => mask[i]).map((t) => t.id));
    }
    const after = decodeCursor(input.cursor);
    const statuses = input.status ? new Set<TaskStatus>(input.status) : undefined;
    const matching = rows.filter(
      ({ task }) =>
        (!statuses || statuses.has(task.status)) &&
        (!input.priority || task.priority === input.priority) &&
        (!input.tag || task.tags.includes(input.tag)) &&
        (!input.assignee || task.assignee === input.assignee) &&
        (!ready || ready.has(task.id)),
    );
    const rest = matching.filter(({ task }) => taskNumber(task.id) > after);
    const page = rest.slice(0, input.limit);
    return {
      tasks: page.map(({ task, version }) => taskView(task, version, false)),
      total: matching.length,
      next_cursor:
        rest.length > page.length ? encodeCursor(taskNumber(page[page.length - 1]!.task.id)) : null,
    };
  },
});

const taskUpdateFields = {
  title: taskFields.title.optional(),
  description: taskFields.description.optional(),
  details: taskFields.details.optional(),
  test_strategy: taskFields.test_strategy.optional(),
  status: taskStatusIn.optional(),
  priority: taskFields.priority.optional(),
  estimate: taskFields.estimate.nullable().optional().describe("New estimate, or null to clear it."),
  tags: taskFields.tags.optional(),
  assignee: taskFields.assignee.nullable().optional().describe("New assignee, or null to clear it."),
  links: taskFields.links.optional(),
  expected_version: expectedVersionIn,
};
const taskUpdateIn = z.object({ task_id: taskIdIn, ...taskUpdateFields });
type TaskUpdate = z.infer<typeof taskUpdateIn>;

/** Applies one update to the transaction's working copy, enforcing the status rules. */
function applyUpdate(tx: GoalTx, st: GoalState, u: TaskUpdate, at: string): Task {
  const cur = requireTask(st, u.task_id);
  checkVersion(u.task_id, u.expected_version, st.versions.get(u.task_id));
  const next: Task = { ...cur, updated_at: at };
  if (u.title !== undefined) next.title = u.title;
  if (u.description !== undefined) next.description = u.description;
  if (u.details !== undefined) next.details = u.details;
  if (u.test_strategy !== undefined) next.test_strategy = u.test_strategy;
  if (u.priority !== undefined) next.priority = u.priority;
  if (u.estimate !== undefined) next.estimate = u.estimate ?? undefined;
  if (u.tags !== undefined) next.tags = u.tags;
  if (u.assignee !== undefined) next.assignee = u.assignee ?? undefined;
  if (u.links !== undefined) next.links = u.links;
  const to = u.status;
  if (to !== undefined && to !== cur.status) {
    if (!canTransition(cur.status, to)) {
      throw validationError(
        `${cur.id} cannot go from ${cur.status} to ${to}; from ${cur.status} it can go to ${TASK_TRANSITIONS[cur.status].join(", ")}`,
      );
    }
    if (NEEDS_DEPENDENCIES_DONE.has(to)) {
      const waiting = cur.dependencies
        .map((d) => ({ id: d, status: st.byId.get(d)?.status ?? "missing" }))
        .filter((d) => d.status !== "done");
      if (waiting.length > 0) {
        throw validationError(
          `${cur.id} cannot ${to === "done" ? "be done" : "start"}: it depends on ${waiting
            .map((w) => `${w.id} (${w.status})`)
            .join(", ")}, not done yet; finish those first or remove_dependency`,
          { waiting_on: waiting.map((w) => w.id) },
        );
      }
    }
    if (cur.status === "done") {
      const active = st.tasks.filter(
        (t) => (t.status === "in_progress" || t.status === "done") && t.dependencies.includes(cur.id),
      );
      if (active.length > 0) {
        throw validationError(
          `${cur.id} cannot be reopened while tasks that depend on it are started or done (${active
            .map((t) => `${t.id} ${t.status}`)
            .join(", ")}); move those back to pending first`,
        );
      }
      delete next.completed_at;
    }
    next.status = to;
    if (to === "in_progress") next.started_at ??= at;
    if (to === "done") next.completed_at = at;
  }
  tx.updateTask(next);
  return next;
}

export const updateTask = defineTool({
  name: "update_task",
  title: "Update a task",
  description:
    "Change a task's fields or status (pending, in_progress, blocked, done, cancelled). A task cannot start or be done while a dependency is not done; finishing one reports which tasks became ready. Pass expected_version to refuse the write if someone else changed the task.",
  input: taskUpdateIn,
  output: z.object({
    task: taskOut,
    previous_status: taskStatusIn,
    became_ready: becameReadyOut,
    goal: goalSummaryOut,
  }),
  annotations: LOCAL_UPDATE,
  async handler(input, ctx) {
    const goalId = await goalOfTask(ctx.store, input.task_id);
    const result = await transact(ctx.store, async (tx) => {
      const st = await tx.load(goalId);
      const before = readyIds(st.tasks);
      const previous = requireTask(st, input.task_id).status;
      const task = applyUpdate(tx, st, input, now());
      const ready = becameReady(st, before, new Set([task.id]));
      return () => ({
        task: taskView(task, tx.written.get(task.id) ?? 0),
        previous_status: previous,
        became_ready: ready,
        goal: goalSummary(st),
      });
    });
    return result();
  },
});

export const batchUpdateTasks = defineTool({
  name: "batch_update_tasks",
  title: "Update many tasks",
  description:
    "Apply several task updates in order, all or nothing: when one is refused (a rule or an expected_version), none is written. Later updates see earlier ones (finish A, then start B that depends on A).",
  input: z.object({
    updates: z
      .array(taskUpdateIn)
      .min(1)
      .max(MAX_BATCH)
      .describe("Updates, applied in order; each task at most once."),
  }),
  output: z.object({
    updated: z.array(
      z.object({
        id: z.string().describe("Task id."),
        status: taskStatusIn,
        version: z.number().int().describe("New version."),
      }),
    ),
    became_ready: becameReadyOut,
  }),
  annotations: LOCAL_UPDATE,
  async handler(input, ctx) {
    const seen = new Set<string>();
    for (const u of input.updates) {
      if (seen.has(u.task_id))
        throw validationError(`${u.task_id} appears twice; merge its updates into one`);
      seen.add(u.task_id);
    }
    const goalIds = await Promise.all(input.updates.map((u) => goalOfTask(ctx.store, u.task_id)));
    const result = await transact(ctx.store, async (tx) => {
      const before = new Map<string, Set<string>>();
      for (const g of new Set(goalIds)) before.set(g, readyIds((await tx.load(g)).tasks));
      const at = now();
      const updated = input.updates.map((u, i) => applyUpdate(tx, tx.state(goalIds[i]!), u, at));
      const ready = [...before].flatMap(([g, b]) => becameReady(tx.state(g), b, seen));
      return () => ({
        updated: updated.map((t) => ({ id: t.id, status: t.status, version: tx.written.get(t.id) ?? 0 })),
        became_ready: ready,
      });
    });
    return result();
  },
});
