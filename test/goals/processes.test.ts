/**
 * Real processes against one store: acknowledged writes survive SIGKILL, and two processes updating one
 * task never lose an update (one of them gets `conflict`). On SQLite (one file in a temp REPOWRIGHT_HOME)
 * and on Redis (a unique key prefix).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { parentEnv } from "../helpers/env.js";
import { dropPrefix, uniquePrefix } from "./redis-prefix.js";

const redisUrl = inject("redisUrl");
const WORKER = join(import.meta.dirname, "worker.ts");

type Line = Record<string, unknown>;

class Worker {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: Line[] = [];
  private waiters: (() => void)[] = [];
  stderr = "";
  exited: Promise<number | null>;

  constructor(mode: string, args: Record<string, unknown>, env: Record<string, string>) {
    this.child = spawn(process.execPath, ["--import", "tsx", WORKER, mode, JSON.stringify(args)], {
      env: { ...parentEnv(), ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    createInterface({ input: this.child.stdout }).on("line", (l) => {
      this.lines.push(JSON.parse(l) as Line);
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr.on("data", (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** Resolves once `pred` holds for the lines received so far. */
  async until(pred: (lines: Line[]) => boolean): Promise<void> {
    while (!pred(this.lines)) {
      if (this.child.exitCode !== null) throw new Error(`worker exited early: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }
}

async function call(app: App, name: string, input: Record<string, unknown>) {
  const res = await app.host.callTool(name, input, {
    caller: { id: "test", roles: ["admin"], transport: "in-process" },
  });
  const first = res.content[0] as { text?: string } | undefined;
  const data = JSON.parse(first?.text ?? "null") as Record<string, unknown>;
  if (res.isError) throw new Error(`${name}: ${JSON.stringify(data)}`);
  return data;
}

for (const kind of ["sqlite", "redis"] as const) {
  describe.skipIf(kind === "redis" && !redisUrl)(`goals across processes on ${kind}`, () => {
    let home: string;
    let env: Record<string, string>;
    const prefix = uniquePrefix("goalsproc");

    beforeAll(() => {
      home = mkdtempSync(join(tmpdir(), "rw-goals-"));
      env = {
        REPOWRIGHT_HOME: home,
        REPOWRIGHT_STORE: kind,
        REPOWRIGHT_REDIS_PREFIX: prefix,
        REPOWRIGHT_TOOLSETS: "goals",
        REPOWRIGHT_LOG_LEVEL: "silent",
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      };
    });
    afterAll(async () => {
      rmSync(home, { recursive: true, force: true });
      if (kind === "redis") await dropPrefix(redisUrl, prefix);
    });

    it("keeps every acknowledged write after SIGKILL, and goes on after a restart", async () => {
      const w = new Worker("writer", {}, env);
      try {
        await w.until((l) => l.filter((x) => x["op"] === "update").length >= 25);
      } finally {
        w.child.kill("SIGKILL");
      }
      await w.exited;
      const acks = [...w.lines];
      const goalId = acks.find((l) => l["op"] === "goal")!["id"] as string;
      const creates = acks.filter((l) => l["op"] === "create");
      const updates = new Map(acks.filter((l) => l["op"] === "update").map((l) => [l["id"] as string, l]));

      const app = await createApp({ env });
      try {
        for (const c of creates) {
          const got = await call(app, "get_task", { task_id: c["id"] as string });
          const task = got["task"] as { version: number; estimate?: number; tags?: string[]; title: string };
          expect(task.title).toBe(`task ${c["i"]}`);
          const u = updates.get(c["id"] as string);
          if (u) {
            expect(task.version).toBeGreaterThanOrEqual(u["version"] as number);
            expect(task.estimate).toBe(u["i"]);
            expect(task.tags).toEqual([`n${u["i"]}`]);
          }
        }
        // Counters and tasks were written together: nothing half-done.
        const progress = await call(app, "goal_progress", { goal_id: goalId });
        const listed = await call(app, "list_tasks", { goal_id: goalId, limit: 500 });
        expect(progress["total"]).toBe(listed["total"]);
        expect(listed["total"] as number).toBeGreaterThanOrEqual(creates.length);
        expect(await call(app, "validate_dependencies", { goal_id: goalId })).toMatchObject({ valid: true });
        // Ids keep counting after the restart.
        const more = await call(app, "create_tasks", {
          goal_id: goalId,
          tasks: [{ title: "after restart" }],
        });
        const newId = (more["tasks"] as { id: string }[])[0]!.id;
        expect(creates.map((c) => c["id"])).not.toContain(newId);
      } finally {
        await app.close();
      }
    }, 60_000);

    it("a server that has a goal in memory sees another server's writes on its next read", async () => {
      // Two apps = two stores, as two processes have: each keeps the goals it read in memory.
      const a = await createApp({ env });
      const b = await createApp({ env });
      try {
        const goal = (await call(a, "create_goal", { title: "two servers" }))["goal"] as { id: string };
        const created = await call(a, "create_tasks", {
          goal_id: goal.id,
          tasks: [
            { title: "first", ref: "a" },
            { title: "second", depends_on: ["a"] },
          ],
        });
        const [first, second] = (created["tasks"] as { id: string }[]).map((t) => t.id);
        const next = async (app: App) =>
          ((await call(app, "get_next_tasks", { goal_id: goal.id }))["tasks"] as { id: string }[]).map(
            (t) => t.id,
          );
        expect(await next(a)).toEqual([first]);
        expect(await next(b)).toEqual([first]);

        // b finishes the first task and adds a third: a's next read shows both.
        const done = (await call(b, "update_task", { task_id: first, status: "done" }))["task"] as {
          version: number;
        };
        await call(b, "create_tasks", { goal_id: goal.id, tasks: [{ title: "third" }] });
        const third = (await call(a, "list_tasks", { goal_id: goal.id }))["tasks"] as { id: string }[];
        expect(third).toHaveLength(3);
        expect(await next(a)).toEqual([second, third[2]!.id]);

        // a writes with the version b returned; b sees a's write and a's stale version is refused.
        const renamed = await call(a, "update_task", {
          task_id: first,
          title: "first, renamed by a",
          expected_version: done.version,
        });
        expect((renamed["task"] as { version: number }).version).toBe(done.version + 1);
        const export_ = (await call(b, "export_goal", { goal_id: goal.id, format: "json" }))["tasks"] as {
          title: string;
        }[];
        expect(export_.map((t) => t.title)).toContain("first, renamed by a");
        const stale = await b.host.callTool(
          "update_task",
          { task_id: first, title: "stale", expected_version: done.version },
          { caller: { id: "test", roles: ["admin"], transport: "in-process" } },
        );
        expect(stale.isError).toBe(true);
        expect(JSON.parse((stale.content[0] as { text: string }).text)).toMatchObject({ type: "conflict" });

        // b deletes the goal: a says not found, not the goal it remembers.
        await call(b, "delete_goal", { goal_id: goal.id });
        const gone = await a.host.callTool(
          "get_next_tasks",
          { goal_id: goal.id },
          { caller: { id: "test", roles: ["admin"], transport: "in-process" } },
        );
        expect(JSON.parse((gone.content[0] as { text: string }).text)).toMatchObject({ type: "not_found" });
      } finally {
        await a.close();
        await b.close();
      }
    });

    it("two processes, same expected_version: one wins, the other gets conflict, nothing is lost", async () => {
      const app = await createApp({ env });
      const workers: Worker[] = [];
      try {
        const goal = (await call(app, "create_goal", { title: "race" }))["goal"] as { id: string };
        const created = await call(app, "create_tasks", {
          goal_id: goal.id,
          tasks: [{ title: "contended" }, ...Array.from({ length: 16 }, (_, i) => ({ title: `dep ${i}` }))],
        });
        const ids = (created["tasks"] as { id: string }[]).map((t) => t.id);
        const target = ids[0]!;
        const a = new Worker("rounds", { task_id: target, name: "a" }, env);
        const b = new Worker("rounds", { task_id: target, name: "b" }, env);
        workers.push(a, b);
        await Promise.all([a.until((l) => l.length >= 1), b.until((l) => l.length >= 1)]);
        for (let round = 1; round <= 5; round++) {
          const before = (await call(app, "get_task", { task_id: target }))["task"] as { version: number };
          a.send(`go ${before.version}`);
          b.send(`go ${before.version}`);
          await Promise.all([a.until((l) => l.length > round), b.until((l) => l.length > round)]);
          const results = [a.lines[round]!, b.lines[round]!];
          expect(results.filter((r) => r["isError"] === false)).toHaveLength(1);
          expect(results.filter((r) => r["isError"] === true).map((r) => r["type"])).toEqual(["conflict"]);
          const after = (await call(app, "get_task", { task_id: target }))["task"] as {
            version: number;
            title: string;
          };
          expect(after.version).toBe(before.version + 1);
          const winner = results[0]!["isError"] === false ? "a" : "b";
          expect(after.title).toBe(`by ${winner} at ${before.version}`);
        }
        a.send("stop");
        b.send("stop");
        await Promise.all([a.exited, b.exited]);

        // Without expected_version: two processes add 8 dependencies each to one task, interleaved.
        const c = new Worker("deps", { task_id: target, deps: ids.slice(1, 9) }, env);
        const d = new Worker("deps", { task_id: target, deps: ids.slice(9, 17) }, env);
        workers.push(c, d);
        await Promise.all([c.until((l) => l.length >= 1), d.until((l) => l.length >= 1)]);
        c.send("go");
        d.send("go");
        await Promise.all([c.until((l) => l.length >= 2), d.until((l) => l.length >= 2)]);
        await Promise.all([c.exited, d.exited]);
        const final = (await call(app, "get_task", { task_id: target }))["task"] as {
          dependencies: string[];
        };
        expect([...final.dependencies].sort()).toEqual(ids.slice(1).sort());
      } finally {
        for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
        await app.close();
      }
    }, 90_000);
  });
}
