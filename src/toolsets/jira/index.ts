/**
 * The jira toolset: search with JQL, read, create, update, comment, move through the workflow and link
 * Jira Cloud issues, through jira.js (REST API v3). Text goes in as plain text and is sent as Atlassian
 * Document Format; ADF comes back as plain text. Served when JIRA_URL, JIRA_EMAIL and JIRA_API_TOKEN are set.
 */

import { z } from "zod";
import { validationError } from "../../core/errors.js";
import { adfText, textToAdf } from "../../jira/adf.js";
import { jira as callJira, type JiraDeps, missingJiraCredentials } from "../../jira/client.js";
import { limitIn } from "../../mcp/fragments.js";
import {
  defineToolset,
  REMOTE_OVERWRITE,
  REMOTE_READ,
  REMOTE_UPDATE,
  REMOTE_WRITE,
  type ToolContext,
  toolFor,
} from "../../mcp/tool.js";

const tool = toolFor<JiraDeps>();
const jira = <T>(ctx: ToolContext<JiraDeps>, work: Parameters<typeof callJira<T>>[1]) =>
  callJira(ctx.deps, work);

type Obj = Record<string, unknown>;

const issueKey = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]+-\d+$/, "an issue key like PROJ-123")
  .describe("Issue key, e.g. PROJ-123.");

function issueView(i: Obj, site: string, withBody: boolean) {
  const f = (i["fields"] ?? {}) as Obj;
  const name = (o: unknown) => ((o as Obj | null)?.["name"] as string | undefined) ?? null;
  const person = (o: unknown) => ((o as Obj | null)?.["displayName"] as string | undefined) ?? null;
  const links = ((f["issuelinks"] as Obj[] | undefined) ?? []).map((l) => {
    const t = l["type"] as Obj;
    const other = (l["inwardIssue"] ?? l["outwardIssue"]) as Obj | undefined;
    return { relation: String(l["inwardIssue"] ? t["outward"] : t["inward"]), key: other?.["key"] as string };
  });
  return {
    key: i["key"] as string,
    summary: f["summary"] as string,
    type: name(f["issuetype"]),
    status: name(f["status"]),
    priority: name(f["priority"]),
    assignee: person(f["assignee"]),
    labels: (f["labels"] as string[] | undefined) ?? [],
    updated: f["updated"] as string,
    url: `${site}/browse/${String(i["key"])}`,
    ...(links.length > 0 ? { links } : {}),
    ...(withBody ? { description: adfText(f["description"]).trimEnd() } : {}),
  };
}

export const jiraSearchIssues = tool({
  name: "jira_search_issues",
  title: "Search Jira issues",
  description:
    "Find Jira issues with JQL (e.g. `project = API AND status != Done ORDER BY updated DESC`); compact rows, paged: pass next_page back as page to read on.",
  input: z.object({
    jql: z.string().min(1).max(4000).describe("A JQL query."),
    max_results: limitIn(100, 25, "Issues per page (1-100)."),
    // Not called "..._token": the redactor hides the values of keys that look secret.
    page: z.string().min(1).optional().describe("next_page of the previous answer."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = (await jira(ctx, (j) =>
      j.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({
        jql: input.jql,
        maxResults: input.max_results,
        nextPageToken: input.page,
        fields: ["summary", "issuetype", "status", "priority", "assignee", "labels", "updated"],
      }),
    )) as unknown as { issues?: Obj[]; nextPageToken?: string; isLast?: boolean };
    return {
      issues: (res.issues ?? []).map((i) => issueView(i, ctx.deps.site, false)),
      next_page: res.isLast === false && res.nextPageToken ? res.nextPageToken : null,
    };
  },
});

export const jiraGetIssue = tool({
  name: "jira_get_issue",
  title: "Get a Jira issue",
  description: "One Jira issue: fields, description and links, with its comments (as plain text).",
  input: z.object({ key: issueKey, comments: z.boolean().default(true).describe("Include the comments.") }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const i = (await jira(ctx, (j) => j.issues.getIssue({ issueIdOrKey: input.key }))) as unknown as Obj;
    const view: Obj = issueView(i, ctx.deps.site, true);
    if (input.comments) {
      const comments =
        (((i["fields"] as Obj)["comment"] as Obj | undefined)?.["comments"] as Obj[] | undefined) ?? [];
      view["comments"] = comments.map((cm) => ({
        author: ((cm["author"] as Obj | null)?.["displayName"] as string | undefined) ?? null,
        created: cm["created"],
        body: adfText(cm["body"]).trimEnd(),
      }));
    }
    return view;
  },
});

export const jiraCreateIssue = tool({
  name: "jira_create_issue",
  title: "Create a Jira issue",
  description:
    "Create a Jira issue in a project; the description is plain text (sent as Atlassian Document Format).",
  input: z.object({
    project: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]+$/, "a project key like API")
      .describe("Project key."),
    summary: z.string().min(1).max(255).describe("Summary (title)."),
    description: z.string().max(32_000).optional().describe("Description, plain text."),
    type: z.string().min(1).default("Task").describe("Issue type: Task, Bug, Story, Epic, ..."),
    priority: z.string().optional().describe("Priority name: Highest, High, Medium, Low, Lowest."),
    labels: z
      .array(z.string().regex(/^\S+$/, "labels have no spaces"))
      .max(20)
      .default([])
      .describe("Labels."),
  }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const fields: Obj = {
      project: { key: input.project },
      summary: input.summary,
      issuetype: { name: input.type },
      labels: input.labels,
      ...(input.description ? { description: textToAdf(input.description) } : {}),
      ...(input.priority ? { priority: { name: input.priority } } : {}),
    };
    const res = (await jira(ctx, (j) => j.issues.createIssue({ fields } as never))) as unknown as Obj;
    return { key: res["key"] as string, url: `${ctx.deps.site}/browse/${String(res["key"])}` };
  },
});

