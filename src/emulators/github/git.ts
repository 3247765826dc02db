/**
 * The emulator's repositories are real bare git repositories driven through the git CLI, so commits,
 * trees, refs, compare and merge are what git says they are, and a test can inspect the result with git.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hardenedArgs, hardenedEnv } from "../../git/harden.js";

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

export interface Identity {
  name: string;
  email: string;
  /** ISO date */
  date: string;
}

export class GitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = "GitError";
  }
}

export function gitRaw(
  gitDir: string,
  args: string[],
  options: { input?: string | Buffer; env?: Record<string, string>; cwd?: string } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      [...hardenedArgs(), `--git-dir=${gitDir}`, ...args],
      {
        encoding: "buffer",
        maxBuffer: 256 * 1024 * 1024,
        env: hardenedEnv(process.env["PATH"], { HOME: tmpdir(), ...options.env }),
        cwd: options.cwd,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        if (err && typeof err.code !== "number") {
          reject(err);
          return;
        }
        resolve({ stdout, stderr: stderr.toString("utf8"), code });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Runs git and returns trimmed stdout; a non-zero exit throws GitError with git's message. */
export async function git(
  gitDir: string,
  args: string[],
  options: { input?: string | Buffer; env?: Record<string, string>; cwd?: string } = {},
): Promise<string> {
  const r = await gitRaw(gitDir, args, options);
  if (r.code !== 0) throw new GitError(r.stderr.trim() || `git ${args[0]} failed`, r.code);
  return r.stdout.toString("utf8").replace(/\n$/, "");
}

export function identityEnv(author: Identity, committer: Identity): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: author.date,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    GIT_COMMITTER_DATE: committer.date,
  };
}

export async function initBare(gitDir: string, defaultBranch: string): Promise<void> {
  await git(gitDir, ["init", "--bare", "--quiet", `--initial-branch=${defaultBranch}`, gitDir]);
}

/** The object's sha, or null when the name does not resolve (to an object of that type, when given). */
export async function resolve(
  gitDir: string,
  rev: string,
  type?: "commit" | "tree" | "blob",
): Promise<string | null> {
  if (rev.startsWith("-")) return null;
  const r = await gitRaw(gitDir, ["rev-parse", "--verify", "--quiet", type ? `${rev}^{${type}}` : rev]);
  return r.code === 0 ? r.stdout.toString("utf8").trim() : null;
}

export async function objectType(gitDir: string, sha: string): Promise<string | null> {
  const r = await gitRaw(gitDir, ["cat-file", "-t", sha]);
  return r.code === 0 ? r.stdout.toString("utf8").trim() : null;
}

export async function writeBlob(gitDir: string, content: Buffer): Promise<string> {
  return git(gitDir, ["hash-object", "-w", "--stdin"], { input: content });
}

export async function readBlob(gitDir: string, sha: string): Promise<Buffer> {
  const r = await gitRaw(gitDir, ["cat-file", "blob", sha]);
  if (r.code !== 0) throw new GitError(r.stderr.trim(), r.code);
  return r.stdout;
}

export interface TreeEntry {
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  path: string;
  size?: number;
}

export async function lsTree(
  gitDir: string,
  treeish: string,
  options: { recursive?: boolean; path?: string } = {},
) {
  const args = ["ls-tree", "-l", "-z"];
  if (options.recursive) args.push("-r", "-t");
  args.push(treeish);
  if (options.path) args.push("--", options.path);
  const out = (await gitRaw(gitDir, args)).stdout.toString("utf8");
  const entries: TreeEntry[] = [];
  for (const line of out.split("\0")) {
    if (!line) continue;
    const tab = line.indexOf("\t");
    const [mode, type, sha, size] = line.slice(0, tab).split(/\s+/);
    entries.push({
      mode: mode!,
      type: type as TreeEntry["type"],
      sha: sha!,
      path: line.slice(tab + 1),
      size: size === "-" || size === undefined ? undefined : Number(size),
    });
  }
  return entries;
}

export interface TreeChange {
  path: string;
  mode?: string;
  /** sha of an existing blob; null deletes the path. */
  sha?: string | null;
  /** New file content (written as a blob). */
  content?: Buffer;
}

