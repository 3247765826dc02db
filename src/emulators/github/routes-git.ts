/**
 * Repositories, branches, the git data API (blobs, trees, commits, refs), contents, commits, compare and
 * code/repository search, all answered from the real bare repository.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EmuEnv, RepoHandle } from "./env.js";
import {
  buildTree,
  commitTree,
  countCommits,
  deleteRef,
  diffFiles,
  emptyTree,
  git,
  gitRaw,
  initBare,
  listRefs,
  logCommits,
  lsTree,
  mergeBase,
  objectType,
  readBlob,
  readCommit,
  resolve,
  type TreeChange,
  unifiedDiff,
  updateRef,
  writeBlob,
} from "./git.js";
import {
  type EmuRequest,
  type EmuResponse,
  HttpError,
  invalid,
  notFound,
  paginate,
  type Router,
  str,
} from "./http.js";
import {
  commitPayload,
  contentEntryPayload,
  diffEntryPayload,
  fullRepoPayload,
  gitCommitPayload,
  type Json,
  minimalRepoPayload,
  repoUrls,
} from "./payloads.js";
import { collaboratorRole } from "./routes-collaborators.js";
import { newRepoRec, now, REPO_ROLES, type RepoRec, type RepoRole } from "./state.js";

const SHA_RE = /^[0-9a-f]{40}$/;

export function wantsDiff(req: EmuRequest): boolean {
  return /application\/vnd\.github(\.v3)?\.diff/.test(String(req.headers["accept"] ?? ""));
}

export function diffResponse(text: string): EmuResponse {
  return { status: 200, text, contentType: "application/vnd.github.diff; charset=utf-8" };
}

export function base64Wrapped(buf: Buffer): string {
  const b64 = buf.toString("base64");
  return `${b64.replace(/(.{60})/g, "$1\n")}\n`;
}

export function refPayload(h: RepoHandle, ref: string, sha: string): Json {
  const { api } = repoUrls(h.ctx.urls, h.rec);
  return {
    ref,
    node_id: Buffer.from(`Ref:${ref}`).toString("base64"),
    url: `${api}/git/${ref}`,
    object: { type: "commit", sha, url: `${api}/git/commits/${sha}` },
  };
}

async function repoPayload(env: EmuEnv, h: RepoHandle, login?: string): Promise<Json> {
  const tip = await resolve(h.gitDir, `refs/heads/${h.rec.default_branch}`);
  const info = tip ? await readCommit(h.gitDir, tip) : null;
  const payload = fullRepoPayload(
    h.ctx.urls,
    h.rec,
    env.state.user(h.rec.owner),
    info?.committer.date ?? h.rec.created_at,
    1,
  );
  const rec = h.rec;
  const forks = env.state.data.repos.filter((r) => r.fork_of === `${rec.owner}/${rec.name}`.toLowerCase());
  const out: Json = { ...payload, forks: forks.length, forks_count: forks.length };
  if (login !== undefined) {
    // What the caller may do here, as GitHub reports it to an authenticated caller.
    const role = collaboratorRole(env, rec, login) ?? (rec.private ? null : "read");
    const at = (r: RepoRole) => role !== null && REPO_ROLES.indexOf(role) >= REPO_ROLES.indexOf(r);
    out["permissions"] = {
      admin: at("admin"),
      maintain: at("maintain"),
      push: at("write"),
      triage: at("triage"),
      pull: at("read"),
    };
  }
  const parent = rec.fork_of ? env.state.repo(...(rec.fork_of.split("/") as [string, string])) : undefined;
  if (parent) {
    const parentPayload = fullRepoPayload(
      h.ctx.urls,
      parent,
      env.state.user(parent.owner),
      parent.updated_at,
      1,
    );
    Object.assign(out, { fork: true, parent: parentPayload, source: parentPayload });
  }
  return out;
}

/**
 * POST /repos/{owner}/{repo}/forks: a copy of the repository's branches under the caller (or
 * `organization`), sharing its objects as GitHub's fork network does (git alternates), so a commit of
 * the parent can be named in the fork and the fork's commits can be read from the parent's pull
 * requests. Asking again for a fork that exists answers it (GitHub does too).
 */
