/**
 * The GitHub emulator: a node http.Server speaking the REST endpoints repowright uses, with state, and
 * git's smart HTTP for clone and fetch (smart-http.ts). Git objects live in real bare repositories (see
 * git.ts); issues, pull requests, reviews and Actions data in state.ts. Faithful where clients notice: status codes and error bodies, Link pagination, ETag/304 (which
 * costs no rate limit), x-ratelimit-* headers, secondary rate limits with Retry-After, the job-logs
 * redirect. Tests drive it through `seed()`, `faults` and `requests`, or over HTTP under `/_emulator/`.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { EmuEnv } from "./env.js";
import { buildTree, commitTree, initBare, resolve, updateRef } from "./git.js";
import { type EmuRequest, type EmuResponse, HttpError, Router } from "./http.js";
import { downloadJobLog, registerActionRoutes } from "./routes-actions.js";
import { parseRole, registerCollaboratorRoutes, setCollaborator } from "./routes-collaborators.js";
import { registerGitRoutes } from "./routes-git.js";
import { registerIssueRoutes } from "./routes-issues.js";
import { registerPullRoutes } from "./routes-pulls.js";
import { parseSmartHttp, type SmartHttpRequest, sendGitText, serveUploadPack } from "./smart-http.js";
import {
  EmulatorState,
  newIssueRec,
  newRepoRec,
  now,
  type RepoRec,
  type RepoRole,
  type RunRec,
} from "./state.js";

export interface FaultRule {
  /** HTTP method to match; any when omitted. */
  method?: string;
  /** Path glob (`*` matches within a segment, `**` across segments), e.g. `/repos/*\/*\/git/trees`. */
  path: string;
  /** How many matching requests it applies to (default 1); 0 = every one, forever. */
  times?: number;
  /** How many matching requests pass untouched before it applies (default 0): "fail the third push". */
  after?: number;
  kind: "status" | "secondary_rate_limit" | "rate_limit" | "latency" | "reset";
  /** For `status` (default 502) and `secondary_rate_limit` (403 or 429, default 403). */
  status?: number;
  /** Seconds, for the rate-limit kinds. */
  retryAfter?: number;
  /** For `latency`: delay before the request is handled normally. */
  latencyMs?: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  conditional: boolean;
  fault?: string;
  /** Milliseconds the emulator spent on it, from the end of the request body to the response sent. */
  ms?: number;
}

export interface SeedFile {
  path: string;
  content: string;
}

export interface SeedRepo {
  owner: string;
  name: string;
  description?: string;
  private?: boolean;
  default_branch?: string;
  topics?: string[];
  language?: string;
  /** Initial commit on the default branch: path -> UTF-8 content. */
  files?: Record<string, string>;
  /** Branches created from `from` (default branch) with one commit of changes (null deletes). */
  branches?: Record<string, { from?: string; files?: Record<string, string | null>; message?: string }>;
  labels?: { name: string; color?: string; description?: string }[];
  /**
   * login -> role on the repository: `admin`, `maintain`, `write`, `triage` or `read` (`push` and `pull`
   * are taken for write and read). The owner is admin without being listed; seeding again changes a role.
   */
  collaborators?: Record<string, RepoRole | "push" | "pull">;
  issues?: {
    title: string;
    body?: string;
    state?: "open" | "closed";
    labels?: string[];
    assignees?: string[];
    user?: string;
    created_at?: string;
    comments?: { user?: string; body: string }[];
  }[];
  pulls?: { title: string; head: string; base?: string; body?: string; draft?: boolean; user?: string }[];
  workflows?: {
    name: string;
    path: string;
    /** Events that start a queued run by themselves: "push", "pull_request". */
    on?: string[];
    /** Job names of the runs such events start (default ["build"]). */
    jobs?: string[];
    runs?: {
      head_branch?: string;
      event?: string;
      status?: RunRec["status"];
      conclusion?: RunRec["conclusion"];
      actor?: string;
      jobs?: {
        name: string;
        status?: "queued" | "in_progress" | "completed";
        conclusion?: RunRec["conclusion"];
        log?: string;
        steps?: string[];
      }[];
    }[];
  }[];
}

