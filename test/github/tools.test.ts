import { generateKeyPairSync } from "node:crypto";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { buildInventory } from "../../src/mcp/inventory.js";
import type { Toolset } from "../../src/mcp/tool.js";
import { githubToolset } from "../../src/toolsets/github/index.js";
import { startTestApp } from "../helpers/app.js";
import { type GithubTestBed, startGithubTestBed } from "./helpers.js";

type Obj = Record<string, unknown>;
const R = { owner: "acme", repo: "tools" };

const SEED = {
  users: [{ login: "maya" }, { login: "omar" }],
  repos: [
    {
      owner: "acme",
      name: "tools",
      description: "Tooling repo",
      topics: ["mcp"],
      language: "TypeScript",
      files: {
        "README.md": "# tools\n",
        "src/index.ts": 'export function hello(name: string) {\n  return "hello " + name;\n}\n',
        "src/big.txt": `${"line of text\n".repeat(400)}`,
        "bin/logo.bin": "\u0000\u0001\u0002binary",
        "data/huge.txt": `${"0123456789abcdef".repeat(70_000)}END`,
      },
      branches: {
        feature: {
          files: { "src/index.ts": 'export function hello(name: string) {\n  return "hi " + name;\n}\n' },
        },
        conflicting: { files: { "README.md": "# other\n" } },
      },
      issues: Array.from({ length: 45 }, (_, i) => ({
        title: `Issue ${i + 1}${i % 3 === 0 ? " crash" : ""}`,
        body: i === 0 ? "x".repeat(6000) : `body ${i + 1}`,
        labels: i % 3 === 0 ? ["bug"] : i % 3 === 1 ? ["docs"] : [],
        assignees: i % 5 === 0 ? ["maya"] : [],
        user: i % 2 === 0 ? "omar" : "maya",
        state: (i >= 40 ? "closed" : "open") as "open" | "closed",
      })),
      workflows: [
        {
          name: "CI",
          path: ".github/workflows/ci.yml",
          runs: [
            {
              head_branch: "main",
              conclusion: "failure" as const,
              jobs: [
                {
                  name: "test",
                  conclusion: "failure" as const,
                  log: `${Array.from({ length: 50 }, (_, i) => `step ${i}`).join("\n")}\nError: expected 1 to be 2\n`,
                },
                { name: "lint", conclusion: "success" as const, log: "all good\n" },
              ],
            },
            {
              head_branch: "feature",
              event: "pull_request",
              status: "in_progress" as const,
              conclusion: null,
              jobs: [{ name: "test", status: "in_progress" as const }],
            },
          ],
        },
        { name: "Deploy", path: ".github/workflows/deploy.yml" },
      ],
    },
  ],
};

