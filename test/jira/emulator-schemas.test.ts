/**
 * The Jira emulator's responses validated with ajv against Atlassian's OpenAPI descriptions of Jira Cloud
 * (platform REST v3 and Jira Software's agile API, extracted into test/fixtures/jira-openapi/schemas.json
 * by scripts/extract-jira-schemas.ts): every response the jira toolset received while its tools ran over
 * MCP is matched to its operation and checked, and every operation of the fixture must have been seen, so
 * the emulator speaks Jira's shapes, not a private dialect.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOpenApiFixture } from "../helpers/openapi.js";
import { type JiraBed, startJiraBed } from "./helpers.js";

// Jira writes offsets without a colon (2026-01-31T09:30:00.000+0000), its own schema's date-time or not.
const jiraDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
const fixture = loadOpenApiFixture(new URL("../fixtures/jira-openapi/schemas.json", import.meta.url), {
  "date-time": jiraDateTime,
});

/** The fixture's operation a request was, by method, path template and status. */
function operationOf(method: string, path: string, status: number): string | undefined {
  return Object.keys(fixture.operations).find((op) => {
    const [m, template, s] = op.split(" ");
    const re = new RegExp(`^${template!.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    return m === method && s === String(status) && re.test(path);
  });
}

describe("Jira emulator responses match Atlassian's OpenAPI schemas", () => {
  let bed: JiraBed;

  beforeAll(async () => {
    bed = await startJiraBed({
      users: [{ accountId: "acc-ada", displayName: "Ada Lovelace", email: "user@example.test" }],
      projects: [{ key: "API", name: "Public API", components: ["Gateway"], versions: ["1.0"] }],
      customFields: [{ name: "Team", type: "option", options: ["Core", "Web"] }],
      sprints: [{ project: "API", name: "Sprint 1", state: "active" }],
      issues: [
        {
          project: "API",
          summary: "Rate limit search",
          sprint: "Sprint 1",
          fields: { "Story Points": 3 },
          attachments: [{ filename: "trace.log", content: "GET /search 500\n" }],
        },
      ],
    });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("answers every tool's requests in Jira's shapes", async () => {
    const c = bed.call;
    await c("jira_search_issues", { jql: "project = API", fields: ["Story Points", "Sprint"] });
    const got = await c("jira_get_issue", { key: "API-1", fields: ["Team"] });
    await c("jira_create_issue", {
      project: "API",
      summary: "Add Retry-After",
      description: "Seconds.",
      components: ["Gateway"],
      fix_versions: ["1.0"],
      fields: { "Story Points": 2, Team: "Core" },
    });
    await c("jira_bulk_create_issues", {
      project: "API",
      issues: [{ summary: "A" }, { summary: "B", type: "Nope" }],
    });
    await c("jira_add_comment", { key: "API-1", body: "On it." });
    await c("jira_transition_issue", { key: "API-1", to: "In Progress" });
    await c("jira_add_worklog", { key: "API-1", time_spent: "1h 30m", comment: "Profiling." });
    await c("jira_list_worklogs", { key: "API-1" });
    await c("jira_get_watchers", { key: "API-1" });
    await c("jira_get_attachment", { id: (got["attachments"] as { id: string }[])[0]!.id });
    await c("jira_list_projects", {});
    await c("jira_get_create_fields", { project: "API", type: "Bug" });
    await c("jira_list_fields", { custom_only: true });
    await c("jira_search_users", { query: "ada" });
    await c("jira_list_versions", { project: "API" });
    await c("jira_create_version", { project: "API", name: "1.1" });
    await c("jira_list_components", { project: "API" });
    const boards = await c("jira_list_boards", { project: "API" });
    const board = (boards["boards"] as { id: number }[])[0]!.id;
    await c("jira_get_active_sprint", { board });
    const sprint = await c("jira_create_sprint", { board, name: "Sprint 2", goal: "Docs" });
    await c("jira_update_sprint", { sprint: sprint["id"], name: "Sprint 2 (docs)" });
    await c("jira_add_issues_to_sprint", { sprint: sprint["id"], issues: ["API-2"] });
    await c("jira_get_sprint_issues", { sprint: sprint["id"] });
    await c("jira_get_backlog", { board });
    await c("jira_get_issue", { key: "API-1", comments: true });
    // Two that no tool reads on its own: the user of the credentials, and one board.
    const auth = { authorization: `Basic ${Buffer.from("user@example.test:t").toString("base64")}` };
    await fetch(`${bed.emu.url}/rest/api/3/myself`, { headers: auth });
    await fetch(`${bed.emu.url}/rest/agile/1.0/board/${board}`, { headers: auth });
    await fetch(`${bed.emu.url}/rest/api/3/issue/API-1/comment`, { headers: auth });
    await fetch(`${bed.emu.url}/rest/agile/1.0/sprint/${String(sprint["id"])}`, { headers: auth });

    const seen = new Set<string>();
    const problems: string[] = [];
    for (const r of bed.emu.responses) {
      const op = operationOf(r.method, r.path, r.status);
      if (!op) continue;
      seen.add(op);
      for (const e of fixture.errors(op, r.body)) problems.push(`${op}: ${e}`);
    }
    expect(problems).toEqual([]);
    expect(Object.keys(fixture.operations).filter((op) => !seen.has(op))).toEqual([]);
  });
});
