/**
 * Repositories: metadata, branches, contents, commits, compare, file writes, and push_files: many files
 * and deletions as ONE commit through the git data API (tree -> commit -> ref update), never forced.
 */

import { z } from "zod";
import { conflictError, ToolError, validationError } from "../../core/errors.js";
import {
  commitSha,
  createBranch as createBranchOp,
  pushFiles as pushFilesOp,
} from "../../github/operations.js";
import { contentsUri } from "../../github/uris.js";
import { REMOTE_DESTRUCTIVE, REMOTE_READ, REMOTE_WRITE } from "../../mcp/tool.js";
import {
  commitView,
  compact,
  fileView,
  gh,
  ghTool,
  nextPage,
  owner,
  page,
  perPage,
  repo,
  repoRef,
} from "./common.js";

type Obj = Record<string, unknown>;

const refArg = z
  .string()
  .min(1)
  .max(255)
  .optional()
  .describe("Branch, tag or commit sha (default: the default branch).");
const patchMax = z
  .number()
  .int()
  .min(-1)
  .max(1_000_000)
  .default(3000)
  .describe(
    "Longest patch per file (characters), truncated with a note; 0 = no limit, -1 = leave patches out.",
  );

export const getRepository = ghTool({
  name: "get_repository",
  title: "Get a repository",
  description: "Repository facts: description, default branch, visibility, topics, language, counts, url.",
  input: z.object({ owner, repo }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const r = (await gh(ctx).request("GET /repos/{owner}/{repo}", { owner: input.owner, repo: input.repo }))
      .data as Obj;
    return compact({
      full_name: r["full_name"] as string,
      description: (r["description"] as string | null) ?? null,
      default_branch: r["default_branch"] as string,
      private: r["private"] as boolean,
      archived: r["archived"] === true ? true : undefined,
      fork: r["fork"] === true ? true : undefined,
      language: (r["language"] as string | null) ?? null,
      topics: r["topics"] as string[] | undefined,
      stars: r["stargazers_count"] as number,
      forks: r["forks_count"] as number,
      open_issues: r["open_issues_count"] as number,
      pushed_at: r["pushed_at"] as string,
      url: r["html_url"] as string,
    });
  },
});

export const listBranches = ghTool({
  name: "list_branches",
  title: "List branches",
  description: "List a repository's branches with their head commit sha.",
  input: z.object({ owner, repo, page, per_page: perPage(30) }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await gh(ctx).request("GET /repos/{owner}/{repo}/branches", {
      owner: input.owner,
      repo: input.repo,
      page: input.page,
      per_page: input.per_page,
    });
    return {
      branches: res.data.map((b) => ({
        name: b.name,
        sha: b.commit.sha,
        ...(b.protected ? { protected: true } : {}),
      })),
      page: input.page,
      next_page: nextPage(res.headers.link),
    };
  },
});

/** The commit sha a ref names, in one small request (Accept: application/vnd.github.sha). */
function shaOf(ctx: Parameters<typeof gh>[0], o: string, r: string, ref: string): Promise<string> {
  return commitSha(ctx.deps, { owner: o, repo: r }, ref, ctx.signal);
}

export const createBranch = ghTool({
  name: "create_branch",
  title: "Create a branch",
  description: "Create a branch at any ref (branch, tag or sha; default: the default branch's head).",
  input: z.object({
    owner,
    repo,
    branch: z.string().min(1).max(255).describe("Name of the new branch."),
    from_ref: refArg.describe("Where the branch starts: branch, tag or sha (default: the default branch)."),
  }),
  output: z.object({
    branch: z.string().describe("The new branch."),
    sha: z.string().describe("Commit it points at."),
  }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    return createBranchOp(ctx.deps, repoRef(input), input.branch, input.from_ref, ctx.signal);
  },
});

