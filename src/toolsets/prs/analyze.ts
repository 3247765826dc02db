/**
 * analyze_repository's work: every change of a git working tree against HEAD or a base ref, staged,
 * unstaged and (optionally) untracked, file by file: status (renames and copies as git detects them,
 * exact renames of untracked files too), mode changes, binaries, symlinks, submodules, hunks (zero
 * context, so any subset of them applies on its own), language, size, and the changed files it imports.
 * Read with the git CLI, so .gitignore is git's own; file contents through the workspace boundary.
 */
import picomatch from "picomatch";
import { detectLanguage } from "../../code/languages.js";
import { validationError } from "../../core/errors.js";
import type { Workspace } from "../../core/workspace.js";
import { type GitRepository, openRepository } from "../../git/repo.js";
import { type FileKind, kindOf } from "./group.js";
import {
  goModulePath,
  IMPORT_LANGUAGES,
  ImportResolver,
  type ResolvedImport,
  readImports,
} from "./imports.js";

export type AnalyzedStatus = "added" | "modified" | "deleted" | "renamed" | "copied" | "type_changed";

export interface Hunk {
  old_start: number;
  old_lines: number;
  new_start: number;
  new_lines: number;
  /** The function or section git names after `@@` (may be empty). */
  header: string;
  /** Changed files this hunk needs: it adds their import line, or mentions what their import binds. */
  uses: string[];
}

export interface AnalyzedFile {
  path: string;
  status: AnalyzedStatus;
  old_path?: string;
  kind: FileKind;
  language: string;
  /** Changed in the index (staged) against HEAD. */
  staged: boolean;
  /** Changed in the working tree against the index. */
  unstaged: boolean;
  untracked: boolean;
  /** Changed between the base ref and HEAD (only with a base other than HEAD). */
  committed: boolean;
  binary: boolean;
  symlink: boolean;
  submodule: boolean;
  old_mode?: string;
  new_mode?: string;
  added: number;
  deleted: number;
  /** Bytes of the file as it is now (0 when deleted). */
  size_bytes: number;
  hunks: Hunk[];
  /** Changed files this one imports (as it is now), with the line of the import. */
  imports: { path: string; line: number }[];
}

export interface Analysis {
  root: string;
  /** The ref the changes are measured against, and its commit. */
  base: string;
  base_commit: string;
  head: string;
  branch: string | null;
  include_untracked: boolean;
  files: AnalyzedFile[];
  /** Changed paths left out by exclude_patterns. */
  excluded: string[];
  totals: { files: number; added: number; deleted: number; size_bytes: number };
  languages: Record<string, number>;
}

export interface AnalyzeOptions {
  base?: string;
  includeUntracked: boolean;
  excludePatterns: readonly string[];
  signal?: AbortSignal;
  /** Files larger than this are not read for imports (their size is still reported). */
  maxTextBytes?: number;
}

const ZERO = /^0+$/;
const collator = new Intl.Collator("en", { numeric: true });
export const naturalCompare = (a: string, b: string) =>
  collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