describe("github tools", () => {
  let bed: GithubTestBed;
  beforeAll(async () => {
    bed = await startGithubTestBed(SEED);
  });
  afterAll(async () => {
    await bed?.close();
  });
  const call = async (name: string, args: Obj = {}) => {
    const r = await bed.app.call(name, { ...R, ...args });
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.data)}`);
    return r.data as Obj;
  };

  it("lists every tool with explicit annotations and flat input schemas", async () => {
    const { tools } = await bed.app.client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of [
      "list_issues",
      "get_issue",
      "search_issues",
      "create_issue",
      "update_issue",
      "add_issue_comment",
      "list_issue_comments",
      "add_labels",
      "remove_label",
      "list_pull_requests",
      "get_pull_request",
      "get_pull_request_files",
      "get_pull_request_diff",
      "create_pull_request",
      "update_pull_request",
      "merge_pull_request",
      "list_pull_request_reviews",
      "create_pull_request_review",
      "request_reviewers",
      "update_pull_request_branch",
      "get_repository",
      "list_branches",
      "create_branch",
      "get_file_contents",
      "list_commits",
      "get_commit",
      "compare_refs",
      "create_or_update_file",
      "delete_file",
      "push_files",
      "search_code",
      "search_repositories",
      "list_workflows",
      "list_workflow_runs",
      "get_workflow_run",
      "list_workflow_jobs",
      "get_job_logs",
      "rerun_workflow_run",
      "rerun_failed_jobs",
      "cancel_workflow_run",
      "run_workflow",
    ]) {
      expect(names).toContain(n);
    }
    for (const t of tools) {
      expect(t.annotations?.readOnlyHint, t.name).toBeTypeOf("boolean");
      expect(t.annotations?.destructiveHint, t.name).toBeTypeOf("boolean");
      expect(Object.keys(t.inputSchema)).not.toContain("anyOf");
    }
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get("merge_pull_request")?.annotations?.destructiveHint).toBe(true);
    expect(byName.get("push_files")?.annotations?.destructiveHint).toBe(true);
    expect(byName.get("get_issue")?.annotations?.readOnlyHint).toBe(true);
  });

  it("is not offered without credentials, and says why; --read-only removes every write", async () => {
    expect(githubToolset.unavailable?.({ github: { apiUrl: "x" } } as never)).toMatch(/GITHUB_TOKEN/);
    expect(githubToolset.unavailable?.({ github: { apiUrl: "x", appId: "1" } } as never)).toMatch(
      /missing GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_PATH, GITHUB_APP_INSTALLATION_ID/,
    );
    const inventory = buildInventory([githubToolset as Toolset], loadConfig({ env: {} }), {
      toolsets: ["all"],
      readOnly: false,
    });
    expect(inventory.skipped).toEqual([
      { name: "github", reason: expect.stringMatching(/no GitHub credentials/) },
    ]);
    const ro = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "github",
        GITHUB_TOKEN: "t",
        GITHUB_API_URL: bed.emu.url,
        REPOWRIGHT_READ_ONLY: "true",
      },
    });
    try {
      const names = (await ro.client.listTools()).tools.map((t) => t.name);
      expect(names).toContain("get_issue");
      for (const w of [
        "push_files",
        "merge_pull_request",
        "create_issue",
        "rerun_failed_jobs",
        "delete_file",
      ]) {
        expect(names).not.toContain(w);
      }
    } finally {
      await ro.close();
    }
  });

  it("lists issues compactly, pages with Link, filters, and excludes pull requests", async () => {
    const p1 = await call("list_issues", { per_page: 20 });
    expect((p1["issues"] as Obj[]).length).toBe(20);
    expect(p1["next_page"]).toBe(2);
    const first = (p1["issues"] as Obj[])[0]!;
    expect(first).not.toHaveProperty("body");
    expect(Object.keys(first)).toEqual(expect.arrayContaining(["number", "title", "state", "author", "url"]));
    const p2 = await call("list_issues", { per_page: 20, page: 2 });
    expect(p2["next_page"]).toBeNull();
    expect((p2["issues"] as Obj[]).length).toBe(20);
    const bugs = await call("list_issues", {
      labels: ["bug"],
      assignee: "maya",
      state: "all",
      per_page: 100,
    });
    expect((bugs["issues"] as Obj[]).every((i) => (i["labels"] as string[]).includes("bug"))).toBe(true);
    expect((bugs["issues"] as Obj[]).map((i) => i["number"])).toEqual([31, 16, 1]);
    const closed = await call("list_issues", { state: "closed" });
    expect((closed["issues"] as Obj[]).length).toBe(5);
  });

  it("gets an issue with a truncated body and a note saying how to get the rest", async () => {
    const issue = await call("get_issue", { issue_number: 1 });
    expect(String(issue["body"])).toMatch(
      /truncated: 2000 more characters; call get_issue with body_max_chars=0/,
    );
    const full = await call("get_issue", { issue_number: 1, body_max_chars: 0 });
    expect(full["body"]).toBe("x".repeat(6000));
    const missing = await bed.app.call("get_issue", { ...R, issue_number: 999 });
    expect(missing.data).toMatchObject({ type: "not_found", status_code: 404 });
  });

  it("searches issues with the qualifiers", async () => {
    const res = await call("search_issues", { query: "crash label:bug author:omar state:open" });
    const nums = (res["items"] as Obj[]).map((i) => i["number"]);
    expect(nums.length).toBeGreaterThan(0);
    expect((res["items"] as Obj[])[0]).toMatchObject({ repository: "acme/tools", author: "omar" });
    const none = await call("search_issues", { query: "no:label no:assignee is:closed", per_page: 100 });
    expect((none["items"] as Obj[]).every((i) => i["state"] === "closed" && !i["labels"])).toBe(true);
  });

  it("creates, updates, comments, labels and closes an issue", async () => {
    const created = await call("create_issue", {
      title: "New one",
      body: "b",
      labels: ["triage"],
      assignees: ["maya"],
    });
    const n = created["number"] as number;
    expect(created).toMatchObject({
      state: "open",
      labels: ["triage"],
      assignees: ["maya"],
      author: "octocat",
    });
    await call("add_issue_comment", { issue_number: n, body: "first!" });
    expect(await call("add_labels", { issue_number: n, labels: ["bug", "p1"] })).toEqual({
      labels: ["triage", "bug", "p1"],
    });
    expect(await call("remove_label", { issue_number: n, label: "triage" })).toEqual({
      labels: ["bug", "p1"],
    });
    const gone = await bed.app.call("remove_label", { ...R, issue_number: n, label: "nope" });
    expect(gone.data).toMatchObject({ type: "not_found" });
    const closed = await call("update_issue", {
      issue_number: n,
      state: "closed",
      state_reason: "not_planned",
      title: "Renamed",
    });
    expect(closed).toMatchObject({
      state: "closed",
      state_reason: "not_planned",
      title: "Renamed",
      comments: 1,
    });
    const comments = await call("list_issue_comments", { issue_number: n });
    expect(comments["comments"]).toEqual([expect.objectContaining({ author: "octocat", body: "first!" })]);
    const bad = await bed.app.call("update_issue", { ...R, issue_number: n, title: "" });
    expect(bad.data).toMatchObject({ type: "validation" });
  });

  it("reads files and directories at any ref, with truncation and binary as base64", async () => {
    const dir = await call("get_file_contents", { path: "src" });
    expect(dir).toMatchObject({
      type: "dir",
      entries: [{ name: "big.txt" }, { name: "index.ts", type: "file" }],
    });
    const file = await call("get_file_contents", { path: "src/index.ts", ref: "feature" });
    expect(file["content"]).toContain('"hi " + name');
    const big = await call("get_file_contents", { path: "src/big.txt", max_chars: 100 });
    expect(big["note"]).toMatch(/call again with offset=100/);
    const huge = await call("get_file_contents", {
      path: "data/huge.txt",
      offset: 1_119_990,
      max_chars: 100,
    });
    expect(huge).toMatchObject({ size: 1_120_003, content: "6789abcdefEND" });
    const bin = await call("get_file_contents", { path: "bin/logo.bin" });
    expect(bin["encoding"]).toBe("base64");
    expect(Buffer.from(String(bin["content"]), "base64").subarray(0, 3)).toEqual(Buffer.from([0, 1, 2]));
  });

  it("lists commits, gets one with its patch, and compares refs", async () => {
    const commits = await call("list_commits", { sha: "feature" });
    expect((commits["commits"] as Obj[]).length).toBe(2);
    const head = (commits["commits"] as Obj[])[0]!;
    const one = await call("get_commit", { sha: head["sha"] });
    expect(one["files"]).toEqual([
      expect.objectContaining({ filename: "src/index.ts", status: "modified", additions: 1, deletions: 1 }),
    ]);
    expect(String((one["files"] as Obj[])[0]!["patch"])).toContain('+  return "hi " + name;');
    const cmp = await call("compare_refs", { base: "main", head: "feature" });
    expect(cmp).toMatchObject({ status: "ahead", ahead_by: 1, behind_by: 0 });
  });

  it("writes and deletes single files with sha checks", async () => {
    const created = await call("create_or_update_file", {
      path: "docs/new.md",
      content: "v1",
      message: "add",
      branch: "main",
    });
    const blob = created["sha"] as string;
    const noSha = await bed.app.call("create_or_update_file", {
      ...R,
      path: "docs/new.md",
      content: "v2",
      message: "m",
      branch: "main",
    });
    expect(noSha.data).toMatchObject({ type: "validation", status_code: 422 });
    expect((noSha.data as Obj)["error"]).toContain("sha");
    const wrong = await bed.app.call("create_or_update_file", {
      ...R,
      path: "docs/new.md",
      content: "v2",
      message: "m",
      branch: "main",
      sha: "1".repeat(40),
    });
    expect(wrong.data).toMatchObject({ type: "conflict", status_code: 409 });
    await call("create_or_update_file", {
      path: "docs/new.md",
      content: "v2",
      message: "m",
      branch: "main",
      sha: blob,
    });
    expect(bed.git("acme", "tools", "show", "main:docs/new.md")).toBe("v2");
    await call("delete_file", { path: "docs/new.md", message: "rm", branch: "main" });
    expect(() => bed.git("acme", "tools", "show", "main:docs/new.md")).toThrow();
  });

  it("searches code and repositories", async () => {
    const code = await call("search_code", { query: "hello repo:acme/tools language:typescript" });
    expect(code["items"]).toEqual([
      expect.objectContaining({ repository: "acme/tools", path: "src/index.ts" }),
    ]);
    const repos = await call("search_repositories", { query: "tooling topic:mcp" });
    expect(repos["items"]).toEqual([
      expect.objectContaining({ full_name: "acme/tools", language: "TypeScript" }),
    ]);
    expect(await call("get_repository")).toMatchObject({
      full_name: "acme/tools",
      default_branch: "main",
      topics: ["mcp"],
    });
    const branches = await call("list_branches");
    expect((branches["branches"] as Obj[]).map((b) => b["name"])).toEqual(["conflicting", "feature", "main"]);
  });

  it("works pull requests: list, diff, reviewers, update branch, squash and rebase merges", async () => {
    const pr = await call("create_pull_request", { title: "Say hi", head: "feature", base: "main" });
    const n = pr["number"] as number;
    const dup = await bed.app.call("create_pull_request", {
      ...R,
      title: "again",
      head: "feature",
      base: "main",
    });
    expect(dup.data).toMatchObject({ type: "conflict" });
    expect((dup.data as Obj)["error"]).toContain("already exists");
    const listed = await call("list_pull_requests", { head: "feature" });
    expect(listed["pull_requests"]).toEqual([
      expect.objectContaining({ number: n, head: "feature", base: "main" }),
    ]);
    const diff = (await bed.app.call("get_pull_request_diff", { ...R, pull_number: n })).data;
    expect(String(diff)).toContain("diff --git a/src/index.ts b/src/index.ts");
    const short = (await bed.app.call("get_pull_request_diff", { ...R, pull_number: n, max_chars: 20 })).data;
    expect(String(short)).toMatch(
      /truncated: \d+ more characters; call get_pull_request_diff with offset=20/,
    );
    expect(await call("request_reviewers", { pull_number: n, reviewers: ["maya"] })).toMatchObject({
      requested_reviewers: ["maya"],
    });
    const self = await bed.app.call("create_pull_request_review", { ...R, pull_number: n, event: "APPROVE" });
    expect(self.data).toMatchObject({ type: "validation" });
    expect((self.data as Obj)["error"]).toContain("your own pull request");
    // Move main, then update the PR branch and squash it.
    await call("create_or_update_file", {
      path: "CHANGELOG.md",
      content: "x",
      message: "changelog",
      branch: "main",
    });
    const before = await call("get_pull_request", { pull_number: n });
    const upd = await call("update_pull_request_branch", {
      pull_number: n,
      expected_head_sha: before["head_sha"],
    });
    expect(upd["message"]).toContain("Updating");
    const after = await call("get_pull_request", { pull_number: n });
    expect(after["head_sha"]).not.toBe(before["head_sha"]);
    const squashed = await call("merge_pull_request", {
      pull_number: n,
      merge_method: "squash",
      sha: after["head_sha"],
    });
    expect(bed.git("acme", "tools", "rev-list", "--parents", "-n1", "main").split(" ").length).toBe(2);
    expect(bed.git("acme", "tools", "log", "-1", "--format=%s", "main")).toBe(`Say hi (#${n})`);
    expect(squashed["sha"]).toBe(bed.git("acme", "tools", "rev-parse", "main"));
    const reviews = await call("list_pull_request_reviews", { pull_number: n });
    expect(reviews["reviews"]).toEqual([]);
    // The conflicting branch cannot merge.
    await call("create_or_update_file", {
      path: "README.md",
      content: "# main side\n",
      message: "readme",
      branch: "main",
      sha: bed.git("acme", "tools", "rev-parse", "main:README.md"),
    });
    const c = await call("create_pull_request", { title: "Conflict", head: "conflicting", base: "main" });
    expect(await call("get_pull_request", { pull_number: c["number"] })).toMatchObject({
      mergeable: false,
      mergeable_state: "dirty",
    });
    const refused = await bed.app.call("merge_pull_request", {
      ...R,
      pull_number: c["number"],
      merge_method: "rebase",
    });
    expect(refused.data).toMatchObject({ type: "conflict", status_code: 405 });
    // A rebase merge of a clean branch replays its commit on top of main.
    await call("create_branch", { branch: "rb" });
    await call("push_files", {
      branch: "rb",
      message: "rb change",
      files: [{ path: "rb.txt", content: "rb" }],
    });
    const rb = await call("create_pull_request", { title: "Rebase me", head: "rb", base: "main" });
    await call("merge_pull_request", { pull_number: rb["number"], merge_method: "rebase" });
    expect(bed.git("acme", "tools", "log", "-1", "--format=%s|%cn", "main")).toBe("rb change|GitHub");
    expect(bed.git("acme", "tools", "show", "main:rb.txt")).toBe("rb");
  });

  it("works Actions: runs with filters, jobs, failed-job logs via the redirect, re-runs, cancel, dispatch", async () => {
    const wfs = await call("list_workflows");
    expect((wfs["workflows"] as Obj[]).map((w) => w["name"])).toEqual(["CI", "Deploy"]);
    const failed = await call("list_workflow_runs", { status: "failure" });
    expect(failed["total_count"]).toBe(1);
    const run = (failed["runs"] as Obj[])[0]!;
    expect(run).toMatchObject({ branch: "main", conclusion: "failure", event: "push" });
    const byBranch = await call("list_workflow_runs", {
      workflow_id: "ci.yml",
      branch: "feature",
      event: "pull_request",
    });
    expect(byBranch["runs"]).toEqual([expect.objectContaining({ status: "in_progress" })]);
    expect(await call("get_workflow_run", { run_id: run["id"] })).toMatchObject({
      id: run["id"],
      attempt: 1,
    });
    const jobs = await call("list_workflow_jobs", { run_id: run["id"] });
    expect((jobs["jobs"] as Obj[]).map((j) => `${j["name"]}:${j["conclusion"]}`)).toEqual([
      "test:failure",
      "lint:success",
    ]);

    bed.emu.requests.length = 0;
    const logs = await call("get_job_logs", { run_id: run["id"], tail_lines: 5 });
    expect(logs["jobs"]).toEqual([
      expect.objectContaining({
        name: "test",
        conclusion: "failure",
        log: "step 46\nstep 47\nstep 48\nstep 49\nError: expected 1 to be 2",
        note: expect.stringContaining("first 46 lines omitted"),
      }),
    ]);
    const paths = bed.emu.requests.map((r) => `${r.status} ${r.path.split("?")[0]}`);
    expect(paths.some((p) => /^302 \/repos\/acme\/tools\/actions\/jobs\/\d+\/logs$/.test(p))).toBe(true);
    expect(paths.some((p) => /^200 \/_emulator\/download\/jobs\/\d+\/logs$/.test(p))).toBe(true);
    const lintId = (jobs["jobs"] as Obj[])[1]!["id"];
    expect(await call("get_job_logs", { job_id: lintId })).toMatchObject({
      jobs: [{ name: "lint", log: "all good" }],
    });
    const both = await bed.app.call("get_job_logs", { ...R });
    expect(both.data).toMatchObject({ type: "validation" });

    await call("rerun_failed_jobs", { run_id: run["id"] });
    const rerun = await call("get_workflow_run", { run_id: run["id"] });
    expect(rerun).toMatchObject({ attempt: 2, status: "queued" });
    const jobs2 = await call("list_workflow_jobs", { run_id: run["id"] });
    expect((jobs2["jobs"] as Obj[]).map((j) => `${j["name"]}:${j["status"]}`)).toEqual([
      "test:queued",
      "lint:completed",
    ]);
    await call("cancel_workflow_run", { run_id: run["id"] });
    expect(await call("get_workflow_run", { run_id: run["id"] })).toMatchObject({ conclusion: "cancelled" });
    const again = await bed.app.call("cancel_workflow_run", { ...R, run_id: run["id"] });
    expect(again.data).toMatchObject({ type: "conflict", status_code: 409 });
    await call("rerun_workflow_run", { run_id: run["id"] });
    expect(await call("get_workflow_run", { run_id: run["id"] })).toMatchObject({ attempt: 3 });

    await call("run_workflow", { workflow_id: "deploy.yml", ref: "main", inputs: { env: "staging" } });
    const dispatched = await call("list_workflow_runs", { event: "workflow_dispatch" });
    expect(dispatched["runs"]).toEqual([
      expect.objectContaining({ name: "Deploy", status: "queued", actor: "octocat" }),
    ]);
    const badRef = await bed.app.call("run_workflow", { ...R, workflow_id: "deploy.yml", ref: "nope" });
    expect(badRef.data).toMatchObject({ type: "validation", status_code: 422 });
  });

  it("serves issues, pull requests and files as resources from templates", async () => {
    const { resourceTemplates } = await bed.app.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(
      expect.arrayContaining([
        "github://repos/{owner}/{repo}/issues/{number}",
        "github://repos/{owner}/{repo}/pulls/{number}",
        "github://repos/{owner}/{repo}/contents/{path}",
      ]),
    );
    const issue = await bed.app.client.readResource({ uri: "github://repos/acme/tools/issues/2" });
    expect(JSON.parse(String((issue.contents[0] as { text?: string }).text))).toMatchObject({
      number: 2,
      title: "Issue 2",
    });
    const file = await bed.app.client.readResource({
      uri: "github://repos/acme/tools/contents/src%2Findex.ts",
    });
    expect(file.contents[0]).toMatchObject({
      mimeType: "text/plain",
      text: expect.stringContaining("export function hello"),
    });
  });
  it("tells a session subscribed to an issue, a pull request or a file when a tool writes to it", async () => {
    const heard: string[] = [];
    bed.app.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      heard.push(n.params.uri);
    });
    const uris = {
      issue: "github://repos/acme/tools/issues/3",
      otherIssue: "github://repos/acme/tools/issues/4",
      readme: "github://repos/acme/tools/contents/README.md",
      pushed: "github://repos/acme/tools/contents/src%2Fpushed.ts",
    };
    for (const uri of Object.values(uris)) await bed.app.client.subscribeResource({ uri });

    await bed.app.call("add_issue_comment", { ...R, issue_number: 3, body: "on it" });
    await bed.app.call("get_issue", { ...R, issue_number: 4 }); // a read changes nothing
    const before = (await bed.app.call("get_file_contents", { ...R, path: "README.md" })).data as Obj;
    const written = await bed.app.call("create_or_update_file", {
      ...R,
      path: "README.md",
      content: "# tools, renamed\n",
      message: "Rename",
      branch: "main",
      sha: before["sha"],
    });
    expect(written.isError).toBe(false);
    await bed.app.call("push_files", {
      ...R,
      branch: "main",
      message: "Add a file",
      files: [{ path: "src/pushed.ts", content: "export {};\n" }],
    });
    const failed = await bed.app.call("add_issue_comment", { ...R, issue_number: 4, body: "" });
    expect(failed.isError).toBe(true); // rejected before any write: no update
    await bed.app.client.ping();
    expect(heard).toEqual([uris.issue, uris.readme, uris.pushed]);

    const readme = await bed.app.client.readResource({ uri: uris.readme });
    expect(readme.contents[0]).toMatchObject({ text: "# tools, renamed\n" });
    for (const uri of Object.values(uris)) await bed.app.client.unsubscribeResource({ uri });
  });
});

