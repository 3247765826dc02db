import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp } from "../helpers/app.js";
import { type GithubTestBed, startGithubTestBed, WIDGETS } from "./helpers.js";

type Obj = Record<string, unknown>;

describe("github toolset end to end against the emulator", () => {
  let bed: GithubTestBed;
  beforeAll(async () => {
    bed = await startGithubTestBed(WIDGETS);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("branch -> push_files as one commit -> draft PR -> review -> merge; git shows exactly that commit and tree", async () => {
    const { app, git } = bed;
    const mainBefore = git("acme", "widgets", "rev-parse", "refs/heads/main");

    const branch = await app.call("create_branch", { owner: "acme", repo: "widgets", branch: "feature/x" });
    expect(branch).toEqual({ isError: false, data: { branch: "feature/x", sha: mainBefore } });

    const pushed = await app.call("push_files", {
      owner: "acme",
      repo: "widgets",
      branch: "feature/x",
      message: "Rework widgets",
      files: [
        { path: "src/a.ts", content: "export const a = 2;\n" },
        { path: "src/b.ts", content: "export const b = 2;\n" },
        { path: "src/nested/new.ts", content: "export const fresh = 1;\n" },
      ],
      deletions: ["src/old.ts"],
    });
    expect(pushed.isError).toBe(false);
    const push = pushed.data as Obj;
    expect(push).toMatchObject({
      branch: "feature/x",
      parent_sha: mainBefore,
      files_written: 3,
      files_deleted: 1,
    });
    const commit = push["commit_sha"] as string;
    expect(git("acme", "widgets", "rev-list", "--count", `${mainBefore}..refs/heads/feature/x`)).toBe("1");
    expect(git("acme", "widgets", "rev-parse", "refs/heads/feature/x")).toBe(commit);

    const pr = await app.call("create_pull_request", {
      owner: "acme",
      repo: "widgets",
      title: "Rework widgets",
      head: "feature/x",
      base: "main",
      body: "Three files changed, one removed.",
      draft: true,
    });
    expect(pr.isError).toBe(false);
    expect(pr.data).toMatchObject({
      number: 3,
      state: "open",
      draft: true,
      head: "feature/x",
      base: "main",
      head_sha: commit,
    });

    const got = (await app.call("get_pull_request", { owner: "acme", repo: "widgets", pull_number: 3 }))
      .data as Obj;
    expect(got).toMatchObject({ mergeable: true, mergeable_state: "draft", changed_files: 4, commits: 1 });

    const files = (
      await app.call("get_pull_request_files", { owner: "acme", repo: "widgets", pull_number: 3 })
    ).data as { files: Obj[] };
    expect(files.files.map((f) => `${f["status"]} ${f["filename"]}`).sort()).toEqual([
      "added src/nested/new.ts",
      "modified src/a.ts",
      "modified src/b.ts",
      "removed src/old.ts",
    ]);

    const review = await app.call("create_pull_request_review", {
      owner: "acme",
      repo: "widgets",
      pull_number: 3,
      event: "COMMENT",
      body: "Looks right.",
      comments: [{ path: "src/a.ts", line: 1, body: "Why 2?" }],
    });
    expect(review).toMatchObject({ isError: false, data: { state: "COMMENTED", line_comments: 1 } });

    // A draft cannot be merged: GitHub's 405 maps to a conflict the model can act on.
    const early = await app.call("merge_pull_request", {
      owner: "acme",
      repo: "widgets",
      pull_number: 3,
      sha: commit,
    });
    expect(early.isError).toBe(true);
    expect(early.data).toMatchObject({ type: "conflict", status_code: 405 });
    expect((early.data as Obj)["error"]).toContain("draft");

    const ready = await app.call("update_pull_request", {
      owner: "acme",
      repo: "widgets",
      pull_number: 3,
      draft: false,
    });
    expect(ready.isError).toBe(false);
    expect((ready.data as Obj)["draft"]).toBeUndefined();

    const stale = await app.call("merge_pull_request", {
      owner: "acme",
      repo: "widgets",
      pull_number: 3,
      sha: mainBefore,
    });
    expect(stale.data).toMatchObject({ type: "conflict", status_code: 409 });

    const merged = await app.call("merge_pull_request", {
      owner: "acme",
      repo: "widgets",
      pull_number: 3,
      merge_method: "merge",
      sha: commit,
    });
    expect(merged).toMatchObject({ isError: false, data: { merged: true } });
    const mergeSha = (merged.data as Obj)["sha"] as string;

    // git on the bare repository: main is the merge commit of exactly the pushed commit, with its tree.
    expect(git("acme", "widgets", "rev-parse", "refs/heads/main")).toBe(mergeSha);
    expect(git("acme", "widgets", "rev-parse", "refs/heads/main^1")).toBe(mainBefore);
    expect(git("acme", "widgets", "rev-parse", "refs/heads/main^2")).toBe(commit);
    expect(git("acme", "widgets", "rev-parse", "refs/heads/main^{tree}")).toBe(push["tree_sha"]);
    expect(git("acme", "widgets", "rev-list", "--count", `${mainBefore}..refs/heads/main`)).toBe("2");
    expect(
      git("acme", "widgets", "diff", "--name-status", mainBefore, "refs/heads/main").split("\n").sort(),
    ).toEqual(["A\tsrc/nested/new.ts", "D\tsrc/old.ts", "M\tsrc/a.ts", "M\tsrc/b.ts"]);
    expect(git("acme", "widgets", "show", "refs/heads/main:src/a.ts")).toBe("export const a = 2;");

    const after = (await app.call("get_pull_request", { owner: "acme", repo: "widgets", pull_number: 3 }))
      .data as Obj;
    expect(after).toMatchObject({ state: "merged", merge_commit_sha: mergeSha });
  });

  it("speaks GitHub Enterprise Server's layout (GITHUB_API_URL=https://HOST/api/v3)", async () => {
    const ghes = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "github",
        GITHUB_TOKEN: "t",
        GITHUB_API_URL: `${bed.emu.url}/api/v3`,
        GITHUB_WRITE_INTERVAL_MS: "0",
      },
    });
    try {
      const issue = await ghes.call("get_issue", { owner: "acme", repo: "widgets", issue_number: 2 });
      expect(issue.data).toMatchObject({ number: 2, title: "Docs typo" });
      const pr = await ghes.call("update_pull_request", {
        owner: "acme",
        repo: "widgets",
        pull_number: 3,
        draft: true,
      });
      expect(pr.data).toMatchObject({ number: 3 });
      expect(bed.emu.requests.some((r) => r.path === "/api/graphql" && r.status === 200)).toBe(true);
      expect(bed.emu.requests.some((r) => r.path === "/api/v3/repos/acme/widgets/issues/2")).toBe(true);
    } finally {
      await ghes.close();
    }
  });

  it("reads the same issue twice: the second request is conditional and answered 304", async () => {
    const { app, emu } = bed;
    emu.requests.length = 0;
    const first = await app.call("get_issue", { owner: "acme", repo: "widgets", issue_number: 1 });
    const second = await app.call("get_issue", { owner: "acme", repo: "widgets", issue_number: 1 });
    expect(first.isError).toBe(false);
    expect(second).toEqual(first);
    expect(first.data).toMatchObject({
      number: 1,
      title: "Widgets crash on empty input",
      labels: ["bug"],
      comments: 1,
      comment_list: [{ author: "maya", body: "Same here on v2." }],
    });
    const issueGets = emu.requests.filter(
      (r) => r.method === "GET" && r.path === "/repos/acme/widgets/issues/1",
    );
    expect(issueGets.map((r) => [r.conditional, r.status])).toEqual([
      [false, 200],
      [true, 304],
    ]);
  });
});
