/**
 * A planned split made real on GitHub: one branch per group, each built on the previous one, each with
 * one commit of its group's files, and a draft pull request per branch whose base is the previous branch,
 * so each pull request shows only its own part. A run that fails half-way closes the pull requests and
 * deletes the branches it made, and its error says so (or names what it could not remove). Goes through the github toolset's own tools (create_branch,
 * push_files, create_pull_request, update_pull_request): same pacing, retries, errors and conflict checks.
 */
import { conflictError, isToolError, ToolError, validationError } from "../../core/errors.js";
import type { Workspace } from "../../core/workspace.js";
import type { ToolContext } from "../../mcp/tool.js";
import { type ChangedFile, contentOf } from "./changes.js";

/** One pull request of the stack: its files, and the text of those only partly in it (split by hunk). */
export interface StackGroup {
  index: number;
  title: string;
  description: string;
  files: ChangedFile[];
  /** Path -> the file's text at this point of the stack (the base with this and earlier groups' hunks). */
  partial?: ReadonlyMap<string, string>;
}

/** Where the changes are and the commit they are on top of. */
export interface StackTree {
  root: string;
  head: string;
}

export interface StackOptions {
  owner: string;
  repo: string;
  /** The branch the stack goes on; must be at the working tree's HEAD. */
  base: string;
  /** Branch names are `<prefix>/<n>-<slug>`. */
  prefix: string;
  draft: boolean;
}

export interface StackedPr {
  index: number;
  title: string;
  branch: string;
  base: string;
  number: number;
  url: string;
  commit_sha: string;
}

function slug(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40)
      .replace(/-+$/, "") || "part"
  );
}

export async function createStack(
  workspace: Workspace,
  tree: StackTree,
  groups: readonly StackGroup[],
  options: StackOptions,
  ctx: ToolContext,
): Promise<StackedPr[]> {
  if (groups.length === 0) throw validationError("nothing to split: the working tree has no changes");
  // The stack applies the working tree's changes on top of the base: the base must be where HEAD is.
  const baseHead = await branchHead(ctx, options.owner, options.repo, options.base);
  if (baseHead !== tree.head) {
    throw conflictError(
      `${options.owner}/${options.repo}@${options.base} is at ${baseHead.slice(0, 7)}, but your changes are on top of ${tree.head.slice(0, 7)}: push your commits or rebase on ${options.base} first, so that each pull request shows only its part`,
    );
  }
  const made: StackedPr[] = [];
  const branches: string[] = [];
  try {
    await build(workspace, tree, groups, options, ctx, made, branches);
  } catch (err) {
    throw await rollBack(err, made, branches, options, ctx);
  }
  return made;
}

async function build(
  workspace: Workspace,
  tree: StackTree,
  groups: readonly StackGroup[],
  options: StackOptions,
  ctx: ToolContext,
  made: StackedPr[],
  branches: string[],
): Promise<void> {
  const repoRef = { owner: options.owner, repo: options.repo };
  let parent = options.base;
  for (const g of groups) {
    await ctx.progress({
      progress: g.index - 1,
      total: groups.length,
      message: `part ${g.index}: ${g.title}`,
    });
    const branch = `${options.prefix}/${g.index}-${slug(g.title)}`;
    // Read (and refuse) the files before anything is created for this part.
    const { files, deletions } = await payload(workspace, tree.root, g.files, g.partial);
    // A run that was interrupted (its process killed) and runs again adopts what it already made: the
    // branch, its commit on the parent, its pull request; nothing is made twice.
    const existing = await adoptable(ctx, options, branch, parent);
    let commitSha = existing?.sha;
    if (!existing) {
      // Through the host, as the caller: each step is checked (roles, excluded tools), audited and metered.
      await ctx.callTool("create_branch", { ...repoRef, branch, from_ref: parent });
      branches.push(branch);
    }
    if (!existing?.pushed) {
      const pushed = await ctx.callTool<{ commit_sha: string }>("push_files", {
        ...repoRef,
        branch,
        message: g.title,
        files,
        deletions,
      });
      commitSha = pushed.commit_sha;
    }
    const pr =
      existing?.pr ??
      (await ctx.callTool<{ number: number; url: string }>("create_pull_request", {
        ...repoRef,
        title: g.title,
        head: branch,
        base: parent,
        body: g.description,
        draft: options.draft,
      }));
    made.push({
      index: g.index,
      title: g.title,
      branch,
      base: parent,
      number: pr.number,
      url: pr.url,
      commit_sha: commitSha!,
    });
    parent = branch;
  }
  // Now that every number is known, each description lists the whole stack, in merge order.
  for (const [i, pr] of made.entries()) {
    const stack = made
      .map(
        (p) =>
          `${p.index === pr.index ? "→" : "-"} #${p.number} ${p.title}${p.index === pr.index ? " (this one)" : ""}`,
      )
      .join("\n");
    await ctx.callTool("update_pull_request", {
      ...repoRef,
      pull_number: pr.number,
      body: `${groups[i]!.description}\n\n**Stack** (merge from the top; each pull request is based on the one before):\n\n${stack}`,
    });
  }
}

/**
 * Undoes a half-made stack: closes its pull requests and deletes its branches, newest first, so that a
 * second run starts clean (its branch names would otherwise collide). The returned error is the original
 * one, with what was removed, or what is left, appended.
 */
