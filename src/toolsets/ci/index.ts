/**
 * The CI doctor's instruments (journey 3): why did this GitHub Actions run fail, proven by log lines;
 * what to do (re-run a transient failure once, fix a formatter or lockfile failure, investigate the rest);
 * which fixes were already tried; and waiting for a run to finish.
 *
 * Memory of fix attempts lives in the store (namespace `ci-fixes`, 30 days), keyed by the failure's
 * fingerprint, so a fix that did not help is never proposed twice, across sessions and replicas.
 */
import { z } from "zod";
import { notFoundError, validationError } from "../../core/errors.js";
import { sleep } from "../../core/resilience.js";
import { downloadJobLog, runJobs } from "../../github/actions.js";
import { type GithubDeps, missingCredentials, withSignal } from "../../github/deps.js";
import { FAILED, jobView, runView } from "../../github/views.js";
import { runInBackground } from "../../jobs/index.js";
import { background, owner, repo } from "../../mcp/fragments.js";
import {
  defineTool,
  defineToolset,
  LOCAL_WRITE,
  REMOTE_READ,
  type Tool,
  type ToolContext,
} from "../../mcp/tool.js";
import { CATEGORIES, classifyLog, type Diagnosis } from "./classify.js";

type Obj = Record<string, unknown>;

const FIXES_NS = "ci-fixes";
/**
 * One document per diagnosed failing job (id `owner/repo:run:job`, so a second diagnosis overwrites it):
 * repository, category and the run's time, for the dashboard's CI health view (/ui).
 */
export const CI_DIAGNOSES = "ci-diagnoses";
const FIX_MEMORY_MS = 30 * 24 * 3600 * 1000;
const MAX_JOBS = 20;

interface FixAttempt {
  at: string;
  branch?: string;
  commit_sha?: string;
  description: string;
}

type GhCtx = ToolContext<GithubDeps>;
const gh = (ctx: GhCtx) => withSignal(ctx.deps, ctx.signal);
function ghTool<I extends z.ZodObject<z.ZodRawShape>>(tool: Tool<I, GithubDeps>): Tool<I, GithubDeps> {
  return defineTool<I, GithubDeps>(tool);
}

const fixKey = (o: string, r: string, fingerprint: string) => `${o}/${r}:${fingerprint}`.toLowerCase();

async function attemptsOf(ctx: GhCtx, o: string, r: string, fingerprint: string): Promise<FixAttempt[]> {
  const text = await ctx.store.get(FIXES_NS, fixKey(o, r, fingerprint));
  return text ? (JSON.parse(text) as FixAttempt[]) : [];
}

const evidenceOut = z.object({ line: z.number().int(), text: z.string() });
const failureOut = z.object({
  job_id: z.number().int(),
  job: z.string(),
  conclusion: z.string().nullable(),
  failed_steps: z.array(z.string()).optional(),
  category: z.enum(CATEGORIES),
  cause: z.string().describe("The cause in words."),
  action: z.enum(["rerun", "fix", "investigate"]),
  fix: z.string().optional().describe("The command that repairs it in a checkout (format, lockfile)."),
  infrastructure: z
    .boolean()
    .describe("True when the code is not at fault (a re-run or an operator can fix it)."),
  facts: z
    .record(z.unknown())
    .describe(
      "What the cited lines name: tool, plugin, package, version, test, file, line, code, exit_code.",
    ),
  evidence: z.array(evidenceOut).describe("The log lines that prove the cause (1-based line numbers)."),
  fingerprint: z.string().describe("Names this failure for record_ci_fix_attempt."),
  tried_before: z
    .array(z.object({ at: z.string(), commit_sha: z.string().optional(), description: z.string() }))
    .optional(),
  note: z.string().optional(),
});

