/**
 * The jira toolset: issues (JQL search, read, create one or many, update, comment, move through the
 * workflow, link), custom fields by name, worklogs, watchers, attachments, project metadata (issue types
 * and create fields, fields, versions, components, users) and Jira Software's boards, sprints and backlog.
 * Jira Cloud (REST v3: text sent as Atlassian Document Format) and Data Center / Server (REST v2: plain
 * text, a personal access token) through one client (src/jira/client.ts). Text goes in and comes back as
 * plain text. Served when JIRA_URL and credentials are set.
 */

import { z } from "zod";
import { ToolError, validationError } from "../../core/errors.js";
import {
  browseUrl,
  elementError,
  type JiraDeps,
  missingJiraCredentials,
  plainText,
  richText,
  searchIssues,
  userRef,
} from "../../jira/client.js";
import { resolveFields } from "../../jira/fields.js";
import { limitIn } from "../../mcp/fragments.js";
import {
  defineToolset,
  REMOTE_OVERWRITE,
  REMOTE_READ,
  REMOTE_UPDATE,
  REMOTE_WRITE,
  type ToolContext,
} from "../../mcp/tool.js";
import { activityTools } from "./activity.js";
import { agileTools } from "./agile.js";
import {
  call,
  fieldNames,
  issueKey,
  issueView,
  namedFields,
  type Obj,
  page,
  projectKey,
  ROW_FIELDS,
  tool,
  wantedFields,
} from "./common.js";
import { metadataTools } from "./metadata.js";

