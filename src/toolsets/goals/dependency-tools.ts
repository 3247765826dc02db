/** Tools over dependencies: add (refusing cycles), remove, validate. */
import { z } from "zod";
import { validationError } from "../../core/errors.js";
import { defineTool, LOCAL_UPDATE, READ_ONLY } from "../../mcp/tool.js";
import { findCycle, readyIds, validateDependencies } from "./graph.js";
import type { Task } from "./model.js";
import { checkVersion, goalOfTask, loadGoal, requireTask, transact } from "./repo.js";
import { becameReady, becameReadyOut, cycleError, now } from "./shared.js";
import { expectedVersionIn, goalIdIn, taskIdIn } from "./views.js";

// --------------------------------------------------------------------------------------- dependencies

const depOut = z.object({
  task_id: z.string().describe("The task."),
  dependencies: z.array(z.string()).describe("Its dependencies now."),
  changed: z.boolean().describe("False when there was nothing to do."),
  version: z.number().int().describe("Its version now."),
});

export const addDependency = defineTool({
  name: "add_dependency",
  title: "Add a dependency",
  description:
    "Make task_id wait for depends_on (same goal). Refused with the cycle's path when it would create a cycle; nothing is written then.",
  input: z.object({
    task_id: taskIdIn,
    depends_on: taskIdIn.describe("The task that must be done first."),
    expected_version: expectedVersionIn,
  }),
  output: depOut,
  annotations: LOCAL_UPDATE,
  async handler(input, ctx) {
    if (input.task_id === input.depends_on)
      throw cycleError([input.task_id, input.task_id], "this dependency");
    const [goalId, depGoal] = await Promise.all([
      goalOfTask(ctx.store, input.task_id),
      goalOfTask(ctx.store, input.depends_on),
    ]);
    if (goalId !== depGoal) {
      throw validationError(
        `${input.task_id} is in ${goalId} and ${input.depends_on} in ${depGoal}; dependencies link tasks of the same goal`,
      );
    }
    const result = await transact(ctx.store, async (tx) => {
      const st = await tx.load(goalId);
      const task = requireTask(st, input.task_id);
      const dep = requireTask(st, input.depends_on);
      checkVersion(task.id, input.expected_version, st.versions.get(task.id));
      if (task.dependencies.includes(dep.id)) {
        return () => ({
          task_id: task.id,
          dependencies: task.dependencies,
          changed: false,
          version: st.versions.get(task.id) ?? 0,
        });
      }
      if ((task.status === "in_progress" || task.status === "done") && dep.status !== "done") {
        throw validationError(
          `${task.id} is already ${task.status} and ${dep.id} is ${dep.status}; a started task cannot wait for an unfinished one (move ${task.id} back to pending first)`,
        );
      }
      const next: Task = { ...task, dependencies: [...task.dependencies, dep.id], updated_at: now() };
      const cycle = findCycle(st.tasks.map((t) => (t.id === task.id ? next : t)));
      if (cycle) throw cycleError(rotate(cycle, task.id), `${task.id} depending on ${dep.id}`);
      tx.updateTask(next);
      return () => ({
        task_id: task.id,
        dependencies: next.dependencies,
        changed: true,
        version: tx.written.get(task.id) ?? 0,
      });
    });
    return result();
  },
});

/** Starts a cycle [a, b, ..., a] at `id` when it is on it. */
function rotate(cycle: string[], id: string): string[] {
  const ring = cycle.slice(0, -1);
  const i = ring.indexOf(id);
  if (i <= 0) return cycle;
  const r = [...ring.slice(i), ...ring.slice(0, i)];
  return [...r, r[0]!];
}

export const removeDependency = defineTool({
  name: "remove_dependency",
  title: "Remove a dependency",
  description: "Stop task_id waiting for depends_on; reports the tasks that became ready.",
  input: z.object({
    task_id: taskIdIn,
    depends_on: taskIdIn.describe("The dependency to remove."),
    expected_version: expectedVersionIn,
  }),
  output: depOut.extend({ became_ready: becameReadyOut }),
  annotations: LOCAL_UPDATE,
  async handler(input, ctx) {
    const goalId = await goalOfTask(ctx.store, input.task_id);
    const result = await transact(ctx.store, async (tx) => {
      const st = await tx.load(goalId);
      const task = requireTask(st, input.task_id);
      checkVersion(task.id, input.expected_version, st.versions.get(task.id));
      if (!task.dependencies.includes(input.depends_on)) {
        return () => ({
          task_id: task.id,
          dependencies: task.dependencies,
          changed: false,
          version: st.versions.get(task.id) ?? 0,
          became_ready: [],
        });
      }
      const before = readyIds(st.tasks);
      const next: Task = {
        ...task,
        dependencies: task.dependencies.filter((d) => d !== input.depends_on),
        updated_at: now(),
      };
      tx.updateTask(next);
      const ready = becameReady(st, before, new Set());
      return () => ({
        task_id: task.id,
        dependencies: next.dependencies,
        changed: true,
        version: tx.written.get(task.id) ?? 0,
        became_ready: ready,
      });
    });
    return result();
  },
});

export const validateDependenciesTool = defineTool({
  name: "validate_dependencies",
  title: "Validate dependencies",
  description:
    "Check a goal's dependency graph: dependencies on missing tasks, tasks depending on themselves, and cycles (one path per group of tasks that wait on each other; A -> B means A depends on B).",
  input: z.object({ goal_id: goalIdIn }),
  output: z.object({
    goal_id: z.string().describe("Goal."),
    valid: z.boolean().describe("True when no problem was found."),
    tasks: z.number().int().describe("Tasks checked."),
    dependencies: z.number().int().describe("Dependencies checked."),
    missing: z
      .array(
        z.object({
          task: z.string().describe("Task naming the dependency."),
          dependency: z.string().describe("The id that does not exist."),
        }),
      )
      .describe("Dependencies on tasks that do not exist."),
    self: z.array(z.string()).describe("Tasks that depend on themselves."),
    cycles: z.array(z.array(z.string())).describe("Cycles as paths [A, B, ..., A]."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const st = await loadGoal(ctx.store, input.goal_id);
    return { goal_id: input.goal_id, ...validateDependencies(st.tasks) };
  },
});
