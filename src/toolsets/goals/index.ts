/**
 * The goals toolset: goals broken into tasks with dependencies, execution plans (phases of parallel work,
 * critical path), what to do next, progress and export — persisted in the store (SQLite or Redis) with
 * optimistic concurrency, so restarts lose nothing and concurrent clients never overwrite each other.
 */
import { defineToolset, type Prompt, type Tool } from "../../mcp/tool.js";
import { addDependency, removeDependency, validateDependenciesTool } from "./dependency-tools.js";
import { createGoal, deleteGoal, getGoal, listGoalsTool, updateGoal } from "./goal-tools.js";
import { exportGoal, generateExecutionPlan, getNextTasks, goalProgress } from "./plan-tools.js";
import { syncGoalIssues } from "./sync-github.js";
import { syncGoalJira } from "./sync-jira.js";
import { batchUpdateTasks, createTasks, getTask, listTasks, updateTask } from "./task-tools.js";

export const goalsTools: Tool[] = [
  createGoal,
  getGoal,
  listGoalsTool,
  updateGoal,
  deleteGoal,
  createTasks,
  getTask,
  listTasks,
  updateTask,
  batchUpdateTasks,
  addDependency,
  removeDependency,
  validateDependenciesTool,
  generateExecutionPlan,
  getNextTasks,
  goalProgress,
  exportGoal,
  // Publishing to issue trackers: served with the goals (they need GitHub or Jira credentials when called).
  syncGoalIssues,
  syncGoalJira,
] as Tool[];

/** A prompt that walks the model through planning a goal with these tools. */
export const planGoalPrompt: Prompt = {
  name: "plan_goal",
  title: "Plan a goal",
  description: "Break a goal into dependent tasks, get the execution plan and say what to start first.",
  arguments: [
    {
      name: "goal",
      description: "What should be achieved, e.g. 'add rate limiting to our API'.",
      required: true,
    },
    { name: "context", description: "Constraints, repository, team, deadline (optional)." },
  ],
  async get(args) {
    const goal = args["goal"] ?? "";
    const context = args["context"] ? `\n\nContext: ${args["context"]}` : "";
    return {
      description: `Plan: ${goal}`,
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text: [
              `Plan this goal: ${goal}${context}`,
              "",
              "1. create_goal with a short title and a description that states when it is done.",
              "2. create_tasks in ONE call: 4-12 tasks, each small enough for one person in a day or two, with a",
              "   `ref`, a priority, an estimate (hours) and `depends_on` naming the refs it really needs first.",
              "   Do not chain tasks that can run in parallel.",
              "3. generate_execution_plan and show the phases (what runs in parallel) and the critical path.",
              "4. get_next_tasks and say what to start now and why.",
            ].join("\n"),
          },
        },
      ],
    };
  },
};

export const goalsToolset = defineToolset({
  name: "goals",
  description:
    "Goals broken into tasks with dependencies: execution plans, critical path, what to do next, progress, export; durable and safe under concurrent clients.",
  tools: goalsTools,
  prompts: [planGoalPrompt],
});
