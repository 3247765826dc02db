/**
 * The Jira emulator's JQL: clauses joined by AND (=, !=, in, not in, ~, is EMPTY, is not EMPTY,
 * currentUser(), openSprints()), ORDER BY one field; anything else is a 400 naming the part it did not
 * understand, as Jira does.
 */
import { searchableText } from "./adf.js";

/** Jira's error body: `errorMessages` and `errors` by field. */
export class JiraError extends Error {
  constructor(
    readonly status: number,
    readonly errorMessages: string[] = [],
    readonly errors: Record<string, string> = {},
  ) {
    super(errorMessages[0] ?? Object.values(errors)[0] ?? `HTTP ${status}`);
  }
}

/** What JQL sees of an issue. */
export interface JqlIssue {
  id: string;
  key: string;
  project: string;
  summary: string;
  description: unknown;
  type: string;
  status: string;
  /** new, indeterminate or done. */
  category: string;
  priority: string;
  labels: string[];
  assignee: string | null;
  reporter: string;
  created: string;
  updated: string;
  /** Ids and names of the sprints the issue is in, and whether one of them is open (active or future). */
  sprints: string[];
  inOpenSprint: boolean;
}

export const PRIORITIES = ["Highest", "High", "Medium", "Low", "Lowest"];
type Filter = (i: JqlIssue) => boolean;

const FIELD: Record<string, (i: JqlIssue) => string[]> = {
  project: (i) => [i.project],
  key: (i) => [i.key],
  issuekey: (i) => [i.key],
  status: (i) => [i.status],
  statuscategory: (i) => [
    ({ new: "To Do", indeterminate: "In Progress", done: "Done" } as Record<string, string>)[i.category]!,
  ],
  sprint: (i) => i.sprints,
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
): { filter: Filter; order?: (a: JqlIssue, b: JqlIssue) => number } {
  const [where, orderBy] = jql.split(/\border\s+by\b/i) as [string, string | undefined];
  const clauses = where.trim() ? splitAnd(where.trim()) : [];
  const filters: Filter[] = clauses.map((c) => clause(c, me));
  let order: ((a: JqlIssue, b: JqlIssue) => number) | undefined;
  if (orderBy !== undefined) {
    const m = /^\s*(created|updated|key|priority)\s*(asc|desc)?\s*$/i.exec(orderBy);
    if (!m) throw new JiraError(400, [`Error in the JQL Query: cannot order by '${orderBy.trim()}'.`]);
    const f = m[1]!.toLowerCase();
    const dir = (m[2] ?? "asc").toLowerCase() === "desc" ? -1 : 1;
    const val = (i: JqlIssue): string | number =>
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
  if (field === "sprint" && /^(in|not in)$/.test(op) && /^openSprints\(\)$/i.test(raw))
    return op === "in" ? (i) => i.inOpenSprint : (i) => !i.inOpenSprint;
  if (op === "is" || op === "is not") {
    if (!/^(empty|null)$/i.test(raw))
      throw new JiraError(400, [`Error in the JQL Query: expected EMPTY after '${op}'.`]);
    return op === "is" ? (i) => get(i).length === 0 : (i) => get(i).length > 0;
  }
  if (op === "in" || op === "not in") {
    const list = /^\((.*)\)$/.exec(raw);
    if (!list) throw new JiraError(400, [`Error in the JQL Query: expected a list after '${op}'.`]);
    const values = list[1]!.split(",").map(resolve);
    const hit = (i: JqlIssue) => get(i).some((v) => values.some((x) => eq(v, x)));
    return op === "in" ? hit : (i) => !hit(i);
  }
  if (op === "~")
    throw new JiraError(400, [
      `Error in the JQL Query: the operator '~' is not supported by the '${field}' field.`,
    ]);
  const value = resolve(raw);
  const hit = (i: JqlIssue) => get(i).some((v) => eq(v, value));
  return op === "=" ? hit : (i) => !hit(i);
}
