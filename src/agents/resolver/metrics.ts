/**
 * The resolver's Prometheus metrics, under the names operators of such bots know (issues_processed_total,
 * issues_success_total, issues_failed_total by reason, active_processing_issues), plus phase durations and
 * gate failures by gate. Tokens and cost are the model runtime's counters. One set per registry.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface ResolverMetrics {
  processed: Counter;
  success: Counter;
  failed: Counter<"reason">;
  active: Gauge;
  phaseSeconds: Histogram<"phase">;
  gateFailures: Counter<"gate">;
}

const byRegistry = new WeakMap<Registry, ResolverMetrics>();

export function resolverMetrics(registry: Registry): ResolverMetrics {
  const known = byRegistry.get(registry);
  if (known) return known;
  const registers = [registry];
  const m: ResolverMetrics = {
    processed: new Counter({ name: "issues_processed_total", help: "Resolver runs started.", registers }),
    success: new Counter({
      name: "issues_success_total",
      help: "Resolver runs that opened or updated a pull request.",
      registers,
    }),
    failed: new Counter({
      name: "issues_failed_total",
      help: "Resolver runs that ended without a pull request, by reason (gate, budget, stalled, gave_up, no_tests, ...).",
      labelNames: ["reason"] as const,
      registers,
    }),
    active: new Gauge({ name: "active_processing_issues", help: "Resolver runs in progress.", registers }),
    phaseSeconds: new Histogram({
      name: "repowright_resolver_phase_duration_seconds",
      help: "Duration of resolver phases.",
      labelNames: ["phase"] as const,
      buckets: [0.5, 2, 10, 30, 60, 180, 600, 1800],
      registers,
    }),
    gateFailures: new Counter({
      name: "repowright_resolver_gate_failures_total",
      help: "Resolver gates that refused a change, by gate.",
      labelNames: ["gate"] as const,
      registers,
    }),
  };
  byRegistry.set(registry, m);
  return m;
}
