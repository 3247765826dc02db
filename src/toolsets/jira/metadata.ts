/**
 * What a Jira site holds besides issues, for filling issues in right: projects, issue types and the
 * fields each type takes on create (required, allowed values), the field list (custom fields' names and
 * ids, cached), users, versions and components.
 */
import { z } from "zod";
import { validationError } from "../../core/errors.js";
import type { JiraDeps } from "../../jira/client.js";
import { userId } from "../../jira/client.js";
import { fieldCatalogue } from "../../jira/fields.js";
import { limitIn } from "../../mcp/fragments.js";
import { REMOTE_READ, REMOTE_WRITE, type ToolContext } from "../../mcp/tool.js";
import { call, nextStart, type Obj, page, projectKey, startOf, tool } from "./common.js";

export const jiraListProjects = tool({
  name: "jira_list_projects",
  title: "List Jira projects",
  description:
    "The Jira projects the credentials can see (key, name, id), optionally those whose key or name contains `query`.",
  input: z.object({
    query: z.string().min(1).max(100).optional().describe("Part of a project key or name."),
    max_results: limitIn(100, 50, "Projects per page (1-100)."),
    page,
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const view = (p: Obj) => ({ key: p["key"] as string, name: p["name"] as string, id: String(p["id"]) });
    if (ctx.deps.deployment === "datacenter") {
      // Data Center has no paged project search: one list, filtered and paged here.
      const all = (await call<Obj[]>(ctx, { path: "/project" })).map(view);
      const q = input.query?.toLowerCase();
      const hits = all.filter(
        (p) => !q || p.key.toLowerCase().includes(q) || p.name.toLowerCase().includes(q),
      );
      const start = startOf(input.page);
      const slice = hits.slice(start, start + input.max_results);
      return { projects: slice, next_page: nextStart(start, slice.length, hits.length) };
    }
    const start = startOf(input.page);
    const res = await call<{ values?: Obj[]; total?: number; isLast?: boolean }>(ctx, {
      path: "/project/search",
      query: { query: input.query, startAt: start, maxResults: input.max_results },
    });
    const values = res.values ?? [];
    return { projects: values.map(view), next_page: nextStart(start, values.length, res.total, res.isLast) };
  },
});

/** The project's create-metadata issue types (Cloud: `issueTypes`, Data Center: `values`). */
async function issueTypes(ctx: ToolContext<JiraDeps>, project: string): Promise<Obj[]> {
  const res = await call<{ issueTypes?: Obj[]; values?: Obj[] }>(ctx, {
    path: `/issue/createmeta/${project}/issuetypes`,
    query: { maxResults: 100 },
  });
  return res.issueTypes ?? res.values ?? [];
}

export const jiraListIssueTypes = tool({
  name: "jira_list_issue_types",
  title: "List a Jira project's issue types",
  description: "The issue types you can create in a Jira project (Task, Bug, Story, ...), with their ids.",
  input: z.object({ project: projectKey }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const types = await issueTypes(ctx, input.project);
    return {
      project: input.project,
      issue_types: types.map((t) => ({
        id: String(t["id"]),
        name: t["name"] as string,
        subtask: t["subtask"] === true,
        ...(t["description"] ? { description: t["description"] as string } : {}),
      })),
    };
  },
});

export const jiraGetCreateFields = tool({
  name: "jira_get_create_fields",
  title: "Fields to create a Jira issue",
  description:
    "The fields an issue of a type takes when created in a project (create metadata): name, id, whether it is required, its type, and the allowed values where Jira lists them. Use the names in the `fields` of jira_create_issue.",
  input: z.object({
    project: projectKey,
    type: z.string().min(1).default("Task").describe("Issue type name (jira_list_issue_types)."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const types = await issueTypes(ctx, input.project);
    const t = types.find((x) => String(x["name"]).toLowerCase() === input.type.toLowerCase());
    if (!t)
      throw validationError(
        `${input.project} has no issue type "${input.type}"; it has: ${types.map((x) => x["name"]).join(", ")}`,
      );
    const res = await call<{ fields?: Obj[]; values?: Obj[] }>(ctx, {
      path: `/issue/createmeta/${input.project}/issuetypes/${String(t["id"])}`,
      query: { maxResults: 200 },
    });
    const fields = (res.fields ?? res.values ?? []).map((f) => {
      const schema = (f["schema"] ?? {}) as Obj;
      const allowed = (f["allowedValues"] as Obj[] | undefined)?.map((a) =>
        String(a["value"] ?? a["name"] ?? a["id"]),
      );
      return {
        id: String(f["fieldId"] ?? f["key"]),
        name: f["name"] as string,
        required: f["required"] === true,
        type: schema["items"]
          ? `${String(schema["type"])}<${String(schema["items"])}>`
          : String(schema["type"] ?? "any"),
        ...(allowed ? { allowed_values: allowed } : {}),
      };
    });
    return { project: input.project, type: t["name"] as string, fields };
  },
});

export const jiraListFields = tool({
  name: "jira_list_fields",
  title: "List Jira fields",
  description:
    "The site's fields, system and custom, with the ids behind their names (e.g. Story Points = customfield_10016); the list is cached for a few minutes. Filter by part of the name.",
  input: z.object({
    query: z.string().min(1).max(100).optional().describe("Part of a field name or id."),
    custom_only: z.boolean().default(false).describe("Only custom fields."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const q = input.query?.toLowerCase();
    const all = await fieldCatalogue(ctx.deps, ctx.store);
    return {
      fields: all
        .filter(
          (f) =>
            (!input.custom_only || f.custom) && (!q || f.name.toLowerCase().includes(q) || f.id.includes(q)),
        )
        .map((f) => ({
          id: f.id,
          name: f.name,
          custom: f.custom,
          type: f.schema?.items ? `${f.schema.type}<${f.schema.items}>` : (f.schema?.type ?? "any"),
        })),
    };
  },
});

export const jiraSearchUsers = tool({
  name: "jira_search_users",
  title: "Search Jira users",
  description:
    "Find Jira users by part of their name or email; `id` is what assignee and watcher inputs take (the accountId on Cloud, the user name on Data Center).",
  input: z.object({
    query: z
      .string()
      .min(1)
      .max(100)
      .describe("Part of a display name, or the start of an email or user name."),
    max_results: limitIn(50, 20, "Users (1-50)."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const cloud = ctx.deps.deployment === "cloud";
    const res = await call<Obj[]>(ctx, {
      path: "/user/search",
      query: { [cloud ? "query" : "username"]: input.query, maxResults: input.max_results },
    });
    return {
      users: res.map((u) => ({
        id: userId(u),
        name: (u["displayName"] as string | undefined) ?? null,
        ...(u["emailAddress"] ? { email: u["emailAddress"] as string } : {}),
        active: u["active"] !== false,
      })),
    };
  },
});

export const jiraListVersions = tool({
  name: "jira_list_versions",
  title: "List a Jira project's versions",
  description: "A Jira project's versions (releases): name, id, released, release date.",
  input: z.object({ project: projectKey }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await call<Obj[]>(ctx, { path: `/project/${input.project}/versions` });
    return {
      project: input.project,
      versions: res.map((v) => ({
        id: String(v["id"]),
        name: v["name"] as string,
        released: v["released"] === true,
        release_date: (v["releaseDate"] as string | undefined) ?? null,
      })),
    };
  },
});

export const jiraCreateVersion = tool({
  name: "jira_create_version",
  title: "Create a Jira version",
  description: "Add a version (release) to a Jira project, e.g. to set as the fix version of issues.",
  input: z.object({
    project: projectKey,
    name: z.string().min(1).max(255).describe("Version name, e.g. 2.4.0."),
    description: z.string().max(1000).optional().describe("Description."),
    release_date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "a date like 2026-01-31")
      .optional()
      .describe("Planned release date, YYYY-MM-DD."),
    released: z.boolean().default(false).describe("Already released."),
  }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const res = await call(ctx, {
      method: "POST",
      path: "/version",
      body: {
        project: input.project,
        name: input.name,
        released: input.released,
        ...(input.description ? { description: input.description } : {}),
        ...(input.release_date ? { releaseDate: input.release_date } : {}),
      },
    });
    return { project: input.project, id: String(res["id"]), name: res["name"] as string };
  },
});

export const jiraListComponents = tool({
  name: "jira_list_components",
  title: "List a Jira project's components",
  description: "A Jira project's components: name and id.",
  input: z.object({ project: projectKey }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await call<Obj[]>(ctx, { path: `/project/${input.project}/components` });
    return {
      project: input.project,
      components: res.map((c) => ({
        id: String(c["id"]),
        name: c["name"] as string,
        ...(c["description"] ? { description: c["description"] as string } : {}),
      })),
    };
  },
});

export const metadataTools = [
  jiraListProjects,
  jiraListIssueTypes,
  jiraGetCreateFields,
  jiraListFields,
  jiraSearchUsers,
  jiraListVersions,
  jiraCreateVersion,
  jiraListComponents,
];
