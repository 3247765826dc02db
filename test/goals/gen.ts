/** Seeded random task graphs for the oracle tests and the benchmark. */
import type { GraphTask } from "../../src/toolsets/goals/graph.js";
import { PRIORITIES, type TaskStatus } from "../../src/toolsets/goals/model.js";

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenOptions {
  n: number;
  /** Dependencies per task (fewer for the first tasks). */
  deps?: number;
  /** Dependencies are drawn from the previous `window` tasks: smaller = deeper graph. */
  window?: number;
  seed?: number;
  /** The first share of tasks is done (their dependencies come earlier, so this stays consistent). */
  doneFraction?: number;
  estimates?: boolean;
  /** Extra back edges (later -> earlier becomes earlier -> later), making cycles. */
  backEdges?: number;
  missing?: number;
  self?: number;
  cancelled?: number;
}

export function randomGraph(o: GenOptions): GraphTask[] {
  const r = rng(o.seed ?? 1);
  const deps = o.deps ?? 3;
  const window = o.window ?? 1000;
  const done = Math.floor(o.n * (o.doneFraction ?? 0));
  const id = (i: number) => `TASK-${String(i + 1).padStart(4, "0")}`;
  const tasks: GraphTask[] = [];
  for (let i = 0; i < o.n; i++) {
    const ds = new Set<string>();
    const k = Math.min(deps, i);
    while (ds.size < k) ds.add(id(i - 1 - Math.floor(r() * Math.min(window, i))));
    const status: TaskStatus = i < done ? "done" : "pending";
    const t: GraphTask = {
      id: id(i),
      dependencies: [...ds],
      status,
      priority: PRIORITIES[Math.floor(r() * 4)]!,
    };
    if (o.estimates) t.estimate = 1 + Math.floor(r() * 8);
    tasks.push(t);
  }
  const pick = () => tasks[Math.floor(r() * tasks.length)]!;
  const mutable = (t: GraphTask) => t.dependencies as string[];
  for (let b = 0; b < (o.backEdges ?? 0); b++) {
    const t = pick();
    const from = t.dependencies[0];
    if (from) {
      const f = tasks.find((x) => x.id === from)!;
      mutable(f).push(t.id);
      if (f.status === "done") f.status = "pending";
      if (t.status === "done") t.status = "pending";
    }
  }
  for (let m = 0; m < (o.missing ?? 0); m++) mutable(pick()).push(`TASK-9${m}99999`);
  for (let s = 0; s < (o.self ?? 0); s++) {
    const t = pick();
    mutable(t).push(t.id);
  }
  for (let c = 0; c < (o.cancelled ?? 0); c++) pick().status = "cancelled";
  return tasks;
}
