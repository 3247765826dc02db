/**
 * The CI doctor's repair loop (journey 3), plain functions over the adapters, in explicit recorded phases:
 *
 *   watch -> diagnose -> plan -> fix -> push -> rerun -> verify -> (diagnose again ...) -> report
 *
 * watch: the run attempt must be completed, and is analysed once (a store key per attempt, so a second
 * webhook, a watcher and a restart do not repeat it). diagnose: the ci toolset's diagnose_ci_run, through
 * the host. plan: infrastructure and flaky failures are re-run (once: the tool says so on the second
 * attempt), mechanical failures get a fixer (fixers.ts), code failures go to the resolver as an issue when a
 * model is configured, anything else stops. fix: a fresh clone of the run's commit, the fixers' commands
 * in the sandbox. push: one commit through push_files, on a branch of the doctor's with a pull request to
 * the failing branch (or the failing pull request's own branch when configured); the attempt is recorded
 * with record_ci_fix_attempt. rerun/verify: the run the push started (or a dispatch of the workflow), or
 * the re-run's next attempt, waited for with wait_for_ci_run; red again means another turn of the loop.
 *
 * Guards: at most `ci.maxFixCommits` fix commits per pull request (or branch), counted in the store; the
 * same fingerprint seen twice on a branch stops the loop; a fix already tried for a fingerprint is not
 * tried again (diagnose_ci_run reports it as tried_before); a fix that changes nothing stops and is
 * remembered as tried.
 */
import { randomUUID } from "node:crypto";
import { appendFile, lstat, mkdir, mkdtemp, readFile, readlink, rm } from "node:fs/promises";
import { join } from "node:path";
import { phaseRecorder } from "../../agents/phases.js";
import { collectChange } from "../../agents/resolver/gates.js";
import { cloneRepository } from "../../agents/resolver/run.js";
import type { Config } from "../../core/config.js";
import { isToolError } from "../../core/errors.js";
import type { Logger } from "../../core/log.js";
import { sleep } from "../../core/resilience.js";
import { createWorkspace } from "../../core/workspace.js";
import { pushPayload } from "../../git/payload.js";
import { openRepository } from "../../git/repo.js";
import type { GithubDeps } from "../../github/client.js";
import type { Host } from "../../mcp/host.js";
import type { Caller } from "../../mcp/tool.js";
import type { Queue } from "../../queue/index.js";
import { runSandboxed, type SandboxOptions } from "../../sandbox/index.js";
import type { Store } from "../../store/types.js";
import { type Failure, type Fix, fixFor, LOCKFILE_NAMES, orderFixes } from "./fixers.js";
import { repairMetrics } from "./metrics.js";
import { issueMarker, markdownReport, outcomeLine } from "./report.js";
import {
  GOOD,
  type Iteration,
  type Phase,
  type PhaseName,
  type RepairOutcome,
  type RepairRecord,
  type RepairRequest,
} from "./types.js";

export const REPAIRS = "ci-repairs";
const STATE_NS = "ci-repair";
const ANALYSED_MS = 30 * 24 * 3600 * 1000;
const BRANCH_STATE_MS = 7 * 24 * 3600 * 1000;
/** The resolver's job kind (src/agents/resolver/trigger.ts), for code failures. */
const RESOLVE_JOB = "resolve";
export const FIX_TRAILER = "Repowright-CI-Doctor:";

export const CI_DOCTOR_CALLER: Caller = {
  id: "repowright-ci-doctor",
  roles: ["admin"],
  transport: "in-process",
};

export interface RepairDeps {
  host: Host;
  config: Readonly<Config>;
  store: Store;
  log: Logger;
  github: GithubDeps;
  queue?: Queue;
  /** Whether a language model is configured: code failures then go to the resolver. */
  resolver: boolean;
  /** Where clones go (default <home>/ci-doctor). */
  workDir?: string;
  sandbox?: Partial<SandboxOptions>;
  /** The Actions job summary file ($GITHUB_STEP_SUMMARY): the Markdown report is appended to it. */
  stepSummary?: string;
  /** True when the token is an Actions GITHUB_TOKEN: what it pushes starts no workflow run. */
  actionsToken?: boolean;
  /** Poll interval while waiting for runs, ms (default ci.pollS). */
  pollMs?: number;
}

