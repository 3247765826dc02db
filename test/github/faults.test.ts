import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type GithubTestBed, startGithubTestBed, WIDGETS } from "./helpers.js";

type Obj = Record<string, unknown>;
const REPO = { owner: "acme", repo: "widgets" };
const TREES = "/repos/acme/widgets/git/trees";

describe("github toolset under injected faults", () => {
  let bed: GithubTestBed;
  beforeAll(async () => {
    bed = await startGithubTestBed(WIDGETS);
    await bed.app.call("create_branch", { ...REPO, branch: "faulty" });
  });
  afterAll(async () => {
    await bed?.close();
  });
  beforeEach(() => {
    bed.emu.faults.length = 0;
    bed.emu.requests.length = 0;
  });

  const push = (n: number) =>
    bed.app.call("push_files", {
      ...REPO,
      branch: "faulty",
      message: `change ${n}`,
      files: [
        { path: "src/a.ts", content: `export const a = ${n};\n` },
        { path: "src/c.ts", content: `export const c = ${n};\n` },
      ],
      deletions: n === 1 ? ["src/old.ts"] : [],
    });

  it("a 502, then a secondary rate limit with Retry-After: 2: push_files completes once, with one commit", async () => {
    const before = bed.git("acme", "widgets", "rev-parse", "refs/heads/faulty");
    bed.emu.faults.push(
      { method: "POST", path: TREES, kind: "status", status: 502 },
      { method: "POST", path: TREES, kind: "secondary_rate_limit", retryAfter: 2 },
    );
    const res = await push(1);
    expect(res.isError).toBe(false);
    const sha = (res.data as Obj)["commit_sha"];
    const trees = bed.emu.requests.filter((r) => r.method === "POST" && r.path === TREES);
    expect(trees.map((r) => r.status)).toEqual([502, 403, 201]);
    const commits = bed.emu.requests.filter((r) => r.method === "POST" && r.path.endsWith("/git/commits"));
    expect(commits.map((r) => r.status)).toEqual([201]);
    expect(bed.git("acme", "widgets", "rev-list", "--count", `${before}..refs/heads/faulty`)).toBe("1");
    expect(bed.git("acme", "widgets", "rev-parse", "refs/heads/faulty")).toBe(sha);
  });

  it("a 429 secondary rate limit on a read is waited out and retried", async () => {
    bed.emu.faults.push({
      method: "GET",
      path: "/repos/acme/widgets/issues",
      kind: "secondary_rate_limit",
      status: 429,
      retryAfter: 1,
    });
    const res = await bed.app.call("list_issues", REPO);
    expect(res.isError).toBe(false);
    expect((res.data as { issues: unknown[] }).issues.length).toBe(2);
    const gets = bed.emu.requests.filter((r) => r.path.startsWith("/repos/acme/widgets/issues?"));
    expect(gets.map((r) => r.status)).toEqual([429, 200]);
  });

  it("a secondary rate limit that persists ends in rate_limited naming the retry time; the ref does not move", async () => {
    const before = bed.git("acme", "widgets", "rev-parse", "refs/heads/faulty");
    bed.emu.faults.push({
      method: "PATCH",
      path: "/repos/acme/widgets/git/refs/**",
      kind: "secondary_rate_limit",
      retryAfter: 1,
      times: 0,
    });
    const res = await push(2);
    expect(res.isError).toBe(true);
    expect(res.data).toMatchObject({ type: "rate_limited", status_code: 403, retry_after_s: 1 });
    expect((res.data as Obj)["error"]).toMatch(
      /secondary rate limit .*retry after 1 s \(at \d{4}-\d\d-\d\dT/,
    );
    expect(bed.git("acme", "widgets", "rev-parse", "refs/heads/faulty")).toBe(before);
    // GITHUB_MAX_RETRIES=2: the first try and two retries.
    expect(bed.emu.requests.filter((r) => r.method === "PATCH").length).toBe(3);
  });

  it("a 5xx that persists ends in upstream; nothing is half-written", async () => {
    const before = bed.git("acme", "widgets", "rev-parse", "refs/heads/faulty");
    bed.emu.faults.push({
      method: "POST",
      path: "/repos/acme/widgets/git/commits",
      kind: "status",
      status: 503,
      times: 0,
    });
    const res = await push(3);
    expect(res.data).toMatchObject({ type: "upstream", status_code: 503 });
    expect((res.data as Obj)["error"]).toMatch(/still failing after 2 retries/);
    expect(bed.git("acme", "widgets", "rev-parse", "refs/heads/faulty")).toBe(before);
    expect(bed.emu.requests.some((r) => r.method === "PATCH")).toBe(false);
  });

  it("an exhausted primary rate limit is rate_limited with the reset time; a dropped connection is upstream", async () => {
    bed.emu.setRateLimitRemaining(0, 3000);
    const limited = await bed.app.call("get_repository", REPO);
    expect(limited.data).toMatchObject({ type: "rate_limited", status_code: 403 });
    expect((limited.data as Obj)["retry_after_s"]).toBeGreaterThan(2900);
    bed.emu.setRateLimitRemaining(5000);
    bed.emu.faults.push({ path: "/repos/acme/widgets", kind: "reset", times: 0 });
    const reset = await bed.app.call("get_repository", REPO);
    expect(reset.data).toMatchObject({ type: "upstream" });
    bed.emu.faults.length = 0;
    const ok = await bed.app.call("get_repository", REPO);
    expect(ok.data).toMatchObject({ full_name: "acme/widgets", default_branch: "main" });
  });

  it("a push that is not a fast-forward is a conflict and never forced", async () => {
    const stale = bed.git("acme", "widgets", "rev-parse", "refs/heads/faulty");
    await push(4);
    const moved = bed.git("acme", "widgets", "rev-parse", "refs/heads/faulty");
    const res = await bed.app.call("push_files", {
      ...REPO,
      branch: "faulty",
      message: "based on an old head",
      files: [{ path: "x.txt", content: "x" }],
      expected_head_sha: stale,
    });
    expect(res.data).toMatchObject({ type: "conflict" });
    expect(bed.git("acme", "widgets", "rev-parse", "refs/heads/faulty")).toBe(moved);
    // The ref update itself refuses a non-fast-forward: a concurrent push between read and update.
    bed.emu.faults.push({ method: "POST", path: TREES, kind: "latency", latencyMs: 300 });
    const racing = push(5);
    await new Promise((r) => setTimeout(r, 100));
    const other = await bed.app.call("create_or_update_file", {
      ...REPO,
      branch: "faulty",
      path: "race.txt",
      content: "first",
      message: "concurrent",
    });
    expect(other.isError).toBe(false);
    const lost = await racing;
    expect(lost.data).toMatchObject({ type: "conflict" });
    expect((lost.data as Obj)["error"]).toContain("not a fast-forward");
    expect(bed.git("acme", "widgets", "show", "refs/heads/faulty:race.txt")).toBe("first");
  });
});
