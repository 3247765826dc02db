/** Tools that read the graph: execution plan, next tasks, progress, export. */

import { z } from "zod";
import { limitIn } from "../../mcp/fragments.js";
import { defineTool, READ_ONLY } from "../../mcp/tool.js";
import { buildGraph, layer, longestPath, nextTasks, planPhases, readyMask } from "./graph.js";
import type { Goal, Task, TaskStatus } from "./model.js";
import { loadGoal } from "./repo.js";
import { progressOf } from "./shared.js";
import {
  goalIdIn,
  goalStatusIn,
  goalView,
  priorityIn,
  progressOut,
  progressView,
  taskRefOut,
  taskStatusIn,
  taskView,
} from "./views.js";

// ------------------------------------------------------------------------------------------- planning

export const generateExecutionPlan = defineTool({
  name: "generate_execution_plan",
  title: "Generate an execution plan",
  description:
    "Phases of the remaining work: every task of a phase can run in parallel once the earlier phases are done. With the critical path (longest chain, by estimate when tasks carry estimates, else by task count) and the tasks that cannot be scheduled and why.",
  input: z.object({
    goal_id: goalIdIn,
    include_done: z
      .boolean()
      .default(false)
      .describe("Plan every task that is not cancelled, done ones too."),
    ids_only: z.boolean().default(false).describe("List task ids only (smaller output for big goals)."),
  }),
  output: z.object({
    goal_id: z.string().describe("Goal."),
    phases: z.array(
      z.object({
        phase: z.number().int().describe("1 for the first phase."),
        tasks: z
          .array(
            z.union([
              z.string(),
              z.object({
                id: z.string().describe("Task id."),
                title: z.string().describe("Title."),
                priority: priorityIn,
                status: taskStatusIn,
                estimate: z.number().optional().describe("Estimate."),
              }),
            ]),
          )
          .describe("Tasks that can run in parallel."),
      }),
    ),
    task_count: z.number().int().describe("Tasks in the phases."),
    max_parallel: z.number().int().describe("Most tasks in one phase."),
    critical_path: z
      .object({
        path: z.array(z.string()).describe("The longest chain, first task first."),
        length: z.number().describe("Its length in `unit`."),
        unit: z.enum(["estimate", "tasks"]).describe("What length counts."),
      })
      .describe("The chain that decides when the goal can be finished."),
    unscheduled: z
      .array(
        z.object({
          id: z.string().describe("Task id."),
          reason: z
            .enum(["cycle", "missing_dependency", "cancelled_dependency", "waits_on_unscheduled"])
            .describe("Why it cannot be scheduled."),
        }),
      )
      .describe("Tasks left out of the phases."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const st = await loadGoal(ctx.store, input.goal_id);
    const plan = planPhases(st.tasks, { includeDone: input.include_done });
    const view = (id: string) => {
      if (input.ids_only) return id;
      const t = st.byId.get(id)!;
      const o: Record<string, unknown> = { id, title: t.title, priority: t.priority, status: t.status };
      if (t.estimate !== undefined) o["estimate"] = t.estimate;
      return o;
    };
    return {
      goal_id: input.goal_id,
      phases: plan.phases.map((p, i) => ({ phase: i + 1, tasks: p.map(view) })),
      task_count: plan.phases.reduce((n, p) => n + p.length, 0),
      max_parallel: plan.phases.reduce((n, p) => Math.max(n, p.length), 0),
      critical_path: plan.critical_path,
      unscheduled: plan.unscheduled,
    };
  },
});

export const getNextTasks = defineTool({
  name: "get_next_tasks",
  title: "What to do next",
  description:
    "Tasks that can start now, best first: by priority, then by how much remaining work waits on them (the longest chain behind them), then by how many tasks they make ready at once. Also lists what is in progress.",
  input: z.object({
    goal_id: goalIdIn,
    limit: limitIn(100, 5, "Most tasks to return."),
  }),
  output: z.object({
    goal_id: z.string().describe("Goal."),
    tasks: z.array(
      z.object({
        id: z.string().describe("Task id."),
        title: z.string().describe("Title."),
        priority: priorityIn,
        estimate: z.number().optional().describe("Estimate."),
        unblocks: z.number().int().describe("Tasks that become ready when this one is done."),
        downstream: z
          .number()
          .describe("Longest chain of remaining work waiting on it, itself included (in `unit`)."),
      }),
    ),
    ready_total: z.number().int().describe("All tasks that can start now."),
    unit: z.enum(["estimate", "tasks"]).describe("Unit of downstream."),
    in_progress: z.array(taskRefOut).describe("Tasks in progress."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const st = await loadGoal(ctx.store, input.goal_id);
    const next = nextTasks(st.tasks, input.limit);
    return {
      goal_id: input.goal_id,
      tasks: next.tasks.map((n) => {
        const t = st.byId.get(n.id)!;
        const o: Record<string, unknown> = { id: n.id, title: t.title, priority: t.priority };
        if (t.estimate !== undefined) o["estimate"] = t.estimate;
        return { ...o, unblocks: n.unblocks, downstream: n.downstream };
      }),
      ready_total: next.ready_total,
      unit: next.unit,
      in_progress: st.tasks
        .filter((t) => t.status === "in_progress")
        .map((t) => ({ id: t.id, title: t.title })),
    };
  },
});

export const goalProgress = defineTool({
  name: "goal_progress",
  title: "Goal progress",
  description:
    "How far a goal is: tasks per status, percent done, estimates done, what is ready, in progress or blocked, and the remaining critical path.",
  input: z.object({ goal_id: goalIdIn }),
  output: progressOut.extend({
    goal_id: z.string().describe("Goal."),
    title: z.string().describe("Goal title."),
    status: goalStatusIn,
    all_done: z.boolean().describe("Every task done or cancelled."),
    ready: z.array(z.string()).describe("Tasks that can start now."),
    in_progress: z.array(z.string()).describe("Tasks in progress."),
    blocked: z.array(z.string()).describe("Tasks marked blocked."),
    remaining_critical_path: z
      .object({
        path: z.array(z.string()).describe("Longest chain of remaining work."),
        length: z.number().describe("Its length in `unit`."),
        unit: z.enum(["estimate", "tasks"]).describe("What length counts."),
      })
      .describe("What still decides the finish."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const { state: st, stats } = await progressOf(ctx.store, input.goal_id);
    const graph = buildGraph(st.tasks);
    const lay = layer(st.tasks, graph);
    const mask = readyMask(st.tasks, graph);
    return {
      goal_id: st.goal.id,
      title: st.goal.data.title,
      status: st.goal.data.status,
      ...progressView(stats),
      all_done: stats.total === stats.counts.done + stats.counts.cancelled,
      ready: st.tasks.filter((_, i) => mask[i]).map((t) => t.id),
      in_progress: st.tasks.filter((t) => t.status === "in_progress").map((t) => t.id),
      blocked: st.tasks.filter((t) => t.status === "blocked").map((t) => t.id),
      remaining_critical_path: longestPath(st.tasks, graph, lay),
    };
  },
});

// --------------------------------------------------------------------------------------------- export

const STATUS_CLASS: Record<TaskStatus, string> = {
  pending: "fill:#eeeeee,stroke:#999999",
  in_progress: "fill:#cce5ff,stroke:#3178c6",
  blocked: "fill:#ffe0b2,stroke:#e65100",
  done: "fill:#c8e6c9,stroke:#2e7d32",
  cancelled: "fill:#f5f5f5,stroke:#bbbbbb,stroke-dasharray:4",
};

/** Mermaid flowchart: an arrow from each dependency to the task that waits on it; nodes styled by status. */
export function toMermaid(goal: Goal, tasks: readonly Task[]): string {
  const label = (s: string) =>
    s.replace(/"/g, "#quot;").replace(/[<>]/g, (c) => (c === "<" ? "#lt;" : "#gt;"));
  const node = (id: string) => id.replace("-", "_");
  const lines = ["flowchart TD", `  %% ${label(goal.id)}: ${label(goal.title)}`];
  for (const t of tasks)
    lines.push(`  ${node(t.id)}["${t.id}: ${label(t.title)}<br/>${t.status}"]:::${t.status}`);
  const known = new Set(tasks.map((t) => t.id));
  for (const t of tasks) {
    for (const d of t.dependencies) if (known.has(d)) lines.push(`  ${node(d)} --> ${node(t.id)}`);
  }
  for (const [status, style] of Object.entries(STATUS_CLASS)) lines.push(`  classDef ${status} ${style}`);
  return lines.join("\n");
}

export const exportGoal = defineTool({
  name: "export_goal",
  title: "Export a goal",
  description:
    "Export a goal with its tasks as a Mermaid flowchart (arrows from each dependency to the task waiting on it) or as JSON.",
  input: z.object({
    goal_id: goalIdIn,
    format: z.enum(["mermaid", "json"]).default("mermaid").describe("mermaid or json."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const st = await loadGoal(ctx.store, input.goal_id);
    if (input.format === "mermaid") {
      return { goal_id: st.goal.id, format: "mermaid", mermaid: toMermaid(st.goal.data, st.tasks) };
    }
    return {
      goal_id: st.goal.id,
      format: "json",
      goal: goalView(st.goal.data, st.goal.version),
      tasks: st.tasks.map((t) => taskView(t, st.versions.get(t.id) ?? 0)),
    };
  },
});