export function repairDeps(host: Host, extra: Partial<RepairDeps> = {}): RepairDeps {
  const s = host.services;
  return {
    host,
    config: s.config,
    store: s.store,
    log: s.log,
    github: s.clients.github(),
    queue: s.queue,
    resolver: s.clients.models.unavailable() === undefined,
    ...extra,
  };
}

type Obj = Record<string, unknown>;

/** The run needs no loop (its attempt was analysed before): straight to the end, without a report. */
class Finished extends Error {}

class Stop extends Error {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const analysedKey = (repository: string, run: number, attempt: number) =>
  `analysed:${repository.toLowerCase()}:${run}:${attempt}`;

/** Whether a run attempt was analysed (or is being analysed) already. */
export async function analysedBefore(store: Store, repository: string, run: number, attempt: number) {
  return (await store.exists(STATE_NS, [analysedKey(repository, run, attempt)])) > 0;
}

/** Claims a run attempt for analysis: false when another doctor (or an earlier one) has it. */
export async function claimAttempt(
  store: Store,
  repository: string,
  run: number,
  attempt: number,
  by: string,
): Promise<boolean> {
  return store.cas(STATE_NS, analysedKey(repository, run, attempt), null, by, { ttlMs: ANALYSED_MS });
}

export async function repairRun(
  request: RepairRequest,
  deps: RepairDeps,
  options: { signal?: AbortSignal; onPhase?: (phase: Phase) => void } = {},
): Promise<RepairRecord> {
  const { owner, repo } = request;
  const repository = `${owner}/${repo}`;
  const signal = options.signal ?? new AbortController().signal;
  const metrics = repairMetrics(deps.host.metrics.registry);
  const ci = deps.config.ci;
  const pollMs = deps.pollMs ?? ci.pollS * 1000;
  const record: RepairRecord = {
    id: randomUUID(),
    repository,
    run_id: request.run_id,
    trigger: request.trigger,
    startedAt: new Date().toISOString(),
    phases: [],
    iterations: [],
    notes: [],
  };
  const save = () => deps.store.putDoc({ collection: REPAIRS, id: record.id, data: record }).catch(() => 0);
  const call = async <T = Obj>(tool: string, args: Obj): Promise<T> => {
    const out = await deps.host.invoke(tool, args, { caller: CI_DOCTOR_CALLER, signal });
    if (!out.ok) throw new Stop("github", `${tool}: ${out.error.type}: ${out.error.error}`);
    return out.value as T;
  };
  const get = async (route: string, params: Obj) =>
    (await deps.github.octokit.request(route, { ...params, request: { signal } })).data as unknown as Obj;
  const { begin, end } = phaseRecorder(record.phases, {
    save,
    onPhase: options.onPhase,
    seconds: metrics.phaseSeconds,
  });

  metrics.active.inc();
  let workDir: string | undefined;
  try {
    // 1. Watch: the run attempt, completed, claimed once.
    await begin("watch");
    let run = await get("GET /repos/{owner}/{repo}/actions/runs/{run_id}", {
      owner,
      repo,
      run_id: request.run_id,
    });
    if (run["status"] !== "completed")
      run = await waitForRun(call, owner, repo, request.run_id, ci.verifyTimeoutS, pollMs);
    const workflow = {
      id: Number(run["workflow_id"]),
      name: String(run["name"] ?? ""),
      path: String(run["path"] ?? "").replace(/@.*$/, ""),
    };
    record.workflow = workflow;
    record.branch = String(run["head_branch"]);
    record.head_sha = String(run["head_sha"]);
    const attempt = Number(run["run_attempt"] ?? 1);
    const claimed = await claimAttempt(deps.store, repository, request.run_id, attempt, record.id);
    if (!claimed && !request.force) {
      end(true, `attempt ${attempt} of run ${request.run_id} was analysed before`);
      record.outcome = { kind: "already_analysed", detail: `run ${request.run_id} attempt ${attempt}` };
      throw new Finished();
    }
    end(true, `run ${request.run_id} attempt ${attempt}: ${String(run["conclusion"])}`);

    const branch = String(run["head_branch"]);
    const pr = await pullRequestFor(get, owner, repo, branch, String(run["event"]));
    // The fix goes to the pull request's own branch when configured (and it is in this repository).
    const toPrBranch = ci.pushToPrBranch && pr !== undefined && pr.sameRepo;
    const target = toPrBranch ? branch : `repowright/ci-fix/${branch}`.slice(0, 200);
    const guardKey = pr
      ? `pr:${repository.toLowerCase()}#${pr.number}`
      : `branch:${repository.toLowerCase()}:${branch}`;
    const seenThisLoop = new Set<string>();
    let current = {
      id: request.run_id,
      attempt,
      head_sha: String(run["head_sha"]),
      conclusion: String(run["conclusion"]),
    };
    let pushedOnce = false;

    for (;;) {
      // 2. Diagnose.
      await begin("diagnose");
      const d = await call<{ verdict: string; next: string; failures: Failure[]; run: Obj }>(
        "diagnose_ci_run",
        {
          owner,
          repo,
          run_id: current.id,
        },
      );
      const it: Iteration = {
        run_id: current.id,
        attempt: current.attempt,
        head_sha: current.head_sha,
        verdict: d.verdict,
        failures: d.failures.map((f) => ({
          job: f.job,
          category: f.category,
          action: f.action,
          cause: f.cause,
          fingerprint: f.fingerprint,
          evidence: f.evidence.map((e) => `${e.line}: ${e.text}`),
          ...(f.note ? { note: f.note } : {}),
        })),
        plan: { kind: "none" },
      };
      record.iterations.push(it);
      end(
        true,
        `${d.verdict}: ${d.failures.map((f) => `${f.job} ${f.category}`).join(", ") || "no failures"}`,
      );

      // 3. Plan.
      await begin("plan");
      if (d.verdict === "passing" || d.failures.length === 0) {
        end(true, d.next);
        if (d.verdict !== "passing") throw new Stop("no_failures", d.next);
        record.outcome =
          record.iterations.length === 1
            ? { kind: "passing", detail: d.next }
            : pushedOnce
              ? { kind: "fixed", detail: `run ${current.id} passed after the fix` }
              : { kind: "rerun_green", detail: `run ${current.id} attempt ${current.attempt} passed` };
        break;
      }
      // Guard: the same failure twice on this branch.
      const seenBefore = [];
      for (const f of d.failures) {
        const n = await deps.store.incr(STATE_NS, `seen:${guardKey}:${f.fingerprint}`);
        await deps.store.expire(STATE_NS, `seen:${guardKey}:${f.fingerprint}`, BRANCH_STATE_MS);
        if (n >= 2 || seenThisLoop.has(f.fingerprint)) seenBefore.push(f);
        seenThisLoop.add(f.fingerprint);
      }
      const tried = d.failures.filter((f) => f.tried_before && f.tried_before.length > 0);
      if (tried.length > 0) {
        metrics.guardStops.labels("fix_tried_before").inc();
        it.plan = { kind: "stop", reason: "fix_did_not_help" };
        throw new Stop(
          "fix_did_not_help",
          `the fix already tried for ${tried.map((f) => `${f.job} (${f.category})`).join(", ")} did not change the outcome: not tried again`,
        );
      }
      if (seenBefore.length > 0) {
        metrics.guardStops.labels("fingerprint_repeated").inc();
        it.plan = { kind: "stop", reason: "fingerprint_repeated" };
        throw new Stop(
          "fingerprint_repeated",
          `the same failure came back: ${seenBefore.map((f) => `${f.job} (${f.category}, ${f.fingerprint})`).join(", ")}`,
        );
      }
      const investigate = d.failures.filter((f) => f.action === "investigate");
      if (investigate.length > 0) {
        it.plan = { kind: "stop", reason: "needs_investigation" };
        throw new Stop("needs_investigation", d.next);
      }
      if (d.failures.every((f) => f.action === "rerun")) {
        it.plan = { kind: "rerun" };
        end(true, "infrastructure: re-run the failed jobs once");
        // 6. Rerun.
        await begin("rerun");
        await call("rerun_failed_jobs", { owner, repo, run_id: current.id });
        metrics.reruns.inc();
        const nextAttempt = current.attempt + 1;
        await claimAttempt(deps.store, repository, current.id, nextAttempt, record.id);
        it.next_run = { id: current.id, attempt: nextAttempt };
        end(true, `run ${current.id} attempt ${nextAttempt} queued`);
      } else {
        const fixes: Fix[] = [];
        const code: Failure[] = [];
        for (const f of d.failures) {
          if (f.action !== "fix") continue;
          const fix = fixFor(f, workflow.path);
          if (fix) fixes.push(fix);
          else code.push(f);
        }
        if (code.length > 0) {
          it.plan = {
            kind: deps.resolver ? "resolver" : "stop",
            ...(deps.resolver ? {} : { reason: "code_failure" }),
          } as Iteration["plan"];
          end(true, `code failures: ${code.map((f) => `${f.job} (${f.category})`).join(", ")}`);
          if (!deps.resolver)
            throw new Stop(
              "code_failure",
              `the code needs a change: ${code.map((f) => `${f.job} (${f.category}): ${f.cause}`).join("; ")}`,
            );
          await begin("report");
          const issue = await upsertIssue(call, get, record, deps, "open");
          record.issue = issue;
          const queued = deps.queue
            ? await deps.queue.enqueue(
                RESOLVE_JOB,
                {
                  owner,
                  repo,
                  issue: issue.number,
                  base: branch,
                  trigger: { kind: "job", delivery: record.id },
                },
                {
                  key: `resolve:${repository}#${issue.number}:ci:${current.id}:${current.attempt}`,
                  attempts: 2,
                },
              )
            : undefined;
          record.outcome = {
            kind: "handed_to_resolver",
            issue: issue.number,
            detail: `issue #${issue.number}${queued ? `, resolver job ${queued.job.id}` : ""}`,
          };
          break;
        }
        const ordered = orderFixes(fixes);
        it.plan = {
          kind: "fix",
          fixes: ordered.map((f) => ({
            id: f.id,
            description: f.description,
            commands: f.commands.map((c) => c.join(" ")),
          })),
        };
        // Guard: fix commits per pull request (or branch).
        const commits = Number((await deps.store.get(STATE_NS, `commits:${guardKey}`)) ?? 0);
        if (commits >= ci.maxFixCommits) {
          metrics.guardStops.labels("max_fix_commits").inc();
          it.plan = { kind: "stop", reason: "max_fix_commits" };
          throw new Stop(
            "max_fix_commits",
            `${commits} fix commit(s) already pushed for ${guardKey} (the limit is ${ci.maxFixCommits})`,
          );
        }
        end(true, ordered.map((f) => f.id).join(", "));

        // 4. Fix.
        await begin("fix");
        const dirs = deps.workDir ?? join(deps.config.core.home, "ci-doctor");
        await mkdir(dirs, { recursive: true });
        workDir = await mkdtemp(join(dirs, "run-"));
        const root = join(workDir, "repo");
        const fromBranch = toPrBranch || !pushedOnce ? branch : target;
        const repoInfo = await get("GET /repos/{owner}/{repo}", { owner, repo });
        await cloneRepository(deps.github, String(repoInfo["clone_url"]), fromBranch, root, signal).catch(
          (err: unknown) => {
            throw new Stop("clone", (err as Error).message);
          },
        );
        const git = await openRepository(createWorkspace([workDir], workDir), root, { signal });
        const head = (await git.run(["rev-parse", "HEAD"], { signal })).trim();
        if (head !== current.head_sha)
          throw new Stop(
            "branch_moved",
            `${fromBranch} is at ${head.slice(0, 7)} now, the run was on ${current.head_sha.slice(0, 7)}: a newer run will tell`,
          );
        // What installs write is never part of the fix.
        await appendFile(join(root, ".git", "info", "exclude"), "\nnode_modules/\n");
        const ran = await applyFixes(ordered, root, deps, signal);
        const change = await collectChange(git, head, signal);
        const files = change.files.filter(
          (f) =>
            f.status !== "A" || LOCKFILE_NAMES.has(f.path.split("/").pop() ?? "") || ran.edited.has(f.path),
        );
        if (files.length === 0) {
          await recordAttempt(call, owner, repo, ordered, "the fix changed nothing", target);
          metrics.guardStops.labels("fix_changed_nothing").inc();
          throw new Stop(
            "fix_changed_nothing",
            `${ordered.map((f) => f.id).join(", ")} changed no file: not a mechanical failure after all`,
          );
        }
        end(true, `${files.length} file(s): ${files.map((f) => f.path).join(", ")}`);

        // 5. Push.
        await begin("push");
        const message = `CI doctor: ${ordered.map((f) => f.description).join("; ")}\n\nFor run ${current.id} (attempt ${current.attempt}) of ${workflow.name} on ${branch}.\n\n${FIX_TRAILER} ${record.id}`;
        const payload = await pushPayload(root, files);
        let expected: string | undefined = head;
        if (!toPrBranch && !pushedOnce) {
          expected = await prepareFixBranch(call, get, owner, repo, target, head);
        }
        const pushed = await call<{ commit_sha: string }>("push_files", {
          owner,
          repo,
          branch: target,
          message,
          files: payload.files,
          deletions: payload.deletions,
          ...(expected ? { expected_head_sha: expected } : {}),
        });
        await deps.store.incr(STATE_NS, `commits:${guardKey}`);
        await deps.store.expire(STATE_NS, `commits:${guardKey}`, BRANCH_STATE_MS);
        for (const f of ordered) metrics.fixCommits.labels(f.category).inc();
        await recordAttempt(
          call,
          owner,
          repo,
          ordered,
          ordered.map((f) => f.description).join("; "),
          target,
          pushed.commit_sha,
        );
        it.commit = { sha: pushed.commit_sha, branch: target, files: files.map((f) => f.path) };
        pushedOnce = true;
        if (!toPrBranch)
          record.pull_request = await upsertPullRequest(
            call,
            get,
            owner,
            repo,
            target,
            branch,
            record,
            ordered,
          );
        if (deps.actionsToken)
          record.notes.push(
            "the token is Actions' GITHUB_TOKEN: commits it pushes start no workflow run (only workflow_dispatch and repository_dispatch do); use a GitHub App or a personal token for the fix to be checked by CI by itself",
          );
        await rm(workDir, { recursive: true, force: true }).catch(() => {});
        workDir = undefined;
        end(true, `${pushed.commit_sha.slice(0, 7)} on ${target}`);

        // 6. Rerun: the run the push started, else a dispatch of the workflow.
        await begin("rerun");
        const started = await runOnCommit(
          get,
          call,
          owner,
          repo,
          workflow.id,
          target,
          pushed.commit_sha,
          ci.triggerWaitS * 1000,
          pollMs,
          signal,
        );
        if (!started) {
          record.outcome = {
            kind: "pushed_unverified",
            detail: `no run of ${workflow.name} started on ${pushed.commit_sha.slice(0, 7)} (pushed with a token whose pushes start no workflow, and the workflow has no workflow_dispatch trigger)`,
          };
          end(false, record.outcome.detail);
          break;
        }
        await claimAttempt(deps.store, repository, started.id, 1, record.id);
        it.next_run = { id: started.id, attempt: 1 };
        end(true, `run ${started.id}${started.dispatched ? " (dispatched)" : ""}`);
      }

      // 7. Verify.
      await begin("verify");
      const next = it.next_run!;
      const done = await waitForRun(call, owner, repo, next.id, ci.verifyTimeoutS, pollMs);
      next.conclusion = (done["conclusion"] as string | null) ?? null;
      current = {
        id: next.id,
        attempt: Number(done["run_attempt"] ?? next.attempt),
        head_sha: String(done["head_sha"]),
        conclusion: String(done["conclusion"]),
      };
      end(true, `run ${next.id}: ${String(done["conclusion"])}`);
      // Green or red, the next diagnosis says so (and a red one is another turn of the loop).
    }
    end(true);
  } catch (err) {
    if (err instanceof Finished) return finish();
    const stop =
      err instanceof Stop
        ? err
        : new Stop("error", isToolError(err) ? `${err.type}: ${err.message}` : (err as Error).message);
    end(false, stop.detail);
    record.outcome = { kind: "stopped", reason: stop.reason, detail: stop.detail };
    if (!(err instanceof Stop)) deps.log.warn({ err, repair: record.id }, "CI doctor run failed");
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true }).catch(() => {});
  }
  try {
    await report(record, deps, call, get, begin, end);
  } finally {
    await finish();
  }
  return record;

  async function finish(): Promise<RepairRecord> {
    metrics.active.dec();
    metrics.repairs.labels(record.outcome?.kind ?? "unknown").inc();
    record.finishedAt = new Date().toISOString();
    await save();
    return record;
  }
}