async function rollBack(
  err: unknown,
  made: readonly StackedPr[],
  branches: readonly string[],
  options: StackOptions,
  ctx: ToolContext,
): Promise<unknown> {
  if (branches.length === 0) return err;
  const left: string[] = [];
  const signal = AbortSignal.timeout(60_000);
  for (const pr of [...made].reverse()) {
    await ctx.clients
      .github()
      .octokit.request("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", {
        owner: options.owner,
        repo: options.repo,
        pull_number: pr.number,
        state: "closed",
        request: { signal },
      })
      .catch(() => left.push(`pull request #${pr.number}`));
  }
  for (const branch of [...branches].reverse()) {
    await ctx.clients
      .github()
      .octokit.request("DELETE /repos/{owner}/{repo}/git/refs/{ref}", {
        owner: options.owner,
        repo: options.repo,
        ref: `heads/${branch}`,
        request: { signal },
      })
      .catch(() => left.push(`branch ${branch}`));
  }
  const note =
    left.length === 0
      ? `nothing was left behind: closed ${made.length} pull request(s) and deleted branch(es) ${branches.join(", ")}`
      : `could not remove ${left.join(", ")}: delete them by hand before running again`;
  if (isToolError(err)) {
    return new ToolError(err.type, `${err.message}; ${note}`, {
      statusCode: err.statusCode,
      retryAfterS: err.retryAfterS,
      details: { ...err.details, rolled_back: left.length === 0, left_behind: left },
      cause: err,
    });
  }
  ctx.log.warn({ branches, left }, `create_pr_stack failed half-way; ${note}`);
  return err;
}

/**
 * What an earlier, interrupted run of the same stack left of one branch: undefined when the branch does
 * not exist; else its head, whether its commit is there (the branch is ahead of its parent by one
 * commit), and its open pull request on the parent, if any. A branch of that name with anything else
 * on it is a conflict: this is not the same stack.
 */
async function adoptable(ctx: ToolContext, options: StackOptions, branch: string, parent: string) {
  const gh = ctx.clients.github().octokit;
  const ref = { owner: options.owner, repo: options.repo };
  let sha: string;
  try {
    sha = await branchHead(ctx, options.owner, options.repo, branch);
  } catch (err) {
    if (isToolError(err) && err.type === "not_found") return undefined;
    if ((err as { status?: number }).status === 404) return undefined;
    throw err;
  }
  const parentSha = await branchHead(ctx, options.owner, options.repo, parent);
  let pushed = sha !== parentSha;
  if (pushed) {
    const cmp = await gh.request("GET /repos/{owner}/{repo}/compare/{basehead}", {
      ...ref,
      basehead: `${parentSha}...${sha}`,
      request: { signal: ctx.signal, noCache: true },
    });
    const data = cmp.data as { ahead_by: number; behind_by: number };
    if (data.ahead_by !== 1 || data.behind_by !== 0)
      throw conflictError(
        `branch ${branch} exists and is not one commit on ${parent}: delete it, or choose another prefix`,
      );
    pushed = true;
  }
  const pulls = await gh.request("GET /repos/{owner}/{repo}/pulls", {
    ...ref,
    state: "open",
    head: `${options.owner}:${branch}`,
    per_page: 10,
    request: { signal: ctx.signal, noCache: true },
  });
  const open = (
    pulls.data as { number: number; html_url: string; base: { ref: string }; head: { ref: string } }[]
  ).find((p) => p.head.ref === branch && p.base.ref === parent);
  return { sha, pushed, pr: open ? { number: open.number, url: open.html_url } : undefined };
}

/** The head sha of a branch (a fresh read, not a cached one). */
async function branchHead(ctx: ToolContext, owner: string, repo: string, branch: string) {
  const res = await ctx.clients.github().octokit.request("GET /repos/{owner}/{repo}/branches/{branch}", {
    owner,
    repo,
    branch,
    request: { signal: ctx.signal, noCache: true },
  });
  return (res.data as { commit: { sha: string } }).commit.sha;
}

/**
 * push_files input for a group: contents from the working tree (base64 for binaries), deletions. A
 * symlink is pushed as a symlink (mode 120000, its target as content), never as what it points to.
 */
async function payload(
  workspace: Workspace,
  root: string,
  files: readonly ChangedFile[],
  partial?: ReadonlyMap<string, string>,
) {
  const out: {
    path: string;
    content: string;
    encoding: "utf-8" | "base64";
    mode: "100644" | "100755" | "120000";
  }[] = [];
  const deletions: string[] = [];
  for (const f of files) {
    if (f.oldPath) deletions.push(f.oldPath);
    const text = partial?.get(f.path);
    const entry = await contentOf(workspace, root, f);
    if (text !== undefined) {
      const mode = entry?.kind === "file" && entry.executable ? "100755" : "100644";
      out.push({ path: f.path, content: text, encoding: "utf-8", mode });
      continue;
    }
    if (entry === null) {
      deletions.push(f.path);
      continue;
    }
    if (entry.kind === "symlink") {
      out.push({ path: f.path, content: entry.target, encoding: "utf-8", mode: "120000" });
      continue;
    }
    const buf = entry.content;
    const mode = entry.executable ? "100755" : "100644";
    if (f.binary || buf.subarray(0, 8000).includes(0)) {
      out.push({ path: f.path, content: buf.toString("base64"), encoding: "base64", mode });
    } else out.push({ path: f.path, content: buf.toString("utf8"), encoding: "utf-8", mode });
  }
  return { files: out, deletions };
}
