/**
 * The host: the selected toolsets with their initialised dependencies, the tool pipeline, metrics and
 * logging. Transports (stdio, HTTP, in-process `repowright call`) all go through one host.
 */
import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Clients } from "../clients.js";
import type { Config } from "../core/config.js";
import { AppError, ERROR_CONTRACT } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import { createMetrics, type Metrics, queueJobsGauge } from "../core/metrics.js";
import type { Redactor } from "../core/redact.js";
import type { Workspace } from "../core/workspace.js";
import type { Queue } from "../queue/types.js";
import type { Store } from "../store/types.js";
import { createAuditLog, createCallGuard } from "./auth.js";
import { buildInventory, type InventoryOptions } from "./inventory.js";
import {
  type CallOptions,
  type CallToolResult,
  createToolRunner,
  type Outcome,
  type RegisteredTool,
  type Subject,
  toCallToolResult,
} from "./pipeline.js";
import type { Caller, HostServices, Prompt, Resource, ResourceTemplate, Toolset } from "./tool.js";

export interface Registered<T> {
  item: T;
  toolset: string;
  deps: unknown;
}

export interface Host {
  readonly services: HostServices;
  readonly metrics: Metrics;
  readonly redactor: Redactor;
  readonly toolsets: readonly Toolset[];
  readonly skipped: readonly { name: string; reason: string }[];
  readonly tools: ReadonlyMap<string, RegisteredTool>;
  readonly resources: ReadonlyMap<string, Registered<Resource>>;
  readonly resourceTemplates: readonly Registered<ResourceTemplate>[];
  readonly prompts: ReadonlyMap<string, Registered<Prompt>>;
  /**
   * Calls `listener` with each URI a tool or resource reports as updated (`services.resourceUpdated`);
   * returns the function that stops it. Session servers use it for resources/subscribe.
   */
  onResourceUpdated(listener: (uri: string) => void): () => void;
  /** Whether the caller may call this tool (its roles, under REPOWRIGHT_AUTH); tools/list shows only those. */
  allows(toolName: string, caller: Caller): boolean;
  /**
   * Runs a tool through the pipeline and returns its value or its error (the error contract's shape);
   * an unknown name is an AppError (a protocol error for MCP). REST and the CLI render this.
   */
  invoke(name: string, args: unknown, options: CallOptions): Promise<Outcome>;
  /** `invoke`, rendered as an MCP tool result. */
  callTool(name: string, args: unknown, options: CallOptions): Promise<CallToolResult>;
  /**
   * Runs a protocol request (resources/read, prompts/get, completion/complete) under the same guard
   * (roles, rate limits), time limit, redaction, metrics and audit as a tool: all of them are reads.
   */
  request(
    subject: Subject,
    args: Record<string, unknown>,
    options: CallOptions,
    work: (signal: AbortSignal) => Promise<unknown>,
  ): Promise<Outcome>;
  close(): Promise<void>;
}

export interface CreateHostOptions {
  config: Readonly<Config>;
  store: Store;
  log: Logger;
  redactor: Redactor;
  workspace: Workspace;
  clients: Clients;
  queue: Queue;
  toolsets: readonly Toolset[];
  inventory: InventoryOptions;
  metrics?: Metrics;
}

