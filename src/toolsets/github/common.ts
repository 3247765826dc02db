/**
 * Shared pieces of the GitHub tools: the input fragments (re-exported from mcp/fragments.ts), the request helper that passes the
 * call's abort signal, Link-header paging, truncation with a note that says how to get the rest, and the
 * compact, model-friendly views of GitHub objects.
 */
import type { z } from "zod";
import { type GithubDeps, withSignal } from "../../github/deps.js";
import { compact } from "../../github/views.js";
import { defineTool, type Tool, type ToolContext } from "../../mcp/tool.js";

export type GhCtx = ToolContext<GithubDeps>;

export { sleep } from "../../core/resilience.js";
export { compact, nextPage } from "../../github/views.js";
export { owner, page, perPage, repo } from "../../mcp/fragments.js";

/** The Octokit of this host, with the call's abort signal on every request. */
export function gh(ctx: GhCtx) {
  return withSignal(ctx.deps, ctx.signal);
}

export interface Truncated {
  text: string;
  truncated: boolean;
}

/** Keeps the first `max` characters (0 = no limit) and says how much was cut. */
export function truncate(text: string | null | undefined, max: number, how: string): string | null {
  if (text === null || text === undefined) return null;
  if (max <= 0 || text.length <= max) return text;
  return `${text.slice(0, max)}\n[… truncated: ${text.length - max} more characters; ${how}]`;
}

/** Keeps the last `lines` lines (0 = all). */
export function tail(text: string, lines: number): { text: string; omitted: number } {
  const all = text.replace(/\n$/, "").split("\n");
  if (lines <= 0 || all.length <= lines) return { text: all.join("\n"), omitted: 0 };
  return { text: all.slice(-lines).join("\n"), omitted: all.length - lines };
}

type Obj = Record<string, unknown>;
const login = (u: unknown) => ((u as { login?: string } | null)?.login ?? null) as string | null;
const names = (xs: unknown) =>
  Array.isArray(xs) ? xs.map((l) => (typeof l === "string" ? l : String((l as { name?: string }).name))) : [];
const logins = (xs: unknown) =>
  Array.isArray(xs) ? xs.map(login).filter((x): x is string => x !== null) : [];

export function issueView(i: Obj, bodyMax: number, hint: string) {
  return compact({
    number: i["number"] as number,
    title: i["title"] as string,
    state: i["state"] as string,
    state_reason: (i["state_reason"] as string | null) ?? null,
    is_pull_request: i["pull_request"] ? true : undefined,
    author: login(i["user"]),
    labels: names(i["labels"]),
    assignees: logins(i["assignees"]),
    milestone: ((i["milestone"] as Obj | null)?.["title"] as string | undefined) ?? null,
    comments: i["comments"] as number,
    created_at: i["created_at"] as string,
    updated_at: i["updated_at"] as string,
    closed_at: (i["closed_at"] as string | null) ?? null,
    url: i["html_url"] as string,
    body: truncate((i["body"] as string | null) ?? null, bodyMax, hint),
  });
}

export function commentView(c: Obj, bodyMax: number, hint: string) {
  return compact({
    id: c["id"] as number,
    author: login(c["user"]),
    created_at: c["created_at"] as string,
    body: truncate((c["body"] as string | null) ?? "", bodyMax, hint),
  });
}

export function pullView(p: Obj, bodyMax: number, hint: string) {
  const head = (p["head"] ?? {}) as Obj;
  const base = (p["base"] ?? {}) as Obj;
  const merged = p["merged"] === true || Boolean(p["merged_at"]);
  return compact({
    number: p["number"] as number,
    title: p["title"] as string,
    state: merged ? "merged" : (p["state"] as string),
    draft: p["draft"] === true ? true : undefined,
    author: login(p["user"]),
    head: head["ref"] as string,
    head_sha: head["sha"] as string,
    base: base["ref"] as string,
    labels: names(p["labels"]),
    assignees: logins(p["assignees"]),
    requested_reviewers: logins(p["requested_reviewers"]),
    mergeable: (p["mergeable"] as boolean | null | undefined) ?? null,
    mergeable_state: (p["mergeable_state"] as string | undefined) ?? null,
    commits: p["commits"] as number | undefined,
    additions: p["additions"] as number | undefined,
    deletions: p["deletions"] as number | undefined,
    changed_files: p["changed_files"] as number | undefined,
    comments: p["comments"] as number | undefined,
    created_at: p["created_at"] as string,
    updated_at: p["updated_at"] as string,
    merged_at: (p["merged_at"] as string | null) ?? null,
    merge_commit_sha: merged ? ((p["merge_commit_sha"] as string | null) ?? null) : null,
    url: p["html_url"] as string,
    body: truncate((p["body"] as string | null) ?? null, bodyMax, hint),
  });
}

export function commitView(c: Obj) {
  const commit = (c["commit"] ?? {}) as Obj;
  const author = (commit["author"] ?? {}) as Obj;
  const message = String(commit["message"] ?? "");
  return compact({
    sha: c["sha"] as string,
    message: message.split("\n")[0],
    author: login(c["author"]) ?? (author["name"] as string),
    date: author["date"] as string,
    url: c["html_url"] as string,
  });
}

export function fileView(f: Obj, patchMax: number, hint: string) {
  return compact({
    filename: f["filename"] as string,
    status: f["status"] as string,
    previous_filename: f["previous_filename"] as string | undefined,
    additions: f["additions"] as number,
    deletions: f["deletions"] as number,
    patch: patchMax < 0 ? undefined : truncate((f["patch"] as string | undefined) ?? null, patchMax, hint),
  });
}

export function repoRef(input: { owner: string; repo: string }) {
  return { owner: input.owner, repo: input.repo };
}

/**
 * `toolFor<GithubDeps>()` for the toolsets that talk to GitHub (github, ci): `ctx.deps` is the GitHub
 * client. A function declaration, not a const, because the tool modules import each other through here.
 */
export function ghTool<I extends z.ZodObject<z.ZodRawShape>>(tool: Tool<I, GithubDeps>): Tool<I, GithubDeps> {
  return defineTool<I, GithubDeps>(tool);
}
