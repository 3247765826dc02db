/**
 * A `repowright worker` killed (SIGKILL) in the middle of a resolver run: the job's lease lapses, a
 * second worker runs it again, and the issue ends with exactly one branch, one pull request and one
 * status comment in its final state. Real processes, the GitHub and model emulators on loopback.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOLVE_JOB } from "../../src/agents/resolver/trigger.js";
import { createGithubEmulator, type GithubEmulator } from "../../src/emulators/github/server.js";
import { createLlmEmulator, type LlmEmulator } from "../../src/emulators/llm/server.js";
import { createSqliteQueue } from "../../src/queue/sqlite.js";
import { ADD_FIXED, SEED } from "./fixture.js";

const root = resolve(__dirname, "../..");
const MAIN = join(root, "src/cli/main.ts");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("resolver on a worker that is killed mid-run", () => {
  let gh: GithubEmulator;
  let llm: LlmEmulator;
  let home: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    gh = await createGithubEmulator();
    await gh.seed(SEED);
    llm = await createLlmEmulator();
    home = mkdtempSync(join(tmpdir(), "rw-resolver-kill-"));
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await llm?.close();
    await gh?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const worker = () => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, "worker"], {
      cwd: root,
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: home,
        REPOWRIGHT_HOME: home,
        REPOWRIGHT_LOG_LEVEL: "silent",
        REPOWRIGHT_TOOLSETS: "github,jobs",
        REPOWRIGHT_QUEUE_LEASE_MS: "1500",
        REPOWRIGHT_QUEUE_CONCURRENCY: "1",
        GITHUB_TOKEN: "resolver-token",
        GITHUB_API_URL: gh.url,
        GITHUB_WRITE_INTERVAL_MS: "0",
        REPOWRIGHT_LLM_API_KEY: "test-key",
        REPOWRIGHT_LLM_BASE_URL: llm.anthropicBaseUrl,
        REPOWRIGHT_LLM_MODEL: "scripted",
        REPOWRIGHT_LLM_MAX_RETRIES: "0",
      },
      stdio: ["ignore", "ignore", "ignore"],
    });
    children.push(child);
    return child;
  };

  it("retries the run and ends with one branch, one pull request and one final status comment", async () => {
    const queue = createSqliteQueue({
      path: join(home, "queue.db"),
      defaults: { attempts: 2, backoffMs: 100, concurrency: 1, leaseMs: 1500 },
      pollMs: 20,
    });
    try {
      // The first run edits, then its model answers slowly: the worker is killed while it waits.
      llm.load({
        steps: [
          {
            reply: {
              tool_calls: [{ name: "write_file", input: { path: "src/add.js", content: ADD_FIXED } }],
            },
          },
          { fault: { delay_ms: 60_000 }, reply: { text: "too late" } },
        ],
      });
      const { job } = await queue.enqueue(
        RESOLVE_JOB,
        {
          owner: "acme",
          repo: "calc",
          issue: 1,
          trigger: { kind: "job" },
        },
        { attempts: 2 },
      );
      const first = worker();
      for (let i = 0; i < 600 && llm.requests.length < 2; i++) await sleep(50);
      expect(llm.requests.length).toBe(2);
      first.kill("SIGKILL");
      await new Promise((r) => first.once("exit", r));

      llm.load({
        steps: [
          {
            reply: {
              tool_calls: [{ name: "write_file", input: { path: "src/add.js", content: ADD_FIXED } }],
            },
          },
          { reply: { tool_calls: [{ name: "run_tests", input: {} }] } },
          { reply: { tool_calls: [{ name: "finish", input: { summary: "add() adds" } }] } },
        ],
      });
      worker();
      const done = await queue.wait(job.id, { timeoutMs: 90_000 });
      expect(done, JSON.stringify(done)).toMatchObject({
        state: "completed",
        attempts: 2,
        result: { outcome: { kind: "pr_opened" } },
      });

      const git = (...args: string[]) =>
        execFileSync("git", [`--git-dir=${gh.gitDir("acme", "calc")}`, ...args], { encoding: "utf8" }).trim();
      expect(git("for-each-ref", "--format=%(refname)", "refs/heads/repowright/")).toBe(
        "refs/heads/repowright/issue-1",
      );
      expect(git("rev-list", "--count", "refs/heads/main..refs/heads/repowright/issue-1")).toBe("1");
      const pulls = gh.state.repo("acme", "calc")?.pulls ?? [];
      expect(pulls.filter((p) => p.head === "repowright/issue-1")).toHaveLength(1);
      const status = (gh.state.repo("acme", "calc")?.comments ?? []).filter(
        (c) => c.issue === 1 && c.body.startsWith("<!-- repowright:resolver -->"),
      );
      expect(status).toHaveLength(1);
      expect(status[0]?.body).toContain("Final state: pull request opened");
    } finally {
      await queue.close();
    }
  }, 150_000);
});
