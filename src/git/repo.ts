/**
 * The one way repowright runs git on a repository it was pointed at (see harden.ts for what is switched
 * off and why). `openRepository` finds the working tree of a directory inside the workspace, checks that
 * git's idea of the working tree (which a repository's `core.worktree` could move) is inside the
 * workspace too, reads the repository's config keys once, and returns a runner bound to that tree.
 */
import { execFile } from "node:child_process";
import { realpathSync } from "node:fs";
import { notFoundError, ToolError, validationError } from "../core/errors.js";
import type { Workspace } from "../core/workspace.js";
import { DIFF_COMMANDS, hardenedArgs, hardenedEnv, overridesFor } from "./harden.js";

export interface GitRunOptions {
  signal?: AbortSignal;
  input?: string | Buffer;
  /** Extra git variables (GIT_INDEX_FILE, an identity); never secrets. */
  env?: Record<string, string>;
  maxBuffer?: number;
}

export interface GitRepository {
  /** The working tree's root (real path, inside the workspace). */
  readonly root: string;
  /** Runs `git <args>` in the root; stdout as text. A non-zero exit is a validation error with git's line. */
  run(args: readonly string[], options?: GitRunOptions): Promise<string>;
  /** Like run, but never throws on a non-zero exit. */
  raw(
    args: readonly string[],
    options?: GitRunOptions,
  ): Promise<{ code: number; stdout: Buffer; stderr: string }>;
}

interface Raw {
  code: number;
  stdout: Buffer;
  stderr: string;
  missing?: boolean;
}

/** Runs hardened git in `cwd` with `pre` (extra -c overrides) before the subcommand. */
export function runHardenedGit(
  cwd: string,
  args: readonly string[],
  pre: readonly string[],
  options: GitRunOptions = {},
): Promise<Raw> {
  const sub = args[0] ?? "";
  const full = [...hardenedArgs(), ...pre, ...args];
  // Flags go right after the subcommand, before anything the caller put there (like `--`).
  if (DIFF_COMMANDS.has(sub)) full.splice(full.length - args.length + 1, 0, "--no-ext-diff", "--no-textconv");
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      "git",
      full,
      {
        cwd,
        encoding: "buffer",
        maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024,
        env: hardenedEnv(process.env["PATH"], options.env),
        signal: options.signal,
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
        if (e && e.name === "AbortError") {
          reject(new ToolError("timeout", `git ${sub} was cancelled`));
          return;
        }
        if (e && typeof e.code === "string") {
          resolvePromise({
            code: 127,
            stdout,
            stderr: stderr.toString("utf8"),
            missing: e.code === "ENOENT",
          });
          return;
        }
        resolvePromise({ code: e ? Number(e.code ?? 1) : 0, stdout, stderr: stderr.toString("utf8") });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

function failure(root: string, args: readonly string[], r: Raw): ToolError {
  if (r.missing) return notFoundError(`git is not installed (or ${root} vanished)`);
  const line = (r.stderr.trim().split("\n")[0] ?? "").slice(0, 300);
  return validationError(`git ${args[0]} failed in ${root}: ${line || `exit ${r.code}`}`);
}

/**
 * The repository whose working tree contains `path` (a directory the caller named). Refused unless both
 * the directory and the working tree git reports are inside the workspace.
 */
export async function openRepository(
  workspace: Workspace,
  path: string,
  options: { signal?: AbortSignal } = {},
): Promise<GitRepository> {
  const dir = workspace.directory(path);
  const top = await runHardenedGit(dir, ["rev-parse", "--show-toplevel"], [], options);
  if (top.code !== 0) {
    if (top.missing) throw notFoundError("git is not installed");
    throw validationError(`${dir} is not inside a git working tree`);
  }
  const reported = top.stdout.toString("utf8").trim();
  let root: string;
  try {
    root = realpathSync.native(reported);
  } catch {
    throw validationError(`git reports a working tree at ${reported}, which does not exist`);
  }
  if (!workspace.contains(root)) {
    throw new ToolError(
      "forbidden",
      `the git working tree of ${dir} is ${root}, outside the workspace roots (is core.worktree set?)`,
      { statusCode: 403 },
    );
  }
  const keys = await runHardenedGit(root, ["config", "--list", "--name-only", "-z"], [], options);
  const pre = overridesFor(
    keys.code === 0
      ? keys.stdout
          .toString("utf8")
          .split("\0")
          .filter((k) => k.length > 0)
      : [],
  );
  const repo: GitRepository = {
    root,
    async raw(args, runOptions = {}) {
      const r = await runHardenedGit(root, args, pre, { ...options, ...runOptions });
      if (r.missing) throw failure(root, args, r);
      return { code: r.code, stdout: r.stdout, stderr: r.stderr };
    },
    async run(args, runOptions = {}) {
      const r = await runHardenedGit(root, args, pre, { ...options, ...runOptions });
      if (r.code !== 0) throw failure(root, args, r);
      return r.stdout.toString("utf8");
    },
  };
  return repo;
}
