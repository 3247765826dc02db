/**
 * Goals graph benchmark: validateDependencies, planPhases (generate_execution_plan) and nextTasks
 * (get_next_tasks) on 10,000 and 100,000 tasks with about three dependencies each, against the simplest
 * correct method (repeated scans until nothing changes, test/goals/naive.ts) in the same run; then the same
 * three tools and update_task through the host pipeline on a real SQLite store: the first read of a goal
 * loads every task document (the baseline), later ones find it in memory after reading one document.
 *
 * Graph: task i depends on 3 distinct tasks among the 1,000 before it; the first 20% are done; estimates 1-8.
 * For 100k the repeated-scan plan and next-tasks take from ten seconds to minutes, so each baseline run is
 * stopped after GOALS_BENCH_NAIVE_CAP_S seconds (default 20; 0 = no cap) and then printed as a lower bound
 * (">"), which makes its ratio a lower bound too.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createApp } from "../src/app.js";
import type { DocWrite, Store } from "../src/store/types.js";
import { type GraphTask, nextTasks, planPhases, validateDependencies } from "../src/toolsets/goals/graph.js";
import { computeStats, type Goal, type Task } from "../src/toolsets/goals/model.js";
import { COLLECTIONS, taskKey } from "../src/toolsets/goals/repo.js";
import { randomGraph, rng } from "../test/goals/gen.js";
import { Capped, naiveNext, naivePhases, naiveValidate } from "../test/goals/naive.js";

const SIZES = [10_000, 100_000];
/** Longest a repeated-scan baseline may run; past it the figure is a lower bound. 0 = no cap. */
const CAP_MS = Number(process.env["GOALS_BENCH_NAIVE_CAP_S"] ?? 20) * 1000;

/**
 * Best of at least 5 runs and about a second of runs, after a warm-up: the machine running this is usually
 * shared, and the minimum is the figure least disturbed by other processes.
 */
