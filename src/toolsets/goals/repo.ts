/**
 * Persistence of goals and tasks on the store's versioned documents.
 *
 * Layout (collections):
 * - `goals`            GOAL-0001            the goal
 * - `goals.stats`      GOAL-0001            per-goal counters; rewritten by EVERY task write of the goal
 * - `goals.tasks`      GOAL-0001/TASK-0001  the tasks, listed per goal by id prefix
 * - `goals.task_goal`  TASK-0001            which goal a task belongs to (tasks are addressed by id alone)
 * Ids come from atomic counters in the key-value namespace `goals.ids`.
 *
 * Concurrency: a write transaction reads the stats document first, then the goal and its tasks, and writes
 * everything it changed plus the stats document with `expectedVersion` in one all-or-nothing writeDocs.
 * Because every task write also rewrites the stats document, any concurrent change to the same goal makes
 * the later writer's batch fail as a whole; the transaction then reads again and re-applies the caller's
 * change to the fresh state (a caller's own expected_version is checked again on every attempt, so it still
 * ends in `conflict` when that task moved on). Graph rules (no cycles, dependencies done before starting,
 * no reopening under an active dependent) are therefore checked against a state that is current at commit.
 *
 * Reads: the stats document's version also names the state of the whole goal, so a process keeps the goals
 * it used last in memory with that version and, while the version has not moved, reads one document
 * instead of every task (see `snapshots` below).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { conflictError, isToolError, notFoundError, validationError } from "../../core/errors.js";
import type { Doc, DocWrite, Store } from "../../store/types.js";
import { byTaskNumber, computeStats, type Goal, type GoalStats, type Task } from "./model.js";

export const COLLECTIONS = {
  goals: "goals",
  stats: "goals.stats",
  tasks: "goals.tasks",
  taskGoal: "goals.task_goal",
} as const;
const ID_NS = "goals.ids";
const PAGE = 10_000;
const ATTEMPTS = 16;

export const taskKey = (goalId: string, taskId: string) => `${goalId}/${taskId}`;

/** Reserves `count` consecutive numbers atomically; returns the first. Two clients never share one. */
export async function allocateIds(store: Store, kind: "goal" | "task", count: number): Promise<number> {
  const end = await store.incr(ID_NS, kind, count);
  return end - count + 1;
}