describe("github toolset with GitHub App credentials", () => {
  it("gets a new installation token before the old one expires, whatever its lifetime", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const bed = await startGithubTestBed(
      { repos: [{ owner: "acme", name: "app", files: { "a.txt": "a" } }] },
      {
        GITHUB_TOKEN: "",
        GITHUB_APP_ID: "12345",
        GITHUB_APP_PRIVATE_KEY: pem,
        GITHUB_APP_INSTALLATION_ID: "777",
      },
      { appTokenTtlS: 2 },
    );
    try {
      const tokens = () =>
        bed.emu.requests.filter((r) => r.path === "/app/installations/777/access_tokens").length;
      expect(await bed.app.call("get_repository", { owner: "acme", repo: "app" })).toMatchObject({
        isError: false,
      });
      expect(await bed.app.call("list_branches", { owner: "acme", repo: "app" })).toMatchObject({
        isError: false,
      });
      expect(tokens()).toBe(1);
      // Half its two-second life later the token is renewed, not used until GitHub refuses it.
      await new Promise((r) => setTimeout(r, 2100));
      expect(await bed.app.call("get_repository", { owner: "acme", repo: "app" })).toMatchObject({
        isError: false,
      });
      expect(tokens()).toBe(2);
      expect(bed.emu.requests.filter((r) => r.status === 401)).toEqual([]);
    } finally {
      await bed.close();
    }
  });

  it("gets an installation token from the app's private key and uses it", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const bed = await startGithubTestBed(
      { repos: [{ owner: "acme", name: "app", files: { "a.txt": "a" } }] },
      {
        GITHUB_TOKEN: "",
        GITHUB_APP_ID: "12345",
        GITHUB_APP_PRIVATE_KEY: pem,
        GITHUB_APP_INSTALLATION_ID: "777",
      },
    );
    try {
      const a = await bed.app.call("get_repository", { owner: "acme", repo: "app" });
      expect(a).toMatchObject({ isError: false, data: { full_name: "acme/app" } });
      const c = await bed.app.call("create_issue", { owner: "acme", repo: "app", title: "from the app" });
      expect(c.data).toMatchObject({ author: "repowright[bot]" });
      const tokenRequests = bed.emu.requests.filter((r) => r.path === "/app/installations/777/access_tokens");
      expect(tokenRequests.map((r) => r.status)).toEqual([201]);
    } finally {
      await bed.close();
    }
  });
});
