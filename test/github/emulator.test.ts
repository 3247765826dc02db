/** The emulator on its own, over HTTP: the behaviours clients rely on. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGithubEmulator, type GithubEmulator } from "../../src/emulators/github/server.js";

type Obj = Record<string, unknown>;

describe("GitHub emulator", () => {
  let emu: GithubEmulator;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${emu.url}${path}`, {
      headers: { authorization: "token alice-token", ...headers },
      redirect: "manual",
    });
  const send = (method: string, path: string, body: unknown, token = "alice-token") =>
    fetch(`${emu.url}${path}`, {
      method,
      headers: { authorization: `token ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    emu = await createGithubEmulator();
    await emu.seed({
      tokens: { "alice-token": "alice", "bob-token": "bob" },
      repos: [
        {
          owner: "acme",
          name: "emu",
          files: { "a.txt": "a\n" },
          issues: Array.from({ length: 7 }, (_, i) => ({ title: `i${i + 1}` })),
          workflows: [
            {
              name: "CI",
              path: ".github/workflows/ci.yml",
              runs: [{ jobs: [{ name: "t", log: "secret log\n" }] }],
            },
          ],
        },
      ],
    });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it("paginates with GitHub's Link header", async () => {
    const res = await get("/repos/acme/emu/issues?per_page=3&page=2");
    expect(((await res.json()) as Obj[]).map((i) => i["title"])).toEqual(["i4", "i3", "i2"]);
    const rels = Object.fromEntries(
      res.headers
        .get("link")!
        .split(", ")
        .map((part) => {
          const m = /<([^>]+)>; rel="(\w+)"/.exec(part)!;
          const u = new URL(m[1]!);
          return [m[2], `${u.searchParams.get("page")}/${u.searchParams.get("per_page")}`];
        }),
    );
    expect(rels).toEqual({ next: "3/3", prev: "1/3", last: "3/3", first: "1/3" });
  });

  it("answers If-None-Match with 304, which costs no rate limit", async () => {
    const first = await get("/repos/acme/emu/issues/1");
    const etag = first.headers.get("etag")!;
    const remaining = Number(first.headers.get("x-ratelimit-remaining"));
    expect(first.headers.get("x-ratelimit-limit")).toBe("5000");
    const second = await get("/repos/acme/emu/issues/1", { "if-none-match": etag });
    expect(second.status).toBe(304);
    expect(await second.text()).toBe("");
    expect(Number(second.headers.get("x-ratelimit-remaining"))).toBe(remaining);
    const third = await get("/repos/acme/emu/issues/1");
    expect(Number(third.headers.get("x-ratelimit-remaining"))).toBe(remaining - 1);
    await send("PATCH", "/repos/acme/emu/issues/1", { title: "changed" });
    expect((await get("/repos/acme/emu/issues/1", { "if-none-match": etag })).status).toBe(200);
  });

  it("authenticates tokens and reports errors in GitHub's shape", async () => {
    const bad = await fetch(`${emu.url}/repos/acme/emu`, { headers: { authorization: "token nope" } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ message: "Bad credentials", status: "401" });
    const missing = await get("/repos/acme/nope");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      message: "Not Found",
      documentation_url: expect.any(String),
    });
    const invalid = await send("POST", "/repos/acme/emu/issues", {});
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({
      message: "Validation Failed",
      errors: [{ resource: "Issue", field: "title", code: "missing_field" }],
    });
    const created = (await (
      await send("POST", "/repos/acme/emu/issues", { title: "by bob" }, "bob-token")
    ).json()) as Obj;
    expect((created["user"] as Obj)["login"]).toBe("bob");
  });

  it("refuses a non-fast-forward ref update unless forced", async () => {
    const main = (
      (await (await get("/repos/acme/emu/git/ref/heads/main")).json()) as { object: { sha: string } }
    ).object.sha;
    const tree = (await (
      await send("POST", "/repos/acme/emu/git/trees", { tree: [{ path: "b.txt", content: "b" }] })
    ).json()) as Obj;
    const orphan = (await (
      await send("POST", "/repos/acme/emu/git/commits", { message: "orphan", tree: tree["sha"], parents: [] })
    ).json()) as Obj;
    const nff = await send("PATCH", "/repos/acme/emu/git/refs/heads/main", { sha: orphan["sha"] });
    expect(nff.status).toBe(422);
    expect(await nff.json()).toMatchObject({ message: "Update is not a fast forward" });
    await send("POST", "/repos/acme/emu/git/refs", { ref: "refs/heads/scratch", sha: main });
    const dupe = await send("POST", "/repos/acme/emu/git/refs", { ref: "refs/heads/scratch", sha: main });
    expect(await dupe.json()).toMatchObject({ message: "Reference already exists" });
    const forced = await send("PATCH", "/repos/acme/emu/git/refs/heads/scratch", {
      sha: orphan["sha"],
      force: true,
    });
    expect(forced.status).toBe(200);
    const gitDir = emu.gitDir("acme", "emu");
    expect(
      execFileSync("git", [`--git-dir=${gitDir}`, "rev-parse", "refs/heads/scratch"], {
        encoding: "utf8",
      }).trim(),
    ).toBe(orphan["sha"]);
    expect(
      execFileSync("git", [`--git-dir=${gitDir}`, "rev-parse", "refs/heads/main"], {
        encoding: "utf8",
      }).trim(),
    ).toBe(main);
  });

  it("injects secondary rate limits (403 or 429, Retry-After), 5xx, latency and dropped connections", async () => {
    emu.faults.push(
      { path: "/repos/acme/*", kind: "secondary_rate_limit", status: 429, retryAfter: 7 },
      { path: "/repos/acme/*", kind: "status", status: 503 },
      { path: "/repos/acme/*", kind: "reset" },
    );
    const limited = await get("/repos/acme/emu");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(((await limited.json()) as Obj)["message"]).toMatch(/secondary rate limit/);
    expect((await get("/repos/acme/emu")).status).toBe(503);
    await expect(get("/repos/acme/emu")).rejects.toThrow();
    expect((await get("/repos/acme/emu")).status).toBe(200);
    expect(emu.requests.slice(-4).map((r) => r.fault ?? "none")).toEqual([
      "secondary_rate_limit",
      "status",
      "reset",
      "none",
    ]);
  });

  it("serves job logs through a redirect to a signed download URL", async () => {
    const runs = (await (await get("/repos/acme/emu/actions/runs")).json()) as { workflow_runs: Obj[] };
    const jobs = (await (
      await get(`/repos/acme/emu/actions/runs/${runs.workflow_runs[0]!["id"]}/jobs`)
    ).json()) as {
      jobs: Obj[];
    };
    const res = await get(`/repos/acme/emu/actions/jobs/${jobs.jobs[0]!["id"]}/logs`);
    expect(res.status).toBe(302);
    const location = res.headers.get("location")!;
    expect(await (await fetch(location)).text()).toBe("secret log\n");
    expect((await fetch(location.replace(/sig=\w+/, "sig=forged"))).status).toBe(403);
  });

  it("is driven over HTTP too, and keeps its state in the data dir across restarts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ghemu-persist-"));
    try {
      const a = await createGithubEmulator({ dataDir: dir });
      await fetch(`${a.url}/_emulator/seed`, {
        method: "POST",
        body: JSON.stringify({
          repos: [{ owner: "o", name: "r", files: { "f.txt": "f" }, issues: [{ title: "kept" }] }],
        }),
      });
      await fetch(`${a.url}/repos/o/r/issues/1/comments`, {
        method: "POST",
        body: JSON.stringify({ body: "c" }),
      });
      const seen = (await (await fetch(`${a.url}/_emulator/requests`)).json()) as Obj[];
      expect(seen.map((r) => `${r["method"]} ${r["status"]}`)).toEqual(["POST 201"]);
      await a.close();
      const b = await createGithubEmulator({ dataDir: dir });
      const issue = (await (await fetch(`${b.url}/repos/o/r/issues/1`)).json()) as Obj;
      expect(issue).toMatchObject({ title: "kept", comments: 1 });
      const file = (await (await fetch(`${b.url}/repos/o/r/contents/f.txt`)).json()) as Obj;
      expect(Buffer.from(String(file["content"]), "base64").toString()).toBe("f");
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
