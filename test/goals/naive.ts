/**
 * The simplest correct way to compute what graph.ts computes: repeated scans over the task list until
 * nothing changes. Used as the oracle in the tests and as the baseline in bench/goals.ts. Quadratic-ish on
 * purpose; do not use outside tests and the benchmark.
 */
import type { GraphTask } from "../../src/toolsets/goals/graph.js";
import { PRIORITY_RANK } from "../../src/toolsets/goals/model.js";

function lookup(tasks: readonly GraphTask[]): Map<string, GraphTask> {
  return new Map(tasks.map((t) => [t.id, t]));
}

/** Tasks that are part of the remaining work (not done, not cancelled). */
const isActive = (t: GraphTask, includeDone = false) =>
  t.status !== "cancelled" && (includeDone || t.status !== "done");

/** Thrown when a run passes its deadline (the benchmark caps the slow baselines). */
export class Capped extends Error {}

function checkDeadline(deadline: number | undefined): void {
  if (deadline !== undefined && performance.now() > deadline) throw new Capped("deadline passed");
}

/** Peels tasks whose dependencies are all placed, one full scan per phase. */
export function naivePhases(tasks: readonly GraphTask[], includeDone = false, deadline?: number): string[][] {
  const byId = lookup(tasks);
  const placed = new Set<string>();
  const satisfied = (d: string) => {
    const t = byId.get(d);
    if (!t) return false;
    if (!isActive(t, includeDone)) return t.status === "done";
    return placed.has(d);
  };
  const phases: string[][] = [];
  for (;;) {
    checkDeadline(deadline);
    const phase = tasks.filter(
      (t) =>
        isActive(t, includeDone) &&
        !placed.has(t.id) &&
        !t.dependencies.includes(t.id) &&
        t.dependencies.every(satisfied),
    );
    if (phase.length === 0) break;
    for (const t of phase) placed.add(t.id);
    phases.push(
      phase
        .map((t, i) => ({ t, i }))
        .sort((a, b) => PRIORITY_RANK[a.t.priority] - PRIORITY_RANK[b.t.priority] || a.i - b.i)
        .map(({ t }) => t.id),
    );
  }
  return phases;
}

export function naiveUnscheduled(tasks: readonly GraphTask[]): string[] {
  const placed = new Set(naivePhases(tasks).flat());
  return tasks.filter((t) => isActive(t) && !placed.has(t.id)).map((t) => t.id);
}

/** Missing and self dependencies, then cycles found by peeling until nothing changes and walking the rest. */
export function naiveValidate(tasks: readonly GraphTask[], deadline?: number) {
  const byId = lookup(tasks);
  const missing: { task: string; dependency: string }[] = [];
  const self: string[] = [];
  for (const t of tasks) {
    for (const d of t.dependencies) if (!byId.has(d)) missing.push({ task: t.id, dependency: d });
    if (t.dependencies.includes(t.id)) self.push(t.id);
  }
  const left = new Set(tasks.map((t) => t.id));
  const edges = (id: string) =>
    [...new Set(byId.get(id)!.dependencies)].filter((d) => d !== id && byId.has(d) && left.has(d));
  let changed = true;
  while (changed) {
    checkDeadline(deadline);
    changed = false;
    for (const t of tasks) {
      if (left.has(t.id) && edges(t.id).length === 0) {
        left.delete(t.id);
        changed = true;
      }
    }
  }
  // Everything left is on a cycle or waits on one; walk from each not yet seen task to a repeat.
  const cycles: string[][] = [];
  const seen = new Set<string>();
  for (const t of tasks) {
    if (!left.has(t.id) || seen.has(t.id)) continue;
    const path: string[] = [];
    let v = t.id;
    while (!seen.has(v)) {
      seen.add(v);
      path.push(v);
      v = edges(v)[0]!;
    }
    const at = path.indexOf(v);
    if (at >= 0) cycles.push([...path.slice(at), v]);
  }
  return { valid: missing.length === 0 && self.length === 0 && cycles.length === 0, missing, self, cycles };
}

function weightsOf(tasks: readonly GraphTask[], scheduled: ReadonlySet<string>): Map<string, number> {
  const estimated = tasks.some((t) => scheduled.has(t.id) && t.estimate !== undefined);
  return new Map(tasks.map((t) => [t.id, estimated ? (t.estimate ?? 0) : 1]));
}

/** Longest chain of remaining work, by relaxing every dependency edge until nothing changes. */
export function naiveCriticalLength(tasks: readonly GraphTask[]): number {
  const scheduled = new Set(naivePhases(tasks).flat());
  const w = weightsOf(tasks, scheduled);
  const dist = new Map<string, number>();
  for (const id of scheduled) dist.set(id, w.get(id)!);
  let changed = true;
  while (changed) {
    changed = false;
    for (const t of tasks) {
      if (!scheduled.has(t.id)) continue;
      for (const d of t.dependencies) {
        if (!scheduled.has(d)) continue;
        const cand = dist.get(d)! + w.get(t.id)!;
        if (cand > dist.get(t.id)!) {
          dist.set(t.id, cand);
          changed = true;
        }
      }
    }
  }
  let best = 0;
  for (const v of dist.values()) best = Math.max(best, v);
  return best;
}

/**
 * Ready tasks ranked like nextTasks, each figure recomputed by scanning: the plan by repeated scans, the
 * chain behind each task by relaxing edges until nothing changes, what it unblocks by scanning all tasks.
 */
export function naiveNext(
  tasks: readonly GraphTask[],
  limit: number,
  deadline?: number,
): { id: string; unblocks: number; downstream: number }[] {
  const byId = lookup(tasks);
  const done = (d: string) => byId.get(d)?.status === "done";
  const scheduled = new Set(naivePhases(tasks, false, deadline).flat());
  const w = weightsOf(tasks, scheduled);
  const down = new Map<string, number>();
  for (const id of scheduled) down.set(id, w.get(id)!);
  let changed = true;
  while (changed) {
    checkDeadline(deadline);
    changed = false;
    for (const t of tasks) {
      if (!scheduled.has(t.id)) continue;
      for (const d of t.dependencies) {
        if (!scheduled.has(d)) continue;
        const cand = down.get(t.id)! + w.get(d)!;
        if (cand > down.get(d)!) {
          down.set(d, cand);
          changed = true;
        }
      }
    }
  }
  const ready = tasks
    .map((t, i) => ({ t, i }))
    .filter(
      ({ t }) => t.status === "pending" && !t.dependencies.includes(t.id) && t.dependencies.every(done),
    );
  const ranked = ready.map(({ t, i }) => {
    checkDeadline(deadline);
    return {
      t,
      i,
      downstream: down.get(t.id) ?? 0,
      unblocks: tasks.filter(
        (d) =>
          d.status === "pending" &&
          d.dependencies.includes(t.id) &&
          d.dependencies.every((x) => byId.has(x) && x !== d.id && (x === t.id || done(x))),
      ).length,
    };
  });
  ranked.sort(
    (a, b) =>
      PRIORITY_RANK[a.t.priority] - PRIORITY_RANK[b.t.priority] ||
      b.downstream - a.downstream ||
      b.unblocks - a.unblocks ||
      a.i - b.i,
  );
  return ranked.slice(0, limit).map((r) => ({ id: r.t.id, unblocks: r.unblocks, downstream: r.downstream }));
}
