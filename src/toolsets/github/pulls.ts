/** Pull requests: list, get (mergeability + checks summary), files, diff, create, update, merge, reviews. */

import { z } from "zod";
import { openPullRequest } from "../../github/operations.js";
import {
  REMOTE_DESTRUCTIVE,
  REMOTE_OVERWRITE,
  REMOTE_READ,
  REMOTE_UPDATE,
  REMOTE_WRITE,
} from "../../mcp/tool.js";
import {
  compact,
  fileView,
  gh,
  ghTool,
  nextPage,
  owner,
  page,
  perPage,
  pullView,
  repo,
  sleep,
} from "./common.js";

type Obj = Record<string, unknown>;
const pullNumber = z.number().int().min(1).describe("Pull request number.");
const bodyMax = z
  .number()
  .int()
  .min(0)
  .max(1_000_000)
  .default(4000)
  .describe("Longest body (characters) returned; longer ones are truncated with a note. 0 = no limit.");

export const listPullRequests = ghTool({
  name: "list_pull_requests",
  title: "List pull requests",
  description:
    "List a repository's pull requests (no bodies): state, draft, author, head/base branches, labels, reviewers.",
  input: z.object({
    owner,
    repo,
    state: z.enum(["open", "closed", "all"]).default("open").describe("State filter."),
    head: z.string().optional().describe("Only PRs from this head branch ('branch' or 'owner:branch')."),
    base: z.string().optional().describe("Only PRs into this base branch."),
    sort: z
      .enum(["created", "updated", "popularity", "long-running"])
      .default("created")
      .describe("Sort field."),
    direction: z.enum(["asc", "desc"]).default("desc").describe("Sort direction."),
    page,
    per_page: perPage(30),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const head = input.head && !input.head.includes(":") ? `${input.owner}:${input.head}` : input.head;
    const res = await gh(ctx).request("GET /repos/{owner}/{repo}/pulls", { ...input, head });
    return {
      pull_requests: (res.data as Obj[]).map((p) => {
        const { body: _b, ...rest } = pullView(p, 0, "");
        return rest;
      }),
      page: input.page,
      next_page: nextPage(res.headers.link),
    };
  },
});

const FAILED_CONCLUSIONS = new Set([
  "failure",
  "timed_out",
  "cancelled",
  "action_required",
  "startup_failure",
]);

/**
 * What CI says about a commit: its check runs (GitHub Actions and other Checks apps) and its commit statuses
 * (the older status API, still what Jenkins, CircleCI and many others post), counted together by outcome.
 */
async function checksSummary(ctx: Parameters<typeof gh>[0], o: string, r: string, sha: string) {
  const { request } = gh(ctx);
  const [checks, combined] = await Promise.all([
    request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
      owner: o,
      repo: r,
      ref: sha,
      per_page: 100,
    }),
    request("GET /repos/{owner}/{repo}/commits/{ref}/status", { owner: o, repo: r, ref: sha, per_page: 100 }),
  ]);
  const counts: Record<string, number> = {};
  const failing: string[] = [];
  let pending = 0;
  let other = 0;
  const runs = checks.data.check_runs;
  for (const c of runs) {
    const k = c.status === "completed" ? (c.conclusion ?? "unknown") : c.status;
    counts[k] = (counts[k] ?? 0) + 1;
    if (FAILED_CONCLUSIONS.has(String(c.conclusion))) failing.push(c.name);
    else if (c.status !== "completed") pending++;
    else if (!["success", "neutral", "skipped"].includes(String(c.conclusion))) other++;
  }
  const statuses = combined.data.statuses;
  for (const s of statuses) {
    counts[s.state] = (counts[s.state] ?? 0) + 1;
    if (s.state === "failure" || s.state === "error") failing.push(s.context);
    else if (s.state === "pending") pending++;
  }
  const seen = runs.length + statuses.length;
  const total = checks.data.total_count + combined.data.total_count;
  const state =
    seen === 0
      ? "none"
      : failing.length > 0
        ? "failure"
        : pending > 0
          ? "pending"
          : other > 0
            ? "mixed"
            : "success";
  return compact({
    state,
    total,
    ...counts,
    failing,
    note: total > seen ? `counts cover the first ${seen} of ${total} checks and statuses` : undefined,
  });
}