export async function createHost(options: CreateHostOptions): Promise<Host> {
  const { config, store, log, redactor } = options;
  // Sessions come and go (one listener each while open), so the emitter has no listener limit.
  const updates = new EventEmitter().setMaxListeners(0);
  const services: HostServices = {
    config,
    store,
    log,
    workspace: options.workspace,
    clients: options.clients,
    queue: options.queue,
    toolNames: () => new Set(tools.keys()),
    resourceUpdated(uri) {
      if (updates.listenerCount("updated") === 0) return;
      try {
        updates.emit("updated", uri);
      } catch (err) {
        log.warn({ err, uri }, "resource update listener failed");
      }
    },
  };
  const metrics = options.metrics ?? createMetrics({ defaultMetrics: true });
  queueJobsGauge(metrics.registry, options.queue);
  const inventory = buildInventory(options.toolsets, config, options.inventory);

  const tools = new Map<string, RegisteredTool>();
  const resources = new Map<string, Registered<Resource>>();
  const resourceTemplates: Registered<ResourceTemplate>[] = [];
  const prompts = new Map<string, Registered<Prompt>>();
  const initialised: { toolset: Toolset; deps: unknown }[] = [];

  try {
    for (const ts of inventory.toolsets) {
      const deps = ts.init ? await ts.init(services) : undefined;
      initialised.push({ toolset: ts, deps });
      for (const tool of ts.tools) {
        if (tools.has(tool.name))
          throw new AppError("duplicate_tool", `tool "${tool.name}" is defined twice`);
        tools.set(tool.name, { tool, toolset: ts.name, deps });
      }
      for (const r of ts.resources ?? []) resources.set(r.uri, { item: r, toolset: ts.name, deps });
      for (const t of ts.resourceTemplates ?? []) resourceTemplates.push({ item: t, toolset: ts.name, deps });
      for (const p of ts.prompts ?? []) prompts.set(p.name, { item: p, toolset: ts.name, deps });
    }
  } catch (err) {
    await closeAll(initialised, log);
    throw err;
  }

  const guard = createCallGuard(config, store);
  const run = createToolRunner({
    services,
    metrics,
    redactor,
    defaultTimeoutMs: config.server.toolTimeoutMs,
    guard,
    audit: createAuditLog(config, store, redactor, log),
    resolve: (name) => tools.get(name),
  });

  const invoke = async (name: string, args: unknown, callOptions: CallOptions): Promise<Outcome> => {
    const entry = tools.get(name);
    if (!entry) {
      throw new AppError(
        "unknown_tool",
        `unknown tool "${name}"; list the tools to see what this server offers`,
      );
    }
    if (callOptions.idempotencyKey === undefined) return run.tool(entry, args, callOptions);
    return once(
      store,
      `${callOptions.caller.id}\n${name}\n${callOptions.idempotencyKey}`,
      callOptions.idempotencyReclaim === true,
      () => run.tool(entry, args, callOptions),
    );
  };

  return {
    services,
    metrics,
    invoke,
    redactor,
    toolsets: inventory.toolsets,
    skipped: inventory.skipped,
    tools,
    resources,
    resourceTemplates,
    prompts,
    allows(name, caller) {
      const entry = tools.get(name);
      return entry !== undefined && (guard?.allows(entry.tool, caller) ?? true);
    },
    onResourceUpdated(listener) {
      updates.on("updated", listener);
      return () => {
        updates.off("updated", listener);
      };
    },
    async callTool(name, args, callOptions) {
      const outcome = await invoke(name, args, callOptions);
      return toCallToolResult(tools.get(name)!.tool, outcome);
    },
    request(subject, args, callOptions, work) {
      return run.request(subject, args, callOptions, work);
    },
    async close() {
      await closeAll(initialised, log);
    },
  };
}

const IDEMPOTENCY_NS = "idempotency";
const IDEMPOTENCY_TTL_MS = 7 * 86_400_000;
/** A claimed key whose call never recorded an outcome (its process died) can be claimed again after this. */
const CLAIM_TTL_MS = 15 * 60_000;

/**
 * Runs `call` once per key: the key is claimed in the store (compare-and-set), the outcome recorded
 * under it. A repeat gets the recorded outcome; a repeat while the first still runs is a conflict. An
 * outcome worth retrying (rate limit, outage, timeout) is not kept, so the retry really runs.
 */
async function once(
  store: Store,
  rawKey: string,
  reclaim: boolean,
  call: () => Promise<Outcome>,
): Promise<Outcome> {
  const key = createHash("sha256").update(rawKey).digest("hex");
  const seen = await store.get(IDEMPOTENCY_NS, key);
  if (seen !== null && seen !== "pending") return JSON.parse(seen) as Outcome;
  const claimed =
    seen === "pending"
      ? reclaim && (await store.cas(IDEMPOTENCY_NS, key, "pending", "pending", { ttlMs: CLAIM_TTL_MS }))
      : await store.cas(IDEMPOTENCY_NS, key, null, "pending", { ttlMs: CLAIM_TTL_MS });
  if (!claimed) {
    const now = await store.get(IDEMPOTENCY_NS, key);
    if (now !== null && now !== "pending") return JSON.parse(now) as Outcome;
    return {
      ok: false,
      error: {
        error: "a call with this idempotency key is still running; try again later",
        type: "conflict",
        status_code: 409,
      },
    };
  }
  const outcome = await call();
  if (!outcome.ok && ERROR_CONTRACT[outcome.error.type].retryable) {
    await store.del(IDEMPOTENCY_NS, [key]);
  } else {
    await store.set(IDEMPOTENCY_NS, key, JSON.stringify(outcome), { ttlMs: IDEMPOTENCY_TTL_MS });
  }
  return outcome;
}

async function closeAll(initialised: { toolset: Toolset; deps: unknown }[], log: Logger) {
  for (const { toolset, deps } of initialised.reverse()) {
    try {
      await toolset.close?.(deps);
    } catch (err) {
      log.warn({ err, toolset: toolset.name }, "toolset close failed");
    }
  }
}
