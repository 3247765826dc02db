/**
 * The goals toolset through the real MCP SDK client (which also validates every structuredContent against
 * the advertised output schema), on both stores.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dropPrefix, uniquePrefix } from "../goals/redis-prefix.js";
import { SIX_TASKS } from "../goals/six.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

const redisUrl = inject("redisUrl");

interface Created {
  goal_id: string;
  tasks: { id: string; ref?: string; title: string; dependencies: string[]; version: number }[];
  ready: string[];
}
interface Err {
  error: string;
  type: string;
  details?: Record<string, unknown>;
}

const TOOLS = [
  "add_dependency",
  "batch_update_tasks",
  "create_goal",
  "create_tasks",
  "delete_goal",
  "export_goal",
  "generate_execution_plan",
  "get_goal",
  "get_next_tasks",
  "get_task",
  "goal_progress",
  "list_goals",
  "list_tasks",
  "remove_dependency",
  "sync_goal_issues",
  "sync_goal_jira",
  "update_goal",
  "update_task",
  "validate_dependencies",
];

for (const kind of ["sqlite", "redis"] as const) {
  describe.skipIf(kind === "redis" && !redisUrl)(`goals toolset on ${kind}`, () => {
    let app: TestApp;
    const prefix = uniquePrefix("goals");

    beforeAll(async () => {
      app = await startTestApp({
        env: {
          REPOWRIGHT_STORE: kind,
          REDIS_URL: redisUrl || undefined,
          REPOWRIGHT_REDIS_PREFIX: prefix,
          REPOWRIGHT_TOOLSETS: "goals",
        },
      });
    });
    afterAll(async () => {
      await app.close();
      if (kind === "redis") await dropPrefix(redisUrl, prefix);
    });

    async function ok<T>(name: string, args: Record<string, unknown>): Promise<T> {
      const res = await app.call(name, args);
      if (res.isError) throw new Error(`${name} failed: ${JSON.stringify(res.data)}`);
      return res.data as T;
    }
    async function fails(name: string, args: Record<string, unknown>): Promise<Err> {
      const res = await app.call(name, args);
      expect(res.isError, `${name} should fail`).toBe(true);
      return res.data as Err;
    }
    async function sixTaskGoal() {
      const { goal } = await ok<{ goal: { id: string } }>("create_goal", {
        title: "Add rate limiting to our API",
        tags: ["api"],
      });
      const created = await ok<Created>("create_tasks", { goal_id: goal.id, tasks: SIX_TASKS });
      const id = Object.fromEntries(created.tasks.map((t) => [t.ref!, t.id])) as Record<
        (typeof SIX_TASKS)[number]["ref"],
        string
      >;
      return { goalId: goal.id, id, created };
    }
    const nextIds = async (goalId: string) =>
      (await ok<{ tasks: { id: string }[] }>("get_next_tasks", { goal_id: goalId, limit: 10 })).tasks.map(
        (t) => t.id,
      );
    const setStatus = (taskId: string, status: string) =>
      ok<{ became_ready: { id: string }[]; task: { version: number } }>("update_task", {
        task_id: taskId,
        status,
      });

    it("lists the 19 goals tools, each with all four annotations", async () => {
      const { tools } = await app.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
      for (const t of tools) {
        const a = t.annotations ?? {};
        for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
          expect(typeof a[hint], `${t.name}.${hint}`).toBe("boolean");
        }
        expect(t.inputSchema.anyOf ?? t.inputSchema.oneOf ?? t.inputSchema.allOf).toBeUndefined();
      }
      expect(tools.find((t) => t.name === "delete_goal")!.annotations?.destructiveHint).toBe(true);
      expect(tools.find((t) => t.name === "get_next_tasks")!.annotations?.readOnlyHint).toBe(true);
      expect(tools.filter((t) => t.outputSchema).length).toBeGreaterThanOrEqual(16);
    });

    it("offers a plan_goal prompt", async () => {
      const { prompts } = await app.client.listPrompts();
      expect(prompts.map((p) => p.name)).toContain("plan_goal");
      const got = await app.client.getPrompt({ name: "plan_goal", arguments: { goal: "add rate limiting" } });
      const text = (got.messages[0]!.content as { text: string }).text;
      expect(text).toContain("add rate limiting");
      expect(text).toContain("generate_execution_plan");
    });

    it("plans the six-task example in four phases, with the critical path", async () => {
      const { goalId, id, created } = await sixTaskGoal();
      expect(created.tasks.map((t) => t.id)).toEqual(Object.values(id));
      expect(created.tasks.every((t) => /^TASK-\d{4,}$/.test(t.id))).toBe(true);
      expect(created.tasks.find((t) => t.ref === "implement")!.dependencies).toEqual([id.design]);
      expect(created.ready).toEqual([id.research]);

      const plan = await ok<{
        phases: { phase: number; tasks: { id: string }[] }[];
        critical_path: { path: string[]; length: number; unit: string };
        max_parallel: number;
        unscheduled: unknown[];
      }>("generate_execution_plan", { goal_id: goalId });
      expect(plan.phases.map((p) => p.tasks.map((t) => t.id))).toEqual([
        [id.research],
        [id.design],
        [id.implement],
        // parallel, by priority: the high-priority review first
        [id.security, id.tests, id.docs],
      ]);
      expect(plan.max_parallel).toBe(3);
      expect(plan.unscheduled).toEqual([]);
      expect(plan.critical_path).toEqual({
        path: [id.research, id.design, id.implement, id.tests],
        length: 2 + 3 + 8 + 3,
        unit: "estimate",
      });
      const idsOnly = await ok<{ phases: { tasks: string[] }[] }>("generate_execution_plan", {
        goal_id: goalId,
        ids_only: true,
      });
      expect(idsOnly.phases[3]!.tasks).toEqual([id.security, id.tests, id.docs]);
    });

    it("the literal chain (security review after tests and docs) plans in five phases", async () => {
      const { goal } = await ok<{ goal: { id: string } }>("create_goal", { title: "literal chain" });
      const tasks = SIX_TASKS.map((t) =>
        t.ref === "security" ? { ...t, depends_on: ["tests", "docs"] } : t,
      );
      await ok<Created>("create_tasks", { goal_id: goal.id, tasks });
      const plan = await ok<{ phases: { tasks: string[] }[] }>("generate_execution_plan", {
        goal_id: goal.id,
        ids_only: true,
      });
      expect(plan.phases.map((p) => p.tasks.length)).toEqual([1, 1, 1, 2, 1]);
    });

    it("walks the plan with get_next_tasks as tasks finish, and refuses to start too early", async () => {
      const { goalId, id } = await sixTaskGoal();
      expect(await nextIds(goalId)).toEqual([id.research]);

      const early = await fails("update_task", { task_id: id.implement, status: "in_progress" });
      expect(early.type).toBe("validation");
      expect(early.error).toContain(id.design);
      expect(early.details).toEqual({ waiting_on: [id.design] });
      expect((await fails("update_task", { task_id: id.design, status: "done" })).type).toBe("validation");

      expect((await setStatus(id.research, "in_progress")).became_ready).toEqual([]);
      expect(await nextIds(goalId)).toEqual([]);
      expect((await setStatus(id.research, "done")).became_ready.map((t) => t.id)).toEqual([id.design]);
      expect(await nextIds(goalId)).toEqual([id.design]);

      await setStatus(id.design, "in_progress");
      expect((await setStatus(id.design, "done")).became_ready.map((t) => t.id)).toEqual([id.implement]);
      expect(await nextIds(goalId)).toEqual([id.implement]);

      await setStatus(id.implement, "in_progress");
      const finished = await setStatus(id.implement, "done");
      expect(finished.became_ready.map((t) => t.id)).toEqual([id.tests, id.docs, id.security]);
      // By priority (security high, tests medium, docs low), then by the work behind them.
      const next = await ok<{
        tasks: { id: string; unblocks: number; downstream: number }[];
        ready_total: number;
        in_progress: unknown[];
      }>("get_next_tasks", { goal_id: goalId });
      expect(next.tasks.map((t) => t.id)).toEqual([id.security, id.tests, id.docs]);
      expect(next.ready_total).toBe(3);

      await setStatus(id.tests, "in_progress");
      expect(await nextIds(goalId)).toEqual([id.security, id.docs]);
      const progress = await ok<{ in_progress: string[]; percent_done: number; ready: string[] }>(
        "goal_progress",
        { goal_id: goalId },
      );
      expect(progress).toMatchObject({
        in_progress: [id.tests],
        percent_done: 50,
        ready: [id.docs, id.security],
      });
      for (const t of [id.tests, id.docs, id.security]) {
        if (t !== id.tests) await setStatus(t, "in_progress");
        await setStatus(t, "done");
      }
      expect(await nextIds(goalId)).toEqual([]);
      expect(await ok("goal_progress", { goal_id: goalId })).toMatchObject({
        all_done: true,
        percent_done: 100,
        estimate_done: 19,
      });
      const plan = await ok<{ phases: unknown[] }>("generate_execution_plan", { goal_id: goalId });
      expect(plan.phases).toEqual([]);
      const all = await ok<{ phases: unknown[] }>("generate_execution_plan", {
        goal_id: goalId,
        include_done: true,
      });
      expect(all.phases).toHaveLength(4);
      await ok("update_goal", { goal_id: goalId, status: "completed" });
    });

    it("refuses a cycle with its path and writes nothing", async () => {
      const { goalId, id } = await sixTaskGoal();
      const before = await ok<{ task: { version: number; dependencies: string[] } }>("get_task", {
        task_id: id.research,
      });
      const refused = await fails("add_dependency", { task_id: id.research, depends_on: id.security });
      expect(refused.type).toBe("validation");
      const cycle = [id.research, id.security, id.implement, id.design, id.research];
      expect(refused.details).toEqual({ cycle });
      expect(refused.error).toContain(cycle.join(" -> "));
      expect(refused.error).toContain("nothing was written");
      const after = await ok<{ task: { version: number; dependencies: string[] } }>("get_task", {
        task_id: id.research,
      });
      expect(after.task).toEqual(before.task);
      expect(await ok("validate_dependencies", { goal_id: goalId })).toMatchObject({
        valid: true,
        tasks: 6,
        dependencies: 5,
        cycles: [],
      });

      const self = await fails("add_dependency", { task_id: id.docs, depends_on: id.docs });
      expect(self.details).toEqual({ cycle: [id.docs, id.docs] });

      // A batch with a cycle inside it: refused whole.
      const listed = async () => (await ok<{ total: number }>("list_tasks", { goal_id: goalId })).total;
      const batch = await fails("create_tasks", {
        goal_id: goalId,
        tasks: [
          { ref: "a", title: "A", depends_on: ["c"] },
          { ref: "b", title: "B", depends_on: [0] },
          { ref: "c", title: "C", depends_on: ["b", id.docs] },
        ],
      });
      expect(batch.type).toBe("validation");
      expect(batch.details?.["cycle"]).toHaveLength(4);
      expect(await listed()).toBe(6);
      const unknown = await fails("create_tasks", {
        goal_id: goalId,
        tasks: [{ title: "X", depends_on: ["TASK-99999999"] }],
      });
      expect(unknown.error).toContain("depends_on[0]");
      expect(await listed()).toBe(6);

      // A legal dependency is written, then removed again.
      const added = await ok<{ changed: boolean; dependencies: string[] }>("add_dependency", {
        task_id: id.security,
        depends_on: id.tests,
      });
      expect(added).toMatchObject({ changed: true, dependencies: [id.implement, id.tests] });
      expect(
        (await ok<{ changed: boolean }>("add_dependency", { task_id: id.security, depends_on: id.tests }))
          .changed,
      ).toBe(false);
      const removed = await ok<{ changed: boolean; dependencies: string[] }>("remove_dependency", {
        task_id: id.security,
        depends_on: id.tests,
      });
      expect(removed).toMatchObject({ changed: true, dependencies: [id.implement] });
    });

    it("enforces status transitions, reopening rules and expected_version", async () => {
      const { id } = await sixTaskGoal();
      const started = await setStatus(id.research, "in_progress");
      const stale = started.task.version - 1;
      const conflict = await fails("update_task", {
        task_id: id.research,
        title: "stale write",
        expected_version: stale,
      });
      expect(conflict.type).toBe("conflict");
      const fresh = await ok<{ task: { title: string; version: number } }>("update_task", {
        task_id: id.research,
        title: "Research limits",
        expected_version: started.task.version,
      });
      expect(fresh.task).toMatchObject({ title: "Research limits", version: started.task.version + 1 });

      await setStatus(id.research, "done");
      expect((await fails("update_task", { task_id: id.research, status: "in_progress" })).error).toContain(
        "from done it can go to pending",
      );
      await setStatus(id.design, "in_progress");
      const reopen = await fails("update_task", { task_id: id.research, status: "pending" });
      expect(reopen.error).toContain(id.design);
      await setStatus(id.design, "pending");
      await setStatus(id.research, "pending");
      await setStatus(id.docs, "cancelled");
      expect((await fails("update_task", { task_id: id.docs, status: "done" })).type).toBe("validation");
      await setStatus(id.docs, "pending");
      await setStatus(id.docs, "blocked");
      expect((await fails("update_task", { task_id: "TASK-99999999", status: "done" })).type).toBe(
        "not_found",
      );
      expect((await fails("update_task", { task_id: "nope" })).type).toBe("validation");
    });

    it("applies batch updates all or nothing, in order", async () => {
      const { id } = await sixTaskGoal();
      const refused = await fails("batch_update_tasks", {
        updates: [
          { task_id: id.research, status: "done" },
          { task_id: id.implement, status: "in_progress" }, // design is not done
        ],
      });
      expect(refused.error).toContain(id.implement);
      const research = await ok<{ task: { status: string } }>("get_task", { task_id: id.research });
      expect(research.task.status).toBe("pending");

      const done = await ok<{ updated: { id: string; status: string }[]; became_ready: { id: string }[] }>(
        "batch_update_tasks",
        {
          updates: [
            { task_id: id.research, status: "done" },
            { task_id: id.design, status: "done", estimate: 4 },
          ],
        },
      );
      expect(done.updated.map((u) => u.status)).toEqual(["done", "done"]);
      expect(done.became_ready.map((t) => t.id)).toEqual([id.implement]);
      const stale = await fails("batch_update_tasks", {
        updates: [
          { task_id: id.implement, status: "in_progress" },
          { task_id: id.docs, title: "x", expected_version: 99 },
        ],
      });
      expect(stale.type).toBe("conflict");
      expect(
        (await ok<{ task: { status: string } }>("get_task", { task_id: id.implement })).task.status,
      ).toBe("pending");
    });

    it("pages and filters tasks and goals", async () => {
      const { goalId, id } = await sixTaskGoal();
      await ok("update_task", { task_id: id.docs, tags: ["docs", "writing"], assignee: "maya" });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { tasks: { id: string }[]; next_cursor: string | null; total: number } = await ok(
          "list_tasks",
          { goal_id: goalId, limit: 4, ...(cursor ? { cursor } : {}) },
        );
        expect(page.total).toBe(6);
        seen.push(...page.tasks.map((t) => t.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(Object.values(id));
      const filtered = async (args: Record<string, unknown>) =>
        (await ok<{ tasks: { id: string }[] }>("list_tasks", { goal_id: goalId, ...args })).tasks.map(
          (t) => t.id,
        );
      expect(await filtered({ priority: "high" })).toEqual([id.implement, id.security]);
      expect(await filtered({ tag: "writing" })).toEqual([id.docs]);
      expect(await filtered({ assignee: "maya" })).toEqual([id.docs]);
      expect(await filtered({ ready_only: true })).toEqual([id.research]);
      expect(await filtered({ status: ["done", "in_progress"] })).toEqual([]);
      const everywhere = await ok<{ tasks: { id: string; goal_id: string }[] }>("list_tasks", {
        ready_only: true,
        limit: 500,
      });
      expect(everywhere.tasks.map((t) => t.id)).toContain(id.research);
      expect((await fails("list_tasks", { goal_id: goalId, cursor: "garbage" })).type).toBe("validation");

      await ok("update_goal", { goal_id: goalId, status: "archived" });
      const archived = await ok<{ goals: { id: string; tasks: number }[] }>("list_goals", {
        status: "archived",
      });
      expect(archived.goals.find((g) => g.id === goalId)).toMatchObject({ tasks: 6 });
      const goals: string[] = [];
      let gc: string | null = null;
      do {
        const page: { goals: { id: string }[]; next_cursor: string | null } = await ok("list_goals", {
          limit: 2,
          ...(gc ? { cursor: gc } : {}),
        });
        goals.push(...page.goals.map((g) => g.id));
        gc = page.next_cursor;
      } while (gc);
      expect(goals).toContain(goalId);
      expect(new Set(goals).size).toBe(goals.length);

      const got = await ok<{ goal: { id: string }; progress: { total: number }; tasks: unknown[] }>(
        "get_goal",
        { goal_id: goalId, task_limit: 2 },
      );
      expect(got).toMatchObject({ goal: { id: goalId }, progress: { total: 6 }, tasks_truncated: true });
      expect(got.tasks).toHaveLength(2);
    });

    it("exports Mermaid and JSON, and deletes a goal only when nothing is in progress or forced", async () => {
      const { goalId, id } = await sixTaskGoal();
      const m = await ok<{ mermaid: string }>("export_goal", { goal_id: goalId });
      expect(m.mermaid.startsWith("flowchart TD")).toBe(true);
      const node = (t: string) => t.replace("-", "_");
      expect(m.mermaid).toContain(`${node(id.implement)} --> ${node(id.tests)}`);
      expect(m.mermaid.split("-->")).toHaveLength(6);
      const j = await ok<{ goal: { id: string }; tasks: { id: string }[] }>("export_goal", {
        goal_id: goalId,
        format: "json",
      });
      expect(j.tasks.map((t) => t.id)).toEqual(Object.values(id));

      await setStatus(id.research, "in_progress");
      const refused = await fails("delete_goal", { goal_id: goalId });
      expect(refused.error).toContain("force");
      expect(await ok("delete_goal", { goal_id: goalId, force: true })).toEqual({
        goal_id: goalId,
        deleted: true,
        tasks_deleted: 6,
      });
      expect((await fails("get_goal", { goal_id: goalId })).type).toBe("not_found");
      expect((await fails("get_task", { task_id: id.research })).type).toBe("not_found");
    });

    it("16 concurrent create_tasks on one goal in one server all land, none lost to a conflict", async () => {
      const { goal } = await ok<{ goal: { id: string } }>("create_goal", { title: "Sixteen writers" });
      // 240 calls, 16 in flight at any time.
      const results: Awaited<ReturnType<typeof app.call>>[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < 240) {
            const n = next++;
            results.push(await app.call("create_tasks", { goal_id: goal.id, tasks: [{ title: `t${n}` }] }));
          }
        }),
      );
      expect(results.filter((r) => r.isError).map((r) => r.data)).toEqual([]);
      expect((await ok<{ total: number }>("list_tasks", { goal_id: goal.id })).total).toBe(240);
    });

    it("keeps every concurrent write: parallel updates of one goal and unique ids", async () => {
      const { goalId, id } = await sixTaskGoal();
      // Six clients edit six different tasks of the same goal at once, without expected_version.
      await Promise.all(
        Object.values(id).map((t, i) =>
          ok("update_task", { task_id: t, estimate: 100 + i, tags: [`t${i}`] }),
        ),
      );
      const tasks = (
        await ok<{ tasks: { id: string; estimate: number }[] }>("list_tasks", { goal_id: goalId })
      ).tasks;
      expect(tasks.map((t) => t.estimate)).toEqual([100, 101, 102, 103, 104, 105]);
      expect(await ok("goal_progress", { goal_id: goalId })).toMatchObject({ estimate_total: 615 });
      // Parallel batches on one goal get distinct ids and all land.
      const batches = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          ok<Created>("create_tasks", {
            goal_id: goalId,
            tasks: [{ title: `p${i}a` }, { title: `p${i}b`, depends_on: [0, id.docs] }],
          }),
        ),
      );
      const newIds = batches.flatMap((b) => b.tasks.map((t) => t.id));
      expect(new Set(newIds).size).toBe(16);
      expect((await ok<{ total: number }>("list_tasks", { goal_id: goalId })).total).toBe(22);
      // Parallel writers with the same expected_version: exactly one wins.
      const v = (await ok<{ task: { version: number } }>("get_task", { task_id: id.docs })).task.version;
      const results = await Promise.all(
        ["x", "y", "z"].map((title) =>
          app.call("update_task", { task_id: id.docs, title, expected_version: v }),
        ),
      );
      expect(results.filter((r) => !r.isError)).toHaveLength(1);
      expect(results.filter((r) => r.isError).map((r) => (r.data as Err).type)).toEqual([
        "conflict",
        "conflict",
      ]);
    });
  });
}
