/**
 * The alert rules (deploy/prometheus/rules.yaml) and the Grafana dashboard (docs/grafana/repowright.json) name
 * only metrics the binary really exports: every metric of a host's registry, with the ones registered on
 * first use (resolver, model runtime, webhooks, queue) brought in the way the server brings them in.
 * `promtool check rules` runs too where promtool is installed (.ci/run installs Debian's prometheus).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { resolverMetrics } from "../../src/agents/resolver/metrics.js";
import { createApp } from "../../src/app.js";
import { githubWebhookRoute } from "../../src/webhooks/github.js";
import { tempHome } from "../mcp/serve-process.js";

const RULES = fileURLToPath(new URL("../../deploy/prometheus/rules.yaml", import.meta.url));
const DASHBOARD = fileURLToPath(new URL("../../docs/grafana/repowright.json", import.meta.url));

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "inf",
  "nan",
]);

/** The metric names a PromQL expression reads: identifiers that are neither functions, keywords nor labels. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, "") // label matchers
    .replace(/\[[^\]]*\]/g, "") // ranges
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "") // grouping labels
    .replace(/\$[A-Za-z_]+/g, ""); // Grafana variables
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (call || KEYWORDS.has(name!.toLowerCase()) || /^\d/.test(name!)) continue;
    names.add(name!);
  }
  return [...names];
}

describe("metric names in the alert rules and the dashboard", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it("extracts metric names from PromQL", () => {
    expect(
      metricNames(
        'sum by (job, le) (rate(a_bucket{x="y(z)"}[5m])) / ignoring(q) b_total > 0.5 and on(job) c offset 5m',
      ).sort(),
    ).toEqual(["a_bucket", "b_total", "c"]);
  });

  it("names only exported metrics", async () => {
    const app = await createApp({
      env: { REPOWRIGHT_HOME: tempHome(), REPOWRIGHT_LOG_LEVEL: "silent", REPOWRIGHT_QUEUE: "sqlite" },
      toolsets: [],
    });
    cleanups.push(() => app.close());
    const registry = app.host.metrics.registry;
    // Registered on first use: a resolver run and a webhook route (the model counters come with the app).
    resolverMetrics(registry);
    githubWebhookRoute({
      secret: "s",
      store: app.store,
      log: app.log,
      registry,
      maxBodyBytes: 1024,
      accept: async () => ({ job_id: "x" }),
    });
    const text = await registry.metrics();
    const exported = new Set<string>();
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      exported.add(name!);
      if (type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) exported.add(name! + s);
      if (type === "summary") for (const s of ["_sum", "_count"]) exported.add(name! + s);
    }
    expect(exported).toContain("repowright_queue_jobs");

    const rules = parse(readFileSync(RULES, "utf8")) as {
      groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
    };
    const ruleExprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
      panels: { targets?: { expr: string }[] }[];
    };
    const panelExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const inRules = new Set(ruleExprs.flatMap(metricNames));
    const inDashboard = new Set(panelExprs.flatMap(metricNames));
    // The rules cover what the issue asks for: errors, latency, memory, backlog, agents, spend.
    for (const m of [
      "repowright_tool_calls_total",
      "repowright_tool_duration_seconds_bucket",
      "repowright_process_resident_memory_bytes",
      "repowright_queue_jobs",
      "issues_failed_total",
      "repowright_llm_cost_dollars_total",
    ])
      expect(inRules).toContain(m);
    expect(inDashboard.size).toBeGreaterThan(5);
    expect([...inRules].filter((m) => !exported.has(m))).toEqual([]);
    expect([...inDashboard].filter((m) => !exported.has(m))).toEqual([]);
  });

  it("passes promtool check rules (where promtool is installed)", (ctx) => {
    try {
      execFileSync("promtool", ["--version"], { stdio: "ignore" });
    } catch {
      ctx.skip("promtool not installed (apt-get install prometheus); the metric-name check above still ran");
      return;
    }
    const out = execFileSync("promtool", ["check", "rules", RULES], { encoding: "utf8" });
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });
});
