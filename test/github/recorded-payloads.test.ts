/**
 * The toolset's output mapping against GitHub's own recorded responses (@octokit/fixtures), replayed by a
 * real http.Server on port 0, not only against the emulator's.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ToolError } from "../../src/core/errors.js";
import { toToolError } from "../../src/github/client.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

interface Recorded {
  method: string;
  path: string;
  status: number;
  response: unknown;
  headers: Record<string, string>;
}

const require = createRequire(import.meta.url);
const root = join(dirname(require.resolve("@octokit/fixtures/package.json")), "scenarios", "api.github.com");
const load = (name: string) =>
  JSON.parse(readFileSync(join(root, name, "normalized-fixture.json"), "utf8")) as Recorded[];

type Obj = Record<string, unknown>;

describe("github tools on GitHub's recorded payloads", () => {
  let server: Server;
  let app: TestApp;
  const recorded = [
    "get-repository",
    "get-content",
    "search-issues",
    "paginate-issues",
    "add-labels-to-issue",
    "create-file",
  ].flatMap(load);
  const key = (method: string, url: URL) =>
    `${method.toLowerCase()} ${url.pathname.replace(/\/$/, "")} ${url.searchParams.get("page") ?? "1"}`;
  const table = new Map(recorded.map((r) => [key(r.method, new URL(r.path, "http://x")), r]));
  // Requests with no recording: answered 404; a test that expects one checks it here.
  const unmatched: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const r = table.get(key(req.method ?? "GET", new URL(req.url ?? "/", "http://x")));
      req.resume();
      if (!r) {
        unmatched.push(`${req.method} ${new URL(req.url ?? "/", "http://x").pathname}`);
        res
          .writeHead(404, { "content-type": "application/json" })
          .end(JSON.stringify({ message: "Not Found" }));
        return;
      }
      const headers = { ...r.headers };
      delete headers["content-length"];
      delete headers["transfer-encoding"];
      const body = typeof r.response === "string" ? r.response : JSON.stringify(r.response);
      res.writeHead(r.status, headers).end(r.status === 204 ? undefined : body);
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const { port } = server.address() as AddressInfo;
    app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "github",
        GITHUB_TOKEN: "recorded",
        GITHUB_API_URL: `http://127.0.0.1:${port}`,
        GITHUB_WRITE_INTERVAL_MS: "0",
        GITHUB_MAX_RETRIES: "0",
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await new Promise<void>((ok) => server.close(() => ok()));
  });

  it("get_repository", async () => {
    const r = await app.call("get_repository", { owner: "octokit-fixture-org", repo: "hello-world" });
    expect(r).toMatchObject({
      isError: false,
      data: { full_name: "octokit-fixture-org/hello-world", default_branch: "master", private: false },
    });
    expect(JSON.stringify(r.data).length).toBeLessThan(400);
  });

  it("list_issues pages through the Link header", async () => {
    const p1 = (
      await app.call("list_issues", { owner: "octokit-fixture-org", repo: "paginate-issues", per_page: 3 })
    ).data as Obj;
    const issues = p1["issues"] as Obj[];
    expect(issues.length).toBe(3);
    expect(issues[0]).toMatchObject({ number: expect.any(Number), title: expect.any(String), state: "open" });
    expect(typeof issues[0]!["author"]).toBe("string");
    expect(p1["next_page"]).toBe(2);
    expect(issues.every((i) => !("body" in i))).toBe(true);
  });

  it("search_issues", async () => {
    const r = (
      await app.call("search_issues", {
        query: "sesame",
        owner: "octokit-fixture-org",
        repo: "search-issues",
        type: "any",
      })
    ).data as Obj;
    expect(r["total_count"]).toBeGreaterThan(0);
    expect((r["items"] as Obj[])[0]).toMatchObject({
      repository: "octokit-fixture-org/search-issues",
      number: expect.any(Number),
    });
  });

  it("get_file_contents lists a directory", async () => {
    const r = (await app.call("get_file_contents", { owner: "octokit-fixture-org", repo: "hello-world" }))
      .data as Obj;
    expect(r["type"]).toBe("dir");
    expect((r["entries"] as Obj[]).map((e) => e["name"])).toContain("README.md");
  });

  it("create_issue and add_labels", async () => {
    const c = await app.call("create_issue", {
      owner: "octokit-fixture-org",
      repo: "add-labels-to-issue",
      title: "Issue without a label",
    });
    expect(c.data).toMatchObject({ number: 1, state: "open" });
    const l = await app.call("add_labels", {
      owner: "octokit-fixture-org",
      repo: "add-labels-to-issue",
      issue_number: 1,
      labels: ["Foo", "bAr", "baZ"],
    });
    expect((l.data as { labels: string[] }).labels.length).toBeGreaterThan(0);
  });

  it("create_or_update_file", async () => {
    const r = await app.call("create_or_update_file", {
      owner: "octokit-fixture-org",
      repo: "create-file",
      path: "test.txt",
      content: "Test content",
      message: "create test.txt",
      branch: "main",
    });
    expect(r.data).toMatchObject({
      path: "test.txt",
      sha: "3f3f005b29247e51a4f4d6b8ce07b67646cd6074",
      commit_sha: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
  });

  it("maps GitHub's recorded 422 to a validation error carrying GitHub's detail", () => {
    const [rec] = load("errors");
    const err = Object.assign(new Error("Validation Failed"), {
      name: "HttpError",
      status: rec!.status,
      request: { method: "POST", url: `https://api.github.com${rec!.path}` },
      response: { url: "", status: rec!.status, headers: rec!.headers, data: rec!.response },
    });
    const mapped = toToolError(err) as ToolError;
    expect(mapped.toPayload()).toEqual({
      type: "validation",
      status_code: 422,
      error:
        "GitHub (POST /repos/octokit-fixture-org/errors/labels) answered 422: Validation Failed: Label color invalid",
    });
  });

  it("maps a missing resource to not_found", async () => {
    const r = await app.call("list_issues", { owner: "octokit-fixture-org", repo: "nope" });
    expect(r.data).toMatchObject({ type: "not_found", status_code: 404 });
    expect(unmatched).toEqual(["GET /repos/octokit-fixture-org/nope/issues"]);
  });
});