/** 8. Report: the job summary, the one issue for a persistent failure (closed when green), the record. */
async function report(
  record: RepairRecord,
  deps: RepairDeps,
  call: <T = Obj>(tool: string, args: Obj) => Promise<T>,
  get: (route: string, params: Obj) => Promise<Obj>,
  begin: (name: PhaseName) => Promise<void>,
  end: (ok: boolean, detail?: string) => void,
): Promise<void> {
  await begin("report");
  const outcome = record.outcome as RepairOutcome;
  try {
    const good = GOOD.has(outcome.kind);
    if (outcome.kind === "stopped" || outcome.kind === "pushed_unverified") {
      record.issue ??= await upsertIssue(call, get, record, deps, "open");
    } else if (good && record.workflow) {
      const known = await findIssue(get, record);
      if (known) record.issue = await upsertIssue(call, get, record, deps, "closed", known);
    }
    end(true, outcomeLine(record));
  } catch (err) {
    record.notes.push(`the report issue could not be written: ${(err as Error).message}`);
    end(false, (err as Error).message);
  }
  if (deps.stepSummary) {
    await appendFile(deps.stepSummary, markdownReport(record)).catch((err: unknown) =>
      record.notes.push(`the job summary could not be written: ${(err as Error).message}`),
    );
  }
}

