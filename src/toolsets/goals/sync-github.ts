/**
 * Goals on GitHub: one issue per task of a goal, with links both ways. The issue names its task and goal
 * (a hidden marker plus a visible footer) and its dependencies as `Depends on #N`; the task gets the
 * issue's URL in its links. The goal is the source of truth for titles, bodies and labels; a task that is
 * done or cancelled closes its issue. An issue closed on GitHub while its task is still open is not
 * reopened: it is reported as drift, for the caller to settle.
 *
 * Safe to run again at any time, including after a crash between creating an issue and saving its link:
 * every issue carries the label `goal:<id>`, and the issues with that label are read first, so a task
 * whose link was never saved finds its issue by the marker instead of getting a second one.
 */

import { z } from "zod";
import { validationError } from "../../core/errors.js";
import { withSignal } from "../../github/deps.js";
import { owner, repo } from "../../mcp/fragments.js";
import { defineTool, REMOTE_UPDATE } from "../../mcp/tool.js";
import type { Task } from "./model.js";
import { checkGoalId } from "./model.js";
import {
  dependenciesFirst,
  markedTask,
  marks,
  publicScrubber,
  publishInput,
  publishOutput,
  publishTasks,
  type Tracker,
  taskIssueText,
} from "./publish.js";
import { loadGoal } from "./repo.js";

type GithubRequest = ReturnType<typeof withSignal>["request"];

type Obj = Record<string, unknown>;

interface IssueSeen {
  number: number;
  url: string;
  title: string;
  body: string;
  state: "open" | "closed";
  labels: string[];
}

function seen(i: Obj): IssueSeen {
  return {
    number: i["number"] as number,
    url: i["html_url"] as string,
    title: i["title"] as string,
    body: (i["body"] as string | null) ?? "",
    state: i["state"] as "open" | "closed",
    labels: ((i["labels"] as (Obj | string)[] | undefined) ?? []).map((l) =>
      typeof l === "string" ? l : String(l["name"]),
    ),
  };
}