export const getFileContents = ghTool({
  name: "get_file_contents",
  title: "Get file or directory contents",
  description:
    "Read a file (decoded text; binary files come back as base64) or list a directory, at any ref. Long files are truncated with a note; use offset to read on.",
  input: z.object({
    owner,
    repo,
    path: z.string().max(4096).default("").describe("File or directory path ('' = repository root)."),
    ref: refArg,
    offset: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe("Character offset to start reading from (of the text, or of the base64 of a binary file)."),
    max_chars: z
      .number()
      .int()
      .min(1)
      .max(2_000_000)
      .default(50_000)
      .describe("Most characters returned (of the text, or of the base64 of a binary file)."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const path = input.path.replace(/^\/+|\/+$/g, "");
    const res = await gh(ctx).request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner: input.owner,
      repo: input.repo,
      path,
      ref: input.ref,
    });
    const data = res.data as Obj | Obj[];
    if (Array.isArray(data)) {
      return {
        type: "dir",
        path,
        entries: data.map((e) =>
          compact({
            name: e["name"],
            path: e["path"],
            type: e["type"],
            size: e["type"] === "file" ? e["size"] : undefined,
          }),
        ),
      };
    }
    if (data["type"] !== "file")
      return compact({ type: data["type"], path, sha: data["sha"], target: data["target"] });
    let buf = Buffer.from(String(data["content"] ?? ""), "base64");
    if (data["encoding"] === "none") {
      // Over 1 MB GitHub sends no content in JSON; the raw media type serves files up to 100 MB.
      const raw = await gh(ctx).request("GET /repos/{owner}/{repo}/contents/{path}", {
        owner: input.owner,
        repo: input.repo,
        path,
        ref: input.ref,
        headers: { accept: "application/vnd.github.raw" },
        request: { parseSuccessResponseBody: false, noCache: true },
      });
      buf = Buffer.from(await new Response(raw.data as unknown as ReadableStream).arrayBuffer());
    }
    const binary = buf.subarray(0, 8000).includes(0);
    if (binary) {
      // Offsets in base64 characters, kept at multiples of 4 so each piece decodes on its own.
      const b64 = buf.toString("base64");
      const start = input.offset - (input.offset % 4);
      const end = start + Math.max(4, input.max_chars - (input.max_chars % 4));
      return compact({
        type: "file",
        path,
        sha: data["sha"] as string,
        size: data["size"] as number,
        encoding: "base64",
        content: b64.slice(start, end),
        note:
          start > 0 || end < b64.length
            ? `binary file, base64 characters ${start}-${Math.min(end, b64.length)} of ${b64.length}${end < b64.length ? `; call again with offset=${end} for the rest` : ""}`
            : undefined,
      });
    }
    const text = buf.toString("utf8");
    const end = input.offset + input.max_chars;
    const slice = text.slice(input.offset, end);
    return compact({
      type: "file",
      path,
      sha: data["sha"] as string,
      size: data["size"] as number,
      content: slice,
      note:
        end < text.length
          ? `truncated: showing characters ${input.offset}-${end} of ${text.length}; call again with offset=${end}`
          : undefined,
    });
  },
});