async function createFork(env: EmuEnv, req: EmuRequest) {
  const h = env.repo(req);
  const owner = str(req.body, "organization") ?? req.login;
  const name = str(req.body, "name") ?? h.rec.name;
  const parentName = `${h.rec.owner}/${h.rec.name}`.toLowerCase();
  const existing = env.state.repo(owner, name);
  if (existing) {
    if (existing.fork_of !== parentName) throw invalid("Repository", "name", "already_exists");
  } else {
    const t = now();
    const rec = newRepoRec({
      id: env.state.nextId(),
      owner,
      name,
      description: h.rec.description,
      private: h.rec.private,
      default_branch: h.rec.default_branch,
      topics: [...h.rec.topics],
      language: h.rec.language,
      created_at: now(),
      fork_of: parentName,
    });
    env.state.user(owner);
    const gitDir = env.state.gitDir(owner, name);
    await initBare(gitDir, rec.default_branch);
    await mkdir(join(gitDir, "objects", "info"), { recursive: true });
    await writeFile(join(gitDir, "objects", "info", "alternates"), `${join(h.gitDir, "objects")}\n`);
    const onlyDefault = req.body["default_branch_only"] === true;
    await git(gitDir, [
      "fetch",
      "--quiet",
      "--no-tags",
      h.gitDir,
      onlyDefault
        ? `+refs/heads/${rec.default_branch}:refs/heads/${rec.default_branch}`
        : "+refs/heads/*:refs/heads/*",
    ]);
    env.state.data.repos.push(rec);
    env.touch(rec);
  }
  const fork = env.repo({ ...req, params: { owner, repo: name } });
  return { status: 202, body: await repoPayload(env, fork, req.login) };
}

/** A branch, tag or sha as a commit sha; 404 with GitHub's message when it does not resolve. */
export async function commitOf(h: RepoHandle, ref: string): Promise<string> {
  const sha = await resolve(h.gitDir, ref.startsWith("refs/") || SHA_RE.test(ref) ? ref : `${ref}`, "commit");
  if (!sha) throw new HttpError(404, `No commit found for the ref ${ref}`);
  return sha;
}

export async function commitChange(
  env: EmuEnv,
  h: RepoHandle,
  branch: string,
  changes: TreeChange[],
  message: string,
  login: string,
): Promise<{ commit: string; parent: string | null }> {
  const ref = `refs/heads/${branch}`;
  const parent = await resolve(h.gitDir, ref, "commit");
  const baseTree = parent ? await resolve(h.gitDir, parent, "tree") : null;
  const tree = await buildTree(h.gitDir, baseTree, changes);
  const who = env.identity(login);
  const commit = await commitTree(h.gitDir, tree, parent ? [parent] : [], message, who, who);
  if (!(await updateRef(h.gitDir, ref, commit, parent)))
    throw new HttpError(409, `${branch} was updated meanwhile`);
  env.pushed(h.rec, branch, commit, login);
  env.touch(h.rec);
  return { commit, parent };
}

