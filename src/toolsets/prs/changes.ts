/**
 * The uncommitted changes of a git working tree, file by file: status, line counts, and content (for
 * imports and for pushing). Read with the git CLI (`status --porcelain -z`, `diff --numstat -z`), so
 * .gitignore, renames and binary detection are git's own.
 */
import { validationError } from "../../core/errors.js";
import type { Workspace, WorkspaceEntry } from "../../core/workspace.js";
import { openRepository } from "../../git/repo.js";

export type ChangeStatus = "added" | "modified" | "deleted" | "renamed";

export interface ChangedFile {
  path: string;
  status: ChangeStatus;
  /** For renames: where it came from (deleted there). */
  oldPath?: string;
  added: number;
  deleted: number;
  binary: boolean;
  /** A symbolic link: its target text is the content (committed as a link, never followed). */
  symlink?: boolean;
}

export interface WorkingTree {
  root: string;
  /** The commit the changes are on top of. */
  head: string;
  branch: string | null;
  files: ChangedFile[];
}

export async function readWorkingTree(
  workspace: Workspace,
  path: string,
  signal?: AbortSignal,
): Promise<WorkingTree> {
  const repo = await openRepository(workspace, path, { signal });
  const { root } = repo;
  const head = (
    await repo.run(["rev-parse", "--verify", "HEAD"]).catch(() => {
      throw validationError(`${root} has no commit yet: commit a base first, the split goes on top of it`);
    })
  ).trim();
  const branchName = (await repo.run(["branch", "--show-current"])).trim();
  // -z: NUL-separated, paths verbatim; a rename entry is followed by its old path.
  const status = (await repo.run(["status", "--porcelain=v1", "-z", "--untracked-files=all"])).split("\0");
  const files = new Map<string, ChangedFile>();
  for (let i = 0; i < status.length; i++) {
    const entry = status[i]!;
    if (entry.length < 4) continue;
    const x = entry[0]!;
    const y = entry[1]!;
    const path = entry.slice(3);
    const code = x === "?" ? "?" : x !== " " ? x : y;
    if (code === "R" || code === "C") {
      const oldPath = status[++i]!;
      files.set(path, {
        path,
        status: code === "R" ? "renamed" : "added",
        ...(code === "R" ? { oldPath } : {}),
        added: 0,
        deleted: 0,
        binary: false,
      });
    } else {
      const st: ChangeStatus = code === "?" || code === "A" ? "added" : code === "D" ? "deleted" : "modified";
      files.set(path, { path, status: st, added: 0, deleted: 0, binary: false });
    }
  }
  // Line counts of tracked changes (staged or not) against HEAD.
  const numstat = (await repo.run(["diff", "HEAD", "--numstat", "-z", "-M"])).split("\0");
  for (let i = 0; i < numstat.length; i++) {
    const entry = numstat[i]!;
    const m = /^(-|\d+)\t(-|\d+)\t(.*)$/.exec(entry);
    if (!m) continue;
    // A rename's entry has an empty path, then the old and the new path as separate fields.
    let path = m[3]!;
    if (path === "") {
      i += 2;
      path = numstat[i]!;
    }
    const f = files.get(path);
    if (!f) continue;
    f.binary = m[1] === "-";
    f.added = m[1] === "-" ? 0 : Number(m[1]);
    f.deleted = m[2] === "-" ? 0 : Number(m[2]);
  }
  // What is on disk now, read without following links: symlinks are marked (their target is their
  // content), and untracked files, for which git has no numstat, get their lines counted.
  for (const f of files.values()) {
    if (f.status === "deleted") continue;
    const entry = await contentOf(workspace, root, f).catch(() => null);
    if (!entry) continue;
    if (entry.kind === "symlink") {
      f.symlink = true;
      if (f.status === "added" && f.added === 0) f.added = 1;
      continue;
    }
    if (f.status !== "added" || f.added > 0 || f.binary) continue;
    const buf = entry.content;
    if (buf.subarray(0, 8000).includes(0)) f.binary = true;
    else
      f.added = buf.length === 0 ? 0 : buf.toString("utf8").split("\n").length - (buf.at(-1) === 10 ? 1 : 0);
  }
  return {
    root,
    head,
    branch: branchName || null,
    files: [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
}

/**
 * What a changed file is in the working tree now (null when deleted): a regular file's bytes, or a
 * symlink's target text. Read through the workspace boundary, so nothing outside the tree is read.
 */
export async function contentOf(
  workspace: Workspace,
  root: string,
  file: ChangedFile,
): Promise<WorkspaceEntry | null> {
  if (file.status === "deleted") return null;
  return workspace.entry(root, file.path);
}
