/** Jira Software: boards, sprints (list, the active one, create, start or complete, add or move issues), backlog. */
import { z } from "zod";
import { validationError } from "../../core/errors.js";
import { activeSprint, addToSprint, boardsOf, scrumBoard, sprintsOf, sprintView } from "../../jira/agile.js";
import type { JiraDeps } from "../../jira/client.js";
import { limitIn } from "../../mcp/fragments.js";
import { REMOTE_READ, REMOTE_UPDATE, REMOTE_WRITE, type ToolContext } from "../../mcp/tool.js";
import {
  call,
  fieldNames,
  issueKeys,
  issueView,
  nextStart,
  type Obj,
  page,
  projectKey,
  ROW_FIELDS,
  startOf,
  tool,
  wantedFields,
} from "./common.js";

const boardId = z.number().int().positive().describe("Board id (jira_list_boards).");
const sprintId = z.number().int().positive().describe("Sprint id (jira_list_sprints).");
const dateTime = z.string().datetime({ offset: true });

export const jiraListBoards = tool({
  name: "jira_list_boards",
  title: "List Jira boards",
  description: "Jira Software boards (scrum or kanban), optionally of one project, type or name; paged.",
  input: z.object({
    project: projectKey.optional(),
    type: z.enum(["scrum", "kanban"]).optional().describe("Board type."),
    name: z.string().min(1).max(100).optional().describe("Part of the board name."),
    max_results: limitIn(50, 50, "Boards per page (1-50)."),
    page,
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const start = startOf(input.page);
    const res = await boardsOf(
      ctx.deps,
      { project: input.project, type: input.type, name: input.name, startAt: start, max: input.max_results },
      ctx.signal,
    );
    return { boards: res.boards, next_page: nextStart(start, res.boards.length, res.total, res.isLast) };
  },
});

export const jiraListSprints = tool({
  name: "jira_list_sprints",
  title: "List a board's sprints",
  description:
    "The sprints of a scrum board (by board id, or a project with one scrum board), optionally only future, active or closed ones.",
  input: z.object({
    board: boardId.optional(),
    project: projectKey.optional().describe("Project whose only scrum board to use, instead of board."),
    state: z
      .array(z.enum(["future", "active", "closed"]))
      .min(1)
      .optional()
      .describe("Only sprints in these states."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const board = await scrumBoard(ctx.deps, input, ctx.signal);
    return { board, sprints: await sprintsOf(ctx.deps, board, input.state, ctx.signal) };
  },
});

export const jiraGetActiveSprint = tool({
  name: "jira_get_active_sprint",
  title: "The active sprint of a board",
  description:
    "The sprint running now on a scrum board (by board id, or a project with one scrum board), with its issues; sprint null when none is active.",
  input: z.object({
    board: boardId.optional(),
    project: projectKey.optional().describe("Project whose only scrum board to use, instead of board."),
    max_results: limitIn(100, 50, "Issues to list (1-100)."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const board = await scrumBoard(ctx.deps, input, ctx.signal);
    const sprint = await activeSprint(ctx.deps, board, ctx.signal);
    if (!sprint) return { board, sprint: null, issues: [] };
    const res = await call<{ issues?: Obj[]; total?: number }>(ctx, {
      api: "agile",
      path: `/sprint/${sprint.id}/issue`,
      query: { maxResults: input.max_results, fields: ROW_FIELDS.join(",") },
    });
    return {
      board,
      sprint,
      issues: (res.issues ?? []).map((i) => issueView(ctx.deps, i)),
      total_issues: res.total ?? res.issues?.length ?? 0,
    };
  },
});

export const jiraCreateSprint = tool({
  name: "jira_create_sprint",
  title: "Create a sprint",
  description: "Create a future sprint on a scrum board; start it later with jira_update_sprint.",
  input: z.object({
    board: boardId,
    name: z.string().min(1).max(30).describe("Sprint name (up to 30 characters)."),
    goal: z.string().max(1000).optional().describe("Sprint goal."),
    start: dateTime.optional().describe("Planned start (ISO 8601)."),
    end: dateTime.optional().describe("Planned end (ISO 8601)."),
  }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const s = await call(ctx, {
      api: "agile",
      method: "POST",
      path: "/sprint",
      body: {
        name: input.name,
        originBoardId: input.board,
        ...(input.goal ? { goal: input.goal } : {}),
        ...(input.start ? { startDate: input.start } : {}),
        ...(input.end ? { endDate: input.end } : {}),
      },
    });
    return sprintView(s);
  },
});

export const jiraUpdateSprint = tool({
  name: "jira_update_sprint",
  title: "Change, start or complete a sprint",
  description:
    "Rename a sprint, change its goal or dates, start it (state active: it needs start and end dates, and the board no other active sprint) or complete it (state closed: unfinished issues go back to the backlog).",
  input: z.object({
    sprint: sprintId,
    name: z.string().min(1).max(30).optional().describe("New name."),
    goal: z.string().max(1000).optional().describe("New goal."),
    start: dateTime.optional().describe("Start (ISO 8601)."),
    end: dateTime.optional().describe("End (ISO 8601)."),
    state: z
      .enum(["active", "closed"])
      .optional()
      .describe("active starts a future sprint; closed completes an active one."),
  }),
  annotations: REMOTE_UPDATE,
  async handler(input, ctx) {
    const body: Obj = {};
    if (input.name !== undefined) body["name"] = input.name;
    if (input.goal !== undefined) body["goal"] = input.goal;
    if (input.start !== undefined) body["startDate"] = input.start;
    if (input.end !== undefined) body["endDate"] = input.end;
    if (input.state !== undefined) body["state"] = input.state;
    if (Object.keys(body).length === 0)
      throw validationError("nothing to change: give name, goal, start, end or state");
    // POST is Jira's partial update (PUT would replace the whole sprint).
    const s = await call(ctx, { api: "agile", method: "POST", path: `/sprint/${input.sprint}`, body });
    return sprintView(s);
  },
});

export const jiraAddIssuesToSprint = tool({
  name: "jira_add_issues_to_sprint",
  title: "Put issues into a sprint",
  description:
    "Move Jira issues into a sprint (future or active); an issue in another open sprint moves from it, so this also moves issues between sprints. Already there changes nothing.",
  input: z.object({ sprint: sprintId, issues: issueKeys }),
  annotations: REMOTE_UPDATE,
  async handler(input, ctx) {
    await addToSprint(ctx.deps, input.sprint, input.issues, ctx.signal);
    return { sprint: input.sprint, issues: input.issues };
  },
});

export const jiraMoveToBacklog = tool({
  name: "jira_move_to_backlog",
  title: "Move issues to the backlog",
  description: "Take Jira issues out of their open sprint, back to the backlog.",
  input: z.object({ issues: issueKeys }),
  annotations: REMOTE_UPDATE,
  async handler(input, ctx) {
    await call(ctx, { api: "agile", method: "POST", path: "/backlog/issue", body: { issues: input.issues } });
    return { backlog: input.issues };
  },
});

/** A startAt-paged list of issues from the agile API. */
async function agileIssues(
  ctx: ToolContext<JiraDeps>,
  path: string,
  input: { max_results: number; page?: string; fields?: string[] },
) {
  const extra = await wantedFields(ctx, input.fields);
  const start = startOf(input.page);
  const res = await call<{ issues?: Obj[]; total?: number }>(ctx, {
    api: "agile",
    path,
    query: {
      startAt: start,
      maxResults: input.max_results,
      fields: [...ROW_FIELDS, ...extra.map((e) => e.id)].join(","),
    },
  });
  const issues = res.issues ?? [];
  return {
    issues: issues.map((i) => issueView(ctx.deps, i, { extra })),
    total: res.total ?? issues.length,
    next_page: nextStart(start, issues.length, res.total),
  };
}

const listInput = {
  max_results: limitIn(100, 50, "Issues per page (1-100)."),
  page,
  fields: fieldNames,
};

export const jiraGetSprintIssues = tool({
  name: "jira_get_sprint_issues",
  title: "Issues of a sprint",
  description:
    "The issues of a sprint, compact rows, paged; `fields` adds fields by name (e.g. Story Points).",
  input: z.object({ sprint: sprintId, ...listInput }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    return { sprint: input.sprint, ...(await agileIssues(ctx, `/sprint/${input.sprint}/issue`, input)) };
  },
});

export const jiraGetBacklog = tool({
  name: "jira_get_backlog",
  title: "A board's backlog",
  description:
    "The backlog of a scrum board (by board id, or a project with one scrum board): open issues in no open sprint, compact rows, paged.",
  input: z.object({
    board: boardId.optional(),
    project: projectKey.optional().describe("Project whose only scrum board to use, instead of board."),
    ...listInput,
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const board = await scrumBoard(ctx.deps, input, ctx.signal);
    return { board, ...(await agileIssues(ctx, `/board/${board}/backlog`, input)) };
  },
});

export const agileTools = [
  jiraListBoards,
  jiraListSprints,
  jiraGetActiveSprint,
  jiraCreateSprint,
  jiraUpdateSprint,
  jiraAddIssuesToSprint,
  jiraMoveToBacklog,
  jiraGetSprintIssues,
  jiraGetBacklog,
];