async function contentsGet(env: EmuEnv, req: EmuRequest): Promise<EmuResponse> {
  const h = env.repo(req);
  const path = (req.params["path"] ?? "").replace(/^\/+|\/+$/g, "");
  const refName = req.query.get("ref") ?? h.rec.default_branch;
  const commit = await resolve(h.gitDir, refName, "commit");
  if (!commit) throw new HttpError(404, `No commit found for the ref ${refName}`);
  const { urls } = h.ctx;
  const listDir = async (treeish: string, prefix: string) => {
    const entries = await lsTree(h.gitDir, treeish);
    return entries.map((e) =>
      contentEntryPayload(urls, h.rec, refName, {
        type:
          e.type === "tree"
            ? "dir"
            : e.type === "commit"
              ? "submodule"
              : e.mode === "120000"
                ? "symlink"
                : "file",
        path: prefix ? `${prefix}/${e.path}` : e.path,
        sha: e.sha,
        size: e.size ?? 0,
      }),
    );
  };
  if (!path) return { status: 200, body: await listDir(commit, "") };
  const [entry] = await lsTree(h.gitDir, commit, { path });
  if (!entry || entry.path !== path) throw notFound();
  if (entry.type === "tree") return { status: 200, body: await listDir(`${commit}:${path}`, path) };
  const content = await readBlob(h.gitDir, entry.sha);
  if (/application\/vnd\.github(\.v3)?\.raw/.test(String(req.headers["accept"] ?? ""))) {
    return {
      status: 200,
      text: content.toString("utf8"),
      contentType: "application/vnd.github.raw; charset=utf-8",
    };
  }
  return {
    status: 200,
    body: {
      ...contentEntryPayload(urls, h.rec, refName, {
        type: "file",
        path,
        sha: entry.sha,
        size: content.length,
      }),
      // Like GitHub: files over 1 MB come without content (encoding "none"); the raw media type still works.
      content: content.length > 1024 * 1024 ? "" : base64Wrapped(content),
      encoding: content.length > 1024 * 1024 ? "none" : "base64",
    },
  };
}

async function contentsWrite(env: EmuEnv, req: EmuRequest, del: boolean): Promise<EmuResponse> {
  const h = env.repo(req);
  const path = (req.params["path"] ?? "").replace(/^\/+|\/+$/g, "");
  const message = str(req.body, "message");
  if (!message) throw invalid("Commit", "message", "missing_field");
  const branch = str(req.body, "branch") ?? h.rec.default_branch;
  const tip = await resolve(h.gitDir, `refs/heads/${branch}`, "commit");
  if (!tip && (del || branch !== h.rec.default_branch))
    throw new HttpError(404, `Branch ${branch} not found`);
  const [existing] = tip ? await lsTree(h.gitDir, tip, { path }) : [];
  const current = existing && existing.path === path && existing.type === "blob" ? existing.sha : null;
  const given = str(req.body, "sha");
  if (del) {
    if (!current) throw notFound();
    if (!given) throw invalid("Commit", "sha", "missing_field");
    if (given !== current) throw new HttpError(409, `${path} does not match ${given}`);
  } else if (current && !given) {
    throw new HttpError(422, `Invalid request.\n\n"sha" wasn't supplied.`);
  } else if (current && given !== current) {
    throw new HttpError(409, `${path} does not match ${given}`);
  }
  let content: Buffer | undefined;
  if (!del) {
    const b64 = str(req.body, "content");
    if (b64 === undefined) throw invalid("Commit", "content", "missing_field");
    content = Buffer.from(b64, "base64");
  }
  const { commit } = await commitChange(
    env,
    h,
    branch,
    [{ path, sha: del ? null : undefined, content }],
    message,
    req.login,
  );
  const info = (await readCommit(h.gitDir, commit))!;
  const [entry] = del ? [] : await lsTree(h.gitDir, commit, { path });
  return {
    status: del ? 200 : current ? 200 : 201,
    body: {
      content: entry
        ? contentEntryPayload(h.ctx.urls, h.rec, branch, {
            type: "file",
            path,
            sha: entry.sha,
            size: entry.size ?? 0,
          })
        : null,
      commit: gitCommitPayload(h.ctx.urls, h.rec, info),
    },
  };
}

