/**
 * The filesystem boundary, tried as an attacker with a reader token would (over HTTP with JWT, through
 * the REST gateway), and as a hostile repository would: paths outside the workspace, symlinks out of a
 * repository, a repository whose git config names commands, a symlink in a working tree that would smuggle
 * a host file into a pull request. Also: a stack that fails half-way leaves nothing behind.
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { restRoutes } from "../../src/gateway/rest.js";
import { createAuthenticator } from "../../src/mcp/auth.js";
import { type HttpServer, serveHttp } from "../../src/mcp/http.js";
import { codeToolset } from "../../src/toolsets/code/index.js";
import { prsToolset } from "../../src/toolsets/prs/index.js";
import { type GithubTestBed, startGithubTestBed } from "../github/helpers.js";

type Obj = Record<string, unknown>;
const SECRET = "a-filesystem-boundary-test-secret-32-chars";
const HOST_FILE = "/etc/passwd";
const hostFileText = readFileSync(HOST_FILE, "utf8");
const HOST_LINE = hostFileText.split("\n")[0]!;

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env["PATH"], GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
  }).trim();
}

function write(root: string, path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

/** A committed repository in `dir`, with a first file. */
function makeRepo(dir: string): void {
  mkdirSync(dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  write(dir, "README.md", "# demo\n");
  write(dir, "src/app.ts", "export const app = 1;\n");
  git(dir, "add", "-A");
  git(dir, "-c", "user.name=t", "-c", "user.email=t@example.test", "commit", "-qm", "base");
}

async function serveWithJwt(
  env: Record<string, string>,
): Promise<{ app: App; http: HttpServer; home: string }> {
  const home = mkdtempSync(join(tmpdir(), "rw-fs-home-"));
  const app = await createApp({
    env: {
      REPOWRIGHT_HOME: home,
      REPOWRIGHT_LOG_LEVEL: "silent",
      REPOWRIGHT_AUTH: "jwt",
      REPOWRIGHT_AUTH_JWT_SECRET: SECRET,
      ...env,
    },
    toolsets: [codeToolset, prsToolset],
  });
  const authenticator = createAuthenticator(app.config.auth);
  const http = await serveHttp(app.host, {
    host: "127.0.0.1",
    port: 0,
    stateless: false,
    allowedHosts: [],
    authenticator,
    routes: [restRoutes(app.host, { authenticator })],
  });
  return { app, http, home };
}

const readerToken = () =>
  new SignJWT({ roles: ["reader"] })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("mallory")
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode(SECRET));

