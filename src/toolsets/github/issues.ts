/** Issues: list, get (with comments), search, create, update, comments, labels. */
import { z } from "zod";
import type { GithubDeps } from "../../github/client.js";
import { REMOTE_OVERWRITE, REMOTE_READ, REMOTE_UPDATE, REMOTE_WRITE, type Tool } from "../../mcp/tool.js";
import { commentView, gh, ghTool, issueView, nextPage, owner, page, perPage, repo } from "./common.js";

type Obj = Record<string, unknown>;

const bodyMax = z
  .number()
  .int()
  .min(0)
  .max(1_000_000)
  .default(4000)
  .describe("Longest body (characters) returned; longer ones are truncated with a note. 0 = no limit.");

export const listIssues = ghTool({
  name: "list_issues",
  title: "List issues",
  description:
    "List a repository's issues (pull requests excluded), newest first, with labels, assignees and counts. Bodies are left out: use get_issue for one issue's text and comments.",
  input: z.object({
    owner,
    repo,
    state: z.enum(["open", "closed", "all"]).default("open").describe("Issue state filter."),
    labels: z.array(z.string()).optional().describe("Only issues that have all of these labels."),
    assignee: z.string().optional().describe("Login, 'none' for unassigned, or '*' for any assignee."),
    since: z.string().optional().describe("Only issues updated at or after this ISO 8601 time."),
    sort: z.enum(["created", "updated", "comments"]).default("created").describe("Sort field."),
    direction: z.enum(["asc", "desc"]).default("desc").describe("Sort direction."),
    page,
    per_page: perPage(30),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await gh(ctx).request("GET /repos/{owner}/{repo}/issues", {
      owner: input.owner,
      repo: input.repo,
      state: input.state,
      labels: input.labels?.join(","),
      assignee: input.assignee,
      since: input.since,
      sort: input.sort,
      direction: input.direction,
      page: input.page,
      per_page: input.per_page,
    });
    const items = (res.data as Obj[]).filter((i) => !i["pull_request"]);
    const skipped = res.data.length - items.length;
    return {
      issues: items.map((i) => {
        const { body: _b, ...rest } = issueView(i, 0, "");
        return rest;
      }),
      page: input.page,
      next_page: nextPage(res.headers.link),
      ...(skipped > 0
        ? { note: `${skipped} pull request(s) on this page left out; use list_pull_requests` }
        : {}),
    };
  },
});

export const getIssue = ghTool({
  name: "get_issue",
  title: "Get an issue",
  description:
    "Get one issue with its body and a page of its comments (oldest first). Long bodies are truncated with a note; page through comments with comments_page.",
  input: z.object({
    owner,
    repo,
    issue_number: z.number().int().min(1).describe("Issue number."),
    include_comments: z.boolean().default(true).describe("Also return a page of comments."),
    comments_page: page.describe("Page of comments (1-based)."),
    comments_per_page: perPage(30).describe("Comments per page (1-100, default 30)."),
    body_max_chars: bodyMax,
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const { request } = gh(ctx);
    const ref = { owner: input.owner, repo: input.repo };
    const n = input.issue_number;
    const max = input.body_max_chars;
    const hint = `call get_issue with body_max_chars=0 for the full text`;
    const issue = (
      await request("GET /repos/{owner}/{repo}/issues/{issue_number}", { ...ref, issue_number: n })
    ).data as Obj;
    const out: Obj = { ...issueView(issue, max, hint) };
    if (input.include_comments && Number(issue["comments"] ?? 0) > 0) {
      const res = await request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        ...ref,
        issue_number: n,
        page: input.comments_page,
        per_page: input.comments_per_page,
      });
      out["comment_list"] = (res.data as Obj[]).map((c) => commentView(c, max, hint));
      out["comments_next_page"] = nextPage(res.headers.link);
    }
    return out;
  },
});

export const listIssueComments = ghTool({
  name: "list_issue_comments",
  title: "List issue comments",
  description: "List the comments of an issue or pull request, oldest first, a page at a time.",
  input: z.object({
    owner,
    repo,
    issue_number: z.number().int().min(1).describe("Issue or pull request number."),
    since: z.string().optional().describe("Only comments updated at or after this ISO 8601 time."),
    page,
    per_page: perPage(30),
    body_max_chars: bodyMax,
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await gh(ctx).request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: input.owner,
      repo: input.repo,
      issue_number: input.issue_number,
      since: input.since,
      page: input.page,
      per_page: input.per_page,
    });
    const hint = "call list_issue_comments with body_max_chars=0 for the full text";
    return {
      comments: (res.data as Obj[]).map((c) => commentView(c, input.body_max_chars, hint)),
      page: input.page,
      next_page: nextPage(res.headers.link),
    };
  },
});