async function compare(env: EmuEnv, req: EmuRequest): Promise<EmuResponse> {
  const h = env.repo(req);
  const spec = req.params["basehead"] ?? "";
  const m = /^(.+?)\.\.\.?(.+)$/.exec(spec);
  if (!m) throw notFound();
  const base = await commitOf(h, m[1]!);
  const head = await commitOf(h, m[2]!);
  const mb = (await mergeBase(h.gitDir, base, head)) ?? base;
  if (wantsDiff(req)) return diffResponse(await unifiedDiff(h.gitDir, mb, head));
  const ahead = await countCommits(h.gitDir, [`${base}..${head}`]);
  const behind = await countCommits(h.gitDir, [`${head}..${base}`]);
  const status =
    ahead === 0 && behind === 0 ? "identical" : behind === 0 ? "ahead" : ahead === 0 ? "behind" : "diverged";
  const commits = await logCommits(h.gitDir, [`${base}..${head}`], { reverse: true, max: 250 });
  const files = await diffFiles(h.gitDir, mb, head);
  const { api, web } = repoUrls(h.ctx.urls, h.rec);
  return {
    status: 200,
    body: {
      url: `${api}/compare/${spec}`,
      html_url: `${web}/compare/${spec}`,
      permalink_url: `${web}/compare/${h.rec.owner}:${base.slice(0, 7)}...${h.rec.owner}:${head.slice(0, 7)}`,
      diff_url: `${web}/compare/${spec}.diff`,
      patch_url: `${web}/compare/${spec}.patch`,
      base_commit: commitPayload(h.ctx, (await readCommit(h.gitDir, base))!),
      merge_base_commit: commitPayload(h.ctx, (await readCommit(h.gitDir, mb))!),
      status,
      ahead_by: ahead,
      behind_by: behind,
      total_commits: ahead,
      commits: commits.map((c) => commitPayload(h.ctx, c)),
      files: files.slice(0, 300).map((f) => diffEntryPayload(h.ctx.urls, h.rec, head, f)),
    },
  };
}

function treeEntryPayload(
  h: RepoHandle,
  e: { mode: string; type: string; sha: string; path: string; size?: number },
): Json {
  const { api } = repoUrls(h.ctx.urls, h.rec);
  return {
    path: e.path,
    mode: e.mode,
    type: e.type,
    sha: e.sha,
    ...(e.size !== undefined ? { size: e.size } : {}),
    url: `${api}/git/${e.type === "tree" ? "trees" : "blobs"}/${e.sha}`,
  };
}

async function treePayload(h: RepoHandle, sha: string, recursive: boolean): Promise<Json> {
  const { api } = repoUrls(h.ctx.urls, h.rec);
  const entries = await lsTree(h.gitDir, sha, { recursive });
  return {
    sha,
    url: `${api}/git/trees/${sha}`,
    tree: entries.map((e) => treeEntryPayload(h, e)),
    truncated: false,
  };
}