async function rest(
  http: HttpServer,
  tool: string,
  body: Obj,
): Promise<{ status: number; body: Obj; text: string }> {
  const res = await fetch(`${http.url.replace(/\/mcp$/, "")}/api/v1/tools/${tool}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await readerToken()}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Obj, text };
}

describe("a reader over HTTP with JWT and no configured roots", () => {
  let served: Awaited<ReturnType<typeof serveWithJwt>>;
  beforeAll(async () => {
    served = await serveWithJwt({});
  });
  afterAll(async () => {
    await served?.http.close();
    await served?.app.close();
    rmSync(served.home, { recursive: true, force: true });
  });

  it("reads no local path at all: the server's own directory and / are refused", async () => {
    const root = await rest(served.http, "read_file_range", { path: "/", file: "etc/passwd" });
    expect(root.status).toBe(403);
    expect(root.body).toMatchObject({
      type: "forbidden",
      error: expect.stringContaining("REPOWRIGHT_WORKSPACE_ROOTS"),
    });
    expect(root.text).not.toContain(HOST_LINE);
    const cwd = await rest(served.http, "read_file_range", { path: process.cwd(), file: "package.json" });
    expect(cwd.status).toBe(403);
    expect((await rest(served.http, "index_status", { path: "/etc" })).status).toBe(403);
    expect((await rest(served.http, "plan_pr_split", { path: process.cwd() })).status).toBe(403);
  });
});

describe("a reader over HTTP with JWT and one workspace root", () => {
  let served: Awaited<ReturnType<typeof serveWithJwt>>;
  let ws: string;
  let repo: string;
  const marker = (name: string) => join(ws, `pwned-${name}`);

  beforeAll(async () => {
    ws = realpathSync(mkdtempSync(join(tmpdir(), "rw-fs-ws-")));
    repo = join(ws, "repo");
    makeRepo(repo);
    write(ws, "outside-the-repo.txt", "not in the repository\n");
    write(repo, "..secret.ts", "export const dots = 'legal name';\n");
    symlinkSync("/etc", join(repo, "etc"));
    symlinkSync(HOST_FILE, join(repo, "leak.txt"));
    symlinkSync("../README.md", join(repo, "src/readme-link.md"));
    // A hostile repository: its config names commands for git to run on status and diff.
    git(repo, "config", "core.fsmonitor", `touch ${marker("fsmonitor")}; false`);
    git(repo, "config", "filter.evil.clean", `touch ${marker("filter")}; cat`);
    git(repo, "config", "filter.evil.required", "true");
    git(repo, "config", "diff.evil.textconv", `touch ${marker("textconv")}; cat`);
    git(repo, "config", "core.pager", `touch ${marker("pager")}; cat`);
    write(repo, ".gitattributes", "*.ts filter=evil diff=evil\n");
    write(repo, "src/app.ts", "export const app = 2;\n");
    served = await serveWithJwt({ REPOWRIGHT_WORKSPACE_ROOTS: ws });
  });
  afterAll(async () => {
    await served?.http.close();
    await served?.app.close();
    rmSync(ws, { recursive: true, force: true });
    rmSync(served.home, { recursive: true, force: true });
  });

  it("cannot leave the root by path, by .., or by a symlink; names that start with .. are fine", async () => {
    const slash = await rest(served.http, "read_file_range", { path: "/", file: "etc/passwd" });
    expect(slash.status).toBe(403);
    expect(slash.text).not.toContain(HOST_LINE);

    const throughLink = await rest(served.http, "read_file_range", { path: repo, file: "etc/passwd" });
    expect(throughLink.status).toBe(403);
    expect(throughLink.body).toMatchObject({ type: "forbidden" });
    expect(throughLink.text).not.toContain(HOST_LINE);
    const fileLink = await rest(served.http, "read_file_range", { path: repo, file: "leak.txt" });
    expect(fileLink.status).toBe(403);
    expect(fileLink.text).not.toContain(HOST_LINE);
    // A symlinked directory given as the repository itself leads out too.
    expect(
      (await rest(served.http, "read_file_range", { path: join(repo, "etc"), file: "passwd" })).status,
    ).toBe(403);
    const up = await rest(served.http, "read_file_range", { path: repo, file: "../outside-the-repo.txt" });
    expect(up.status).toBe(400);
    expect(up.text).not.toContain("not in the repository");

    const dots = await rest(served.http, "read_file_range", { path: repo, file: "..secret.ts" });
    expect(dots.status).toBe(200);
    expect(dots.body).toMatchObject({ file: "..secret.ts", text: expect.stringContaining("legal name") });
    // A link that stays inside the repository is followed.
    const inside = await rest(served.http, "read_file_range", { path: repo, file: "src/readme-link.md" });
    expect(inside.status).toBe(200);
    expect(inside.body).toMatchObject({ text: "# demo\n" });
  });

  it("runs no command a repository's git config names, and counts a symlink as a link", async () => {
    const plan = await rest(served.http, "plan_pr_split", { path: repo });
    expect(plan.status, plan.text).toBe(200);
    for (const name of ["fsmonitor", "filter", "textconv", "pager"])
      expect(existsSync(marker(name)), name).toBe(false);
    const files = (plan.body["groups"] as Obj[]).flatMap((g) => g["files"] as Obj[]);
    expect(files.find((f) => f["path"] === "src/app.ts")).toMatchObject({
      status: "modified",
      added: 1,
      deleted: 1,
    });
    // The link's one line of target text, not the lines of the host file it points to.
    expect(files.find((f) => f["path"] === "leak.txt")).toMatchObject({ status: "added", added: 1 });
    expect(plan.text).not.toContain(HOST_LINE);
  });

  it("refuses a repository whose core.worktree points outside the workspace", async () => {
    const moved = join(ws, "moved");
    makeRepo(moved);
    git(moved, "config", "core.worktree", "/etc");
    const r = await rest(served.http, "plan_pr_split", { path: moved });
    expect(r.status).toBe(403);
    expect(r.text).not.toContain("passwd");
  });
});

describe("create_pr_stack with a symlink in the working tree, and a failure half-way", () => {
  let bed: GithubTestBed;
  let work: string;
  const emuGit = (...args: string[]) => bed.git("acme", "api", ...args);

  beforeAll(async () => {
    bed = await startGithubTestBed(
      {
        repos: [
          {
            owner: "acme",
            name: "api",
            files: { "README.md": "# api\n", "src/a.ts": "export const a = 1;\n" },
          },
        ],
      },
      { REPOWRIGHT_TOOLSETS: "github,prs" },
    );
    work = mkdtempSync(join(tmpdir(), "rw-fs-stack-"));
    execFileSync("git", ["clone", "-q", bed.emu.gitDir("acme", "api"), work]);
    write(work, "src/a.ts", "export const a = 2;\n");
    write(work, "docs/guide.md", "# guide\n");
    symlinkSync(HOST_FILE, join(work, "leak.txt"));
  });
  afterAll(async () => {
    await bed?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("pushes a symlink as a symlink (mode 120000, its target as content), never the file it points to", async () => {
    const r = await bed.app.call("create_pr_stack", {
      path: work,
      owner: "acme",
      repo: "api",
      base: "main",
      prefix: "links",
    });
    expect(r.isError, JSON.stringify(r.data)).toBe(false);
    const prs = (r.data as Obj)["pull_requests"] as Obj[];
    const top = `refs/heads/${prs.at(-1)!["branch"]}`;
    expect(emuGit("ls-tree", top, "leak.txt")).toMatch(/^120000 blob /);
    expect(emuGit("cat-file", "-p", `${top}:leak.txt`)).toBe(HOST_FILE);
    // Nothing of the host file reached any object of the repository.
    const objects = emuGit("rev-list", "--objects", "--all")
      .split("\n")
      .map((l) => l.split(" ")[0]!);
    for (const sha of objects) {
      if (emuGit("cat-file", "-t", sha) !== "blob") continue;
      expect(emuGit("cat-file", "-p", sha)).not.toContain(hostFileText.split("\n")[0]);
    }
  });

  it("a stack that fails half-way closes its pull requests and deletes its branches, and says so", async () => {
    const branchesBefore = emuGit("for-each-ref", "--format=%(refname)", "refs/heads/");
    // The first part goes through; opening the second pull request fails (not retryable).
    bed.emu.faults.push({
      method: "POST",
      path: "/repos/acme/api/pulls",
      after: 1,
      kind: "status",
      status: 422,
    });
    const r = await bed.app.call("create_pr_stack", {
      path: work,
      owner: "acme",
      repo: "api",
      base: "main",
      prefix: "half",
    });
    expect(r.isError).toBe(true);
    expect(String((r.data as Obj)["error"])).toMatch(
      /nothing was left behind: closed 1 pull request\(s\) and deleted branch\(es\) half\/1-.*, half\/2-/,
    );
    expect(emuGit("for-each-ref", "--format=%(refname)", "refs/heads/")).toBe(branchesBefore);
    const open = (await bed.app.call("list_pull_requests", { owner: "acme", repo: "api", state: "open" }))
      .data as Obj[] | Obj;
    const list = Array.isArray(open) ? open : ((open["pull_requests"] as Obj[]) ?? []);
    expect(list.filter((p) => String(p["head"] ?? "").startsWith("half/"))).toEqual([]);
    // A second run starts clean.
    const again = await bed.app.call("create_pr_stack", {
      path: work,
      owner: "acme",
      repo: "api",
      base: "main",
      prefix: "half",
    });
    expect(again.isError, JSON.stringify(again.data)).toBe(false);
  });
});
