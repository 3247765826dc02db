/**
 * GitHub's JSON shapes, built from the emulator's state. Field sets follow the OpenAPI description
 * (components/schemas/*); test/github/emulator-schemas.test.ts validates them with ajv.
 */
import type { CommitInfo, FileDiff } from "./git.js";
import type {
  CollaboratorRec,
  CommentRec,
  IssueRec,
  JobRec,
  LabelRec,
  PullRec,
  RepoRec,
  ReviewCommentRec,
  ReviewRec,
  RunRec,
  StatusRec,
  UserRec,
  WorkflowRec,
} from "./state.js";
import { REPO_ROLES } from "./state.js";

export type Json = Record<string, unknown>;

export interface Urls {
  api: string;
  web: string;
}

const nodeId = (kind: string, id: number | string) => Buffer.from(`${kind}:${id}`).toString("base64");

export function userPayload(u: Urls, user: UserRec): Json {
  const api = `${u.api}/users/${user.login}`;
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId("User", user.id),
    avatar_url: `${u.web}/avatars/${user.login}`,
    gravatar_id: "",
    url: api,
    html_url: `${u.web}/${user.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: user.type,
    site_admin: false,
    user_view_type: "public",
  };
}

export function repoUrls(u: Urls, r: RepoRec) {
  return { api: `${u.api}/repos/${r.owner}/${r.name}`, web: `${u.web}/${r.owner}/${r.name}` };
}

export function minimalRepoPayload(u: Urls, r: RepoRec, owner: UserRec): Json {
  const { api, web } = repoUrls(u, r);
  return {
    id: r.id,
    node_id: nodeId("Repository", r.id),
    name: r.name,
    full_name: `${r.owner}/${r.name}`,
    owner: userPayload(u, owner),
    private: r.private,
    html_url: web,
    description: r.description,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    hooks_url: `${api}/hooks`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
  };
}

export function fullRepoPayload(u: Urls, r: RepoRec, owner: UserRec, pushedAt: string, sizeKb: number): Json {
  const { web } = repoUrls(u, r);
  const host = new URL(u.web).host;
  const openIssues = r.issues.filter((i) => i.state === "open").length;
  return {
    ...minimalRepoPayload(u, r, owner),
    clone_url: `${web}.git`,
    git_url: `git://${host}/${r.owner}/${r.name}.git`,
    ssh_url: `git@${host}:${r.owner}/${r.name}.git`,
    svn_url: web,
    mirror_url: null,
    homepage: null,
    language: r.language,
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    size: sizeKb,
    default_branch: r.default_branch,
    open_issues: openIssues,
    open_issues_count: openIssues,
    is_template: false,
    topics: r.topics,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: r.private ? "private" : "public",
    pushed_at: pushedAt,
    created_at: r.created_at,
    updated_at: r.updated_at,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_merge_commit: true,
    license: null,
    network_count: 0,
    subscribers_count: 0,
  };
}