async function findIssue(
  get: (route: string, params: Obj) => Promise<Obj>,
  record: RepairRecord,
): Promise<Obj | undefined> {
  const [owner, repo] = record.repository.split("/");
  const marker = issueMarker(record.repository, record.workflow?.path ?? "", record.branch ?? "");
  for (let page = 1; page <= 5; page++) {
    const list = (await get("GET /repos/{owner}/{repo}/issues", {
      owner,
      repo,
      state: "open",
      labels: "ci-doctor",
      per_page: 100,
      page,
    })) as unknown as Obj[];
    const found = list.find((i) => String(i["body"] ?? "").includes(marker));
    if (found) return found;
    if (list.length < 100) return undefined;
  }
  return undefined;
}

/** The doctor's one issue for this repository, workflow and branch: created, or edited in place. */
async function upsertIssue(
  call: <T = Obj>(tool: string, args: Obj) => Promise<T>,
  get: (route: string, params: Obj) => Promise<Obj>,
  record: RepairRecord,
  _deps: RepairDeps,
  state: "open" | "closed",
  known?: Obj,
): Promise<{ number: number; url: string; state: "open" | "closed" }> {
  const [owner, repo] = record.repository.split("/");
  const marker = issueMarker(record.repository, record.workflow?.path ?? "", record.branch ?? "");
  const body = `${marker}\n${markdownReport(record)}`;
  const title = `CI failing: ${record.workflow?.name ?? "workflow"} on ${record.branch ?? "?"}`;
  const existing = known ?? (await findIssue(get, record));
  if (existing) {
    const n = Number(existing["number"]);
    await call("update_issue", {
      owner,
      repo,
      issue_number: n,
      body,
      ...(state === "closed" ? { state: "closed" } : {}),
    });
    return { number: n, url: String(existing["html_url"]), state };
  }
  const made = await call<Obj>("create_issue", { owner, repo, title, body, labels: ["ci-doctor"] });
  return { number: Number(made["number"]), url: String(made["url"] ?? made["html_url"]), state: "open" };
}