function time(fn: () => unknown): number {
  fn(); // warm-up
  let best = Number.POSITIVE_INFINITY;
  const start = performance.now();
  for (let i = 0; i < 50 && (i < 5 || performance.now() - start < 1000); i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

/** One run of a baseline, stopped at the cap: then `capped` and `ms` is a lower bound. */
function timeCapped(fn: (deadline: number | undefined) => unknown): { ms: number; capped: boolean } {
  const t = performance.now();
  try {
    fn(CAP_MS > 0 ? t + CAP_MS : undefined);
  } catch (err) {
    if (err instanceof Capped) return { ms: performance.now() - t, capped: true };
    throw err;
  }
  return { ms: performance.now() - t, capped: false };
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

interface Row {
  fast: number;
  naive: number;
  capped: boolean;
  note?: string;
}

interface Fast {
  shuffled: GraphTask[];
  validate: number;
  validateShuffled: number;
  plan: number;
  next: number;
}

/** The graph listed in random order: the peeling baseline then needs about one pass per level. */
function shuffle(tasks: GraphTask[]): GraphTask[] {
  const r = rng(7);
  return tasks
    .map((t) => ({ t, k: r() }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.t);
}

function measureFast(tasks: GraphTask[]): Fast {
  const shuffled = shuffle(tasks);
  return {
    shuffled,
    validate: time(() => validateDependencies(tasks)),
    validateShuffled: time(() => validateDependencies(shuffled)),
    plan: time(() => planPhases(tasks)),
    next: time(() => nextTasks(tasks, 10)),
  };
}

function measureNaive(tasks: GraphTask[], fast: Fast): Record<string, Row> {
  const phases = planPhases(tasks).phases.length;
  const v = timeCapped(() => naiveValidate(tasks));
  const vs = timeCapped((deadline) => naiveValidate(fast.shuffled, deadline));
  let planned: string[][] = [];
  const p = timeCapped((deadline) => {
    planned = naivePhases(tasks, false, deadline);
  });
  let ranked: unknown[] = [];
  const n = timeCapped((deadline) => {
    ranked = naiveNext(tasks, 10, deadline);
  });
  // The baselines compute the same answers (when they ran to the end).
  if (!p.capped && JSON.stringify(planned) !== JSON.stringify(planPhases(tasks).phases))
    throw new Error("planPhases and the repeated-scan plan disagree");
  if (!n.capped && JSON.stringify(ranked) !== JSON.stringify(nextTasks(tasks, 10).tasks))
    throw new Error("nextTasks and the repeated-scan ranking disagree");
  return {
    validate_dependencies: {
      fast: fast.validate,
      naive: v.ms,
      capped: v.capped,
      note: "tasks in creation order: the peeling needs few passes",
    },
    "validate (random order)": { fast: fast.validateShuffled, naive: vs.ms, capped: vs.capped },
    generate_execution_plan: { fast: fast.plan, naive: p.ms, capped: p.capped, note: `${phases} phases` },
    get_next_tasks: { fast: fast.next, naive: n.ms, capped: n.capped },
  };
}

/** Writes a generated graph as one goal, in the toolset's document layout, in chunks. */
async function seed(store: Store, goalId: string, graph: GraphTask[]): Promise<void> {
  const at = new Date().toISOString();
  const tasks: Task[] = graph.map((g) => ({
    id: g.id,
    goal_id: goalId,
    title: `Task ${g.id}`,
    status: g.status,
    priority: g.priority,
    dependencies: [...g.dependencies],
    estimate: g.estimate,
    tags: [],
    links: [],
    created_at: at,
    updated_at: at,
  }));
  const goal: Goal = {
    id: goalId,
    title: `bench ${graph.length}`,
    status: "active",
    priority: "medium",
    tags: [],
    created_at: at,
    updated_at: at,
  };
  const writes: DocWrite[] = [
    { collection: COLLECTIONS.goals, id: goalId, data: goal },
    { collection: COLLECTIONS.stats, id: goalId, data: computeStats(goalId, tasks) },
  ];
  for (const t of tasks) {
    writes.push({ collection: COLLECTIONS.tasks, id: taskKey(goalId, t.id), data: t });
    writes.push({ collection: COLLECTIONS.taskGoal, id: t.id, data: { goal_id: goalId } });
  }
  for (let i = 0; i < writes.length; i += 20_000) await store.writeDocs(writes.slice(i, i + 20_000));
}

export async function run(): Promise<void> {
  const results = new Map<number, Record<string, Row>>();
  const graphs = new Map<number, GraphTask[]>();
  console.log(
    `goals: graph functions vs repeated scans (~3 dependencies per task, 20% done; baselines capped at ${CAP_MS / 1000 || "no"} s)`,
  );
  // Every fast timing first, then the slow baselines, so their garbage does not land in the fast runs.
  const fast = new Map<number, Fast>();
  for (const n of SIZES) {
    const tasks = randomGraph({ n, deps: 3, window: 1000, seed: 42, doneFraction: 0.2, estimates: true });
    graphs.set(n, tasks);
    fast.set(n, measureFast(tasks));
  }
  for (const n of SIZES) {
    const r = measureNaive(graphs.get(n)!, fast.get(n)!);
    results.set(n, r);
    for (const [name, row] of Object.entries(r)) {
      const gt = row.capped ? ">" : "";
      console.log(
        `  ${String(n).padStart(7)} tasks  ${name.padEnd(24)} fast ${fmt(row.fast).padStart(9)}  naive ${gt}${fmt(row.naive).padStart(9)}  ratio ${gt}${Math.round(row.naive / row.fast)}x${row.capped ? " (baseline stopped at the cap)" : ""}${row.note ? `  [${row.note}]` : ""}`,
      );
    }
  }
  const [small, big] = SIZES as [number, number];
  console.log(
    `  growth ${small / 1000}k -> ${big / 1000}k (${big / small}x the tasks; linear = ${big / small}x):`,
  );
  for (const name of Object.keys(results.get(small)!)) {
    const a = results.get(small)![name]!;
    const b = results.get(big)![name]!;
    const gt = b.capped ? ">" : "";
    console.log(
      `    ${name.padEnd(24)} fast ${(b.fast / a.fast).toFixed(1)}x   naive ${gt}${(b.naive / a.naive).toFixed(1)}x`,
    );
  }

  // The tool path: host pipeline + SQLite store, so it includes reading and parsing every task document.
  const home = mkdtempSync(join(tmpdir(), "rw-bench-goals-"));
  const app = await createApp({
    env: { REPOWRIGHT_HOME: home, REPOWRIGHT_LOG_LEVEL: "silent", REPOWRIGHT_TOOLSETS: "goals" },
  });
  try {
    const caller = { id: "bench", roles: ["admin"], transport: "in-process" as const };
    for (const n of SIZES) {
      const goalId = n === small ? "GOAL-0001" : "GOAL-0002";
      await seed(app.store, goalId, graphs.get(n)!);
      const call = async (tool: string, args: Record<string, unknown>) => {
        const t = performance.now();
        const res = await app.host.callTool(tool, args, { caller });
        if (res.isError) throw new Error(`${tool}: ${JSON.stringify(res.content)}`);
        return performance.now() - t;
      };
      // The first call reads every task document (nothing of the goal is in memory yet): the baseline.
      const cold = await call("get_next_tasks", { goal_id: goalId, limit: 10 });
      const warm = new Map<string, number>();
      let k = 0;
      for (const [tool, args] of [
        ["validate_dependencies", { goal_id: goalId }],
        ["generate_execution_plan", { goal_id: goalId, ids_only: true }],
        ["get_next_tasks", { goal_id: goalId, limit: 10 }],
        // A write checks the rules against the current goal, then writes the task and the counters.
        ["update_task", () => ({ task_id: graphs.get(n)![n - 1]!.id, title: `renamed ${k++}` })],
      ] as const) {
        let best = Number.POSITIVE_INFINITY;
        for (let i = 0; i < 5; i++)
          best = Math.min(best, await call(tool, typeof args === "function" ? args() : args));
        warm.set(tool, best);
      }
      console.log(
        `  tool path on sqlite, ${String(n).padStart(7)} tasks: first get_next_tasks ${fmt(cold)} (reads every task document); then ${[
          ...warm,
        ]
          .map(([tool, ms]) => `${tool} ${fmt(ms)}`)
          .join(", ")}; ratio first/then get_next_tasks ${(cold / warm.get("get_next_tasks")!).toFixed(1)}x`,
      );
    }
  } finally {
    await app.close();
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