export function labelPayload(u: Urls, r: RepoRec, l: LabelRec): Json {
  return {
    id: l.id,
    node_id: nodeId("Label", l.id),
    url: `${repoUrls(u, r).api}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    description: l.description,
    color: l.color,
    default: false,
  };
}

function milestonePayload(u: Urls, r: RepoRec, n: number, creator: Json): Json {
  const { api, web } = repoUrls(u, r);
  return {
    url: `${api}/milestones/${n}`,
    html_url: `${web}/milestone/${n}`,
    labels_url: `${api}/milestones/${n}/labels`,
    id: r.id * 1000 + n,
    node_id: nodeId("Milestone", r.id * 1000 + n),
    number: n,
    state: "open",
    title: `Milestone ${n}`,
    description: null,
    creator,
    open_issues: r.issues.filter((i) => i.milestone === n && i.state === "open").length,
    closed_issues: r.issues.filter((i) => i.milestone === n && i.state === "closed").length,
    created_at: r.created_at,
    updated_at: r.updated_at,
    closed_at: null,
    due_on: null,
  };
}

export interface Ctx {
  urls: Urls;
  repo: RepoRec;
  user(login: string): UserRec;
}

export function issuePayload(c: Ctx, i: IssueRec, pull?: PullRec): Json {
  const { api, web } = repoUrls(c.urls, c.repo);
  const user = (login: string) => userPayload(c.urls, c.user(login));
  const labels = i.labels
    .map((n) => c.repo.labels.find((l) => l.name === n))
    .filter((l): l is LabelRec => l !== undefined)
    .map((l) => labelPayload(c.urls, c.repo, l));
  const assignees = i.assignees.map(user);
  const owner = c.user(c.repo.owner);
  const body: Json = {
    id: i.id,
    node_id: nodeId("Issue", i.id),
    url: `${api}/issues/${i.number}`,
    repository_url: api,
    labels_url: `${api}/issues/${i.number}/labels{/name}`,
    comments_url: `${api}/issues/${i.number}/comments`,
    events_url: `${api}/issues/${i.number}/events`,
    html_url: `${web}/${i.pull ? "pull" : "issues"}/${i.number}`,
    number: i.number,
    state: i.state,
    state_reason: i.state_reason,
    title: i.title,
    body: i.body,
    user: user(i.user),
    labels,
    assignee: assignees[0] ?? null,
    assignees,
    milestone:
      i.milestone === null ? null : milestonePayload(c.urls, c.repo, i.milestone, userPayload(c.urls, owner)),
    locked: i.locked,
    active_lock_reason: null,
    comments: c.repo.comments.filter((x) => x.issue === i.number).length,
    closed_at: i.closed_at,
    created_at: i.created_at,
    updated_at: i.updated_at,
    closed_by: i.closed_by ? user(i.closed_by) : null,
    author_association: i.user === c.repo.owner ? "OWNER" : "CONTRIBUTOR",
    timeline_url: `${api}/issues/${i.number}/timeline`,
    reactions: reactions(`${api}/issues/${i.number}/reactions`),
  };
  if (i.pull) {
    body["draft"] = pull?.draft ?? false;
    body["pull_request"] = {
      url: `${api}/pulls/${i.number}`,
      html_url: `${web}/pull/${i.number}`,
      diff_url: `${web}/pull/${i.number}.diff`,
      patch_url: `${web}/pull/${i.number}.patch`,
      merged_at: pull?.merged_at ?? null,
    };
  }
  return body;
}

function reactions(url: string): Json {
  return {
    url,
    total_count: 0,
    "+1": 0,
    "-1": 0,
    laugh: 0,
    confused: 0,
    heart: 0,
    hooray: 0,
    eyes: 0,
    rocket: 0,
  };
}

export function commentPayload(c: Ctx, x: CommentRec): Json {
  const { api, web } = repoUrls(c.urls, c.repo);
  return {
    id: x.id,
    node_id: nodeId("IssueComment", x.id),
    url: `${api}/issues/comments/${x.id}`,
    html_url: `${web}/issues/${x.issue}#issuecomment-${x.id}`,
    issue_url: `${api}/issues/${x.issue}`,
    body: x.body,
    user: userPayload(c.urls, c.user(x.user)),
    created_at: x.created_at,
    updated_at: x.updated_at,
    author_association: x.user === c.repo.owner ? "OWNER" : "CONTRIBUTOR",
    reactions: reactions(`${api}/issues/comments/${x.id}/reactions`),
  };
}

/**
 * What `GET /repos/{owner}/{repo}/collaborators/{username}/permission` says of a user whose role is
 * `role` (null: none; a non-collaborator of a public repository reads it). `permission` is GitHub's legacy
 * base role, where maintain counts as write and triage as read; `role_name` is the role itself.
 */
export function collaboratorPermissionPayload(
  u: Urls,
  user: UserRec,
  role: CollaboratorRec["role"] | null,
): Json {
  const at = (r: CollaboratorRec["role"]) =>
    role !== null && REPO_ROLES.indexOf(role) >= REPO_ROLES.indexOf(r);
  const permission =
    role === null ? "none" : role === "maintain" ? "write" : role === "triage" ? "read" : role;
  const roleName = role ?? "none";
  return {
    permission,
    role_name: roleName,
    user: {
      ...userPayload(u, user),
      permissions: {
        pull: at("read"),
        triage: at("triage"),
        push: at("write"),
        maintain: at("maintain"),
        admin: at("admin"),
      },
      role_name: roleName,
    },
  };
}

export interface PullGitInfo {
  headSha: string;
  baseSha: string;
  mergeable: boolean | null;
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
}

