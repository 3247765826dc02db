/**
 * The jira toolset through jira.js over real HTTP, against the Jira Cloud emulator: JQL search with pages,
 * issues with ADF descriptions and comments as plain text, updates, workflow transitions, links, and
 * Jira's errors mapped to the error shape of docs/architecture.md with its field messages.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { createJiraEmulator, type JiraEmulator } from "../../src/emulators/jira/server.js";
import { buildInventory } from "../../src/mcp/inventory.js";
import type { Toolset } from "../../src/mcp/tool.js";
import { jiraToolset } from "../../src/toolsets/jira/index.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

type Obj = Record<string, unknown>;

describe("jira toolset against the Jira emulator", () => {
  let emu: JiraEmulator;
  let app: TestApp;
  const call = async (name: string, args: Obj) => {
    const r = await app.call(name, args);
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.data)}`);
    return r.data as Obj;
  };

  beforeAll(async () => {
    emu = await createJiraEmulator();
    emu.seed({
      users: [{ accountId: "acc-ada", displayName: "Ada Lovelace", email: "ada@example.test" }],
      tokens: { "ada@example.test": "secret-token" },
      projects: [{ key: "API", name: "Public API" }],
      issues: [
        {
          project: "API",
          summary: "Rate limit the search endpoint",
          description: "Clients hammer /search.",
          labels: ["perf"],
        },
        { project: "API", summary: "Document error codes", type: "Story", labels: ["docs"] },
        {
          project: "API",
          summary: "Fix 500 on empty query",
          type: "Bug",
          status: "In Progress",
          priority: "High",
          assignee: "acc-ada",
        },
      ],
    });
    app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "jira",
        JIRA_URL: emu.url,
        JIRA_EMAIL: "ada@example.test",
        JIRA_API_TOKEN: "secret-token",
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await emu?.close();
  });

  it("has an emulator that refuses what Jira refuses: a description or comment that is not ADF", async () => {
    const auth = `Basic ${Buffer.from("ada@example.test:secret-token").toString("base64")}`;
    const post = (path: string, body: unknown) =>
      fetch(`${emu.url}${path}`, {
        method: "POST",
        headers: { authorization: auth, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const created = await post("/rest/api/3/issue", {
      fields: {
        project: { key: "API" },
        summary: "plain text",
        issuetype: { name: "Task" },
        description: "not ADF",
      },
    });
    expect(created.status).toBe(400);
    expect(await created.json()).toMatchObject({
      errors: { description: expect.stringContaining("Atlassian Document") },
    });
    const comment = await post("/rest/api/3/issue/API-1/comment", {
      body: { type: "doc", version: 1, content: [{ type: "text", text: "" }] },
    });
    expect(comment.status).toBe(400);
  });

  it("searches with JQL, compactly and in pages", async () => {
    const bugs = await call("jira_search_issues", {
      jql: "project = API AND type = Bug AND assignee = currentUser()",
    });
    expect(bugs["issues"]).toEqual([
      expect.objectContaining({
        key: "API-3",
        summary: "Fix 500 on empty query",
        type: "Bug",
        status: "In Progress",
        priority: "High",
        assignee: "Ada Lovelace",
        url: `${emu.url}/browse/API-3`,
      }),
    ]);
    const text = await call("jira_search_issues", { jql: 'text ~ "hammer"' });
    expect((text["issues"] as Obj[]).map((i) => i["key"])).toEqual(["API-1"]);

    const first = await call("jira_search_issues", { jql: "project = API ORDER BY key ASC", max_results: 2 });
    expect((first["issues"] as Obj[]).map((i) => i["key"])).toEqual(["API-1", "API-2"]);
    const second = await call("jira_search_issues", {
      jql: "project = API ORDER BY key ASC",
      max_results: 2,
      page: first["next_page"],
    });
    expect((second["issues"] as Obj[]).map((i) => i["key"])).toEqual(["API-3"]);
    expect(second["next_page"]).toBeNull();
  });

  it("creates, reads, updates, comments, moves and links issues", async () => {
    const created = await call("jira_create_issue", {
      project: "API",
      summary: "Add Retry-After to 429 answers",
      description: "Clients need to know when to retry.\nUse seconds.",
      type: "Task",
      labels: ["perf"],
    });
    expect(created).toEqual({ key: "API-4", url: `${emu.url}/browse/API-4` });

    await call("jira_update_issue", {
      key: "API-4",
      summary: "Send Retry-After with every 429",
      priority: "High",
    });
    await call("jira_add_comment", { key: "API-4", body: "Agreed; in seconds, not a date." });
    expect(await call("jira_transition_issue", { key: "API-4", to: "In Progress" })).toEqual({
      key: "API-4",
      status: "In Progress",
    });
    await call("jira_link_issues", { from: "API-1", to: "API-4" });

    const issue = await call("jira_get_issue", { key: "API-4" });
    expect(issue).toMatchObject({
      summary: "Send Retry-After with every 429",
      status: "In Progress",
      priority: "High",
      labels: ["perf"],
      description: "Clients need to know when to retry.\nUse seconds.",
      links: [{ relation: "is blocked by", key: "API-1" }],
      comments: [
        expect.objectContaining({ author: "Ada Lovelace", body: "Agreed; in seconds, not a date." }),
      ],
    });
    const blocker = await call("jira_get_issue", { key: "API-1", comments: false });
    expect(blocker["links"]).toEqual([{ relation: "blocks", key: "API-4" }]);
  });

  it("maps Jira's errors, with its own messages, and keeps serving", async () => {
    const badProject = await app.call("jira_create_issue", { project: "NOPE", summary: "x" });
    expect(badProject).toMatchObject({ isError: true, data: { type: "validation", status_code: 400 } });
    expect(String((badProject.data as Obj)["error"])).toContain("project: valid project is required");

    const missing = await app.call("jira_get_issue", { key: "API-999" });
    expect(missing).toMatchObject({ isError: true, data: { type: "not_found", status_code: 404 } });

    const jql = await app.call("jira_search_issues", { jql: "projekt = API" });
    expect(jql).toMatchObject({ isError: true, data: { type: "validation" } });
    expect(String((jql.data as Obj)["error"])).toContain("Field 'projekt' does not exist");

    const move = await app.call("jira_transition_issue", { key: "API-2", to: "Shipped" });
    expect(move).toMatchObject({ isError: true, data: { type: "validation" } });
    expect(String((move.data as Obj)["error"])).toMatch(/possible: In Progress, Done/);

    const badKey = await app.call("jira_get_issue", { key: "api 4" });
    expect(badKey).toMatchObject({ isError: true, data: { type: "validation" } });
    expect(emu.requests.some((r) => r.path.includes("api 4"))).toBe(false);
  });

  it("says when the credentials are wrong, and is not served without them", async () => {
    const wrong = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "jira",
        JIRA_URL: emu.url,
        JIRA_EMAIL: "ada@example.test",
        JIRA_API_TOKEN: "wrong",
      },
    });
    try {
      const r = await wrong.call("jira_search_issues", { jql: "project = API" });
      expect(r).toMatchObject({ isError: true, data: { type: "auth", status_code: 401 } });
      expect(JSON.stringify(r.data)).not.toContain("wrong");
    } finally {
      await wrong.close();
    }
    const inv = buildInventory([jiraToolset as unknown as Toolset], loadConfig({ env: {} }), {
      toolsets: ["all"],
      readOnly: false,
    });
    expect(inv.skipped).toEqual([
      {
        name: "jira",
        reason:
          "no Jira credentials: set JIRA_URL, JIRA_EMAIL, JIRA_API_TOKEN (Jira Cloud), or JIRA_URL and JIRA_PERSONAL_TOKEN (Data Center / Server)",
      },
    ]);
  });
});
