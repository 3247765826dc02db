/** Work around an issue: time logged (worklogs), who watches it, what is attached to it. */
import { z } from "zod";
import { validationError } from "../../core/errors.js";
import { plainText, richText, userId } from "../../jira/client.js";
import { REMOTE_OVERWRITE, REMOTE_READ, REMOTE_UPDATE, REMOTE_WRITE } from "../../mcp/tool.js";
import { call, issueKey, type Obj, tool } from "./common.js";

const user = z
  .string()
  .min(1)
  .max(128)
  .describe("The user: accountId on Cloud, user name on Data Center (jira_search_users).");

/** Jira's worklog `started`: 2026-01-31T09:30:00.000+0000. */
function jiraTimestamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw validationError(`started "${iso}" is not a date-time`);
  return d.toISOString().replace("Z", "+0000");
}

export const jiraAddWorklog = tool({
  name: "jira_add_worklog",
  title: "Log work on a Jira issue",
  description:
    "Log time spent on a Jira issue, in Jira's duration syntax (`2h 30m`, `1d`; a day is 8h, a week 5d), optionally when it started and what was done.",
  input: z.object({
    key: issueKey,
    time_spent: z
      .string()
      .regex(/^\s*\d+(\.\d+)?[wdhm](\s+\d+(\.\d+)?[wdhm])*\s*$/, "a duration like 1h 30m")
      .describe("Time spent, e.g. `1h 30m`, `2d`."),
    started: z
      .string()
      .datetime({ offset: true })
      .optional()
      .describe("When the work started (ISO 8601); default now."),
    comment: z.string().max(32_000).optional().describe("What was done, plain text."),
  }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const res = await call(ctx, {
      method: "POST",
      path: `/issue/${input.key}/worklog`,
      body: {
        timeSpent: input.time_spent.trim(),
        ...(input.started ? { started: jiraTimestamp(input.started) } : {}),
        ...(input.comment ? { comment: richText(ctx.deps, input.comment) } : {}),
      },
    });
    return {
      key: input.key,
      worklog_id: String(res["id"]),
      time_spent: res["timeSpent"] as string,
      seconds: res["timeSpentSeconds"] as number,
    };
  },
});

export const jiraListWorklogs = tool({
  name: "jira_list_worklogs",
  title: "List work logged on a Jira issue",
  description: "The worklogs of a Jira issue (who, when, how long, comment) and the total time logged.",
  input: z.object({ key: issueKey }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await call<{ worklogs?: Obj[] }>(ctx, {
      path: `/issue/${input.key}/worklog`,
      query: { maxResults: 5000 },
    });
    const worklogs = (res.worklogs ?? []).map((w) => ({
      id: String(w["id"]),
      author: ((w["author"] as Obj | null)?.["displayName"] as string | undefined) ?? null,
      started: w["started"] as string,
      time_spent: w["timeSpent"] as string,
      seconds: w["timeSpentSeconds"] as number,
      comment: plainText(w["comment"]).trimEnd(),
    }));
    return {
      key: input.key,
      worklogs,
      total_seconds: worklogs.reduce((n, w) => n + (w.seconds ?? 0), 0),
    };
  },
});

export const jiraGetWatchers = tool({
  name: "jira_get_watchers",
  title: "Who watches a Jira issue",
  description: "The watchers of a Jira issue (id and name), and whether the credentials' user is one.",
  input: z.object({ key: issueKey }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await call<{ watchers?: Obj[]; watchCount?: number; isWatching?: boolean }>(ctx, {
      path: `/issue/${input.key}/watchers`,
    });
    return {
      key: input.key,
      count: res.watchCount ?? res.watchers?.length ?? 0,
      watching: res.isWatching === true,
      watchers: (res.watchers ?? []).map((u) => ({
        id: userId(u),
        name: (u["displayName"] as string) ?? null,
      })),
    };
  },
});

export const jiraAddWatcher = tool({
  name: "jira_add_watcher",
  title: "Add a watcher to a Jira issue",
  description:
    "Make a user watch a Jira issue (they are notified of its changes); already watching changes nothing.",
  input: z.object({ key: issueKey, user }),
  annotations: REMOTE_UPDATE,
  async handler(input, ctx) {
    // Jira takes the bare JSON string as the body.
    await call(ctx, {
      method: "POST",
      path: `/issue/${input.key}/watchers`,
      body: JSON.stringify(input.user),
      headers: { "content-type": "application/json" },
    });
    return { key: input.key, watcher: input.user };
  },
});

export const jiraRemoveWatcher = tool({
  name: "jira_remove_watcher",
  title: "Remove a watcher from a Jira issue",
  description: "Stop a user watching a Jira issue.",
  input: z.object({ key: issueKey, user }),
  annotations: REMOTE_OVERWRITE,
  async handler(input, ctx) {
    const param = ctx.deps.deployment === "cloud" ? "accountId" : "username";
    await call(ctx, {
      method: "DELETE",
      path: `/issue/${input.key}/watchers`,
      query: { [param]: input.user },
    });
    return { key: input.key, removed: input.user };
  },
});

/** Types whose bytes are text a model can read. */
const TEXT_TYPES =
  /^(text\/|application\/(json|xml|yaml|x-yaml|javascript|x-sh|csv|sql|x-ndjson)\b)|\+(json|xml)\b/i;

export const jiraGetAttachment = tool({
  name: "jira_get_attachment",
  title: "Read a Jira attachment",
  description:
    "An attachment of a Jira issue (ids are in jira_get_issue): its metadata and, for a text file (logs, JSON, CSV, ...) up to max_bytes, its content as text. Binary files come back as metadata only.",
  input: z.object({
    id: z.string().regex(/^\d+$/, "an attachment id").describe("Attachment id."),
    max_bytes: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(200_000)
      .describe("Largest file to download (bytes, up to 1 MB)."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const meta = await call(ctx, { path: `/attachment/${input.id}` });
    const view = {
      id: String(meta["id"]),
      filename: meta["filename"] as string,
      mime_type: meta["mimeType"] as string,
      size: meta["size"] as number,
      created: meta["created"] as string,
      author: ((meta["author"] as Obj | null)?.["displayName"] as string | undefined) ?? null,
    };
    if (!TEXT_TYPES.test(view.mime_type ?? ""))
      return { ...view, content: null, note: "not a text file; only its metadata is shown" };
    if (view.size > input.max_bytes)
      return { ...view, content: null, note: `larger than max_bytes (${input.max_bytes}); not downloaded` };
    const bytes = await call<ArrayBuffer>(ctx, {
      path: `/attachment/content/${input.id}`,
      responseType: "arraybuffer",
    });
    const buf = Buffer.from(bytes);
    return { ...view, content: buf.subarray(0, input.max_bytes).toString("utf8") };
  },
});

export const activityTools = [
  jiraAddWorklog,
  jiraListWorklogs,
  jiraGetWatchers,
  jiraAddWatcher,
  jiraRemoveWatcher,
  jiraGetAttachment,
];
