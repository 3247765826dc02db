/**
 * Goals in Jira: one Jira issue per task of a goal, the dependencies as "Blocks" links, the issue URL in
 * the task's links, done or cancelled tasks moved to Done. The same contract as sync_goal_issues for
 * GitHub (goals/publish.ts): the goal is the source of truth for summaries, descriptions and labels; an
 * issue done in Jira while its task is open is drift, reported and left alone; re-runs never duplicate,
 * because issues are found by the goal's label and the marker line in their description.
 */
import { z } from "zod";
import { validationError } from "../../core/errors.js";
import { activeSprint, addToSprint, scrumBoard } from "../../jira/agile.js";
import {
  browseUrl,
  type JiraDeps,
  jiraRequest,
  plainText,
  richText,
  searchIssues,
} from "../../jira/client.js";
import { defineTool, REMOTE_UPDATE } from "../../mcp/tool.js";
import type { Task } from "./model.js";
import { checkGoalId } from "./model.js";
import {
  dependenciesFirst,
  markedTask,
  publicScrubber,
  publishInput,
  publishOutput,
  publishTasks,
  type Tracker,
  taskIssueText,
} from "./publish.js";
import { loadGoal } from "./repo.js";

type Obj = Record<string, unknown>;

interface JiraSeen {
  key: string;
  url: string;
  summary: string;
  description: string;
  done: boolean;
  status: string;
  labels: string[];
  /** Keys of the issues that block this one. */
  blockedBy: Set<string>;
}

/** Jira labels cannot hold spaces; this one names the goal. */
export const jiraGoalLabel = (goalId: string) => `repowright-${goalId}`;

function seen(i: Obj, site: string): JiraSeen {
  const f = (i["fields"] ?? {}) as Obj;
  const status = (f["status"] ?? {}) as Obj;
  const blockedBy = new Set<string>();
  for (const l of (f["issuelinks"] as Obj[] | undefined) ?? []) {
    const t = (l["type"] ?? {}) as Obj;
    const outward = l["outwardIssue"] as Obj | undefined;
    if (t["name"] === "Blocks" && outward) blockedBy.add(String(outward["key"]));
  }
  return {
    key: String(i["key"]),
    url: `${site}/browse/${String(i["key"])}`,
    summary: String(f["summary"] ?? ""),
    description: plainText(f["description"]).trimEnd(),
    done: ((status["statusCategory"] as Obj | undefined)?.["key"] as string | undefined) === "done",
    status: String(status["name"] ?? ""),
    labels: (f["labels"] as string[] | undefined) ?? [],
    blockedBy,
  };
}

const FIELDS = ["summary", "description", "status", "labels", "issuelinks"];

const syncOut = publishOutput(
  { project: z.string() },
  { key: z.string().describe("Jira issue key."), url: z.string().describe("Issue URL.") },
  "summary, description, labels, done, links.",
  "issue_status",
  "Issues done in Jira whose task is still open: settle with update_task or jira_transition_issue.",
).extend({
  sprint: z
    .object({
      id: z.number().int(),
      name: z.string(),
      added: z
        .array(z.string())
        .describe("Issues put into the sprint by this call (or that would be, with dry_run)."),
      already: z.number().int().describe("Open issues of the goal that were in the sprint already."),
    })
    .nullable()
    .describe("Where the goal's open issues went, when a sprint was asked for."),
});

