/**
 * A Jira Cloud emulator: the REST API v3 endpoints the jira toolset uses, on loopback, with state, so the
 * toolset (through jira.js, over real HTTP) can be tested without the internet, and people can try agents
 * against it (`repowright emulate jira`).
 *
 * Faithful where clients notice: Basic auth (401 without it), Atlassian Document Format bodies, the
 * enhanced JQL search with `nextPageToken`, Jira's error body (`errorMessages` + `errors` by field),
 * workflow transitions (To Do -> In Progress -> Done), issue links, comments. JQL is a subset: clauses
 * joined by AND (=, !=, in, not in, ~, is EMPTY, currentUser()), ORDER BY; anything else is a 400 naming
 * the part it did not understand, as Jira does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { adfProblem, paragraphs, searchableText } from "./adf.js";

type Obj = Record<string, unknown>;

export interface JiraSeed {
  users?: { accountId: string; displayName: string; email: string }[];
  /** email -> API token. When none is seeded, any Basic credentials act as the first user. */
  tokens?: Record<string, string>;
  projects?: { key: string; name: string }[];
  issues?: {
    project: string;
    summary: string;
    description?: string;
    type?: string;
    status?: "To Do" | "In Progress" | "Done";
    priority?: string;
    labels?: string[];
    assignee?: string;
  }[];
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
}

interface LinkRec {
  id: string;
  type: string;
  inward: string;
  outward: string;
}

const STATUSES: Record<string, { id: string; category: "new" | "indeterminate" | "done" }> = {
  "To Do": { id: "10000", category: "new" },
  "In Progress": { id: "3", category: "indeterminate" },
  Done: { id: "10001", category: "done" },
};
const TRANSITIONS = [
  { id: "11", name: "To Do", to: "To Do" },
  { id: "21", name: "In Progress", to: "In Progress" },
  { id: "31", name: "Done", to: "Done" },
];
const ISSUE_TYPES = ["Task", "Bug", "Story", "Epic"];
const PRIORITIES = ["Highest", "High", "Medium", "Low", "Lowest"];
const LINK_TYPES = [
  { id: "10000", name: "Blocks", inward: "is blocked by", outward: "blocks" },
  { id: "10001", name: "Relates", inward: "relates to", outward: "relates to" },
];

export interface JiraEmulator {
  url: string;
  /** Requests seen, for assertions (method, path, status). */
  requests: { method: string; path: string; status: number }[];
  seed(seed: JiraSeed): void;
  close(): Promise<void>;
}

class JiraError extends Error {
  constructor(
    readonly status: number,
    readonly errorMessages: string[] = [],
    readonly errors: Record<string, string> = {},
  ) {
    super(errorMessages[0] ?? Object.values(errors)[0] ?? `HTTP ${status}`);
  }
}

