/**
 * A goal's tasks become GitHub issues with links both ways (journey 5), against the emulator: created in
 * dependency order with `Depends on #N`, idempotent on a re-run, updated and closed as the tasks change,
 * drift reported instead of undone, and no duplicate after a lost link.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GithubTestBed, startGithubTestBed } from "./helpers.js";

type Obj = Record<string, unknown>;
const R = { owner: "acme", repo: "api" };

describe("sync_goal_issues", () => {
  let bed: GithubTestBed;
  let goalId: string;
  let ids: Record<string, string>;

  const call = async (name: string, args: Obj) => {
    const r = await bed.app.call(name, args);
    if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.data)}`);
    return r.data as Obj;
  };
  const sync = (extra: Obj = {}) => call("sync_goal_issues", { ...R, goal_id: goalId, ...extra });
  const issue = async (n: number) => call("get_issue", { ...R, issue_number: n });
  const writes = () =>
    bed.emu.requests.filter((q) => q.method !== "GET" && q.path.startsWith("/repos/acme/api/issues")).length;

  beforeAll(async () => {
    bed = await startGithubTestBed(
      {
        repos: [
          {
            owner: "acme",
            name: "api",
            files: { "README.md": "# api\n" },
            issues: [{ title: "Clients hammer /search", body: "We need limits." }],
          },
        ],
      },
      { REPOWRIGHT_TOOLSETS: "github,goals" },
    );
    goalId = ((await call("create_goal", { title: "Add rate limiting to our API" }))["goal"] as Obj)[
      "id"
    ] as string;
    const created = await call("create_tasks", {
      goal_id: goalId,
      tasks: [
        { ref: "design", title: "Design the limits", priority: "high" },
        { ref: "impl", title: "Implement the limiter", depends_on: ["design"], estimate: 3 },
        { ref: "tests", title: "Load tests", depends_on: ["impl"], test_strategy: "k6 at 2x peak" },
        {
          ref: "docs",
          title: "Document the limits",
          depends_on: ["impl"],
          description: "Try it with `curl -H 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123'`.",
        },
        {
          ref: "security",
          title: "Security review",
          depends_on: ["impl"],
          links: ["https://github.com/acme/api/issues/1"],
        },
        { ref: "rollout", title: "Roll out", depends_on: ["tests", "docs", "security"] },
      ],
    });
    ids = Object.fromEntries((created["tasks"] as Obj[]).map((t) => [t["ref"] as string, t["id"] as string]));
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("creates one issue per task, dependencies first, with links both ways", async () => {
    const res = await sync();
    const created = res["created"] as { task_id: string; number: number; url: string }[];
    expect(created.map((c) => c.task_id)).toEqual([
      ids["design"],
      ids["impl"],
      ids["tests"],
      ids["docs"],
      ids["security"],
      ids["rollout"],
    ]);
    expect(created.map((c) => c.number)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(res).toMatchObject({ updated: [], unchanged: 0, drift: [], remaining: 0 });

    const rollout = await issue(7);
    expect(rollout["title"]).toBe("Roll out");
    expect(rollout["labels"]).toEqual([`goal:${goalId}`]);
    expect(rollout["body"]).toContain(
      `Depends on #4 (${ids["tests"]}), #5 (${ids["docs"]}), #6 (${ids["security"]}).`,
    );
    expect(rollout["body"]).toContain(
      `Task ${ids["rollout"]} of goal ${goalId} (Add rate limiting to our API)`,
    );
    expect(String((await issue(4))["body"])).toContain("### Test strategy\n\nk6 at 2x peak");
    // Task text goes public: a token pasted into it does not.
    expect(String((await issue(5))["body"])).toContain("'Authorization: [REDACTED]'");

    // The other way: each task links its issue; the unrelated issue #1 the review linked is untouched.
    const review = (await call("get_task", { task_id: ids["security"] }))["task"] as Obj;
    expect(review["links"]).toEqual(["https://github.com/acme/api/issues/1", created[4]!.url]);
    expect(await issue(1)).toMatchObject({ title: "Clients hammer /search", body: "We need limits." });
  });

  it("changes nothing on GitHub when run again with nothing changed", async () => {
    const before = writes();
    const res = await sync();
    expect(res).toMatchObject({ created: [], updated: [], unchanged: 6, linked: [] });
    expect(writes()).toBe(before);
  });

  it("updates changed tasks, closes finished ones, and reports an issue closed on GitHub as drift", async () => {
    await call("update_task", { task_id: ids["docs"], title: "Document the limits and headers" });
    await call("update_task", { task_id: ids["design"], status: "done" });
    await call("update_issue", { ...R, issue_number: 4, state: "closed", state_reason: "not_planned" });

    const res = await sync();
    expect(res["updated"]).toEqual([
      { task_id: ids["design"], number: 2, url: expect.any(String), changed: ["closed"] },
      { task_id: ids["docs"], number: 5, url: expect.any(String), changed: ["title"] },
    ]);
    expect(res["drift"]).toEqual([
      {
        task_id: ids["tests"],
        number: 4,
        url: expect.any(String),
        task_status: "pending",
        issue_state: "closed",
      },
    ]);
    expect(await issue(2)).toMatchObject({ state: "closed", state_reason: "completed" });
    expect(await issue(5)).toMatchObject({ title: "Document the limits and headers", state: "open" });
    expect(await issue(4)).toMatchObject({ state: "closed" }); // not reopened
  });

  it("finds a task's issue by its marker when the link was lost, instead of opening a second one", async () => {
    await call("update_task", { task_id: ids["rollout"], links: [] });
    const res = await sync();
    expect(res["created"]).toEqual([]);
    expect(res["linked"]).toEqual([ids["rollout"]]);
    const task = (await call("get_task", { task_id: ids["rollout"] }))["task"] as Obj;
    expect(task["links"]).toEqual([expect.stringMatching(/\/acme\/api\/issues\/7$/)]);
    const all = await call("list_issues", { ...R, state: "all", labels: [`goal:${goalId}`] });
    expect((all["issues"] as Obj[]).length).toBe(6);
  });

  it("stops at the write limit and goes on from there; a dry run writes nothing", async () => {
    const g = ((await call("create_goal", { title: "Second goal" }))["goal"] as Obj)["id"] as string;
    await call("create_tasks", {
      goal_id: g,
      tasks: [{ title: "one" }, { title: "two", depends_on: [0] }, { title: "three", depends_on: [1] }],
    });
    const before = writes();
    const dry = await call("sync_goal_issues", { ...R, goal_id: g, dry_run: true });
    expect((dry["created"] as Obj[]).length).toBe(3);
    expect(writes()).toBe(before);

    const first = await call("sync_goal_issues", { ...R, goal_id: g, limit: 2 });
    expect((first["created"] as Obj[]).length).toBe(2);
    expect(first["remaining"]).toBe(1);
    const second = await call("sync_goal_issues", { ...R, goal_id: g, limit: 2 });
    expect((second["created"] as Obj[]).map((c) => c["number"])).toEqual([10]);
    expect(second).toMatchObject({ unchanged: 2, remaining: 0 });
  });

  it("keeps the links of the issues it made when GitHub fails half-way, and finishes on the next run", async () => {
    const g = ((await call("create_goal", { title: "Third goal" }))["goal"] as Obj)["id"] as string;
    const made = await call("create_tasks", { goal_id: g, tasks: [{ title: "already done" }] });
    const taskId = ((made["tasks"] as Obj[])[0] as Obj)["id"] as string;
    await call("update_task", { task_id: taskId, status: "done" });
    // The issue is created, then closing it fails (a 422 is not retried).
    bed.emu.faults.push({ method: "PATCH", path: "/repos/acme/api/issues/*", kind: "status", status: 422 });
    const failed = await bed.app.call("sync_goal_issues", { ...R, goal_id: g });
    expect(failed).toMatchObject({ isError: true, data: { type: "validation" } });
    const task = (await call("get_task", { task_id: taskId }))["task"] as Obj;
    expect(task["links"]).toEqual([expect.stringMatching(/\/acme\/api\/issues\/\d+$/)]);

    const again = await call("sync_goal_issues", { ...R, goal_id: g });
    expect(again["created"]).toEqual([]);
    expect(again["updated"]).toEqual([expect.objectContaining({ task_id: taskId, changed: ["closed"] })]);
  });

  it("refuses a bad goal id or an unknown goal, writing nothing", async () => {
    const before = writes();
    const bad = await bed.app.call("sync_goal_issues", { ...R, goal_id: "rate-limits" });
    expect(bad).toMatchObject({ isError: true, data: { type: "validation" } });
    const missing = await bed.app.call("sync_goal_issues", { ...R, goal_id: "GOAL-9999" });
    expect(missing).toMatchObject({ isError: true, data: { type: "not_found" } });
    expect(writes()).toBe(before);
  });
});