export async function analyzeRepository(
  workspace: Workspace,
  path: string,
  options: AnalyzeOptions,
): Promise<Analysis> {
  const repo = await openRepository(workspace, path, options.signal ? { signal: options.signal } : {});
  const head = (
    await repo.run(["rev-parse", "--verify", "HEAD"]).catch(() => {
      throw validationError(
        `${repo.root} has no commit yet: commit a base first, the split goes on top of it`,
      );
    })
  ).trim();
  const base = options.base ?? "HEAD";
  if (base.startsWith("-")) throw validationError(`base must be a ref, got ${base}`);
  const baseCommit = (
    await repo.run(["rev-parse", "--verify", "--end-of-options", `${base}^{commit}`]).catch(() => {
      throw validationError(`base ${base} is not a commit in ${repo.root}`);
    })
  ).trim();
  const branch = (await repo.run(["branch", "--show-current"])).trim() || null;

  const files = new Map<string, AnalyzedFile>();
  const blank = (p: string, status: AnalyzedStatus): AnalyzedFile => ({
    path: p,
    status,
    kind: kindOf(p),
    language: detectLanguage(p),
    staged: false,
    unstaged: false,
    untracked: false,
    committed: false,
    binary: false,
    symlink: false,
    submodule: false,
    added: 0,
    deleted: 0,
    size_bytes: 0,
    hunks: [],
    imports: [],
  });

  // Tracked changes against the base (the index and the working tree together): status and modes.
  const deletedBlobs = new Map<string, string>();
  const raw = (await repo.run(["diff", baseCommit, "--raw", "-z", "-M", "--no-abbrev", "--"])).split("\0");
  for (let i = 0; i < raw.length; i++) {
    const meta = raw[i]!;
    if (!meta.startsWith(":")) continue;
    const [oldMode, newMode, oldSha, , code] = meta.slice(1).split(" ") as [
      string,
      string,
      string,
      string,
      string,
    ];
    const letter = code[0]!;
    const first = raw[++i]!;
    const second = letter === "R" || letter === "C" ? raw[++i]! : undefined;
    const p = second ?? first;
    const status: AnalyzedStatus =
      letter === "A"
        ? "added"
        : letter === "D"
          ? "deleted"
          : letter === "R"
            ? "renamed"
            : letter === "C"
              ? "copied"
              : letter === "T"
                ? "type_changed"
                : "modified";
    const f = blank(p, status);
    if (second) f.old_path = first;
    if (!ZERO.test(oldMode)) f.old_mode = oldMode;
    if (!ZERO.test(newMode)) f.new_mode = newMode;
    f.submodule = oldMode === "160000" || newMode === "160000";
    f.symlink = newMode === "120000";
    if (status === "deleted") deletedBlobs.set(oldSha, p);
    files.set(p, f);
  }
  const numstat = (await repo.run(["diff", baseCommit, "--numstat", "-z", "-M", "--"])).split("\0");
  for (let i = 0; i < numstat.length; i++) {
    const m = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(numstat[i]!);
    if (!m) continue;
    let p = m[3]!;
    if (p === "") {
      i += 2;
      p = numstat[i]!;
    }
    const f = files.get(p);
    if (!f) continue;
    f.binary = m[1] === "-" && !f.submodule;
    f.added = m[1] === "-" ? 0 : Number(m[1]);
    f.deleted = m[2] === "-" ? 0 : Number(m[2]);
  }
  const hunkLines = new Map<string, string[][]>();
  for (const [p, hunks] of await readHunks(repo, baseCommit)) {
    const f = files.get(p);
    if (!f || f.binary || f.submodule) continue;
    f.hunks = hunks.map(({ lines: _lines, noNewlineAtEnd: _n, ...h }) => ({ ...h, uses: [] }));
    hunkLines.set(
      p,
      hunks.map((h) => h.lines),
    );
  }

  // Where each change is (index, working tree, untracked): porcelain v2 against HEAD.
  const status = (
    await repo.run([
      "status",
      "--porcelain=v2",
      "-z",
      `--untracked-files=${options.includeUntracked ? "all" : "no"}`,
      "--ignore-submodules=none",
    ])
  ).split("\0");
  const untracked: string[] = [];
  const inStatus = new Set<string>();
  for (let i = 0; i < status.length; i++) {
    const entry = status[i]!;
    if (entry.startsWith("? ")) {
      untracked.push(entry.slice(2));
      continue;
    }
    const kind = entry[0];
    if (kind !== "1" && kind !== "2" && kind !== "u") continue;
    const fields = entry.split(" ");
    const fixed = kind === "1" ? 8 : kind === "2" ? 9 : 10;
    const p = fields.slice(fixed).join(" ");
    if (kind === "2") i++;
    inStatus.add(p);
    const f = files.get(p);
    if (!f) continue;
    const xy = fields[1]!;
    f.staged = xy[0] !== ".";
    f.unstaged = xy[1] !== ".";
  }
  if (baseCommit !== head) for (const f of files.values()) if (!inStatus.has(f.path)) f.committed = true;

  // Untracked files: added (or the exact rename of a deleted file: same content).
  if (untracked.length > 0) {
    // Exact renames need the deleted files' blobs; git cannot hash some entries (a symlink to a
    // directory), and then no untracked file counts as a rename.
    const shas =
      deletedBlobs.size === 0
        ? []
        : (
            await repo
              .run(["hash-object", "--no-filters", "--stdin-paths"], { input: `${untracked.join("\n")}\n` })
              .catch(() => "")
          )
            .trim()
            .split("\n");
    for (const [k, p] of untracked.entries()) {
      const from = deletedBlobs.get(shas[k] ?? "");
      const f = blank(p, from ? "renamed" : "added");
      f.untracked = true;
      if (from) {
        f.old_path = from;
        f.old_mode = files.get(from)?.old_mode;
        files.delete(from);
        deletedBlobs.delete(shas[k]!);
      }
      files.set(p, f);
    }
  }

  // Contents as they are now: sizes, modes and lines of untracked files, languages, imports.
  const isExcluded =
    options.excludePatterns.length > 0 ? picomatch([...options.excludePatterns], { dot: true }) : () => false;
  const excluded: string[] = [];
  const texts = new Map<string, string>();
  const maxText = options.maxTextBytes ?? 512 * 1024;
  for (const f of [...files.values()]) {
    if (isExcluded(f.path)) {
      excluded.push(f.path);
      files.delete(f.path);
      continue;
    }
    if (f.status === "deleted" || f.submodule) continue;
    const entry = await workspace.entry(repo.root, f.path).catch(() => null);
    if (!entry) continue;
    if (entry.kind === "symlink") {
      f.symlink = true;
      f.size_bytes = Buffer.byteLength(entry.target);
      if (f.untracked) {
        f.new_mode = "120000";
        f.added = 1;
        f.hunks = [{ old_start: 0, old_lines: 0, new_start: 1, new_lines: 1, header: "", uses: [] }];
      }
      continue;
    }
    const buf = entry.content;
    f.size_bytes = buf.length;
    const binary = f.binary || buf.subarray(0, 8000).includes(0);
    if (f.untracked) {
      f.new_mode = entry.executable ? "100755" : "100644";
      f.binary = binary;
      if (!binary) {
        f.added =
          buf.length === 0 ? 0 : buf.toString("utf8").split("\n").length - (buf.at(-1) === 10 ? 1 : 0);
        if (f.status === "renamed") f.added = 0;
        else if (f.added > 0)
          f.hunks = [{ old_start: 0, old_lines: 0, new_start: 1, new_lines: f.added, header: "", uses: [] }];
      }
    }
    if (binary) continue;
    const text = buf.length <= maxText ? buf.toString("utf8") : undefined;
    if (text === undefined) continue;
    f.language = detectLanguage(f.path, text.slice(0, 200).split("\n")[0]);
    if (IMPORT_LANGUAGES.has(f.language)) texts.set(f.path, text);
  }
  const present = new Set([...files.values()].filter((f) => f.status !== "deleted").map((f) => f.path));
  const goMod = await workspace.entry(repo.root, "go.mod").catch(() => null);
  const resolver = new ImportResolver(
    present,
    goMod?.kind === "file" ? goModulePath(goMod.content.toString("utf8")) : undefined,
  );
  // Tests often reach the changed code through an unchanged file (a package's __init__, a helper that
  // re-exports it): for them those unchanged files are followed, so the test rides with what it tests.
  let through: ((p: string, language: string, text: string) => Promise<ResolvedImport[]>) | undefined;
  const testThrough = async (p: string, language: string, text: string) => {
    if (!through) {
      const tracked = (await repo.run(["ls-files", "-z"])).split("\0").filter(Boolean);
      const all = new ImportResolver(new Set([...tracked, ...present]), resolver.goModulePath);
      through = (q, l, t) => indirectImports(workspace, repo.root, all, present, q, l, t);
    }
    return through(p, language, text);
  };
  for (const [p, text] of texts) {
    const f = files.get(p)!;
    const imports = resolver.resolve(p, f.language, await readImports(f.language, text));
    if (f.kind === "test")
      for (const i of await testThrough(p, f.language, text))
        if (!imports.some((d) => d.path === i.path)) imports.push(i);
    f.imports = imports.map(({ path: target, line }) => ({ path: target, line }));
    // What each hunk needs: the imports on its lines, and those whose names its added lines mention.
    const lines = hunkLines.get(p);
    for (const [k, h] of f.hunks.entries()) {
      const added = lines?.[k]?.join("\n");
      const uses = new Set<string>();
      for (const i of imports) {
        if (i.line >= h.new_start && i.line < h.new_start + h.new_lines) uses.add(i.path);
        else if (added === undefined) {
          if (h.new_lines > 0 && f.hunks.length === 1) uses.add(i.path);
        } else if (i.names.some((n) => new RegExp(`\\b${n.replace(/[$]/g, "\\$")}\\b`).test(added)))
          uses.add(i.path);
      }
      h.uses = [...uses];
    }
  }

  const list = [...files.values()].sort((a, b) => naturalCompare(a.path, b.path));
  const languages: Record<string, number> = {};
  for (const f of list) languages[f.language] = (languages[f.language] ?? 0) + 1;
  return {
    root: repo.root,
    base,
    base_commit: baseCommit,
    head,
    branch,
    include_untracked: options.includeUntracked,
    files: list,
    excluded: excluded.sort(naturalCompare),
    totals: {
      files: list.length,
      added: list.reduce((n, f) => n + f.added, 0),
      deleted: list.reduce((n, f) => n + f.deleted, 0),
      size_bytes: list.reduce((n, f) => n + f.size_bytes, 0),
    },
    languages,
  };
}

