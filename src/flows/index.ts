/**
 * Flows: declarative YAML pipelines over the host's tools (docs/flows.md). Files come from the flows
 * directories (REPOWRIGHT_FLOWS_DIRS, default `./flows`, plus the flows shipped with repowright); a run
 * is a queue job of kind `flow` whose state is checkpointed in the store after every node.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Counter, Histogram, type Registry } from "prom-client";
import { notFoundError, validationError } from "../core/errors.js";
import type { Host } from "../mcp/host.js";
import type { Caller, HostServices } from "../mcp/tool.js";
import type { JobHandler } from "../queue/index.js";
import { bindInputs, executeFlow, FLOW_RUNS, type FlowRun } from "./engine.js";
import { type Flow, FlowInvalid, loadFlow } from "./load.js";

export { FLOW_RUNS, type FlowRun } from "./engine.js";
export { type Flow, FlowInvalid, type FlowProblem, loadFlow } from "./load.js";

import { FLOW_JOB } from "./job.js";

export { FLOW_JOB };

/** The flows shipped with repowright (the package's flows/ directory). */
export const SHIPPED_FLOWS = resolve(dirname(fileURLToPath(import.meta.url)), "../../flows");

export interface FlowFile {
  name: string;
  path: string;
  source: string;
}

/** Every `*.yaml`/`*.yml` of the directories, by the file's `name:` (the first directory wins). */
export function findFlows(dirs: readonly string[]): FlowFile[] {
  const out = new Map<string, FlowFile>();
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!/\.ya?ml$/.test(f)) continue;
      const path = join(dir, f);
      const source = readFileSync(path, "utf8");
      const name = /^name:\s*["']?([A-Za-z0-9_.-]+)/m.exec(source)?.[1] ?? f.replace(/\.ya?ml$/, "");
      if (!out.has(name)) out.set(name, { name, path, source });
    }
  }
  return [...out.values()];
}

export function flowDirs(services: Pick<HostServices, "config">): string[] {
  return [...services.config.flows.dirs, SHIPPED_FLOWS];
}

/**
 * Starts a run: checks the flow and its inputs, writes the run's first checkpoint, and queues its job
 * (keyed by the run id). Returns the run as written.
 */
export async function startFlowRun(
  services: Pick<HostServices, "store" | "queue" | "toolNames">,
  caller: Caller,
  source: string,
  inputs: Record<string, unknown>,
): Promise<FlowRun> {
  const flow = loadFlow(source, services.toolNames());
  const run: FlowRun = {
    id: randomUUID(),
    flow: flow.name,
    source,
    inputs: bindInputs(flow, inputs),
    caller: { id: caller.id, roles: [...caller.roles], transport: caller.transport },
    status: "running",
    nodes: {},
    startedAt: new Date().toISOString(),
  };
  await services.store.putDoc({ collection: FLOW_RUNS, id: run.id, data: run });
  await services.queue.enqueue(FLOW_JOB, { run: run.id }, { key: `flow-run:${run.id}` });
  return run;
}

export async function readFlowRun(services: Pick<HostServices, "store">, id: string): Promise<FlowRun> {
  const doc = await services.store.getDoc<FlowRun>(FLOW_RUNS, id);
  if (!doc) throw notFoundError(`no flow run ${id}`);
  return doc.data;
}

interface FlowMetrics {
  completions: Counter<"workflow" | "status">;
  nodeSeconds: Histogram<"type">;
}
const metricsByRegistry = new WeakMap<Registry, FlowMetrics>();
function flowMetrics(registry: Registry): FlowMetrics {
  let m = metricsByRegistry.get(registry);
  if (!m) {
    m = {
      completions: new Counter({
        name: "workflow_completions_total",
        help: "Flow runs that ended, by flow and status (completed, failed, cancelled).",
        labelNames: ["workflow", "status"] as const,
        registers: [registry],
      }),
      nodeSeconds: new Histogram({
        name: "repowright_flow_node_duration_seconds",
        help: "Duration of flow nodes by type.",
        labelNames: ["type"] as const,
        buckets: [0.01, 0.1, 0.5, 2, 10, 60, 300],
        registers: [registry],
      }),
    };
    metricsByRegistry.set(registry, m);
  }
  return m;
}

/** The `flow` job: runs (or resumes) the run its data names, from its last checkpoint. */
export function flowJobHandler(host: Host): JobHandler {
  return async (job) => {
    const { run: id } = job.data as { run: string };
    const run = await readFlowRun(host.services, id);
    if (run.status !== "running") return { run: id, status: run.status };
    let flow: Flow;
    try {
      flow = loadFlow(run.source, host.services.toolNames());
    } catch (err) {
      run.status = "failed";
      run.error =
        err instanceof FlowInvalid ? `the flow no longer validates here: ${err.message}` : String(err);
      await host.services.store.putDoc({ collection: FLOW_RUNS, id, data: run });
      throw validationError(run.error);
    }
    const metrics = flowMetrics(host.metrics.registry);
    const models = host.services.clients.models.unavailable() ? undefined : host.services.clients.models;
    let done = 0;
    const ended = await executeFlow(flow, run, {
      host,
      store: host.services.store,
      ...(models ? { models } : {}),
      signal: job.signal,
      onNode: (path, state) => {
        done++;
        void job.progress({ progress: done, message: `${path}: ${state.status}` });
      },
      observe: (type, ms) => metrics.nodeSeconds.labels(type).observe(ms / 1000),
    });
    metrics.completions.labels(flow.name, ended.status).inc();
    return { run: id, status: ended.status, ...(ended.error ? { error: ended.error } : {}) };
  };
}
