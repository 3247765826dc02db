/** What every route module of the emulator shares: the state, the repo lookup and git identities. */

import type { Identity } from "./git.js";
import type { EmuRequest } from "./http.js";
import { notFound } from "./http.js";
import type { Ctx, Urls } from "./payloads.js";
import { type EmulatorState, now, type RepoRec, type RunRec, type WorkflowRec } from "./state.js";

export interface RepoHandle {
  rec: RepoRec;
  gitDir: string;
  ctx: Ctx;
  /** The emulator's state (for what spans repositories: forks). */
  state?: EmulatorState;
}

export class EmuEnv {
  /**
   * Like GitHub, which computes a pull request's mergeability in the background: this many reads of an
   * open pull request (per head and base commit) answer `mergeable: null` before the value shows.
   */
  mergeabilityDelay = 0;
  readonly mergeabilityReads = new Map<string, number>();

  constructor(readonly state: EmulatorState) {}

  ctx(urls: Urls, rec: RepoRec): Ctx {
    return { urls, repo: rec, user: (login) => this.state.user(login) };
  }

  repo(req: EmuRequest): RepoHandle {
    const owner = req.params["owner"] ?? "";
    const name = req.params["repo"] ?? "";
    const rec = this.state.repo(owner, name);
    if (!rec) throw notFound();
    return {
      rec,
      gitDir: this.state.gitDir(rec.owner, rec.name),
      ctx: this.ctx(req.urls, rec),
      state: this.state,
    };
  }

  identity(login: string, date = now()): Identity {
    const u = this.state.user(login);
    return { name: u.name ?? login, email: u.email ?? `${u.id}+${login}@users.noreply.github.com`, date };
  }

  /** GitHub commits web-flow merges and API commits as "GitHub". */
  webCommitter(date = now()): Identity {
    return { name: "GitHub", email: "noreply@github.com", date };
  }

  /**
   * Called when a run is queued (a push, a re-run, a dispatch): the emulator's CI runner, when one is
   * given (EmulatorOptions.runner), finishes it from the pushed tree. Runs stay queued without one.
   */
  onQueued: ((rec: RepoRec, run: RunRec) => void) | undefined;

  /**
   * A branch moved (push, merge, contents write): workflows that run `on` push start a queued run, and
   * those that run on pull_request do too when an open pull request has that head branch.
   */
  pushed(rec: RepoRec, branch: string, sha: string, actor: string): void {
    const prOpen = rec.pulls.some(
      (p) =>
        p.head === branch && !p.merged && rec.issues.find((i) => i.number === p.number)?.state === "open",
    );
    for (const w of rec.workflows) {
      const event = w.on?.includes("push")
        ? "push"
        : prOpen && w.on?.includes("pull_request")
          ? "pull_request"
          : null;
      if (!event || w.state !== "active") continue;
      this.startRun(rec, w, { branch, sha, event, actor });
    }
  }

  /** A new queued run of a workflow, with a queued job per job name of the workflow. */
  startRun(
    rec: RepoRec,
    w: WorkflowRec,
    r: { branch: string; sha: string; event: string; actor: string; inputs?: Record<string, string> },
  ): RunRec {
    const t = now();
    const run: RunRec = {
      id: this.state.nextId(),
      workflow_id: w.id,
      name: w.name,
      head_branch: r.branch,
      head_sha: r.sha,
      event: r.event,
      status: "queued",
      conclusion: null,
      actor: r.actor,
      run_number: rec.runs.filter((x) => x.workflow_id === w.id).length + 1,
      run_attempt: 1,
      created_at: t,
      updated_at: t,
      ...(r.inputs ? { inputs: r.inputs } : {}),
    };
    rec.runs.push(run);
    for (const name of w.jobs ?? ["build"]) {
      rec.jobs.push({
        id: this.state.nextId(),
        run_id: run.id,
        name,
        status: "queued",
        conclusion: null,
        started_at: t,
        completed_at: null,
        steps: [],
        log: "",
        run_attempt: 1,
      });
    }
    this.onQueued?.(rec, run);
    return run;
  }

  touch(rec: RepoRec): void {
    rec.updated_at = now();
    this.state.save();
  }
}
