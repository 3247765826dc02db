/**
 * Journey 5 with Jira: a goal's tasks become Jira issues, dependencies become "Blocks" links, links go both
 * ways, and re-runs update, close and report drift without ever duplicating.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJiraEmulator, type JiraEmulator } from "../../src/emulators/jira/server.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

type Obj = Record<string, unknown>;

describe("sync_goal_jira", () => {
  let emu: JiraEmulator;
  let app: TestApp;
  let goalId: string;
  let ids: Record<string, string>;
  const call = async (name: string, args: Obj) => {
    const r = await app.call(name, args);
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.data)}`);
    return r.data as Obj;
  };
  const sync = () => call("sync_goal_jira", { project: "API", goal_id: goalId });
  const writes = () =>
    emu.requests.filter((r) => r.method !== "GET" && !r.path.endsWith("/search/jql")).length;

  beforeAll(async () => {
    emu = await createJiraEmulator();
    emu.seed({ projects: [{ key: "API", name: "Public API" }] });
    app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "jira,goals",
        JIRA_URL: emu.url,
        JIRA_EMAIL: "user@example.test",
        JIRA_API_TOKEN: "t",
      },
    });
    goalId = ((await call("create_goal", { title: "Add rate limiting" }))["goal"] as Obj)["id"] as string;
    const made = await call("create_tasks", {
      goal_id: goalId,
      tasks: [
        { ref: "design", title: "Design the limits", description: "Per role, per minute." },
        { ref: "impl", title: "Implement the limiter", depends_on: ["design"] },
        { ref: "docs", title: "Document the limits", depends_on: ["design"] },
        { ref: "ship", title: "Roll out", depends_on: ["impl", "docs"] },
      ],
    });
    ids = Object.fromEntries((made["tasks"] as Obj[]).map((t) => [t["ref"] as string, t["id"] as string]));
  });
  afterAll(async () => {
    await app?.close();
    await emu?.close();
  });

  it("creates issues in dependency order with Blocks links and links both ways", async () => {
    const res = await sync();
    expect((res["created"] as Obj[]).map((c) => `${c["task_id"]}=${c["key"]}`)).toEqual([
      `${ids["design"]}=API-1`,
      `${ids["impl"]}=API-2`,
      `${ids["docs"]}=API-3`,
      `${ids["ship"]}=API-4`,
    ]);
    const ship = await call("jira_get_issue", { key: "API-4" });
    expect(ship["description"]).toContain(`Depends on API-2 (${ids["impl"]}), API-3 (${ids["docs"]}).`);
    expect(ship["description"]).toContain(`repowright:task=${ids["ship"]} goal=${goalId}`);
    expect(ship["labels"]).toEqual([`repowright-${goalId}`]);
    expect(ship["links"]).toEqual(
      expect.arrayContaining([
        { relation: "is blocked by", key: "API-2" },
        { relation: "is blocked by", key: "API-3" },
      ]),
    );
    const task = (await call("get_task", { task_id: ids["ship"] }))["task"] as Obj;
    expect(task["links"]).toEqual([`${emu.url}/browse/API-4`]);
  });

  it("changes nothing when nothing changed; then updates, moves to Done and reports drift", async () => {
    const before = writes();
    expect(await sync()).toMatchObject({ created: [], updated: [], unchanged: 4 });
    expect(writes()).toBe(before);

    await call("update_task", { task_id: ids["design"], status: "done" });
    await call("update_task", { task_id: ids["docs"], title: "Document limits and headers" });
    await call("jira_transition_issue", { key: "API-2", to: "Done" });
    const res = await sync();
    expect(res["updated"]).toEqual([
      expect.objectContaining({ task_id: ids["design"], key: "API-1", changed: ["done"] }),
      expect.objectContaining({ task_id: ids["docs"], key: "API-3", changed: ["summary"] }),
    ]);
    expect(res["drift"]).toEqual([
      expect.objectContaining({
        task_id: ids["impl"],
        key: "API-2",
        task_status: "pending",
        issue_status: "Done",
      }),
    ]);
    expect(await call("jira_get_issue", { key: "API-1", comments: false })).toMatchObject({ status: "Done" });
  });

  it("finds an issue by its marker when the task lost its link, instead of opening another", async () => {
    await call("update_task", { task_id: ids["ship"], links: [] });
    const res = await sync();
    expect(res["created"]).toEqual([]);
    expect(res["linked"]).toEqual([ids["ship"]]);
    const all = await call("jira_search_issues", { jql: `labels = "repowright-${goalId}"` });
    expect((all["issues"] as Obj[]).length).toBe(4);
  });
});