/** A git-quoted path ("a/x\tb" with C escapes) or a plain one, without its a/ or b/ prefix. */
function unquotePath(s: string): string {
  if (!s.startsWith('"')) return s.slice(2);
  const bytes: number[] = [];
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i]!;
    if (c !== "\\") {
      bytes.push(...Buffer.from(c, "utf8"));
      continue;
    }
    const n = s[++i]!;
    if (/[0-7]/.test(n)) {
      bytes.push(Number.parseInt(s.slice(i, i + 3), 8));
      i += 2;
    } else
      bytes.push(
        ({ n: 10, t: 9, r: 13, '"': 34, "\\": 92, a: 7, b: 8, f: 12, v: 11 } as Record<string, number>)[n] ??
          n.charCodeAt(0),
      );
  }
  return Buffer.from(bytes).toString("utf8").slice(2);
}

export interface HunkWithLines extends Omit<Hunk, "uses"> {
  /** The lines the hunk puts in place of old_lines lines from old_start (without their "+"). */
  lines: string[];
  /** Whether the last added line has no newline at the end of the file. */
  noNewlineAtEnd: boolean;
}

/** The zero-context hunks of every tracked change against `base`, by (new) path; with their lines. */
export async function readHunks(
  repo: GitRepository,
  base: string,
  paths?: readonly string[],
): Promise<Map<string, HunkWithLines[]>> {
  const patch = await repo.run([
    "diff",
    base,
    "-U0",
    "-M",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--",
    ...(paths ?? []),
  ]);
  const out = new Map<string, HunkWithLines[]>();
  let current: HunkWithLines[] | undefined;
  let last: HunkWithLines | undefined;
  let header = "";
  let target: string | undefined;
  let lastWasAdd = false;
  const flush = () => {
    if (target !== undefined && current) out.set(target, current);
  };
  for (const line of patch.split("\n")) {
    if (line.startsWith("diff --git ")) {
      flush();
      header = line.slice("diff --git ".length);
      // Unquoted "a/P b/P" of a non-rename: P is half of the rest.
      target = header.startsWith('"') ? undefined : header.slice(2, 2 + (header.length - 5) / 2);
      current = [];
      last = undefined;
      continue;
    }
    if (!current) continue;
    if (last === undefined) {
      if (line.startsWith("rename to ") || line.startsWith("copy to ")) {
        const p = line.slice(line.indexOf(" to ") + 4);
        target = p.startsWith('"') ? unquotePath(`"xx${p.slice(1)}`) : p;
        continue;
      }
      if (line.startsWith("+++ ") && line !== "+++ /dev/null") {
        target = unquotePath(line.slice(4));
        continue;
      }
      if (line.startsWith("--- ") && line !== "--- /dev/null" && target === undefined) {
        target = unquotePath(line.slice(4));
        continue;
      }
    }
    const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/.exec(line);
    if (m) {
      last = {
        old_start: Number(m[1]),
        old_lines: m[2] === undefined ? 1 : Number(m[2]),
        new_start: Number(m[3]),
        new_lines: m[4] === undefined ? 1 : Number(m[4]),
        header: m[5] ?? "",
        lines: [],
        noNewlineAtEnd: false,
      };
      current.push(last);
      continue;
    }
    if (!last) continue;
    if (line.startsWith("+")) {
      last.lines.push(line.slice(1));
      lastWasAdd = true;
    } else if (line.startsWith("-")) lastWasAdd = false;
    else if (line.startsWith("\\") && lastWasAdd) last.noNewlineAtEnd = true;
  }
  flush();
  return out;
}

