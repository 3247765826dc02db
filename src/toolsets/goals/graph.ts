/**
 * Dependency-graph algorithms for goals, as pure functions over plain task records: no store, no clock.
 * Each is O(V + E) (plus sorting the few ready tasks): the graph is built once into compact integer
 * adjacency arrays (CSR), then walked with Kahn's algorithm and an iterative Tarjan.
 *
 * Direction: a task's `dependencies` are the tasks that must be done before it. A cycle is reported as the
 * path of "depends on" steps that comes back to where it started: [A, B, C, A] = A depends on B, B on C,
 * C on A.
 */
import { PRIORITY_RANK, type Priority, type TaskStatus } from "./model.js";

export interface GraphTask {
  id: string;
  dependencies: readonly string[];
  status: TaskStatus;
  priority: Priority;
  estimate?: number;
}

export interface Graph {
  n: number;
  ids: string[];
  /** Position of a task id, or undefined. */
  lookup: (id: string) => number | undefined;
  /** Resolved dependencies (missing, self and repeated ones left out): depList[depOff[i] .. depOff[i+1]). */
  depOff: Int32Array;
  depList: Int32Array;
  /** Dependents, the reverse edges. */
  revOff: Int32Array;
  revList: Int32Array;
  /** Per task: 1 when it names a dependency that does not exist, 2 when it depends on itself (bit flags). */
  flaws: Uint8Array;
  missing: { task: string; dependency: string }[];
  self: string[];
}

const MISSING = 1;
const SELF = 2;

/**
 * The number of a canonical task id (`TASK-` + at least four digits, no extra leading zero), else -1.
 * Canonical ids map one-to-one to numbers, so a number-indexed table can replace hashing strings.
 */
function canonicalNumber(id: string): number {
  const len = id.length;
  if (len < 9 || len > 15 || id.charCodeAt(0) !== 84 || !id.startsWith("TASK-")) return -1;
  if (len > 9 && id.charCodeAt(5) === 48) return -1;
  let v = 0;
  for (let c = 5; c < len; c++) {
    const d = id.charCodeAt(c) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Resolves ids to positions. For the toolset's own ids (TASK-0001, ...) a dense table indexed by number:
 * looking up 100k+ strings in a hash map is what dominated building the graph (cache misses on the table
 * and on both strings); any other id scheme falls back to a Map.
 */
function indexer(ids: readonly string[]): (id: string) => number | undefined {
  const n = ids.length;
  let max = -1;
  const nums = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = canonicalNumber(ids[i]!);
    nums[i] = k;
    if (k < 0 || k > 4 * n + 1024) {
      max = -2;
      break;
    }
    if (k > max) max = k;
  }
  if (max >= -1) {
    const table = new Int32Array(max + 1).fill(-1);
    let unique = true;
    for (let i = 0; i < n; i++) {
      const k = nums[i]!;
      if (table[k] === -1) table[k] = i;
      else if (ids[table[k]!] !== ids[i]) unique = false;
    }
    if (unique) {
      return (id) => {
        const k = canonicalNumber(id);
        if (k < 0 || k > max) return undefined;
        const i = table[k]!;
        return i < 0 ? undefined : i;
      };
    }
  }
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) if (!index.has(ids[i]!)) index.set(ids[i]!, i);
  return (id) => index.get(id);
}

export function buildGraph(tasks: readonly GraphTask[]): Graph {
  const n = tasks.length;
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) ids[i] = tasks[i]!.id;
  const lookup = indexer(ids);
  let total = 0;
  for (let i = 0; i < n; i++) total += tasks[i]!.dependencies.length;
  const depOff = new Int32Array(n + 1);
  const edges = new Int32Array(total);
  let m = 0;
  const stamp = new Int32Array(n).fill(-1);
  const flaws = new Uint8Array(n);
  const missing: { task: string; dependency: string }[] = [];
  const self: string[] = [];
  const revCount = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    depOff[i] = m;
    for (const dep of tasks[i]!.dependencies) {
      const j = lookup(dep);
      if (j === undefined) {
        flaws[i]! |= MISSING;
        missing.push({ task: ids[i]!, dependency: dep });
      } else if (j === i) {
        if (!(flaws[i]! & SELF)) self.push(ids[i]!);
        flaws[i]! |= SELF;
      } else if (stamp[j] !== i) {
        stamp[j] = i;
        edges[m++] = j;
        revCount[j + 1]!++;
      }
    }
  }
  depOff[n] = m;
  const depList = m === total ? edges : edges.slice(0, m);
  const revOff = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) revOff[i + 1] = revOff[i]! + revCount[i + 1]!;
  const fill = revOff.slice(0, n);
  const revList = new Int32Array(m);
  for (let i = 0; i < n; i++) {
    for (let e = depOff[i]!; e < depOff[i + 1]!; e++) revList[fill[depList[e]!]!++] = i;
  }
  return { n, ids, lookup, depOff, depList, revOff, revList, flaws, missing, self };
}

