/**
 * The gates a change passes before a pull request opens — all of them, each recorded with what it saw.
 * Evidence first: a test that failed on the base passes with the change (and a test the run added also
 * fails on the base without the source change, so it proves the fix); nothing that passed breaks. Then
 * the change itself: not empty, applies on the current base, no secret in it, and within policy (size,
 * no workflow edits unless allowed, no binaries, no lockfile churn unless allowed, no symlink leading out).
 */
import { findSecrets, Redactor } from "../../core/redact.js";
import type { GitRepository } from "../../git/repo.js";

export interface ChangedFile {
  path: string;
  /** A added, M modified, D deleted, R renamed (as git reports it), T type change. */
  status: string;
  added: number;
  deleted: number;
  binary: boolean;
  /** 120000 for a symlink. */
  mode?: string;
}

export interface Change {
  files: ChangedFile[];
  /** `git diff --binary` of the base against the worktree (untracked files included). */
  patch: string;
}

export interface GateResult {
  gate: string;
  ok: boolean;
  detail: string;
}

export interface Policy {
  maxFiles: number;
  maxLines: number;
  allowWorkflows: boolean;
  allowLockfiles: boolean;
}

export interface Evidence {
  /** Tests that failed on the base and pass with the change. */
  fixed: string[];
  /** Tests that passed on the base and fail (or are gone) with the change. */
  broken: string[];
  /** Tests the run added among `fixed`, and whether each fails on the base without the source change. */
  addedProof: { test: string; failsOnBase: boolean }[];
  /** Whether per-test results could be read at all (an unparsed run proves nothing). */
  parsed: boolean;
}

const LOCKFILES = new Set([
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "Cargo.lock",
  "poetry.lock",
  "Pipfile.lock",
  "uv.lock",
  "go.sum",
  "composer.lock",
  "Gemfile.lock",
]);

/** Stages everything in the worktree and reads the change against `base`. */
export async function collectChange(git: GitRepository, base: string, signal?: AbortSignal): Promise<Change> {
  await git.run(["add", "-A", "--", "."], { signal });
  const numstat = await git.run(["diff", "--cached", "--numstat", "-z", base, "--"], { signal });
  const names = await git.run(["diff", "--cached", "--name-status", "-z", "--no-renames", base, "--"], {
    signal,
  });
  const raw = await git.run(["diff", "--cached", "--raw", "-z", "--no-renames", base, "--"], { signal });
  const status = new Map<string, string>();
  const nameParts = names.split("\0").filter(Boolean);
  for (let i = 0; i + 1 < nameParts.length; i += 2)
    status.set(nameParts[i + 1] as string, nameParts[i] as string);
  const modes = new Map<string, string>();
  const rawParts = raw.split("\0").filter(Boolean);
  for (let i = 0; i + 1 < rawParts.length; i += 2) {
    const meta = (rawParts[i] as string).split(" ");
    modes.set(
      rawParts[i + 1] as string,
      meta[1] === "000000" ? (meta[0] as string).slice(1) : (meta[1] as string),
    );
  }
  const files: ChangedFile[] = [];
  for (const entry of numstat.split("\0").filter(Boolean)) {
    const [a, d, ...rest] = entry.split("\t");
    const path = rest.join("\t");
    const binary = a === "-" || d === "-";
    files.push({
      path,
      status: status.get(path) ?? "M",
      added: binary ? 0 : Number(a),
      deleted: binary ? 0 : Number(d),
      binary,
      ...(modes.get(path) ? { mode: modes.get(path) } : {}),
    });
  }
  const patch = await git.run(["diff", "--cached", "--binary", "--no-renames", base, "--"], { signal });
  return { files, patch };
}