/** The issue numbers a task's links point at in this repository. */
function linkedNumbers(task: Task, owner: string, repo: string): number[] {
  const tail = new RegExp(`/${escapeRe(owner)}/${escapeRe(repo)}/issues/(\\d+)/?$`, "i");
  return task.links.flatMap((l) => {
    const m = tail.exec(l);
    return m ? [Number(m[1])] : [];
  });
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export const goalLabel = (goalId: string) => `goal:${goalId}`;

/** The issue body for a task: its text, its dependencies as `#N`, a footer and the marker (hidden). */
export function issueBody(task: Task, goalTitle: string, numberOf: (taskId: string) => number | undefined) {
  return taskIssueText(
    task,
    goalTitle,
    (d) => {
      const n = numberOf(d);
      return n === undefined ? undefined : `#${n}`;
    },
    (m) => `<!-- ${m} -->`,
    (h) => `### ${h}`,
  );
}

async function goalIssues(
  request: GithubRequest,
  o: string,
  r: string,
  goalId: string,
): Promise<Map<string, IssueSeen>> {
  const byTask = new Map<string, IssueSeen>();
  for (let page = 1; ; page++) {
    const res = await request("GET /repos/{owner}/{repo}/issues", {
      owner: o,
      repo: r,
      labels: goalLabel(goalId),
      state: "all",
      per_page: 100,
      page,
      request: { noCache: true },
    });
    const items = res.data as Obj[];
    for (const i of items) {
      if (i["pull_request"]) continue;
      const taskId = markedTask(String(i["body"] ?? ""), goalId);
      // The oldest issue of a task wins if a task somehow got two.
      if (taskId && !byTask.has(taskId)) byTask.set(taskId, seen(i));
    }
    if (items.length < 100) return byTask;
  }
}

const syncOut = publishOutput(
  { repository: z.string() },
  { number: z.number().int().describe("Issue number."), url: z.string().describe("Issue URL.") },
  "title, body, labels, closed.",
  "issue_state",
  "Issues closed on GitHub whose task is still open: settle with update_task or update_issue.",
);

export const syncGoalIssues = defineTool({
  name: "sync_goal_issues",
  title: "Sync a goal's tasks to GitHub issues",
  description:
    "Make one GitHub issue per task of a goal (from the goals toolset), with links both ways: the issue names its task, goal and dependencies (`Depends on #N`), the task gets the issue URL in its links. Creates missing issues, updates changed titles, bodies and labels, closes issues of done or cancelled tasks; never reopens an issue closed on GitHub (reported as drift). Safe to run again: issues are found by the goal:<id> label even if a link was lost.",
  input: z.object({
    owner,
    repo,
    goal_id: z.string().describe("Goal id (GOAL-0001)."),
    labels: z
      .array(z.string().min(1).max(50))
      .max(10)
      .default([])
      .describe("Extra labels for every issue (the goal:<id> label is always added)."),
    ...publishInput,
  }),
  output: syncOut,
  annotations: REMOTE_UPDATE,
  timeoutMs: 15 * 60_000,
  async handler(input, ctx) {
    const goalId = checkGoalId(input.goal_id);
    for (const l of input.labels) {
      if (l.includes(",")) throw validationError(`label ${JSON.stringify(l)} contains a comma`);
    }
    const { request } = withSignal(ctx.clients.github(), ctx.signal);
    const o = input.owner;
    const r = input.repo;
    const scrub = publicScrubber(ctx.config);
    const st = await loadGoal(ctx.store, goalId);
    const goalTitle = st.goal.data.title;
    const label = goalLabel(goalId);
    const wanted = [label, ...input.labels.filter((l) => l.toLowerCase() !== label.toLowerCase())];
    const found = await goalIssues(request, o, r, goalId);

    // A task's issue is the one whose body carries its marker: found under the goal's label, or (when
    // someone removed the label) among the issues the task links to. A linked issue without the marker is
    // somebody else's (a related bug, say) and is never rewritten.
    const issueOf = new Map<string, IssueSeen>();
    const numberOf = (taskId: string) => issueOf.get(taskId)?.number;
    for (const t of st.tasks) {
      const byMarker = found.get(t.id);
      if (byMarker) {
        issueOf.set(t.id, byMarker);
        continue;
      }
      for (const n of linkedNumbers(t, o, r)) {
        const res = await request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
          owner: o,
          repo: r,
          issue_number: n,
        });
        const issue = seen(res.data as Obj);
        if (marks(issue.body, t)) {
          issueOf.set(t.id, issue);
          break;
        }
      }
    }

    const closeReason = (task: Task) => (task.status === "done" ? "completed" : "not_planned");
    const tracker: Tracker<IssueSeen> = {
      issues: issueOf,
      ref: (i) => ({ number: i.number, url: i.url }),
      placeholder: { number: 0, url: "" },
      url: (i) => i.url,
      isFinished: (i) => i.state === "closed",
      state: (i) => i.state,
      async create(task, finished, onCreated) {
        const res = await request("POST /repos/{owner}/{repo}/issues", {
          owner: o,
          repo: r,
          title: scrub.redactString(task.title),
          body: scrub.redactString(issueBody(task, goalTitle, numberOf)),
          labels: wanted,
        });
        const issue = seen(res.data as Obj);
        onCreated(issue);
        if (!finished) return issue;
        const closed = await request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
          owner: o,
          repo: r,
          issue_number: issue.number,
          state: "closed",
          state_reason: closeReason(task),
        });
        return seen(closed.data as Obj);
      },
      diff(task, have, finished) {
        const title = scrub.redactString(task.title);
        const body = scrub.redactString(issueBody(task, goalTitle, numberOf));
        const changed: string[] = [];
        const patch: Obj = {};
        if (have.title !== title) {
          changed.push("title");
          patch["title"] = title;
        }
        if (have.body.replace(/\r\n/g, "\n") !== body) {
          changed.push("body");
          patch["body"] = body;
        }
        const haveLabels = new Set(have.labels.map((l) => l.toLowerCase()));
        if (wanted.some((l) => !haveLabels.has(l.toLowerCase()))) {
          changed.push("labels");
          // Labels someone added on GitHub stay.
          patch["labels"] = [...have.labels, ...wanted.filter((l) => !haveLabels.has(l.toLowerCase()))];
        }
        if (finished && have.state === "open") {
          changed.push("closed");
          patch["state"] = "closed";
          patch["state_reason"] = closeReason(task);
        }
        return {
          changed,
          apply: async () => {
            await request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
              owner: o,
              repo: r,
              issue_number: have.number,
              ...patch,
            });
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
        driftKey: "issue_state",
        progress: (done, total, task) =>
          ctx.progress({ progress: done, total, message: `${task.id}: ${task.title}` }),
      },
      tracker,
    );
    return { goal_id: goalId, repository: `${o}/${r}`, ...report };
  },
});
