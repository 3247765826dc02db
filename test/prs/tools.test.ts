/**
 * The prs tools' paths the other tests leave out: validate_pr_groups running the test command on each
 * stacked tree (a group whose tree fails is reported), the model's parts with a scripted model (the
 * pr_creation flow's strategy choice, generate_pr_metadata's title and why, and the fallback when the
 * model answers outside the rules), and analyze_repository with a submodule, a mode change and `base`
 * set to another ref.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLlmEmulator, type LlmEmulator } from "../../src/emulators/llm/server.js";
import { startWorking } from "../../src/jobs/index.js";
import type { QueueWorker } from "../../src/queue/index.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

type Obj = Record<string, unknown>;
type File = Obj & { path: string };

const made: string[] = [];
const repoWith = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), "rw-prs-tools-"));
  made.push(dir);
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  git("init", "-q", "-b", "main");
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  for (const [p, c] of Object.entries(files)) write(p, c);
  git("add", "-A");
  git("commit", "-qm", "base");
  return { dir, git, write };
};

afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe("validate_pr_groups with run_tests", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: "prs" } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("reports the group whose stacked tree fails the test command, and passes the one that has what it needs", async () => {
    const { dir, write } = repoWith({
      "calc/__init__.py": "",
      "calc/ops.py": "def add(a, b):\n    return a + b\n",
      "tests/__init__.py": "",
      "tests/test_ops.py":
        "import unittest\nfrom calc import ops\n\n\nclass T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(ops.add(1, 2), 3)\n",
    });
    write("calc/ops.py", "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n");
    write(
      "tests/test_ops.py",
      "import unittest\nfrom calc import ops\n\n\nclass T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(ops.add(1, 2), 3)\n\n    def test_mul(self):\n        self.assertEqual(ops.mul(2, 3), 6)\n",
    );
    const analysis = (await app.call("analyze_repository", { repo_path: dir })).data as Obj;
    const rules = { run_tests: true, test_command: "python3 -m unittest", tests_with_code: false };
    // The test of mul first, mul itself after it: the first tree cannot pass.
    const wrong = await app.call("validate_pr_groups", {
      analysis,
      groups: [
        { index: 1, files: [{ path: "tests/test_ops.py" }] },
        { index: 2, files: [{ path: "calc/ops.py" }] },
      ],
      rules,
    });
    expect(wrong.isError, JSON.stringify(wrong.data)).toBe(false);
    const w = wrong.data as { valid: boolean; violations: Obj[]; test_runs: Obj[] };
    expect(w.valid).toBe(false);
    expect(w.violations).toEqual([
      expect.objectContaining({ rule: "tests_fail", group: 1, message: expect.stringContaining("exit 1") }),
    ]);
    expect(w.test_runs.map((r) => r["passed"])).toEqual([false, true]);
    expect(String(w.test_runs[0]!["output_tail"])).toMatch(/has no attribute 'mul'/);
    // In the right order every tree passes.
    const right = await app.call("validate_pr_groups", {
      analysis,
      groups: [
        { index: 1, files: [{ path: "calc/ops.py" }] },
        { index: 2, files: [{ path: "tests/test_ops.py" }] },
      ],
      rules,
    });
    expect(right.data).toMatchObject({ valid: true, violations: [] });
    expect((right.data as { test_runs: Obj[] }).test_runs.map((r) => r["passed"])).toEqual([true, true]);
  }, 60_000);
});

describe("the model's parts, with a scripted model", () => {
  let llm: LlmEmulator;
  let app: TestApp;
  let worker: QueueWorker;
  beforeAll(async () => {
    llm = await createLlmEmulator();
    app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "prs,flows,jobs",
        REPOWRIGHT_LLM_API_KEY: "k",
        REPOWRIGHT_LLM_BASE_URL: llm.anthropicBaseUrl,
        REPOWRIGHT_LLM_CHEAP_MODEL: "scripted",
      },
    });
    worker = startWorking({ host: app.host, queue: app.queue });
  });
  afterAll(async () => {
    await worker?.close();
    await app?.close();
    await llm?.close();
  });

  const changed = () => {
    const { dir, write } = repoWith({
      "src/auth/session.ts": "export const session = 1;\n",
      "src/api/routes.ts": "export const routes = [];\n",
      "src/api/limits.ts": "export const LIMIT = 1;\n",
    });
    write("src/auth/session.ts", "export const session = 2;\n");
    write("src/auth/tokens.ts", "export const token = 1;\n");
    write(
      "src/api/routes.ts",
      'import { session } from "../auth/session.js";\nexport const routes = [session];\n',
    );
    write("src/api/limits.ts", "export const LIMIT = 2;\n");
    return dir;
  };

  it("pr_creation asks the model for the strategy when told to, and groups by its answer", async () => {
    const dir = changed();
    llm.load({ steps: [{ reply: { text: '{"strategy": "directory", "reason": "two modules"}' } }] });
    const before = llm.requests.length;
    const r = await app.call("run_flow", {
      name: "pr_creation",
      inputs: { repo_path: dir, choose_strategy_with_model: true },
      wait_s: 60,
    });
    const run = r.data as Obj;
    expect(run["status"], JSON.stringify(run)).toBe("completed");
    expect(llm.requests.length - before).toBe(1);
    const prompt = JSON.stringify(llm.requests.at(-1)!.body);
    expect(prompt).toContain("A change of 4 files (+5 -3 lines; languages");
    expect(prompt).toContain(String.raw`languages [\"typescript\"])`);
    const nodes = run["nodes"] as Record<string, Obj>;
    expect(nodes["strategy"]).toMatchObject({ status: "completed", output: { strategy: "directory" } });
    expect(nodes["boundaries"]).toMatchObject({ status: "completed", output: { strategy: "directory" } });
    expect(nodes["create_prs"]).toMatchObject({ status: "skipped" });
    // Without the choice the model is not asked and the input's strategy is used.
    const plain = (
      await app.call("run_flow", {
        name: "pr_creation",
        inputs: { repo_path: dir, strategy: "semantic" },
        wait_s: 60,
      })
    ).data as Obj;
    expect(llm.requests.length - before).toBe(1);
    expect((plain["nodes"] as Record<string, Obj>)["boundaries"]).toMatchObject({
      output: { strategy: "semantic" },
    });
  }, 90_000);

  it("generate_pr_metadata takes the model's type, summary and why, and keeps the rules' where it strays", async () => {
    const dir = changed();
    const analysis = (await app.call("analyze_repository", { repo_path: dir })).data as Obj;
    const group = {
      index: 1,
      files: [{ path: "src/auth/session.ts" }, { path: "src/auth/tokens.ts" }],
      depends_on: [],
    };
    const rules = (await app.call("generate_pr_metadata", { analysis, group })).data as Obj;
    expect(rules).toMatchObject({ by: "rules", type: "feat", scope: "auth" });

    const withModel = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "prs",
        REPOWRIGHT_LLM_API_KEY: "k",
        REPOWRIGHT_LLM_BASE_URL: llm.anthropicBaseUrl,
        REPOWRIGHT_LLM_CHEAP_MODEL: "scripted",
        REPOWRIGHT_PRS_MODEL: "cheap",
      },
    });
    try {
      llm.load({
        steps: [
          {
            reply: {
              text: '```json\n{"type": "fix", "summary": "give sessions a token", "why": "Sessions could not be revoked."}\n```',
            },
          },
          { reply: { text: `{"type": "feature", "summary": "${"x".repeat(80)}", "why": "Because."}` } },
        ],
      });
      const said = (await withModel.call("generate_pr_metadata", { analysis, group, total: 2 })).data as Obj;
      expect(said).toMatchObject({ by: "model", type: "fix", title: "fix(auth): give sessions a token" });
      expect(String(said["body"])).toMatch(/^## Why\n\nSessions could not be revoked\.\n\nPart 1 of 2 /);
      expect(said["labels"]).toContain("bug");
      // A type that is not conventional and a summary over 72 characters: the rules' instead.
      const strayed = (await withModel.call("generate_pr_metadata", { analysis, group, total: 2 }))
        .data as Obj;
      expect(strayed).toMatchObject({ by: "model", type: "feat", title: rules["title"] });
      expect(String(strayed["body"])).toContain("Because.");
    } finally {
      await withModel.close();
    }
  }, 60_000);
});

describe("analyze_repository with a submodule, a mode change and another base", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: "prs" } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("reports each, measured against the base ref given", async () => {
    const lib = repoWith({ "lib.txt": "a library\n" });
    const { dir, git, write } = repoWith({
      "run.sh": "#!/bin/sh\necho hi\n",
      "src/a.py": "A = 1\n",
      "src/b.py": "B = 1\n",
    });
    git("tag", "v1");
    // Committed after v1: seen against v1, not against HEAD.
    write("src/b.py", "B = 2\n");
    git("commit", "-qam", "b");
    chmodSync(join(dir, "run.sh"), 0o755);
    git("-c", "protocol.file.allow=always", "submodule", "add", "-q", lib.dir, "vendor/lib");
    write("src/a.py", "A = 2\n");

    const files = (r: { data: unknown }) => (r.data as { files: File[] }).files;
    const head = await app.call("analyze_repository", { repo_path: dir });
    expect(head.isError, JSON.stringify(head.data)).toBe(false);
    const byPath = new Map(files(head).map((f) => [f.path, f]));
    expect(byPath.get("run.sh")).toMatchObject({
      status: "modified",
      old_mode: "100644",
      new_mode: "100755",
      added: 0,
      deleted: 0,
    });
    expect(byPath.get("vendor/lib")).toMatchObject({ status: "added", submodule: true });
    expect(byPath.get(".gitmodules")).toMatchObject({ status: "added" });
    expect(byPath.get("src/a.py")).toMatchObject({ status: "modified", unstaged: true });
    expect(byPath.has("src/b.py")).toBe(false);

    const fromV1 = await app.call("analyze_repository", { repo_path: dir, base: "v1" });
    expect(fromV1.isError, JSON.stringify(fromV1.data)).toBe(false);
    expect(fromV1.data).toMatchObject({ base: "v1", base_commit: git("rev-parse", "v1") });
    const since = new Map(files(fromV1).map((f) => [f.path, f]));
    expect(since.get("src/b.py")).toMatchObject({
      status: "modified",
      committed: true,
      added: 1,
      deleted: 1,
    });
    expect(since.get("run.sh")).toMatchObject({ old_mode: "100644", new_mode: "100755" });
    expect(since.get("vendor/lib")).toMatchObject({ submodule: true });
    expect([...since.keys()].sort()).toEqual([...byPath.keys(), "src/b.py"].sort());

    const missing = await app.call("analyze_repository", { repo_path: dir, base: "no-such-ref" });
    expect(missing).toMatchObject({ isError: true, data: { type: "validation" } });
  }, 60_000);
});