async function listAll<T>(store: Store, collection: string, prefix?: string): Promise<Doc<T>[]> {
  const out: Doc<T>[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listDocs<T>(collection, { prefix, cursor, limit: PAGE });
    out.push(...page.docs);
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return out;
}

export async function listGoals(store: Store): Promise<{ goal: Doc<Goal>; stats: GoalStats | null }[]> {
  const goals = await listAll<Goal>(store, COLLECTIONS.goals);
  const stats = await store.getDocs<GoalStats>(
    COLLECTIONS.stats,
    goals.map((g) => g.id),
  );
  return goals.map((goal, i) => ({ goal, stats: stats[i]?.data ?? null }));
}

export async function getGoalDoc(store: Store, goalId: string): Promise<Doc<Goal>> {
  const goal = await store.getDoc<Goal>(COLLECTIONS.goals, goalId);
  if (!goal) throw notFoundError(`goal ${goalId} not found; list_goals shows the goals there are`);
  return goal;
}

export async function getStats(store: Store, goalId: string): Promise<Doc<GoalStats>> {
  const stats = await store.getDoc<GoalStats>(COLLECTIONS.stats, goalId);
  if (!stats) throw notFoundError(`goal ${goalId} not found; list_goals shows the goals there are`);
  return stats;
}

export async function goalOfTask(store: Store, taskId: string): Promise<string> {
  const doc = await store.getDoc<{ goal_id: string }>(COLLECTIONS.taskGoal, taskId);
  if (!doc) throw notFoundError(`task ${taskId} not found; list_tasks shows the tasks of a goal`);
  return doc.data.goal_id;
}

/** Everything of one goal, as loaded at one moment. */
export interface GoalState {
  goal: Doc<Goal>;
  statsVersion: number;
  /** Tasks by number; the working copy inside a transaction. */
  tasks: Task[];
  byId: Map<string, Task>;
  /** Version of each task as read (absent for tasks created in this transaction). */
  versions: Map<string, number>;
}

/**
 * The last state of each goal this process read or wrote, by store, keyed by the version of its stats
 * document. Every write of a goal's tasks or of the goal rewrites that document (see the header), in this
 * process or any other, so a cached state whose stats version is still current is the goal as stored: a
 * read then costs one document instead of every task (at 100,000 tasks, about a second). Snapshots are
 * never changed: read-only tools use them as they are, transactions work on a copy. Bounded by the number
 * of tasks held; the goals used least recently are dropped first.
 */
const MAX_CACHED_TASKS = 250_000;
const snapshots = new WeakMap<Store, Map<string, GoalState>>();

function cacheOf(store: Store): Map<string, GoalState> {
  let cache = snapshots.get(store);
  if (!cache) {
    cache = new Map();
    snapshots.set(store, cache);
  }
  return cache;
}

function remember(store: Store, state: GoalState): void {
  const cache = cacheOf(store);
  cache.delete(state.goal.id);
  if (state.tasks.length > MAX_CACHED_TASKS) return;
  cache.set(state.goal.id, state);
  let held = 0;
  for (const s of cache.values()) held += s.tasks.length;
  // Map order is insertion order: the first entries are the least recently used.
  for (const [id, s] of cache) {
    if (held <= MAX_CACHED_TASKS) break;
    cache.delete(id);
    held -= s.tasks.length;
  }
}

function forget(store: Store, goalId: string): void {
  snapshots.get(store)?.delete(goalId);
}

/** A working copy of a snapshot: the transaction may replace and add tasks without touching the snapshot. */
function copyState(state: GoalState): GoalState {
  return {
    goal: state.goal,
    statsVersion: state.statsVersion,
    tasks: state.tasks.slice(),
    byId: new Map(state.byId),
    versions: new Map(state.versions),
  };
}

async function readGoal(store: Store, goalId: string): Promise<GoalState> {
  let stats: Doc<GoalStats>;
  try {
    stats = await getStats(store, goalId);
  } catch (err) {
    forget(store, goalId);
    throw err;
  }
  const cached = cacheOf(store).get(goalId);
  if (cached && cached.statsVersion === stats.version) {
    remember(store, cached); // most recently used
    return cached;
  }
  const goal = await getGoalDoc(store, goalId);
  const docs = await listAll<Task>(store, COLLECTIONS.tasks, `${goalId}/`);
  const tasks = docs.map((d) => d.data).sort(byTaskNumber);
  return {
    goal,
    statsVersion: stats.version,
    tasks,
    byId: new Map(tasks.map((t) => [t.id, t])),
    versions: new Map(docs.map((d) => [d.data.id, d.version])),
  };
}

/**
 * A consistent snapshot for read-only tools (do not change it): when a writer committed while the pages
 * were being read (the stats version moved), read again.
 */
export async function loadGoal(store: Store, goalId: string): Promise<GoalState> {
  for (let attempt = 0; ; attempt++) {
    const state = await readGoal(store, goalId);
    if (cacheOf(store).get(goalId) === state) return state;
    const after = await store.getDoc<GoalStats>(COLLECTIONS.stats, goalId);
    if (!after) throw notFoundError(`goal ${goalId} not found; list_goals shows the goals there are`);
    if (after.version === state.statsVersion) {
      remember(store, state);
      return state;
    }
    if (attempt >= ATTEMPTS) return state;
  }
}

/** Every task of every goal (for list_tasks without a goal). */
export async function loadAllTasks(store: Store): Promise<{ task: Task; version: number }[]> {
  const docs = await listAll<Task>(store, COLLECTIONS.tasks);
  return docs.map((d) => ({ task: d.data, version: d.version }));
}

/** The working set of one transaction attempt. Handlers change it; commit() writes it all or nothing. */
export class GoalTx {
  readonly states = new Map<string, GoalState>();
  private readonly changed = new Map<string, Task>();
  private readonly created = new Map<string, Task>();
  private readonly goalUpdates = new Map<string, Goal>();
  private readonly goalCreates = new Map<string, Goal>();
  private readonly goalDeletes = new Set<string>();
  private readonly touched = new Set<string>();
  /** After commit: new version of each written task and goal, by id. */
  readonly written = new Map<string, number>();
  private positions: Map<string, Map<string, number>> | undefined;

  constructor(private readonly store: Store) {}

  async load(goalId: string): Promise<GoalState> {
    let state = this.states.get(goalId);
    if (!state) {
      state = copyState(await readGoal(this.store, goalId));
      this.states.set(goalId, state);
    }
    return state;
  }

  state(goalId: string): GoalState {
    const s = this.states.get(goalId);
    if (!s) throw new Error(`goal ${goalId} was not loaded in this transaction`);
    return s;
  }

  /** Replaces a task in the working copy (same id). */
  updateTask(task: Task): void {
    const st = this.state(task.goal_id);
    // Positions are looked up once per transaction (batches update many tasks of big goals).
    this.positions ??= new Map();
    let pos = this.positions.get(task.goal_id);
    if (!pos) {
      pos = new Map(st.tasks.map((t, k) => [t.id, k]));
      this.positions.set(task.goal_id, pos);
    }
    const i = pos.get(task.id);
    if (i === undefined) throw new Error(`task ${task.id} is not in ${task.goal_id}`);
    st.tasks[i] = task;
    st.byId.set(task.id, task);
    if (this.created.has(task.id)) this.created.set(task.id, task);
    else this.changed.set(task.id, task);
    this.touched.add(task.goal_id);
  }

  addTask(task: Task): void {
    const st = this.state(task.goal_id);
    this.positions?.get(task.goal_id)?.set(task.id, st.tasks.length);
    st.tasks.push(task);
    st.byId.set(task.id, task);
    this.created.set(task.id, task);
    this.touched.add(task.goal_id);
  }

  createGoal(goal: Goal): void {
    this.goalCreates.set(goal.id, goal);
    this.states.set(goal.id, {
      goal: { id: goal.id, data: goal, version: 0 },
      statsVersion: 0,
      tasks: [],
      byId: new Map(),
      versions: new Map(),
    });
    this.touched.add(goal.id);
  }

  updateGoal(goal: Goal): void {
    const st = this.state(goal.id);
    st.goal = { ...st.goal, data: goal };
    this.goalUpdates.set(goal.id, goal);
    this.touched.add(goal.id);
  }

  deleteGoal(goalId: string): void {
    this.state(goalId);
    this.goalDeletes.add(goalId);
  }

  async commit(): Promise<void> {
    const writes: DocWrite[] = [];
    const keys: string[] = [];
    for (const t of this.changed.values()) {
      const st = this.state(t.goal_id);
      writes.push({
        collection: COLLECTIONS.tasks,
        id: taskKey(t.goal_id, t.id),
        data: t,
        expectedVersion: st.versions.get(t.id),
      });
      keys.push(t.id);
    }
    for (const t of this.created.values()) {
      writes.push({
        collection: COLLECTIONS.tasks,
        id: taskKey(t.goal_id, t.id),
        data: t,
        expectedVersion: 0,
      });
      keys.push(t.id);
      writes.push({
        collection: COLLECTIONS.taskGoal,
        id: t.id,
        data: { goal_id: t.goal_id },
        expectedVersion: 0,
      });
      keys.push("");
    }
    for (const g of this.goalCreates.values()) {
      writes.push({ collection: COLLECTIONS.goals, id: g.id, data: g, expectedVersion: 0 });
      keys.push(g.id);
    }
    for (const g of this.goalUpdates.values()) {
      const st = this.state(g.id);
      writes.push({ collection: COLLECTIONS.goals, id: g.id, data: g, expectedVersion: st.goal.version });
      keys.push(g.id);
    }
    for (const goalId of this.goalDeletes) {
      const st = this.state(goalId);
      for (const t of st.tasks) {
        writes.push({
          collection: COLLECTIONS.tasks,
          id: taskKey(goalId, t.id),
          data: null,
          expectedVersion: st.versions.get(t.id),
        });
        writes.push({ collection: COLLECTIONS.taskGoal, id: t.id, data: null });
        keys.push("", "");
      }
      writes.push({
        collection: COLLECTIONS.goals,
        id: goalId,
        data: null,
        expectedVersion: st.goal.version,
      });
      writes.push({
        collection: COLLECTIONS.stats,
        id: goalId,
        data: null,
        expectedVersion: st.statsVersion,
      });
      keys.push("", "");
    }
    // The stats document serialises every write to a goal's tasks (see the header).
    const statsAt = new Map<string, number>();
    for (const goalId of this.touched) {
      if (this.goalDeletes.has(goalId)) continue;
      const st = this.state(goalId);
      statsAt.set(goalId, writes.length);
      writes.push({
        collection: COLLECTIONS.stats,
        id: goalId,
        data: computeStats(goalId, st.tasks),
        expectedVersion: st.statsVersion,
      });
      keys.push("");
    }
    if (writes.length === 0) return;
    let versions: number[];
    try {
      versions = await this.store.writeDocs(writes);
    } catch (err) {
      for (const goalId of this.touched) forget(this.store, goalId);
      throw err;
    }
    keys.forEach((k, i) => {
      if (k) this.written.set(k, versions[i]!);
    });
    for (const goalId of this.goalDeletes) forget(this.store, goalId);
    // The committed state is the goal as stored now (the stats write proved nobody else wrote since it was
    // read), so the next read of it in this process costs one document.
    for (const [goalId, at] of statsAt) {
      const st = this.state(goalId);
      const goalVersion = this.written.get(goalId);
      for (const t of [...this.changed.values(), ...this.created.values()]) {
        const v = this.written.get(t.id);
        if (t.goal_id === goalId && v !== undefined) st.versions.set(t.id, v);
      }
      remember(this.store, {
        ...st,
        goal: goalVersion === undefined ? st.goal : { ...st.goal, version: goalVersion },
        statsVersion: versions[at]!,
      });
    }
  }
}

/**
 * Goal transactions of one process run one at a time per store: they take milliseconds, and writers in
 * the same process then never fight over a version (16 concurrent create_tasks on one goal used to lose
 * some to conflicts on Redis). Writers in other processes are still handled optimistically, by retrying.
 */
const writeQueues = new WeakMap<Store, Promise<unknown>>();

function serialized<R>(store: Store, run: () => Promise<R>): Promise<R> {
  const previous = writeQueues.get(store) ?? Promise.resolve();
  const next = previous.then(run, run);
  writeQueues.set(
    store,
    next.then(
      () => undefined,
      () => undefined,
    ),
  );
  return next;
}

/**
 * Runs `fn` on a fresh transaction and commits, again on a fresh read when a concurrent writer got there
 * first. `fn` must re-check everything it relies on (it runs once per attempt); a ToolError it throws ends
 * the transaction with nothing written.
 */
export function transact<R>(store: Store, fn: (tx: GoalTx) => Promise<R>): Promise<R> {
  return serialized(store, () => attempt(store, fn));
}

async function attempt<R>(store: Store, fn: (tx: GoalTx) => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const tx = new GoalTx(store);
    const result = await fn(tx);
    try {
      await tx.commit();
      return result;
    } catch (err) {
      if (!isToolError(err) || err.type !== "conflict") throw err;
      if (attempt >= ATTEMPTS) {
        throw conflictError(
          `the goal kept changing under ${ATTEMPTS} attempts by other processes writing it at the same time; nothing was written: call again (with expected_version, use the version get_goal or get_task returns now)`,
          err.details,
        );
      }
      await sleep(Math.floor(Math.random() * 5 * attempt) + 1);
    }
  }
}

/** The caller's optimistic-concurrency check against the version read in this attempt. */
export function checkVersion(what: string, expected: number | undefined, actual: number | undefined): void {
  if (expected === undefined) return;
  if (actual !== expected) {
    throw conflictError(
      `${what} was changed by someone else: expected version ${expected}, found ${actual ?? 0}; read it again and retry`,
      { id: what, expected_version: expected, actual_version: actual ?? 0 },
    );
  }
}

export function requireTask(state: GoalState, taskId: string): Task {
  const t = state.byId.get(taskId);
  if (!t) throw notFoundError(`task ${taskId} not found in ${state.goal.id}`);
  return t;
}

export function tooMany(what: string, n: number, limit: number): never {
  throw validationError(`${what}: ${n} is more than the limit of ${limit}`);
}
