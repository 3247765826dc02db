/**
 * The seed's worked example, end to end through MCP: a goal, six tasks with dependencies, then
 * "create Jira tickets for each task and add to current sprint" — sync_goal_jira with sprint "active"
 * makes the issues, links them with Blocks, and puts the open ones into the board's active sprint; a re-run
 * writes nothing; the sprint tools then see them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JiraBed, startJiraBed } from "./helpers.js";

type Obj = Record<string, unknown>;

describe("goal -> six tasks -> Jira issues in the active sprint", () => {
  let bed: JiraBed;
  let goalId: string;
  let ids: Record<string, string>;

  beforeAll(async () => {
    bed = await startJiraBed(
      {
        projects: [{ key: "SHOP", name: "Shop" }],
        sprints: [
          { project: "SHOP", name: "Sprint 1", state: "closed" },
          { project: "SHOP", name: "Sprint 2", state: "active", goal: "Checkout" },
          { project: "SHOP", name: "Sprint 3" },
        ],
      },
      undefined,
      "jira,goals",
    );
    goalId = ((await bed.call("create_goal", { title: "Ship checkout" }))["goal"] as Obj)["id"] as string;
    const made = await bed.call("create_tasks", {
      goal_id: goalId,
      tasks: [
        { ref: "schema", title: "Design the order schema" },
        { ref: "api", title: "Build the order API", depends_on: ["schema"] },
        { ref: "pay", title: "Integrate payments", depends_on: ["api"] },
        { ref: "ui", title: "Build the checkout page", depends_on: ["api"] },
        { ref: "e2e", title: "End-to-end checkout tests", depends_on: ["pay", "ui"] },
        { ref: "launch", title: "Launch checkout", depends_on: ["e2e"] },
      ],
    });
    ids = Object.fromEntries((made["tasks"] as Obj[]).map((t) => [t["ref"] as string, t["id"] as string]));
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("creates the six issues with Blocks links and puts them into the active sprint", async () => {
    const res = await bed.call("sync_goal_jira", { project: "SHOP", goal_id: goalId, sprint: "active" });
    expect((res["created"] as Obj[]).map((c) => c["key"])).toEqual([
      "SHOP-1",
      "SHOP-2",
      "SHOP-3",
      "SHOP-4",
      "SHOP-5",
      "SHOP-6",
    ]);
    expect(res["sprint"]).toMatchObject({
      name: "Sprint 2",
      added: ["SHOP-1", "SHOP-2", "SHOP-3", "SHOP-4", "SHOP-5", "SHOP-6"],
      already: 0,
    });
    const e2e = await bed.call("jira_get_issue", { key: "SHOP-5", comments: false, fields: ["Sprint"] });
    expect(e2e["links"]).toEqual(
      expect.arrayContaining([
        { relation: "is blocked by", key: "SHOP-3" },
        { relation: "is blocked by", key: "SHOP-4" },
        { relation: "blocks", key: "SHOP-6" },
      ]),
    );
    expect((e2e["fields"] as Obj)["Sprint"]).toEqual([
      expect.objectContaining({ name: "Sprint 2", state: "active" }),
    ]);

    const active = await bed.call("jira_get_active_sprint", { project: "SHOP" });
    expect(active["sprint"]).toMatchObject({ name: "Sprint 2", state: "active", goal: "Checkout" });
    expect((active["issues"] as Obj[]).map((i) => i["key"]).sort()).toEqual([
      "SHOP-1",
      "SHOP-2",
      "SHOP-3",
      "SHOP-4",
      "SHOP-5",
      "SHOP-6",
    ]);
    const inSprint = await bed.call("jira_search_issues", {
      jql: "sprint in openSprints() ORDER BY key ASC",
    });
    expect((inSprint["issues"] as Obj[]).length).toBe(6);
  });

  it("writes nothing on a re-run, and leaves done tasks' issues out of a new sprint", async () => {
    const writes = () =>
      bed.emu.requests.filter((r) => r.method !== "GET" && !r.path.includes("/search")).length;
    const before = writes();
    const again = await bed.call("sync_goal_jira", { project: "SHOP", goal_id: goalId, sprint: "active" });
    expect(again).toMatchObject({
      created: [],
      updated: [],
      unchanged: 6,
      sprint: { added: [], already: 6 },
    });
    expect(writes()).toBe(before);

    await bed.call("update_task", { task_id: ids["schema"], status: "done" });
    const sprints = await bed.call("jira_list_sprints", { project: "SHOP", state: ["future"] });
    const next = (sprints["sprints"] as Obj[])[0]!;
    const moved = await bed.call("sync_goal_jira", { project: "SHOP", goal_id: goalId, sprint: next["id"] });
    expect(moved["updated"]).toEqual([expect.objectContaining({ key: "SHOP-1", changed: ["done"] })]);
    expect(moved["sprint"]).toMatchObject({
      name: "Sprint 3",
      added: ["SHOP-2", "SHOP-3", "SHOP-4", "SHOP-5", "SHOP-6"],
    });
    const left = await bed.call("jira_get_sprint_issues", { sprint: (again["sprint"] as Obj)["id"] });
    expect((left["issues"] as Obj[]).map((i) => i["key"])).toEqual(["SHOP-1"]);
  });

  it("refuses a sprint it cannot use before writing anything", async () => {
    const before = bed.emu.requests.length;
    const closed = await bed.app.call("sync_goal_jira", { project: "SHOP", goal_id: goalId, sprint: 999999 });
    expect(closed).toMatchObject({ isError: true, data: { type: "not_found" } });
    expect(
      bed.emu.requests.slice(before).filter((r) => r.method !== "GET" && !r.path.includes("/search")),
    ).toEqual([]);
  });
});