export async function checkChange(
  change: Change,
  policy: Policy,
  git: GitRepository,
  signal?: AbortSignal,
): Promise<GateResult[]> {
  const results: GateResult[] = [];
  const lines = change.files.reduce((n, f) => n + f.added + f.deleted, 0);
  results.push({
    gate: "non_empty",
    ok: change.files.length > 0,
    detail: change.files.length > 0 ? `${change.files.length} files, ${lines} lines` : "the change is empty",
  });
  const workflows = change.files.filter((f) => f.path.startsWith(".github/workflows/"));
  results.push({
    gate: "no_workflow_edits",
    ok: policy.allowWorkflows || workflows.length === 0,
    detail:
      workflows.length === 0
        ? "no file under .github/workflows"
        : `edits ${workflows.map((f) => f.path).join(", ")}${policy.allowWorkflows ? " (allowed by configuration)" : ": workflow edits are not allowed"}`,
  });
  const binaries = change.files.filter((f) => f.binary);
  results.push({
    gate: "no_binaries",
    ok: binaries.length === 0,
    detail: binaries.length === 0 ? "no binary file" : `binary: ${binaries.map((f) => f.path).join(", ")}`,
  });
  const locks = change.files.filter((f) => LOCKFILES.has(f.path.split("/").pop() as string));
  results.push({
    gate: "no_lockfile_churn",
    ok: policy.allowLockfiles || locks.length === 0,
    detail:
      locks.length === 0
        ? "no lockfile changed"
        : `lockfiles changed: ${locks.map((f) => f.path).join(", ")}`,
  });
  results.push({
    gate: "size",
    ok: change.files.length <= policy.maxFiles && lines <= policy.maxLines,
    detail: `${change.files.length}/${policy.maxFiles} files, ${lines}/${policy.maxLines} lines`,
  });
  // A symlink may be part of a change, but never one that points out of the repository.
  const links = change.files.filter((f) => f.mode === "120000" && f.status !== "D");
  const leading: string[] = [];
  for (const l of links) {
    const target = (await git.run(["show", `:${l.path}`], { signal })).trim();
    const depth = l.path.split("/").length - 1;
    let up = 0;
    let escapes = target.startsWith("/");
    for (const part of target.split("/")) {
      if (part === "..") up++;
      else if (part && part !== ".") up = Math.max(0, up - 1);
      if (up > depth) escapes = true;
    }
    if (escapes) leading.push(`${l.path} -> ${target}`);
  }
  results.push({
    gate: "no_symlink_out",
    ok: leading.length === 0,
    detail:
      leading.length === 0
        ? "no symlink leading out of the repository"
        : `symlinks leading out: ${leading.join(", ")}`,
  });
  results.push(await secretGate(change.patch));
  return results;
}

/** secretlint's recommended rules and the redactor's own patterns over the lines the change adds. */
export async function secretGate(patch: string): Promise<GateResult> {
  const added = patch
    .split("\n")
    .filter((l) => l.startsWith("+") && !l.startsWith("+++"))
    .map((l) => l.slice(1))
    .join("\n");
  const found = await findSecrets(added);
  const patterns = new Redactor().redact(added) !== added;
  const ok = found.length === 0 && !patterns;
  return {
    gate: "no_secrets",
    ok,
    detail: ok
      ? "no secret in the added lines"
      : `the change adds what looks like a secret (${found.length || 1} finding${found.length > 1 ? "s" : ""}); it is not pushed`,
  };
}

export function evidenceGates(e: Evidence): GateResult[] {
  const unproven = e.addedProof.filter((p) => !p.failsOnBase);
  // An existing test that now passes is evidence; an added one only when it fails on the base without the fix.
  const proven = e.fixed.filter((t) => e.addedProof.find((p) => p.test === t)?.failsOnBase !== false);
  return [
    {
      gate: "tests_parsed",
      ok: e.parsed,
      detail: e.parsed
        ? "per-test results were read on the base and with the change"
        : "the test output could not be read per test: nothing is proven",
    },
    {
      gate: "fixes_a_failing_test",
      ok: proven.length > 0,
      detail:
        proven.length > 0
          ? `fails on the base, passes with the change: ${proven.slice(0, 10).join(", ")}`
          : "no test that fails on the base passes with the change",
    },
    {
      gate: "added_tests_prove_the_fix",
      ok: unproven.length === 0,
      detail:
        e.addedProof.length === 0
          ? "no test was added"
          : unproven.length === 0
            ? `each added test fails on the base without the source change: ${e.addedProof.map((p) => p.test).join(", ")}`
            : `added tests that pass on the base too (they prove nothing): ${unproven.map((p) => p.test).join(", ")}`,
    },
    {
      gate: "no_regressions",
      ok: e.broken.length === 0,
      detail:
        e.broken.length === 0
          ? "no test that passed on the base fails"
          : `passed on the base, fail with the change: ${e.broken.slice(0, 10).join(", ")}`,
    },
  ];
}