export const syncGoalJira = defineTool({
  name: "sync_goal_jira",
  title: "Sync a goal's tasks to Jira issues",
  description:
    "Make one Jira issue per task of a goal (from the goals toolset) in a project, with links both ways: the issue's description names its task and goal, dependencies become 'Blocks' links, the task gets the issue URL in its links. Creates missing issues, updates changed summaries, descriptions and labels, moves issues of done or cancelled tasks to Done; never reopens an issue done in Jira (reported as drift). With `sprint` (an id, or \"active\" for the active sprint of `board` or of the project's only scrum board) the goal's open issues go into that sprint. Safe to run again.",
  input: z.object({
    project: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]+$/, "a project key like API")
      .describe("Jira project key."),
    goal_id: z.string().describe("Goal id (GOAL-0001)."),
    type: z.string().min(1).default("Task").describe("Issue type of new issues."),
    sprint: z
      .union([z.literal("active"), z.number().int().positive()])
      .optional()
      .describe(
        "Put the goal's open issues into this sprint: a sprint id, or \"active\" for the sprint running on `board` (or on the project's only scrum board). Issues of done or cancelled tasks stay out.",
      ),
    board: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Board whose active sprint `sprint: "active"` means.'),
    ...publishInput,
  }),
  output: syncOut,
  annotations: REMOTE_UPDATE,
  timeoutMs: 15 * 60_000,
  async handler(input, ctx) {
    const jc = ctx.clients.jira();
    const goalId = checkGoalId(input.goal_id);
    const scrub = publicScrubber(ctx.config);
    const st = await loadGoal(ctx.store, goalId);
    const label = jiraGoalLabel(goalId);

    // The goal's issues, by the marker line in their description.
    const found = new Map<string, JiraSeen>();
    let page: string | undefined;
    do {
      const res = await searchIssues(jc, {
        jql: `project = ${input.project} AND labels = "${label}" ORDER BY created ASC`,
        max: 100,
        page,
        fields: FIELDS,
      });
      for (const i of res.issues) {
        const s = seen(i, jc.site);
        const taskId = markedTask(s.description, goalId);
        if (taskId && !found.has(taskId)) found.set(taskId, s);
      }
      page = res.next ?? undefined;
    } while (page);

    // The sprint, found before anything is written: a wrong board or no active sprint changes nothing.
    const sprint = input.sprint === undefined ? undefined : await targetSprint(jc, input, ctx.signal);

    const keyOf = (taskId: string) => found.get(taskId)?.key;
    const textOf = (task: Task) =>
      scrub.redactString(
        taskIssueText(
          task,
          st.goal.data.title,
          keyOf,
          (m) => m,
          (h) => `${h}:`,
        ),
      );
    const summaryOf = (task: Task) => scrub.redactString(task.title).slice(0, 255);
    const blockersOf = (task: Task) =>
      task.dependencies.map(keyOf).filter((k): k is string => k !== undefined);
    const tracker: Tracker<JiraSeen> = {
      issues: found,
      ref: (i) => ({ key: i.key, url: i.url }),
      placeholder: { key: "", url: "" },
      url: (i) => i.url,
      isFinished: (i) => i.done,
      state: (i) => i.status,
      async create(task, finished, onCreated) {
        const description = textOf(task);
        const summary = summaryOf(task);
        const res = await jiraRequest(jc, {
          method: "POST",
          path: "/issue",
          body: {
            fields: {
              project: { key: input.project },
              summary,
              description: richText(jc, description),
              issuetype: { name: input.type },
              labels: [label],
            },
          },
        });
        const key = String(res["key"]);
        const made: JiraSeen = {
          key,
          url: browseUrl(jc, key),
          summary,
          description,
          done: false,
          status: "",
          labels: [label],
          blockedBy: new Set(),
        };
        onCreated(made);
        for (const b of blockersOf(task)) await blocks(jc, b, key);
        if (finished) await moveToDone(jc, key);
        return made;
      },
      diff(task, have, finished) {
        const description = textOf(task);
        const summary = summaryOf(task);
        const changed: string[] = [];
        const fields: Obj = {};
        if (have.summary !== summary) {
          changed.push("summary");
          fields["summary"] = summary;
        }
        if (have.description !== description.trimEnd()) {
          changed.push("description");
          fields["description"] = richText(jc, description);
        }
        if (!have.labels.includes(label)) {
          changed.push("labels");
          fields["labels"] = [...have.labels, label];
        }
        const missingLinks = blockersOf(task).filter((b) => !have.blockedBy.has(b));
        if (missingLinks.length > 0) changed.push("links");
        if (finished && !have.done) changed.push("done");
        return {
          changed,
          apply: async () => {
            if (Object.keys(fields).length > 0) {
              await jiraRequest(jc, { method: "PUT", path: `/issue/${have.key}`, body: { fields } });
            }
            for (const b of missingLinks) await blocks(jc, b, have.key);
            if (finished && !have.done) await moveToDone(jc, have.key);
          },
        };
      },
    };
    const report = await publishTasks(
      {
        store: ctx.store,
        goalId,
        order: dependenciesFirst(st),
        limit: input.limit,
        dryRun: input.dry_run,
        driftKey: "issue_status",
        progress: (done, total, task) =>
          ctx.progress({ progress: done, total, message: `${task.id}: ${task.title}` }),
      },
      tracker,
    );
    let placed: z.infer<typeof syncOut>["sprint"] = null;
    if (sprint) {
      const open = dependenciesFirst(st)
        .filter((t) => t.status !== "done" && t.status !== "cancelled")
        .map((t) => found.get(t.id))
        .filter((i): i is JiraSeen => i !== undefined && i.key !== "" && !i.done)
        .map((i) => i.key);
      const inSprint = new Set<string>();
      for (let k = 0; k < open.length; k += 100) {
        const res = await searchIssues(jc, {
          jql: `sprint = ${sprint.id} AND key in (${open.slice(k, k + 100).join(", ")})`,
          max: 100,
          fields: ["summary"],
        });
        for (const i of res.issues) inSprint.add(String(i["key"]));
      }
      const added = open.filter((key) => !inSprint.has(key));
      if (!input.dry_run && added.length > 0) await addToSprint(jc, sprint.id, added, ctx.signal);
      placed = { id: sprint.id, name: sprint.name, added, already: open.length - added.length };
    }
    return { goal_id: goalId, project: input.project, ...report, sprint: placed };
  },
});

