/**
 * Questions in plain words over real code (this repository's own goals graph, copied with the docs,
 * benchmark, test oracle and tools that talk about it), asked over MCP: the implementation answers them,
 * not the files that mention the same words; chunk results lead with the best files; a build copy in
 * dist/ of a source file neither crowds search results nor comes first in find_symbol.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { write } from "./fixture.js";

const REPO = resolve(__dirname, "../..");
/** Real files of this repository: the implementation and what mentions it. */
const FILES = [
  "src/toolsets/goals/graph.ts",
  "src/toolsets/goals/plan-tools.ts",
  "src/toolsets/goals/index.ts",
  "src/toolsets/goals/model.ts",
  "src/toolsets/goals/dependency-tools.ts",
  "docs/goals.md",
  "bench/goals.ts",
  "test/goals/naive.ts",
  "test/goals/graph.test.ts",
  "src/mcp/pipeline.ts",
  "docs/architecture.md",
];

interface Hit {
  path: string;
  symbol: string;
  kind: string;
}

describe("ranking the implementation first", () => {
  let app: TestApp;
  let repo: string;

  beforeAll(async () => {
    repo = mkdtempSync(join(tmpdir(), "rw-code-rank-"));
    for (const f of FILES) cpSync(join(REPO, f), join(repo, f));
    // What a build leaves next to the sources: graph.ts compiled to dist/ (JavaScript and declarations).
    const source = ts.sys.readFile(join(REPO, "src/toolsets/goals/graph.ts"))!;
    const js = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    }).outputText;
    write(repo, "dist/toolsets/goals/graph.js", js);
    app = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: "code" } });
    const r = await app.call("index_repository", { path: repo });
    expect(r.isError).toBe(false);
  }, 60_000);
  afterAll(async () => {
    await app.close();
    rmSync(repo, { recursive: true, force: true });
  });

  const search = async (query: string, granularity: "file" | "chunk", k = 10) => {
    const r = await app.call("search_codebase", { path: repo, query, granularity, k });
    expect(r.isError).toBe(false);
    return (r.data as { results: Hit[] }).results;
  };
  const distinct = (hits: Hit[]) => [...new Set(hits.map((h) => h.path))];

  it("answers a question about how something is computed with the implementation, not its docs, bench or oracle", async () => {
    const q = "how are execution phases computed from task dependencies";
    const files = await search(q, "file");
    expect(files[0]!.path).toBe("src/toolsets/goals/graph.ts");
    for (const other of ["docs/goals.md", "bench/goals.ts", "test/goals/naive.ts"]) {
      const at = files.findIndex((h) => h.path === other);
      if (at >= 0) expect(at).toBeGreaterThan(0);
    }
    const chunks = await search(q, "chunk");
    expect(chunks[0]).toMatchObject({ path: "src/toolsets/goals/graph.ts", symbol: "planPhases" });
    // The chunk list leads with the same files, in the same order, as the file ranking.
    expect(distinct(chunks).slice(0, 5)).toEqual(files.slice(0, 5).map((h) => h.path));
    expect(files.slice(0, 5).map((h) => h.path)).not.toContain("dist/toolsets/goals/graph.js");
  });

  it("groups chunk results of an issue-length query under the best files", async () => {
    const issue = [
      "Execution plan puts a task before one it depends on",
      "",
      "When I call generate_execution_plan on a goal where task B depends on task A and A is blocked,",
      "the plan shows B in the first phase. I expected the phases to follow the dependencies: a task",
      "should only appear in a phase after every task it depends on. The longest path also looks wrong",
      "when there are many independent tasks. Steps: create a goal, add tasks, add a dependency, ask for",
      "the plan. This is with the latest version, running the server over stdio.",
    ].join("\n");
    const files = await search(issue, "file");
    const chunks = await search(issue, "chunk", 10);
    expect(distinct(chunks).slice(0, 5)).toEqual(files.slice(0, 5).map((h) => h.path));
    expect(files.slice(0, 5).map((h) => h.path)).toContain("src/toolsets/goals/graph.ts");
    // An issue mentions tests and docs in passing: they still weigh less than the code.
    expect(files[0]!.path).toMatch(/^src\//);
  });

  it("asked for tests by name, ranks the tests", async () => {
    const files = await search("tests of the execution phases", "file");
    expect(files[0]!.path).toMatch(/^test\/goals\//);
  });

  it("lists the source definition before its dist/ copy in find_symbol", async () => {
    const r = await app.call("find_symbol", { path: repo, name: "planPhases" });
    const defs = (r.data as { definitions: { path: string }[] }).definitions.map((d) => d.path);
    expect(defs).toContain("dist/toolsets/goals/graph.js");
    expect(defs[0]).toBe("src/toolsets/goals/graph.ts");
    expect(defs.indexOf("dist/toolsets/goals/graph.js")).toBe(defs.length - 1);
  });
});