async function recordAttempt(
  call: <T = Obj>(tool: string, args: Obj) => Promise<T>,
  owner: string,
  repo: string,
  fixes: Fix[],
  description: string,
  branch: string,
  commit?: string,
): Promise<void> {
  await call("record_ci_fix_attempt", {
    owner,
    repo,
    fingerprints: [...new Set(fixes.flatMap((f) => f.fingerprints))],
    description: description.slice(0, 2000),
    branch,
    ...(commit ? { commit_sha: commit } : {}),
  });
}

/** Runs the fixes in the checkout: their commands in the sandbox (after an install when they need one). */
async function applyFixes(
  fixes: Fix[],
  root: string,
  deps: RepairDeps,
  signal: AbortSignal,
): Promise<{ edited: Set<string> }> {
  const edited = new Set<string>();
  const cfg = deps.config;
  let installed = false;
  const sandboxed = async (command: string[], network: boolean) => {
    const res = await runSandboxed({
      command,
      cwd: root,
      level: cfg.sandbox.level,
      timeoutMs: cfg.sandbox.timeoutS * 1000,
      maxOutputBytes: cfg.sandbox.maxOutputBytes,
      network: network && cfg.ci.installNetwork,
      signal,
      ...deps.sandbox,
    });
    if (res.exitCode !== 0) {
      const tail = `${res.stdout}\n${res.stderr}`.trim().split("\n").slice(-8).join("\n");
      throw new Stop(
        "fix_failed",
        `\`${command.join(" ")}\` exited ${res.exitCode ?? res.signal}${res.timedOut ? " (timed out)" : ""}: ${tail}`,
      );
    }
  };
  for (const fix of fixes) {
    if (fix.needsNodeModules && !installed) {
      installed = true;
      const has = await lstat(join(root, "node_modules")).catch(() => undefined);
      const lock = await lstat(join(root, "package-lock.json")).catch(() => undefined);
      if (!has && lock) await sandboxed(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], true);
    }
    for (const c of fix.commands) {
      const local = fix.needsNodeModules ? join("node_modules", ".bin", c[0] ?? "") : "";
      const own = local && (await lstat(join(root, local)).catch(() => undefined));
      await sandboxed(own ? [`./${local}`, ...c.slice(1)] : c, fix.network === true);
    }
    if (fix.edit) for (const f of await fix.edit(root)) edited.add(f);
  }
  return { edited };
}

