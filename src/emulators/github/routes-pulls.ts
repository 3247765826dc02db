/**
 * Pull requests: create/list/get (and .diff), files, commits, merge (merge|squash|rebase with the head sha
 * check), reviews with line comments, requested reviewers, update-branch, and the two GraphQL mutations
 * that switch draft state (REST cannot).
 */
import type { EmuEnv, RepoHandle } from "./env.js";
import {
  commitTree,
  countCommits,
  diffFiles,
  git,
  logCommits,
  mergeBase,
  mergeTrees,
  rebaseCommits,
  resolve,
  unifiedDiff,
  updateRef,
} from "./git.js";
import { type EmuRequest, HttpError, int, invalid, notFound, paginate, type Router, str } from "./http.js";
import {
  commitPayload,
  diffEntryPayload,
  fullRepoPayload,
  type Json,
  type PullGitInfo,
  pullPayload,
  reviewCommentPayload,
  reviewPayload,
  userPayload,
} from "./payloads.js";
import { diffResponse, wantsDiff } from "./routes-git.js";
import { applyIssueUpdate, findIssue } from "./routes-issues.js";
import { type IssueRec, newIssueRec, now, type PullRec, type ReviewRec } from "./state.js";

function findPull(h: RepoHandle, n: number): { issue: IssueRec; pull: PullRec } {
  const pull = h.rec.pulls.find((p) => p.number === n);
  if (!pull) throw notFound();
  return { pull, issue: findIssue(h, n) };
}

async function shas(h: RepoHandle, p: PullRec): Promise<{ head: string | null; base: string | null }> {
  const open = !p.merged && p.head_sha_at_close === null;
  const head = !open
    ? p.head_sha_at_close
    : p.head_owner
      ? await syncForkHead(h, p.number, p.head_owner, p.head)
      : await resolve(h.gitDir, `refs/heads/${p.head}`, "commit");
  const base = open ? await resolve(h.gitDir, `refs/heads/${p.base}`, "commit") : p.base_sha_at_close;
  return { head, base };
}

async function gitInfo(h: RepoHandle, p: PullRec): Promise<PullGitInfo | null> {
  const { head, base } = await shas(h, p);
  if (!head || !base) return null;
  const mb = (await mergeBase(h.gitDir, base, head)) ?? base;
  const files = await diffFiles(h.gitDir, mb, head);
  const open = !p.merged && p.head_sha_at_close === null;
  return {
    headSha: head,
    baseSha: base,
    mergeable: open ? (await mergeTrees(h.gitDir, base, head)) !== null : null,
    commits: await countCommits(h.gitDir, [`${mb}..${head}`]),
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
    changedFiles: files.length,
  };
}

async function fullPull(h: RepoHandle, n: number): Promise<Json> {
  const { issue, pull } = findPull(h, n);
  return withForkHead(h, pull, pullPayload(h.ctx, issue, pull, await gitInfo(h, pull), true));
}

/** A pull request from a fork names the fork as its head's repository and owner. */
function withForkHead(h: RepoHandle, p: PullRec, body: Json): Json {
  const fork = p.head_owner ? forkOf(h, p.head_owner) : undefined;
  if (!fork || !h.state) return body;
  const owner = h.state.user(fork.owner);
  const head = body["head"] as Record<string, unknown>;
  body["head"] = {
    ...head,
    label: `${fork.owner}:${p.head}`,
    user: userPayload(h.ctx.urls, owner),
    repo: fullRepoPayload(h.ctx.urls, fork, owner, fork.updated_at, 0),
  };
  return body;
}

/**
 * A pull request's `head`: `branch`, `owner:branch` of this repository, or `forkowner:branch` of a fork
 * of it (the fork's owner is then `owner`).
 */
function headOf(h: RepoHandle, spec: string): { branch: string; owner?: string } {
  const i = spec.indexOf(":");
  if (i < 0) return { branch: spec };
  const owner = spec.slice(0, i);
  if (owner.toLowerCase() === h.rec.owner.toLowerCase()) return { branch: spec.slice(i + 1) };
  if (!forkOf(h, owner)) throw invalid("PullRequest", "head", "invalid");
  return { branch: spec.slice(i + 1), owner };
}