export const jiraUpdateIssue = tool({
  name: "jira_update_issue",
  title: "Update a Jira issue",
  description: "Change a Jira issue's summary, description (plain text), labels (replace) or priority.",
  input: z.object({
    key: issueKey,
    summary: z.string().min(1).max(255).optional().describe("New summary."),
    description: z
      .string()
      .max(32_000)
      .optional()
      .describe("New description, plain text (replaces the old)."),
    labels: z.array(z.string().regex(/^\S+$/)).max(20).optional().describe("Replace all labels with these."),
    priority: z.string().optional().describe("New priority name."),
  }),
  annotations: REMOTE_OVERWRITE,
  async handler(input, ctx) {
    const fields: Obj = {};
    if (input.summary !== undefined) fields["summary"] = input.summary;
    if (input.description !== undefined) fields["description"] = textToAdf(input.description);
    if (input.labels !== undefined) fields["labels"] = input.labels;
    if (input.priority !== undefined) fields["priority"] = { name: input.priority };
    if (Object.keys(fields).length === 0)
      throw validationError("nothing to change: give summary, description, labels or priority");
    await jira(ctx, (j) => j.issues.editIssue({ issueIdOrKey: input.key, fields } as never));
    return { key: input.key, updated: Object.keys(fields) };
  },
});

export const jiraAddComment = tool({
  name: "jira_add_comment",
  title: "Comment on a Jira issue",
  description: "Add a plain-text comment to a Jira issue.",
  input: z.object({ key: issueKey, body: z.string().min(1).max(32_000).describe("Comment, plain text.") }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const res = (await jira(ctx, (j) =>
      j.issueComments.addComment({ issueIdOrKey: input.key, comment: textToAdf(input.body) } as never),
    )) as unknown as Obj;
    return { key: input.key, comment_id: res["id"] as string, created: res["created"] as string };
  },
});

export const jiraTransitionIssue = tool({
  name: "jira_transition_issue",
  title: "Move a Jira issue through its workflow",
  description:
    "Move a Jira issue to another status (e.g. 'In Progress', 'Done') by the name of the status or of the transition; an impossible move lists the ones available.",
  input: z.object({ key: issueKey, to: z.string().min(1).describe("Target status or transition name.") }),
  annotations: REMOTE_UPDATE,
  async handler(input, ctx) {
    const res = (await jira(ctx, (j) => j.issues.getTransitions({ issueIdOrKey: input.key }))) as unknown as {
      transitions?: { id: string; name: string; to?: { name?: string } }[];
    };
    const options = res.transitions ?? [];
    const want = input.to.toLowerCase();
    const t = options.find((x) => x.to?.name?.toLowerCase() === want || x.name.toLowerCase() === want);
    if (!t) {
      throw validationError(
        `${input.key} cannot move to "${input.to}" from where it is; possible: ${options.map((x) => x.to?.name ?? x.name).join(", ") || "none"}`,
      );
    }
    await jira(ctx, (j) => j.issues.doTransition({ issueIdOrKey: input.key, transition: { id: t.id } }));
    return { key: input.key, status: t.to?.name ?? t.name };
  },
});

export const jiraLinkIssues = tool({
  name: "jira_link_issues",
  title: "Link two Jira issues",
  description:
    "Link two Jira issues: `blocker` blocks `blocked` (type Blocks), or they relate (type Relates).",
  input: z.object({
    from: issueKey.describe("The blocking (or first) issue."),
    to: issueKey.describe("The blocked (or second) issue."),
    type: z.enum(["Blocks", "Relates"]).default("Blocks").describe("Link type."),
  }),
  annotations: REMOTE_UPDATE,
  async handler(input, ctx) {
    await jira(ctx, (j) =>
      j.issueLinks.linkIssues({
        type: { name: input.type },
        outwardIssue: { key: input.from },
        inwardIssue: { key: input.to },
      }),
    );
    return { from: input.from, to: input.to, type: input.type };
  },
});

export const jiraToolset = defineToolset<JiraDeps>({
  name: "jira",
  description:
    "Jira Cloud issues: JQL search, read, create, update, comment, transitions and links (JIRA_URL + token).",
  tools: [
    jiraSearchIssues,
    jiraGetIssue,
    jiraCreateIssue,
    jiraUpdateIssue,
    jiraAddComment,
    jiraTransitionIssue,
    jiraLinkIssues,
  ],
  unavailable: (config) => missingJiraCredentials(config.jira),
  init: (services) => services.clients.jira(),
});