export function pullPayload(c: Ctx, i: IssueRec, p: PullRec, g: PullGitInfo | null, full: boolean): Json {
  const { api, web } = repoUrls(c.urls, c.repo);
  const issue = issuePayload(c, i, p);
  const owner = c.user(c.repo.owner);
  const repo = fullRepoPayload(c.urls, c.repo, owner, c.repo.updated_at, 0);
  const ref = (name: string, sha: string) => ({
    label: `${c.repo.owner}:${name}`,
    ref: name,
    sha,
    user: userPayload(c.urls, owner),
    repo,
  });
  const self = `${api}/pulls/${p.number}`;
  const body: Json = {
    url: self,
    id: i.id,
    node_id: nodeId("PullRequest", i.id),
    html_url: `${web}/pull/${p.number}`,
    diff_url: `${web}/pull/${p.number}.diff`,
    patch_url: `${web}/pull/${p.number}.patch`,
    issue_url: `${api}/issues/${p.number}`,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${p.number}/comments`,
    statuses_url: `${api}/statuses/${g?.headSha ?? ""}`,
    number: p.number,
    state: i.state,
    locked: i.locked,
    title: i.title,
    user: issue["user"],
    body: i.body,
    labels: issue["labels"],
    milestone: issue["milestone"],
    active_lock_reason: null,
    created_at: i.created_at,
    updated_at: i.updated_at,
    closed_at: i.closed_at,
    merged_at: p.merged_at,
    merge_commit_sha: p.merge_commit_sha,
    assignee: issue["assignee"],
    assignees: issue["assignees"],
    requested_reviewers: p.requested_reviewers.map((l) => userPayload(c.urls, c.user(l))),
    requested_teams: [],
    head: ref(p.head, g?.headSha ?? p.head_sha_at_close ?? ""),
    base: ref(p.base, g?.baseSha ?? p.base_sha_at_close ?? ""),
    _links: {
      self: { href: self },
      html: { href: `${web}/pull/${p.number}` },
      issue: { href: `${api}/issues/${p.number}` },
      comments: { href: `${api}/issues/${p.number}/comments` },
      review_comments: { href: `${self}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${self}/commits` },
      statuses: { href: `${api}/statuses/${g?.headSha ?? ""}` },
    },
    author_association: issue["author_association"],
    auto_merge: null,
    draft: p.draft,
  };
  if (full) {
    const mergeable = p.merged || i.state === "closed" ? null : (g?.mergeable ?? null);
    let mergeableState = "unknown";
    if (mergeable === false) mergeableState = "dirty";
    else if (mergeable === true) mergeableState = p.draft ? "draft" : "clean";
    Object.assign(body, {
      merged: p.merged,
      mergeable,
      rebaseable: mergeable,
      mergeable_state: mergeableState,
      merged_by: p.merged_by ? userPayload(c.urls, c.user(p.merged_by)) : null,
      comments: issue["comments"],
      review_comments: c.repo.review_comments.filter((x) => x.pull === p.number).length,
      maintainer_can_modify: p.maintainer_can_modify,
      commits: g?.commits ?? 0,
      additions: g?.additions ?? 0,
      deletions: g?.deletions ?? 0,
      changed_files: g?.changedFiles ?? 0,
    });
  }
  return body;
}

export function reviewPayload(c: Ctx, r: ReviewRec): Json {
  const { api, web } = repoUrls(c.urls, c.repo);
  return {
    id: r.id,
    node_id: nodeId("PullRequestReview", r.id),
    user: userPayload(c.urls, c.user(r.user)),
    body: r.body,
    state: r.state,
    html_url: `${web}/pull/${r.pull}#pullrequestreview-${r.id}`,
    pull_request_url: `${api}/pulls/${r.pull}`,
    _links: {
      html: { href: `${web}/pull/${r.pull}#pullrequestreview-${r.id}` },
      pull_request: { href: `${api}/pulls/${r.pull}` },
    },
    ...(r.submitted_at ? { submitted_at: r.submitted_at } : {}),
    commit_id: r.commit_id,
    author_association: r.user === c.repo.owner ? "OWNER" : "CONTRIBUTOR",
  };
}

export function reviewCommentPayload(c: Ctx, x: ReviewCommentRec): Json {
  const { api, web } = repoUrls(c.urls, c.repo);
  const self = `${api}/pulls/comments/${x.id}`;
  return {
    url: self,
    pull_request_review_id: x.review_id,
    id: x.id,
    node_id: nodeId("PullRequestReviewComment", x.id),
    diff_hunk: "",
    path: x.path,
    position: x.line ?? 1,
    original_position: x.line ?? 1,
    commit_id: x.commit_id,
    original_commit_id: x.commit_id,
    user: userPayload(c.urls, c.user(x.user)),
    body: x.body,
    created_at: x.created_at,
    updated_at: x.created_at,
    html_url: `${web}/pull/${x.pull}#discussion_r${x.id}`,
    pull_request_url: `${api}/pulls/${x.pull}`,
    author_association: "OWNER",
    _links: {
      self: { href: self },
      html: { href: `${web}/pull/${x.pull}#discussion_r${x.id}` },
      pull_request: { href: `${api}/pulls/${x.pull}` },
    },
    line: x.line ?? 1,
    original_line: x.line ?? 1,
    side: x.side,
    subject_type: "line",
  };
}

