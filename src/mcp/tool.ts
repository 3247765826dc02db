/**
 * Tools, resources and prompts are data: plain objects that can be listed, filtered,
 * documented and snapshotted without credentials. The host (pipeline.ts, server.ts) applies validation,
 * time limits, metrics, logging and error mapping to every one of them; a handler only does its job and
 * throws a ToolError when the caller can act on the failure.
 */
import type { z } from "zod";
import type { Clients } from "../clients.js";
import type { Config } from "../core/config.js";
import type { Logger } from "../core/log.js";
import type { Workspace } from "../core/workspace.js";
import type { Queue } from "../queue/types.js";
import type { Store } from "../store/types.js";
import { boundStrings } from "./bounded.js";

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** Who is calling: set by the transport (and by auth, when configured). */
export interface Caller {
  id: string;
  roles: string[];
  sessionId?: string;
  transport: "stdio" | "http" | "in-process";
}

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

export type LogLevel = "debug" | "info" | "notice" | "warning" | "error" | "critical" | "alert" | "emergency";

/**
 * The MCP client on the other end of the call, when there is one (not for in-process `repowright call`).
 * Requests to the client (sampling, elicitation) go through the SDK and honour the call's signal.
 */
export interface ClientBridge {
  /** MCP logging notification, filtered by the level the client set. */
  log(level: LogLevel, data: unknown, logger?: string): Promise<void>;
  /** sampling/createMessage. */
  createMessage(params: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** elicitation/create. */
  elicit(params: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Whether the client declared a capability (e.g. "sampling", "elicitation"). */
  supports(capability: string): boolean;
  /**
   * Closes the SSE stream this call answers on, so that the client reconnects with Last-Event-ID and gets
   * the rest (progress, the result) replayed: long calls then poll instead of holding a connection open
   * (SEP-1699). Present only over Streamable HTTP with resumability and a client speaking 2025-11-25+.
   */
  closeSSEStream?(): void;
}

export interface HostServices {
  config: Readonly<Config>;
  store: Store;
  log: Logger;
  /** The filesystem boundary: every local path a tool touches is resolved through it. */
  workspace: Workspace;
  /** The clients of outside services, each built once per process by the composition root. */
  clients: Clients;
  /** The job queue: long tools and agent runs become jobs here (jobs/index.ts). */
  queue: Queue;
  /** The names of the tools this host serves (flows check their tool nodes against them). */
  toolNames(): ReadonlySet<string>;
  /**
   * Says that the resource at `uri` may have changed (a tool wrote what it shows): every session of this
   * host that subscribed to that exact URI gets `notifications/resources/updated`. Cheap when nobody
   * listens; never throws.
   */
  resourceUpdated(uri: string): void;
}

export interface ToolContext<D = unknown> extends HostServices {
  /** What the toolset's init() built: clients, indexes, ... */
  deps: D;
  signal: AbortSignal;
  caller: Caller;
  /** Sends an MCP progress notification when the client asked for progress; otherwise does nothing. */
  progress(update: ProgressUpdate): Promise<void>;
  client: ClientBridge | undefined;
  /**
   * Calls another tool of this host through the whole pipeline, as this caller (roles, rate limits,
   * audit, redaction, its own validation and time limit), within this call's signal. Returns its value;
   * its failure is thrown as a ToolError. A tool that is not served (excluded, toolset off) is `forbidden`.
   */
  callTool<T = unknown>(name: string, args: Record<string, unknown>): Promise<T>;
}

export type ContentBlock = Record<string, unknown> & { type: string };

/** A result the handler built itself (images, audio, embedded resources); the host passes it through. */
export class RawResult {
  constructor(
    readonly content: ContentBlock[],
    readonly structuredContent?: Record<string, unknown>,
  ) {}
}

export function rawResult(content: ContentBlock[], structuredContent?: Record<string, unknown>): RawResult {
  return new RawResult(content, structuredContent);
}

export interface Tool<I extends z.ZodObject<z.ZodRawShape> = z.ZodObject<z.ZodRawShape>, D = unknown> {
  name: string;
  title: string;
  description: string;
  input: I;
  /**
   * The JSON Schema to advertise instead of the one derived from `input`, for schemas zod cannot express
   * (e.g. `$defs`); `input` still validates every call.
   */
  inputJsonSchema?: Record<string, unknown>;
  /** Declared when code consumes the result: the host then returns it as structuredContent too. */
  output?: z.ZodObject<z.ZodRawShape>;
  annotations: ToolAnnotations;
  /** Overrides the configured time limit for this tool (long jobs). */
  timeoutMs?: number;
  handler(input: z.infer<I>, ctx: ToolContext<D>): Promise<unknown>;
}

/** A tool as data; every string of its input gets a maximum length if it has none (bounded.ts). */
export function defineTool<I extends z.ZodObject<z.ZodRawShape>, D = unknown>(tool: Tool<I, D>): Tool<I, D> {
  return { ...tool, input: boundStrings(tool.input) };
}

/**
 * `defineTool` with a toolset's dependency type fixed, so each handler's `ctx.deps` is typed and its input
 * still inferred: `const tool = toolFor<JiraDeps>();` then `export const x = tool({ ... })`.
 */
export function toolFor<D>() {
  return <I extends z.ZodObject<z.ZodRawShape>>(tool: Tool<I, D>): Tool<I, D> => defineTool<I, D>(tool);
}

export interface ResourceContents {
  uri: string;
  mimeType?: string;
  text?: string;
  /** base64 */
  blob?: string;
}

export interface ResourceContext<D = unknown> extends HostServices {
  deps: D;
  signal: AbortSignal;
  caller: Caller;
}

export interface Resource<D = unknown> {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  read(ctx: ResourceContext<D>): Promise<ResourceContents[]>;
}

export interface ResourceTemplate<D = unknown> {
  /** RFC 6570 level-1 template, e.g. `github://repos/{owner}/{repo}/issues/{number}`. */
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  read(uri: string, vars: Record<string, string>, ctx: ResourceContext<D>): Promise<ResourceContents[]>;
  /** Completion of one template variable from a prefix. */
  complete?(variable: string, value: string, ctx: ResourceContext<D>): Promise<string[]>;
}

export interface PromptArgument {
  name: string;
  description?: string;
  required?: boolean;
}

export interface PromptMessage {
  role: "user" | "assistant";
  content: ContentBlock;
}

export interface Prompt<D = unknown> {
  name: string;
  title?: string;
  description?: string;
  arguments?: PromptArgument[];
  get(
    args: Record<string, string>,
    ctx: ResourceContext<D>,
  ): Promise<{ description?: string; messages: PromptMessage[] }>;
  complete?(argument: string, value: string, ctx: ResourceContext<D>): Promise<string[]>;
}

export interface Toolset<D = unknown> {
  name: string;
  description: string;
  tools: Tool<z.ZodObject<z.ZodRawShape>, D>[];
  resources?: Resource<D>[];
  resourceTemplates?: ResourceTemplate<D>[];
  prompts?: Prompt<D>[];
  /** Why the toolset cannot be served with this configuration (e.g. no credentials); undefined when it can. */
  unavailable?(config: Readonly<Config>): string | undefined;
  /** Builds the toolset's long-lived dependencies once per host. */
  init?(services: HostServices): Promise<D> | D;
  /** Releases what init() built. */
  close?(deps: D): Promise<void> | void;
}

export function defineToolset<D>(toolset: Toolset<D>): Toolset<D> {
  return toolset;
}

/**
 * Annotation presets, the one place they are defined: each names a combination of the four hints. LOCAL
 * and the read presets without REMOTE touch only this server (its store, the workspace); REMOTE ones a
 * service outside it (GitHub, Jira, the web, ...).
 */
const hints = (readOnly: boolean, destructive: boolean, idempotent: boolean, openWorld: boolean) =>
  Object.freeze({
    readOnlyHint: readOnly,
    destructiveHint: destructive,
    idempotentHint: idempotent,
    openWorldHint: openWorld,
  }) as ToolAnnotations;

/** Reads this server's own data. */
export const READ_ONLY = hints(true, false, true, false);
/** Reads from a service outside this server. */
export const REMOTE_READ = hints(true, false, true, true);
/** Creates something here; twice makes two. */
export const LOCAL_WRITE = hints(false, false, false, false);
/** Creates something outside; twice makes two. */
export const REMOTE_WRITE = hints(false, false, false, true);
/** Changes something here to a given state; repeating it changes nothing more. */
export const LOCAL_UPDATE = hints(false, false, true, false);
/** Changes something outside to a given state; repeating it changes nothing more. */
export const REMOTE_UPDATE = hints(false, false, true, true);
/** Deletes or replaces something here; repeating it changes nothing more. */
export const LOCAL_OVERWRITE = hints(false, true, true, false);
/** Deletes or replaces something outside; repeating it changes nothing more. */
export const REMOTE_OVERWRITE = hints(false, true, true, true);
/** Deletes or replaces something outside, and repeating it does it again (a merge, a force push). */
export const REMOTE_DESTRUCTIVE = hints(false, true, false, true);
