/**
 * What publishing a goal's tasks to an issue tracker (GitHub: github/goal-sync.ts, Jira:
 * jira/goal-sync.ts) has in common: the order (dependencies first), the text of a task's issue with the
 * marker that ties it back to the task, the scrubbing of secrets from what goes public, and saving the
 * issue URLs into the tasks' links.
 */
import type { Config } from "../../core/config.js";
import { Redactor } from "../../core/redact.js";
import type { Store } from "../../store/types.js";
import { buildGraph, layer } from "./graph.js";
import type { Task } from "./model.js";
import { type GoalState, transact } from "./repo.js";

/** Found in an issue's text (as an HTML comment on GitHub, a footer line on Jira): which task it is. */
export const TASK_MARKER = /repowright:task=(TASK-\d+)\s+goal=(GOAL-\d+)/;
export const markerOf = (task: Task) => `repowright:task=${task.id} goal=${task.goal_id}`;
const MAX_LINKS = 20;

/** Whether an issue's text carries the marker of this task. */
export function marks(text: string, task: Task): boolean {
  const m = TASK_MARKER.exec(text);
  return m !== null && m[1] === task.id && m[2] === task.goal_id;
}

/** The task a marked text belongs to, within one goal. */
export function markedTask(text: string, goalId: string): string | undefined {
  const m = TASK_MARKER.exec(text);
  return m && m[2] === goalId ? m[1] : undefined;
}

/** Every task of the goal, dependencies before dependents; tasks the plan cannot place come last. */
export function dependenciesFirst(st: GoalState): Task[] {
  const graph = buildGraph(st.tasks);
  const lay = layer(st.tasks, graph, true);
  const order = lay.order.map((i) => st.tasks[i]!);
  const placed = new Set(order.map((t) => t.id));
  for (const t of st.tasks) if (!placed.has(t.id)) order.push(t);
  return order;
}

/**
 * The text of a task's issue: description, details, test strategy, its dependencies (named by `refOf`,
 * the issue reference when there is one), and a footer naming task and goal. `marker` wraps the marker.
 */
export function taskIssueText(
  task: Task,
  goalTitle: string,
  refOf: (taskId: string) => string | undefined,
  marker: (m: string) => string,
  heading: (title: string) => string,
): string {
  const parts: string[] = [];
  if (task.description) parts.push(task.description);
  if (task.details) parts.push(`${heading("Details")}\n\n${task.details}`);
  if (task.test_strategy) parts.push(`${heading("Test strategy")}\n\n${task.test_strategy}`);
  if (task.dependencies.length > 0) {
    const refs = task.dependencies.map((d) => {
      const r = refOf(d);
      return r === undefined ? d : `${r} (${d})`;
    });
    parts.push(`Depends on ${refs.join(", ")}.`);
  }
  const facts = [`priority ${task.priority}`];
  if (task.estimate !== undefined) facts.push(`estimate ${task.estimate}`);
  if (task.assignee) facts.push(`assignee ${task.assignee}`);
  parts.push(
    `---\nTask ${task.id} of goal ${task.goal_id} (${goalTitle}) · ${facts.join(" · ")}\n${marker(markerOf(task))}`,
  );
  return parts.join("\n\n");
}

/** Task text goes public: token-shaped strings and the configured credentials never do. */
export function publicScrubber(config: Readonly<Config>): Redactor {
  const scrub = new Redactor();
  scrub.addSecret(config.github.token);
  scrub.addSecret(config.github.appPrivateKey);
  scrub.addSecret(config.jira.apiToken);
  return scrub;
}

/**
 * Adds each issue URL to its task's links, in one transaction re-checked against fresh reads (a task
 * already linking it is left alone; one with the maximum of links is reported, not changed).
 */
export async function saveTaskLinks(
  store: Store,
  goalId: string,
  toLink: readonly { task: Task; url: string }[],
): Promise<{ linked: string[]; full: { task_id: string; reason: string }[] }> {
  if (toLink.length === 0) return { linked: [], full: [] };
  return transact(store, async (tx) => {
    const fresh = await tx.load(goalId);
    const linked: string[] = [];
    const full: { task_id: string; reason: string }[] = [];
    for (const { task, url } of toLink) {
      const cur = fresh.byId.get(task.id);
      if (!cur || cur.links.includes(url)) continue;
      if (cur.links.length >= MAX_LINKS) {
        full.push({ task_id: task.id, reason: `has ${MAX_LINKS} links already; ${url} not added` });
        continue;
      }
      tx.updateTask({ ...cur, links: [...cur.links, url], updated_at: new Date().toISOString() });
      linked.push(task.id);
    }
    return { linked, full };
  });
}
