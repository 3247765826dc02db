/**
 * Plain GitHub operations over the process's one client: each takes the client (`GithubDeps`) and an
 * AbortSignal, speaks the REST API through the client's throttling, retries, breaker and ETag cache, and
 * throws ToolErrors. The github tools are thin shells over these (input schema, views, resource
 * notifications); code that is not a tool can call them too, with the same behaviour.
 */
import { conflictError, ToolError } from "../core/errors.js";
import { type GithubDeps, withSignal } from "./deps.js";

export interface RepoRef {
  owner: string;
  repo: string;
}

/** The commit sha a ref (branch, tag, sha or HEAD) points at, read past the cache. */
export async function commitSha(
  client: GithubDeps,
  ref: RepoRef,
  commitish: string,
  signal: AbortSignal,
): Promise<string> {
  const res = await withSignal(client, signal).request("GET /repos/{owner}/{repo}/commits/{ref}", {
    ...ref,
    ref: commitish,
    headers: { accept: "application/vnd.github.sha" },
    request: { noCache: true },
  });
  return String(res.data as unknown).trim();
}

/** Creates `branch` at `fromRef` (default: the default branch's head); a `conflict` when it exists. */
export async function createBranch(
  client: GithubDeps,
  ref: RepoRef,
  branch: string,
  fromRef: string | undefined,
  signal: AbortSignal,
): Promise<{ branch: string; sha: string }> {
  const sha = await commitSha(client, ref, fromRef ?? "HEAD", signal);
  const res = await withSignal(client, signal).request("POST /repos/{owner}/{repo}/git/refs", {
    ...ref,
    ref: `refs/heads/${branch}`,
    sha,
  });
  return { branch, sha: res.data.object.sha };
}

export interface PushFile {
  path: string;
  content: string;
  encoding: "utf-8" | "base64";
  mode: "100644" | "100755" | "120000";
}

export interface PushRequest extends RepoRef {
  branch: string;
  message: string;
  files: readonly PushFile[];
  deletions: readonly string[];
  /** Push only if the branch is still at this commit. */
  expectedHeadSha?: string;
}

export interface Pushed {
  commitSha: string;
  parentSha: string;
  treeSha: string;
  url: string;
}

/**
 * Commits files and deletions to a branch as one commit (git data API: blobs, tree, commit, ref update).
 * Never forces: when the branch is not at `expectedHeadSha`, or moved while the commit was built, nothing
 * is pushed and the error is a `conflict`.
 */
export async function pushFiles(
  client: GithubDeps,
  push: PushRequest,
  signal: AbortSignal,
  progress: (step: number, total: number, message: string) => Promise<void> = async () => {},
): Promise<Pushed> {
  const { request } = withSignal(client, signal);
  const ref = { owner: push.owner, repo: push.repo };
  // One request gives both the head commit and its tree.
  const branch = (
    await request("GET /repos/{owner}/{repo}/branches/{branch}", {
      ...ref,
      branch: push.branch,
      request: { noCache: true },
    })
  ).data;
  const head = branch.commit.sha;
  const baseTree = branch.commit.commit.tree.sha;
  if (push.expectedHeadSha && push.expectedHeadSha !== head) {
    throw conflictError(
      `branch ${push.branch} is at ${head}, not ${push.expectedHeadSha}; nothing was pushed`,
      {
        head_sha: head,
      },
    );
  }
  await progress(1, 4, "building tree");
  const tree: {
    path: string;
    mode: PushFile["mode"];
    type: "blob";
    sha?: string | null;
    content?: string;
  }[] = [];
  for (const f of push.files) {
    if (f.encoding === "base64") {
      const blob = await request("POST /repos/{owner}/{repo}/git/blobs", {
        ...ref,
        content: f.content,
        encoding: "base64",
      });
      tree.push({ path: f.path, mode: f.mode, type: "blob", sha: blob.data.sha });
    } else tree.push({ path: f.path, mode: f.mode, type: "blob", content: f.content });
  }
  for (const p of push.deletions) tree.push({ path: p, mode: "100644", type: "blob", sha: null });
  const newTree = await request("POST /repos/{owner}/{repo}/git/trees", {
    ...ref,
    base_tree: baseTree,
    tree,
  });
  await progress(2, 4, "creating commit");
  const commit = await request("POST /repos/{owner}/{repo}/git/commits", {
    ...ref,
    message: push.message,
    tree: newTree.data.sha,
    parents: [head],
  });
  await progress(3, 4, "updating branch");
  try {
    await request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", {
      ...ref,
      ref: `heads/${push.branch}`,
      sha: commit.data.sha,
      force: false,
    });
  } catch (err) {
    if (err instanceof ToolError && err.type === "conflict") {
      throw conflictError(
        `branch ${push.branch} moved since ${head.slice(0, 7)} (not a fast-forward); nothing was pushed: read the branch again and retry`,
        { head_sha_seen: head },
      );
    }
    throw err;
  }
  return {
    commitSha: commit.data.sha,
    parentSha: head,
    treeSha: newTree.data.sha,
    url: commit.data.html_url,
  };
}

export interface PullRequestRequest extends RepoRef {
  title: string;
  /** 'branch', or 'owner:branch' for a branch of a fork. */
  head: string;
  base: string;
  body?: string;
  draft?: boolean;
  maintainer_can_modify?: boolean;
}

/** Opens a pull request; GitHub's answer (the pull request object) as it came. */
export async function openPullRequest(
  client: GithubDeps,
  pr: PullRequestRequest,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const res = await withSignal(client, signal).request("POST /repos/{owner}/{repo}/pulls", { ...pr });
  return res.data as unknown as Record<string, unknown>;
}

/**
 * The whole log of one Actions job. GitHub answers the logs endpoint with a redirect to a short-lived
 * download URL, which is fetched with the client's own fetch (the same network edges as the API calls).
 */
export async function downloadJobLog(
  client: GithubDeps,
  ref: RepoRef,
  jobId: number,
  signal: AbortSignal,
): Promise<string> {
  const res = await withSignal(client, signal).request(
    "GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs",
    {
      ...ref,
      job_id: jobId,
      request: { redirect: "manual", noCache: true },
    },
  );
  const location = (res.headers as Record<string, string | undefined>)["location"];
  if (res.status >= 300 && res.status < 400 && location) {
    const dl = await client.fetch(location, { signal }).catch((err: unknown) => {
      if (signal.aborted) throw err;
      throw new ToolError(
        "upstream",
        `downloading the log of job ${jobId} failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    });
    if (!dl.ok) {
      throw new ToolError("upstream", `downloading the log of job ${jobId} failed: HTTP ${dl.status}`, {
        statusCode: dl.status,
      });
    }
    return dl.text();
  }
  return typeof res.data === "string" ? res.data : String(res.data ?? "");
}
