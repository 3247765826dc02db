/**
 * Paths the resolver's model names, resolved inside the run's worktree: relative only, no `..`, nothing
 * under `.git`, and no symlink anywhere on the way (an existing file that is a symlink is refused too),
 * so that neither reading nor writing can leave the worktree. The issue text is data; whatever it says,
 * these checks are the same.
 */
import { lstat } from "node:fs/promises";
import { isAbsolute, join, normalize, sep } from "node:path";
import { ToolError } from "../../core/errors.js";

const refuse = (message: string) => new ToolError("forbidden", message, { statusCode: 403 });

/** The normalised relative path, or a `forbidden` error saying why it is refused. */
export function relativeInside(path: string): string {
  if (typeof path !== "string" || path.trim() === "") throw refuse("a path is required");
  if (path.includes("\0")) throw refuse("a path cannot contain NUL");
  if (isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path))
    throw refuse(`${path}: use a path relative to the repository root`);
  const norm = normalize(path)
    .replace(/\\/g, "/")
    .replace(/^\.\/+/, "");
  if (norm === ".." || norm.startsWith("../") || norm.split("/").includes("..")) {
    throw refuse(`${path}: leads out of the repository`);
  }
  if (norm.split("/")[0] === ".git") throw refuse(`${path}: the .git directory is not part of the change`);
  return norm === "" ? "." : norm;
}

/**
 * The absolute path of `rel` inside `root` (a real path), refusing symlinks on the way and at the end.
 * `mustExist`: the target must be there (reads); otherwise missing parents are allowed (writes).
 */
export async function resolveInside(root: string, rel: string, mustExist: boolean): Promise<string> {
  const clean = relativeInside(rel);
  if (clean === ".") return root;
  let at = root;
  const parts = clean.split("/");
  for (let i = 0; i < parts.length; i++) {
    at = join(at, parts[i] as string);
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        if (mustExist) throw new ToolError("not_found", `no such file or directory: ${clean}`);
        return join(root, ...parts);
      }
      throw err;
    }
    if (st.isSymbolicLink())
      throw refuse(`${parts.slice(0, i + 1).join("/")} is a symbolic link: not followed`);
    if (i < parts.length - 1 && !st.isDirectory()) {
      throw new ToolError("validation", `${parts.slice(0, i + 1).join("/")} is a file, not a directory`);
    }
  }
  if (!at.startsWith(root + sep) && at !== root) throw refuse(`${rel}: leads out of the repository`);
  return at;
}
