/**
 * One pipeline for every tool call, whatever the transport: zod validation -> time limit -> handler ->
 * result, with metrics, a log line and redaction on the way out. Handlers never format their own errors.
 */
import { performance } from "node:perf_hooks";
import type { z } from "zod";
import type { ErrorPayload } from "../core/errors.js";
import type { Metrics } from "../core/metrics.js";
import type { Redactor } from "../core/redact.js";
import { type Deadline, withDeadline } from "../core/resilience.js";
import type { AuditLog, CallGuard } from "./auth.js";
import { formatZodError, toErrorPayload } from "./errors.js";
import {
  type Caller,
  type ClientBridge,
  type HostServices,
  type ProgressUpdate,
  RawResult,
  type Tool,
  type ToolContext,
} from "./tool.js";

export interface CallToolResult {
  [key: string]: unknown;
  content: Record<string, unknown>[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface CallOptions {
  caller: Caller;
  signal?: AbortSignal;
  progress?: (update: ProgressUpdate) => Promise<void>;
  client?: ClientBridge;
}

export interface RegisteredTool {
  tool: Tool;
  toolset: string;
  deps: unknown;
}

export interface ToolRunnerOptions {
  services: HostServices;
  metrics: Metrics;
  redactor: Redactor;
  defaultTimeoutMs: number;
  /** Authorization and rate limits (auth.ts); none when the server is open and unlimited. */
  guard?: CallGuard;
  /** The audit log; none when auditing is off. */
  audit?: AuditLog;
}

export type ToolRunner = (
  entry: RegisteredTool,
  args: unknown,
  options: CallOptions,
) => Promise<CallToolResult>;

const noProgress = async () => {};

/**
 * What a handler gets as `ctx`. A class rather than an object literal because of `signal`: a getter, so
 * that the deadline makes its AbortSignal only for handlers that use one, and a getter on a prototype
 * costs nothing per call where a getter in a literal costs a slow object creation on every call. The
 * getter is not an own property: copy a context with the class, not with `{ ...ctx }`.
 */
class CallContext implements ToolContext {
  readonly config: HostServices["config"];
  readonly store: HostServices["store"];
  readonly log: HostServices["log"];
  readonly workspace: HostServices["workspace"];
  readonly resourceUpdated: HostServices["resourceUpdated"];
  readonly caller: Caller;
  readonly client: ClientBridge | undefined;
  readonly progress: (update: ProgressUpdate) => Promise<void>;
  constructor(
    services: HostServices,
    readonly deps: unknown,
    call: CallOptions,
    private readonly deadline: Deadline,
  ) {
    this.config = services.config;
    this.store = services.store;
    this.log = services.log;
    this.workspace = services.workspace;
    this.resourceUpdated = services.resourceUpdated;
    this.caller = call.caller;
    this.client = call.client;
    this.progress = call.progress ?? noProgress;
  }
  get signal(): AbortSignal {
    return this.deadline.signal;
  }
}

export function createToolRunner(options: ToolRunnerOptions): ToolRunner {
  const { services, metrics, redactor, guard, audit } = options;
  const { log } = services;
  // Labelled children looked up once per tool, not hashed on every call.
  const durations = new Map<string, ReturnType<typeof metrics.toolDuration.labels>>();
  const durationOf = (name: string) => {
    let h = durations.get(name);
    if (!h) {
      h = metrics.toolDuration.labels(name);
      durations.set(name, h);
    }
    return h;
  };

  return async function runTool(entry, args, call) {
    const { tool } = entry;
    const started = performance.now();
    const startedAt = audit ? new Date().toISOString() : "";
    let outcome = "ok";
    try {
      if (guard) await guard.admit(tool, call.caller);
      const parsed = (tool.input as z.ZodTypeAny).safeParse(args ?? {});
      if (!parsed.success) {
        outcome = "validation";
        return errorResult({ error: formatZodError(parsed.error), type: "validation" }, tool);
      }
      const value = await withDeadline(tool.timeoutMs ?? options.defaultTimeoutMs, call.signal, (deadline) =>
        tool.handler(parsed.data, new CallContext(services, entry.deps, call, deadline)),
      );
      // Redact the value once, before it is serialised into both content and structuredContent.
      return toResult(
        tool,
        value instanceof RawResult
          ? new RawResult(
              await redactor.redactDeep(value.content),
              await redactor.redactDeep(value.structuredContent),
            )
          : await redactor.redactDeep(value),
      );
    } catch (err) {
      const payload = await redactor.redactDeep(toErrorPayload(err));
      // A call the client cancelled is not a timeout of ours: count it apart.
      outcome = call.signal?.aborted ? "cancelled" : payload.type;
      if (payload.type === "internal") log.error({ err, tool: tool.name }, "tool failed");
      return errorResult(payload, tool);
    } finally {
      const seconds = (performance.now() - started) / 1000;
      metrics.toolCalls.labels(tool.name, outcome).inc();
      durationOf(tool.name).observe(seconds);
      if (log.isLevelEnabled("debug")) {
        log.debug(
          { tool: tool.name, outcome, ms: Math.round(seconds * 1000), caller: call.caller.id },
          "tool call",
        );
      }
      if (audit) {
        await audit.record({
          at: startedAt,
          caller: call.caller.id,
          roles: call.caller.roles,
          transport: call.caller.transport,
          ...(call.caller.sessionId ? { session: call.caller.sessionId } : {}),
          tool: tool.name,
          outcome,
          ms: Math.round(seconds * 1000),
          args,
        });
      }
    }
  };
}

function toResult(tool: Tool, value: unknown): CallToolResult {
  if (value instanceof RawResult) {
    const result: CallToolResult = { content: value.content };
    if (value.structuredContent) result.structuredContent = value.structuredContent;
    return result;
  }
  if (typeof value === "string") return { content: [{ type: "text", text: value }] };
  const text = JSON.stringify(value ?? null);
  const result: CallToolResult = { content: [{ type: "text", text }] };
  if (tool.output && value !== null && typeof value === "object" && !Array.isArray(value)) {
    result.structuredContent = value as Record<string, unknown>;
  }
  return result;
}

/**
 * The error shape goes in the text content always, and in structuredContent when the tool declares no
 * output schema: the SDK client validates any structuredContent against a declared output schema, even on
 * an error result, and would turn our structured error into a protocol error.
 */
export function errorResult(payload: ErrorPayload, tool?: Tool): CallToolResult {
  const result: CallToolResult = {
    content: [{ type: "text", text: JSON.stringify(payload) }],
    isError: true,
  };
  if (!tool?.output) result.structuredContent = payload as unknown as Record<string, unknown>;
  return result;
}