/** Builds a tree from an optional base tree and a list of changes, in a throwaway index. */
export async function buildTree(
  gitDir: string,
  baseTree: string | null,
  changes: TreeChange[],
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "ghemu-idx-"));
  const env = { GIT_INDEX_FILE: join(dir, "index") };
  try {
    if (baseTree) await git(gitDir, ["read-tree", baseTree], { env });
    else await git(gitDir, ["read-tree", "--empty"], { env });
    const lines: string[] = [];
    for (const c of changes) {
      let sha = c.sha;
      if (c.content !== undefined) sha = await writeBlob(gitDir, c.content);
      if (sha === null) {
        // Deleting a path removes the file or every file below a directory.
        const below = await git(gitDir, ["ls-files", "-z", "--", c.path], { env });
        for (const p of below.split("\0").filter(Boolean)) {
          lines.push(`0 0000000000000000000000000000000000000000\t${p}`);
        }
        continue;
      }
      if (sha === undefined) continue;
      lines.push(`${c.mode ?? "100644"} ${sha}\t${c.path}`);
    }
    if (lines.length > 0)
      await git(gitDir, ["update-index", "--add", "--index-info"], { input: `${lines.join("\n")}\n`, env });
    return await git(gitDir, ["write-tree"], { env });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function commitTree(
  gitDir: string,
  tree: string,
  parents: string[],
  message: string,
  author: Identity,
  committer: Identity,
): Promise<string> {
  const args = ["commit-tree", tree];
  for (const p of parents) args.push("-p", p);
  return git(gitDir, args, { input: message, env: identityEnv(author, committer) });
}

/** Compare-and-swap of a ref: false when it moved meanwhile. `old` null = must not exist. */
export async function updateRef(
  gitDir: string,
  ref: string,
  sha: string,
  old: string | null,
): Promise<boolean> {
  const r = await gitRaw(gitDir, ["update-ref", ref, sha, old ?? "0000000000000000000000000000000000000000"]);
  return r.code === 0;
}

export async function deleteRef(gitDir: string, ref: string): Promise<boolean> {
  return (await gitRaw(gitDir, ["update-ref", "-d", ref])).code === 0;
}

export async function listRefs(gitDir: string, prefix: string): Promise<{ ref: string; sha: string }[]> {
  const out = await git(gitDir, ["for-each-ref", "--format=%(refname) %(objectname)", prefix]);
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [ref, sha] = l.split(" ");
      return { ref: ref!, sha: sha! };
    });
}

export async function isAncestor(gitDir: string, ancestor: string, descendant: string): Promise<boolean> {
  return (await gitRaw(gitDir, ["merge-base", "--is-ancestor", ancestor, descendant])).code === 0;
}

export async function mergeBase(gitDir: string, a: string, b: string): Promise<string | null> {
  const r = await gitRaw(gitDir, ["merge-base", a, b]);
  return r.code === 0 ? r.stdout.toString("utf8").trim() : null;
}

/** Three-way merge without a work tree: the merged tree, or null on conflicts. */
export async function mergeTrees(gitDir: string, ours: string, theirs: string): Promise<string | null> {
  const r = await gitRaw(gitDir, ["merge-tree", "--write-tree", "--no-messages", ours, theirs]);
  if (r.code === 0) return r.stdout.toString("utf8").split("\n")[0]!.trim();
  if (r.code === 1) return null;
  throw new GitError(r.stderr.trim(), r.code);
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: Identity;
  committer: Identity;
  message: string;
}

const FMT = "%H%x00%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B%x00%x01";

function parseCommits(out: string): CommitInfo[] {
  return out
    .split("\x01")
    .map((s) => s.replace(/^\n/, ""))
    .filter((s) => s.length > 0)
    .map((rec) => {
      const f = rec.split("\0");
      return {
        sha: f[0]!,
        tree: f[1]!,
        parents: f[2] ? f[2].split(" ") : [],
        author: { name: f[3]!, email: f[4]!, date: f[5]! },
        committer: { name: f[6]!, email: f[7]!, date: f[8]! },
        message: (f[9] ?? "").replace(/\n$/, ""),
      };
    });
}

export async function readCommit(gitDir: string, sha: string): Promise<CommitInfo | null> {
  const r = await gitRaw(gitDir, ["log", "-1", "--no-walk", `--format=${FMT}`, sha, "--"]);
  if (r.code !== 0) return null;
  return parseCommits(r.stdout.toString("utf8"))[0] ?? null;
}

export async function logCommits(
  gitDir: string,
  range: string[],
  options: {
    path?: string;
    skip?: number;
    max?: number;
    since?: string;
    until?: string;
    author?: string;
    reverse?: boolean;
  } = {},
): Promise<CommitInfo[]> {
  const args = ["log", `--format=${FMT}`];
  if (options.skip) args.push(`--skip=${options.skip}`);
  if (options.max) args.push(`--max-count=${options.max}`);
  if (options.since) args.push(`--since=${options.since}`);
  if (options.until) args.push(`--until=${options.until}`);
  if (options.author) args.push(`--author=${options.author}`);
  if (options.reverse) args.push("--reverse");
  args.push(...range, "--");
  if (options.path) args.push(options.path);
  const r = await gitRaw(gitDir, args);
  if (r.code !== 0) return [];
  return parseCommits(r.stdout.toString("utf8"));
}

export async function countCommits(gitDir: string, range: string[]): Promise<number> {
  const r = await gitRaw(gitDir, ["rev-list", "--count", ...range, "--"]);
  return r.code === 0 ? Number(r.stdout.toString("utf8").trim()) : 0;
}

export interface FileDiff {
  filename: string;
  previous_filename?: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  additions: number;
  deletions: number;
  changes: number;
  sha: string;
  patch?: string;
}

