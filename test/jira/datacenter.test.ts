/**
 * Jira Data Center / Server: a personal access token as Bearer, REST API v2 (plain-text descriptions and
 * comments, users by name, JQL search paged by startAt), through the same tools; and the Jira client's
 * network edge: it goes through the injected fetch, so a site off loopback is never reached from a test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp } from "../helpers/app.js";
import { type JiraBed, startJiraBed } from "./helpers.js";

type Obj = Record<string, unknown>;

describe("jira toolset on Data Center (REST v2, personal access token)", () => {
  let bed: JiraBed;

  beforeAll(async () => {
    bed = await startJiraBed(
      {
        users: [
          { accountId: "u1", displayName: "Grace Hopper", email: "grace@example.test", name: "grace" },
          { accountId: "u2", displayName: "Linus Torvalds", email: "linus@example.test", name: "linus" },
        ],
        personalTokens: { "pat-grace": "grace@example.test" },
        projects: [{ key: "OPS", name: "Operations" }],
        sprints: [{ project: "OPS", name: "Week 1", state: "active" }],
        issues: [
          { project: "OPS", summary: "Rotate certificates", description: "Before March.\nAll hosts." },
          { project: "OPS", summary: "Patch kernels" },
          { project: "OPS", summary: "Audit sudoers" },
        ],
      },
      { JIRA_PERSONAL_TOKEN: "pat-grace" },
      "jira,goals",
    );
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("speaks REST v2 with plain text, Bearer auth and startAt pages", async () => {
    const got = await bed.call("jira_get_issue", { key: "OPS-1" });
    expect(got["description"]).toBe("Before March.\nAll hosts.");
    const first = await bed.call("jira_search_issues", {
      jql: "project = OPS ORDER BY key ASC",
      max_results: 2,
    });
    expect((first["issues"] as Obj[]).map((i) => i["key"])).toEqual(["OPS-1", "OPS-2"]);
    const second = await bed.call("jira_search_issues", {
      jql: "project = OPS ORDER BY key ASC",
      max_results: 2,
      page: first["next_page"],
    });
    expect(second).toMatchObject({ issues: [expect.objectContaining({ key: "OPS-3" })], next_page: null });

    const made = await bed.call("jira_create_issue", {
      project: "OPS",
      summary: "Renew the wildcard certificate",
      description: "Expires in May.",
      assignee: "linus",
    });
    await bed.call("jira_add_comment", { key: made["key"], body: "Ordered." });
    await bed.call("jira_add_watcher", { key: made["key"], user: "linus" });
    const issue = await bed.call("jira_get_issue", { key: made["key"] });
    expect(issue).toMatchObject({
      description: "Expires in May.",
      assignee: "Linus Torvalds",
      assignee_id: "linus",
      comments: [expect.objectContaining({ author: "Grace Hopper", body: "Ordered." })],
      watchers: 2,
    });
    expect((await bed.call("jira_search_users", { query: "lin" }))["users"]).toEqual([
      expect.objectContaining({ id: "linus", name: "Linus Torvalds" }),
    ]);
    const platform = bed.emu.requests.filter((r) => r.path.startsWith("/rest/api/"));
    expect(platform.every((r) => r.path.startsWith("/rest/api/2/"))).toBe(true);
  });

  it("syncs a goal into the active sprint on Data Center too", async () => {
    const goal = ((await bed.call("create_goal", { title: "Harden hosts" }))["goal"] as Obj)["id"] as string;
    await bed.call("create_tasks", {
      goal_id: goal,
      tasks: [
        { ref: "a", title: "Inventory hosts" },
        { ref: "b", title: "Apply baseline", depends_on: ["a"] },
      ],
    });
    const res = await bed.call("sync_goal_jira", { project: "OPS", goal_id: goal, sprint: "active" });
    expect(res["sprint"]).toMatchObject({ name: "Week 1", added: ["OPS-5", "OPS-6"] });
    const b = await bed.call("jira_get_issue", { key: "OPS-6", comments: false });
    expect(b["links"]).toEqual([{ relation: "is blocked by", key: "OPS-5" }]);
    expect(b["description"]).toContain("Depends on OPS-5");
  });

  it("says when the personal access token is wrong", async () => {
    const wrong = await startTestApp({
      env: { REPOWRIGHT_TOOLSETS: "jira", JIRA_URL: bed.emu.url, JIRA_PERSONAL_TOKEN: "pat-stolen" },
    });
    try {
      const r = await wrong.call("jira_get_issue", { key: "OPS-1" });
      expect(r).toMatchObject({ isError: true, data: { type: "auth", status_code: 401 } });
      expect(JSON.stringify(r.data)).not.toContain("pat-stolen");
    } finally {
      await wrong.close();
    }
  });
});

describe("the Jira client's network edge", () => {
  it("goes through the injected fetch: a site off loopback is refused before anything is sent", async () => {
    const app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "jira",
        JIRA_URL: "https://acme.atlassian.net",
        JIRA_EMAIL: "a@example.test",
        JIRA_API_TOKEN: "t",
      },
    });
    try {
      const r = await app.call("jira_get_issue", { key: "API-1" });
      expect(r).toMatchObject({ isError: true, data: { type: "upstream" } });
      expect(String((r.data as Obj)["error"])).toContain("reaches only loopback");
    } finally {
      await app.close();
    }
  });
});
