/**
 * What the resolver's pull request looks like to the repository: its title follows the repository's rule
 * (conventional commits when it uses them, else a plain imperative title; never `[WIP]`), and its body
 * fills the repository's pull request template section by section instead of appending it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BodyParts, fillTemplate, prTitle, titleStyle } from "../../src/agents/resolver/report.js";
import { calls, type ResolverBed, startResolverBed } from "./bed.js";
import { ADD_FIXED, SEED } from "./fixture.js";

type Obj = Record<string, unknown>;

const PARTS: BodyParts = {
  issue: "Fixes #7.",
  summary: "add() adds",
  rootCause: "it used - instead of +",
  evidence: "Test command: `node --test`\n\n| | passed | failed |",
  gates: "Gates:\n- ✅ non_empty: 1 file",
  checklist: "- [ ] The change addresses the issue, not only the test",
  footer: "Model: scripted. Run r1.",
};

const TEMPLATE = `## Description
<!-- What does this PR change? Please describe. -->
Please include a summary of the change.

## Related issue
<!-- Fixes #(issue) -->

## Type of change
- [ ] Bug fix (non-breaking change which fixes an issue)
- [ ] New feature

## How has this been tested?
Describe the tests that you ran.

## Checklist
- [ ] I have added tests
- [ ] My code follows the style guidelines
`;

describe("the pull request's title", () => {
  it("is never [WIP] nor the issue's own tags, and conventional only when the history is", () => {
    expect(prTitle({ number: 7, title: "[WIP] [Bug] add() subtracts" }, "plain")).toBe(
      "Fix #7: add() subtracts",
    );
    expect(prTitle({ number: 7, title: "bug: Add() subtracts" }, "conventional")).toBe(
      "fix: add() subtracts (#7)",
    );
    expect(prTitle({ number: 7, title: "[WIP]" }, "plain")).toBe("Fix #7: issue #7");
    expect(
      titleStyle(["feat: a", "fix(x): b", "chore!: c", "Merge pull request #1 from a/b", "Update d"]),
    ).toBe("conventional");
    expect(titleStyle(["Add a", "fix: b", "Update c", "Fix d"])).toBe("plain");
    expect(titleStyle(["feat: a", "fix: b"])).toBe("plain");
    expect(titleStyle(["Add a"], true)).toBe("conventional");
  });
});

describe("the repository's pull request template", () => {
  it("is filled section by section: our parts in place of its placeholders, its checklists kept", () => {
    const body = fillTemplate(TEMPLATE, PARTS);
    const section = (h: string) => body.split(/^## /m).find((s) => s.startsWith(h)) ?? "";
    expect(section("Description")).toContain("add() adds");
    expect(section("Description")).not.toContain("Please include a summary");
    expect(section("Description")).not.toContain("<!--");
    expect(section("Related issue")).toContain("Fixes #7.");
    expect(section("Type of change")).toContain("- [x] Bug fix");
    expect(section("Type of change")).toContain("- [ ] New feature");
    expect(section("How has this been tested?")).toContain("Test command: `node --test`");
    expect(section("How has this been tested?")).not.toContain("Describe the tests");
    expect(section("Checklist")).toContain("- [ ] I have added tests");
    // What has no section of its own comes once, at the end; nothing is said twice.
    expect(section("repowright")).toContain("**Root cause:** it used - instead of +");
    expect(section("repowright")).toContain("Gates:");
    expect(section("repowright")).toContain("Model: scripted.");
    expect(body.match(/Fixes #7/g)).toHaveLength(1);
    expect(body.match(/Test command/g)).toHaveLength(1);
    // The template's headings keep their order.
    const headings = [...body.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([
      "Description",
      "Related issue",
      "Type of change",
      "How has this been tested?",
      "Checklist",
      "repowright",
    ]);
  });

  it("without headings comes after the summary as it is", () => {
    const body = fillTemplate("- [ ] Tests pass\n- [ ] Docs updated", PARTS);
    expect(body.indexOf("add() adds")).toBeLessThan(body.indexOf("- [ ] Tests pass"));
    expect(body).toContain("- [ ] Docs updated");
    expect(body).toContain("Test command");
  });
});

describe("the resolver's pull request on a repository with a template and commitlint", () => {
  let bed: ResolverBed;
  const calc = SEED.repos?.[0]?.files ?? {};
  beforeAll(async () => {
    bed = await startResolverBed({
      ...SEED,
      repos: [
        {
          owner: "acme",
          name: "conv",
          files: {
            ...calc,
            "commitlint.config.js": "export default { extends: ['@commitlint/config-conventional'] };\n",
            ".github/PULL_REQUEST_TEMPLATE.md": TEMPLATE,
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("has a conventional title and the template filled in", async () => {
    const made = await bed.app.call("create_issue", {
      owner: "acme",
      repo: "conv",
      title: "[Bug] Add() subtracts",
      body: "add(2, 3) returns -1, not 5.",
    });
    const issue = Number((made.data as Obj)["number"]);
    const record = await bed.run({ owner: "acme", repo: "conv", issue }, [
      calls({ name: "write_file", input: { path: "src/add.js", content: ADD_FIXED } }),
      calls({ name: "finish", input: { summary: "add() adds", root_cause: "it used - instead of +" } }),
    ]);
    expect(record.outcome, JSON.stringify(record.outcome)).toMatchObject({ kind: "pr_opened" });
    const pr = (
      await bed.app.call("get_pull_request", {
        owner: "acme",
        repo: "conv",
        pull_number: (record.outcome as { pr: number }).pr,
      })
    ).data as Obj;
    expect(pr["title"]).toBe(`fix: add() subtracts (#${issue})`);
    const body = String(pr["body"]);
    expect(body).toMatch(/## Description\n\nadd\(\) adds/);
    expect(body).toMatch(new RegExp(`## Related issue\\n\\nFixes #${issue}\\.`));
    expect(body).toContain("- [x] Bug fix");
    expect(body).toMatch(/## How has this been tested\?\n\nTest command: `node /);
    expect(body).not.toContain("Please include a summary");
    expect(body).toContain("GITHUB_TOKEN");
  }, 90_000);
});