function gitUser(id: CommitInfo["author"]): Json {
  return { name: id.name, email: id.email, date: id.date.replace(/\+00:00$/, "Z") };
}

const VERIFICATION = {
  verified: false,
  reason: "unsigned",
  signature: null,
  payload: null,
  verified_at: null,
};

export function gitCommitPayload(u: Urls, r: RepoRec, c: CommitInfo): Json {
  const { api, web } = repoUrls(u, r);
  return {
    sha: c.sha,
    node_id: nodeId("Commit", c.sha),
    url: `${api}/git/commits/${c.sha}`,
    html_url: `${web}/commit/${c.sha}`,
    author: gitUser(c.author),
    committer: gitUser(c.committer),
    tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
    message: c.message,
    parents: c.parents.map((p) => ({
      sha: p,
      url: `${api}/git/commits/${p}`,
      html_url: `${web}/commit/${p}`,
    })),
    verification: VERIFICATION,
  };
}

/** The `commit` schema (REST commits API): with stats and files when `files` is given. */
export function commitPayload(ctx: Ctx, c: CommitInfo, files?: FileDiff[]): Json {
  const { api, web } = repoUrls(ctx.urls, ctx.repo);
  const who = (id: CommitInfo["author"]) => {
    const login = id.email.endsWith("@users.noreply.github.com")
      ? id.email.split("@")[0]!.replace(/^\d+\+/, "")
      : null;
    return login ? userPayload(ctx.urls, ctx.user(login)) : null;
  };
  const body: Json = {
    url: `${api}/commits/${c.sha}`,
    sha: c.sha,
    node_id: nodeId("Commit", c.sha),
    html_url: `${web}/commit/${c.sha}`,
    comments_url: `${api}/commits/${c.sha}/comments`,
    commit: {
      url: `${api}/git/commits/${c.sha}`,
      author: gitUser(c.author),
      committer: gitUser(c.committer),
      message: c.message,
      comment_count: 0,
      tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
      verification: VERIFICATION,
    },
    author: who(c.author),
    committer: who(c.committer),
    parents: c.parents.map((p) => ({ sha: p, url: `${api}/commits/${p}`, html_url: `${web}/commit/${p}` })),
  };
  if (files) {
    const additions = files.reduce((n, f) => n + f.additions, 0);
    const deletions = files.reduce((n, f) => n + f.deletions, 0);
    body["stats"] = { additions, deletions, total: additions + deletions };
    body["files"] = files.map((f) => diffEntryPayload(ctx.urls, ctx.repo, c.sha, f));
  }
  return body;
}

export function diffEntryPayload(u: Urls, r: RepoRec, ref: string, f: FileDiff): Json {
  const { api, web } = repoUrls(u, r);
  const path = f.filename.split("/").map(encodeURIComponent).join("/");
  return {
    sha: f.sha,
    filename: f.filename,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.changes,
    blob_url: `${web}/blob/${ref}/${path}`,
    raw_url: `${web}/raw/${ref}/${path}`,
    contents_url: `${api}/contents/${path}?ref=${ref}`,
    ...(f.patch !== undefined ? { patch: f.patch } : {}),
    ...(f.previous_filename ? { previous_filename: f.previous_filename } : {}),
  };
}

export function contentEntryPayload(
  u: Urls,
  r: RepoRec,
  ref: string,
  e: { type: "file" | "dir" | "submodule" | "symlink"; path: string; sha: string; size: number },
): Json {
  const { api, web } = repoUrls(u, r);
  const p = e.path.split("/").map(encodeURIComponent).join("/");
  const self = `${api}/contents/${p}?ref=${encodeURIComponent(ref)}`;
  const git = `${api}/git/${e.type === "dir" ? "trees" : "blobs"}/${e.sha}`;
  const html = `${web}/${e.type === "dir" ? "tree" : "blob"}/${ref}/${p}`;
  return {
    type: e.type,
    size: e.size,
    name: e.path.split("/").pop() ?? e.path,
    path: e.path,
    sha: e.sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: e.type === "file" ? `${web}/raw/${ref}/${p}` : null,
    _links: { self, git, html },
  };
}