/**
 * Strongly connected components (iterative Tarjan). Returns the component of every task and, for each
 * component with more than one task, the cycle found inside it.
 */
function findCycles(g: Graph): { comp: Int32Array; cycles: number[][] } {
  const { n, depOff, depList } = g;
  const idx = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const cs = new Int32Array(n);
  const ep = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const compSize: number[] = [];
  let sp = 0;
  let counter = 0;
  for (let s = 0; s < n; s++) {
    if (idx[s] !== -1) continue;
    let top = 0;
    cs[0] = s;
    ep[0] = depOff[s]!;
    idx[s] = low[s] = counter++;
    stack[sp++] = s;
    onStack[s] = 1;
    while (top >= 0) {
      const v = cs[top]!;
      if (ep[top]! < depOff[v + 1]!) {
        const w = depList[ep[top]!++]!;
        if (idx[w] === -1) {
          idx[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          top++;
          cs[top] = w;
          ep[top] = depOff[w]!;
        } else if (onStack[w] && idx[w]! < low[v]!) {
          low[v] = idx[w]!;
        }
      } else {
        if (low[v] === idx[v]) {
          const c = compSize.length;
          let size = 0;
          let w: number;
          do {
            w = stack[--sp]!;
            onStack[w] = 0;
            comp[w] = c;
            size++;
          } while (w !== v);
          compSize.push(size);
        }
        top--;
        if (top >= 0) {
          const u = cs[top]!;
          if (low[v]! < low[u]!) low[u] = low[v]!;
        }
      }
    }
  }
  // One cycle per non-trivial component: walk dependency edges that stay inside it until a task repeats.
  const cycles: number[][] = [];
  const seen = new Uint8Array(compSize.length);
  const pos = new Int32Array(n).fill(-1);
  for (let s = 0; s < n; s++) {
    const c = comp[s]!;
    if (compSize[c]! < 2 || seen[c]) continue;
    seen[c] = 1;
    const path: number[] = [s];
    pos[s] = 0;
    let v = s;
    for (;;) {
      let next = -1;
      for (let e = depOff[v]!; e < depOff[v + 1]!; e++) {
        if (comp[depList[e]!] === c) {
          next = depList[e]!;
          break;
        }
      }
      if (pos[next]! >= 0) {
        cycles.push([...path.slice(pos[next]!), next]);
        break;
      }
      pos[next] = path.length;
      path.push(next);
      v = next;
    }
    for (const p of path) pos[p] = -1;
  }
  return { comp, cycles };
}

export interface ValidationReport {
  valid: boolean;
  tasks: number;
  dependencies: number;
  missing: { task: string; dependency: string }[];
  self: string[];
  /** One cycle per group of tasks that depend on each other, as its path; fixing it may reveal another. */
  cycles: string[][];
}

export function validateDependencies(
  tasks: readonly GraphTask[],
  graph = buildGraph(tasks),
): ValidationReport {
  const { cycles } = findCycles(graph);
  const named = cycles.map((c) => c.map((i) => graph.ids[i]!));
  return {
    valid: graph.missing.length === 0 && graph.self.length === 0 && named.length === 0,
    tasks: graph.n,
    dependencies: graph.depList.length,
    missing: graph.missing,
    self: graph.self,
    cycles: named,
  };
}

/** The first cycle that `tasks` would contain, or null: used to refuse a write before it happens. */
export function findCycle(tasks: readonly GraphTask[]): string[] | null {
  const g = buildGraph(tasks);
  if (g.self.length > 0) return [g.self[0]!, g.self[0]!];
  const { cycles } = findCycles(g);
  return cycles[0]?.map((i) => g.ids[i]!) ?? null;
}

export type UnscheduledReason =
  | "cycle"
  | "missing_dependency"
  | "cancelled_dependency"
  | "waits_on_unscheduled";

export interface Layering {
  /** Task indexes per phase; within a phase by priority, then input order. */
  phases: number[][];
  /** Every scheduled task in a topological order (phase by phase). */
  order: number[];
  /** 1 for tasks that are part of the remaining work. */
  active: Uint8Array;
  unscheduled: { index: number; reason: UnscheduledReason }[];
}

/**
 * Kahn layering of the remaining work. Done tasks count as satisfied dependencies and are left out (unless
 * includeDone, which plans every task that is not cancelled); a task that depends on a cancelled or missing
 * task, or sits in or behind a cycle, is reported as unscheduled with the reason.
 */
export function layer(tasks: readonly GraphTask[], graph: Graph, includeDone = false): Layering {
  const { n, depOff, depList, revOff, revList, flaws } = graph;
  const active = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = tasks[i]!.status;
    active[i] = s === "cancelled" || (s === "done" && !includeDone) ? 0 : 1;
  }
  const indeg = new Int32Array(n);
  const direct = new Array<UnscheduledReason | undefined>(n);
  for (let i = 0; i < n; i++) {
    if (!active[i]) continue;
    if (flaws[i]! & SELF) direct[i] = "cycle";
    else if (flaws[i]! & MISSING) direct[i] = "missing_dependency";
    for (let e = depOff[i]!; e < depOff[i + 1]!; e++) {
      const j = depList[e]!;
      if (active[j]) indeg[i]!++;
      else if (tasks[j]!.status === "cancelled") direct[i] ??= "cancelled_dependency";
    }
  }
  const phases: number[][] = [];
  const order: number[] = [];
  let frontier: number[] = [];
  for (let i = 0; i < n; i++) if (active[i] && indeg[i] === 0 && direct[i] === undefined) frontier.push(i);
  while (frontier.length > 0) {
    phases.push(byPriority(tasks, frontier));
    const next: number[] = [];
    for (const v of frontier) {
      order.push(v);
      for (let e = revOff[v]!; e < revOff[v + 1]!; e++) {
        const d = revList[e]!;
        if (active[d] && --indeg[d]! === 0 && direct[d] === undefined) next.push(d);
      }
    }
    frontier = next;
  }
  const unscheduled: { index: number; reason: UnscheduledReason }[] = [];
  let activeCount = 0;
  for (let i = 0; i < n; i++) activeCount += active[i]!;
  if (order.length < activeCount) {
    const placed = new Uint8Array(n);
    for (const v of order) placed[v] = 1;
    const { comp } = findCycles(graph);
    const size = new Int32Array(n);
    for (let i = 0; i < n; i++) size[comp[i]!]!++;
    for (let i = 0; i < n; i++) {
      if (!active[i] || placed[i]) continue;
      const reason = direct[i] ?? (size[comp[i]!]! > 1 ? "cycle" : "waits_on_unscheduled");
      unscheduled.push({ index: i, reason });
    }
  }
  return { phases, order, active, unscheduled };
}