/**
 * The doctor's branch for a fix: made from the failing commit, or, when it is there from an earlier
 * loop, reset onto it only if it holds nothing but the doctor's commits. Returns the head to push on.
 */
async function prepareFixBranch(
  call: <T = Obj>(tool: string, args: Obj) => Promise<T>,
  get: (route: string, params: Obj) => Promise<Obj>,
  owner: string,
  repo: string,
  branch: string,
  base: string,
): Promise<string> {
  let existing: Obj | undefined;
  try {
    existing = await get("GET /repos/{owner}/{repo}/branches/{branch}", { owner, repo, branch });
  } catch (err) {
    if (!(isToolError(err) && err.type === "not_found") && (err as { status?: number }).status !== 404)
      throw err;
  }
  if (!existing) {
    await call("create_branch", { owner, repo, branch, from_ref: base });
    return base;
  }
  const headSha = String((existing["commit"] as Obj)["sha"]);
  const cmp = await get("GET /repos/{owner}/{repo}/compare/{basehead}", {
    owner,
    repo,
    basehead: `${base}...${headSha}`,
  });
  if (Number(cmp["behind_by"] ?? 0) > 0 || headSha === base) {
    // An old fix branch from before the failing branch moved: the fix is made again on the new commit.
    const foreign = ((cmp["commits"] as Obj[] | undefined) ?? []).filter(
      (c) => !String((c["commit"] as Obj)["message"]).includes(FIX_TRAILER),
    );
    if (foreign.length > 0)
      throw new Stop("branch_taken", `${branch} has commits that are not the CI doctor's: left alone`);
    await get("PATCH /repos/{owner}/{repo}/git/refs/{ref}", {
      owner,
      repo,
      ref: `heads/${branch}`,
      sha: base,
      force: true,
    });
    return base;
  }
  return headSha;
}

