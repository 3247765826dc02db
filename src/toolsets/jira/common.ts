/** What the jira toolset's tools share: the tool builder, input fragments, the compact issue view. */
import { z } from "zod";
import { validationError } from "../../core/errors.js";
import {
  browseUrl,
  type JiraDeps,
  type JiraRequest,
  jiraRequest,
  plainText,
  userId,
} from "../../jira/client.js";
import { findField, readableValue } from "../../jira/fields.js";
import { type ToolContext, toolFor } from "../../mcp/tool.js";

export type Obj = Record<string, unknown>;

export const tool = toolFor<JiraDeps>();

/** One Jira request with this call's client and signal. */
export const call = <T = Obj>(ctx: ToolContext<JiraDeps>, req: JiraRequest) =>
  jiraRequest<T>(ctx.deps, { signal: ctx.signal, ...req });

export const issueKey = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]+-\d+$/, "an issue key like PROJ-123")
  .describe("Issue key, e.g. PROJ-123.");

export const projectKey = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]+$/, "a project key like API")
  .describe("Project key, e.g. API.");

export const issueKeys = z.array(issueKey).min(1).max(50).describe("Issue keys (1-50).");

/** Custom (or system) fields by name or id, e.g. {"Story Points": 5, "Team": "Core"}. */
export const namedFields = z
  .record(z.string().min(1), z.unknown())
  .optional()
  .describe(
    'More fields by name or id, e.g. {"Story Points": 5, "Team": "Core", "customfield_10042": "x"}: names are looked up in the site\'s field list (cached), options and users may be given as plain strings.',
  );

export const fieldNames = z
  .array(z.string().min(1))
  .max(50)
  .optional()
  .describe(
    'Extra fields to return, by name or id (e.g. ["Story Points", "Sprint"]); answered under `fields` by the names given.',
  );

export const page = z.string().min(1).optional().describe("next_page of the previous answer.");

const name = (o: unknown) => ((o as Obj | null)?.["name"] as string | undefined) ?? null;
const person = (o: unknown) => ((o as Obj | null)?.["displayName"] as string | undefined) ?? null;

export const ROW_FIELDS = ["summary", "issuetype", "status", "priority", "assignee", "labels", "updated"];

/** Ids of the fields a caller named, to ask Jira for, and the names to answer under. */
export async function wantedFields(ctx: ToolContext<JiraDeps>, names: string[] | undefined) {
  const ids: { id: string; as: string }[] = [];
  for (const n of names ?? []) ids.push({ id: (await findField(ctx.deps, ctx.store, n)).id, as: n });
  return ids;
}

export function issueView(
  deps: JiraDeps,
  i: Obj,
  options: { body?: boolean; extra?: { id: string; as: string }[] } = {},
) {
  const f = (i["fields"] ?? {}) as Obj;
  const links = ((f["issuelinks"] as Obj[] | undefined) ?? []).map((l) => {
    const t = l["type"] as Obj;
    const other = (l["inwardIssue"] ?? l["outwardIssue"]) as Obj | undefined;
    return { relation: String(l["inwardIssue"] ? t["outward"] : t["inward"]), key: other?.["key"] as string };
  });
  const extra = options.extra ?? [];
  return {
    key: i["key"] as string,
    summary: f["summary"] as string,
    type: name(f["issuetype"]),
    status: name(f["status"]),
    priority: name(f["priority"]),
    assignee: person(f["assignee"]),
    ...(options.body ? { assignee_id: userId(f["assignee"]) } : {}),
    labels: (f["labels"] as string[] | undefined) ?? [],
    updated: f["updated"] as string,
    url: browseUrl(deps, String(i["key"])),
    ...(links.length > 0 ? { links } : {}),
    ...(extra.length > 0
      ? { fields: Object.fromEntries(extra.map((e) => [e.as, readableValue(f[e.id] ?? null)])) }
      : {}),
    ...(options.body ? { description: plainText(f["description"]).trimEnd() } : {}),
  };
}

/** A page of agile results (startAt-paged): the next page token, or null on the last page. */
export function nextStart(
  startAt: number,
  got: number,
  total: number | undefined,
  isLast?: boolean,
): string | null {
  if (isLast === true || got === 0) return null;
  const end = startAt + got;
  return total === undefined || end < total ? String(end) : null;
}

export function startOf(page: string | undefined): number {
  const n = page === undefined ? 0 : Number(page);
  if (!Number.isInteger(n) || n < 0)
    throw validationError(`page "${page}" is not a next_page this tool gave`);
  return n;
}