/** Stable bucket sort by priority: O(k). */
function byPriority(tasks: readonly GraphTask[], items: number[]): number[] {
  const buckets: number[][] = [[], [], [], []];
  for (const i of items.sort((a, b) => a - b)) buckets[PRIORITY_RANK[tasks[i]!.priority]]!.push(i);
  return buckets.flat();
}

export interface Plan {
  phases: string[][];
  unscheduled: { id: string; reason: UnscheduledReason }[];
  critical_path: CriticalPath;
}

export interface CriticalPath {
  /** From the first task to do to the last. */
  path: string[];
  length: number;
  /** "estimate" when any planned task carries an estimate (tasks without one count 0), else "tasks". */
  unit: "estimate" | "tasks";
}

export function planPhases(tasks: readonly GraphTask[], options: { includeDone?: boolean } = {}): Plan {
  const graph = buildGraph(tasks);
  const lay = layer(tasks, graph, options.includeDone ?? false);
  return {
    phases: lay.phases.map((p) => p.map((i) => graph.ids[i]!)),
    unscheduled: lay.unscheduled.map((u) => ({ id: graph.ids[u.index]!, reason: u.reason })),
    critical_path: longestPath(tasks, graph, lay),
  };
}

function weights(
  tasks: readonly GraphTask[],
  lay: Layering,
): { w: Float64Array; unit: CriticalPath["unit"] } {
  const w = new Float64Array(tasks.length);
  let estimated = false;
  for (const i of lay.order) if (tasks[i]!.estimate !== undefined) estimated = true;
  for (const i of lay.order) w[i] = estimated ? (tasks[i]!.estimate ?? 0) : 1;
  return { w, unit: estimated ? "estimate" : "tasks" };
}