/** Per-file changes between two commits (or from the empty tree when `from` is null), with patches. */
export async function diffFiles(gitDir: string, from: string | null, to: string): Promise<FileDiff[]> {
  const base = from ?? (await emptyTree(gitDir));
  const raw = await git(gitDir, [
    "diff-tree",
    "-r",
    "-z",
    "--no-commit-id",
    "-M",
    "--raw",
    "--numstat",
    base,
    to,
  ]);
  // --raw and --numstat together: raw records first, then numstat records.
  const parts = raw.split("\0");
  const files: FileDiff[] = [];
  let i = 0;
  while (i < parts.length && parts[i]!.startsWith(":")) {
    const meta = parts[i]!.slice(1).split(" ");
    const statusLetter = meta[4]!.charAt(0);
    const dstSha = meta[3]!;
    if (statusLetter === "R" || statusLetter === "C") {
      files.push({
        filename: parts[i + 2]!,
        previous_filename: parts[i + 1]!,
        status: statusLetter === "R" ? "renamed" : "copied",
        additions: 0,
        deletions: 0,
        changes: 0,
        sha: dstSha,
      });
      i += 3;
    } else {
      const status = statusLetter === "A" ? "added" : statusLetter === "D" ? "removed" : "modified";
      files.push({
        filename: parts[i + 1]!,
        status,
        additions: 0,
        deletions: 0,
        changes: 0,
        sha: status === "removed" ? meta[2]! : dstSha,
      });
      i += 2;
    }
  }
  // numstat: "add\tdel\tpath" or for renames "add\tdel\t" followed by two NUL-separated paths.
  let f = 0;
  while (i < parts.length && f < files.length) {
    const rec = parts[i]!;
    if (!rec) {
      i++;
      continue;
    }
    const [add, del, path] = rec.split("\t");
    const file = files[f]!;
    file.additions = add === "-" ? 0 : Number(add);
    file.deletions = del === "-" ? 0 : Number(del);
    file.changes = file.additions + file.deletions;
    i += path === "" ? 3 : 1;
    f++;
  }
  const patches = await git(gitDir, ["diff", "--no-color", "-M", base, to]);
  const byFile = splitPatch(patches);
  for (const file of files) {
    const p = byFile.get(file.filename);
    if (p !== undefined) file.patch = p;
  }
  return files;
}

/** The unified diff between two commits, as `git diff` prints it (what GitHub serves as .diff). */
export async function unifiedDiff(gitDir: string, from: string, to: string): Promise<string> {
  const out = await gitRaw(gitDir, ["diff", "--no-color", "-M", from, to]);
  return out.stdout.toString("utf8");
}

function splitPatch(diff: string): Map<string, string> {
  const out = new Map<string, string>();
  const chunks = diff.split(/^diff --git /m).slice(1);
  for (const chunk of chunks) {
    const lines = chunk.split("\n");
    const header = lines[0] ?? "";
    let name = "";
    for (const l of lines) {
      if (l.startsWith("+++ b/")) name = l.slice(6);
      else if (l.startsWith("+++ /dev/null")) {
        const minus = lines.find((x) => x.startsWith("--- a/"));
        name = minus ? minus.slice(6) : name;
      } else if (l.startsWith("rename to ")) name = l.slice(10);
    }
    if (!name) name = header.split(" b/").pop() ?? "";
    const hunkStart = lines.findIndex((l) => l.startsWith("@@"));
    if (hunkStart < 0) continue;
    out.set(name, lines.slice(hunkStart).join("\n").replace(/\n$/, ""));
  }
  return out;
}

let emptyTreeSha: string | undefined;
export async function emptyTree(gitDir: string): Promise<string> {
  emptyTreeSha ??= await git(gitDir, ["hash-object", "-t", "tree", "-w", "--stdin"], { input: "" });
  return emptyTreeSha;
}

/**
 * Replays head's commits since `upstream` onto `onto` (GitHub's "rebase" merge), each as a three-way
 * merge in a throwaway index. Only merges git's read-tree resolves without a work tree succeed (changes to
 * different files, or the same change on both sides); anything else is a conflict, returned as null.
 */
export async function rebaseCommits(
  gitDir: string,
  upstream: string,
  head: string,
  onto: string,
  committer: Identity,
): Promise<string | null> {
  const commits = await logCommits(gitDir, [`${upstream}..${head}`], { reverse: true });
  const dir = await mkdtemp(join(tmpdir(), "ghemu-rb-"));
  const env = { GIT_INDEX_FILE: join(dir, "index") };
  try {
    let tip = onto;
    for (const c of commits) {
      const parent = c.parents[0] ?? (await emptyTree(gitDir));
      const r = await gitRaw(gitDir, ["read-tree", "-m", "-i", "--aggressive", parent, tip, c.sha], { env });
      if (r.code !== 0) return null;
      const unmerged = await git(gitDir, ["ls-files", "-u"], { env });
      if (unmerged.trim()) return null;
      const tree = await git(gitDir, ["write-tree"], { env });
      tip = await commitTree(gitDir, tree, [tip], c.message, c.author, committer);
    }
    return tip;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
