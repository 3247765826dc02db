/**
 * A Jira emulator: the REST endpoints the jira toolset uses, on loopback, with state, so the toolset
 * (through jira.js, over real HTTP) can be tested without the internet, and people can try agents
 * against it (`repowright emulate jira`).
 *
 * Both deployments at once: Jira Cloud's REST API v3 under /rest/api/3 (Atlassian Document Format
 * bodies, users by accountId, the enhanced JQL search with `nextPageToken`, the old /search gone) and Jira
 * Data Center's REST API v2 under /rest/api/2 (plain-text bodies, users by name, /search paged by
 * startAt), over the same issues; Jira Software's agile API under /rest/agile/1.0 (boards, sprints with
 * their future -> active -> closed life, backlog). Auth is Basic email + API token, or Bearer with a
 * Data Center personal access token; 401 without.
 *
 * Faithful where clients notice, and checked against Atlassian's OpenAPI description
 * (test/jira/emulator-schemas.test.ts): Jira's error body (`errorMessages` + `errors` by field), workflow
 * transitions (To Do -> In Progress -> Done), issue links, comments, custom fields (`customfield_NNNNN`,
 * validated by their type), create metadata per project and type, worklogs with Jira's duration syntax
 * (1w = 5d, 1d = 8h), watchers (the reporter watches what they create), attachments (metadata and
 * content; Cloud answers content with a redirect to its media service, the emulator serves the bytes),
 * versions, components, bulk create with per-element errors. JQL is the subset of ./jql.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { adfProblem, docLines, paragraphs } from "./adf.js";
import { JiraError, type JqlIssue, PRIORITIES, parseJql } from "./jql.js";

type Obj = Record<string, unknown>;
type Version = "2" | "3";

export interface JiraSeed {
  users?: { accountId: string; displayName: string; email: string; name?: string }[];
  /** email -> API token (Basic). When none (and no personal token) is seeded, any Basic credentials act as the first user. */
  tokens?: Record<string, string>;
  /** Data Center personal access token -> email of its user (Bearer). */
  personalTokens?: Record<string, string>;
  projects?: { key: string; name: string; components?: string[]; versions?: string[] }[];
  /** Custom fields beyond the built-in Story Points (customfield_10016) and Sprint (customfield_10020). */
  customFields?: {
    name: string;
    type: "number" | "string" | "textarea" | "option" | "date";
    options?: string[];
  }[];
  /** Boards beyond the scrum board each project gets ("<KEY> board"). */
  boards?: { name: string; project: string; type?: "scrum" | "kanban" }[];
  /** Sprints of a project's first scrum board. */
  sprints?: { project: string; name: string; state?: "future" | "active" | "closed"; goal?: string }[];
  issues?: {
    project: string;
    summary: string;
    description?: string;
    type?: string;
    status?: "To Do" | "In Progress" | "Done";
    priority?: string;
    labels?: string[];
    assignee?: string;
    /** Name of a seeded sprint of the project. */
    sprint?: string;
    /** Custom field values by field name. */
    fields?: Record<string, unknown>;
    attachments?: { filename: string; content: string; mimeType?: string }[];
  }[];
}

interface UserRec {
  accountId: string;
  displayName: string;
  email: string;
  name: string;
}
interface FieldDef {
  id: string;
  name: string;
  custom: boolean;
  schema: { type: string; items?: string; system?: string; custom?: string; customId?: number };
  options?: string[];
  /** On the create screen. */
  create?: boolean;
  required?: boolean;
}
interface IssueRec {
  id: string;
  key: string;
  project: string;
  summary: string;
  description: Obj | null;
  type: string;
  status: string;
  priority: string;
  labels: string[];
  assignee: string | null;
  reporter: string;
  created: string;
  updated: string;
  comments: { id: string; body: Obj; author: string; created: string }[];
  custom: Record<string, unknown>;
  sprints: number[];
  watchers: string[];
  worklogs: {
    id: string;
    author: string;
    seconds: number;
    started: string;
    comment: Obj | null;
    created: string;
  }[];
  attachments: number[];
  components: string[];
  fixVersions: string[];
}
interface SprintRec {
  id: number;
  name: string;
  state: "future" | "active" | "closed";
  boardId: number;
  goal?: string;
  startDate?: string;
  endDate?: string;
  completeDate?: string;
  createdDate: string;
}

const STATUSES: Record<string, { id: string; category: "new" | "indeterminate" | "done" }> = {
  "To Do": { id: "10000", category: "new" },
  "In Progress": { id: "3", category: "indeterminate" },
  Done: { id: "10001", category: "done" },
};
const CATEGORY_IDS = { new: 2, indeterminate: 4, done: 3 };
const TRANSITIONS = [
  { id: "11", name: "To Do", to: "To Do" },
  { id: "21", name: "In Progress", to: "In Progress" },
  { id: "31", name: "Done", to: "Done" },
];
const ISSUE_TYPES = ["Task", "Bug", "Story", "Epic"];
const typeId = (name: string) => String(ISSUE_TYPES.indexOf(name) + 10001);
const LINK_TYPES = [
  { id: "10000", name: "Blocks", inward: "is blocked by", outward: "blocks" },
  { id: "10001", name: "Relates", inward: "relates to", outward: "relates to" },
];
const SPRINT_FIELD = "customfield_10020";
const MAX_RECORDED = 5000;
const CF = "com.atlassian.jira.plugin.system.customfieldtypes";
const SYSTEM_FIELDS: FieldDef[] = [
  { id: "summary", name: "Summary", schema: { type: "string" }, create: true, required: true },
  { id: "issuetype", name: "Issue Type", schema: { type: "issuetype" }, create: true, required: true },
  { id: "project", name: "Project", schema: { type: "project" }, create: true, required: true },
  { id: "description", name: "Description", schema: { type: "string" }, create: true },
  { id: "priority", name: "Priority", schema: { type: "priority" }, create: true },
  { id: "labels", name: "Labels", schema: { type: "array", items: "string" }, create: true },
  { id: "assignee", name: "Assignee", schema: { type: "user" }, create: true },
  { id: "components", name: "Components", schema: { type: "array", items: "component" }, create: true },
  { id: "fixVersions", name: "Fix versions", schema: { type: "array", items: "version" }, create: true },
  { id: "reporter", name: "Reporter", schema: { type: "user" } },
  { id: "status", name: "Status", schema: { type: "status" } },
  { id: "created", name: "Created", schema: { type: "datetime" } },
  { id: "updated", name: "Updated", schema: { type: "datetime" } },
  { id: "issuelinks", name: "Linked Issues", schema: { type: "array", items: "issuelinks" } },
  { id: "comment", name: "Comment", schema: { type: "comments-page" } },
  { id: "attachment", name: "Attachment", schema: { type: "array", items: "attachment" } },
  { id: "watches", name: "Watchers", schema: { type: "watches" } },
].map((f) => ({ ...f, custom: false, schema: { ...f.schema, system: f.id } }));