export const jiraSearchIssues = tool({
  name: "jira_search_issues",
  title: "Search Jira issues",
  description:
    "Find Jira issues with JQL (e.g. `project = API AND status != Done ORDER BY updated DESC`, `sprint in openSprints()`); compact rows, paged: pass next_page back as page to read on. `fields` adds custom fields by name.",
  input: z.object({
    jql: z.string().min(1).max(4000).describe("A JQL query."),
    max_results: limitIn(100, 25, "Issues per page (1-100)."),
    // Not called "..._token": the redactor hides the values of keys that look secret.
    page,
    fields: fieldNames,
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const extra = await wantedFields(ctx, input.fields);
    const res = await searchIssues(ctx.deps, {
      jql: input.jql,
      max: input.max_results,
      page: input.page,
      fields: [...ROW_FIELDS, ...extra.map((e) => e.id)],
    });
    return { issues: res.issues.map((i) => issueView(ctx.deps, i, { extra })), next_page: res.next };
  },
});

export const jiraGetIssue = tool({
  name: "jira_get_issue",
  title: "Get a Jira issue",
  description:
    "One Jira issue: fields, description and links, its attachments (metadata; read one with jira_get_attachment), watcher count, with its comments (as plain text); `fields` adds custom fields by name (e.g. Story Points, Sprint).",
  input: z.object({
    key: issueKey,
    comments: z.boolean().default(true).describe("Include the comments."),
    fields: fieldNames,
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const extra = await wantedFields(ctx, input.fields);
    const i = await call(ctx, { path: `/issue/${input.key}` });
    const f = (i["fields"] ?? {}) as Obj;
    const view: Obj = issueView(ctx.deps, i, { body: true, extra });
    view["attachments"] = ((f["attachment"] as Obj[] | undefined) ?? []).map((a) => ({
      id: String(a["id"]),
      filename: a["filename"],
      mime_type: a["mimeType"],
      size: a["size"],
      created: a["created"],
    }));
    view["watchers"] = ((f["watches"] as Obj | undefined)?.["watchCount"] as number | undefined) ?? 0;
    if (input.comments) {
      const comments = ((f["comment"] as Obj | undefined)?.["comments"] as Obj[] | undefined) ?? [];
      view["comments"] = comments.map((cm) => ({
        author: ((cm["author"] as Obj | null)?.["displayName"] as string | undefined) ?? null,
        created: cm["created"],
        body: plainText(cm["body"]).trimEnd(),
      }));
    }
    return view;
  },
});

const labels = z.array(z.string().regex(/^\S+$/, "labels have no spaces")).max(20).describe("Labels.");

/** What a new issue may say, for one or many. */
const newIssue = {
  summary: z.string().min(1).max(255).describe("Summary (title)."),
  description: z.string().max(32_000).optional().describe("Description, plain text."),
  type: z
    .string()
    .min(1)
    .default("Task")
    .describe("Issue type: Task, Bug, Story, Epic, ... (jira_list_issue_types)."),
  priority: z.string().optional().describe("Priority name: Highest, High, Medium, Low, Lowest."),
  labels: labels.default([]),
  assignee: z
    .string()
    .min(1)
    .optional()
    .describe("Assignee: accountId (Cloud) or user name (Data Center), from jira_search_users."),
  components: z
    .array(z.string().min(1))
    .max(20)
    .optional()
    .describe("Component names (jira_list_components)."),
  fix_versions: z
    .array(z.string().min(1))
    .max(20)
    .optional()
    .describe("Fix version names (jira_list_versions)."),
  fields: namedFields,
};

const newIssueSchema = z.object(newIssue);
type NewIssue = z.infer<typeof newIssueSchema>;

async function createFields(ctx: ToolContext<JiraDeps>, project: string, input: NewIssue): Promise<Obj> {
  return {
    ...(input.fields ? await resolveFields(ctx.deps, ctx.store, input.fields) : {}),
    project: { key: project },
    summary: input.summary,
    issuetype: { name: input.type },
    labels: input.labels,
    ...(input.description ? { description: richText(ctx.deps, input.description) } : {}),
    ...(input.priority ? { priority: { name: input.priority } } : {}),
    ...(input.assignee ? { assignee: userRef(ctx.deps, input.assignee) } : {}),
    ...(input.components ? { components: input.components.map((n) => ({ name: n })) } : {}),
    ...(input.fix_versions ? { fixVersions: input.fix_versions.map((n) => ({ name: n })) } : {}),
  };
}

export const jiraCreateIssue = tool({
  name: "jira_create_issue",
  title: "Create a Jira issue",
  description:
    'Create a Jira issue in a project; the description is plain text (sent as Atlassian Document Format on Cloud). Custom fields by name in `fields` (e.g. {"Story Points": 3}); jira_get_create_fields lists what a project and type take.',
  input: z.object({ project: projectKey, ...newIssue }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const fields = await createFields(ctx, input.project, input);
    const res = await call(ctx, { method: "POST", path: "/issue", body: { fields } });
    return { key: res["key"] as string, url: browseUrl(ctx.deps, String(res["key"])) };
  },
});

export const jiraBulkCreateIssues = tool({
  name: "jira_bulk_create_issues",
  title: "Create many Jira issues",
  description:
    "Create up to 50 Jira issues in a project in one request. Jira creates the valid ones and refuses the others one by one: the answer lists what was created and, by position, what was not and why.",
  input: z.object({
    project: projectKey,
    issues: z.array(newIssueSchema).min(1).max(50).describe("The issues, in order."),
  }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const issueUpdates = [];
    for (const i of input.issues) issueUpdates.push({ fields: await createFields(ctx, input.project, i) });
    let res: { issues?: Obj[]; errors?: Obj[] };
    try {
      res = await call(ctx, { method: "POST", path: "/issue/bulk", body: { issueUpdates } });
    } catch (err) {
      // When every element fails Jira answers 400 with the per-element failures.
      const failed = err instanceof ToolError ? err.details?.["failed"] : undefined;
      if (!Array.isArray(failed)) throw err;
      res = { issues: [], errors: failed as Obj[] };
    }
    const created = (res.issues ?? []).map((c) => ({
      key: String(c["key"]),
      url: browseUrl(ctx.deps, String(c["key"])),
    }));
    const failed = (res.errors ?? []).map((e) => ({
      index: e["failedElementNumber"] as number,
      error: elementError(e),
    }));
    return { created, failed };
  },
});

export const jiraUpdateIssue = tool({
  name: "jira_update_issue",
  title: "Update a Jira issue",
  description:
    'Change a Jira issue\'s summary, description (plain text), labels (replace), priority, assignee, or any field by name in `fields` (e.g. {"Story Points": 8}; null clears).',
  input: z.object({
    key: issueKey,
    summary: z.string().min(1).max(255).optional().describe("New summary."),
    description: z
      .string()
      .max(32_000)
      .optional()
      .describe("New description, plain text (replaces the old)."),
    labels: labels.optional().describe("Replace all labels with these."),
    priority: z.string().optional().describe("New priority name."),
    assignee: z
      .string()
      .min(1)
      .nullable()
      .optional()
      .describe("New assignee (accountId on Cloud, user name on Data Center); null unassigns."),
    fields: namedFields,
  }),
  annotations: REMOTE_OVERWRITE,
  async handler(input, ctx) {
    const fields: Obj = input.fields ? await resolveFields(ctx.deps, ctx.store, input.fields) : {};
    if (input.summary !== undefined) fields["summary"] = input.summary;
    if (input.description !== undefined) fields["description"] = richText(ctx.deps, input.description);
    if (input.labels !== undefined) fields["labels"] = input.labels;
    if (input.priority !== undefined) fields["priority"] = { name: input.priority };
    if (input.assignee !== undefined)
      fields["assignee"] = input.assignee === null ? null : userRef(ctx.deps, input.assignee);
    if (Object.keys(fields).length === 0)
      throw validationError(
        "nothing to change: give summary, description, labels, priority, assignee or fields",
      );
    await call(ctx, { method: "PUT", path: `/issue/${input.key}`, body: { fields } });
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
    const res = await call(ctx, {
      method: "POST",
      path: `/issue/${input.key}/comment`,
      body: { body: richText(ctx.deps, input.body) },
    });
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
    const res = await call<{ transitions?: { id: string; name: string; to?: { name?: string } }[] }>(ctx, {
      path: `/issue/${input.key}/transitions`,
    });
    const options = res.transitions ?? [];
    const want = input.to.toLowerCase();
    const t = options.find((x) => x.to?.name?.toLowerCase() === want || x.name.toLowerCase() === want);
    if (!t) {
      throw validationError(
        `${input.key} cannot move to "${input.to}" from where it is; possible: ${options.map((x) => x.to?.name ?? x.name).join(", ") || "none"}`,
      );
    }
    await call(ctx, {
      method: "POST",
      path: `/issue/${input.key}/transitions`,
      body: { transition: { id: t.id } },
    });
    return { key: input.key, status: t.to?.name ?? t.name };
  },
});

export const jiraLinkIssues = tool({
  name: "jira_link_issues",
  title: "Link two Jira issues",
  description: "Link two Jira issues: `from` blocks `to` (type Blocks), or they relate (type Relates).",
  input: z.object({
    from: issueKey.describe("The blocking (or first) issue."),
    to: issueKey.describe("The blocked (or second) issue."),
    type: z.enum(["Blocks", "Relates"]).default("Blocks").describe("Link type."),
  }),
  annotations: REMOTE_UPDATE,
  async handler(input, ctx) {
    await call(ctx, {
      method: "POST",
      path: "/issueLink",
      body: { type: { name: input.type }, outwardIssue: { key: input.from }, inwardIssue: { key: input.to } },
    });
    return { from: input.from, to: input.to, type: input.type };
  },
});

export const jiraToolset = defineToolset<JiraDeps>({
  name: "jira",
  description:
    "Jira Cloud and Data Center: issues (JQL, create one or many, update, comment, transitions, links, custom fields by name), worklogs, watchers, attachments, project metadata, boards, sprints and backlog.",
  tools: [
    jiraSearchIssues,
    jiraGetIssue,
    jiraCreateIssue,
    jiraBulkCreateIssues,
    jiraUpdateIssue,
    jiraAddComment,
    jiraTransitionIssue,
    jiraLinkIssues,
    ...activityTools,
    ...metadataTools,
    ...agileTools,
  ],
  unavailable: (config) => missingJiraCredentials(config.jira),
  init: (services) => services.clients.jira(),
});
