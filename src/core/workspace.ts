/**
 * The filesystem boundary: the only way a tool or an agent turns a path it was given into a file it
 * reads. A server works inside its workspace roots (REPOWRIGHT_WORKSPACE_ROOTS, or the defaults of
 * `defaultWorkspaceRoots`); every path is resolved with realpath and must stay inside a root, and a path
 * inside a repository must stay inside that repository. Symlinks are followed only while they stay
 * inside; reading a file opens the resolved path without following a final symlink and, on Linux, checks
 * the opened descriptor's real path again, so a link swapped in between the check and the open is caught.
 *
 * Names that merely start with two dots (`..secret.ts`) are ordinary names; only a `..` path segment that
 * climbs out is refused.
 */
import { constants, realpathSync, type Stats, statSync } from "node:fs";
import { lstat, open, readlink, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import { AppError, notFoundError, ToolError, validationError } from "./errors.js";

export interface Workspace {
  /** The roots as real paths; empty when the server may touch no local path at all. */
  readonly roots: readonly string[];
  /**
   * A directory a caller named (absolute, or relative to the server's working directory), as its real
   * path; it must exist and be inside a root.
   */
  directory(path: string): string;
  /** Whether a real path is inside a root (or is one). */
  contains(realPath: string): boolean;
  /**
   * `file` (relative to the directory `base`, itself a real path inside a root) as a real path inside
   * `base`: no absolute paths, no climbing out, no symlink that leads out.
   */
  file(base: string, file: string): Promise<string>;
  /** Reads a regular file inside `base` (see `file`), refusing anything but a regular file. */
  readFile(base: string, file: string, options?: { maxBytes?: number }): Promise<Buffer>;
  /**
   * What is at `file` inside `base` without following it: a regular file's bytes and mode, a symlink's
   * target text (never what it points to), or null when nothing is there. Directories on the way must be
   * real directories inside `base` (no symlinked parents).
   */
  entry(base: string, file: string, options?: { maxBytes?: number }): Promise<WorkspaceEntry | null>;
}

export type WorkspaceEntry =
  | { kind: "file"; content: Buffer; executable: boolean }
  | { kind: "symlink"; target: string };

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** True when `child` is `parent` or below it (both real, absolute paths). */
export function isInside(parent: string, child: string): boolean {
  if (child === parent) return true;
  const rel = relative(parent, child);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * The roots a server may work in when none are configured: the working directory for local use (stdio,
 * the CLI, HTTP bound to loopback without authentication), none for a server others can reach (any server
 * with authentication, or HTTP bound to a non-loopback address), where only configured roots are open.
 */
export function defaultWorkspaceRoots(options: {
  transport: "stdio" | "http";
  authMode: "none" | "jwt";
  host: string;
  cwd: string;
}): string[] {
  if (options.authMode !== "none") return [];
  if (options.transport === "http" && !isLoopbackHost(options.host)) return [];
  return [options.cwd];
}

export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127.");
}

/**
 * Builds the boundary. Roots must exist and be directories: a typo in REPOWRIGHT_WORKSPACE_ROOTS stops
 * start-up rather than silently serving less.
 */
export function createWorkspace(roots: readonly string[], cwd: string = process.cwd()): Workspace {
  const real: string[] = [];
  for (const root of roots) {
    const abs = resolve(cwd, root);
    let st: Stats;
    try {
      st = statSync(abs);
    } catch {
      throw new AppError(
        "config_invalid",
        `no such directory: ${abs} (a workspace root, from REPOWRIGHT_WORKSPACE_ROOTS or the command line)`,
      );
    }
    if (!st.isDirectory()) throw new AppError("config_invalid", `workspace root ${abs} is not a directory`);
    const r = realpathSync.native(abs);
    if (!real.includes(r)) real.push(r);
  }
  const contains = (p: string) => real.some((root) => isInside(root, p));
  const outside = (shown: string) =>
    new ToolError(
      "forbidden",
      real.length === 0
        ? `${shown}: this server may not read local paths; its operator opens directories with REPOWRIGHT_WORKSPACE_ROOTS`
        : `${shown} is outside the workspace roots (${real.join(", ")}); REPOWRIGHT_WORKSPACE_ROOTS sets them`,
      { statusCode: 403 },
    );

  const file = async (base: string, name: string): Promise<string> => {
    const rel = checkRelative(name);
    const abs = join(base, rel);
    let target: string;
    try {
      target = await realpath(abs);
    } catch (err) {
      // A dangling link, or nothing there: say which without following anything.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw notFoundError(`no such file: ${rel}`);
      throw validationError(`cannot resolve ${rel}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
    }
    if (!isInside(base, target)) throw outsideOf(base, rel);
    return target;
  };

  const readRegular = async (path: string, rel: string, base: string, maxBytes: number) => {
    let handle: import("node:fs/promises").FileHandle;
    try {
      // O_NONBLOCK: a FIFO must not hang the call; O_NOFOLLOW: the last component is not a link now.
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw notFoundError(`no such file: ${rel}`);
      if (code === "ELOOP") throw outsideOf(base, rel);
      throw validationError(`cannot open ${rel}: ${code ?? "error"}`);
    }
    try {
      const opened = await openedPath(handle.fd);
      if (opened !== undefined && !isInside(base, opened)) throw outsideOf(base, rel);
      const st = await handle.stat();
      if (!st.isFile()) throw validationError(`${rel} is not a regular file`);
      if (st.size > maxBytes) throw validationError(`${rel} is ${st.size} bytes; at most ${maxBytes} here`);
      return { content: await handle.readFile(), mode: st.mode };
    } finally {
      await handle.close();
    }
  };

  return {
    roots: real,
    contains,
    directory(path) {
      if (!path.trim()) throw validationError("path is empty: give a directory");
      const abs = resolve(path);
      let r: string;
      try {
        r = realpathSync.native(abs);
      } catch {
        // Do not tell an outsider which paths exist outside the roots.
        if (!contains(abs)) throw outside(abs);
        throw notFoundError(`no such directory: ${abs}`);
      }
      if (!contains(r)) throw outside(abs === r ? abs : `${abs} (${r})`);
      if (!statSync(r).isDirectory()) throw validationError(`${abs} is a file, not a directory`);
      return r;
    },
    file,
    async readFile(base, name, options = {}) {
      const target = await file(base, name);
      return (await readRegular(target, checkRelative(name), base, options.maxBytes ?? DEFAULT_MAX_BYTES))
        .content;
    },
    async entry(base, name, options = {}) {
      const rel = checkRelative(name);
      const abs = join(base, rel);
      // Parents must be the directories they look like: a symlinked directory on the way is refused.
      const parent = dirname(abs);
      let realParent: string;
      try {
        realParent = await realpath(parent);
      } catch {
        return null;
      }
      if (realParent !== parent || !isInside(base, realParent)) throw outsideOf(base, rel);
      let st: Stats;
      try {
        st = await lstat(abs);
      } catch {
        return null;
      }
      if (st.isSymbolicLink()) return { kind: "symlink", target: await readlink(abs) };
      const { content, mode } = await readRegular(abs, rel, base, options.maxBytes ?? DEFAULT_MAX_BYTES);
      return { kind: "file", content, executable: (mode & 0o111) !== 0 };
    },
  };
}

function checkRelative(name: string): string {
  if (!name || name.includes("\0")) throw validationError("file name is empty or contains a NUL byte");
  if (isAbsolute(name)) throw validationError(`${clip(name)} is absolute: give a path relative to the root`);
  const rel = normalize(name);
  if (rel === ".." || rel.startsWith(`..${sep}`))
    throw validationError(`${clip(name)} climbs out of the root`);
  return rel;
}

function outsideOf(base: string, rel: string): ToolError {
  return new ToolError("forbidden", `${clip(rel)} leads outside ${base} (a symlink out is never followed)`, {
    statusCode: 403,
  });
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** The real path of an open descriptor where the OS tells it (Linux /proc); undefined elsewhere. */
async function openedPath(fd: number): Promise<string | undefined> {
  try {
    return await readlink(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}
