/**
 * Everything the emulator keeps besides git: users, repositories' metadata, issues, comments, labels, pull
 * requests, reviews, workflows, runs, jobs and their logs. Held in memory and written to `state.json` in
 * the data dir after each change, so `repowright emulate github --data DIR` survives a restart.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface UserRec {
  login: string;
  id: number;
  type: "User" | "Organization" | "Bot";
  name?: string;
  email?: string;
}

export interface LabelRec {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface IssueRec {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  state_reason: "completed" | "not_planned" | "reopened" | null;
  labels: string[];
  assignees: string[];
  milestone: number | null;
  user: string;
  locked: boolean;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  closed_by: string | null;
  /** Set when this issue is a pull request. */
  pull: boolean;
}

/** A new open issue (or the issue half of a pull request) with every field at its GitHub default. */
export function newIssueRec(
  fields: Pick<IssueRec, "id" | "number" | "title" | "user" | "created_at"> & Partial<IssueRec>,
): IssueRec {
  return {
    body: null,
    state: "open",
    state_reason: null,
    labels: [],
    assignees: [],
    milestone: null,
    locked: false,
    updated_at: fields.created_at,
    closed_at: null,
    closed_by: null,
    pull: false,
    ...fields,
  };
}

export interface CommentRec {
  id: number;
  issue: number;
  user: string;
  body: string;
  created_at: string;
  updated_at: string;
}

export interface PullRec {
  number: number;
  head: string;
  base: string;
  draft: boolean;
  merged: boolean;
  merged_at: string | null;
  merged_by: string | null;
  merge_commit_sha: string | null;
  maintainer_can_modify: boolean;
  requested_reviewers: string[];
  /** head sha when closed/merged (the branch may move or vanish afterwards). */
  head_sha_at_close: string | null;
  base_sha_at_close: string | null;
  /** The owner of the fork the head branch is in (`owner:branch`); absent when it is this repository. */
  head_owner?: string;
}

export interface ReviewCommentRec {
  id: number;
  review_id: number;
  pull: number;
  user: string;
  path: string;
  line: number | null;
  side: "LEFT" | "RIGHT";
  body: string;
  commit_id: string;
  created_at: string;
}

export interface ReviewRec {
  id: number;
  pull: number;
  user: string;
  body: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "PENDING" | "DISMISSED";
  commit_id: string;
  submitted_at: string | null;
}

export interface WorkflowRec {
  id: number;
  name: string;
  path: string;
  state: "active" | "disabled_manually";
  created_at: string;
  /** Events that start a run by themselves ("push", "pull_request"); runs start queued. */
  on?: string[];
  /** Job names of a run this workflow starts. */
  jobs?: string[];
}

export interface RunRec {
  id: number;
  workflow_id: number;
  name: string;
  head_branch: string;
  head_sha: string;
  event: string;
  status: "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
  conclusion:
    | "success"
    | "failure"
    | "cancelled"
    | "skipped"
    | "timed_out"
    | "neutral"
    | "action_required"
    | null;
  actor: string;
  run_number: number;
  run_attempt: number;
  created_at: string;
  updated_at: string;
  inputs?: Record<string, string>;
}

export interface JobRec {
  id: number;
  run_id: number;
  name: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: RunRec["conclusion"];
  started_at: string;
  completed_at: string | null;
  steps: { name: string; status: string; conclusion: string | null; number: number }[];
  log: string;
  run_attempt: number;
}

export interface RepoRec {
  id: number;
  owner: string;
  name: string;
  description: string | null;
  private: boolean;
  default_branch: string;
  topics: string[];
  language: string | null;
  created_at: string;
  updated_at: string;
  next_number: number;
  issues: IssueRec[];
  comments: CommentRec[];
  labels: LabelRec[];
  pulls: PullRec[];
  reviews: ReviewRec[];
  review_comments: ReviewCommentRec[];
  workflows: WorkflowRec[];
  runs: RunRec[];
  jobs: JobRec[];
  /** Commit statuses (the pre-Checks status API, still used by many CI services); absent in old data. */
  statuses?: StatusRec[];
  /** People given a role on the repository besides its owner (who is admin); absent in old data. */
  collaborators?: CollaboratorRec[];
  /** "owner/name" of the repository this one is a fork of (POST /repos/{o}/{r}/forks). */
  fork_of?: string;
}

/** A new repository's record: its identity and description as given, every list empty. */
export function newRepoRec(
  fields: Pick<
    RepoRec,
    "id" | "owner" | "name" | "description" | "private" | "default_branch" | "topics" | "language"
  > & { created_at: string; fork_of?: string },
): RepoRec {
  return {
    ...fields,
    updated_at: fields.created_at,
    next_number: 1,
    issues: [],
    comments: [],
    labels: [],
    pulls: [],
    reviews: [],
    review_comments: [],
    workflows: [],
    runs: [],
    jobs: [],
    statuses: [],
    collaborators: [],
  };
}

/** GitHub's repository roles, lowest to highest. */
export const REPO_ROLES = ["read", "triage", "write", "maintain", "admin"] as const;
export type RepoRole = (typeof REPO_ROLES)[number];

export interface CollaboratorRec {
  login: string;
  role: RepoRole;
}

export interface StatusRec {
  id: number;
  sha: string;
  state: "error" | "failure" | "pending" | "success";
  context: string;
  description: string | null;
  target_url: string | null;
  creator: string;
  created_at: string;
  updated_at: string;
}

export interface StateData {
  next_id: number;
  users: UserRec[];
  repos: RepoRec[];
}

export class EmulatorState {
  data: StateData;
  private readonly file: string | undefined;

  constructor(
    readonly dir: string,
    persist: boolean,
  ) {
    mkdirSync(join(dir, "repos"), { recursive: true });
    this.file = persist ? join(dir, "state.json") : undefined;
    this.data =
      this.file && existsSync(this.file)
        ? (JSON.parse(readFileSync(this.file, "utf8")) as StateData)
        : { next_id: 1000, users: [], repos: [] };
  }

  nextId(): number {
    return this.data.next_id++;
  }

  gitDir(owner: string, name: string): string {
    return join(this.dir, "repos", owner.toLowerCase(), `${name.toLowerCase()}.git`);
  }

  repo(owner: string, name: string): RepoRec | undefined {
    const o = owner.toLowerCase();
    const n = name.toLowerCase();
    return this.data.repos.find((r) => r.owner.toLowerCase() === o && r.name.toLowerCase() === n);
  }

  user(login: string): UserRec {
    let u = this.data.users.find((x) => x.login.toLowerCase() === login.toLowerCase());
    if (!u) {
      u = { login, id: this.nextId(), type: "User" };
      this.data.users.push(u);
    }
    return u;
  }

  save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data));
    renameSync(tmp, this.file);
  }
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}
