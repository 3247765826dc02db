/**
 * The jira toolset beyond the basics, over MCP and real HTTP against the emulator: custom fields by name
 * (resolved through the cached field list, shaped per type, refused when unknown before any write),
 * create metadata, bulk create with per-issue failures, worklogs, watchers, text attachments, versions,
 * components, users, and the sprint tools' life of a sprint.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JiraBed, startJiraBed } from "./helpers.js";

type Obj = Record<string, unknown>;

describe("jira toolset in depth", () => {
  let bed: JiraBed;
  const hits = (path: string) => bed.emu.requests.filter((r) => r.path === path).length;

  beforeAll(async () => {
    bed = await startJiraBed({
      users: [
        { accountId: "acc-ada", displayName: "Ada Lovelace", email: "user@example.test" },
        { accountId: "acc-alan", displayName: "Alan Turing", email: "alan@example.test" },
      ],
      projects: [{ key: "API", name: "Public API", components: ["Gateway", "Billing"], versions: ["1.0"] }],
      customFields: [{ name: "Team", type: "option", options: ["Core", "Web"] }],
      issues: [
        {
          project: "API",
          summary: "Crash on login",
          type: "Bug",
          attachments: [
            { filename: "crash.log", content: "NullPointerException at Login.java:42\n" },
            { filename: "screen.png", content: "\u0089PNG", mimeType: "image/png" },
          ],
        },
      ],
    });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("sets and reads custom fields by name, with the field list cached", async () => {
    const before = hits("/rest/api/3/field");
    const made = await bed.call("jira_create_issue", {
      project: "API",
      summary: "Estimate me",
      fields: { "Story Points": 5, team: "Core" },
    });
    await bed.call("jira_update_issue", { key: made["key"], fields: { "story points": 8 } });
    const got = await bed.call("jira_get_issue", { key: made["key"], fields: ["Story Points", "Team"] });
    expect(got["fields"]).toEqual({ "Story Points": 8, Team: "Core" });
    expect(hits("/rest/api/3/field")).toBe(before + 1);

    const writes = bed.emu.requests.filter((r) => r.method !== "GET").length;
    const unknown = await bed.app.call("jira_create_issue", {
      project: "API",
      summary: "x",
      fields: { Velocity: 1 },
    });
    expect(unknown).toMatchObject({ isError: true, data: { type: "validation" } });
    expect(String((unknown.data as Obj)["error"])).toContain('no Jira field named "Velocity"');
    const badValue = await bed.app.call("jira_update_issue", {
      key: made["key"],
      fields: { "Story Points": "many" },
    });
    expect(badValue).toMatchObject({ isError: true, data: { type: "validation", status_code: 400 } });
    expect(String((badValue.data as Obj)["error"])).toContain("must be a number");
    expect(bed.emu.requests.filter((r) => r.method !== "GET" && r.status < 400).length).toBe(writes);
  });

  it("tells what a project and type take, and creates in bulk with per-issue failures", async () => {
    const types = await bed.call("jira_list_issue_types", { project: "API" });
    expect((types["issue_types"] as Obj[]).map((t) => t["name"])).toEqual(["Task", "Bug", "Story", "Epic"]);
    const meta = await bed.call("jira_get_create_fields", { project: "API", type: "story" });
    const byName = Object.fromEntries((meta["fields"] as Obj[]).map((f) => [f["name"], f]));
    expect(byName["Summary"]).toMatchObject({ id: "summary", required: true });
    expect(byName["Team"]).toMatchObject({ type: "option", allowed_values: ["Core", "Web"] });
    expect(byName["Components"]).toMatchObject({ allowed_values: ["Gateway", "Billing"] });

    const bulk = await bed.call("jira_bulk_create_issues", {
      project: "API",
      issues: [
        { summary: "One", components: ["Gateway"] },
        { summary: "Two", priority: "Urgent" },
        { summary: "Three", fix_versions: ["1.0"], fields: { Team: "Web" } },
      ],
    });
    expect((bulk["created"] as Obj[]).length).toBe(2);
    expect(bulk["failed"]).toEqual([{ index: 1, error: "priority: Priority name 'Urgent' is not valid" }]);
    const none = await bed.call("jira_bulk_create_issues", {
      project: "API",
      issues: [{ summary: "x", type: "Saga" }],
    });
    expect(none).toEqual({
      created: [],
      failed: [{ index: 0, error: "issuetype: Specify a valid issue type" }],
    });
  });

  it("logs work, manages watchers and reads text attachments", async () => {
    await bed.call("jira_add_worklog", { key: "API-1", time_spent: "1h 30m", comment: "Reproduced." });
    await bed.call("jira_add_worklog", { key: "API-1", time_spent: "1d", started: "2026-01-05T09:00:00Z" });
    const logs = await bed.call("jira_list_worklogs", { key: "API-1" });
    expect(logs).toMatchObject({ total_seconds: 5400 + 8 * 3600 });
    expect((logs["worklogs"] as Obj[])[0]).toMatchObject({ author: "Ada Lovelace", comment: "Reproduced." });
    const bad = await bed.app.call("jira_add_worklog", { key: "API-1", time_spent: "soon" });
    expect(bad).toMatchObject({ isError: true, data: { type: "validation" } });

    expect(await bed.call("jira_get_watchers", { key: "API-1" })).toMatchObject({ count: 1, watching: true });
    const alan = ((await bed.call("jira_search_users", { query: "alan" }))["users"] as Obj[])[0]!;
    expect(alan).toMatchObject({ id: "acc-alan", name: "Alan Turing" });
    await bed.call("jira_add_watcher", { key: "API-1", user: "acc-alan" });
    await bed.call("jira_remove_watcher", { key: "API-1", user: "acc-ada" });
    const w = await bed.call("jira_get_watchers", { key: "API-1" });
    expect(w).toMatchObject({
      count: 1,
      watching: false,
      watchers: [{ id: "acc-alan", name: "Alan Turing" }],
    });

    const issue = await bed.call("jira_get_issue", { key: "API-1", comments: false });
    const [log, png] = issue["attachments"] as Obj[];
    const text = await bed.call("jira_get_attachment", { id: log!["id"] });
    expect(text).toMatchObject({ filename: "crash.log", content: "NullPointerException at Login.java:42\n" });
    const image = await bed.call("jira_get_attachment", { id: png!["id"] });
    expect(image).toMatchObject({ filename: "screen.png", content: null });
    expect(bed.emu.requests.some((r) => r.path.endsWith(`/attachment/content/${png!["id"]}`))).toBe(false);
  });

  it("lists projects, versions and components, and creates a version", async () => {
    expect((await bed.call("jira_list_projects", { query: "public" }))["projects"]).toEqual([
      { key: "API", name: "Public API", id: "10000" },
    ]);
    await bed.call("jira_create_version", { project: "API", name: "1.1", release_date: "2026-03-01" });
    const versions = await bed.call("jira_list_versions", { project: "API" });
    expect((versions["versions"] as Obj[]).map((v) => [v["name"], v["release_date"]])).toEqual([
      ["1.0", null],
      ["1.1", "2026-03-01"],
    ]);
    const dup = await bed.app.call("jira_create_version", { project: "API", name: "1.1" });
    expect(dup).toMatchObject({ isError: true, data: { type: "validation" } });
    expect(((await bed.call("jira_list_components", { project: "API" }))["components"] as Obj[]).length).toBe(
      2,
    );
  });

  it("runs a sprint: create, fill, move issues between sprints and to the backlog, start, complete", async () => {
    const board = ((await bed.call("jira_list_boards", { project: "API" }))["boards"] as Obj[])[0]!["id"];
    const a = await bed.call("jira_create_sprint", { board, name: "A" });
    const b = await bed.call("jira_create_sprint", { board, name: "B" });
    await bed.call("jira_add_issues_to_sprint", { sprint: a["id"], issues: ["API-1", "API-2"] });
    await bed.call("jira_add_issues_to_sprint", { sprint: b["id"], issues: ["API-2"] });
    const inA = await bed.call("jira_get_sprint_issues", { sprint: a["id"] });
    expect((inA["issues"] as Obj[]).map((i) => i["key"])).toEqual(["API-1"]);
    await bed.call("jira_move_to_backlog", { issues: ["API-2"] });
    const backlog = await bed.call("jira_get_backlog", { board });
    expect((backlog["issues"] as Obj[]).map((i) => i["key"])).toContain("API-2");
    expect((backlog["issues"] as Obj[]).map((i) => i["key"])).not.toContain("API-1");

    const noDates = await bed.app.call("jira_update_sprint", { sprint: a["id"], state: "active" });
    expect(noDates).toMatchObject({ isError: true, data: { type: "validation", status_code: 400 } });
    const started = await bed.call("jira_update_sprint", {
      sprint: a["id"],
      state: "active",
      start: "2026-01-05T09:00:00Z",
      end: "2026-01-19T17:00:00Z",
    });
    expect(started).toMatchObject({ state: "active", name: "A" });
    expect(((await bed.call("jira_get_active_sprint", { board }))["sprint"] as Obj)["id"]).toBe(a["id"]);
    await bed.call("jira_update_sprint", { sprint: a["id"], state: "closed" });
    expect(await bed.call("jira_get_active_sprint", { board })).toMatchObject({ sprint: null, issues: [] });
    const closed = await bed.app.call("jira_add_issues_to_sprint", { sprint: a["id"], issues: ["API-1"] });
    expect(closed).toMatchObject({ isError: true, data: { type: "validation" } });
  });
});
