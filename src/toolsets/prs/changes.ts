/**
 * The uncommitted changes of a git working tree, file by file: status, line counts, and content (for
 * imports and for pushing). Read with the git CLI (`status --porcelain -z`, `diff --numstat -z`), so
 * .gitignore, renames and binary detection are git's own.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { notFoundError, validationError } from "../../core/errors.js";

const run = promisify(execFile);

export type ChangeStatus = "added" | "modified" | "deleted" | "renamed";

export interface ChangedFile {
  path: string;
  status: ChangeStatus;
  /** For renames: where it came from (deleted there). */
  oldPath?: string;
  added: number;
  deleted: number;
  binary: boolean;
}

export interface WorkingTree {
  root: string;
  /** The commit the changes are on top of. */
  head: string;
  branch: string | null;
  files: ChangedFile[];
}

async function git(root: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run("git", args, { cwd: root, maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT" && !e.stderr)
      throw notFoundError(`no such directory, or git is not installed: ${root}`);
    throw validationError(
      `git ${args[0]} failed in ${root}: ${(e.stderr ?? e.message).trim().split("\n")[0]}`,
    );
  }
}

export async function readWorkingTree(path: string): Promise<WorkingTree> {
  const root = (await git(path, ["rev-parse", "--show-toplevel"])).trim();
  const head = (
    await git(root, ["rev-parse", "--verify", "HEAD"]).catch(() => {
      throw validationError(`${root} has no commit yet: commit a base first, the split goes on top of it`);
    })
  ).trim();
  const branchName = (await git(root, ["branch", "--show-current"])).trim();
  // -z: NUL-separated, paths verbatim; a rename entry is followed by its old path.
  const status = (await git(root, ["status", "--porcelain=v1", "-z", "--untracked-files=all"])).split("\0");
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
  const numstat = (await git(root, ["diff", "HEAD", "--numstat", "-z", "-M"])).split("\0");
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
  // Untracked files: git has no numstat for them; count their lines.
  for (const f of files.values()) {
    if (f.status !== "added" || f.added > 0 || f.binary) continue;
    const buf = await readFile(join(root, f.path)).catch(() => null);
    if (!buf) continue;
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

/** The working-tree content of a changed file (null when deleted). */
export async function contentOf(root: string, file: ChangedFile): Promise<Buffer | null> {
  if (file.status === "deleted") return null;
  return readFile(join(root, file.path));
}
