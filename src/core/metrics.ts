/**
 * Prometheus metrics. One registry per host so that tests and embedders never share global state.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export interface Metrics {
  registry: Registry;
  toolCalls: Counter<"tool" | "outcome">;
  toolDuration: Histogram<"tool">;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: "repowright_" });
  const toolCalls = new Counter({
    name: "repowright_tool_calls_total",
    help: "Tool calls by tool and outcome (ok or the error type).",
    labelNames: ["tool", "outcome"] as const,
    registers: [registry],
  });
  const toolDuration = new Histogram({
    name: "repowright_tool_duration_seconds",
    help: "Tool call duration in seconds.",
    labelNames: ["tool"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  return { registry, toolCalls, toolDuration };
}
