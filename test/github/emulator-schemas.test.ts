/**
 * The emulator's response bodies validated with ajv against GitHub's OpenAPI description (extracted into
 * test/fixtures/github-openapi/schemas.json by scripts/extract-github-schemas.ts), so its shapes are
 * GitHub's, not a private dialect.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGithubEmulator, type GithubEmulator } from "../../src/emulators/github/server.js";
import { loadOpenApiFixture } from "../helpers/openapi.js";

type Obj = Record<string, unknown>;
const fixture = loadOpenApiFixture(new URL("../fixtures/github-openapi/schemas.json", import.meta.url));

describe("GitHub emulator responses match GitHub's OpenAPI schemas", () => {
  let emu: GithubEmulator;
  const seen = new Set<string>();

  beforeAll(async () => {
    emu = await createGithubEmulator();
    await emu.seed({
      repos: [
        {
          owner: "acme",
          name: "shapes",
          files: { "README.md": "hi\n", "src/a.ts": "export const a = 1;\n" },
          branches: {
            feat: { files: { "src/a.ts": "export const a = 2;\n", "src/b.ts": "b\n" } },
            other: { files: { "x.md": "x" } },
          },
          labels: [{ name: "bug", color: "d73a4a", description: "Something is broken" }],
          collaborators: { maya: "maintain" },
          issues: [
            {
              title: "One",
              body: "b",
              labels: ["bug"],
              assignees: ["maya"],
              comments: [{ user: "maya", body: "c" }],
            },
          ],
          workflows: [
            {
              name: "CI",
              path: ".github/workflows/ci.yml",
              runs: [
                { conclusion: "failure", jobs: [{ name: "test", conclusion: "failure", log: "boom\n" }] },
              ],
            },
          ],
        },
      ],
    });
  });
  afterAll(async () => {
    await emu?.close();
  });

  async function check(
    op: string,
    path: string,
    init: { method?: string; body?: unknown } = {},
  ): Promise<Obj> {
    const res = await fetch(`${emu.url}${path}`, {
      method: init.method ?? op.split(" ")[0],
      headers: { authorization: "token t", "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const body = (await res.json()) as Obj;
    expect(`${res.status}`, `${op}: ${JSON.stringify(body).slice(0, 300)}`).toBe(op.split(" ")[2]);
    expect(fixture.errors(op, body), op).toEqual([]);
    seen.add(op);
    return body;
  }

  it("repos, branches, git data, contents, commits, compare", async () => {
    const R = "/repos/acme/shapes";
    await check("GET /repos/{owner}/{repo} 200", R);
    const branches = (await check(
      "GET /repos/{owner}/{repo}/branches 200",
      `${R}/branches`,
    )) as unknown as Obj[];
    expect(branches.length).toBe(3);
    await check("GET /repos/{owner}/{repo}/branches/{branch} 200", `${R}/branches/main`);
    const ref = await check("GET /repos/{owner}/{repo}/git/ref/{ref} 200", `${R}/git/ref/heads/main`);
    const main = (ref["object"] as Obj)["sha"] as string;
    await check("POST /repos/{owner}/{repo}/git/refs 201", `${R}/git/refs`, {
      body: { ref: "refs/heads/x", sha: main },
    });
    const blob = await check("POST /repos/{owner}/{repo}/git/blobs 201", `${R}/git/blobs`, {
      body: { content: "hello" },
    });
    await check("GET /repos/{owner}/{repo}/git/blobs/{file_sha} 200", `${R}/git/blobs/${blob["sha"]}`);
    const tree = await check("POST /repos/{owner}/{repo}/git/trees 201", `${R}/git/trees`, {
      body: { base_tree: main, tree: [{ path: "new.txt", mode: "100644", type: "blob", sha: blob["sha"] }] },
    });
    await check(
      "GET /repos/{owner}/{repo}/git/trees/{tree_sha} 200",
      `${R}/git/trees/${tree["sha"]}?recursive=1`,
    );
    const commit = await check("POST /repos/{owner}/{repo}/git/commits 201", `${R}/git/commits`, {
      body: { message: "m", tree: tree["sha"], parents: [main] },
    });
    await check(
      "GET /repos/{owner}/{repo}/git/commits/{commit_sha} 200",
      `${R}/git/commits/${commit["sha"]}`,
    );
    await check("PATCH /repos/{owner}/{repo}/git/refs/{ref} 200", `${R}/git/refs/heads/x`, {
      body: { sha: commit["sha"] },
    });
    const file = await check("GET /repos/{owner}/{repo}/contents/{path} 200", `${R}/contents/src/a.ts`);
    await check("GET /repos/{owner}/{repo}/contents/{path} 200", `${R}/contents/src`);
    const put = await check("PUT /repos/{owner}/{repo}/contents/{path} 201", `${R}/contents/docs/n.md`, {
      body: { message: "add", content: Buffer.from("n").toString("base64") },
    });
    await check("DELETE /repos/{owner}/{repo}/contents/{path} 200", `${R}/contents/docs/n.md`, {
      body: { message: "rm", sha: (put["content"] as Obj)["sha"] },
    });
    expect(file["encoding"]).toBe("base64");
    await check("GET /repos/{owner}/{repo}/commits 200", `${R}/commits`);
    await check("GET /repos/{owner}/{repo}/commits/{ref} 200", `${R}/commits/feat`);
    await check("GET /repos/{owner}/{repo}/compare/{basehead} 200", `${R}/compare/main...feat`);
    await check("GET /search/code 200", "/search/code?q=export+repo:acme/shapes");
    await check("GET /search/repositories 200", "/search/repositories?q=shapes");
  });

  it("issues, comments, labels, search", async () => {
    const R = "/repos/acme/shapes";
    await check("GET /repos/{owner}/{repo}/issues 200", `${R}/issues?state=all`);
    const created = await check("POST /repos/{owner}/{repo}/issues 201", `${R}/issues`, {
      body: { title: "Two", labels: ["bug"], milestone: 1 },
    });
    await check("GET /repos/{owner}/{repo}/issues/{issue_number} 200", `${R}/issues/1`);
    await check("PATCH /repos/{owner}/{repo}/issues/{issue_number} 200", `${R}/issues/${created["number"]}`, {
      body: { state: "closed", state_reason: "not_planned" },
    });
    await check("GET /repos/{owner}/{repo}/issues/{issue_number}/comments 200", `${R}/issues/1/comments`);
    const comment = await check(
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments 201",
      `${R}/issues/1/comments`,
      { body: { body: "hello" } },
    );
    await check(
      "GET /repos/{owner}/{repo}/issues/comments/{comment_id} 200",
      `${R}/issues/comments/${comment["id"]}`,
    );
    await check(
      "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id} 200",
      `${R}/issues/comments/${comment["id"]}`,
      { body: { body: "hello, edited" } },
    );
    await check("POST /repos/{owner}/{repo}/issues/{issue_number}/labels 200", `${R}/issues/1/labels`, {
      body: { labels: ["p1"] },
    });
    await check(
      "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name} 200",
      `${R}/issues/1/labels/p1`,
    );
    await check("GET /repos/{owner}/{repo}/labels 200", `${R}/labels`);
    for (const who of ["acme", "maya", "nobody"])
      await check(
        "GET /repos/{owner}/{repo}/collaborators/{username}/permission 200",
        `${R}/collaborators/${who}/permission`,
      );
    await check("GET /search/issues 200", "/search/issues?q=repo:acme/shapes+label:bug");
  });

  it("pull requests, reviews, merge", async () => {
    const R = "/repos/acme/shapes";
    const pr = await check("POST /repos/{owner}/{repo}/pulls 201", `${R}/pulls`, {
      body: { title: "Feat", head: "feat", base: "main", body: "b" },
    });
    const n = pr["number"];
    await check("GET /repos/{owner}/{repo}/pulls 200", `${R}/pulls`);
    await check("GET /repos/{owner}/{repo}/pulls/{pull_number} 200", `${R}/pulls/${n}`);
    await check("PATCH /repos/{owner}/{repo}/pulls/{pull_number} 200", `${R}/pulls/${n}`, {
      body: { title: "Feat!" },
    });
    await check("GET /repos/{owner}/{repo}/pulls/{pull_number}/files 200", `${R}/pulls/${n}/files`);
    await check("GET /repos/{owner}/{repo}/pulls/{pull_number}/commits 200", `${R}/pulls/${n}/commits`);
    await check(
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers 201",
      `${R}/pulls/${n}/requested_reviewers`,
      {
        body: { reviewers: ["maya"] },
      },
    );
    await check("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews 200", `${R}/pulls/${n}/reviews`, {
      body: { event: "COMMENT", body: "ok", comments: [{ path: "src/a.ts", line: 1, body: "hm" }] },
    });
    await check("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews 200", `${R}/pulls/${n}/reviews`);
    await check("GET /repos/{owner}/{repo}/pulls/{pull_number}/comments 200", `${R}/pulls/${n}/comments`);
    await fetch(`${emu.url}${R}/contents/main-only.md`, {
      method: "PUT",
      body: JSON.stringify({ message: "m", content: Buffer.from("m").toString("base64") }),
    });
    await check(
      "PUT /repos/{owner}/{repo}/pulls/{pull_number}/update-branch 202",
      `${R}/pulls/${n}/update-branch`,
      {
        body: {},
      },
    );
    await check("PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge 200", `${R}/pulls/${n}/merge`, {
      body: { merge_method: "squash" },
    });
    await check("GET /repos/{owner}/{repo}/pulls/{pull_number} 200", `${R}/pulls/${n}`);
  });

  it("actions", async () => {
    const R = "/repos/acme/shapes";
    await check("GET /repos/{owner}/{repo}/actions/workflows 200", `${R}/actions/workflows`);
    const runs = await check("GET /repos/{owner}/{repo}/actions/runs 200", `${R}/actions/runs`);
    const run = (runs["workflow_runs"] as Obj[])[0]!;
    await check("GET /repos/{owner}/{repo}/actions/runs/{run_id} 200", `${R}/actions/runs/${run["id"]}`);
    const jobs = await check(
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs 200",
      `${R}/actions/runs/${run["id"]}/jobs`,
    );
    await check(
      "GET /repos/{owner}/{repo}/actions/jobs/{job_id} 200",
      `${R}/actions/jobs/${(jobs["jobs"] as Obj[])[0]!["id"]}`,
    );
    await check(
      "GET /repos/{owner}/{repo}/commits/{ref}/check-runs 200",
      `${R}/commits/${run["head_sha"]}/check-runs`,
    );
    await check("POST /repos/{owner}/{repo}/statuses/{sha} 201", `${R}/statuses/${run["head_sha"]}`, {
      method: "POST",
      body: { state: "failure", context: "ci/jenkins", description: "2 tests failed", target_url: null },
    });
    const combined = await check(
      "GET /repos/{owner}/{repo}/commits/{ref}/status 200",
      `${R}/commits/${run["head_sha"]}/status`,
    );
    expect(combined).toMatchObject({ state: "failure", total_count: 1 });
  });

  it("covers every extracted operation", () => {
    expect(Object.keys(fixture.operations).filter((op) => !seen.has(op))).toEqual([]);
  });
});