export interface JiraEmulator {
  url: string;
  /** Requests seen, for assertions (method, path, status). */
  requests: { method: string; path: string; status: number }[];
  /** The latest response bodies (up to 5,000), with method, path as requested and status, for schema checks. */
  responses: { method: string; path: string; status: number; body: unknown }[];
  seed(seed: JiraSeed): void;
  close(): Promise<void>;
}

/** "1w 2d 3h 30m" in seconds, Jira's way (1w = 5d, 1d = 8h); undefined when it is not a duration. */
export function durationSeconds(text: string): number | undefined {
  const units: Record<string, number> = { w: 5 * 8 * 3600, d: 8 * 3600, h: 3600, m: 60 };
  const parts = text.trim().toLowerCase().split(/\s+/);
  let total = 0;
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?)([wdhm])$/.exec(p);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
  }
  return total > 0 ? Math.round(total) : undefined;
}

function durationText(seconds: number): string {
  const out: string[] = [];
  let s = seconds;
  for (const [u, n] of [
    ["w", 144000],
    ["d", 28800],
    ["h", 3600],
    ["m", 60],
  ] as const) {
    if (s >= n) {
      out.push(`${Math.floor(s / n)}${u}`);
      s %= n;
    }
  }
  return out.join(" ") || "0m";
}

