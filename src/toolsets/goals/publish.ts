/**
 * What publishing a goal's tasks to an issue tracker (GitHub: sync-github.ts, Jira: sync-jira.ts) has in
 * common: the order (dependencies first), the text of a task's issue with the
 * marker that ties it back to the task, the scrubbing of secrets from what goes public, and saving the
 * issue URLs into the tasks' links.
 */
import { z } from "zod";
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
  scrub.addSecret(config.jira.personalToken);
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

/** One tracker's side of publishing: how its issues are made, compared, changed and named. */
export interface Tracker<S> {
  /** The issue of each task, found before the run and filled in as issues are created. */
  issues: Map<string, S>;
  /** How an issue is named in a report entry (`{ number, url }`, `{ key, url }`). */
  ref(issue: S): Record<string, unknown>;
  /** The same fields for an issue a dry run would create. */
  placeholder: Record<string, unknown>;
  url(issue: S): string;
  /** Whether the issue is finished in the tracker (closed, done), and the name of its state. */
  isFinished(issue: S): boolean;
  state(issue: S): string;
  /** Creates the task's issue; `onCreated` is called as soon as it exists (before finishing it). */
  create(task: Task, finished: boolean, onCreated: (issue: S) => void): Promise<S>;
  /** What differs between the task and its issue (names of the changes), and how to apply it. */
  diff(task: Task, issue: S, finished: boolean): { changed: string[]; apply(): Promise<void> };
}

export interface PublishReport {
  created: Record<string, unknown>[];
  updated: Record<string, unknown>[];
  unchanged: number;
  linked: string[];
  drift: Record<string, unknown>[];
  skipped: { task_id: string; reason: string }[];
  remaining: number;
}

/**
 * The publishing run both trackers share: tasks in dependency order, a cancelled task never published is
 * skipped, at most `limit` writes, a task finished here finishes its issue, an issue finished there for an
 * open task is drift (reported, never undone), then the issue URLs go into the tasks' links, even when the
 * tracker failed half-way (the failure is rethrown after).
 */
export async function publishTasks<S>(
  options: {
    store: Store;
    goalId: string;
    order: readonly Task[];
    limit: number;
    dryRun: boolean;
    driftKey: string;
    progress(done: number, total: number, task: Task): Promise<void>;
  },
  tracker: Tracker<S>,
): Promise<PublishReport> {
  const out: PublishReport = {
    created: [],
    updated: [],
    unchanged: 0,
    linked: [],
    drift: [],
    skipped: [],
    remaining: 0,
  };
  const toLink: { task: Task; url: string }[] = [];
  const { order } = options;
  let writes = 0;
  let done = 0;
  let failure: unknown;
  try {
    for (const task of order) {
      done++;
      const finished = task.status === "done" || task.status === "cancelled";
      const have = tracker.issues.get(task.id);
      if (!have && task.status === "cancelled") {
        out.skipped.push({ task_id: task.id, reason: "cancelled and never published" });
        continue;
      }
      if (writes >= options.limit) {
        out.remaining = order.length - done + 1;
        break;
      }
      if (!have) {
        writes++;
        if (options.dryRun) {
          out.created.push({ task_id: task.id, ...tracker.placeholder });
          continue;
        }
        const issue = await tracker.create(task, finished, (made) => {
          tracker.issues.set(task.id, made);
          toLink.push({ task, url: tracker.url(made) });
        });
        tracker.issues.set(task.id, issue);
        out.created.push({ task_id: task.id, ...tracker.ref(issue) });
      } else {
        const { changed, apply } = tracker.diff(task, have, finished);
        if (!finished && tracker.isFinished(have)) {
          out.drift.push({
            task_id: task.id,
            ...tracker.ref(have),
            task_status: task.status,
            [options.driftKey]: tracker.state(have),
          });
        }
        if (changed.length === 0) out.unchanged++;
        else {
          writes++;
          if (!options.dryRun) await apply();
          out.updated.push({ task_id: task.id, ...tracker.ref(have), changed });
        }
        if (!task.links.includes(tracker.url(have))) toLink.push({ task, url: tracker.url(have) });
      }
      await options.progress(done, order.length, task);
    }
  } catch (err) {
    failure = err;
  }
  if (options.dryRun) out.linked.push(...toLink.map((l) => l.task.id));
  else {
    const { linked, full } = await saveTaskLinks(options.store, options.goalId, toLink);
    out.linked.push(...linked);
    out.skipped.push(...full);
  }
  if (failure !== undefined) throw failure;
  return out;
}

/** Input fields every publishing tool takes. */
export const publishInput = {
  limit: z
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .describe("At most this many issue writes in this call; run again for the rest."),
  dry_run: z.boolean().default(false).describe("Report what would change, write nothing."),
};

/**
 * The output of a publishing tool: where it published (`place`), and the PublishReport, its entries naming
 * issues with the tracker's `entry` fields (plus task_id) and drift under `driftKey`.
 */
export function publishOutput(
  place: Record<string, z.ZodTypeAny>,
  entry: z.ZodRawShape,
  changes: string,
  driftKey: string,
  driftHint: string,
) {
  const item = z.object({ task_id: z.string().describe("Task."), ...entry });
  return z.object({
    goal_id: z.string(),
    ...place,
    created: z.array(item).describe("Issues created for tasks that had none."),
    updated: z
      .array(item.extend({ changed: z.array(z.string()).describe(changes) }))
      .describe("Issues brought in line with their task."),
    unchanged: z.number().int().describe("Issues already matching their task."),
    linked: z.array(z.string()).describe("Tasks whose links now include their issue URL."),
    drift: z.array(item.extend({ task_status: z.string(), [driftKey]: z.string() })).describe(driftHint),
    skipped: z
      .array(z.object({ task_id: z.string(), reason: z.string() }))
      .describe("Tasks left alone, with why."),
    remaining: z.number().int().describe("Tasks not looked at because the write limit was reached."),
  });
}