export const searchIssues = ghTool({
  name: "search_issues",
  title: "Search issues and pull requests",
  description:
    "Search issues and pull requests with GitHub's search syntax (e.g. `crash label:bug state:open author:me`). owner/repo add a repo: qualifier; type adds is:issue or is:pr.",
  input: z.object({
    query: z
      .string()
      .min(1)
      .max(256)
      .describe("Search text and qualifiers (label:, state:, author:, assignee:, is:, no:)."),
    owner: owner.optional(),
    repo: repo.optional(),
    type: z
      .enum(["issue", "pr", "any"])
      .default("issue")
      .describe("Restrict to issues, pull requests, or both."),
    sort: z.enum(["comments", "created", "updated"]).optional().describe("Sort field (default: best match)."),
    order: z.enum(["asc", "desc"]).default("desc").describe("Sort order."),
    page,
    per_page: perPage(30),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const parts = [input.query];
    if (input.owner && input.repo) parts.push(`repo:${input.owner}/${input.repo}`);
    else if (input.owner) parts.push(`user:${input.owner}`);
    const type = input.type;
    if (type !== "any" && !/\b(is|type):(issue|pr|pull-request)\b/.test(input.query)) {
      parts.push(`is:${type}`);
    }
    const res = await gh(ctx).request("GET /search/issues", {
      q: parts.join(" "),
      sort: input.sort,
      order: input.order,
      page: input.page,
      per_page: input.per_page,
    });
    const data = res.data as { total_count: number; items: Obj[] };
    return {
      total_count: data.total_count,
      items: data.items.map((i) => {
        const { body: _b, ...rest } = issueView(i, 0, "");
        const repoUrl = String(i["repository_url"] ?? "");
        return { repository: repoUrl.split("/repos/")[1], ...rest };
      }),
      page: input.page,
      next_page: nextPage(res.headers.link),
    };
  },
});

export const createIssue = ghTool({
  name: "create_issue",
  title: "Create an issue",
  description: "Open a new issue, optionally with labels, assignees and a milestone.",
  input: z.object({
    owner,
    repo,
    title: z.string().min(1).max(256).describe("Issue title."),
    body: z.string().max(65536).optional().describe("Issue body (Markdown)."),
    labels: z.array(z.string()).optional().describe("Label names (created when missing)."),
    assignees: z.array(z.string()).optional().describe("Logins to assign."),
    milestone: z.number().int().optional().describe("Milestone number."),
  }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const res = await gh(ctx).request("POST /repos/{owner}/{repo}/issues", {
      owner: input.owner,
      repo: input.repo,
      title: input.title,
      body: input.body,
      labels: input.labels,
      assignees: input.assignees,
      milestone: input.milestone,
    });
    return issueView(res.data as Obj, 0, "");
  },
});

export const updateIssue = ghTool({
  name: "update_issue",
  title: "Update an issue",
  description:
    "Change an issue's title, body, state (with state_reason), labels, assignees or milestone. Lists given replace the current ones; use add_labels / remove_label to change single labels.",
  input: z.object({
    owner,
    repo,
    issue_number: z.number().int().min(1).describe("Issue number."),
    title: z.string().min(1).max(256).optional().describe("New title."),
    body: z.string().max(65536).optional().describe("New body (replaces the old one)."),
    state: z.enum(["open", "closed"]).optional().describe("New state."),
    state_reason: z
      .enum(["completed", "not_planned", "reopened"])
      .optional()
      .describe("Why the state changed (closing: completed or not_planned)."),
    labels: z.array(z.string()).optional().describe("Replace all labels with these."),
    assignees: z.array(z.string()).optional().describe("Replace all assignees with these."),
    milestone: z.number().int().nullable().optional().describe("Milestone number, or null to clear it."),
  }),
  annotations: REMOTE_OVERWRITE,
  async handler(input, ctx) {
    const { owner: o, repo: r, issue_number, ...changes } = input as Obj;
    const body: Obj = {};
    for (const [k, v] of Object.entries(changes)) if (v !== undefined) body[k] = v;
    const res = await gh(ctx).request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
      owner: o as string,
      repo: r as string,
      issue_number: issue_number as number,
      ...body,
    });
    return issueView(res.data as Obj, 0, "");
  },
});

export const addIssueComment = ghTool({
  name: "add_issue_comment",
  title: "Comment on an issue",
  description: "Add a comment to an issue or pull request.",
  input: z.object({
    owner,
    repo,
    issue_number: z.number().int().min(1).describe("Issue or pull request number."),
    body: z.string().min(1).max(65536).describe("Comment text (Markdown)."),
  }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const res = await gh(ctx).request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: input.owner,
      repo: input.repo,
      issue_number: input.issue_number,
      body: input.body,
    });
    const c = res.data as Obj;
    return { id: c["id"], url: c["html_url"], created_at: c["created_at"] };
  },
});

export const addLabels = ghTool({
  name: "add_labels",
  title: "Add labels",
  description: "Add labels to an issue or pull request (missing labels are created); returns all its labels.",
  input: z.object({
    owner,
    repo,
    issue_number: z.number().int().min(1).describe("Issue or pull request number."),
    labels: z.array(z.string().min(1)).min(1).max(100).describe("Label names to add."),
  }),
  annotations: REMOTE_UPDATE,
  async handler(input, ctx) {
    const res = await gh(ctx).request("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", {
      owner: input.owner,
      repo: input.repo,
      issue_number: input.issue_number,
      labels: input.labels,
    });
    return { labels: (res.data as Obj[]).map((l) => l["name"]) };
  },
});

export const removeLabel = ghTool({
  name: "remove_label",
  title: "Remove a label",
  description: "Remove one label from an issue or pull request; returns the labels left.",
  input: z.object({
    owner,
    repo,
    issue_number: z.number().int().min(1).describe("Issue or pull request number."),
    label: z.string().min(1).describe("Label name to remove."),
  }),
  annotations: REMOTE_UPDATE,
  async handler(input, ctx) {
    const res = await gh(ctx).request("DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", {
      owner: input.owner,
      repo: input.repo,
      issue_number: input.issue_number,
      name: input.label,
    });
    return { labels: (res.data as Obj[]).map((l) => l["name"]) };
  },
});

export const issueTools = [
  listIssues,
  getIssue,
  listIssueComments,
  searchIssues,
  createIssue,
  updateIssue,
  addIssueComment,
  addLabels,
  removeLabel,
] as Tool<z.ZodObject<z.ZodRawShape>, GithubDeps>[];
