/**
 * A flow run survives the death of its process: a `repowright worker` is SIGKILLed in the middle of a
 * node; another worker resumes the run from its last checkpoint — the nodes that completed are not run
 * again, the interrupted one is, and the run completes once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { FLOW_JOB, readFlowRun, startFlowRun } from "../../src/flows/index.js";
import { allToolsets } from "../../src/toolsets/index.js";
import slow from "../fixtures/plugins/slow.js";

const root = resolve(__dirname, "../..");
const MAIN = join(root, "src/cli/main.ts");
const PLUGIN = join(root, "test/fixtures/plugins/slow.ts");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a flow run whose worker is killed", () => {
  const home = mkdtempSync(join(tmpdir(), "rw-flow-resume-"));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    rmSync(home, { recursive: true, force: true });
  });
  const env = {
    REPOWRIGHT_HOME: home,
    REPOWRIGHT_LOG_LEVEL: "silent",
    REPOWRIGHT_TOOLSETS: "memory,slow,flows,jobs",
    REPOWRIGHT_QUEUE_LEASE_MS: "1500",
  };
  const worker = () => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, "worker", "--plugin", PLUGIN], {
      cwd: root,
      env: { PATH: process.env["PATH"] ?? "", HOME: home, ...env },
      stdio: "ignore",
    });
    children.push(child);
    return child;
  };
  const lines = (file: string) => {
    try {
      return readFileSync(file, "utf8").trim().split("\n").filter(Boolean);
    } catch {
      return [];
    }
  };

  it("resumes from the last checkpoint and runs no completed node twice", async () => {
    const file = join(home, "marks.txt");
    const app = await createApp({ env, toolsets: [...allToolsets(), slow] });
    try {
      const source = `name: three_steps
nodes:
  - { id: first, type: tool, tool: slow_mark, args: { file: "${file}", ms: 50, tag: first } }
  - { id: second, type: tool, tool: slow_mark, args: { file: "${file}", ms: 3000, tag: second } }
  - { id: third, type: tool, tool: slow_mark, args: { file: "${file}", ms: 50, tag: third } }
edges:
  - { from: first, to: second }
  - { from: second, to: third }
`;
      const run = await startFlowRun(
        app.host.services,
        { id: "test", roles: ["admin"], transport: "in-process" },
        source,
        {},
      );
      const job = (await app.queue.list()).find((j) => j.kind === FLOW_JOB);
      const a = worker();
      for (let i = 0; i < 400 && !lines(file).some((l) => l.endsWith("second")); i++) await sleep(50);
      a.kill("SIGKILL");
      await new Promise((r) => a.once("exit", r));
      expect(lines(file).map((l) => l.split(" ")[0] + " " + l.split(" ")[2])).toEqual([
        "start first",
        "done first",
        "start second",
      ]);
      worker();
      const done = await app.queue.wait(job?.id as string, { timeoutMs: 60_000 });
      expect(done).toMatchObject({ state: "completed", attempts: 2 });
      const ended = await readFlowRun(app.host.services, run.id);
      expect(ended.status, JSON.stringify(ended.nodes) + ended.error).toBe("completed");
      const marks = lines(file).map((l) => `${l.split(" ")[0]} ${l.split(" ")[2]}`);
      expect(marks.filter((m) => m.endsWith(" first"))).toEqual(["start first", "done first"]);
      expect(marks.filter((m) => m === "done second")).toHaveLength(1);
      expect(marks.filter((m) => m.endsWith(" third"))).toEqual(["start third", "done third"]);
    } finally {
      await app.close();
    }
  }, 90_000);
});
