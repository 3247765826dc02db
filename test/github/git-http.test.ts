/**
 * The emulator's git smart HTTP (read side) with the real git CLI: clone and fetch over
 * http://127.0.0.1 with the token as the Basic password, protocol v0, v1 and v2, gzip and chunked
 * request bodies, authentication failures that fail fast, and pushes refused. Every git process gets an
 * environment built from nothing (a temporary HOME, no system or global config, no credential helper, no
 * prompts) and a time limit.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGithubEmulator, type GithubEmulator } from "../../src/emulators/github/server.js";

interface GitResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const TOKEN = "tok-alice";

describe("GitHub emulator: git over smart HTTP", () => {
  let emu: GithubEmulator;
  let root: string;
  let home: string;
  let n = 0;

  /** git with a scrubbed environment and a time limit; never prompts, never reads host config. */
  function git(
    args: string[],
    opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; input?: string } = {},
  ): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      const child = spawn("git", ["-c", "credential.helper=", ...args], {
        cwd: opts.cwd ?? root,
        env: {
          PATH: process.env["PATH"] ?? "/usr/bin:/bin",
          HOME: home,
          LANG: "C",
          LC_ALL: "C",
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_CONFIG_GLOBAL: "/dev/null",
          GIT_TERMINAL_PROMPT: "0",
          GIT_AUTHOR_NAME: "Test",
          GIT_AUTHOR_EMAIL: "test@example.invalid",
          GIT_COMMITTER_NAME: "Test",
          GIT_COMMITTER_EMAIL: "test@example.invalid",
          ...opts.env,
        },
        stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      });
      child.stdin?.end(opts.input);
      let stdout = "";
      let stderr = "";
      let timedOut = false;
      child.stdout!.on("data", (c: Buffer) => {
        stdout += c.toString("utf8");
      });
      child.stderr!.on("data", (c: Buffer) => {
        stderr += c.toString("utf8");
      });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, opts.timeoutMs ?? 20_000);
      child.once("error", reject);
      child.once("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, timedOut });
      });
    });
  }

  const remote = (repo: string, token: string | null = TOKEN) =>
    `${emu.url.replace("http://", token === null ? "http://" : `http://x-access-token:${token}@`)}/acme/${repo}.git`;
  const dest = () => join(root, `clone-${++n}`);
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}${path}`, {
      method,
      headers: { authorization: `token ${TOKEN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(json)).toBeLessThan(300);
    return json;
  };

  /** A branch of the emulator's bare repository, read with git directly ("" when there is none). */
  async function bareRef(repo: string, branch: string): Promise<string> {
    const dir = emu.gitDir("acme", repo);
    const r = await git([`--git-dir=${dir}`, "rev-parse", "--verify", "-q", `refs/heads/${branch}`]);
    return r.stdout.trim();
  }

  /** One commit on a new branch through the REST git-data API, as repowright's push_files makes it. */
  async function restCommit(repo: string, branch: string, path: string, content: string): Promise<string> {
    const R = `/repos/acme/${repo}`;
    const main = ((await api("GET", `${R}/git/ref/heads/main`))["object"] as { sha: string }).sha;
    const blob = await api("POST", `${R}/git/blobs`, { content, encoding: "utf-8" });
    const tree = await api("POST", `${R}/git/trees`, {
      base_tree: main,
      tree: [{ path, mode: "100644", type: "blob", sha: blob["sha"] }],
    });
    const commit = await api("POST", `${R}/git/commits`, {
      message: `Add ${path}`,
      tree: tree["sha"],
      parents: [main],
    });
    await api("POST", `${R}/git/refs`, { ref: `refs/heads/${branch}`, sha: commit["sha"] });
    return commit["sha"] as string;
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "emu-git-http-"));
    home = join(root, "home");
    emu = await createGithubEmulator();
    await emu.seed({
      tokens: { [TOKEN]: "alice" },
      repos: [
        {
          owner: "acme",
          name: "widgets",
          files: { "README.md": "# widgets\n", "src/a.ts": "export const a = 1;\n" },
          branches: { feature: { files: { "src/a.ts": "export const a = 2;\n" }, message: "Bump a" } },
        },
        { owner: "acme", name: "vault", private: true, files: { "secret.txt": "s3cret\n" } },
      ],
    });
  });
  afterAll(async () => {
    await emu?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it.each([0, 1, 2])("clones with the token as the Basic password (protocol v%i)", async (version) => {
    const dir = dest();
    const r = await git(["-c", `protocol.version=${version}`, "clone", remote("widgets"), dir]);
    expect(r.timedOut).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "src/a.ts"), "utf8")).toBe("export const a = 1;\n");
    const log = await git(["log", "--format=%s", "--all"], { cwd: dir });
    expect(log.stdout.trim().split("\n").sort()).toEqual(["Bump a", "Initial commit"]);
    const head = await git(["rev-parse", "HEAD", "origin/feature"], { cwd: dir });
    expect(head.stdout.trim().split("\n")).toEqual([
      await bareRef("widgets", "main"),
      await bareRef("widgets", "feature"),
    ]);
  });

  it("clones a private repository with the token, and refuses it without one or with a wrong one", async () => {
    const ok = await git(["clone", remote("vault"), dest()]);
    expect(ok.code, ok.stderr).toBe(0);

    const started = Date.now();
    const wrong = await git(["clone", remote("vault", "not-a-token"), dest()]);
    expect(wrong.timedOut).toBe(false);
    expect(wrong.code).toBe(128);
    expect(wrong.stderr).toContain("Invalid username or token");
    expect(wrong.stderr).toMatch(/Authentication failed/);
    expect(Date.now() - started).toBeLessThan(10_000);

    const anonymous = await git(["clone", remote("vault", null), dest()]);
    expect(anonymous.timedOut).toBe(false);
    expect(anonymous.code).toBe(128);
    expect(anonymous.stderr).toMatch(/could not read Username|Authentication failed/);
  });

  it("refuses a wrong token sent up front even for a public repository", async () => {
    // git sends URL credentials only when a 401 asks (a public repository clones without them, as on
    // github.com); an Authorization header set by the caller (as actions/checkout does) is checked.
    const header = `Authorization: Basic ${Buffer.from("x-access-token:not-a-token").toString("base64")}`;
    const r = await git(["-c", `http.extraHeader=${header}`, "clone", remote("widgets", null), dest()]);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(128);
    // git answers a 401 by asking for other credentials, which it may not (no prompt, no helper).
    expect(r.stderr).toMatch(/could not read Username|Authentication failed/);
    expect(
      emu.requests.some((q) => q.path.startsWith("/acme/widgets.git/info/refs") && q.status === 401),
    ).toBe(true);
  });

  it("says a missing repository is not found", async () => {
    const r = await git(["clone", remote("nope"), dest()]);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(128);
    expect(r.stderr).toContain("Repository not found.");
  });

  it.each([0, 2])(
    "fetches a commit made through the REST git-data API on a new branch (protocol v%i)",
    async (version) => {
      const dir = dest();
      const v = ["-c", `protocol.version=${version}`];
      expect((await git([...v, "clone", remote("widgets"), dir])).code).toBe(0);
      const branch = `fix/issue-${version}`;
      const sha = await restCommit("widgets", branch, `fix-${version}.txt`, `fixed in v${version}\n`);
      const f = await git([...v, "fetch", "origin"], { cwd: dir });
      expect(f.code, f.stderr).toBe(0);
      expect((await git(["rev-parse", `origin/${branch}`], { cwd: dir })).stdout.trim()).toBe(sha);
      const show = await git(["show", `origin/${branch}:fix-${version}.txt`], { cwd: dir });
      expect(show.stdout).toBe(`fixed in v${version}\n`);
    },
  );

  it("takes a gzip-compressed negotiation (a fetch from a clone with local history)", async () => {
    const dir = dest();
    expect((await git(["clone", remote("widgets"), dir])).code).toBe(0);
    // 300 local commits the server does not have: the fetch offers them as "have" lines in growing
    // rounds (16, 32, 64, ...), and git gzips every request body over 1 KiB.
    const t = Math.floor(Date.now() / 1000);
    const stream = Array.from(
      { length: 300 },
      (_, i) =>
        `commit refs/heads/main\ncommitter T <t@example.invalid> ${t + i} +0000\n` +
        `data 9\nlocal ${String(i).padStart(3, "0")}\n` +
        (i === 0 ? "from refs/remotes/origin/main\n" : "") +
        "\n",
    ).join("");
    const imported = await git(["fast-import", "--quiet"], { cwd: dir, input: stream });
    expect(imported.code, imported.stderr).toBe(0);
    const sha = await restCommit("widgets", "fix/gzip", "gzip.txt", "gz\n");
    const f = await git(["fetch", "origin"], {
      cwd: dir,
      env: { GIT_TRACE_CURL: "1", GIT_TRACE_CURL_NO_DATA: "1" },
    });
    expect(f.code, f.stderr.slice(-2000)).toBe(0);
    expect(f.stderr).toMatch(/Send header: Content-Encoding: gzip/i);
    expect((await git(["rev-parse", "origin/fix/gzip"], { cwd: dir })).stdout.trim()).toBe(sha);
  });

  it("takes a request body sent with chunked transfer encoding (larger than git's post buffer)", async () => {
    const bare = `--git-dir=${emu.gitDir("acme", "widgets")}`;
    const main = await bareRef("widgets", "main");
    // 2000 branches: the clone's request lists a want line for each, ~100 KB, over an 80 KiB post
    // buffer, so git streams it chunked.
    const names = Array.from({ length: 2000 }, (_, i) => `refs/heads/many/b${i}`);
    const created = await git([bare, "update-ref", "--stdin"], {
      input: names.map((r) => `create ${r} ${main}\n`).join(""),
    });
    expect(created.code, created.stderr).toBe(0);
    try {
      for (const version of [0, 2]) {
        const dir = dest();
        const r = await git(
          [
            "-c",
            `protocol.version=${version}`,
            "-c",
            "http.postBuffer=81920",
            "clone",
            remote("widgets"),
            dir,
          ],
          { env: { GIT_TRACE_CURL: "1", GIT_TRACE_CURL_NO_DATA: "1" } },
        );
        expect(r.code, r.stderr.slice(-2000)).toBe(0);
        expect(r.stderr).toMatch(/Send header: Transfer-Encoding: chunked/i);
        const count = await git(["for-each-ref", "--count=3000", "refs/remotes/origin/many/"], { cwd: dir });
        expect(count.stdout.trim().split("\n")).toHaveLength(2000);
      }
    } finally {
      await git([bare, "update-ref", "--stdin"], { input: names.map((r) => `delete ${r}\n`).join("") });
    }
  });

  it("refuses pushes over HTTP (receive-pack) with a message saying to use the REST API", async () => {
    const dir = dest();
    expect((await git(["clone", remote("widgets"), dir])).code).toBe(0);
    expect((await git(["commit", "--allow-empty", "-qm", "try to push"], { cwd: dir })).code).toBe(0);
    const before = await bareRef("widgets", "main");
    const p = await git(["push", "origin", "HEAD:refs/heads/pushed"], { cwd: dir });
    expect(p.timedOut).toBe(false);
    expect(p.code).toBe(128);
    expect(p.stderr).toContain("Pushing over git HTTP is not supported");
    expect(p.stderr).toContain("REST API");
    expect(await bareRef("widgets", "main")).toBe(before);
    expect(await bareRef("widgets", "pushed")).toBe("");

    const auth = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`;
    const refs = await fetch(`${emu.url}/acme/widgets.git/info/refs?service=git-receive-pack`, {
      headers: { authorization: auth },
    });
    expect(refs.status).toBe(403);
    const rpc = await fetch(`${emu.url}/acme/widgets.git/git-receive-pack`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/x-git-receive-pack-request" },
      body: "0000",
    });
    expect(rpc.status).toBe(403);
  });

  it("answers the advertisement as git's http-backend does, and logs the requests", async () => {
    const auth = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`;
    const v0 = await fetch(`${emu.url}/acme/widgets.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: auth },
    });
    expect(v0.status).toBe(200);
    expect(v0.headers.get("content-type")).toBe("application/x-git-upload-pack-advertisement");
    expect((await v0.text()).startsWith("001e# service=git-upload-pack\n0000")).toBe(true);
    const v2 = await fetch(`${emu.url}/acme/widgets.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: auth, "git-protocol": "version=2" },
    });
    expect((await v2.text()).startsWith("000eversion 2\n")).toBe(true);
    const dumb = await fetch(`${emu.url}/acme/widgets.git/info/refs`, { headers: { authorization: auth } });
    expect(dumb.status).toBe(403);
    const wrongType = await fetch(`${emu.url}/acme/widgets.git/git-upload-pack`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: "{}",
    });
    expect(wrongType.status).toBe(415);
    expect(emu.requests.some((r) => r.path === "/acme/widgets.git/git-upload-pack" && r.status === 200)).toBe(
      true,
    );
  });
});
