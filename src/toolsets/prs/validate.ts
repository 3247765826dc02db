/**
 * validate_pr_groups' work: whether a proposed stack can be merged in order. Checks that nothing is left
 * out and nothing is there twice (whole files and hunks), that no group imports what only a later group
 * adds, that each group keeps to the size limits, and that tests travel with the code they test; and,
 * when asked, builds each stacked branch's tree (the base with groups 1..k applied, in a temporary
 * directory) and runs the test command on it in the sandbox.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import type { Config } from "../../core/config.js";
import { validationError } from "../../core/errors.js";
import type { Workspace } from "../../core/workspace.js";
import { openRepository } from "../../git/repo.js";
import { runSandboxed, sandboxOptionsFromConfig } from "../../sandbox/index.js";
import { type Analysis, type AnalyzedFile, applyHunks, readHunks } from "./analyze.js";
import type { GroupFile } from "./boundaries.js";
import { stem } from "./group.js";

export interface Rules {
  maxFilesPerPr: number;
  maxLinesPerPr: number;
  testsWithCode: boolean;
  testCommand?: string;
}

export interface Violation {
  rule:
    | "left_out"
    | "twice"
    | "forward_dependency"
    | "max_files"
    | "max_lines"
    | "tests_with_code"
    | "unknown_file"
    | "tests_fail";
  group?: number;
  message: string;
}

export interface TestRun {
  group: number;
  passed: boolean;
  exit_code: number | null;
  timed_out: boolean;
  output_tail: string;
}

export interface ValidationResult {
  valid: boolean;
  violations: Violation[];
  test_runs?: TestRun[];
}

export interface ValidatedGroup {
  index: number;
  files: GroupFile[];
}

export function checkGroups(
  analysis: Pick<Analysis, "files">,
  groups: readonly ValidatedGroup[],
  rules: Rules,
): Violation[] {
  const out: Violation[] = [];
  const byPath = new Map(analysis.files.map((f) => [f.path, f]));
  // Where each file (or each hunk of it) is.
  const whole = new Map<string, number>();
  const hunkAt = new Map<string, Map<number, number>>();
  const first = new Map<string, number>();
  for (const g of groups) {
    for (const m of g.files) {
      const f = byPath.get(m.path);
      if (!f) {
        out.push({
          rule: "unknown_file",
          group: g.index,
          message: `${m.path} is in group ${g.index} but not among the analysed changes`,
        });
        continue;
      }
      first.set(m.path, Math.min(first.get(m.path) ?? Number.POSITIVE_INFINITY, g.index));
      if (!m.hunks) {
        const seen =
          whole.get(m.path) ?? (hunkAt.has(m.path) ? [...hunkAt.get(m.path)!.values()][0] : undefined);
        if (seen !== undefined)
          out.push({
            rule: "twice",
            group: g.index,
            message: `${m.path} is in group ${seen} and again in group ${g.index}`,
          });
        whole.set(m.path, g.index);
        continue;
      }
      const at = hunkAt.get(m.path) ?? new Map<number, number>();
      hunkAt.set(m.path, at);
      for (const h of m.hunks) {
        if (h < 0 || h >= f.hunks.length) {
          out.push({
            rule: "unknown_file",
            group: g.index,
            message: `${m.path} has no hunk ${h} (it has ${f.hunks.length})`,
          });
          continue;
        }
        const seen = at.get(h) ?? whole.get(m.path);
        if (seen !== undefined)
          out.push({
            rule: "twice",
            group: g.index,
            message: `hunk ${h} of ${m.path} is in group ${seen} and again in group ${g.index}`,
          });
        at.set(h, g.index);
      }
    }
  }
  for (const f of analysis.files) {
    if (whole.has(f.path)) continue;
    const at = hunkAt.get(f.path);
    if (!at) {
      out.push({ rule: "left_out", message: `${f.path} (${f.status}) is in no group` });
      continue;
    }
    const missing = f.hunks.map((_, k) => k).filter((k) => !at.has(k));
    if (missing.length > 0)
      out.push({ rule: "left_out", message: `hunks ${missing.join(", ")} of ${f.path} are in no group` });
  }

  for (const g of groups) {
    const files = g.files.flatMap((m) =>
      byPath.has(m.path) ? [{ member: m, file: byPath.get(m.path)! }] : [],
    );
    if (files.length > rules.maxFilesPerPr)
      out.push({
        rule: "max_files",
        group: g.index,
        message: `group ${g.index} has ${files.length} files, more than ${rules.maxFilesPerPr}`,
      });
    const lines = files.reduce((n, { member, file }) => n + linesOf(file, member), 0);
    if (lines > rules.maxLinesPerPr)
      out.push({
        rule: "max_lines",
        group: g.index,
        message: `group ${g.index} changes ${lines} lines, more than ${rules.maxLinesPerPr}`,
      });
    for (const { member, file } of files) {
      // Imports this part of the file brings: of a file that did not exist, or on a line a hunk adds.
      for (const imp of importsOfMember(file, member)) {
        const target = byPath.get(imp.path)!;
        const strong = target.status !== "modified" || file.status === "added" || lineAdded(file, imp.line);
        const at = first.get(imp.path);
        if (strong && at !== undefined && at > g.index)
          out.push({
            rule: "forward_dependency",
            group: g.index,
            message: `${file.path} (group ${g.index}) imports ${imp.path}, which comes only in group ${at}: group ${g.index} would not build on its own`,
          });
      }
      if (rules.testsWithCode && file.kind === "test") {
        const sources = analysis.files.filter((s) => s.kind === "source");
        const target =
          sources.find((s) => stem(s.path) === stem(file.path)) ??
          file.imports.map((i) => byPath.get(i.path)!).find((s) => s.kind === "source");
        if (target && !g.files.some((m) => m.path === target.path))
          out.push({
            rule: "tests_with_code",
            group: g.index,
            message: `${file.path} tests ${target.path}, which is in group ${first.get(target.path) ?? "none"}, not with it in group ${g.index}`,
          });
      }
    }
  }
  return out;
}

function linesOf(f: AnalyzedFile, m: GroupFile): number {
  if (!m.hunks) return f.added + f.deleted;
  return m.hunks.reduce((n, k) => n + (f.hunks[k] ? f.hunks[k]!.new_lines + f.hunks[k]!.old_lines : 0), 0);
}

function lineAdded(f: AnalyzedFile, line: number): boolean {
  return f.hunks.some((h) => line >= h.new_start && line < h.new_start + h.new_lines);
}

function importsOfMember(f: AnalyzedFile, m: GroupFile) {
  if (!m.hunks) return f.imports;
  const mine = new Set(m.hunks);
  return f.imports.filter((i) => {
    const k = f.hunks.findIndex((h) => i.line >= h.new_start && i.line < h.new_start + h.new_lines);
    return k >= 0 && mine.has(k);
  });
}

const run = (cmd: string, args: string[], input?: Buffer) =>
  new Promise<void>((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 1024 * 1024 }, (err) => (err ? reject(err) : resolve()));
    if (input) child.stdin?.end(input);
  });

/**
 * Each stacked branch's tree on its own: the base (git archive into a temporary directory), then
 * group 1's changes, the test command, group 2's, the test command, ... The temporary directory is
 * removed afterwards. Contents come from the working tree (a split file: the base with its groups'
 * hunks applied so far).
 */