export interface Seed {
  users?: { login: string; name?: string; email?: string; type?: "User" | "Organization" | "Bot" }[];
  /** token -> login. When none is seeded, any token (or none) acts as `defaultUser`. */
  tokens?: Record<string, string>;
  repos?: SeedRepo[];
}

export interface RunOutcome {
  conclusion: NonNullable<RunRec["conclusion"]>;
  jobs?: Record<string, { conclusion?: NonNullable<RunRec["conclusion"]>; log?: string }>;
}

/** A queued run as the emulator's CI runner sees it: which commit, which jobs, where the git data is. */
export interface QueuedRun {
  owner: string;
  repo: string;
  /** The bare repository (read the run's tree with `git --git-dir`). */
  gitDir: string;
  run: { id: number; head_sha: string; head_branch: string; event: string; run_attempt: number };
  workflow: { name: string; path: string };
  /** Names of the jobs this attempt runs (a re-run of failed jobs: only those). */
  jobs: string[];
}

/**
 * Plays the CI service: given a queued run, works out its outcome (say, by running the check on the
 * run's commit) and the emulator completes the run with it. Undefined leaves the run queued.
 */
export type CiRunner = (run: QueuedRun) => Promise<RunOutcome | undefined> | RunOutcome | undefined;

export interface EmulatorOptions {
  /** Where bare repos and state.json live; a temporary dir (removed on close) when omitted. */
  dataDir?: string;
  port?: number;
  host?: string;
  defaultUser?: string;
  /** Primary rate limit per token per hour (default 5000). */
  rateLimit?: number;
  /** Lifetime of the GitHub App installation tokens it issues (default 3600 s, as GitHub's). */
  appTokenTtlS?: number;
  /** Finishes queued runs (pushes, re-runs, dispatches) by itself; without it runs wait for completeRun. */
  runner?: CiRunner;
}

export interface GithubEmulator {
  url: string;
  state: EmulatorState;
  requests: RequestRecord[];
  faults: FaultRule[];
  seed(seed: Seed): Promise<void>;
  gitDir(owner: string, repo: string): string;
  /**
   * Finishes a queued or running workflow run (runs never progress by themselves): the run's conclusion,
   * and per job name its conclusion and log. Jobs not named get the run's conclusion, or success when the
   * run failed and names its failing jobs.
   */
  completeRun(owner: string, repo: string, runId: number, outcome: RunOutcome): void;
  /**
   * How many reads of an open pull request (per head and base commit) answer `mergeable: null`, as GitHub
   * does while it computes mergeability in the background (default 0: known at once).
   */
  setMergeabilityDelay(reads: number): void;
  /** Sets the remaining primary rate limit of every token (e.g. 0 to exhaust it). */
  setRateLimitRemaining(remaining: number, resetInSeconds?: number): void;
  close(): Promise<void>;
}

