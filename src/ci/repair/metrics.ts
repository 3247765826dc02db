/**
 * The CI doctor's Prometheus metrics, on the host's registry: repairs by outcome, fix commits by
 * category, re-runs, phase durations, repairs in progress. One set per registry.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface RepairMetrics {
  repairs: Counter<"outcome">;
  fixCommits: Counter<"category">;
  reruns: Counter;
  guardStops: Counter<"guard">;
  active: Gauge;
  phaseSeconds: Histogram<"phase">;
}

const byRegistry = new WeakMap<Registry, RepairMetrics>();

export function repairMetrics(registry: Registry): RepairMetrics {
  const known = byRegistry.get(registry);
  if (known) return known;
  const registers = [registry];
  const m: RepairMetrics = {
    repairs: new Counter({
      name: "repowright_ci_repairs_total",
      help: "CI doctor runs, by outcome (fixed, rerun_green, passing, stopped, ...).",
      labelNames: ["outcome"] as const,
      registers,
    }),
    fixCommits: new Counter({
      name: "repowright_ci_fix_commits_total",
      help: "Fix commits the CI doctor pushed, by failure category.",
      labelNames: ["category"] as const,
      registers,
    }),
    reruns: new Counter({
      name: "repowright_ci_reruns_total",
      help: "Failed jobs re-runs the CI doctor asked for (infrastructure failures).",
      registers,
    }),
    guardStops: new Counter({
      name: "repowright_ci_guard_stops_total",
      help: "CI doctor loops stopped by a guard (max_fix_commits, fingerprint_repeated, fix_tried_before, ...).",
      labelNames: ["guard"] as const,
      registers,
    }),
    active: new Gauge({
      name: "repowright_ci_repairs_active",
      help: "CI doctor runs in progress.",
      registers,
    }),
    phaseSeconds: new Histogram({
      name: "repowright_ci_repair_phase_duration_seconds",
      help: "Duration of CI doctor phases.",
      labelNames: ["phase"] as const,
      buckets: [0.5, 2, 10, 30, 60, 180, 600, 1800],
      registers,
    }),
  };
  byRegistry.set(registry, m);
  return m;
}
