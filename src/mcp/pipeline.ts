/**
 * One pipeline for every tool call, whatever the transport: zod validation -> time limit -> handler ->
 * result, with metrics, a log line and redaction on the way out. Handlers never format their own errors.
 */
import { performance } from "node:perf_hooks";
import type { z } from "zod";
import { type ErrorPayload, ToolError } from "../core/errors.js";
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
  /**
   * A caller's idempotency key: the first call with it (per caller and tool) runs and its outcome is
   * kept for a week; a repeat answers that outcome without running the tool again. Flows derive one from
   * run, node and iteration; REST takes the `Idempotency-Key` header.
   */
  idempotencyKey?: string;
  /**
   * With idempotencyKey: a claim whose call never recorded an outcome (its process died) is taken over
   * and the call runs again; a recorded outcome is still answered from the record. A resumed flow run
   * sets it for the node that was interrupted.
   */
  idempotencyReclaim?: boolean;
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
  /** Finds a tool by name, for handlers that call another tool (`ctx.callTool`). */
  resolve(name: string): RegisteredTool | undefined;
}

/**
 * What the host returns for a call: the handler's value (redacted), or the error in the contract's shape.
 * Each transport renders it: MCP as a tool result (`toCallToolResult`), REST with the contract's HTTP
 * status, the CLI on stdout with its exit status.
 */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: ErrorPayload };

/** What a request is, for the guard, the audit log and metrics: a tool, or a protocol request about one. */
export interface Subject {
  name: string;
  annotations: Pick<Tool["annotations"], "readOnlyHint">;
  timeoutMs?: number;
}

export interface ToolRunner {
  /** Runs a tool: guard -> validation -> time limit -> handler -> redaction, metrics, audit. */
  tool(entry: RegisteredTool, args: unknown, options: CallOptions): Promise<Outcome>;
  /**
   * Runs a protocol request (resources/read, prompts/get, completion/complete) under the same guard, time
   * limit, redaction, metrics and audit as a tool call; `args` is what the audit log records.
   */
  request(
    subject: Subject,
    args: Record<string, unknown>,
    options: CallOptions,
    work: (signal: AbortSignal) => Promise<unknown>,
  ): Promise<Outcome>;
}

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
  readonly clients: HostServices["clients"];
  readonly queue: HostServices["queue"];
  readonly toolNames: HostServices["toolNames"];
  readonly resourceUpdated: HostServices["resourceUpdated"];
  readonly caller: Caller;
  readonly client: ClientBridge | undefined;
  readonly progress: (update: ProgressUpdate) => Promise<void>;
  constructor(
    services: HostServices,
    readonly deps: unknown,
    call: CallOptions,
    private readonly deadline: Deadline,
    private readonly runner: ToolRunner,
    private readonly resolve: (name: string) => RegisteredTool | undefined,
  ) {
    this.config = services.config;
    this.store = services.store;
    this.log = services.log;
    this.workspace = services.workspace;
    this.clients = services.clients;
    this.queue = services.queue;
    this.toolNames = services.toolNames;
    this.resourceUpdated = services.resourceUpdated;
    this.caller = call.caller;
    this.client = call.client;
    this.progress = call.progress ?? noProgress;
  }
  get signal(): AbortSignal {
    return this.deadline.signal;
  }
  async callTool<T = unknown>(name: string, args: Record<string, unknown>): Promise<T> {
    const entry = this.resolve(name);
    if (!entry) {
      throw new ToolError(
        "forbidden",
        `${name} is not served here (excluded, or its toolset is off), and this needs it`,
        { statusCode: 403 },
      );
    }
    const outcome = await this.runner.tool(entry, args, {
      caller: this.caller,
      signal: this.signal,
      client: this.client,
    });
    if (!outcome.ok) throw ToolError.fromPayload(outcome.error);
    const value = outcome.value;
    return (value instanceof RawResult ? value.structuredContent : value) as T;
  }
}

export function createToolRunner(options: ToolRunnerOptions): ToolRunner {
  const { services, metrics, redactor, guard, audit } = options;
  const { log } = services;
  // Labelled children looked up once per name, not hashed on every call.
  const durations = new Map<string, ReturnType<typeof metrics.toolDuration.labels>>();
  const durationOf = (name: string) => {
    let h = durations.get(name);
    if (!h) {
      h = metrics.toolDuration.labels(name);
      durations.set(name, h);
    }
    return h;
  };

  async function run(
    subject: Subject,
    args: unknown,
    call: CallOptions,
    work: () => Promise<{ value: unknown } | { invalid: string }>,
  ): Promise<Outcome> {
    const started = performance.now();
    const startedAt = audit ? new Date().toISOString() : "";
    let outcome = "ok";
    try {
      if (guard) await guard.admit(subject, call.caller);
      const done = await work();
      if ("invalid" in done) {
        outcome = "validation";
        return { ok: false, error: { error: done.invalid, type: "validation" } };
      }
      // Redact the value once, before it is serialised into content and structuredContent.
      const value = done.value;
      return {
        ok: true,
        value:
          value instanceof RawResult
            ? new RawResult(
                await redactor.redactDeep(value.content),
                await redactor.redactDeep(value.structuredContent),
              )
            : await redactor.redactDeep(value),
      };
    } catch (err) {
      const payload = await redactor.redactDeep(toErrorPayload(err));
      // A call the client cancelled is not a timeout of ours: count it apart.
      outcome = call.signal?.aborted ? "cancelled" : payload.type;
      if (payload.type === "internal") log.error({ err, tool: subject.name }, "tool failed");
      return { ok: false, error: payload };
    } finally {
      const seconds = (performance.now() - started) / 1000;
      metrics.toolCalls.labels(subject.name, outcome).inc();
      durationOf(subject.name).observe(seconds);
      if (log.isLevelEnabled("debug")) {
        log.debug(
          { tool: subject.name, outcome, ms: Math.round(seconds * 1000), caller: call.caller.id },
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
          tool: subject.name,
          outcome,
          ms: Math.round(seconds * 1000),
          args,
        });
      }
    }
  }

  const runner: ToolRunner = {
    tool(entry, args, call) {
      const { tool } = entry;
      return run(tool, args, call, async () => {
        const parsed = (tool.input as z.ZodTypeAny).safeParse(args ?? {});
        if (!parsed.success) return { invalid: formatZodError(parsed.error) };
        const value = await withDeadline(
          tool.timeoutMs ?? options.defaultTimeoutMs,
          call.signal,
          (deadline) =>
            tool.handler(
              parsed.data,
              new CallContext(services, entry.deps, call, deadline, runner, options.resolve),
            ),
        );
        return { value };
      });
    },
    request(subject, args, call, work) {
      return run(subject, args, call, async () => ({
        value: await withDeadline(subject.timeoutMs ?? options.defaultTimeoutMs, call.signal, (deadline) =>
          work(deadline.signal),
        ),
      }));
    },
  };
  return runner;
}

/** An outcome as an MCP tool result. */
export function toCallToolResult(tool: Tool, outcome: Outcome): CallToolResult {
  return outcome.ok ? toResult(tool, outcome.value) : errorResult(outcome.error, tool);
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