/**
 * A file's text with only some of its hunks applied to the base version: zero-context hunks do not
 * overlap, so any subset applies. `base` is the file at the base ref ("" when it did not exist).
 */
export function applyHunks(base: string, hunks: readonly HunkWithLines[]): string {
  const endsWithNewline = base === "" || base.endsWith("\n");
  const lines = base === "" ? [] : base.replace(/\n$/, "").split("\n");
  let missingNewline = !endsWithNewline;
  // From the bottom up, so earlier line numbers stay valid.
  for (const h of [...hunks].sort((a, b) => b.old_start - a.old_start)) {
    // With zero old lines, old_start is the line after which the new lines go.
    const at = h.old_lines === 0 ? h.old_start : h.old_start - 1;
    const touchesEnd = at + h.old_lines >= lines.length;
    lines.splice(at, h.old_lines, ...h.lines);
    if (touchesEnd && (h.lines.length > 0 || h.old_lines > 0))
      missingNewline = h.lines.length > 0 ? h.noNewlineAtEnd : false;
  }
  if (lines.length === 0) return "";
  return `${lines.join("\n")}${missingNewline ? "" : "\n"}`;
}

/**
 * The changed files a file reaches through unchanged files of the repository (up to three of them deep,
 * at most 200 read): each with the line and names of the file's own import that leads there.
 */
