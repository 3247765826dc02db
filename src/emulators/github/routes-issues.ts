/** Issues, comments, labels and issue search (with the qualifiers the toolset uses). */
import type { EmuEnv, RepoHandle } from "./env.js";
import { type EmuRequest, HttpError, int, invalid, notFound, paginate, type Router, str } from "./http.js";
import { commentPayload, issuePayload, type Json, labelPayload } from "./payloads.js";
import { parseQuery, reposFor } from "./routes-git.js";
import { type CommentRec, type IssueRec, newIssueRec, now, type RepoRec } from "./state.js";

export function findIssue(h: RepoHandle, number: number): IssueRec {
  const i = h.rec.issues.find((x) => x.number === number);
  if (!i) throw notFound();
  return i;
}

/** An issue comment of this repository by its id; 404 (as GitHub answers) for any other id. */
function findComment(h: RepoHandle, id: string | undefined): CommentRec {
  const n = int(id, "comment");
  const c = h.rec.comments.find((x) => x.id === n);
  if (!c) throw notFound();
  return c;
}

export function ensureLabels(env: EmuEnv, rec: RepoRec, names: string[]): void {
  for (const n of names) {
    if (!rec.labels.some((l) => l.name.toLowerCase() === n.toLowerCase())) {
      rec.labels.push({ id: env.state.nextId(), name: n, color: "ededed", description: null });
    }
  }
}

function canonicalLabel(rec: RepoRec, name: string): string {
  return rec.labels.find((l) => l.name.toLowerCase() === name.toLowerCase())?.name ?? name;
}

function stringList(v: unknown, field: string): string[] {
  if (!Array.isArray(v)) throw invalid("Issue", field, "invalid");
  return v.map((x) => (typeof x === "string" ? x : String((x as { name?: unknown })?.name ?? x)));
}

function issuePayloadFor(h: RepoHandle, i: IssueRec): Json {
  return issuePayload(
    h.ctx,
    i,
    h.rec.pulls.find((p) => p.number === i.number),
  );
}

function sortIssues(items: IssueRec[], rec: RepoRec, sort: string, direction: string): IssueRec[] {
  const key = (i: IssueRec): number | string =>
    sort === "updated"
      ? i.updated_at
      : sort === "comments"
        ? rec.comments.filter((c) => c.issue === i.number).length
        : i.created_at;
  const sorted = [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === kb) return a.number - b.number;
    return ka < kb ? -1 : 1;
  });
  return direction === "asc" ? sorted : sorted.reverse();
}

export function applyIssueUpdate(
  env: EmuEnv,
  h: RepoHandle,
  i: IssueRec,
  body: Record<string, unknown>,
  login: string,
): void {
  if ("title" in body) {
    const t = str(body, "title");
    if (!t) throw invalid("Issue", "title", "missing_field");
    i.title = t;
  }
  if ("body" in body) i.body = (body["body"] as string | null) ?? null;
  if ("labels" in body) {
    const labels = stringList(body["labels"], "labels");
    ensureLabels(env, h.rec, labels);
    i.labels = [...new Set(labels.map((l) => canonicalLabel(h.rec, l)))];
  }
  if ("assignees" in body) i.assignees = stringList(body["assignees"], "assignees");
  if ("assignee" in body) i.assignees = body["assignee"] ? [String(body["assignee"])] : [];
  if ("milestone" in body) i.milestone = typeof body["milestone"] === "number" ? body["milestone"] : null;
  const state = str(body, "state");
  if (state !== undefined && state !== "open" && state !== "closed")
    throw invalid("Issue", "state", "invalid");
  const reason = (str(body, "state_reason") ?? null) as IssueRec["state_reason"];
  if (state === "closed" && i.state === "open") {
    i.state = "closed";
    i.closed_at = now();
    i.closed_by = login;
    i.state_reason = reason ?? "completed";
  } else if (state === "open" && i.state === "closed") {
    i.state = "open";
    i.closed_at = null;
    i.closed_by = null;
    i.state_reason = "reopened";
  } else if (reason && i.state === "closed") i.state_reason = reason;
  i.updated_at = now();
}