/** The sprint `sprint` names: an id as it is, "active" as the active sprint of the board. */
async function targetSprint(
  jc: JiraDeps,
  input: { project: string; sprint?: number | "active"; board?: number },
  signal?: AbortSignal,
): Promise<{ id: number; name: string }> {
  if (typeof input.sprint === "number") {
    const s = await jiraRequest(jc, { api: "agile", path: `/sprint/${input.sprint}`, signal });
    if (s["state"] === "closed")
      throw validationError(`sprint ${input.sprint} is closed; issues cannot go into it`);
    return { id: input.sprint, name: String(s["name"]) };
  }
  const board = await scrumBoard(jc, { board: input.board, project: input.project }, signal);
  const s = await activeSprint(jc, board, signal);
  if (!s) throw validationError(`board ${board} has no active sprint; start one, or give a sprint id`);
  return { id: s.id, name: s.name };
}

/** `blocker` blocks `blocked`. */
async function blocks(jc: JiraDeps, blocker: string, blocked: string): Promise<void> {
  await jiraRequest(jc, {
    method: "POST",
    path: "/issueLink",
    body: { type: { name: "Blocks" }, outwardIssue: { key: blocker }, inwardIssue: { key: blocked } },
  });
}

/** Moves an issue to the workflow's done status (a transition into the done category, else one named Done). */
async function moveToDone(jc: JiraDeps, key: string): Promise<void> {
  const res = await jiraRequest<{
    transitions?: { id: string; name: string; to?: { name?: string; statusCategory?: { key?: string } } }[];
  }>(jc, { path: `/issue/${key}/transitions` });
  const options = res.transitions ?? [];
  const t =
    options.find((x) => x.to?.statusCategory?.key === "done") ??
    options.find((x) => /^(done|closed|resolved)$/i.test(x.to?.name ?? x.name));
  if (!t)
    throw validationError(
      `${key} has no transition to a done status (possible: ${options.map((x) => x.name).join(", ")})`,
    );
  await jiraRequest(jc, {
    method: "POST",
    path: `/issue/${key}/transitions`,
    body: { transition: { id: t.id } },
  });
}