async function indirectImports(
  workspace: Workspace,
  root: string,
  all: ImportResolver,
  changed: ReadonlySet<string>,
  path: string,
  language: string,
  text: string,
): Promise<ResolvedImport[]> {
  const out = new Map<string, ResolvedImport>();
  const seen = new Set<string>([path]);
  let budget = 200;
  for (const first of all.resolve(path, language, await readImports(language, text))) {
    if (changed.has(first.path)) continue;
    let frontier = [first.path];
    for (let depth = 0; depth < 3 && frontier.length > 0; depth++) {
      const next: string[] = [];
      for (const q of frontier) {
        if (seen.has(q) || budget-- <= 0) continue;
        seen.add(q);
        const entry = await workspace.entry(root, q).catch(() => null);
        if (entry?.kind !== "file" || entry.content.length > 512 * 1024) continue;
        const body = entry.content.toString("utf8");
        const lang = detectLanguage(q, body.slice(0, 200).split("\n")[0]);
        if (!IMPORT_LANGUAGES.has(lang)) continue;
        for (const t of all.resolve(q, lang, await readImports(lang, body))) {
          if (!changed.has(t.path)) next.push(t.path);
          else if (t.path !== path && !out.has(t.path))
            out.set(t.path, { path: t.path, line: first.line, names: [...first.names] });
        }
      }
      frontier = next;
    }
  }
  return [...out.values()];
}