/** The fork of this repository that `owner` has, if any. */
function forkOf(h: RepoHandle, owner: string) {
  const parent = `${h.rec.owner}/${h.rec.name}`.toLowerCase();
  return h.state?.data.repos.find(
    (r) => r.fork_of === parent && r.owner.toLowerCase() === owner.toLowerCase(),
  );
}

/**
 * The head of a pull request from a fork, copied into this repository as `refs/pull/<n>/head` (as GitHub
 * keeps it), so its commits can be compared and merged here; null when the fork's branch is gone.
 */
async function syncForkHead(h: RepoHandle, n: number, owner: string, branch: string): Promise<string | null> {
  const fork = forkOf(h, owner);
  if (!fork) return null;
  const forkDir = (h.state as NonNullable<RepoHandle["state"]>).gitDir(fork.owner, fork.name);
  const sha = await resolve(forkDir, `refs/heads/${branch}`, "commit");
  if (!sha) return null;
  if ((await resolve(h.gitDir, `refs/pull/${n}/head`)) !== sha)
    await git(h.gitDir, ["fetch", "--quiet", "--no-tags", forkDir, `+${sha}:refs/pull/${n}/head`]);
  return sha;
}

async function merge(env: EmuEnv, req: EmuRequest) {
  const h = env.repo(req);
  const { issue, pull } = findPull(h, int(req.params["number"], "pull"));
  if (pull.merged || issue.state !== "open") throw new HttpError(405, "Pull Request is not mergeable");
  if (pull.draft) throw new HttpError(405, "Pull Request is still a draft");
  const { head, base } = await shas(h, pull);
  if (!head || !base) throw new HttpError(405, "Pull Request is not mergeable");
  const expected = str(req.body, "sha");
  if (expected && expected !== head) {
    throw new HttpError(409, "Head branch was modified. Review and try the merge again.");
  }
  const method = str(req.body, "merge_method") ?? "merge";
  if (!["merge", "squash", "rebase"].includes(method))
    throw invalid("PullRequest", "merge_method", "invalid");
  const title = str(req.body, "commit_title");
  const extra = str(req.body, "commit_message");
  const when = now();
  const author = env.identity(req.login, when);
  let sha: string | null;
  if (method === "rebase") {
    const mb = (await mergeBase(h.gitDir, base, head)) ?? base;
    sha = await rebaseCommits(h.gitDir, mb, head, base, env.webCommitter(when));
    if (!sha) throw new HttpError(405, "This branch can't be rebased");
  } else {
    const tree = await mergeTrees(h.gitDir, base, head);
    if (!tree) throw new HttpError(405, "Pull Request is not mergeable");
    let message: string;
    if (method === "merge") {
      message = `${title ?? `Merge pull request #${pull.number} from ${h.rec.owner}/${pull.head}`}\n\n${extra ?? issue.title}`;
    } else {
      const mb = (await mergeBase(h.gitDir, base, head)) ?? base;
      const commits = await logCommits(h.gitDir, [`${mb}..${head}`], { reverse: true });
      const body = extra ?? commits.map((c) => `* ${c.message}`).join("\n\n");
      message = `${title ?? `${issue.title} (#${pull.number})`}\n\n${body}`;
    }
    sha = await commitTree(
      h.gitDir,
      tree,
      method === "merge" ? [base, head] : [base],
      message,
      author,
      env.webCommitter(when),
    );
  }
  if (!(await updateRef(h.gitDir, `refs/heads/${pull.base}`, sha, base))) {
    throw new HttpError(409, "Base branch was modified. Review and try the merge again.");
  }
  pull.merged = true;
  pull.merged_at = when;
  pull.merged_by = req.login;
  pull.merge_commit_sha = sha;
  pull.head_sha_at_close = head;
  pull.base_sha_at_close = base;
  issue.state = "closed";
  issue.closed_at = when;
  issue.closed_by = req.login;
  issue.updated_at = when;
  env.pushed(h.rec, pull.base, sha, req.login);
  env.touch(h.rec);
  return { status: 200, body: { sha, merged: true, message: "Pull Request successfully merged" } };
}

async function createReview(env: EmuEnv, req: EmuRequest) {
  const h = env.repo(req);
  const { issue, pull } = findPull(h, int(req.params["number"], "pull"));
  const { head } = await shas(h, pull);
  const event = str(req.body, "event");
  const states: Record<string, ReviewRec["state"]> = {
    APPROVE: "APPROVED",
    REQUEST_CHANGES: "CHANGES_REQUESTED",
    COMMENT: "COMMENTED",
  };
  if (event !== undefined && !(event in states)) throw invalid("PullRequestReview", "event", "invalid");
  if (
    issue.user.toLowerCase() === req.login.toLowerCase() &&
    (event === "APPROVE" || event === "REQUEST_CHANGES")
  ) {
    throw new HttpError(422, "Unprocessable Entity", [
      {
        resource: "PullRequestReview",
        code: "custom",
        message: `Can not ${event === "APPROVE" ? "approve" : "request changes on"} your own pull request`,
      },
    ]);
  }
  const body = str(req.body, "body") ?? "";
  if ((event === "REQUEST_CHANGES" || event === "COMMENT") && !body && !Array.isArray(req.body["comments"])) {
    throw new HttpError(422, "Unprocessable Entity", [
      { resource: "PullRequestReview", code: "custom", message: `Review body is required for ${event}` },
    ]);
  }
  const commitId = str(req.body, "commit_id") ?? head ?? "";
  const review: ReviewRec = {
    id: env.state.nextId(),
    pull: pull.number,
    user: req.login,
    body,
    state: event ? states[event]! : "PENDING",
    commit_id: commitId,
    submitted_at: event ? now() : null,
  };
  const comments = Array.isArray(req.body["comments"])
    ? (req.body["comments"] as Record<string, unknown>[])
    : [];
  const info = await gitInfo(h, pull);
  const files = info
    ? new Set(
        (
          await diffFiles(
            h.gitDir,
            (await mergeBase(h.gitDir, info.baseSha, info.headSha)) ?? info.baseSha,
            info.headSha,
          )
        ).map((f) => f.filename),
      )
    : new Set<string>();
  for (const c of comments) {
    const path = typeof c["path"] === "string" ? c["path"] : "";
    if (!files.has(path)) {
      throw new HttpError(422, "Unprocessable Entity", [
        {
          resource: "PullRequestReviewComment",
          code: "custom",
          field: "path",
          message: `Path could not be resolved: ${path}`,
        },
      ]);
    }
  }
  h.rec.reviews.push(review);
  for (const c of comments) {
    h.rec.review_comments.push({
      id: env.state.nextId(),
      review_id: review.id,
      pull: pull.number,
      user: req.login,
      path: String(c["path"]),
      line:
        typeof c["line"] === "number" ? c["line"] : typeof c["position"] === "number" ? c["position"] : null,
      side: c["side"] === "LEFT" ? "LEFT" : "RIGHT",
      body: String(c["body"] ?? ""),
      commit_id: commitId,
      created_at: now(),
    });
  }
  pull.requested_reviewers = pull.requested_reviewers.filter(
    (r) => r.toLowerCase() !== req.login.toLowerCase(),
  );
  issue.updated_at = now();
  env.touch(h.rec);
  return { status: 200, body: reviewPayload(h.ctx, review) };
}

export function registerPullRoutes(router: Router, env: EmuEnv): void {
  const R = "/repos/:owner/:repo";

  router.on("GET", `${R}/pulls`, async (req) => {
    const h = env.repo(req);
    const state = req.query.get("state") ?? "open";
    const head = req.query.get("head");
    const base = req.query.get("base");
    let items = h.rec.pulls.filter((p) => {
      const i = findIssue(h, p.number);
      if (state !== "all" && i.state !== state) return false;
      if (head) {
        const want = headOf(h, head);
        if (want.branch !== p.head || (want.owner ?? "").toLowerCase() !== (p.head_owner ?? "").toLowerCase())
          return false;
      }
      if (base && base !== p.base) return false;
      return true;
    });
    const sort = req.query.get("sort") ?? "created";
    const key = (p: PullRec) => {
      const i = findIssue(h, p.number);
      return sort === "updated" ? i.updated_at : i.created_at;
    };
    items = [...items].sort((a, b) => (key(a) === key(b) ? a.number - b.number : key(a) < key(b) ? -1 : 1));
    if ((req.query.get("direction") ?? "desc") === "desc") items.reverse();
    const out: Json[] = [];
    for (const p of items) {
      const s = await shas(h, p);
      const info = s.head && s.base ? ({ headSha: s.head, baseSha: s.base } as PullGitInfo) : null;
      out.push(withForkHead(h, p, pullPayload(h.ctx, findIssue(h, p.number), p, info, false)));
    }
    return paginate(req, out);
  });

  router.on("POST", `${R}/pulls`, async (req) => {
    const h = env.repo(req);
    const title = str(req.body, "title");
    const headSpec = str(req.body, "head");
    const base = str(req.body, "base");
    if (!title) throw invalid("PullRequest", "title", "missing_field");
    if (!headSpec) throw invalid("PullRequest", "head", "missing_field");
    if (!base) throw invalid("PullRequest", "base", "missing_field");
    const { branch: head, owner: headOwner } = headOf(h, headSpec);
    const headSha = headOwner
      ? await syncForkHead(h, h.rec.next_number, headOwner, head)
      : await resolve(h.gitDir, `refs/heads/${head}`, "commit");
    const baseSha = await resolve(h.gitDir, `refs/heads/${base}`, "commit");
    if (!headSha) throw invalid("PullRequest", "head", "invalid");
    if (!baseSha) throw invalid("PullRequest", "base", "invalid");
    if (await countCommits(h.gitDir, [`${baseSha}..${headSha}`]).then((n) => n === 0)) {
      throw new HttpError(422, "Validation Failed", [
        { resource: "PullRequest", code: "custom", message: `No commits between ${base} and ${head}` },
      ]);
    }
    const dup = h.rec.pulls.find(
      (p) =>
        p.head === head &&
        (p.head_owner ?? "").toLowerCase() === (headOwner ?? "").toLowerCase() &&
        p.base === base &&
        findIssue(h, p.number).state === "open",
    );
    if (dup) {
      throw new HttpError(422, "Validation Failed", [
        {
          resource: "PullRequest",
          code: "custom",
          message: `A pull request already exists for ${headOwner ?? h.rec.owner}:${head}.`,
        },
      ]);
    }
    const t = now();
    const issue = newIssueRec({
      id: env.state.nextId(),
      number: h.rec.next_number++,
      title,
      body: str(req.body, "body") ?? null,
      user: req.login,
      created_at: t,
      pull: true,
    });
    const pull: PullRec = {
      number: issue.number,
      head,
      base,
      draft: req.body["draft"] === true,
      merged: false,
      merged_at: null,
      merged_by: null,
      merge_commit_sha: null,
      maintainer_can_modify: req.body["maintainer_can_modify"] !== false,
      requested_reviewers: [],
      head_sha_at_close: null,
      base_sha_at_close: null,
      ...(headOwner ? { head_owner: headOwner } : {}),
    };
    h.rec.issues.push(issue);
    h.rec.pulls.push(pull);
    env.touch(h.rec);
    return { status: 201, body: await fullPull(h, issue.number) };
  });

  router.on("GET", `${R}/pulls/:number`, async (req) => {
    const h = env.repo(req);
    const n = int(req.params["number"], "pull");
    if (wantsDiff(req)) {
      const { pull } = findPull(h, n);
      const { head, base } = await shas(h, pull);
      if (!head || !base) throw notFound();
      return diffResponse(await unifiedDiff(h.gitDir, (await mergeBase(h.gitDir, base, head)) ?? base, head));
    }
    const body = (await fullPull(h, n)) as Record<string, unknown>;
    if (env.mergeabilityDelay > 0 && body["state"] === "open") {
      const sha = (side: unknown) => String((side as { sha?: string } | null)?.sha ?? "");
      const key = `${h.rec.owner}/${h.rec.name}#${n}:${sha(body["head"])}:${sha(body["base"])}`;
      const reads = env.mergeabilityReads.get(key) ?? 0;
      env.mergeabilityReads.set(key, reads + 1);
      if (reads < env.mergeabilityDelay) {
        Object.assign(body, { mergeable: null, rebaseable: null, mergeable_state: "unknown" });
      }
    }
    return { status: 200, body };
  });

  router.on("PATCH", `${R}/pulls/:number`, async (req) => {
    const h = env.repo(req);
    const { issue, pull } = findPull(h, int(req.params["number"], "pull"));
    const { base, maintainer_can_modify, state, ...rest } = req.body;
    if (typeof base === "string") {
      if (!(await resolve(h.gitDir, `refs/heads/${base}`))) throw invalid("PullRequest", "base", "invalid");
      pull.base = base;
    }
    if (typeof maintainer_can_modify === "boolean") pull.maintainer_can_modify = maintainer_can_modify;
    if (state === "closed" && issue.state === "open") {
      const s = await shas(h, pull);
      pull.head_sha_at_close = s.head;
      pull.base_sha_at_close = s.base;
    } else if (state === "open" && issue.state === "closed") {
      if (pull.merged)
        throw new HttpError(422, "Validation Failed", [
          {
            resource: "PullRequest",
            code: "custom",
            message: "state cannot be changed. The pull request has been merged.",
          },
        ]);
      pull.head_sha_at_close = null;
      pull.base_sha_at_close = null;
    }
    applyIssueUpdate(env, h, issue, { ...rest, ...(state !== undefined ? { state } : {}) }, req.login);
    if (issue.state === "closed") issue.state_reason = null;
    env.touch(h.rec);
    return { status: 200, body: await fullPull(h, pull.number) };
  });

  router.on("GET", `${R}/pulls/:number/files`, async (req) => {
    const h = env.repo(req);
    const { pull } = findPull(h, int(req.params["number"], "pull"));
    const { head, base } = await shas(h, pull);
    if (!head || !base) return paginate(req, []);
    const files = await diffFiles(h.gitDir, (await mergeBase(h.gitDir, base, head)) ?? base, head);
    return paginate(
      req,
      files.map((f) => diffEntryPayload(req.urls, h.rec, head, f)),
    );
  });

  router.on("GET", `${R}/pulls/:number/commits`, async (req) => {
    const h = env.repo(req);
    const { pull } = findPull(h, int(req.params["number"], "pull"));
    const { head, base } = await shas(h, pull);
    if (!head || !base) return paginate(req, []);
    const mb = (await mergeBase(h.gitDir, base, head)) ?? base;
    const commits = await logCommits(h.gitDir, [`${mb}..${head}`], { reverse: true });
    return paginate(
      req,
      commits.map((c) => commitPayload(h.ctx, c)),
    );
  });

  router.on("PUT", `${R}/pulls/:number/merge`, (req) => merge(env, req));
  router.on("GET", `${R}/pulls/:number/merge`, (req) => {
    const h = env.repo(req);
    const { pull } = findPull(h, int(req.params["number"], "pull"));
    return pull.merged ? { status: 204 } : { status: 404, body: { message: "Not Found" } };
  });

  router.on("GET", `${R}/pulls/:number/reviews`, (req) => {
    const h = env.repo(req);
    const n = int(req.params["number"], "pull");
    findPull(h, n);
    return paginate(
      req,
      h.rec.reviews.filter((r) => r.pull === n).map((r) => reviewPayload(h.ctx, r)),
    );
  });
  router.on("POST", `${R}/pulls/:number/reviews`, (req) => createReview(env, req));

  router.on("GET", `${R}/pulls/:number/comments`, (req) => {
    const h = env.repo(req);
    const n = int(req.params["number"], "pull");
    findPull(h, n);
    return paginate(
      req,
      h.rec.review_comments.filter((c) => c.pull === n).map((c) => reviewCommentPayload(h.ctx, c)),
    );
  });

  router.on("POST", `${R}/pulls/:number/requested_reviewers`, async (req) => {
    const h = env.repo(req);
    const { issue, pull } = findPull(h, int(req.params["number"], "pull"));
    const reviewers = Array.isArray(req.body["reviewers"])
      ? (req.body["reviewers"] as unknown[]).map(String)
      : [];
    if (reviewers.some((r) => r.toLowerCase() === issue.user.toLowerCase())) {
      throw new HttpError(422, "Review cannot be requested from pull request author.");
    }
    pull.requested_reviewers = [...new Set([...pull.requested_reviewers, ...reviewers])];
    issue.updated_at = now();
    env.touch(h.rec);
    const s = await shas(h, pull);
    const info = s.head && s.base ? ({ headSha: s.head, baseSha: s.base } as PullGitInfo) : null;
    return { status: 201, body: pullPayload(h.ctx, issue, pull, info, false) };
  });

  router.on("PUT", `${R}/pulls/:number/update-branch`, async (req) => {
    const h = env.repo(req);
    const { pull, issue } = findPull(h, int(req.params["number"], "pull"));
    const { head, base } = await shas(h, pull);
    if (!head || !base || issue.state !== "open") throw new HttpError(422, "Pull request is closed");
    const expected = str(req.body, "expected_head_sha");
    if (expected && expected !== head)
      throw new HttpError(422, "expected_head_sha does not match the pull request's head sha");
    if ((await countCommits(h.gitDir, [`${head}..${base}`])) === 0) {
      throw new HttpError(422, "There are no new commits on the base branch.");
    }
    const tree = await mergeTrees(h.gitDir, head, base);
    if (!tree) throw new HttpError(422, "merge conflict between base and head");
    const when = now();
    const sha = await commitTree(
      h.gitDir,
      tree,
      [head, base],
      `Merge branch '${pull.base}' into ${pull.head}`,
      env.identity(req.login, when),
      env.webCommitter(when),
    );
    if (!(await updateRef(h.gitDir, `refs/heads/${pull.head}`, sha, head))) {
      throw new HttpError(422, "expected_head_sha does not match the pull request's head sha");
    }
    env.pushed(h.rec, pull.head, sha, req.login);
    env.touch(h.rec);
    return {
      status: 202,
      body: {
        message: "Updating pull request branch.",
        url: `${req.urls.web}/${h.rec.owner}/${h.rec.name}/pull/${pull.number}`,
      },
    };
  });

  // Draft state changes exist only in GraphQL.
  router.on("POST", "/graphql", (req) => {
    const query = str(req.body, "query") ?? "";
    const vars = (req.body["variables"] ?? {}) as Record<string, unknown>;
    const m = /(markPullRequestReadyForReview|convertPullRequestToDraft)/.exec(query);
    if (!m)
      return {
        status: 200,
        body: { errors: [{ message: "The emulator supports only draft-state mutations" }] },
      };
    const id = String(vars["pullRequestId"] ?? vars["id"] ?? "");
    for (const repo of env.state.data.repos) {
      for (const p of repo.pulls) {
        const issue = repo.issues.find((i) => i.number === p.number)!;
        if (Buffer.from(`PullRequest:${issue.id}`).toString("base64") !== id) continue;
        p.draft = m[1] === "convertPullRequestToDraft";
        issue.updated_at = now();
        env.touch(repo);
        return {
          status: 200,
          body: { data: { [m[1]!]: { pullRequest: { id, number: p.number, isDraft: p.draft } } } },
        };
      }
    }
    return {
      status: 200,
      body: {
        data: null,
        errors: [{ type: "NOT_FOUND", message: `Could not resolve to a node with the global id of '${id}'` }],
      },
    };
  });
}
