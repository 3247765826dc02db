/**
 * Flows: checked at load with messages that name the line; run through the host as the caller, with
 * conditions, fan-out and a model node; the shipped pr_creation flow end to end against the GitHub
 * emulator; and REST's Idempotency-Key, which flows use for their tool calls.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLlmEmulator, type LlmEmulator } from "../../src/emulators/llm/server.js";
import { FlowInvalid, loadFlow } from "../../src/flows/index.js";
import { restRoutes } from "../../src/gateway/rest.js";
import { startWorking } from "../../src/jobs/index.js";
import { type HttpServer, serveHttp } from "../../src/mcp/http.js";
import type { QueueWorker } from "../../src/queue/index.js";
import { type GithubTestBed, startGithubTestBed } from "../github/helpers.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

type Obj = Record<string, unknown>;
const TOOLS = new Set(["cache_set", "cache_get", "cache_incr", "plan_pr_split"]);

const problemsOf = (text: string) => {
  try {
    loadFlow(text, TOOLS);
  } catch (err) {
    if (err instanceof FlowInvalid) return err.problems;
    throw err;
  }
  return [];
};

describe("flow files are checked at load", () => {
  it("names the line of an unknown tool, a dangling edge, a cycle and an expression that reaches for constructor or process", () => {
    const problems = problemsOf(`name: bad
nodes:
  - id: a
    type: tool
    tool: cache_gett
  - id: b
    type: tool
    tool: cache_get
    args: { key: "\${a.output.constructor}" }
  - id: c
    type: condition
    condition: \${process.env.HOME == ""}
edges:
  - { from: a, to: b }
  - { from: b, to: a }
  - { from: c, to: nowhere }
`);
    const at = (line: number) => problems.filter((p) => p.line === line).map((p) => p.message);
    expect(at(5)).toEqual(['unknown tool "cache_gett" (did you mean "cache_get"?)']);
    expect(at(9).join()).toContain('uses "constructor"');
    expect(at(12).join()).toContain('uses "process"');
    expect(problems.some((p) => p.message.includes("cycle: a -> b -> a"))).toBe(true);
    expect(at(16).join()).toContain('edge to "nowhere": no node has this id');
  });

  it("refuses a reference to a node that does not exist and an expression that does not parse", () => {
    const problems = problemsOf(`name: refs
nodes:
  - id: a
    type: tool
    tool: cache_get
    args: { key: "\${ghost.output}" }
  - id: b
    type: condition
    condition: "\${a.output +}"
`);
    expect(problems.map((p) => [p.line, p.message.split(",")[0]])).toEqual([
      [6, 'the expression ${ghost.output} reads "ghost"'],
      [9, "the expression ${a.output +} does not parse: Unexpected token: EOF"],
    ]);
  });

  it("accepts the shipped pr_creation flow", () => {
    const text = readFileSync(resolve(__dirname, "../../flows/pr_creation.yaml"), "utf8");
    const prs = ["analyze_repository", "suggest_pr_boundaries", "validate_pr_groups", "create_pr_stack"];
    expect(() => loadFlow(text, new Set([...TOOLS, ...prs]))).not.toThrow();
  });
});

describe("running flows", () => {
  let app: TestApp;
  let llm: LlmEmulator;
  let worker: QueueWorker;
  let http: HttpServer;
  let origin: string;

  beforeAll(async () => {
    llm = await createLlmEmulator();
    app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "memory,flows,jobs",
        REPOWRIGHT_LLM_API_KEY: "k",
        REPOWRIGHT_LLM_BASE_URL: llm.anthropicBaseUrl,
        REPOWRIGHT_LLM_CHEAP_MODEL: "scripted",
      },
    });
    worker = startWorking({ host: app.host, queue: app.queue });
    http = await serveHttp(app.host, {
      host: "127.0.0.1",
      port: 0,
      stateless: true,
      allowedHosts: [],
      routes: [restRoutes(app.host)],
    });
    origin = http.url.replace(/\/mcp$/, "");
  });
  afterAll(async () => {
    await worker?.close();
    await http?.close();
    await app?.close();
    await llm?.close();
  });

  it("runs tool, condition, parallel and llm nodes in order, skipping what a false edge guards", async () => {
    llm.load({ steps: [{ reply: { text: '```json\n{"label": "big", "score": 3}\n```' } }] });
    const source = `name: demo
inputs:
  items: { type: array, default: [1, 2, 3] }
  loud: { type: boolean, default: false }
nodes:
  - id: seed
    type: tool
    tool: cache_set
    args: { namespace: flows-demo, key: total, value: 0 }
  - id: each
    type: parallel
    for_each: \${inputs.items}
    as: n
    concurrency: 2
    nodes:
      - id: add
        type: tool
        tool: cache_incr
        args: { namespace: flows-demo, key: total, by: "\${n * 10}" }
  - id: total
    type: tool
    tool: cache_get
    args: { namespace: flows-demo, key: total }
  - id: big
    type: condition
    condition: \${total.output.value > 50}
  - id: judge
    type: llm
    prompt: "The total is \${total.output.value}. Label it."
    output_schema: { type: object, required: [label], properties: { label: { type: string }, score: { type: integer } } }
  - id: shout
    type: tool
    tool: cache_set
    args: { namespace: flows-demo, key: shout, value: "LOUD" }
edges:
  - { from: seed, to: each }
  - { from: each, to: total }
  - { from: total, to: big }
  - { from: big, to: judge, condition: "\${big.output}" }
  - { from: big, to: shout, condition: "\${inputs.loud}" }
output:
  total: \${total.output.value}
  label: "\${judge.output.label}"
  shouted: "\${has(shout.output)}"
`;
    const started = await app.call("run_flow", { source, wait_s: 60 });
    expect(started.isError, JSON.stringify(started.data)).toBe(false);
    const run = started.data as Obj;
    expect(run).toMatchObject({ status: "completed", output: { total: 60, label: "big", shouted: false } });
    const nodes = run["nodes"] as Record<string, Obj>;
    expect(nodes["shout"]).toMatchObject({ status: "skipped" });
    expect(nodes["each[2].add"]).toMatchObject({ status: "completed" });
    expect(await app.call("cache_get", { namespace: "flows-demo", key: "shout" })).toMatchObject({
      data: { found: false },
    });
    // Read back over REST, as the seed's status endpoint.
    const rest = await fetch(`${origin}/api/v1/flow-runs/${run["run_id"]}`);
    expect(await rest.json()).toMatchObject({ id: run["run_id"], status: "completed" });
  });

  it("fails a run whose tool call is refused, naming the node, and starts none for bad inputs", async () => {
    const source = `name: failing
inputs:
  key: { type: string, required: true }
nodes:
  - id: get
    type: tool
    tool: cache_get
    args: { key: "\${inputs.key}", namespace: "not a namespace!" }
`;
    const run = (await app.call("run_flow", { source, inputs: { key: "k" }, wait_s: 30 })).data as Obj;
    expect(run).toMatchObject({ status: "failed" });
    expect(String(run["error"])).toContain("node get failed");
    const bad = await app.call("run_flow", { source, inputs: {} });
    expect(bad).toMatchObject({ isError: true, data: { type: "validation" } });
    expect(String((bad.data as Obj)["error"])).toContain('input "key" is required');
  });

  it("answers a repeated REST call with the same Idempotency-Key from its record", async () => {
    const post = () =>
      fetch(`${origin}/api/v1/tools/cache_incr`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": "incr-once" },
        body: JSON.stringify({ namespace: "idem", key: "n" }),
      }).then((r) => r.json());
    const first = await post();
    const second = await post();
    expect(second).toEqual(first);
    expect(await app.call("cache_get", { namespace: "idem", key: "n" })).toMatchObject({
      data: { value: 1 },
    });
  });
});

describe("the shipped pr_creation flow", () => {
  let bed: GithubTestBed;
  let work: string;
  let worker: QueueWorker;
  beforeAll(async () => {
    bed = await startGithubTestBed(
      {
        repos: [
          {
            owner: "acme",
            name: "api",
            files: {
              "package.json": '{ "name": "api" }\n',
              "src/auth/session.ts": "export function createSession(user: string) {\n  return { user };\n}\n",
              "README.md": "# api\n",
            },
          },
        ],
      },
      { REPOWRIGHT_TOOLSETS: "github,prs,flows,jobs" },
    );
    work = mkdtempSync(join(tmpdir(), "rw-flow-work-"));
    execFileSync("git", ["clone", "-q", bed.emu.gitDir("acme", "api"), work]);
    const write = (path: string, content: string) => {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), content);
    };
    write("package.json", '{ "name": "api", "dependencies": { "jose": "^6.0.0" } }\n');
    write("src/util/ids.ts", 'export const newId = () => "id-1";\n');
    write(
      "src/auth/session.ts",
      'import { newId } from "../util/ids.js";\nexport function createSession(user: string) {\n  return { id: newId(), user };\n}\n',
    );
    write("docs/auth.md", "# Auth\n");
    worker = startWorking({ host: bed.app.host, queue: bed.app.queue });
  });
  afterAll(async () => {
    await worker?.close();
    await bed?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("plans, checks sizes and opens a stack of draft PRs whose bases chain", async () => {
    const r = await bed.app.call("run_flow", {
      name: "pr_creation",
      inputs: { repo_path: work, owner: "acme", repo: "api", base: "main", create: true },
      wait_s: 120,
    });
    expect(r.isError, JSON.stringify(r.data)).toBe(false);
    const run = r.data as Obj;
    expect(run["status"], JSON.stringify(run)).toBe("completed");
    const output = run["output"] as { groups: string[]; pull_requests: Obj[] };
    expect(output.groups.length).toBeGreaterThanOrEqual(2);
    expect(output.pull_requests).toHaveLength(output.groups.length);
    const prs = output.pull_requests;
    expect(prs[0]).toMatchObject({ base: "main" });
    for (let i = 1; i < prs.length; i++) expect(prs[i]?.["base"]).toBe(prs[i - 1]?.["branch"]);
    expect(run["output"]).toMatchObject({ valid: true, violations: [] });
    expect((run["nodes"] as Record<string, Obj>)["strategy"]).toMatchObject({ status: "skipped" });
  });
});