export async function createJiraEmulator(
  options: { port?: number; host?: string } = {},
): Promise<JiraEmulator> {
  const users: UserRec[] = [];
  const tokens = new Map<string, string>();
  const personalTokens = new Map<string, string>();
  const projects: { id: string; key: string; name: string }[] = [];
  const components: { id: string; name: string; project: string }[] = [];
  const versions: {
    id: string;
    name: string;
    project: string;
    description?: string;
    released: boolean;
    releaseDate?: string;
  }[] = [];
  const fields: FieldDef[] = [
    ...SYSTEM_FIELDS,
    {
      id: "customfield_10016",
      name: "Story Points",
      custom: true,
      create: true,
      schema: { type: "number", custom: `${CF}:float`, customId: 10016 },
    },
    {
      id: SPRINT_FIELD,
      name: "Sprint",
      custom: true,
      create: true,
      schema: {
        type: "array",
        items: "json",
        custom: "com.pyxis.greenhopper.jira:gh-sprint",
        customId: 10020,
      },
    },
  ];
  const issues: IssueRec[] = [];
  const links: { id: string; type: string; inward: string; outward: string }[] = [];
  const boards: { id: number; name: string; type: "scrum" | "kanban"; project: string }[] = [];
  const sprints: SprintRec[] = [];
  const attachments: {
    id: number;
    issue: string;
    filename: string;
    mimeType: string;
    content: Buffer;
    author: string;
    created: string;
  }[] = [];
  const requests: JiraEmulator["requests"] = [];
  const responses: JiraEmulator["responses"] = [];
  let nextId = 10000;
  let url = "";
  const now = () => new Date().toISOString().replace("Z", "+0000");

  // ------------------------------------------------------------------------------------------ views
  const api = (v: Version) => `${url}/rest/api/${v}`;
  const userView = (v: Version, accountId: string | null) => {
    const u = accountId ? users.find((x) => x.accountId === accountId) : undefined;
    if (!u) return null;
    return v === "3"
      ? {
          self: `${api(v)}/user?accountId=${u.accountId}`,
          accountId: u.accountId,
          accountType: "atlassian",
          displayName: u.displayName,
          emailAddress: u.email,
          active: true,
        }
      : {
          self: `${api(v)}/user?username=${u.name}`,
          name: u.name,
          key: u.name,
          displayName: u.displayName,
          emailAddress: u.email,
          active: true,
        };
  };
  const rich = (v: Version, doc: Obj | null) => (doc === null ? null : v === "3" ? doc : docLines(doc));
  const statusView = (name: string) => ({
    id: STATUSES[name]!.id,
    name,
    statusCategory: {
      id: CATEGORY_IDS[STATUSES[name]!.category],
      key: STATUSES[name]!.category,
      name: { new: "To Do", indeterminate: "In Progress", done: "Done" }[STATUSES[name]!.category],
    },
  });
  const projectView = (v: Version, p: (typeof projects)[number]) => ({
    self: `${api(v)}/project/${p.id}`,
    id: p.id,
    key: p.key,
    name: p.name,
    projectTypeKey: "software",
    simplified: false,
  });
  const sprintView = (s: SprintRec) => ({
    id: s.id,
    self: `${url}/rest/agile/1.0/sprint/${s.id}`,
    state: s.state,
    name: s.name,
    originBoardId: s.boardId,
    createdDate: s.createdDate,
    ...(s.startDate ? { startDate: s.startDate } : {}),
    ...(s.endDate ? { endDate: s.endDate } : {}),
    ...(s.completeDate ? { completeDate: s.completeDate } : {}),
    ...(s.goal ? { goal: s.goal } : {}),
  });
  const versionView = (v: Version, x: (typeof versions)[number]) => ({
    self: `${api(v)}/version/${x.id}`,
    id: x.id,
    name: x.name,
    ...(x.description ? { description: x.description } : {}),
    archived: false,
    released: x.released,
    ...(x.releaseDate ? { releaseDate: x.releaseDate } : {}),
    projectId: Number(projects.find((p) => p.key === x.project)!.id),
  });
  const attachmentView = (v: Version, a: (typeof attachments)[number]) => ({
    self: `${api(v)}/attachment/${a.id}`,
    id: a.id,
    filename: a.filename,
    author: userView(v, a.author),
    created: a.created,
    size: a.content.length,
    mimeType: a.mimeType,
    content: `${api(v)}/attachment/content/${a.id}`,
  });
  const issueLinksOf = (key: string) =>
    links
      .filter((l) => l.inward === key || l.outward === key)
      .map((l) => {
        const t = LINK_TYPES.find((x) => x.name === l.type)!;
        const other = issues.find((i) => i.key === (l.outward === key ? l.inward : l.outward));
        const ref = other
          ? {
              id: other.id,
              key: other.key,
              fields: { summary: other.summary, status: statusView(other.status) },
            }
          : null;
        // From `key`'s side: it blocks the inward issue, or is blocked by the outward one.
        return l.outward === key
          ? { id: l.id, type: t, inwardIssue: ref }
          : { id: l.id, type: t, outwardIssue: ref };
      });
  const commentView = (v: Version, i: IssueRec, c: IssueRec["comments"][number]) => ({
    id: c.id,
    self: `${api(v)}/issue/${i.id}/comment/${c.id}`,
    body: rich(v, c.body),
    author: userView(v, c.author),
    created: c.created,
    updated: c.created,
  });
  const worklogView = (v: Version, i: IssueRec, w: IssueRec["worklogs"][number]) => ({
    self: `${api(v)}/issue/${i.id}/worklog/${w.id}`,
    id: w.id,
    issueId: i.id,
    author: userView(v, w.author),
    updateAuthor: userView(v, w.author),
    ...(w.comment ? { comment: rich(v, w.comment) } : {}),
    created: w.created,
    updated: w.created,
    started: w.started,
    timeSpent: durationText(w.seconds),
    timeSpentSeconds: w.seconds,
  });
  const fieldsOf = (v: Version, i: IssueRec, me: string): Obj => ({
    summary: i.summary,
    description: rich(v, i.description),
    issuetype: { id: typeId(i.type), name: i.type, subtask: false },
    status: statusView(i.status),
    priority: { id: String(PRIORITIES.indexOf(i.priority) + 1), name: i.priority },
    labels: i.labels,
    assignee: userView(v, i.assignee),
    reporter: userView(v, i.reporter),
    project: projectView(v, projects.find((p) => p.key === i.project)!),
    created: i.created,
    updated: i.updated,
    issuelinks: issueLinksOf(i.key),
    comment: {
      total: i.comments.length,
      maxResults: i.comments.length,
      startAt: 0,
      comments: i.comments.map((c) => commentView(v, i, c)),
    },
    components: i.components.map((n) => {
      const c = components.find((x) => x.project === i.project && x.name === n)!;
      return { self: `${api(v)}/component/${c.id}`, id: c.id, name: c.name };
    }),
    fixVersions: i.fixVersions.map((n) =>
      versionView(v, versions.find((x) => x.project === i.project && x.name === n)!),
    ),
    attachment: i.attachments.map((id) => {
      const a = attachmentView(v, attachments.find((x) => x.id === id)!);
      return { ...a, id: String(a.id) };
    }),
    watches: {
      self: `${api(v)}/issue/${i.key}/watchers`,
      watchCount: i.watchers.length,
      isWatching: i.watchers.includes(me),
    },
    ...Object.fromEntries(
      fields
        .filter((f) => f.custom)
        .map((f) => [
          f.id,
          f.id === SPRINT_FIELD
            ? i.sprints.length > 0
              ? i.sprints.map((id) => {
                  const s = sprints.find((x) => x.id === id)!;
                  return { ...sprintView(s), boardId: s.boardId };
                })
              : null
            : f.schema.type === "option" && i.custom[f.id] !== undefined
              ? { self: `${api(v)}/customFieldOption/1`, value: i.custom[f.id], id: "1" }
              : f.schema.custom?.endsWith(":textarea") && i.custom[f.id]
                ? rich(v, i.custom[f.id] as Obj)
                : (i.custom[f.id] ?? null),
        ]),
    ),
  });
  const issueView = (v: Version, i: IssueRec, me: string, wanted?: string[]) => {
    const all = fieldsOf(v, i, me);
    const keys =
      !wanted || wanted.includes("*all") || wanted.includes("*navigable")
        ? Object.keys(all)
        : wanted.flatMap((w) => (w in all ? [w] : fields.filter((f) => f.name === w).map((f) => f.id)));
    return {
      expand: "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
      id: i.id,
      key: i.key,
      self: `${api(v)}/issue/${i.id}`,
      fields: Object.fromEntries(keys.filter((f) => f in all).map((f) => [f, all[f]])),
    };
  };
  const jqlView = (i: IssueRec): JqlIssue => ({
    ...i,
    category: STATUSES[i.status]!.category,
    sprints: i.sprints.flatMap((id) => [String(id), sprints.find((s) => s.id === id)!.name]),
    inOpenSprint: i.sprints.some((id) => sprints.find((s) => s.id === id)!.state !== "closed"),
  });

  // ------------------------------------------------------------------------------------------ state
  const find = (idOrKey: string) => {
    const i = issues.find((x) => x.key === idOrKey.toUpperCase() || x.id === idOrKey);
    if (!i) throw new JiraError(404, ["Issue does not exist or you do not have permission to see it."]);
    return i;
  };
  const findProject = (keyOrId: string) => {
    const p = projects.find((x) => x.key === keyOrId.toUpperCase() || x.id === keyOrId);
    if (!p) throw new JiraError(404, [`No project could be found with key '${keyOrId}'.`]);
    return p;
  };
  const findUser = (v: Version, ref: unknown): UserRec | undefined => {
    const r = (
      typeof ref === "string" ? (v === "3" ? { accountId: ref } : { name: ref }) : ref
    ) as Obj | null;
    if (!r) return undefined;
    return users.find((u) => (v === "3" ? u.accountId === r["accountId"] : u.name === r["name"]));
  };
  const boardOf = (id: number) => {
    const b = boards.find((x) => x.id === id);
    if (!b) throw new JiraError(404, ["Board does not exist or you do not have permission to see it."]);
    return b;
  };
  const sprintOf = (id: number) => {
    const s = sprints.find((x) => x.id === id);
    if (!s) throw new JiraError(404, ["Sprint does not exist or you do not have permission to see it."]);
    return s;
  };
  /** Puts issues into a sprint (out of any other open one), Jira's rules first: all or nothing. */
  const moveToSprint = (keys: unknown, sprintId: number | null) => {
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > 50)
      throw new JiraError(400, [], { issues: "Give between 1 and 50 issues." });
    const target = sprintId === null ? null : sprintOf(sprintId);
    if (target?.state === "closed") throw new JiraError(400, ["Issues cannot be moved to a closed sprint."]);
    const list = keys.map((k) => find(String(k)));
    if (target) {
      const board = boardOf(target.boardId);
      const foreign = list.find((i) => i.project !== board.project);
      if (foreign)
        throw new JiraError(400, [`Issue ${foreign.key} is not on the board of sprint ${target.id}.`]);
    }
    for (const i of list) {
      i.sprints = i.sprints.filter((id) => sprintOf(id).state === "closed");
      if (target) i.sprints.push(target.id);
      i.updated = now();
    }
  };

  /** Jira's checks of a create or edit's fields; writes them into `rec` when all pass. */
  const applyFields = (v: Version, f: Obj, rec: IssueRec, creating: boolean) => {
    const errors: Record<string, string> = {};
    const next: Partial<IssueRec> = {};
    /** Custom field values to set; null removes. */
    const custom: Record<string, unknown> = {};
    let sprintTo: number | null | undefined;
    for (const [id, value] of Object.entries(f)) {
      if (id === "project" || (id === "issuetype" && creating)) continue;
      const def = fields.find((x) => x.id === id);
      if (
        !def ||
        (!def.create && !["summary", "description", "labels", "priority", "assignee"].includes(id))
      ) {
        errors[id] = `Field '${id}' cannot be set. It is not on the appropriate screen, or unknown.`;
        continue;
      }
      if (id === "summary") {
        if (typeof value !== "string" || !value.trim())
          errors[id] = "You must specify a summary of the issue.";
        else if (value.length > 255) errors[id] = "Summary must be less than 255 characters.";
        else next.summary = value;
      } else if (id === "description" || def.schema.custom?.endsWith(":textarea")) {
        const put = (doc: Obj | null) => {
          if (id === "description") next.description = doc;
          else custom[id] = doc;
        };
        if (value === null) put(null);
        else if (v === "2") {
          if (typeof value !== "string") errors[id] = "Operation value must be a string";
          else {
            put(paragraphs(value));
          }
        } else {
          const bad = adfProblem(value);
          if (bad) errors[id] = bad;
          else put(value as Obj);
        }
      } else if (id === "priority") {
        const p = (value as Obj | null)?.["name"];
        if (typeof p !== "string" || !PRIORITIES.includes(p))
          errors[id] = `Priority name '${String(p)}' is not valid`;
        else next.priority = p;
      } else if (id === "labels") {
        if (!Array.isArray(value) || value.some((l) => typeof l !== "string" || /\s/.test(l)))
          errors[id] = "Labels are strings without spaces.";
        else next.labels = value as string[];
      } else if (id === "assignee") {
        const u = value === null ? null : findUser(v, value);
        if (u === undefined) errors[id] = "User cannot be assigned issues.";
        else next.assignee = u?.accountId ?? null;
      } else if (id === "components" || id === "fixVersions") {
        const pool: { name: string; project: string; id: string }[] =
          id === "components" ? components : versions;
        const names = Array.isArray(value)
          ? value.map((x) => {
              const o = x as Obj;
              return pool.find((c) => c.project === rec.project && (c.name === o["name"] || c.id === o["id"]))
                ?.name;
            })
          : [undefined];
        if (names.some((n) => n === undefined))
          errors[id] = id === "components" ? "Component name is not valid." : "Version name is not valid.";
        else if (id === "components") next.components = names as string[];
        else next.fixVersions = names as string[];
      } else if (id === SPRINT_FIELD) {
        const sid = Array.isArray(value) ? value[0] : value;
        const s = typeof sid === "number" ? sprints.find((x) => x.id === sid) : undefined;
        if (value !== null && !s) errors[id] = "Number value expected as the Sprint id.";
        else if (s && s.state === "closed") errors[id] = "Issues cannot be moved to a closed sprint.";
        else sprintTo = s?.id ?? null;
      } else if (value === null) {
        custom[id] = null;
      } else if (def.schema.type === "number") {
        if (typeof value !== "number") errors[id] = "Operation value must be a number.";
        else custom[id] = value;
      } else if (def.schema.type === "option") {
        const o = (value as Obj)?.["value"];
        if (typeof o !== "string" || !def.options?.includes(o))
          errors[id] = `Option value '${String(o)}' is not valid`;
        else custom[id] = o;
      } else if (def.schema.type === "date") {
        if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value))
          errors[id] = "Date value is not in the format yyyy-MM-dd.";
        else custom[id] = value;
      } else if (typeof value !== "string") errors[id] = "Operation value must be a string";
      else custom[id] = value;
    }
    if (creating) {
      for (const def of fields.filter((x) => x.required && !["project", "issuetype"].includes(x.id)))
        if (!(def.id in f))
          errors[def.id] ??=
            def.id === "summary" ? "You must specify a summary of the issue." : `${def.name} is required.`;
    }
    const apply = () => {
      Object.assign(rec, next);
      for (const [id, value] of Object.entries(custom)) {
        if (value === null) delete rec.custom[id];
        else rec.custom[id] = value;
      }
      if (sprintTo !== undefined) {
        rec.sprints = rec.sprints.filter((x) => sprintOf(x).state === "closed");
        if (sprintTo !== null) rec.sprints.push(sprintTo);
      }
    };
    return { errors, apply };
  };

  /** Validates and creates one issue from a create request's fields; throws JiraError with every problem. */
  const createIssue = (v: Version, f: Obj, me: string): IssueRec => {
    const errors: Record<string, string> = {};
    const pref = (f["project"] ?? {}) as Obj;
    const project = projects.find((p) => p.key === pref["key"] || p.id === pref["id"]);
    if (!project) errors["project"] = "valid project is required";
    const it = (f["issuetype"] ?? {}) as Obj;
    const type = ISSUE_TYPES.find((t) => t === it["name"] || typeId(t) === it["id"]);
    if (!type) errors["issuetype"] = "Specify a valid issue type";
    const t = now();
    const rec: IssueRec = {
      id: "",
      key: "",
      project: project?.key ?? "",
      summary: "",
      description: null,
      type: type ?? "Task",
      status: "To Do",
      priority: "Medium",
      labels: [],
      assignee: null,
      reporter: me,
      created: t,
      updated: t,
      comments: [],
      custom: {},
      sprints: [],
      watchers: [me],
      worklogs: [],
      attachments: [],
      components: [],
      fixVersions: [],
    };
    const checked = applyFields(v, f, rec, true);
    Object.assign(errors, checked.errors);
    if (Object.keys(errors).length > 0) throw new JiraError(400, [], errors);
    checked.apply();
    rec.id = String(nextId++);
    rec.key = `${rec.project}-${issues.filter((i) => i.project === rec.project).length + 1}`;
    issues.push(rec);
    return rec;
  };

  const whoami = (req: IncomingMessage): string => {
    const auth = req.headers.authorization ?? "";
    const bearer = /^Bearer (.+)$/i.exec(auth);
    const basic = /^Basic (.+)$/i.exec(auth);
    let email: string | undefined;
    if (bearer) {
      email = personalTokens.get(bearer[1]!);
      if (personalTokens.size > 0 && !email)
        throw new JiraError(401, ["Client must be authenticated to access this resource."]);
    } else if (basic) {
      const [e, token] = Buffer.from(basic[1]!, "base64").toString("utf8").split(":");
      if (tokens.size > 0 && tokens.get(e ?? "") !== token)
        throw new JiraError(401, ["Client must be authenticated to access this resource."]);
      email = e;
    } else
      throw new JiraError(401, [
        "You are not authenticated. Authentication required to perform this operation.",
      ]);
    const u = users.find((x) => x.email === email) ?? users[0];
    if (!u) throw new JiraError(401, ["No such user."]);
    return u.accountId;
  };

  const page = <T>(all: T[], q: URLSearchParams, dflt = 50) => {
    const startAt = Math.max(0, Number(q.get("startAt") ?? 0) || 0);
    const maxResults = Math.min(1000, Math.max(1, Number(q.get("maxResults") ?? dflt) || dflt));
    const values = all.slice(startAt, startAt + maxResults);
    return { startAt, maxResults, total: all.length, isLast: startAt + values.length >= all.length, values };
  };
  const list = (x: unknown) =>
    Array.isArray(x)
      ? (x as string[])
      : typeof x === "string" && x
        ? x.split(",").map((s) => s.trim())
        : undefined;

  // ------------------------------------------------------------------------------------------ routes
  type Result = { status: number; body?: unknown; raw?: { type: string; data: Buffer } };

  const platform = (
    v: Version,
    method: string,
    path: string,
    q: URLSearchParams,
    body: Obj,
    me: string,
  ): Result => {
    if (method === "GET" && path === "/myself") return { status: 200, body: userView(v, me) };
    if (path === "/search" && v === "3")
      throw new JiraError(410, [
        "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.",
      ]);
    if ((path === "/search/jql" && v === "3") || (path === "/search" && v === "2")) {
      const p = method === "GET" ? Object.fromEntries(q) : body;
      const { filter, order } = parseJql(String(p["jql"] ?? ""), me);
      let hits = issues.filter((i) => filter(jqlView(i)));
      if (order) hits = [...hits].sort((a, b) => order(jqlView(a), jqlView(b)));
      const max = Math.min(5000, Math.max(1, Number(p["maxResults"] ?? 50) || 50));
      const wanted = list(p["fields"]);
      if (v === "2") {
        const startAt = Math.max(0, Number(p["startAt"] ?? 0) || 0);
        const slice = hits.slice(startAt, startAt + max);
        return {
          status: 200,
          body: {
            startAt,
            maxResults: max,
            total: hits.length,
            issues: slice.map((i) => issueView(v, i, me, wanted)),
          },
        };
      }
      const token = p["nextPageToken"] as string | undefined;
      const start = token ? Number(Buffer.from(token, "base64url").toString("utf8")) : 0;
      if (!Number.isInteger(start) || start < 0)
        throw new JiraError(400, ["The nextPageToken is invalid or expired."]);
      const slice = hits.slice(start, start + max);
      const end = start + slice.length;
      return {
        status: 200,
        body: {
          issues: slice.map((i) => issueView(v, i, me, wanted)),
          ...(end < hits.length ? { nextPageToken: Buffer.from(String(end)).toString("base64url") } : {}),
          isLast: end >= hits.length,
        },
      };
    }
    if (method === "GET" && path === "/field")
      return {
        status: 200,
        body: fields.map((f) => ({
          id: f.id,
          key: f.id,
          name: f.name,
          custom: f.custom,
          orderable: true,
          navigable: true,
          searchable: true,
          clauseNames: f.custom ? [`cf[${f.schema.customId}]`, f.name] : [f.id],
          schema: f.schema,
        })),
      };
    if (method === "GET" && path === "/project/search" && v === "3") {
      const query = (q.get("query") ?? "").toLowerCase();
      const hits = projects.filter(
        (p) => !query || p.key.toLowerCase().includes(query) || p.name.toLowerCase().includes(query),
      );
      return {
        status: 200,
        body: {
          self: `${api(v)}/project/search`,
          ...page(
            hits.map((p) => projectView(v, p)),
            q,
          ),
        },
      };
    }
    if (method === "GET" && path === "/project")
      return { status: 200, body: projects.map((p) => projectView(v, p)) };
    const pm = /^\/project\/([^/]+)(?:\/(versions|components))?$/.exec(path);
    if (method === "GET" && pm) {
      const p = findProject(decodeURIComponent(pm[1]!));
      if (pm[2] === "versions")
        return {
          status: 200,
          body: versions.filter((x) => x.project === p.key).map((x) => versionView(v, x)),
        };
      if (pm[2] === "components")
        return {
          status: 200,
          body: components
            .filter((c) => c.project === p.key)
            .map((c) => ({
              self: `${api(v)}/component/${c.id}`,
              id: c.id,
              name: c.name,
              project: p.key,
              projectId: Number(p.id),
            })),
        };
      return { status: 200, body: projectView(v, p) };
    }
    if (method === "POST" && path === "/version") {
      const p = projects.find((x) => x.key === body["project"] || x.id === String(body["projectId"] ?? ""));
      const errors: Record<string, string> = {};
      if (!p) errors["project"] = "Project must be specified to create a version.";
      if (typeof body["name"] !== "string" || !body["name"].trim())
        errors["name"] = "You must specify a valid version name";
      else if (p && versions.some((x) => x.project === p.key && x.name === body["name"]))
        errors["name"] = "A version with this name already exists in this project.";
      if (body["releaseDate"] !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(body["releaseDate"])))
        errors["releaseDate"] = "Please enter the date in the following format: yyyy-MM-dd";
      if (Object.keys(errors).length > 0) throw new JiraError(400, [], errors);
      const x = {
        id: String(nextId++),
        name: body["name"] as string,
        project: p!.key,
        ...(typeof body["description"] === "string" ? { description: body["description"] } : {}),
        released: body["released"] === true,
        ...(body["releaseDate"] ? { releaseDate: String(body["releaseDate"]) } : {}),
      };
      versions.push(x);
      return { status: 201, body: versionView(v, x) };
    }
    const cm = /^\/issue\/createmeta\/([^/]+)\/issuetypes(?:\/([^/]+))?$/.exec(path);
    if (method === "GET" && cm) {
      const p = findProject(decodeURIComponent(cm[1]!));
      if (!cm[2]) {
        const types = ISSUE_TYPES.map((t) => ({
          self: `${api(v)}/issuetype/${typeId(t)}`,
          id: typeId(t),
          name: t,
          description: `A ${t.toLowerCase()}.`,
          subtask: false,
        }));
        const pg = page(types, q);
        return {
          status: 200,
          body:
            v === "3"
              ? { issueTypes: pg.values, startAt: pg.startAt, maxResults: pg.maxResults, total: pg.total }
              : pg,
        };
      }
      const type = ISSUE_TYPES.find((t) => typeId(t) === cm[2]);
      if (!type)
        throw new JiraError(404, [`Issue type with id '${cm[2]}' does not exist in project ${p.key}.`]);
      const meta = fields
        .filter((f) => f.create)
        .map((f) => ({
          fieldId: f.id,
          key: f.id,
          name: f.name,
          required: f.required === true,
          schema: f.schema,
          operations: ["set"],
          hasDefaultValue: f.id === "priority",
          ...(f.id === "priority"
            ? { allowedValues: PRIORITIES.map((n, k) => ({ id: String(k + 1), name: n })) }
            : {}),
          ...(f.options ? { allowedValues: f.options.map((o, k) => ({ id: String(k + 1), value: o })) } : {}),
          ...(f.id === "components"
            ? {
                allowedValues: components
                  .filter((c) => c.project === p.key)
                  .map((c) => ({ id: c.id, name: c.name })),
              }
            : {}),
          ...(f.id === "fixVersions"
            ? {
                allowedValues: versions
                  .filter((x) => x.project === p.key)
                  .map((x) => ({ id: x.id, name: x.name })),
              }
            : {}),
        }));
      const pg = page(meta, q);
      return {
        status: 200,
        body:
          v === "3"
            ? { fields: pg.values, startAt: pg.startAt, maxResults: pg.maxResults, total: pg.total }
            : pg,
      };
    }
    if (method === "GET" && path === "/user/search") {
      const query = (q.get(v === "3" ? "query" : "username") ?? "").toLowerCase();
      if (!query)
        throw new JiraError(400, [
          v === "3" ? "The query parameter is required." : "The username query parameter was not provided",
        ]);
      const hits = users.filter(
        (u) =>
          u.displayName.toLowerCase().includes(query) ||
          u.email.toLowerCase().startsWith(query) ||
          u.name.toLowerCase().startsWith(query),
      );
      return {
        status: 200,
        body: hits.slice(0, Number(q.get("maxResults") ?? 50) || 50).map((u) => userView(v, u.accountId)),
      };
    }
    if (method === "POST" && path === "/issue") {
      const rec = createIssue(v, (body["fields"] ?? {}) as Obj, me);
      return { status: 201, body: { id: rec.id, key: rec.key, self: `${api(v)}/issue/${rec.id}` } };
    }
    if (method === "POST" && path === "/issue/bulk") {
      const updates = body["issueUpdates"];
      if (!Array.isArray(updates) || updates.length === 0 || updates.length > 50)
        throw new JiraError(400, ["Give between 1 and 50 issueUpdates."]);
      const made: Obj[] = [];
      const errors: Obj[] = [];
      updates.forEach((u, n) => {
        try {
          const rec = createIssue(v, ((u as Obj)["fields"] ?? {}) as Obj, me);
          made.push({ id: rec.id, key: rec.key, self: `${api(v)}/issue/${rec.id}` });
        } catch (err) {
          if (!(err instanceof JiraError)) throw err;
          errors.push({
            status: err.status,
            elementErrors: { errorMessages: err.errorMessages, errors: err.errors, status: err.status },
            failedElementNumber: n,
          });
        }
      });
      return { status: made.length > 0 ? 201 : 400, body: { issues: made, errors } };
    }
    if (method === "POST" && path === "/issueLink") {
      const type = LINK_TYPES.find((t) => t.name === ((body["type"] as Obj | undefined)?.["name"] as string));
      if (!type)
        throw new JiraError(404, [
          `No issue link type with name '${String((body["type"] as Obj | undefined)?.["name"])}' found.`,
        ]);
      const inward = find(String((body["inwardIssue"] as Obj | undefined)?.["key"] ?? ""));
      const outward = find(String((body["outwardIssue"] as Obj | undefined)?.["key"] ?? ""));
      if (!links.some((l) => l.type === type.name && l.inward === inward.key && l.outward === outward.key))
        links.push({ id: String(nextId++), type: type.name, inward: inward.key, outward: outward.key });
      return { status: 201 };
    }
    const am = /^\/attachment\/(content\/)?(\d+)$/.exec(path);
    if (method === "GET" && am) {
      const a = attachments.find((x) => x.id === Number(am[2]));
      if (!a) throw new JiraError(404, ["The attachment with this ID does not exist."]);
      if (am[1]) return { status: 200, raw: { type: a.mimeType, data: a.content } };
      return { status: 200, body: attachmentView(v, a) };
    }
    const m = /^\/issue\/([^/]+)(?:\/(transitions|comment|worklog|watchers))?$/.exec(path);
    if (!m) throw new JiraError(404, [`No route for ${method} ${path} in the emulator.`]);
    const issue = find(decodeURIComponent(m[1]!));
    const sub = m[2];
    if (!sub && method === "GET")
      return { status: 200, body: issueView(v, issue, me, list(q.get("fields"))) };
    if (!sub && method === "PUT") {
      const checked = applyFields(v, (body["fields"] ?? {}) as Obj, issue, false);
      if (Object.keys(checked.errors).length > 0) throw new JiraError(400, [], checked.errors);
      checked.apply();
      issue.updated = now();
      return { status: 204 };
    }
    if (sub === "transitions" && method === "GET")
      return {
        status: 200,
        body: {
          transitions: TRANSITIONS.filter((t) => t.to !== issue.status).map((t) => ({
            id: t.id,
            name: t.name,
            to: statusView(t.to),
            isAvailable: true,
          })),
        },
      };
    if (sub === "transitions" && method === "POST") {
      const id = String((body["transition"] as Obj | undefined)?.["id"] ?? "");
      const t = TRANSITIONS.find((x) => x.id === id && x.to !== issue.status);
      if (!t) throw new JiraError(400, [`Transition id '${id}' is not valid for this issue.`]);
      issue.status = t.to;
      issue.updated = now();
      return { status: 204 };
    }
    if (sub === "comment" && method === "POST") {
      const doc = richIn(v, body["body"], "comment", "Comment body can not be empty!");
      const c = { id: String(nextId++), body: doc, author: me, created: now() };
      issue.comments.push(c);
      issue.updated = c.created;
      return { status: 201, body: commentView(v, issue, c) };
    }
    if (sub === "comment" && method === "GET") {
      const pg = page(
        issue.comments.map((c) => commentView(v, issue, c)),
        q,
        5000,
      );
      return {
        status: 200,
        body: { comments: pg.values, total: pg.total, startAt: pg.startAt, maxResults: pg.maxResults },
      };
    }
    if (sub === "worklog" && method === "POST") {
      const seconds =
        typeof body["timeSpentSeconds"] === "number"
          ? body["timeSpentSeconds"]
          : typeof body["timeSpent"] === "string"
            ? durationSeconds(body["timeSpent"])
            : undefined;
      if (!seconds || seconds <= 0)
        throw new JiraError(400, [], { timeLogged: "Invalid time duration entered." });
      const started = body["started"] === undefined ? now() : String(body["started"]);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$/.test(started))
        throw new JiraError(400, [], {
          started: "Cannot parse the started date: use yyyy-MM-dd'T'HH:mm:ss.SSSZ.",
        });
      const comment =
        body["comment"] === undefined
          ? null
          : richIn(v, body["comment"], "comment", "Comment can not be empty.");
      const w = { id: String(nextId++), author: me, seconds, started, comment, created: now() };
      issue.worklogs.push(w);
      issue.updated = w.created;
      return { status: 201, body: worklogView(v, issue, w) };
    }
    if (sub === "worklog" && method === "GET") {
      const pg = page(
        issue.worklogs.map((w) => worklogView(v, issue, w)),
        q,
        5000,
      );
      return {
        status: 200,
        body: { startAt: pg.startAt, maxResults: pg.maxResults, total: pg.total, worklogs: pg.values },
      };
    }
    if (sub === "watchers" && method === "GET")
      return {
        status: 200,
        body: {
          self: `${api(v)}/issue/${issue.key}/watchers`,
          isWatching: issue.watchers.includes(me),
          watchCount: issue.watchers.length,
          watchers: issue.watchers.map((id) => userView(v, id)),
        },
      };
    if (sub === "watchers" && (method === "POST" || method === "DELETE")) {
      const ref = method === "POST" ? (body as unknown) : q.get(v === "3" ? "accountId" : "username");
      const u = typeof ref === "string" ? findUser(v, ref) : undefined;
      if (!u) throw new JiraError(404, [`The user "${String(ref)}" does not exist.`]);
      if (method === "POST" && !issue.watchers.includes(u.accountId)) issue.watchers.push(u.accountId);
      if (method === "DELETE") issue.watchers = issue.watchers.filter((x) => x !== u.accountId);
      return { status: 204 };
    }
    throw new JiraError(404, [`No route for ${method} ${path} in the emulator.`]);
  };

  /** A rich-text body as this API version takes it (ADF on v3, a string on v2), stored as ADF. */
  const richIn = (v: Version, value: unknown, field: string, empty: string): Obj => {
    if (value === undefined || value === null || value === "")
      throw new JiraError(400, [], { [field]: empty });
    if (v === "2") {
      if (typeof value !== "string")
        throw new JiraError(400, [], { [field]: "Operation value must be a string" });
      return paragraphs(value);
    }
    const bad = adfProblem(value);
    if (bad) throw new JiraError(400, [], { [field]: bad });
    return value as Obj;
  };

  const agile = (method: string, path: string, q: URLSearchParams, body: Obj, me: string): Result => {
    const searchResults = (hits: IssueRec[]) => {
      const pg = page(hits, q);
      return {
        expand: "schema,names",
        startAt: pg.startAt,
        maxResults: pg.maxResults,
        total: pg.total,
        issues: pg.values.map((i) => issueView("3", i, me, list(q.get("fields")))),
      };
    };
    const boardView = (b: (typeof boards)[number]) => {
      const p = projects.find((x) => x.key === b.project)!;
      return {
        id: b.id,
        self: `${url}/rest/agile/1.0/board/${b.id}`,
        name: b.name,
        type: b.type,
        location: {
          projectId: Number(p.id),
          projectKey: p.key,
          projectName: p.name,
          displayName: `${p.name} (${p.key})`,
          projectTypeKey: "software",
          name: `${p.name} (${p.key})`,
        },
      };
    };
    if (method === "GET" && path === "/board") {
      const key = q.get("projectKeyOrId");
      const project = key ? findProject(key).key : undefined;
      const hits = boards.filter(
        (b) =>
          (!project || b.project === project) &&
          (!q.get("type") || b.type === q.get("type")) &&
          (!q.get("name") || b.name.toLowerCase().includes(q.get("name")!.toLowerCase())),
      );
      return { status: 200, body: page(hits.map(boardView), q) };
    }
    const bm = /^\/board\/(\d+)(?:\/(sprint|backlog))?$/.exec(path);
    if (method === "GET" && bm) {
      const b = boardOf(Number(bm[1]));
      if (!bm[2]) return { status: 200, body: boardView(b) };
      if (bm[2] === "sprint") {
        if (b.type !== "scrum") throw new JiraError(400, ["The board does not support sprints"]);
        const states = list(q.get("state"));
        const hits = sprints.filter((s) => s.boardId === b.id && (!states || states.includes(s.state)));
        const pg = page(hits.map(sprintView), q);
        return {
          status: 200,
          body: { maxResults: pg.maxResults, startAt: pg.startAt, isLast: pg.isLast, values: pg.values },
        };
      }
      const backlog = issues.filter(
        (i) => i.project === b.project && STATUSES[i.status]!.category !== "done" && !jqlView(i).inOpenSprint,
      );
      return { status: 200, body: searchResults(backlog) };
    }
    if (method === "POST" && path === "/sprint") {
      const errors: Record<string, string> = {};
      if (typeof body["name"] !== "string" || !body["name"].trim())
        errors["name"] = "The sprint name is required.";
      else if (body["name"].length > 30) errors["name"] = "The sprint name must be less than 30 characters.";
      const b = boards.find((x) => x.id === Number(body["originBoardId"]));
      if (!b) errors["originBoardId"] = "Board does not exist or you do not have permission to see it.";
      else if (b.type !== "scrum") errors["originBoardId"] = "The board does not support sprints";
      if (Object.keys(errors).length > 0) throw new JiraError(400, [], errors);
      const s: SprintRec = {
        id: nextId++,
        name: body["name"] as string,
        state: "future",
        boardId: b!.id,
        createdDate: new Date().toISOString(),
        ...(typeof body["goal"] === "string" && body["goal"] ? { goal: body["goal"] } : {}),
        ...(typeof body["startDate"] === "string" ? { startDate: body["startDate"] } : {}),
        ...(typeof body["endDate"] === "string" ? { endDate: body["endDate"] } : {}),
      };
      sprints.push(s);
      return { status: 201, body: sprintView(s) };
    }
    const sm = /^\/sprint\/(\d+)(?:\/(issue))?$/.exec(path);
    if (sm) {
      const s = sprintOf(Number(sm[1]));
      if (!sm[2] && method === "GET") return { status: 200, body: sprintView(s) };
      if (!sm[2] && method === "POST") {
        const next = { ...s };
        if (typeof body["name"] === "string") next.name = body["name"];
        if (typeof body["goal"] === "string") next.goal = body["goal"];
        if (typeof body["startDate"] === "string") next.startDate = body["startDate"];
        if (typeof body["endDate"] === "string") next.endDate = body["endDate"];
        const state = body["state"];
        if (state !== undefined && state !== s.state) {
          if (s.state === "closed") throw new JiraError(400, ["A closed sprint cannot be changed."]);
          if (state === "active" && s.state === "future") {
            if (!next.startDate || !next.endDate)
              throw new JiraError(400, [], {
                startDate: "A sprint needs a start and end date to be started.",
              });
            if (sprints.some((x) => x.boardId === s.boardId && x.state === "active"))
              throw new JiraError(400, ["This board already has an active sprint; complete it first."]);
            next.state = "active";
          } else if (state === "closed" && s.state === "active") {
            next.state = "closed";
            next.completeDate = new Date().toISOString();
          } else throw new JiraError(400, [`A ${s.state} sprint cannot become ${String(state)}.`]);
        }
        Object.assign(s, next);
        // Completing a sprint sends its unfinished issues back to the backlog.
        if (s.state === "closed")
          for (const i of issues)
            if (i.sprints.includes(s.id) && STATUSES[i.status]!.category !== "done")
              i.sprints = i.sprints.filter((x) => x !== s.id);
        return { status: 200, body: sprintView(s) };
      }
      if (sm[2] === "issue" && method === "GET")
        return { status: 200, body: searchResults(issues.filter((i) => i.sprints.includes(s.id))) };
      if (sm[2] === "issue" && method === "POST") {
        moveToSprint(body["issues"], s.id);
        return { status: 204 };
      }
    }
    if (method === "POST" && path === "/backlog/issue") {
      moveToSprint(body["issues"], null);
      return { status: 204 };
    }
    throw new JiraError(404, [`No route for ${method} /rest/agile/1.0${path} in the emulator.`]);
  };

  const handle = (req: IncomingMessage, body: Obj): Result => {
    const u = new URL(req.url ?? "/", "http://localhost");
    const path = u.pathname.replace(/\/+$/, "");
    const method = req.method ?? "GET";
    const me = whoami(req);
    const pm = /^\/rest\/api\/(2|3)(\/.*)$/.exec(path);
    if (pm) return platform(pm[1] as Version, method, pm[2]!, u.searchParams, body, me);
    const am = /^\/rest\/agile\/1\.0(\/.*)$/.exec(path);
    if (am) return agile(method, am[1]!, u.searchParams, body, me);
    throw new JiraError(404, [`No route for ${method} ${path} in the emulator.`]);
  };

  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "").split("?")[0]!;
      const send = (status: number, body?: unknown, raw?: Result["raw"]) => {
        requests.push({ method: req.method ?? "GET", path, status });
        if (body !== undefined) {
          responses.push({ method: req.method ?? "GET", path, status, body });
          // A long-running `repowright emulate jira` keeps only the latest.
          if (responses.length > MAX_RECORDED) responses.splice(0, responses.length - MAX_RECORDED);
        }
        if (raw) {
          res.writeHead(status, { "content-type": raw.type, "content-length": raw.data.length });
          res.end(raw.data);
        } else if (body === undefined) {
          res.writeHead(status);
          res.end();
        } else {
          res.writeHead(status, { "content-type": "application/json;charset=UTF-8" });
          res.end(JSON.stringify(body));
        }
      };
      let body: Obj = {};
      try {
        const text = Buffer.concat(chunks).toString("utf8");
        body = text ? (JSON.parse(text) as Obj) : {};
      } catch {
        return send(400, { errorMessages: ["Unexpected character: the body is not JSON."], errors: {} });
      }
      try {
        const r = handle(req, body);
        send(r.status, r.body, r.raw);
      } catch (err) {
        if (err instanceof JiraError)
          send(err.status, { errorMessages: err.errorMessages, errors: err.errors });
        else send(500, { errorMessages: [String((err as Error)?.message ?? err)], errors: {} });
      }
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  url = `http://${options.host ?? "127.0.0.1"}:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    responses,
    seed(seed) {
      for (const u of seed.users ?? []) users.push({ ...u, name: u.name ?? u.email.split("@")[0]! });
      if (users.length === 0)
        users.push({
          accountId: "5b10ac8d82e05b22cc7d4ef5",
          displayName: "Emulator User",
          email: "user@example.test",
          name: "user",
        });
      for (const [email, token] of Object.entries(seed.tokens ?? {})) tokens.set(email, token);
      for (const [token, email] of Object.entries(seed.personalTokens ?? {}))
        personalTokens.set(token, email);
      for (const f of seed.customFields ?? []) {
        const customId = 10100 + fields.filter((x) => x.custom).length;
        const type = f.type === "textarea" ? "string" : f.type;
        fields.push({
          id: `customfield_${customId}`,
          name: f.name,
          custom: true,
          create: true,
          schema: {
            type,
            custom: `${CF}:${{ number: "float", string: "textfield", textarea: "textarea", option: "select", date: "datepicker" }[f.type]}`,
            customId,
          },
          ...(f.options ? { options: f.options } : {}),
        });
      }
      for (const p of seed.projects ?? []) {
        projects.push({ id: String(10000 + projects.length), key: p.key, name: p.name });
        for (const c of p.components ?? [])
          components.push({ id: String(nextId++), name: c, project: p.key });
        for (const x of p.versions ?? [])
          versions.push({ id: String(nextId++), name: x, project: p.key, released: false });
        boards.push({ id: boards.length + 1, name: `${p.key} board`, type: "scrum", project: p.key });
      }
      for (const b of seed.boards ?? [])
        boards.push({ id: boards.length + 1, name: b.name, type: b.type ?? "scrum", project: b.project });
      for (const s of seed.sprints ?? []) {
        const b = boards.find((x) => x.project === s.project && x.type === "scrum");
        if (!b) throw new Error(`no scrum board for ${s.project}`);
        const day = 86_400_000;
        sprints.push({
          id: nextId++,
          name: s.name,
          state: s.state ?? "future",
          boardId: b.id,
          createdDate: new Date(Date.now() - 7 * day).toISOString(),
          ...(s.goal ? { goal: s.goal } : {}),
          ...(s.state && s.state !== "future"
            ? {
                startDate: new Date(Date.now() - 7 * day).toISOString(),
                endDate: new Date(Date.now() + 7 * day).toISOString(),
              }
            : {}),
          ...(s.state === "closed" ? { completeDate: new Date().toISOString() } : {}),
        });
      }
      const reporter = users[0]!.accountId;
      for (const s of seed.issues ?? []) {
        const custom: Obj = {};
        for (const [name, value] of Object.entries(s.fields ?? {})) {
          const f = fields.find((x) => x.name === name && x.custom);
          if (!f) throw new Error(`no custom field ${name}`);
          custom[f.id] = f.schema.type === "option" ? { value } : value;
        }
        const sprint = s.sprint ? sprints.find((x) => x.name === s.sprint) : undefined;
        if (s.sprint && !sprint) throw new Error(`no sprint ${s.sprint}`);
        const rec = createIssue(
          "3",
          {
            project: { key: s.project },
            summary: s.summary,
            issuetype: { name: s.type ?? "Task" },
            priority: { name: s.priority ?? "Medium" },
            labels: s.labels ?? [],
            ...(s.description ? { description: paragraphs(s.description) } : {}),
            ...(s.assignee ? { assignee: { accountId: s.assignee } } : {}),
            ...(sprint ? { [SPRINT_FIELD]: sprint.id } : {}),
            ...custom,
          },
          reporter,
        );
        rec.status = s.status ?? "To Do";
        for (const a of s.attachments ?? []) {
          const id = nextId++;
          attachments.push({
            id,
            issue: rec.key,
            filename: a.filename,
            mimeType: a.mimeType ?? "text/plain",
            content: Buffer.from(a.content, "utf8"),
            author: reporter,
            created: now(),
          });
          rec.attachments.push(id);
        }
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