export const listCommits = ghTool({
  name: "list_commits",
  title: "List commits",
  description:
    "List commits of a branch or from a sha, newest first, optionally only those touching a path or by an author.",
  input: z.object({
    owner,
    repo,
    sha: refArg.describe("Branch, tag or sha to list from (default: the default branch)."),
    path: z.string().optional().describe("Only commits touching this path."),
    author: z.string().optional().describe("Author login or email."),
    since: z.string().optional().describe("ISO 8601: only commits after this time."),
    until: z.string().optional().describe("ISO 8601: only commits before this time."),
    page,
    per_page: perPage(30),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const { owner: o, repo: r, ...q } = input;
    const res = await gh(ctx).request("GET /repos/{owner}/{repo}/commits", { owner: o, repo: r, ...q });
    return {
      commits: (res.data as Obj[]).map(commitView),
      page: input.page,
      next_page: nextPage(res.headers.link),
    };
  },
});

export const getCommit = ghTool({
  name: "get_commit",
  title: "Get a commit",
  description:
    "One commit: full message, author, parents, stats and changed files with their patches (truncated per file).",
  input: z.object({
    owner,
    repo,
    sha: z.string().min(1).max(255).describe("Commit sha, branch or tag."),
    patch_max_chars: patchMax,
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const c = (
      await gh(ctx).request("GET /repos/{owner}/{repo}/commits/{ref}", {
        owner: input.owner,
        repo: input.repo,
        ref: input.sha,
      })
    ).data as Obj;
    const commit = c["commit"] as Obj;
    const hint = "get_pull_request_diff or compare_refs with patch_max_chars=0 shows whole patches";
    return {
      ...commitView(c),
      message: commit["message"],
      parents: (c["parents"] as Obj[]).map((p) => p["sha"]),
      stats: c["stats"],
      files: ((c["files"] as Obj[] | undefined) ?? []).map((f) => fileView(f, input.patch_max_chars, hint)),
    };
  },
});

export const compareRefs = ghTool({
  name: "compare_refs",
  title: "Compare two refs",
  description:
    "Compare base...head: ahead/behind counts, the commits on head, and the files changed (with patches).",
  input: z.object({
    owner,
    repo,
    base: z.string().min(1).describe("Base branch, tag or sha."),
    head: z.string().min(1).describe("Head branch, tag or sha."),
    patch_max_chars: patchMax,
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const d = (
      await gh(ctx).request("GET /repos/{owner}/{repo}/compare/{basehead}", {
        owner: input.owner,
        repo: input.repo,
        basehead: `${input.base}...${input.head}`,
      })
    ).data as Obj;
    const commits = d["commits"] as Obj[];
    return {
      status: d["status"],
      ahead_by: d["ahead_by"],
      behind_by: d["behind_by"],
      merge_base: (d["merge_base_commit"] as Obj)["sha"],
      commits: commits.slice(-50).map(commitView),
      ...(commits.length > 50
        ? { commits_note: `showing the last 50 of ${commits.length} commits; use list_commits` }
        : {}),
      files: ((d["files"] as Obj[] | undefined) ?? []).map((f) =>
        fileView(f, input.patch_max_chars, "use patch_max_chars=0 for whole patches"),
      ),
    };
  },
});

const message = z.string().min(1).max(65536).describe("Commit message.");
const branchArg = z.string().min(1).max(255).describe("Branch to commit to.");

export const createOrUpdateFile = ghTool({
  name: "create_or_update_file",
  title: "Create or update a file",
  description:
    "Write one file as one commit. Updating an existing file needs its current blob sha (from get_file_contents), so a concurrent change is never overwritten.",
  input: z.object({
    owner,
    repo,
    path: z.string().min(1).max(4096).describe("File path."),
    content: z.string().max(10_000_000).describe("New file content (UTF-8 text)."),
    message,
    branch: branchArg,
    sha: z
      .string()
      .length(40)
      .optional()
      .describe("Blob sha of the file being replaced (required for updates)."),
  }),
  annotations: REMOTE_DESTRUCTIVE,
  async handler(input, ctx) {
    const res = await gh(ctx).request("PUT /repos/{owner}/{repo}/contents/{path}", {
      owner: input.owner,
      repo: input.repo,
      path: input.path,
      message: input.message,
      content: Buffer.from(input.content, "utf8").toString("base64"),
      branch: input.branch,
      sha: input.sha,
    });
    return {
      path: input.path,
      sha: res.data.content?.sha,
      commit_sha: res.data.commit.sha,
      url: res.data.commit.html_url,
    };
  },
});

export const deleteFile = ghTool({
  name: "delete_file",
  title: "Delete a file",
  description:
    "Delete one file as one commit. Pass the blob sha you last read to be sure you delete that version.",
  input: z.object({
    owner,
    repo,
    path: z.string().min(1).max(4096).describe("File path."),
    message,
    branch: branchArg,
    sha: z
      .string()
      .length(40)
      .optional()
      .describe("Blob sha of the file (default: its current sha on the branch)."),
  }),
  annotations: REMOTE_DESTRUCTIVE,
  async handler(input, ctx) {
    const { request } = gh(ctx);
    let sha = input.sha;
    if (!sha) {
      const cur = (
        await request("GET /repos/{owner}/{repo}/contents/{path}", {
          owner: input.owner,
          repo: input.repo,
          path: input.path,
          ref: input.branch,
        })
      ).data as Obj | Obj[];
      if (Array.isArray(cur) || cur["type"] !== "file") throw validationError(`${input.path} is not a file`);
      sha = String(cur["sha"]);
    }
    const res = await request("DELETE /repos/{owner}/{repo}/contents/{path}", {
      owner: input.owner,
      repo: input.repo,
      path: input.path,
      message: input.message,
      branch: input.branch,
      sha,
    });
    return { path: input.path, deleted: true, commit_sha: res.data.commit.sha };
  },
});

export const pushFiles = ghTool({
  name: "push_files",
  title: "Push files as one commit",
  description:
    "Commit many file changes and deletions to a branch as ONE commit (git data API: tree, commit, ref update). Never forces: if the branch moved meanwhile (or differs from expected_head_sha) nothing is pushed and the error is a conflict.",
  input: z.object({
    owner,
    repo,
    branch: branchArg,
    message,
    files: z
      .array(
        z.object({
          path: z.string().min(1).max(4096).describe("File path."),
          content: z
            .string()
            .max(10_000_000)
            .describe("File content: UTF-8 text, or base64 with encoding base64."),
          encoding: z.enum(["utf-8", "base64"]).default("utf-8").describe("How content is encoded."),
          mode: z
            .enum(["100644", "100755", "120000"])
            .default("100644")
            .describe(
              "File mode (100755 = executable; 120000 = symbolic link, whose content is its target).",
            ),
        }),
      )
      .max(1000)
      .default([])
      .describe("Files to create or replace."),
    deletions: z.array(z.string().min(1).max(4096)).max(1000).default([]).describe("Paths to delete."),
    expected_head_sha: z
      .string()
      .length(40)
      .optional()
      .describe("Push only if the branch is still at this commit."),
  }),
  output: z.object({
    branch: z.string().describe("Branch pushed to."),
    commit_sha: z.string().describe("The new commit."),
    parent_sha: z.string().describe("The branch head it was built on."),
    tree_sha: z.string().describe("The new commit's tree."),
    files_written: z.number().int().describe("Files created or replaced."),
    files_deleted: z.number().int().describe("Files deleted."),
    url: z.string().describe("Commit URL."),
  }),
  annotations: REMOTE_DESTRUCTIVE,
  async handler(input, ctx) {
    if (input.files.length + input.deletions.length === 0)
      throw validationError("nothing to push: give files and/or deletions");
    const paths = [...input.files.map((f) => f.path), ...input.deletions];
    const bad = paths.find(
      (p) => p.startsWith("/") || p.split("/").some((s) => s === "" || s === "." || s === ".."),
    );
    if (bad)
      throw validationError(`invalid path "${bad}": use relative paths without '.', '..' or empty segments`);
    const dup = paths.find((p, i) => paths.indexOf(p) !== i);
    if (dup) throw validationError(`path "${dup}" appears twice`);
    const pushed = await pushFilesOp(
      ctx.deps,
      {
        ...repoRef(input),
        branch: input.branch,
        message: input.message,
        files: input.files,
        deletions: input.deletions,
        ...(input.expected_head_sha ? { expectedHeadSha: input.expected_head_sha } : {}),
      },
      ctx.signal,
      (progress, total, message) => ctx.progress({ progress, total, message }),
    );
    // The git data API names no file, so the files are reported here (subscribers re-read them).
    for (const p of [...input.files.map((f) => f.path), ...input.deletions]) {
      ctx.resourceUpdated(contentsUri(input.owner, input.repo, p));
    }
    return {
      branch: input.branch,
      commit_sha: pushed.commitSha,
      parent_sha: pushed.parentSha,
      tree_sha: pushed.treeSha,
      files_written: input.files.length,
      files_deleted: input.deletions.length,
      url: pushed.url,
    };
  },
});

export const searchCode = ghTool({
  name: "search_code",
  title: "Search code",
  description:
    "Search code on GitHub (default branch only) with GitHub's syntax, e.g. `useState repo:owner/name language:ts`.",
  input: z.object({
    query: z
      .string()
      .min(1)
      .max(256)
      .describe("Search terms and qualifiers (repo:, path:, language:, extension:, filename:)."),
    page,
    per_page: perPage(30),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await gh(ctx).request("GET /search/code", {
      q: input.query,
      page: input.page,
      per_page: input.per_page,
    });
    return {
      total_count: res.data.total_count,
      items: res.data.items.map((i) => ({
        repository: i.repository.full_name,
        path: i.path,
        sha: i.sha,
        url: i.html_url,
      })),
      page: input.page,
      next_page: nextPage(res.headers.link),
    };
  },
});

export const searchRepositories = ghTool({
  name: "search_repositories",
  title: "Search repositories",
  description: "Search repositories with GitHub's syntax, e.g. `mcp server language:typescript stars:>100`.",
  input: z.object({
    query: z
      .string()
      .min(1)
      .max(256)
      .describe("Search terms and qualifiers (user:, org:, topic:, language:)."),
    page,
    per_page: perPage(30),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await gh(ctx).request("GET /search/repositories", {
      q: input.query,
      page: input.page,
      per_page: input.per_page,
    });
    return {
      total_count: res.data.total_count,
      items: res.data.items.map((r) =>
        compact({
          full_name: r.full_name,
          description: r.description ?? null,
          language: r.language ?? null,
          stars: r.stargazers_count,
          default_branch: r.default_branch,
          url: r.html_url,
        }),
      ),
      page: input.page,
      next_page: nextPage(res.headers.link),
    };
  },
});

export const repoTools = [
  getRepository,
  listBranches,
  createBranch,
  getFileContents,
  listCommits,
  getCommit,
  compareRefs,
  createOrUpdateFile,
  deleteFile,
  pushFiles,
  searchCode,
  searchRepositories,
];