export async function createJiraEmulator(
  options: { port?: number; host?: string } = {},
): Promise<JiraEmulator> {
  const users: NonNullable<JiraSeed["users"]> = [];
  const tokens = new Map<string, string>();
  const projects: NonNullable<JiraSeed["projects"]> = [];
  const issues: IssueRec[] = [];
  const links: LinkRec[] = [];
  const requests: JiraEmulator["requests"] = [];
  let nextId = 10000;
  let url = "";
  const now = () => new Date().toISOString().replace("Z", "+0000");

  const userView = (accountId: string | null) => {
    if (!accountId) return null;
    const u = users.find((x) => x.accountId === accountId);
    return u
      ? { accountId: u.accountId, displayName: u.displayName, emailAddress: u.email, active: true }
      : null;
  };
  const statusView = (name: string) => ({
    id: STATUSES[name]!.id,
    name,
    statusCategory: { key: STATUSES[name]!.category, name: STATUSES[name]!.category },
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
  const fieldsOf = (i: IssueRec): Obj => ({
    summary: i.summary,
    description: i.description,
    issuetype: { id: String(ISSUE_TYPES.indexOf(i.type) + 10001), name: i.type },
    status: statusView(i.status),
    priority: { name: i.priority },
    labels: i.labels,
    assignee: userView(i.assignee),
    reporter: userView(i.reporter),
    project: { key: i.project, name: projects.find((p) => p.key === i.project)?.name ?? i.project },
    created: i.created,
    updated: i.updated,
    issuelinks: issueLinksOf(i.key),
    comment: { total: i.comments.length, comments: i.comments.map((c) => commentView(i, c)) },
  });
  const commentView = (i: IssueRec, c: IssueRec["comments"][number]) => ({
    id: c.id,
    self: `${url}/rest/api/3/issue/${i.id}/comment/${c.id}`,
    body: c.body,
    author: userView(c.author),
    created: c.created,
    updated: c.created,
  });
  const issueView = (i: IssueRec, fields?: string[]) => {
    const all = fieldsOf(i);
    const wanted =
      !fields || fields.includes("*all") || fields.includes("*navigable") ? Object.keys(all) : fields;
    return {
      id: i.id,
      key: i.key,
      self: `${url}/rest/api/3/issue/${i.id}`,
      fields: Object.fromEntries(wanted.filter((f) => f in all).map((f) => [f, all[f]])),
    };
  };
  const find = (idOrKey: string) => {
    const i = issues.find((x) => x.key === idOrKey.toUpperCase() || x.id === idOrKey);
    if (!i) throw new JiraError(404, ["Issue does not exist or you do not have permission to see it."]);
    return i;
  };

  const addIssue = (s: NonNullable<JiraSeed["issues"]>[number], reporter: string): IssueRec => {
    const project = projects.find((p) => p.key === s.project);
    if (!project) throw new JiraError(400, [], { project: "valid project is required" });
    const n = issues.filter((i) => i.project === project.key).length + 1;
    const t = now();
    const rec: IssueRec = {
      id: String(nextId++),
      key: `${project.key}-${n}`,
      project: project.key,
      summary: s.summary,
      description: s.description ? paragraphs(s.description) : null,
      type: s.type ?? "Task",
      status: s.status ?? "To Do",
      priority: s.priority ?? "Medium",
      labels: s.labels ?? [],
      assignee: s.assignee ?? null,
      reporter,
      created: t,
      updated: t,
      comments: [],
    };
    issues.push(rec);
    return rec;
  };

  const whoami = (req: IncomingMessage): string => {
    const auth = req.headers.authorization ?? "";
    const m = /^Basic (.+)$/i.exec(auth);
    if (!m)
      throw new JiraError(401, [
        "You are not authenticated. Authentication required to perform this operation.",
      ]);
    const [email, token] = Buffer.from(m[1]!, "base64").toString("utf8").split(":");
    if (tokens.size > 0 && tokens.get(email ?? "") !== token)
      throw new JiraError(401, ["Client must be authenticated to access this resource."]);
    const u = users.find((x) => x.email === email) ?? users[0];
    if (!u) throw new JiraError(401, ["No such user."]);
    return u.accountId;
  };

  const search = (
    me: string,
    jql: string,
    maxResults: number,
    token: string | undefined,
    fields?: string[],
  ) => {
    const { filter, order } = parseJql(jql, me);
    let hits = issues.filter(filter);
    if (order) hits = [...hits].sort(order);
    const start = token ? Number(Buffer.from(token, "base64url").toString("utf8")) : 0;
    if (!Number.isInteger(start) || start < 0)
      throw new JiraError(400, ["The nextPageToken is invalid or expired."]);
    const page = hits.slice(start, start + maxResults);
    const end = start + page.length;
    return {
      issues: page.map((i) => issueView(i, fields)),
      ...(end < hits.length ? { nextPageToken: Buffer.from(String(end)).toString("base64url") } : {}),
      isLast: end >= hits.length,
    };
  };

  const handle = async (req: IncomingMessage, body: Obj): Promise<{ status: number; body?: unknown }> => {
    const u = new URL(req.url ?? "/", "http://localhost");
    const path = u.pathname.replace(/\/+$/, "");
    const method = req.method ?? "GET";
    const me = whoami(req);
    const list = (v: string | null) => (v ? v.split(",").map((s) => s.trim()) : undefined);
    if (method === "GET" && path === "/rest/api/3/myself") return { status: 200, body: userView(me) };
    if (path === "/rest/api/3/search/jql") {
      const q = method === "GET" ? Object.fromEntries(u.searchParams) : body;
      const jql = String(q["jql"] ?? "");
      const max = Math.min(5000, Math.max(1, Number(q["maxResults"] ?? 50) || 50));
      const fields = Array.isArray(q["fields"])
        ? (q["fields"] as string[])
        : list((q["fields"] as string) ?? null);
      return { status: 200, body: search(me, jql, max, (q["nextPageToken"] as string) || undefined, fields) };
    }
    if (method === "POST" && path === "/rest/api/3/issue") {
      const f = (body["fields"] ?? {}) as Obj;
      const errors: Record<string, string> = {};
      const projectKey = ((f["project"] as Obj | undefined)?.["key"] as string | undefined) ?? "";
      if (!projects.some((p) => p.key === projectKey)) errors["project"] = "valid project is required";
      if (typeof f["summary"] !== "string" || !f["summary"].trim())
        errors["summary"] = "You must specify a summary of the issue.";
      else if (f["summary"].length > 255) errors["summary"] = "Summary must be less than 255 characters.";
      const type = ((f["issuetype"] as Obj | undefined)?.["name"] as string | undefined) ?? "";
      if (!ISSUE_TYPES.includes(type)) errors["issuetype"] = "Specify a valid issue type";
      const priority = ((f["priority"] as Obj | undefined)?.["name"] as string | undefined) ?? "Medium";
      if (!PRIORITIES.includes(priority)) errors["priority"] = `Priority name '${priority}' is not valid`;
      if (f["description"] !== undefined && f["description"] !== null) {
        const bad = adfProblem(f["description"]);
        if (bad) errors["description"] = bad;
      }
      if (Object.keys(errors).length > 0) throw new JiraError(400, [], errors);
      const rec = addIssue(
        {
          project: projectKey,
          summary: f["summary"] as string,
          type,
          priority,
          labels: (f["labels"] as string[] | undefined) ?? [],
          assignee: ((f["assignee"] as Obj | undefined)?.["accountId"] as string | undefined) ?? undefined,
        },
        me,
      );
      if (f["description"]) rec.description = f["description"] as Obj;
      return { status: 201, body: { id: rec.id, key: rec.key, self: `${url}/rest/api/3/issue/${rec.id}` } };
    }
    if (method === "POST" && path === "/rest/api/3/issueLink") {
      const type = LINK_TYPES.find((t) => t.name === ((body["type"] as Obj | undefined)?.["name"] as string));
      if (!type) throw new JiraError(404, ["No issue link type with name 'x' found."]);
      const inward = find(String((body["inwardIssue"] as Obj | undefined)?.["key"] ?? ""));
      const outward = find(String((body["outwardIssue"] as Obj | undefined)?.["key"] ?? ""));
      if (!links.some((l) => l.type === type.name && l.inward === inward.key && l.outward === outward.key)) {
        links.push({ id: String(nextId++), type: type.name, inward: inward.key, outward: outward.key });
      }
      return { status: 201 };
    }
    const m = /^\/rest\/api\/3\/issue\/([^/]+)(?:\/(transitions|comment))?$/.exec(path);
    if (m) {
      const issue = find(decodeURIComponent(m[1]!));
      const sub = m[2];
      if (!sub && method === "GET")
        return { status: 200, body: issueView(issue, list(u.searchParams.get("fields"))) };
      if (!sub && method === "PUT") {
        const f = (body["fields"] ?? {}) as Obj;
        if ("summary" in f) {
          if (typeof f["summary"] !== "string" || !f["summary"].trim())
            throw new JiraError(400, [], { summary: "You must specify a summary of the issue." });
          issue.summary = f["summary"];
        }
        if ("description" in f) {
          const bad = f["description"] === null ? undefined : adfProblem(f["description"]);
          if (bad) throw new JiraError(400, [], { description: bad });
          issue.description = (f["description"] as Obj | null) ?? null;
        }
        if ("labels" in f) issue.labels = (f["labels"] as string[]) ?? [];
        if ("priority" in f) {
          const p = (f["priority"] as Obj)["name"] as string;
          if (!PRIORITIES.includes(p))
            throw new JiraError(400, [], { priority: `Priority name '${p}' is not valid` });
          issue.priority = p;
        }
        issue.updated = now();
        return { status: 204 };
      }
      if (sub === "transitions" && method === "GET") {
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
      }
      if (sub === "transitions" && method === "POST") {
        const id = String((body["transition"] as Obj | undefined)?.["id"] ?? "");
        const t = TRANSITIONS.find((x) => x.id === id && x.to !== issue.status);
        if (!t) throw new JiraError(400, [`Transition id '${id}' is not valid for this issue.`]);
        issue.status = t.to;
        issue.updated = now();
        return { status: 204 };
      }
      if (sub === "comment" && method === "POST") {
        const b = body["body"] as Obj | undefined;
        if (b === undefined || b === null)
          throw new JiraError(400, [], { comment: "Comment body can not be empty!" });
        const bad = adfProblem(b);
        if (bad) throw new JiraError(400, [], { comment: bad });
        const c = { id: String(nextId++), body: b, author: me, created: now() };
        issue.comments.push(c);
        issue.updated = c.created;
        return { status: 201, body: commentView(issue, c) };
      }
      if (sub === "comment" && method === "GET") {
        return {
          status: 200,
          body: {
            comments: issue.comments.map((c) => commentView(issue, c)),
            total: issue.comments.length,
            startAt: 0,
            maxResults: 5000,
          },
        };
      }
    }
    throw new JiraError(404, [`No route for ${method} ${path} in the emulator.`]);
  };

  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body?: unknown) => {
        requests.push({ method: req.method ?? "GET", path: (req.url ?? "").split("?")[0]!, status });
        if (body === undefined) {
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
      handle(req, body)
        .then((r) => send(r.status, r.body))
        .catch((err: unknown) => {
          if (err instanceof JiraError)
            send(err.status, { errorMessages: err.errorMessages, errors: err.errors });
          else send(500, { errorMessages: [String((err as Error)?.message ?? err)], errors: {} });
        });
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  url = `http://${options.host ?? "127.0.0.1"}:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    seed(seed) {
      for (const u of seed.users ?? []) users.push(u);
      for (const [email, token] of Object.entries(seed.tokens ?? {})) tokens.set(email, token);
      for (const p of seed.projects ?? []) projects.push(p);
      if (users.length === 0)
        users.push({
          accountId: "5b10ac8d82e05b22cc7d4ef5",
          displayName: "Emulator User",
          email: "user@example.test",
        });
      for (const i of seed.issues ?? []) addIssue(i, users[0]!.accountId);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// -------------------------------------------------------------------------------------------- JQL

type Filter = (i: IssueRec) => boolean;

const FIELD: Record<string, (i: IssueRec) => string[]> = {
  project: (i) => [i.project],
  key: (i) => [i.key],
  issuekey: (i) => [i.key],
  status: (i) => [i.status],
  statuscategory: (i) => [
    { new: "To Do", indeterminate: "In Progress", done: "Done" }[STATUSES[i.status]!.category],
  ],
  issuetype: (i) => [i.type],
  type: (i) => [i.type],
  priority: (i) => [i.priority],
  labels: (i) => i.labels,
  assignee: (i) => (i.assignee ? [i.assignee] : []),
  reporter: (i) => [i.reporter],
};

/** The JQL subset: `a = b AND c in (d, e) AND text ~ "f" ORDER BY updated DESC`. */
export function parseJql(
  jql: string,
  me: string,
): { filter: Filter; order?: (a: IssueRec, b: IssueRec) => number } {
  const [where, orderBy] = jql.split(/\border\s+by\b/i) as [string, string | undefined];
  const clauses = where.trim() ? splitAnd(where.trim()) : [];
  const filters: Filter[] = clauses.map((c) => clause(c, me));
  let order: ((a: IssueRec, b: IssueRec) => number) | undefined;
  if (orderBy !== undefined) {
    const m = /^\s*(created|updated|key|priority)\s*(asc|desc)?\s*$/i.exec(orderBy);
    if (!m) throw new JiraError(400, [`Error in the JQL Query: cannot order by '${orderBy.trim()}'.`]);
    const f = m[1]!.toLowerCase();
    const dir = (m[2] ?? "asc").toLowerCase() === "desc" ? -1 : 1;
    const val = (i: IssueRec): string | number =>
      f === "key"
        ? Number(i.key.split("-")[1])
        : f === "priority"
          ? PRIORITIES.indexOf(i.priority)
          : f === "created"
            ? i.created + i.id
            : i.updated + i.id;
    order = (a, b) => (val(a) < val(b) ? -dir : val(a) > val(b) ? dir : 0);
  }
  return { filter: (i) => filters.every((f) => f(i)), order };
}

function splitAnd(where: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let k = 0; k < where.length; k++) {
    const ch = where[k];
    if (ch === '"') quote = !quote;
    else if (!quote && ch === "(") depth++;
    else if (!quote && ch === ")") depth--;
    else if (!quote && depth === 0 && /^\s(and)\s/i.test(where.slice(k, k + 5))) {
      parts.push(where.slice(start, k).trim());
      start = k + 5;
      k += 4;
    } else if (!quote && depth === 0 && /^\sor\s/i.test(where.slice(k, k + 4))) {
      throw new JiraError(400, ["Error in the JQL Query: OR is not supported by the emulator."]);
    }
  }
  parts.push(where.slice(start).trim());
  return parts;
}

const unquote = (v: string) =>
  v
    .trim()
    .replace(/^"(.*)"$/, "$1")
    .replace(/^'(.*)'$/, "$1");

function clause(c: string, me: string): Filter {
  const m = /^(\w+)\s*(!=|=|~|not\s+in|in|is\s+not|is)\s*(.+)$/i.exec(c);
  if (!m) throw new JiraError(400, [`Error in the JQL Query: could not parse '${c}'.`]);
  const field = m[1]!.toLowerCase();
  const op = m[2]!.toLowerCase().replace(/\s+/g, " ");
  const raw = m[3]!.trim();
  const resolve = (v: string) => (/^currentUser\(\)$/i.test(v) ? me : unquote(v));
  if (["text", "summary", "description"].includes(field)) {
    if (op !== "~")
      throw new JiraError(400, [
        `Error in the JQL Query: the operator '${op}' is not supported by the '${field}' field.`,
      ]);
    const words = unquote(raw).toLowerCase().split(/\s+/).filter(Boolean);
    return (i) => {
      const hay =
        `${field !== "description" ? i.summary : ""} ${field !== "summary" ? searchableText(i.description) : ""}`.toLowerCase();
      return words.every((w) => hay.includes(w));
    };
  }
  const get = FIELD[field];
  if (!get)
    throw new JiraError(400, [
      `Error in the JQL Query: Field '${m[1]}' does not exist or you do not have permission to view it.`,
    ]);
  const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (op === "is" || op === "is not") {
    if (!/^(empty|null)$/i.test(raw))
      throw new JiraError(400, [`Error in the JQL Query: expected EMPTY after '${op}'.`]);
    return op === "is" ? (i) => get(i).length === 0 : (i) => get(i).length > 0;
  }
  if (op === "in" || op === "not in") {
    const list = /^\((.*)\)$/.exec(raw);
    if (!list) throw new JiraError(400, [`Error in the JQL Query: expected a list after '${op}'.`]);
    const values = list[1]!.split(",").map(resolve);
    const hit = (i: IssueRec) => get(i).some((v) => values.some((x) => eq(v, x)));
    return op === "in" ? hit : (i) => !hit(i);
  }
  if (op === "~")
    throw new JiraError(400, [
      `Error in the JQL Query: the operator '~' is not supported by the '${field}' field.`,
    ]);
  const value = resolve(raw);
  const hit = (i: IssueRec) => get(i).some((v) => eq(v, value));
  return op === "=" ? hit : (i) => !hit(i);
}