export const getPullRequest = ghTool({
  name: "get_pull_request",
  title: "Get a pull request",
  description:
    "One pull request: state, draft, head/base (with head sha for merge_pull_request), mergeability, size, reviewers, a summary of its checks, and the body (truncated with a note).",
  input: z.object({
    owner,
    repo,
    pull_number: pullNumber,
    include_checks: z
      .boolean()
      .default(true)
      .describe("Also summarise the check runs and commit statuses of the head commit."),
    body_max_chars: bodyMax,
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const read = async () =>
      (
        await gh(ctx).request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
          owner: input.owner,
          repo: input.repo,
          pull_number: input.pull_number,
        })
      ).data as Obj;
    let p = await read();
    // GitHub computes mergeability in the background after a change and answers null meanwhile; the
    // re-reads are conditional, so they cost no rate limit until the answer changes.
    for (const wait of MERGEABILITY_WAITS_MS) {
      if (p["state"] !== "open" || p["merged"] === true || p["mergeable"] !== null) break;
      await sleep(wait, ctx.signal);
      p = await read();
    }
    const view: Obj = pullView(
      p,
      input.body_max_chars,
      "call get_pull_request with body_max_chars=0 for the full text",
    );
    if (view["state"] === "open" && p["mergeable"] === null) {
      view["mergeable_state"] = "unknown";
      view["mergeable_note"] =
        "GitHub is still computing whether this pull request can be merged; call get_pull_request again in a few seconds";
    }
    if (input.include_checks && view["state"] === "open") {
      view["checks"] = await checksSummary(ctx, input.owner, input.repo, String(view["head_sha"]));
    }
    return view;
  },
});

/** Waits before re-reading a pull request whose mergeability GitHub has not computed yet. */
const MERGEABILITY_WAITS_MS = [250, 750, 1500];

export const getPullRequestFiles = ghTool({
  name: "get_pull_request_files",
  title: "Get pull request files",
  description: "The files a pull request changes, with additions/deletions and patches (truncated per file).",
  input: z.object({
    owner,
    repo,
    pull_number: pullNumber,
    patch_max_chars: z
      .number()
      .int()
      .min(-1)
      .max(1_000_000)
      .default(2000)
      .describe("Longest patch per file, truncated with a note; 0 = no limit, -1 = leave patches out."),
    page,
    per_page: perPage(30),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await gh(ctx).request("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
      owner: input.owner,
      repo: input.repo,
      pull_number: input.pull_number,
      page: input.page,
      per_page: input.per_page,
    });
    return {
      files: (res.data as Obj[]).map((f) =>
        fileView(
          f,
          input.patch_max_chars,
          "use get_pull_request_diff or patch_max_chars=0 for the whole patch",
        ),
      ),
      page: input.page,
      next_page: nextPage(res.headers.link),
    };
  },
});

export const getPullRequestDiff = ghTool({
  name: "get_pull_request_diff",
  title: "Get pull request diff",
  description:
    "The unified diff of a pull request (GitHub's .diff), truncated with a note past max_chars; use offset to read on.",
  input: z.object({
    owner,
    repo,
    pull_number: pullNumber,
    offset: z.number().int().min(0).default(0).describe("Character offset to start from."),
    max_chars: z.number().int().min(1).max(5_000_000).default(100_000).describe("Most characters returned."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await gh(ctx).request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
      owner: input.owner,
      repo: input.repo,
      pull_number: input.pull_number,
      headers: { accept: "application/vnd.github.diff" },
    });
    const diff = String(res.data as unknown);
    const end = input.offset + input.max_chars;
    const text = diff.slice(input.offset, end);
    return end < diff.length
      ? `${text}\n[… truncated: ${diff.length - end} more characters; call get_pull_request_diff with offset=${end}]`
      : text;
  },
});