export function parseQuery(q: string): { terms: string[]; quals: Map<string, string[]> } {
  const terms: string[] = [];
  const quals = new Map<string, string[]>();
  const re = /(-?[a-zA-Z_]+):("[^"]*"|\S+)|"([^"]*)"|(\S+)/g;
  for (let m = re.exec(q); m; m = re.exec(q)) {
    if (m[1]) {
      const v = m[2]!.replace(/^"|"$/g, "");
      const k = m[1].toLowerCase();
      quals.set(k, [...(quals.get(k) ?? []), v]);
    } else terms.push((m[3] ?? m[4])!);
  }
  return { terms, quals };
}

export function reposFor(env: EmuEnv, quals: Map<string, string[]>): RepoRec[] {
  const wanted = quals.get("repo");
  const owners = [...(quals.get("user") ?? []), ...(quals.get("org") ?? [])].map((o) => o.toLowerCase());
  return env.state.data.repos.filter((r) => {
    if (wanted && !wanted.some((w) => w.toLowerCase() === `${r.owner}/${r.name}`.toLowerCase())) return false;
    if (owners.length > 0 && !owners.includes(r.owner.toLowerCase())) return false;
    return true;
  });
}

const EXT_LANG: Record<string, string> = {
  ts: "TypeScript",
  js: "JavaScript",
  py: "Python",
  go: "Go",
  md: "Markdown",
  json: "JSON",
  rs: "Rust",
};

async function searchCode(env: EmuEnv, req: EmuRequest): Promise<EmuResponse> {
  const q = req.query.get("q") ?? "";
  // GitHub refuses control characters in a query with 422; git would choke on a NUL in an argument.
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(q)) throw invalid("Search", "q", "invalid");
  const { terms, quals } = parseQuery(q);
  if (terms.length === 0 && !quals.has("filename")) throw invalid("Search", "q", "missing");
  const items: Json[] = [];
  for (const r of reposFor(env, quals)) {
    const gitDir = env.state.gitDir(r.owner, r.name);
    const tip = await resolve(gitDir, `refs/heads/${r.default_branch}`, "commit");
    if (!tip) continue;
    let paths: string[];
    if (terms.length > 0) {
      const args = ["grep", "-l", "-I", "-i", "-F"];
      for (const t of terms) args.push("--all-match", "-e", t);
      args.push(tip);
      const out = await gitRaw(gitDir, args);
      paths = out.stdout
        .toString("utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => l.slice(tip.length + 1));
    } else {
      paths = (await lsTree(gitDir, tip, { recursive: true }))
        .filter((e) => e.type === "blob")
        .map((e) => e.path);
    }
    const entries = new Map((await lsTree(gitDir, tip, { recursive: true })).map((e) => [e.path, e]));
    const ctx = env.ctx(req.urls, r);
    for (const p of paths) {
      const ext = p.split(".").pop() ?? "";
      const name = p.split("/").pop() ?? p;
      if (quals.get("path")?.some((x) => !p.startsWith(x.replace(/^\//, ""))) ?? false) continue;
      if (quals.get("extension")?.some((x) => x !== ext) ?? false) continue;
      if (quals.get("filename")?.some((x) => x !== name) ?? false) continue;
      if (
        quals.get("language")?.some((x) => (EXT_LANG[ext] ?? "").toLowerCase() !== x.toLowerCase()) ??
        false
      )
        continue;
      const e = entries.get(p);
      const { api, web } = repoUrls(req.urls, r);
      items.push({
        name,
        path: p,
        sha: e?.sha ?? "",
        url: `${api}/contents/${p}?ref=${tip}`,
        git_url: `${api}/git/blobs/${e?.sha ?? ""}`,
        html_url: `${web}/blob/${tip}/${p}`,
        repository: minimalRepoPayload(req.urls, r, ctx.user(r.owner)),
        score: 1,
      });
    }
  }
  return paginate(req, items, (page) => ({
    total_count: items.length,
    incomplete_results: false,
    items: page,
  }));
}

async function searchRepos(env: EmuEnv, req: EmuRequest): Promise<EmuResponse> {
  const { terms, quals } = parseQuery(req.query.get("q") ?? "");
  const items: Json[] = [];
  for (const r of reposFor(env, quals)) {
    const hay = `${r.owner}/${r.name} ${r.description ?? ""}`.toLowerCase();
    if (!terms.every((t) => hay.includes(t.toLowerCase()))) continue;
    if (quals.get("topic")?.some((t) => !r.topics.includes(t)) ?? false) continue;
    if (quals.get("language")?.some((l) => (r.language ?? "").toLowerCase() !== l.toLowerCase()) ?? false)
      continue;
    const payload = fullRepoPayload(req.urls, r, env.state.user(r.owner), r.updated_at, 1);
    items.push({ ...payload, master_branch: r.default_branch, score: 1 });
  }
  return paginate(req, items, (page) => ({
    total_count: items.length,
    incomplete_results: false,
    items: page,
  }));
}

export function registerGitRoutes(router: Router, env: EmuEnv): void {
  const R = "/repos/:owner/:repo";

  router.on("GET", R, async (req) => ({
    status: 200,
    body: await repoPayload(env, env.repo(req), req.login),
  }));
  router.on("POST", `${R}/forks`, (req) => createFork(env, req));

  router.on("GET", `${R}/branches`, async (req) => {
    const h = env.repo(req);
    const { api } = repoUrls(req.urls, h.rec);
    const refs = await listRefs(h.gitDir, "refs/heads/");
    const items = refs.map((r) => ({
      name: r.ref.slice("refs/heads/".length),
      commit: { sha: r.sha, url: `${api}/commits/${r.sha}` },
      protected: false,
    }));
    return paginate(req, items);
  });

  router.on("GET", `${R}/branches/*branch`, async (req) => {
    const h = env.repo(req);
    const name = req.params["branch"]!;
    // One git call: the branch's commit, or nothing when there is no such branch.
    const commit = name.startsWith("-") ? null : await readCommit(h.gitDir, `refs/heads/${name}`);
    if (!commit) throw new HttpError(404, "Branch not found");
    const { api, web } = repoUrls(req.urls, h.rec);
    return {
      status: 200,
      body: {
        name,
        commit: commitPayload(h.ctx, commit),
        _links: { self: `${api}/branches/${name}`, html: `${web}/tree/${name}` },
        protected: false,
        protection: {
          enabled: false,
          required_status_checks: { enforcement_level: "off", contexts: [], checks: [] },
        },
        protection_url: `${api}/branches/${name}/protection`,
      },
    };
  });

  // --- refs
  router.on("GET", `${R}/git/ref/*ref`, async (req) => {
    const h = env.repo(req);
    const ref = `refs/${req.params["ref"]}`;
    const sha = await resolve(h.gitDir, ref);
    if (!sha || !(await listRefs(h.gitDir, ref)).some((r) => r.ref === ref)) throw notFound();
    return { status: 200, body: refPayload(h, ref, sha) };
  });

  // The older plural form: one ref when the name is exact, else every ref it prefixes.
  router.on("GET", `${R}/git/refs/*ref`, async (req) => {
    const h = env.repo(req);
    const prefix = `refs/${req.params["ref"]}`;
    const all = await listRefs(h.gitDir, "refs/");
    const exact = all.find((r) => r.ref === prefix);
    if (exact) return { status: 200, body: refPayload(h, exact.ref, exact.sha) };
    const matching = all.filter((r) => r.ref.startsWith(`${prefix}/`));
    if (matching.length === 0) throw notFound();
    return { status: 200, body: matching.map((r) => refPayload(h, r.ref, r.sha)) };
  });

  router.on("GET", `${R}/git/matching-refs/*ref`, async (req) => {
    const h = env.repo(req);
    const prefix = `refs/${req.params["ref"]}`;
    const all = await listRefs(h.gitDir, "refs/");
    return {
      status: 200,
      body: all.filter((r) => r.ref.startsWith(prefix)).map((r) => refPayload(h, r.ref, r.sha)),
    };
  });

  router.on("POST", `${R}/git/refs`, async (req) => {
    const h = env.repo(req);
    const ref = str(req.body, "ref") ?? "";
    const sha = str(req.body, "sha") ?? "";
    if (!/^refs\/[^/]+\/.+/.test(ref))
      throw new HttpError(422, "ref must start with 'refs' and have at least two slashes.");
    if ((await objectType(h.gitDir, sha)) !== "commit") throw new HttpError(422, "Object does not exist");
    if (!(await updateRef(h.gitDir, ref, sha, null))) throw new HttpError(422, "Reference already exists");
    env.touch(h.rec);
    return { status: 201, body: refPayload(h, ref, sha) };
  });

  router.on("PATCH", `${R}/git/refs/*ref`, async (req) => {
    const h = env.repo(req);
    const ref = `refs/${req.params["ref"]}`;
    const sha = str(req.body, "sha") ?? "";
    const current = await resolve(h.gitDir, ref);
    if (!current) throw new HttpError(422, "Reference does not exist");
    if (!/^[0-9a-f]{40}$/.test(sha)) throw new HttpError(422, "Object does not exist");
    if (req.body["force"] === true) {
      if ((await objectType(h.gitDir, sha)) !== "commit") throw new HttpError(422, "Object does not exist");
    } else {
      // One git call tells both: 0 = a commit that fast-forwards, 1 = not a fast-forward, else no commit.
      const code = (await gitRaw(h.gitDir, ["merge-base", "--is-ancestor", current, sha])).code;
      if (code === 1) throw new HttpError(422, "Update is not a fast forward");
      if (code !== 0) throw new HttpError(422, "Object does not exist");
    }
    if (!(await updateRef(h.gitDir, ref, sha, current)))
      throw new HttpError(422, "Update is not a fast forward");
    if (ref.startsWith("refs/heads/")) env.pushed(h.rec, ref.slice("refs/heads/".length), sha, req.login);
    env.touch(h.rec);
    return { status: 200, body: refPayload(h, ref, sha) };
  });

  router.on("DELETE", `${R}/git/refs/*ref`, async (req) => {
    const h = env.repo(req);
    const ref = `refs/${req.params["ref"]}`;
    if (!(await resolve(h.gitDir, ref))) throw new HttpError(422, "Reference does not exist");
    await deleteRef(h.gitDir, ref);
    env.touch(h.rec);
    return { status: 204 };
  });

  // --- blobs, trees, commits
  router.on("POST", `${R}/git/blobs`, async (req) => {
    const h = env.repo(req);
    const content = str(req.body, "content");
    if (content === undefined) throw invalid("Blob", "content", "missing_field");
    const enc = str(req.body, "encoding") ?? "utf-8";
    const sha = await writeBlob(h.gitDir, Buffer.from(content, enc === "base64" ? "base64" : "utf8"));
    return { status: 201, body: { sha, url: `${repoUrls(req.urls, h.rec).api}/git/blobs/${sha}` } };
  });

  router.on("GET", `${R}/git/blobs/:sha`, async (req) => {
    const h = env.repo(req);
    const sha = req.params["sha"]!;
    if ((await objectType(h.gitDir, sha)) !== "blob") throw notFound();
    const content = await readBlob(h.gitDir, sha);
    return {
      status: 200,
      body: {
        sha,
        node_id: Buffer.from(`Blob:${sha}`).toString("base64"),
        size: content.length,
        url: `${repoUrls(req.urls, h.rec).api}/git/blobs/${sha}`,
        content: base64Wrapped(content),
        encoding: "base64",
      },
    };
  });

  router.on("POST", `${R}/git/trees`, async (req) => {
    const h = env.repo(req);
    const entries = req.body["tree"];
    if (!Array.isArray(entries)) throw invalid("Tree", "tree", "missing_field");
    const baseName = str(req.body, "base_tree");
    let baseTree: string | null = null;
    if (baseName) {
      baseTree = await resolve(h.gitDir, baseName, "tree");
      if (!baseTree)
        throw new HttpError(422, "Invalid tree info", [
          { resource: "Tree", field: "base_tree", code: "invalid" },
        ]);
    }
    const changes: TreeChange[] = [];
    for (const [i, raw] of entries.entries()) {
      const e = raw as Record<string, unknown>;
      const path = typeof e["path"] === "string" ? e["path"] : "";
      if (
        !path ||
        path.startsWith("/") ||
        /[\u0000-\u001f]/.test(path) ||
        path.split("/").some((s) => s === "" || s === "." || s === "..")
      ) {
        throw new HttpError(422, `tree.path contains a malformed path component`, [
          { resource: "Tree", field: `tree[${i}].path`, code: "invalid" },
        ]);
      }
      const mode = typeof e["mode"] === "string" ? e["mode"] : "100644";
      if (e["sha"] === null) changes.push({ path, sha: null });
      else if (typeof e["content"] === "string")
        changes.push({ path, mode, content: Buffer.from(e["content"], "utf8") });
      else if (typeof e["sha"] === "string") {
        if (!(await objectType(h.gitDir, e["sha"]))) {
          throw new HttpError(422, `tree.sha ${e["sha"]} is not a valid blob`);
        }
        changes.push({ path, mode, sha: e["sha"] });
      } else throw new HttpError(422, "Must supply either tree.sha or tree.content");
    }
    const sha = await buildTree(h.gitDir, baseTree, changes);
    return { status: 201, body: await treePayload(h, sha, false) };
  });

  router.on("GET", `${R}/git/trees/*sha`, async (req) => {
    const h = env.repo(req);
    const sha = await resolve(h.gitDir, req.params["sha"]!, "tree");
    if (!sha) throw notFound();
    const recursive = ["1", "true"].includes(req.query.get("recursive") ?? "");
    return { status: 200, body: await treePayload(h, sha, recursive) };
  });

  router.on("POST", `${R}/git/commits`, async (req) => {
    const h = env.repo(req);
    const message = str(req.body, "message");
    const tree = str(req.body, "tree") ?? "";
    if (message === undefined) throw invalid("Commit", "message", "missing_field");
    if ((await objectType(h.gitDir, tree)) !== "tree") throw new HttpError(422, "Tree SHA does not exist");
    const parents = Array.isArray(req.body["parents"]) ? (req.body["parents"] as unknown[]).map(String) : [];
    for (const p of parents) {
      if ((await objectType(h.gitDir, p)) !== "commit")
        throw new HttpError(422, "Parent SHA does not exist or is not a commit object");
    }
    const who = env.identity(req.login);
    const asId = (v: unknown) => {
      const o = v as { name?: string; email?: string; date?: string } | undefined;
      return o?.name && o.email ? { name: o.name, email: o.email, date: o.date ?? now() } : who;
    };
    const sha = await commitTree(
      h.gitDir,
      tree,
      parents,
      message,
      asId(req.body["author"]),
      asId(req.body["committer"]),
    );
    return { status: 201, body: gitCommitPayload(req.urls, h.rec, (await readCommit(h.gitDir, sha))!) };
  });

  router.on("GET", `${R}/git/commits/:sha`, async (req) => {
    const h = env.repo(req);
    const info = await readCommit(h.gitDir, req.params["sha"]!);
    if (!info || (await objectType(h.gitDir, req.params["sha"]!)) !== "commit") throw notFound();
    return { status: 200, body: gitCommitPayload(req.urls, h.rec, info) };
  });

  // --- contents
  router.on("GET", `${R}/contents`, (req) => contentsGet(env, req));
  router.on("GET", `${R}/contents/*path`, (req) => contentsGet(env, req));
  router.on("PUT", `${R}/contents/*path`, (req) => contentsWrite(env, req, false));
  router.on("DELETE", `${R}/contents/*path`, (req) => contentsWrite(env, req, true));

  // --- commits
  router.on("GET", `${R}/commits`, async (req) => {
    const h = env.repo(req);
    const start = await commitOf(h, req.query.get("sha") ?? h.rec.default_branch);
    let author = req.query.get("author") ?? undefined;
    if (author && !author.includes("@")) author = env.identity(author).email;
    const commits = await logCommits(h.gitDir, [start], {
      path: req.query.get("path") ?? undefined,
      since: req.query.get("since") ?? undefined,
      until: req.query.get("until") ?? undefined,
      author,
      max: 3000,
    });
    return paginate(
      req,
      commits.map((c) => commitPayload(h.ctx, c)),
    );
  });

  router.on("GET", `${R}/commits/*ref`, async (req) => {
    const h = env.repo(req);
    const sha = await commitOf(h, req.params["ref"]!);
    if (/application\/vnd\.github(\.v3)?\.sha/.test(String(req.headers["accept"] ?? ""))) {
      return { status: 200, text: sha, contentType: "application/vnd.github.sha; charset=utf-8" };
    }
    const info = (await readCommit(h.gitDir, sha))!;
    const parent = info.parents[0] ?? null;
    if (wantsDiff(req))
      return diffResponse(await unifiedDiff(h.gitDir, parent ?? (await emptyTree(h.gitDir)), sha));
    return { status: 200, body: commitPayload(h.ctx, info, await diffFiles(h.gitDir, parent, sha)) };
  });

  router.on("GET", `${R}/compare/*basehead`, (req) => compare(env, req));

  router.on("GET", "/search/code", (req) => searchCode(env, req));
  router.on("GET", "/search/repositories", (req) => searchRepos(env, req));

  router.on("GET", "/user", (req) => ({
    status: 200,
    body: { ...userPayloadFor(env, req), name: req.login, public_repos: 0, followers: 0, following: 0 },
  }));
}

function userPayloadFor(env: EmuEnv, req: EmuRequest): Json {
  const u = env.state.user(req.login);
  return {
    login: u.login,
    id: u.id,
    type: u.type,
    url: `${req.urls.api}/users/${u.login}`,
    html_url: `${req.urls.web}/${u.login}`,
  };
}
