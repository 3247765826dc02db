/** The pure graph functions against the repeated-scan oracle, on hand-made and random graphs. */
import { describe, expect, it } from "vitest";
import {
  buildGraph,
  criticalPath,
  findCycle,
  type GraphTask,
  nextTasks,
  planPhases,
  validateDependencies,
} from "../../src/toolsets/goals/graph.js";
import { randomGraph } from "./gen.js";
import { naiveCriticalLength, naiveNext, naivePhases, naiveUnscheduled, naiveValidate } from "./naive.js";

const T = (id: string, dependencies: string[] = [], extra: Partial<GraphTask> = {}): GraphTask => ({
  id,
  dependencies,
  status: "pending",
  priority: "medium",
  ...extra,
});

/** Every consecutive pair of a reported cycle is a real dependency. */
function isCycle(tasks: readonly GraphTask[], path: string[]): boolean {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  if (path.length < 2 || path[0] !== path[path.length - 1]) return false;
  return path.slice(0, -1).every((id, i) => byId.get(id)!.dependencies.includes(path[i + 1]!));
}

describe("goals graph functions", () => {
  it("reports missing ids, self dependencies and each cycle as its path", () => {
    const tasks = [
      T("A", ["B"]),
      T("B", ["C"]),
      T("C", ["A"]),
      T("D", ["D", "ZZZ"]),
      T("E", ["F"]),
      T("F", ["E"]),
      T("G", ["A"]),
    ];
    const r = validateDependencies(tasks);
    expect(r.valid).toBe(false);
    expect(r.missing).toEqual([{ task: "D", dependency: "ZZZ" }]);
    expect(r.self).toEqual(["D"]);
    expect(r.cycles).toEqual([
      ["A", "B", "C", "A"],
      ["E", "F", "E"],
    ]);
    expect(findCycle(tasks.slice(0, 3))).toEqual(["A", "B", "C", "A"]);
    expect(findCycle([T("A"), T("B", ["A"])])).toBeNull();
    const plan = planPhases(tasks);
    expect(plan.phases).toEqual([]);
    expect(plan.unscheduled).toEqual([
      { id: "A", reason: "cycle" },
      { id: "B", reason: "cycle" },
      { id: "C", reason: "cycle" },
      { id: "D", reason: "cycle" },
      { id: "E", reason: "cycle" },
      { id: "F", reason: "cycle" },
      { id: "G", reason: "waits_on_unscheduled" },
    ]);
  });

  it("plans around done, cancelled and missing dependencies", () => {
    const tasks = [
      T("A", [], { status: "done" }),
      T("B", ["A"]),
      T("C", [], { status: "cancelled" }),
      T("D", ["C"]),
      T("E", ["B", "nope"]),
      T("F", ["B"], { priority: "critical" }),
    ];
    const plan = planPhases(tasks);
    expect(plan.phases).toEqual([["B"], ["F"]]);
    expect(plan.unscheduled).toEqual([
      { id: "D", reason: "cancelled_dependency" },
      { id: "E", reason: "missing_dependency" },
    ]);
    expect(planPhases(tasks, { includeDone: true }).phases).toEqual([["A"], ["B"], ["F"]]);
    expect(nextTasks(tasks, 5).tasks.map((t) => t.id)).toEqual(["B"]);
  });

  it("finds the critical path by estimate, or by task count without estimates", () => {
    const chain = [
      T("A", [], { estimate: 1 }),
      T("B", ["A"], { estimate: 10 }),
      T("C", ["A"], { estimate: 2 }),
      T("D", ["B", "C"]),
    ];
    expect(criticalPath(chain)).toEqual({ path: ["A", "B", "D"], length: 11, unit: "estimate" });
    const plain = chain.map(({ estimate: _e, ...t }) => t);
    expect(criticalPath(plain)).toMatchObject({ length: 3, unit: "tasks" });
    expect(criticalPath([])).toEqual({ path: [], length: 0, unit: "tasks" });
  });

  it("ranks ready tasks by priority, then downstream work, then what they unblock", () => {
    const tasks = [
      T("short"),
      T("long"),
      T("long2", ["long"]),
      T("long3", ["long2"]),
      T("urgent", [], { priority: "high" }),
      T("wide"),
      T("w1", ["wide"]),
      T("w2", ["wide"]),
    ];
    const next = nextTasks(tasks, 10);
    expect(next.tasks).toEqual([
      { id: "urgent", unblocks: 0, downstream: 1 },
      { id: "long", unblocks: 1, downstream: 3 },
      { id: "wide", unblocks: 2, downstream: 2 },
      { id: "short", unblocks: 0, downstream: 1 },
    ]);
    expect(next.ready_total).toBe(4);
    expect(nextTasks(tasks, 2).tasks).toHaveLength(2);
  });

  it("resolves ids the same way on the numeric fast path and the map fallback", () => {
    const canonical = [T("TASK-0001"), T("TASK-0002", ["TASK-0001", "TASK-00001", "TASK-1", "TASK-0003"])];
    const other = [
      T("TASK-0001"),
      T("TASK-0002", ["TASK-0001", "TASK-00001", "TASK-1", "TASK-0003"]),
      T("x"),
    ];
    const far = [
      T("TASK-0001"),
      T("TASK-0002", ["TASK-0001", "TASK-00001", "TASK-1", "TASK-0003"]),
      T("TASK-999999"),
    ];
    for (const tasks of [canonical, other, far]) {
      expect(validateDependencies(tasks).missing).toEqual([
        { task: "TASK-0002", dependency: "TASK-00001" },
        { task: "TASK-0002", dependency: "TASK-1" },
        { task: "TASK-0002", dependency: "TASK-0003" },
      ]);
      expect(buildGraph(tasks).depList.length).toBe(1);
    }
    expect(buildGraph([T("TASK-10000"), T("TASK-9999", ["TASK-10000"])]).depList.length).toBe(1);
  });

  it("builds compact adjacency without duplicate edges", () => {
    const g = buildGraph([T("A"), T("B", ["A", "A"]), T("C", ["A", "B"])]);
    expect(g.depList.length).toBe(3);
    expect([...g.revList.slice(g.revOff[0]!, g.revOff[1]!)]).toEqual([1, 2]);
  });

  it("agrees with the repeated-scan oracle on random graphs", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const tasks = randomGraph({
        n: 20 + (seed % 7) * 15,
        deps: 1 + (seed % 4),
        window: 3 + (seed % 20),
        seed,
        doneFraction: (seed % 3) * 0.2,
        estimates: seed % 2 === 0,
        backEdges: seed % 5 === 0 ? 2 : 0,
        missing: seed % 7 === 0 ? 1 : 0,
        self: seed % 11 === 0 ? 1 : 0,
        cancelled: seed % 4 === 0 ? 2 : 0,
      });
      const fast = validateDependencies(tasks);
      const slow = naiveValidate(tasks);
      expect(fast.valid, `seed ${seed}`).toBe(slow.valid);
      expect(fast.missing).toEqual(slow.missing);
      expect(fast.self).toEqual(slow.self);
      expect(fast.cycles.length > 0).toBe(slow.cycles.length > 0);
      for (const c of fast.cycles) expect(isCycle(tasks, c), `seed ${seed} ${c.join(">")}`).toBe(true);
      const plan = planPhases(tasks);
      expect(plan.phases, `seed ${seed}`).toEqual(naivePhases(tasks));
      expect(planPhases(tasks, { includeDone: true }).phases).toEqual(naivePhases(tasks, true));
      expect(plan.unscheduled.map((u) => u.id)).toEqual(naiveUnscheduled(tasks));
      expect(plan.critical_path.length).toBe(naiveCriticalLength(tasks));
      expect(nextTasks(tasks, 10).tasks).toEqual(naiveNext(tasks, 10));
    }
  });
});