export const createPullRequest = ghTool({
  name: "create_pull_request",
  title: "Create a pull request",
  description: "Open a pull request from head into base, optionally as a draft.",
  input: z.object({
    owner,
    repo,
    title: z.string().min(1).max(256).describe("Title."),
    head: z.string().min(1).describe("Branch with the changes ('branch' or 'owner:branch')."),
    base: z.string().min(1).describe("Branch to merge into."),
    body: z.string().max(65536).optional().describe("Description (Markdown)."),
    draft: z.boolean().default(false).describe("Open as a draft."),
    maintainer_can_modify: z.boolean().default(true).describe("Let maintainers push to the head branch."),
  }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const { body: _b, ...view } = pullView(await openPullRequest(ctx.deps, input, ctx.signal), 0, "");
    return view;
  },
});

export const updatePullRequest = ghTool({
  name: "update_pull_request",
  title: "Update a pull request",
  description:
    "Change a pull request's title, body, state, base branch or maintainer_can_modify, or switch draft / ready for review.",
  input: z.object({
    owner,
    repo,
    pull_number: pullNumber,
    title: z.string().min(1).max(256).optional().describe("New title."),
    body: z.string().max(65536).optional().describe("New description (replaces the old one)."),
    state: z.enum(["open", "closed"]).optional().describe("Close or reopen."),
    base: z.string().min(1).optional().describe("New base branch."),
    maintainer_can_modify: z.boolean().optional().describe("Let maintainers push to the head branch."),
    draft: z.boolean().optional().describe("true = convert to draft, false = mark ready for review."),
  }),
  annotations: REMOTE_OVERWRITE,
  async handler(input, ctx) {
    const { request, octokit } = gh(ctx);
    const { owner: o, repo: r, pull_number, draft, ...changes } = input;
    const fields = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    let p: Obj;
    if (Object.keys(fields).length > 0 || draft === undefined) {
      p = (
        await request("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", {
          owner: o,
          repo: r,
          pull_number,
          ...fields,
        })
      ).data as unknown as Obj;
    } else {
      p = (await request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: o, repo: r, pull_number }))
        .data as Obj;
    }
    if (draft !== undefined && draft !== (p["draft"] === true)) {
      // REST cannot change draft state; GraphQL can.
      const mutation = draft ? "convertPullRequestToDraft" : "markPullRequestReadyForReview";
      await octokit.graphql(
        `mutation($id: ID!) { ${mutation}(input: { pullRequestId: $id }) { pullRequest { isDraft } } }`,
        { id: p["node_id"], request: { signal: ctx.signal } },
      );
      p = { ...p, draft };
    }
    const { body: _b, ...view } = pullView(p, 0, "");
    return view;
  },
});

export const mergePullRequest = ghTool({
  name: "merge_pull_request",
  title: "Merge a pull request",
  description:
    "Merge a pull request (merge, squash or rebase). Pass sha = the head sha you reviewed so a newer push is never merged unseen (conflict otherwise).",
  input: z.object({
    owner,
    repo,
    pull_number: pullNumber,
    merge_method: z.enum(["merge", "squash", "rebase"]).default("merge").describe("How to merge."),
    sha: z.string().length(40).optional().describe("Expected head sha; the merge fails if the head moved."),
    commit_title: z.string().max(256).optional().describe("Title of the merge/squash commit."),
    commit_message: z.string().max(65536).optional().describe("Extra detail for the merge/squash commit."),
  }),
  output: z.object({
    merged: z.boolean().describe("Whether GitHub merged it."),
    sha: z.string().describe("The merge (or squash / last rebased) commit on the base branch."),
    message: z.string().describe("GitHub's message."),
  }),
  annotations: REMOTE_DESTRUCTIVE,
  async handler(input, ctx) {
    const res = await gh(ctx).request("PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge", input);
    return { merged: res.data.merged, sha: res.data.sha, message: res.data.message };
  },
});

