/**
 * The reproduce phase runs the repository's install before its tests (here a `.repowright.yml`
 * `install:` that generates a module the tests import and rewrites a tracked file), and what the install
 * leaves in the clone is not part of the change; the base checkout that proves an added test gets the
 * same install.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, type ResolverBed, startResolverBed } from "./bed.js";
import { ADD_BUGGY, ADD_FIXED, SEED } from "./fixture.js";

type Obj = Record<string, unknown>;

const TEST = (name: string, a: string) =>
  `import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { add } from "../src/add.js";\nimport { TWO } from "../generated/two.js";\n\ntest("${name}", () => {\n  assert.equal(add(TWO, ${a}), TWO + ${a});\n});\n`;

describe("the resolver's install step", () => {
  let bed: ResolverBed;
  beforeAll(async () => {
    bed = await startResolverBed({
      ...SEED,
      repos: [
        {
          owner: "acme",
          name: "gen",
          files: {
            "package.json": `${JSON.stringify({ name: "gen", type: "module", scripts: { test: "node --test" } })}\n`,
            ".repowright.yml": "install: node scripts/install.mjs\n",
            "scripts/install.mjs":
              'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("generated", { recursive: true });\nwriteFileSync("generated/two.js", "export const TWO = 2;\\n");\nwriteFileSync("stamp.txt", "installed\\n");\n',
            "stamp.txt": "base\n",
            "src/add.js": ADD_BUGGY,
            "test/add.test.js": TEST("adds two", "3"),
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("installs before the tests, keeps the install's files out of the change, and installs for the proof", async () => {
    const issue = Number(
      (
        (await bed.app.call("create_issue", { owner: "acme", repo: "gen", title: "add() subtracts" }))
          .data as Obj
      )["number"],
    );
    const record = await bed.run({ owner: "acme", repo: "gen", issue }, [
      calls(
        { name: "write_file", input: { path: "src/add.js", content: ADD_FIXED } },
        { name: "write_file", input: { path: "test/more.test.js", content: TEST("adds four", "4") } },
      ),
      calls({ name: "finish", input: { summary: "add() adds" } }),
    ]);
    expect(record.outcome, JSON.stringify(record.phases)).toMatchObject({ kind: "pr_opened" });
    expect(record.phases.find((p) => p.name === "reproduce")?.detail).toContain("node scripts/install.mjs");
    expect(record.tests?.base).toMatchObject({ failed: 1 });
    expect(record.gates?.find((g) => g.gate === "added_tests_prove_the_fix")).toMatchObject({ ok: true });
    const branch = `refs/heads/${(record.outcome as { branch: string }).branch}`;
    expect(
      bed.git("acme", "gen", "diff", "--name-only", "refs/heads/main", branch).split("\n").sort(),
    ).toEqual(["src/add.js", "test/more.test.js"]);
  }, 90_000);
});