export const diagnoseCiRun = ghTool({
  name: "diagnose_ci_run",
  title: "Diagnose a failed CI run",
  description:
    "Why a GitHub Actions run failed: for each failed job, the cause (infrastructure, cancelled, timeout, out_of_memory, configuration, lockfile, dependency, compilation, typecheck, compatibility, license, format, lint, documentation, test, unknown) with the log lines that prove it, and what to do: rerun (transient; once), fix (with the command for format and lockfile failures) or investigate. Fixes already recorded for the same failure are listed, and not proposed again. Without run_id, the latest failed run (of a branch, if given).",
  input: z.object({
    owner,
    repo,
    run_id: z.number().int().min(1).optional().describe("The run; default: the latest failed one."),
    branch: z.string().min(1).optional().describe("Without run_id: the latest failed run of this branch."),
  }),
  output: z.object({
    run: z.record(z.unknown()).describe("The run: id, name, branch, head_sha, attempt, conclusion, url."),
    verdict: z
      .enum(["passing", "transient", "fixable", "failing", "needs_investigation"])
      .describe("transient: re-run; fixable: every failure has a mechanical fix; failing: code to change."),
    next: z.string().describe("What to do next, in one sentence."),
    failures: z.array(failureOut),
    cancelled_jobs: z
      .array(z.string())
      .describe("Jobs cancelled (usually by fail-fast after another failure)."),
    more_jobs: z.number().int().optional().describe("Failed jobs beyond the first 20, not diagnosed."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const { request } = gh(ctx);
    const o = input.owner;
    const r = input.repo;
    let run: Obj;
    if (input.run_id !== undefined) {
      run = (
        await request("GET /repos/{owner}/{repo}/actions/runs/{run_id}", {
          owner: o,
          repo: r,
          run_id: input.run_id,
        })
      ).data as unknown as Obj;
    } else {
      const res = await request("GET /repos/{owner}/{repo}/actions/runs", {
        owner: o,
        repo: r,
        status: "failure",
        per_page: 1,
        ...(input.branch ? { branch: input.branch } : {}),
      });
      const latest = (res.data.workflow_runs as unknown as Obj[])[0];
      if (!latest) {
        throw notFoundError(
          `no failed workflow run in ${o}/${r}${input.branch ? ` on ${input.branch}` : ""}`,
        );
      }
      run = latest;
    }
    const view = runView(run);
    if (run["status"] !== "completed") {
      return {
        run: view,
        verdict: "needs_investigation" as const,
        next: `the run is still ${String(run["status"])}: wait_for_ci_run, then diagnose it`,
        failures: [],
        cancelled_jobs: [],
      };
    }
    const jobs = await runJobs(ctx, o, r, Number(run["id"]));
    const failed = jobs.filter((j) => FAILED.has(String(j["conclusion"])) && j["conclusion"] !== "cancelled");
    const cancelled = jobs.filter((j) => j["conclusion"] === "cancelled").map((j) => String(j["name"]));
    const attempt = Number(run["run_attempt"] ?? 1);
    const failures: z.infer<typeof failureOut>[] = [];
    for (const [i, j] of failed.slice(0, MAX_JOBS).entries()) {
      await ctx.progress({
        progress: i,
        total: Math.min(failed.length, MAX_JOBS),
        message: `reading ${String(j["name"])}`,
      });
      const log = await downloadJobLog(ctx, o, r, Number(j["id"]));
      let d: Diagnosis = classifyLog(log, String(j["name"]));
      if (d.category === "unknown" && j["conclusion"] === "timed_out") {
        d = { ...d, category: "timeout", cause: "the job hit its time limit", action: "investigate" };
      }
      const jv = jobView(j);
      const failure: z.infer<typeof failureOut> = {
        job_id: Number(j["id"]),
        job: String(j["name"]),
        conclusion: (j["conclusion"] as string | null) ?? null,
        ...(Array.isArray(jv["failed_steps"]) && jv["failed_steps"].length > 0
          ? { failed_steps: jv["failed_steps"] as string[] }
          : {}),
        ...d,
      };
      const tried = await attemptsOf(ctx, o, r, d.fingerprint);
      if (tried.length > 0) {
        failure.tried_before = tried;
        failure.action = "investigate";
        failure.note = `a fix for this same failure was already tried (${tried.length}x, last ${tried.at(-1)!.commit_sha ?? tried.at(-1)!.at}) and it still fails: do not repeat it`;
      } else if (d.action === "rerun" && attempt > 1) {
        failure.action = "investigate";
        failure.note = `already re-run ${attempt - 1} time(s) and it failed again: not transient after all`;
      }
      failures.push(failure);
    }
    const at = String(run["updated_at"] ?? run["created_at"] ?? new Date().toISOString());
    await ctx.store
      .writeDocs(
        failures.map((f) => ({
          collection: CI_DIAGNOSES,
          id: `${o}/${r}:${String(run["id"])}:${f.job_id}`.toLowerCase(),
          data: {
            repository: `${o}/${r}`.toLowerCase(),
            run_id: Number(run["id"]),
            job: f.job,
            category: f.category,
            at,
          },
        })),
      )
      .catch(() => undefined); // the record is for the dashboard: never fail a diagnosis for it
    return {
      run: view,
      ...verdictOf(failures, cancelled.length),
      failures,
      cancelled_jobs: cancelled,
      ...(failed.length > MAX_JOBS ? { more_jobs: failed.length - MAX_JOBS } : {}),
    };
  },
});

function verdictOf(
  failures: { action: string; category: string; fix?: string; job: string }[],
  cancelled: number,
): { verdict: "passing" | "transient" | "fixable" | "failing" | "needs_investigation"; next: string } {
  if (failures.length === 0) {
    return cancelled > 0
      ? {
          verdict: "needs_investigation",
          next: "only cancelled jobs: someone or something cancelled the run; re-run it if that was not intended",
        }
      : { verdict: "passing", next: "no failed jobs in this run" };
  }
  if (failures.every((f) => f.action === "rerun")) {
    return {
      verdict: "transient",
      next: "re-run the failed jobs (rerun_failed_jobs): every failure is infrastructure, not code",
    };
  }
  if (failures.some((f) => f.action === "investigate")) {
    const which = failures.filter((f) => f.action === "investigate").map((f) => `${f.job} (${f.category})`);
    return {
      verdict: "needs_investigation",
      next: `look at ${which.join(", ")} by hand: no safe automatic step`,
    };
  }
  const mechanical = failures.filter((f) => f.fix);
  if (mechanical.length === failures.length) {
    return {
      verdict: "fixable",
      next: `run ${[...new Set(mechanical.map((f) => f.fix))].join(" and ")} on the branch, commit, push, then record_ci_fix_attempt`,
    };
  }
  const code = failures.filter((f) => !f.fix && f.action === "fix").map((f) => `${f.job} (${f.category})`);
  return {
    verdict: "failing",
    next: `the code needs a change: ${code.join(", ")}; the evidence lines show where`,
  };
}

export const recordCiFixAttempt = ghTool({
  name: "record_ci_fix_attempt",
  title: "Record a CI fix attempt",
  description:
    "Remember that a fix was pushed for a failure (its fingerprint from diagnose_ci_run), so that if the same failure comes back, diagnose_ci_run says it was tried and does not propose it again. Kept 30 days.",
  input: z.object({
    owner,
    repo,
    fingerprints: z
      .array(z.string().regex(/^[0-9a-f]{16}$/, "a fingerprint from diagnose_ci_run"))
      .min(1)
      .max(50)
      .describe("Fingerprints of the failures the fix addresses (from diagnose_ci_run)."),
    description: z.string().min(1).max(2000).describe("What was done, e.g. 'ran prettier --write'."),
    branch: z.string().min(1).optional().describe("The branch the fix was pushed to."),
    commit_sha: z
      .string()
      .regex(/^[0-9a-f]{7,40}$/i)
      .optional()
      .describe("The commit that carries the fix."),
  }),
  output: z.object({ recorded: z.number().int(), attempts: z.record(z.number().int()) }),
  annotations: LOCAL_WRITE,
  async handler(input, ctx) {
    const attempt: FixAttempt = {
      at: new Date().toISOString(),
      description: input.description,
      ...(input.branch ? { branch: input.branch } : {}),
      ...(input.commit_sha ? { commit_sha: input.commit_sha } : {}),
    };
    const counts: Record<string, number> = {};
    for (const fp of new Set(input.fingerprints)) {
      const key = fixKey(input.owner, input.repo, fp);
      // Compare-and-set, so two doctors recording at once both land.
      for (let tries = 0; ; tries++) {
        const before = await ctx.store.get(FIXES_NS, key);
        const list = before ? (JSON.parse(before) as FixAttempt[]) : [];
        const next = [...list, attempt].slice(-20);
        if (await ctx.store.cas(FIXES_NS, key, before, JSON.stringify(next), { ttlMs: FIX_MEMORY_MS })) {
          counts[fp] = next.length;
          break;
        }
        if (tries >= 10) throw validationError(`could not record ${fp}: it kept changing; retry`);
      }
    }
    return { recorded: Object.keys(counts).length, attempts: counts };
  },
});

export const waitForCiRun = ghTool({
  name: "wait_for_ci_run",
  title: "Wait for a CI run to finish",
  description:
    "Poll a GitHub Actions run until it completes (conditional requests: free while nothing changes), with progress notifications; returns its conclusion and jobs. Returns completed: false if it is still going after timeout_s.",
  input: z.object({
    owner,
    repo,
    run_id: z.number().int().min(1).describe("The run."),
    timeout_s: z.number().int().min(1).max(3600).default(600).describe("Give up waiting after this long."),
    poll_s: z.number().min(1).max(300).default(10).describe("Seconds between polls."),
    background,
  }),
  annotations: REMOTE_READ,
  timeoutMs: 3_700_000,
  async handler(input, ctx) {
    const job = await runInBackground(ctx, "wait_for_ci_run", input);
    if (job) return job;
    const { request } = gh(ctx);
    const deadline = Date.now() + input.timeout_s * 1000;
    for (let polls = 1; ; polls++) {
      const run = (
        await request("GET /repos/{owner}/{repo}/actions/runs/{run_id}", {
          owner: input.owner,
          repo: input.repo,
          run_id: input.run_id,
        })
      ).data as unknown as Obj;
      const jobs = await runJobs(ctx, input.owner, input.repo, input.run_id);
      const done = jobs.filter((j) => j["status"] === "completed").length;
      if (run["status"] === "completed") {
        return { completed: true, run: runView(run), jobs: jobs.map(jobView), polls };
      }
      await ctx.progress({
        progress: done,
        total: jobs.length || undefined,
        message: `${String(run["status"])}: ${done}/${jobs.length} jobs done`,
      });
      if (Date.now() + input.poll_s * 1000 > deadline) {
        return { completed: false, run: runView(run), jobs: jobs.map(jobView), polls };
      }
      await sleep(input.poll_s * 1000, ctx.signal);
    }
  },
});

export const ciToolset = defineToolset<GithubDeps>({
  name: "ci",
  description:
    "The CI doctor's instruments: diagnose a failed GitHub Actions run with proof from its logs, remember fix attempts, wait for a run.",
  tools: [diagnoseCiRun, recordCiFixAttempt, waitForCiRun],
  unavailable: (config) => missingCredentials(config.github),
  init: (services) => services.clients.github(),
});