export function longestPath(tasks: readonly GraphTask[], graph: Graph, lay: Layering): CriticalPath {
  const { w, unit } = weights(tasks, lay);
  const { depOff, depList } = graph;
  const dist = new Float64Array(graph.n);
  const pred = new Int32Array(graph.n).fill(-1);
  const placed = new Uint8Array(graph.n);
  let best = -1;
  for (const v of lay.order) {
    placed[v] = 1;
    let m = 0;
    for (let e = depOff[v]!; e < depOff[v + 1]!; e++) {
      const u = depList[e]!;
      if (placed[u] && (pred[v] === -1 || dist[u]! > m)) {
        m = dist[u]!;
        pred[v] = u;
      }
    }
    dist[v] = w[v]! + m;
    if (best === -1 || dist[v]! >= dist[best]!) best = v;
  }
  const path: string[] = [];
  for (let v = best; v !== -1; v = pred[v]!) path.push(graph.ids[v]!);
  path.reverse();
  return { path, length: best === -1 ? 0 : round(dist[best]!), unit };
}

export function criticalPath(tasks: readonly GraphTask[]): CriticalPath {
  const graph = buildGraph(tasks);
  return longestPath(tasks, graph, layer(tasks, graph));
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Ready = pending, with every dependency done (and none missing). */
export function readyMask(tasks: readonly GraphTask[], graph: Graph): Uint8Array {
  const { n, depOff, depList, flaws } = graph;
  const ready = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (tasks[i]!.status !== "pending" || flaws[i]) continue;
    let ok = 1;
    for (let e = depOff[i]!; e < depOff[i + 1]!; e++) {
      if (tasks[depList[e]!]!.status !== "done") {
        ok = 0;
        break;
      }
    }
    ready[i] = ok;
  }
  return ready;
}

export function readyIds(tasks: readonly GraphTask[]): Set<string> {
  const graph = buildGraph(tasks);
  const mask = readyMask(tasks, graph);
  const out = new Set<string>();
  for (let i = 0; i < graph.n; i++) if (mask[i]) out.add(graph.ids[i]!);
  return out;
}

export interface NextTask {
  id: string;
  /** Tasks that become ready as soon as this one is done. */
  unblocks: number;
  /** Longest chain of remaining work that waits on this task, itself included (estimate, else tasks). */
  downstream: number;
}

/**
 * Ready tasks, most useful first: by priority, then by the longest chain of remaining work that waits on
 * them (the classic critical-path list-scheduling rule, and computable in linear time, unlike an exact
 * count of all transitive dependents), then by how many tasks they make ready at once, then by input order.
 */
export function nextTasks(
  tasks: readonly GraphTask[],
  limit: number,
): { tasks: NextTask[]; ready_total: number; unit: CriticalPath["unit"] } {
  const graph = buildGraph(tasks);
  const lay = layer(tasks, graph);
  const ready = readyMask(tasks, graph);
  const { n, depOff, depList, revOff, revList, flaws } = graph;
  const { w, unit } = weights(tasks, lay);
  const down = new Float64Array(n);
  const placed = new Uint8Array(n);
  for (const v of lay.order) placed[v] = 1;
  for (let k = lay.order.length - 1; k >= 0; k--) {
    const v = lay.order[k]!;
    let m = 0;
    for (let e = revOff[v]!; e < revOff[v + 1]!; e++) {
      const d = revList[e]!;
      if (placed[d] && down[d]! > m) m = down[d]!;
    }
    down[v] = w[v]! + m;
  }
  const readyList: number[] = [];
  for (let i = 0; i < n; i++) if (ready[i]) readyList.push(i);
  // Dependencies not done yet, per task: a pending dependent with exactly one left waits only on `v`.
  const remaining = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let e = depOff[i]!; e < depOff[i + 1]!; e++)
      if (tasks[depList[e]!]!.status !== "done") remaining[i]!++;
  }
  const unblocks = new Int32Array(n);
  for (const v of readyList) {
    let c = 0;
    for (let e = revOff[v]!; e < revOff[v + 1]!; e++) {
      const d = revList[e]!;
      if (tasks[d]!.status === "pending" && !flaws[d] && remaining[d] === 1) c++;
    }
    unblocks[v] = c;
  }
  readyList.sort(
    (a, b) =>
      PRIORITY_RANK[tasks[a]!.priority] - PRIORITY_RANK[tasks[b]!.priority] ||
      down[b]! - down[a]! ||
      unblocks[b]! - unblocks[a]! ||
      a - b,
  );
  return {
    tasks: readyList.slice(0, limit).map((i) => ({
      id: graph.ids[i]!,
      unblocks: unblocks[i]!,
      downstream: round(down[i]!),
    })),
    ready_total: readyList.length,
    unit,
  };
}