function globToRegExp(glob: string): RegExp {
  const re = glob
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${re}$`);
}

class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }
}

export async function createGithubEmulator(options: EmulatorOptions = {}): Promise<GithubEmulator> {
  const tempDir = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), "ghemu-"));
  const dir = options.dataDir ?? tempDir!;
  const state = new EmulatorState(dir, options.dataDir !== undefined);
  const env = new EmuEnv(state);
  const router = new Router();
  // Actions first: its check-runs route is more specific than the git routes' commits/*ref.
  registerActionRoutes(router, env);
  registerGitRoutes(router, env);
  registerIssueRoutes(router, env);
  registerPullRoutes(router, env);
  registerCollaboratorRoutes(router, env);

  const defaultUser = options.defaultUser ?? "octocat";
  const limit = options.rateLimit ?? 5000;
  const tokens = new Map<string, { login: string; expires?: number }>();
  const budgets = new Map<string, { remaining: number; reset: number }>();
  const requests: RequestRecord[] = [];
  const faults: FaultRule[] = [];
  const writes = new Mutex();
  let url = "";
  const running = new Set<Promise<void>>();
  const runner = options.runner;
  if (runner) {
    env.onQueued = (rec, run) => {
      const w = rec.workflows.find((x) => x.id === run.workflow_id);
      const attempt = run.run_attempt;
      const jobs = rec.jobs.filter((j) => j.run_id === run.id && j.run_attempt === attempt);
      const queued: QueuedRun = {
        owner: rec.owner,
        repo: rec.name,
        gitDir: state.gitDir(rec.owner, rec.name),
        run: {
          id: run.id,
          head_sha: run.head_sha,
          head_branch: run.head_branch,
          event: run.event,
          run_attempt: attempt,
        },
        workflow: { name: w?.name ?? run.name, path: w?.path ?? "" },
        jobs: jobs.filter((j) => j.status !== "completed").map((j) => j.name),
      };
      // After the request that queued it has answered, as a real CI picks a run up a moment later.
      const p = new Promise<void>((ok) => setImmediate(ok))
        .then(async () => {
          run.status = "in_progress";
          for (const j of jobs) if (j.status === "queued") j.status = "in_progress";
          const outcome = await Promise.resolve()
            .then(() => runner(queued))
            .catch(
              (err: unknown): RunOutcome => ({
                conclusion: "failure",
                jobs: Object.fromEntries(
                  queued.jobs.map((n) => [n, { log: `runner failed: ${String(err)}\n` }]),
                ),
              }),
            );
          // A re-run started meanwhile owns the run now.
          if (outcome && run.run_attempt === attempt)
            await writes.run(async () => completeRun(rec.owner, rec.name, run.id, outcome));
        })
        .finally(() => running.delete(p));
      running.add(p);
    };
  }

  const budget = (token: string) => {
    let b = budgets.get(token);
    const t = Math.floor(Date.now() / 1000);
    if (!b || b.reset <= t) {
      b = { remaining: limit, reset: t + 3600 };
      budgets.set(token, b);
    }
    return b;
  };

  const authenticate = (req: IncomingMessage): { login: string; token: string } => {
    const header = String(req.headers["authorization"] ?? "");
    const token = header.replace(/^(token|bearer)\s+/i, "").trim();
    if (!token) return { login: defaultUser, token: "anonymous" };
    const known = tokens.get(token);
    if (known && (known.expires === undefined || known.expires > Date.now()))
      return { login: known.login, token };
    if (known || [...tokens.values()].some((t) => t.expires === undefined))
      throw new HttpError(401, "Bad credentials");
    return { login: defaultUser, token };
  };

  const takeFault = (method: string, path: string): FaultRule | undefined => {
    const i = faults.findIndex((f) => (!f.method || f.method === method) && globToRegExp(f.path).test(path));
    if (i < 0) return undefined;
    const f = faults[i]!;
    if ((f.after ?? 0) > 0) {
      f.after = (f.after ?? 0) - 1;
      return undefined;
    }
    if ((f.times ?? 1) > 0) {
      f.times = (f.times ?? 1) - 1;
      if (f.times === 0) faults.splice(i, 1);
    }
    return f;
  };

  async function seed(s: Seed): Promise<void> {
    for (const u of s.users ?? []) Object.assign(state.user(u.login), u);
    for (const [token, login] of Object.entries(s.tokens ?? {})) tokens.set(token, { login });
    for (const r of s.repos ?? []) await seedRepo(r);
    state.save();
  }

  async function seedRepo(r: SeedRepo): Promise<void> {
    // Checked before anything is created, so a bad role leaves no half-seeded repository.
    const roles = Object.entries(r.collaborators ?? {}).map(
      ([login, role]) => [login, parseRole(role)] as const,
    );
    state.user(r.owner);
    let rec = state.repo(r.owner, r.name);
    const gitDir = state.gitDir(r.owner, r.name);
    const t = now();
    if (!rec) {
      rec = newRepoRec({
        id: state.nextId(),
        owner: r.owner,
        name: r.name,
        description: r.description ?? null,
        private: r.private ?? false,
        default_branch: r.default_branch ?? "main",
        topics: r.topics ?? [],
        language: r.language ?? null,
        created_at: t,
      });
      state.data.repos.push(rec);
      await initBare(gitDir, rec.default_branch);
    }
    const who = env.identity(r.owner);
    const commitFiles = async (
      branch: string,
      from: string | null,
      files: Record<string, string | null>,
      message: string,
    ) => {
      const parent = from ? await resolve(gitDir, from, "commit") : null;
      const baseTree = parent ? await resolve(gitDir, parent, "tree") : null;
      const tree = await buildTree(
        gitDir,
        baseTree,
        Object.entries(files).map(([path, content]) =>
          content === null ? { path, sha: null } : { path, content: Buffer.from(content, "utf8") },
        ),
      );
      const sha = await commitTree(gitDir, tree, parent ? [parent] : [], message, who, who);
      const old = await resolve(gitDir, `refs/heads/${branch}`);
      await updateRef(gitDir, `refs/heads/${branch}`, sha, old);
      return sha;
    };
    if (r.files) {
      const head = await resolve(gitDir, `refs/heads/${rec.default_branch}`);
      await commitFiles(
        rec.default_branch,
        head ? `refs/heads/${rec.default_branch}` : null,
        r.files,
        head ? "Update files" : "Initial commit",
      );
    }
    for (const [name, b] of Object.entries(r.branches ?? {})) {
      await commitFiles(
        name,
        `refs/heads/${b.from ?? rec.default_branch}`,
        b.files ?? {},
        b.message ?? `Changes on ${name}`,
      );
    }
    for (const [login, role] of roles) {
      state.user(login);
      setCollaborator(rec, login, role);
    }
    for (const l of r.labels ?? []) {
      if (!rec.labels.some((x) => x.name === l.name)) {
        rec.labels.push({
          id: state.nextId(),
          name: l.name,
          color: l.color ?? "ededed",
          description: l.description ?? null,
        });
      }
    }
    for (const i of r.issues ?? []) {
      const created = i.created_at ?? t;
      const closed = i.state === "closed";
      const issue = newIssueRec({
        id: state.nextId(),
        number: rec.next_number++,
        title: i.title,
        body: i.body ?? null,
        state: closed ? "closed" : "open",
        state_reason: closed ? "completed" : null,
        labels: i.labels ?? [],
        assignees: i.assignees ?? [],
        user: i.user ?? r.owner,
        created_at: created,
        closed_at: closed ? created : null,
        closed_by: closed ? (i.user ?? r.owner) : null,
      });
      for (const l of issue.labels) {
        if (!rec.labels.some((x) => x.name === l))
          rec.labels.push({ id: state.nextId(), name: l, color: "ededed", description: null });
      }
      rec.issues.push(issue);
      for (const c of i.comments ?? []) {
        rec.comments.push({
          id: state.nextId(),
          issue: issue.number,
          user: c.user ?? r.owner,
          body: c.body,
          created_at: created,
          updated_at: created,
        });
      }
    }
    for (const p of r.pulls ?? []) {
      const issue = newIssueRec({
        id: state.nextId(),
        number: rec.next_number++,
        title: p.title,
        body: p.body ?? null,
        user: p.user ?? r.owner,
        created_at: t,
        pull: true,
      });
      rec.issues.push(issue);
      rec.pulls.push({
        number: issue.number,
        head: p.head,
        base: p.base ?? rec.default_branch,
        draft: p.draft ?? false,
        merged: false,
        merged_at: null,
        merged_by: null,
        merge_commit_sha: null,
        maintainer_can_modify: true,
        requested_reviewers: [],
        head_sha_at_close: null,
        base_sha_at_close: null,
      });
    }
    for (const w of r.workflows ?? []) {
      const wf = {
        id: state.nextId(),
        name: w.name,
        path: w.path,
        state: "active" as const,
        created_at: t,
        ...(w.on ? { on: w.on } : {}),
        ...(w.jobs ? { jobs: w.jobs } : {}),
      };
      rec.workflows.push(wf);
      for (const run of w.runs ?? []) {
        const branch = run.head_branch ?? rec.default_branch;
        const sha = (await resolve(gitDir, `refs/heads/${branch}`, "commit")) ?? "0".repeat(40);
        const runRec: RunRec = {
          id: state.nextId(),
          workflow_id: wf.id,
          name: w.name,
          head_branch: branch,
          head_sha: sha,
          event: run.event ?? "push",
          status: run.status ?? "completed",
          conclusion:
            run.conclusion === undefined
              ? run.status && run.status !== "completed"
                ? null
                : "success"
              : run.conclusion,
          actor: run.actor ?? r.owner,
          run_number: rec.runs.filter((x) => x.workflow_id === wf.id).length + 1,
          run_attempt: 1,
          created_at: t,
          updated_at: t,
        };
        rec.runs.push(runRec);
        for (const j of run.jobs ?? []) {
          const status = j.status ?? (runRec.status === "completed" ? "completed" : "in_progress");
          const conclusion =
            j.conclusion === undefined ? (status === "completed" ? "success" : null) : j.conclusion;
          rec.jobs.push({
            id: state.nextId(),
            run_id: runRec.id,
            name: j.name,
            status,
            conclusion,
            started_at: t,
            completed_at: status === "completed" ? t : null,
            steps: (j.steps ?? ["Set up job", "Run"]).map((name, k) => ({
              name,
              status,
              conclusion,
              number: k + 1,
            })),
            log: j.log ?? `${t} ${j.name}: ok\n`,
            run_attempt: 1,
          });
        }
      }
    }
  }

  function completeRun(owner: string, repo: string, runId: number, outcome: RunOutcome): void {
    const rec = state.repo(owner, repo);
    const run = rec?.runs.find((r) => r.id === runId);
    if (!rec || !run) throw new HttpError(404, `no run ${runId} in ${owner}/${repo}`);
    const t = now();
    run.status = "completed";
    run.conclusion = outcome.conclusion;
    run.updated_at = t;
    for (const j of rec.jobs.filter((x) => x.run_id === run.id && x.run_attempt === run.run_attempt)) {
      if (j.status === "completed") continue;
      const o = outcome.jobs?.[j.name];
      j.status = "completed";
      // A failed run names its failing jobs; the others passed.
      j.conclusion =
        o?.conclusion ?? (outcome.conclusion === "failure" && outcome.jobs ? "success" : outcome.conclusion);
      j.completed_at = t;
      j.log = o?.log ?? `${t} ${j.name}: ${j.conclusion}\n`;
      j.steps = [{ name: "Run", status: "completed", conclusion: j.conclusion, number: 1 }];
    }
    state.save();
  }

  async function route(
    req: IncomingMessage,
    body: Buffer,
    base: URL,
  ): Promise<EmuResponse & { token: string }> {
    const method = req.method ?? "GET";
    // GitHub Enterprise Server layout: REST under /api/v3, GraphQL at /api/graphql.
    let path = base.pathname.replace(/^\/api\/v3(?=\/)/, "").replace(/^\/api\/graphql$/, "/graphql");
    if (path.length > 1) path = path.replace(/\/+$/, "");

    // Emulator control and the signed log download: no token, no rate limit.
    if (path.startsWith("/_emulator/")) return { ...(await control(method, path, body, base)), token: "" };

    if (method === "POST" && /^\/app\/installations\/[^/]+\/access_tokens$/.test(path)) {
      const jwt = String(req.headers["authorization"] ?? "").replace(/^bearer\s+/i, "");
      if (jwt.split(".").length !== 3) throw new HttpError(401, "A JSON web token could not be decoded");
      const token = `ghs_${randomBytes(18).toString("hex")}`;
      const expires = Date.now() + (options.appTokenTtlS ?? 3600) * 1000;
      tokens.set(token, { login: "repowright[bot]", expires });
      return {
        status: 201,
        body: {
          token,
          expires_at: new Date(expires).toISOString().replace(/\.\d{3}Z$/, "Z"),
          permissions: {},
          repository_selection: "all",
        },
        token: "",
      };
    }

    const who = authenticate(req);
    const b = budget(who.token);
    if (b.remaining <= 0) {
      throw new HttpError(
        403,
        `API rate limit exceeded for user ID ${state.user(who.login).id}.`,
        undefined,
        {
          "x-ratelimit-limit": String(limit),
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(b.reset),
          "x-ratelimit-used": String(limit),
          "x-ratelimit-resource": "core",
        },
      );
    }
    const m = router.match(method, path);
    if (m === null) throw new HttpError(404, "Not Found");
    if (m === "method") throw new HttpError(404, "Not Found");
    let parsed: Record<string, unknown> = {};
    if (body.length > 0) {
      try {
        parsed = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
      } catch {
        throw new HttpError(400, "Problems parsing JSON");
      }
    }
    const emuReq: EmuRequest = {
      method,
      path,
      params: m.params,
      query: base.searchParams,
      body: parsed,
      headers: req.headers,
      login: who.login,
      urls: { api: url, web: url },
      url: base,
    };
    const run = () => Promise.resolve(m.handler(emuReq));
    const res = method === "GET" || method === "HEAD" ? await run() : await writes.run(run);
    return { ...res, token: who.token };
  }

  async function control(method: string, path: string, body: Buffer, base: URL): Promise<EmuResponse> {
    const json = () => (body.length ? (JSON.parse(body.toString("utf8")) as unknown) : {});
    const dl = /^\/_emulator\/download\/jobs\/(\d+)\/logs$/.exec(path);
    if (dl && method === "GET") {
      const r = downloadJobLog(env, dl[1]!, base.searchParams.get("sig"));
      return { status: r.status, text: r.text, contentType: "text/plain; charset=utf-8" };
    }
    if (path === "/_emulator/seed" && method === "POST") {
      await writes.run(() => seed(json() as Seed));
      return { status: 204 };
    }
    const done = /^\/_emulator\/repos\/([^/]+)\/([^/]+)\/runs\/(\d+)\/complete$/.exec(path);
    if (done && method === "POST") {
      completeRun(done[1]!, done[2]!, Number(done[3]), json() as RunOutcome);
      return { status: 204 };
    }
    if (path === "/_emulator/faults" && method === "POST") {
      const add = json();
      faults.push(...((Array.isArray(add) ? add : [add]) as FaultRule[]));
      return { status: 204 };
    }
    if (path === "/_emulator/faults" && method === "DELETE") {
      faults.length = 0;
      return { status: 204 };
    }
    if (path === "/_emulator/requests" && method === "GET") return { status: 200, body: requests };
    if (path === "/_emulator/requests" && method === "DELETE") {
      requests.length = 0;
      return { status: 204 };
    }
    throw new HttpError(404, "Not Found");
  }

  const send = (res: ServerResponse, r: EmuResponse, extra: Record<string, string>) => {
    const headers: Record<string, string> = { ...extra, ...r.headers };
    let payload: string | undefined;
    if (r.text !== undefined) {
      payload = r.text;
      headers["content-type"] = r.contentType ?? "text/plain; charset=utf-8";
    } else if (r.body !== undefined && r.status !== 204 && r.status !== 304) {
      payload = JSON.stringify(r.body);
      headers["content-type"] = "application/json; charset=utf-8";
    }
    if (payload !== undefined) headers["content-length"] = String(Buffer.byteLength(payload));
    res.writeHead(r.status, headers);
    res.end(payload);
  };

  /**
   * Clone and fetch over git's smart HTTP, as github.com serves them: the token is the Basic-auth
   * password (`x-access-token:<token>`; a token as the user name with no password works too). As on
   * github.com, a public repository needs no credentials (git sends them only when a 401 asks), a private
   * one answers 401 with a Basic challenge until it gets a valid token, and bad credentials are refused
   * whatever the repository. Returns the status sent, for the request log.
   */
  async function serveGit(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    git: SmartHttpRequest,
  ): Promise<number> {
    const challenge = { "www-authenticate": 'Basic realm="GitHub"' };
    const method = req.method ?? "GET";
    const header = String(req.headers["authorization"] ?? "");
    let authenticated = false;
    if (header) {
      const basic = /^basic\s+(\S+)$/i.exec(header);
      const [user, ...rest] = basic ? Buffer.from(basic[1]!, "base64").toString("utf8").split(":") : [];
      const token = rest.join(":") || user || "";
      const known = tokens.get(token);
      const valid = known
        ? known.expires === undefined || known.expires > Date.now()
        : token !== "" && ![...tokens.values()].some((t) => t.expires === undefined);
      if (!valid) {
        sendGitText(
          res,
          401,
          "Invalid username or token. Password authentication is not supported for Git operations.",
          challenge,
        );
        return 401;
      }
      authenticated = true;
    }
    const repo = state.repo(git.owner, git.repo);
    if (!authenticated && (!repo || repo.private)) {
      // github.com asks for credentials first: an anonymous caller does not learn whether it exists.
      sendGitText(res, 401, "Authentication required.", challenge);
      return 401;
    }
    if (!repo) {
      sendGitText(res, 404, "Repository not found.");
      return 404;
    }
    if (git.service === "git-receive-pack") {
      sendGitText(
        res,
        403,
        "Pushing over git HTTP is not supported by the GitHub emulator: push through the REST API " +
          "(git data or contents endpoints) instead.",
      );
      return 403;
    }
    if (git.service === null) {
      sendGitText(
        res,
        403,
        "The dumb HTTP protocol is not supported: use a git client that speaks smart HTTP.",
      );
      return 403;
    }
    if (
      (git.kind === "info/refs" && method !== "GET" && method !== "HEAD") ||
      (git.kind === "rpc" && method !== "POST")
    ) {
      sendGitText(res, 405, "Method Not Allowed", { allow: git.kind === "rpc" ? "POST" : "GET" });
      return 405;
    }
    await serveUploadPack(req, res, body, state.gitDir(repo.owner, repo.name), git.kind);
    return res.statusCode;
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void handle(req, res, Buffer.concat(chunks));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const started = performance.now();
    res.once("finish", () => {
      record.ms = performance.now() - started;
    });
    const base = new URL(req.url ?? "/", url);
    const method = req.method ?? "GET";
    const record: RequestRecord = {
      method,
      path: `${base.pathname}${base.search}`,
      status: 0,
      conditional: req.headers["if-none-match"] !== undefined,
    };
    const control =
      base.pathname.startsWith("/_emulator/") && !base.pathname.startsWith("/_emulator/download/");
    if (!control) requests.push(record);
    const requestId = randomBytes(8).toString("hex").toUpperCase();
    const common: Record<string, string> = {
      "x-github-request-id": requestId,
      "x-github-api-version-selected": "2022-11-28",
    };
    const fault = control ? undefined : takeFault(method, base.pathname);
    if (fault) {
      record.fault = fault.kind;
      if (fault.kind === "latency") await new Promise((r) => setTimeout(r, fault.latencyMs ?? 100));
      else if (fault.kind === "reset") {
        record.status = -1;
        req.socket.destroy();
        return;
      } else if (fault.kind === "status") {
        record.status = fault.status ?? 502;
        send(res, { status: record.status, body: { message: "Server Error" } }, common);
        return;
      } else {
        const secondary = fault.kind === "secondary_rate_limit";
        const status = secondary ? (fault.status ?? 403) : 403;
        record.status = status;
        const reset = Math.floor(Date.now() / 1000) + (fault.retryAfter ?? 60);
        const headers: Record<string, string> = {
          ...common,
          "x-ratelimit-limit": String(limit),
          "x-ratelimit-remaining": secondary ? "4000" : "0",
          "x-ratelimit-reset": String(reset),
          "x-ratelimit-resource": "core",
        };
        if (secondary) headers["retry-after"] = String(fault.retryAfter ?? 60);
        const message = secondary
          ? `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`
          : `API rate limit exceeded for user ID 1.`;
        send(
          res,
          {
            status,
            body: {
              message,
              documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
            },
          },
          headers,
        );
        return;
      }
    }
    const git = parseSmartHttp(base);
    if (git) {
      record.status = await serveGit(req, res, body, git);
      return;
    }
    let out: EmuResponse & { token?: string };
    try {
      out = await route(req, body, base);
    } catch (err) {
      const e =
        err instanceof HttpError
          ? err
          : new HttpError(500, `emulator error: ${err instanceof Error ? err.message : String(err)}`);
      out = { status: e.status, body: e.toBody(), headers: e.headers };
      if (!(err instanceof HttpError))
        process.stderr.write(`github emulator: ${String((err as Error).stack ?? err)}\n`);
    }
    const headers = { ...common };
    const token = out.token;
    if (out.status === 200 && method === "GET" && out.body !== undefined) {
      const etag = `W/"${createHash("sha1").update(JSON.stringify(out.body)).digest("hex")}"`;
      headers["etag"] = etag;
      headers["cache-control"] = "private, max-age=60, s-maxage=60";
      headers["vary"] = "Accept, Authorization, Cookie, X-GitHub-OTP";
      const inm = req.headers["if-none-match"];
      if (inm?.split(",").some((v) => v.trim() === etag)) out = { status: 304, headers: out.headers, token };
    }
    if (token) {
      const b = budget(token);
      // Conditional requests answered 304 do not count against the primary rate limit.
      if (out.status !== 304 && b.remaining > 0) b.remaining -= 1;
      Object.assign(headers, {
        "x-ratelimit-limit": String(limit),
        "x-ratelimit-remaining": String(b.remaining),
        "x-ratelimit-reset": String(b.reset),
        "x-ratelimit-used": String(limit - b.remaining),
        "x-ratelimit-resource": base.pathname.startsWith("/search/") ? "search" : "core",
      });
    }
    record.status = out.status;
    send(res, out, headers);
  }

  await new Promise<void>((ok) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", ok));
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  url = `http://${host}:${addr.port}`;

  return {
    url,
    state,
    requests,
    faults,
    seed: (s) => writes.run(() => seed(s)),
    completeRun,
    gitDir: (owner, repo) => state.gitDir(owner, repo),
    setMergeabilityDelay(reads) {
      env.mergeabilityDelay = reads;
      env.mergeabilityReads.clear();
    },
    setRateLimitRemaining(remaining, resetInSeconds = 3600) {
      for (const t of new Set([...budgets.keys(), ...tokens.keys(), "anonymous"])) {
        budgets.set(t, { remaining, reset: Math.floor(Date.now() / 1000) + resetInSeconds });
      }
    },
    async close() {
      await Promise.allSettled([...running]);
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