export function workflowPayload(u: Urls, r: RepoRec, w: WorkflowRec): Json {
  const { api, web } = repoUrls(u, r);
  return {
    id: w.id,
    node_id: nodeId("Workflow", w.id),
    name: w.name,
    path: w.path,
    state: w.state,
    created_at: w.created_at,
    updated_at: w.created_at,
    url: `${api}/actions/workflows/${w.id}`,
    html_url: `${web}/blob/${r.default_branch}/${w.path}`,
    badge_url: `${web}/workflows/${encodeURIComponent(w.name)}/badge.svg`,
  };
}

export function runPayload(c: Ctx, run: RunRec, w: WorkflowRec | undefined): Json {
  const { api, web } = repoUrls(c.urls, c.repo);
  const self = `${api}/actions/runs/${run.id}`;
  const owner = c.user(c.repo.owner);
  const repo = minimalRepoPayload(c.urls, c.repo, owner);
  const actor = userPayload(c.urls, c.user(run.actor));
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId("WorkflowRun", run.id),
    check_suite_id: run.id + 1,
    check_suite_node_id: nodeId("CheckSuite", run.id + 1),
    head_branch: run.head_branch,
    head_sha: run.head_sha,
    path: w?.path ?? "",
    display_title: run.name,
    run_number: run.run_number,
    run_attempt: run.run_attempt,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflow_id,
    url: self,
    html_url: `${web}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: run.created_at,
    updated_at: run.updated_at,
    run_started_at: run.created_at,
    actor,
    triggering_actor: actor,
    jobs_url: `${self}/jobs`,
    logs_url: `${self}/logs`,
    check_suite_url: `${api}/check-suites/${run.id + 1}`,
    artifacts_url: `${self}/artifacts`,
    cancel_url: `${self}/cancel`,
    rerun_url: `${self}/rerun`,
    previous_attempt_url: run.run_attempt > 1 ? `${self}/attempts/${run.run_attempt - 1}` : null,
    workflow_url: `${api}/actions/workflows/${run.workflow_id}`,
    head_commit: {
      id: run.head_sha,
      tree_id: run.head_sha,
      message: run.name,
      timestamp: run.created_at,
      author: { name: run.actor, email: `${run.actor}@users.noreply.github.com` },
      committer: { name: run.actor, email: `${run.actor}@users.noreply.github.com` },
    },
    repository: repo,
    head_repository: repo,
  };
}

export function jobPayload(c: Ctx, run: RunRec, j: JobRec, w: WorkflowRec | undefined): Json {
  const { api, web } = repoUrls(c.urls, c.repo);
  return {
    id: j.id,
    run_id: j.run_id,
    run_url: `${api}/actions/runs/${j.run_id}`,
    run_attempt: j.run_attempt,
    node_id: nodeId("CheckRun", j.id),
    head_sha: run.head_sha,
    url: `${api}/actions/jobs/${j.id}`,
    html_url: `${web}/actions/runs/${j.run_id}/job/${j.id}`,
    status: j.status,
    conclusion: j.conclusion,
    created_at: j.started_at,
    started_at: j.started_at,
    completed_at: j.completed_at,
    name: j.name,
    steps: j.steps.map((s) => ({
      ...s,
      started_at: j.started_at,
      completed_at: j.completed_at,
    })),
    check_run_url: `${api}/check-runs/${j.id}`,
    labels: ["ubuntu-latest"],
    runner_id: 1,
    runner_name: "GitHub Actions 1",
    runner_group_id: 1,
    runner_group_name: "GitHub Actions",
    workflow_name: w?.name ?? run.name,
    head_branch: run.head_branch,
  };
}

/** A commit status as the combined-status endpoint lists it. */
export function simpleStatusPayload(u: Urls, r: RepoRec, s: StatusRec, creator: UserRec): Json {
  return {
    id: s.id,
    node_id: nodeId("StatusContext", s.id),
    state: s.state,
    description: s.description,
    target_url: s.target_url,
    context: s.context,
    avatar_url: `${u.web}/avatars/${creator.login}`,
    url: `${repoUrls(u, r).api}/statuses/${s.sha}`,
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}

/** A commit status as created (with its creator). */
export function statusPayload(u: Urls, r: RepoRec, s: StatusRec, creator: UserRec): Json {
  return { ...simpleStatusPayload(u, r, s, creator), creator: userPayload(u, creator) };
}