export async function runGroupTests(
  workspace: Workspace,
  config: Readonly<Config>,
  analysis: Analysis,
  groups: readonly ValidatedGroup[],
  command: string,
  signal?: AbortSignal,
): Promise<TestRun[]> {
  const repo = await openRepository(workspace, analysis.root, signal ? { signal } : {});
  const byPath = new Map(analysis.files.map((f) => [f.path, f]));
  const archive = await repo.raw(["archive", "--format=tar", analysis.base_commit]);
  if (archive.code !== 0)
    throw validationError(`cannot read ${analysis.base_commit}: ${archive.stderr.trim()}`);
  const dir = await mkdtemp(join(tmpdir(), "rw-prs-validate-"));
  const hunks = await readHunks(repo, analysis.base_commit);
  const applied = new Map<string, Set<number>>();
  const runs: TestRun[] = [];
  try {
    await run("tar", ["-x", "-f", "-", "-C", dir], archive.stdout);
    for (const g of groups) {
      for (const m of g.files) {
        const f = byPath.get(m.path);
        if (!f) continue;
        const rel = posix.normalize(m.path);
        if (rel.startsWith("../") || rel.startsWith("/"))
          throw validationError(`${m.path} is outside the repository`);
        const target = join(dir, rel);
        if (f.old_path) await rm(join(dir, posix.normalize(f.old_path)), { force: true });
        if (f.status === "deleted") {
          await rm(target, { force: true, recursive: true });
          continue;
        }
        if (f.submodule) continue;
        await mkdir(dirname(target), { recursive: true });
        if (m.hunks) {
          const done = applied.get(m.path) ?? new Set<number>();
          for (const k of m.hunks) done.add(k);
          applied.set(m.path, done);
          const base = await repo
            .run(["show", `${analysis.base_commit}:${f.old_path ?? f.path}`])
            .catch(() => "");
          const all = hunks.get(m.path) ?? [];
          await writeFile(
            target,
            applyHunks(
              base,
              all.filter((_, k) => done.has(k)),
            ),
          );
          continue;
        }
        const entry = await workspace.entry(analysis.root, m.path);
        await rm(target, { force: true, recursive: true });
        if (!entry) continue;
        if (entry.kind === "symlink") await symlink(entry.target, target);
        else await writeFile(target, entry.content, { mode: entry.executable ? 0o755 : 0o644 });
      }
      const result = await runSandboxed({
        ...sandboxOptionsFromConfig(config),
        command,
        cwd: dir,
        ...(signal ? { signal } : {}),
      });
      const output = `${result.stdout}\n${result.stderr}`.trim();
      runs.push({
        group: g.index,
        passed: result.exitCode === 0 && !result.timedOut,
        exit_code: result.exitCode,
        timed_out: result.timedOut,
        output_tail: output.slice(-2000),
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return runs;
}
