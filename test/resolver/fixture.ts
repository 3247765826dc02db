/** The resolver tests' repository: a tiny calculator (node:test) whose add() subtracts, and its issue. */
import type { Seed } from "../../src/emulators/github/server.js";

export const ADD_BUGGY = "export function add(a, b) {\n  return a - b;\n}\n";
export const ADD_FIXED = "export function add(a, b) {\n  return a + b;\n}\n";
export const SEED: Seed = {
  users: [
    { login: "maya", name: "Maya" },
    { login: "drive-by", name: "Someone" },
  ],
  tokens: { "resolver-token": "acme" },
  repos: [
    {
      owner: "acme",
      name: "calc",
      description: "A calculator",
      files: {
        "package.json": `${JSON.stringify({ name: "calc", type: "module", scripts: { test: "node --test" } }, null, 2)}\n`,
        "src/add.js": ADD_BUGGY,
        "src/sub.js": "export function sub(a, b) {\n  return a - b;\n}\n",
        "test/add.test.js":
          'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { add } from "../src/add.js";\n\ntest("adds two numbers", () => {\n  assert.equal(add(2, 3), 5);\n});\n',
        "test/sub.test.js":
          'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { sub } from "../src/sub.js";\n\ntest("subtracts two numbers", () => {\n  assert.equal(sub(5, 3), 2);\n});\n',
      },
      issues: [{ title: "add() subtracts", body: "add(2, 3) returns -1, not 5.", labels: ["bug"] }],
    },
  ],
};