async function upsertPullRequest(
  call: <T = Obj>(tool: string, args: Obj) => Promise<T>,
  get: (route: string, params: Obj) => Promise<Obj>,
  owner: string,
  repo: string,
  head: string,
  base: string,
  record: RepairRecord,
  fixes: Fix[],
): Promise<NonNullable<RepairRecord["pull_request"]>> {
  const title = `Fix CI: ${fixes.map((f) => f.description).join("; ")}`.slice(0, 250);
  const body = `The CI doctor repaired ${record.workflow?.name ?? "CI"} on \`${base}\`: ${fixes
    .map((f) => f.description)
    .join(
      "; ",
    )}.\n\nRun ${record.run_id} failed; merge this into \`${base}\` for it to pass.\n\n${FIX_TRAILER} ${record.id}`;
  const open = (await get("GET /repos/{owner}/{repo}/pulls", {
    owner,
    repo,
    head: `${owner}:${head}`,
    state: "open",
  })) as unknown as Obj[];
  const pr = Array.isArray(open) ? open[0] : undefined;
  if (pr) {
    await call("update_pull_request", { owner, repo, pull_number: pr["number"], title, body });
    return { number: Number(pr["number"]), url: String(pr["html_url"]), branch: head, created: false };
  }
  const made = await call<Obj>("create_pull_request", { owner, repo, title, head, base, body });
  return {
    number: Number(made["number"]),
    url: String(made["url"] ?? made["html_url"]),
    branch: head,
    created: true,
  };
}