function searchIssues(env: EmuEnv, req: EmuRequest) {
  const { terms, quals } = parseQuery(req.query.get("q") ?? "");
  const is = (quals.get("is") ?? []).map((s) => s.toLowerCase());
  const type = (quals.get("type") ?? []).map((s) => s.toLowerCase());
  const state = [...(quals.get("state") ?? []), ...is.filter((s) => s === "open" || s === "closed")];
  const kinds = [...is, ...type].filter((s) => ["issue", "pr", "pull-request"].includes(s));
  if (quals.has("repo") || quals.has("user") || quals.has("org")) {
    // fine
  } else if (terms.length === 0 && quals.size === 0) throw invalid("Search", "q", "missing");
  const matches: { repo: RepoRec; issue: IssueRec }[] = [];
  const lower = (s: string) => s.toLowerCase();
  for (const repo of reposFor(env, quals)) {
    for (const i of repo.issues) {
      if (kinds.length > 0 && !kinds.some((k) => (k === "issue" ? !i.pull : i.pull))) continue;
      if (state.length > 0 && !state.includes(i.state)) continue;
      if (quals.get("label")?.some((l) => !i.labels.some((x) => lower(x) === lower(l))) ?? false) continue;
      if (quals.get("-label")?.some((l) => i.labels.some((x) => lower(x) === lower(l))) ?? false) continue;
      if (quals.get("author")?.some((a) => lower(a) !== lower(i.user)) ?? false) continue;
      if (quals.get("assignee")?.some((a) => !i.assignees.some((x) => lower(x) === lower(a))) ?? false)
        continue;
      if (quals.get("mentions")?.some((m) => !(i.body ?? "").includes(`@${m}`)) ?? false) continue;
      const no = quals.get("no") ?? [];
      if (no.includes("label") && i.labels.length > 0) continue;
      if (no.includes("assignee") && i.assignees.length > 0) continue;
      if (quals.get("created")?.some((c) => !dateMatches(i.created_at, c)) ?? false) continue;
      if (quals.get("updated")?.some((c) => !dateMatches(i.updated_at, c)) ?? false) continue;
      const hay = lower(`${i.title}\n${i.body ?? ""}`);
      if (!terms.every((t) => hay.includes(lower(t)))) continue;
      matches.push({ repo, issue: i });
    }
  }
  const sort = req.query.get("sort") ?? "";
  const order = req.query.get("order") ?? "desc";
  if (sort) {
    const key = (m: (typeof matches)[number]) =>
      sort === "comments"
        ? String(m.repo.comments.filter((c) => c.issue === m.issue.number).length).padStart(8, "0")
        : sort === "updated"
          ? m.issue.updated_at
          : m.issue.created_at;
    matches.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    if (order !== "asc") matches.reverse();
  }
  const items = matches.map((m) => {
    const h = { rec: m.repo, gitDir: "", ctx: env.ctx(req.urls, m.repo) };
    // The search item schema types body as a string (the issue schema allows null).
    const payload = issuePayloadFor(h, m.issue);
    return { ...payload, body: payload["body"] ?? "", score: 1 };
  });
  return paginate(req, items, (page) => ({
    total_count: items.length,
    incomplete_results: false,
    items: page,
    search_type: "lexical",
  }));
}

function dateMatches(value: string, cond: string): boolean {
  const m = /^(>=|<=|>|<)?(.+)$/.exec(cond);
  if (!m) return true;
  if (m[2]!.includes("..")) {
    const [a, b] = m[2]!.split("..");
    return (a === "*" || value >= a!) && (b === "*" || value.slice(0, b!.length) <= b!);
  }
  const d = m[2]!;
  const v = value.slice(0, d.length);
  switch (m[1]) {
    case ">":
      return v > d;
    case ">=":
      return v >= d;
    case "<":
      return v < d;
    case "<=":
      return v <= d;
    default:
      return v === d;
  }
}

