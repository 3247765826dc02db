/**
 * Prometheus metrics. One registry per host so that tests and embedders never share global state.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface Metrics {
  registry: Registry;
  toolCalls: Counter<"tool" | "outcome">;
  toolDuration: Histogram<"tool">;
  /** Open MCP sessions over Streamable HTTP. */
  httpSessions: Gauge;
  /** HTTP requests turned away before any tool ran: 401 (no or bad token) or 403 (another's session). */
  httpAuthFailures: Counter<"status">;
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
  const httpSessions = new Gauge({
    name: "repowright_http_sessions",
    help: "Open MCP sessions over Streamable HTTP.",
    registers: [registry],
  });
  const httpAuthFailures = new Counter({
    name: "repowright_http_auth_failures_total",
    help: "HTTP requests refused by authentication (401) or session ownership (403).",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  return { registry, toolCalls, toolDuration, httpSessions, httpAuthFailures };
}

/** What the queue gauge needs of a queue: its counts by state (src/queue/types.ts). */
export interface CountsJobs {
  counts(): Promise<Record<string, number>>;
}

const queueGauges = new WeakMap<Registry, Gauge<"state">>();

/**
 * `repowright_queue_jobs{state}`: jobs on the queue by state, read from the queue at each scrape (so every
 * replica reports the shared queue's depth; alert on `max`, not `sum`). Registered once per registry.
 */
export function queueJobsGauge(registry: Registry, queue: CountsJobs): Gauge<"state"> {
  const known = queueGauges.get(registry);
  if (known) return known;
  const gauge = new Gauge({
    name: "repowright_queue_jobs",
    help: "Jobs on the queue by state (waiting, delayed, active, completed, dead, cancelled).",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      try {
        const counts = await queue.counts();
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      } catch {
        // A closed or unreachable queue leaves the last values; the readiness probe reports the outage.
      }
    },
  });
  queueGauges.set(registry, gauge);
  return gauge;
}