/** The open pull request whose head is this branch (for a pull_request run), and whether it is ours. */
async function pullRequestFor(
  get: (route: string, params: Obj) => Promise<Obj>,
  owner: string,
  repo: string,
  branch: string,
  event: string,
): Promise<{ number: number; sameRepo: boolean } | undefined> {
  if (!event.startsWith("pull_request") && event !== "push") return undefined;
  const list = (await get("GET /repos/{owner}/{repo}/pulls", {
    owner,
    repo,
    head: `${owner}:${branch}`,
    state: "open",
  })) as unknown as Obj[];
  const pr = Array.isArray(list) ? list[0] : undefined;
  if (!pr) return undefined;
  const headRepo = ((pr["head"] as Obj | undefined)?.["repo"] as Obj | undefined)?.["full_name"];
  return {
    number: Number(pr["number"]),
    sameRepo: headRepo === undefined || String(headRepo).toLowerCase() === `${owner}/${repo}`.toLowerCase(),
  };
}

/** Waits with wait_for_ci_run (conditional requests while nothing changes); the run when it completed. */
async function waitForRun(
  call: <T = Obj>(tool: string, args: Obj) => Promise<T>,
  owner: string,
  repo: string,
  runId: number,
  timeoutS: number,
  pollMs: number,
): Promise<Obj> {
  const out = await call<{ completed: boolean; run: Obj }>("wait_for_ci_run", {
    owner,
    repo,
    run_id: runId,
    timeout_s: timeoutS,
    poll_s: Math.max(1, Math.round(pollMs / 1000)),
  });
  if (!out.completed) throw new Stop("verify_timeout", `run ${runId} did not finish within ${timeoutS} s`);
  const v = out.run;
  // wait_for_ci_run's view names some fields apart from the API's run.
  return { ...v, run_attempt: v["attempt"], head_branch: v["branch"] };
}

/** The workflow's run on a commit: started by the push, or by a dispatch when the push started none. */
async function runOnCommit(
  get: (route: string, params: Obj) => Promise<Obj>,
  call: <T = Obj>(tool: string, args: Obj) => Promise<T>,
  owner: string,
  repo: string,
  workflowId: number,
  branch: string,
  sha: string,
  waitMs: number,
  pollMs: number,
  signal: AbortSignal,
): Promise<{ id: number; dispatched: boolean } | undefined> {
  const find = async () => {
    const res = await get("GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", {
      owner,
      repo,
      workflow_id: workflowId,
      head_sha: sha,
      per_page: 5,
    });
    const r = (res["workflow_runs"] as Obj[] | undefined)?.[0];
    return r ? Number(r["id"]) : undefined;
  };
  const deadline = Date.now() + waitMs;
  for (;;) {
    const id = await find();
    if (id !== undefined) return { id, dispatched: false };
    if (Date.now() >= deadline) break;
    await sleep(Math.min(pollMs, 2000), signal);
  }
  const out = await dispatchWorkflow(call, owner, repo, workflowId, branch);
  if (!out) return undefined;
  for (let i = 0; i < 10; i++) {
    const id = await find();
    if (id !== undefined) return { id, dispatched: true };
    await sleep(Math.min(pollMs, 2000), signal);
  }
  return undefined;
}

async function dispatchWorkflow(
  call: <T = Obj>(tool: string, args: Obj) => Promise<T>,
  owner: string,
  repo: string,
  workflowId: number,
  ref: string,
): Promise<boolean> {
  try {
    await call("run_workflow", { owner, repo, workflow_id: String(workflowId), ref });
    return true;
  } catch {
    return false;
  }
}