export function registerIssueRoutes(router: Router, env: EmuEnv): void {
  const R = "/repos/:owner/:repo";

  router.on("GET", `${R}/issues`, (req) => {
    const h = env.repo(req);
    const q = req.query;
    const state = q.get("state") ?? "open";
    const labels = (q.get("labels") ?? "")
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    const assignee = q.get("assignee");
    const creator = q.get("creator");
    const since = q.get("since");
    const milestone = q.get("milestone");
    let items = h.rec.issues.filter((i) => {
      if (state !== "all" && i.state !== state) return false;
      if (labels.length > 0 && !labels.every((l) => i.labels.some((x) => x.toLowerCase() === l)))
        return false;
      if (assignee === "none" && i.assignees.length > 0) return false;
      if (assignee === "*" && i.assignees.length === 0) return false;
      if (assignee && assignee !== "none" && assignee !== "*" && !i.assignees.includes(assignee))
        return false;
      if (creator && i.user.toLowerCase() !== creator.toLowerCase()) return false;
      if (since && i.updated_at < since) return false;
      if (milestone === "none" && i.milestone !== null) return false;
      if (milestone === "*" && i.milestone === null) return false;
      if (milestone && /^\d+$/.test(milestone) && i.milestone !== Number(milestone)) return false;
      return true;
    });
    items = sortIssues(items, h.rec, q.get("sort") ?? "created", q.get("direction") ?? "desc");
    return paginate(
      req,
      items.map((i) => issuePayloadFor(h, i)),
    );
  });

  router.on("POST", `${R}/issues`, (req) => {
    const h = env.repo(req);
    const title = str(req.body, "title");
    if (!title) throw invalid("Issue", "title", "missing_field");
    const t = now();
    const issue = newIssueRec({
      id: env.state.nextId(),
      number: h.rec.next_number++,
      title,
      user: req.login,
      created_at: t,
    });
    const { title: _t, ...rest } = req.body;
    applyIssueUpdate(env, h, issue, rest, req.login);
    h.rec.issues.push(issue);
    env.touch(h.rec);
    return { status: 201, body: issuePayloadFor(h, issue) };
  });

  router.on("GET", `${R}/issues/:number`, (req) => {
    const h = env.repo(req);
    return { status: 200, body: issuePayloadFor(h, findIssue(h, int(req.params["number"], "issue"))) };
  });

  router.on("PATCH", `${R}/issues/:number`, (req) => {
    const h = env.repo(req);
    const i = findIssue(h, int(req.params["number"], "issue"));
    applyIssueUpdate(env, h, i, req.body, req.login);
    env.touch(h.rec);
    return { status: 200, body: issuePayloadFor(h, i) };
  });

  router.on("GET", `${R}/issues/:number/comments`, (req) => {
    const h = env.repo(req);
    const n = int(req.params["number"], "issue");
    findIssue(h, n);
    const since = req.query.get("since");
    const items = h.rec.comments
      .filter((c) => c.issue === n && (!since || c.updated_at >= since))
      .map((c) => commentPayload(h.ctx, c));
    return paginate(req, items);
  });

  router.on("POST", `${R}/issues/:number/comments`, (req) => {
    const h = env.repo(req);
    const n = int(req.params["number"], "issue");
    const i = findIssue(h, n);
    const body = str(req.body, "body");
    if (!body) throw invalid("IssueComment", "body", "missing_field");
    const t = now();
    const c = { id: env.state.nextId(), issue: n, user: req.login, body, created_at: t, updated_at: t };
    h.rec.comments.push(c);
    i.updated_at = t;
    env.touch(h.rec);
    return { status: 201, body: commentPayload(h.ctx, c) };
  });

  router.on("GET", `${R}/issues/comments/:comment_id`, (req) => {
    const h = env.repo(req);
    return { status: 200, body: commentPayload(h.ctx, findComment(h, req.params["comment_id"])) };
  });

  router.on("PATCH", `${R}/issues/comments/:comment_id`, (req) => {
    const h = env.repo(req);
    const c = findComment(h, req.params["comment_id"]);
    const body = str(req.body, "body");
    if (!body) throw invalid("IssueComment", "body", "missing_field");
    c.body = body;
    c.updated_at = now();
    env.touch(h.rec);
    return { status: 200, body: commentPayload(h.ctx, c) };
  });

  router.on("GET", `${R}/issues/:number/labels`, (req) => {
    const h = env.repo(req);
    const i = findIssue(h, int(req.params["number"], "issue"));
    return paginate(req, labelsOf(h, i));
  });

  router.on("POST", `${R}/issues/:number/labels`, (req) => {
    const h = env.repo(req);
    const i = findIssue(h, int(req.params["number"], "issue"));
    const raw = Array.isArray(req.body["labels"])
      ? req.body["labels"]
      : Array.isArray(req.body)
        ? req.body
        : null;
    if (!raw) throw invalid("Label", "labels", "missing_field");
    const names = stringList(raw, "labels");
    ensureLabels(env, h.rec, names);
    i.labels = [...new Set([...i.labels, ...names.map((n) => canonicalLabel(h.rec, n))])];
    i.updated_at = now();
    env.touch(h.rec);
    return { status: 200, body: labelsOf(h, i) };
  });

  router.on("DELETE", `${R}/issues/:number/labels/:name`, (req) => {
    const h = env.repo(req);
    const i = findIssue(h, int(req.params["number"], "issue"));
    const name = req.params["name"]!.toLowerCase();
    if (!i.labels.some((l) => l.toLowerCase() === name)) throw new HttpError(404, "Label does not exist");
    i.labels = i.labels.filter((l) => l.toLowerCase() !== name);
    i.updated_at = now();
    env.touch(h.rec);
    return { status: 200, body: labelsOf(h, i) };
  });

  router.on("GET", `${R}/labels`, (req) => {
    const h = env.repo(req);
    return paginate(
      req,
      h.rec.labels.map((l) => labelPayload(req.urls, h.rec, l)),
    );
  });

  router.on("POST", `${R}/labels`, (req) => {
    const h = env.repo(req);
    const name = str(req.body, "name");
    if (!name) throw invalid("Label", "name", "missing_field");
    if (h.rec.labels.some((l) => l.name.toLowerCase() === name.toLowerCase())) {
      throw invalid("Label", "name", "already_exists");
    }
    const label = {
      id: env.state.nextId(),
      name,
      color: str(req.body, "color") ?? "ededed",
      description: str(req.body, "description") ?? null,
    };
    h.rec.labels.push(label);
    env.touch(h.rec);
    return { status: 201, body: labelPayload(req.urls, h.rec, label) };
  });

  router.on("GET", "/search/issues", (req) => searchIssues(env, req));
}

function labelsOf(h: RepoHandle, i: IssueRec): Json[] {
  return i.labels
    .map((n) => h.rec.labels.find((l) => l.name === n))
    .filter((l) => l !== undefined)
    .map((l) => labelPayload(h.ctx.urls, h.rec, l));
}