export const listPullRequestReviews = ghTool({
  name: "list_pull_request_reviews",
  title: "List pull request reviews",
  description:
    "The reviews of a pull request: reviewer, state (APPROVED, CHANGES_REQUESTED, COMMENTED), body, commit.",
  input: z.object({ owner, repo, pull_number: pullNumber, page, per_page: perPage(30) }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await gh(ctx).request("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", input);
    return {
      reviews: res.data.map((r) =>
        compact({
          id: r.id,
          reviewer: r.user?.login ?? null,
          state: r.state,
          body: r.body || null,
          commit_id: r.commit_id,
          submitted_at: r.submitted_at ?? null,
        }),
      ),
      page: input.page,
      next_page: nextPage(res.headers.link),
    };
  },
});

export const createPullRequestReview = ghTool({
  name: "create_pull_request_review",
  title: "Review a pull request",
  description:
    "Submit a review: APPROVE, REQUEST_CHANGES or COMMENT, with a body and optional line comments (path + line of the new file, or side LEFT for the old one).",
  input: z.object({
    owner,
    repo,
    pull_number: pullNumber,
    event: z.enum(["APPROVE", "REQUEST_CHANGES", "COMMENT"]).describe("Review verdict."),
    body: z
      .string()
      .max(65536)
      .optional()
      .describe("Review summary (required for REQUEST_CHANGES and COMMENT without line comments)."),
    commit_id: z.string().length(40).optional().describe("Commit reviewed (default: the current head)."),
    comments: z
      .array(
        z.object({
          path: z.string().min(1).describe("File path in the pull request."),
          line: z.number().int().min(1).describe("Line number in the file."),
          side: z
            .enum(["LEFT", "RIGHT"])
            .default("RIGHT")
            .describe("RIGHT = new version, LEFT = old version."),
          body: z.string().min(1).describe("Comment text."),
        }),
      )
      .max(100)
      .default([])
      .describe("Line comments."),
  }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const res = await gh(ctx).request("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
      owner: input.owner,
      repo: input.repo,
      pull_number: input.pull_number,
      event: input.event,
      body: input.body,
      commit_id: input.commit_id,
      comments: input.comments.length > 0 ? input.comments : undefined,
    });
    return {
      id: res.data.id,
      state: res.data.state,
      url: res.data.html_url,
      line_comments: input.comments.length,
    };
  },
});

export const requestReviewers = ghTool({
  name: "request_reviewers",
  title: "Request reviewers",
  description: "Ask users (and/or teams) to review a pull request.",
  input: z.object({
    owner,
    repo,
    pull_number: pullNumber,
    reviewers: z.array(z.string().min(1)).max(15).default([]).describe("Logins."),
    team_reviewers: z.array(z.string().min(1)).max(15).default([]).describe("Team slugs."),
  }),
  annotations: REMOTE_UPDATE,
  async handler(input, ctx) {
    const res = await gh(ctx).request(
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
      input,
    );
    return {
      requested_reviewers: res.data.requested_reviewers?.map((u) => u.login) ?? [],
      requested_teams: res.data.requested_teams?.map((t) => t.slug) ?? [],
    };
  },
});

export const updatePullRequestBranch = ghTool({
  name: "update_pull_request_branch",
  title: "Update a pull request branch",
  description:
    "Merge the base branch into the pull request's head branch (GitHub's 'Update branch'). Pass expected_head_sha to be safe.",
  input: z.object({
    owner,
    repo,
    pull_number: pullNumber,
    expected_head_sha: z
      .string()
      .length(40)
      .optional()
      .describe("Fail unless the head is still at this sha."),
  }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const res = await gh(ctx).request("PUT /repos/{owner}/{repo}/pulls/{pull_number}/update-branch", input);
    return { message: res.data.message, url: res.data.url };
  },
});

export const pullTools = [
  listPullRequests,
  getPullRequest,
  getPullRequestFiles,
  getPullRequestDiff,
  createPullRequest,
  updatePullRequest,
  mergePullRequest,
  listPullRequestReviews,
  createPullRequestReview,
  requestReviewers,
  updatePullRequestBranch,
];
