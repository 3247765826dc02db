/**
 * One SDK `Server` per MCP session, wired to the host. We use the low-level server rather than McpServer so
 * that validation and error mapping happen in our pipeline (structured errors in the error shape of docs/architecture.md)
 * instead of the SDK's plain-text ones.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { AppError, ERROR_CONTRACT } from "../core/errors.js";
import { SERVER_NAME, SERVER_VERSION } from "../version.js";
import type { Host } from "./host.js";
import { toolInputSchema, toolOutputSchema } from "./schema.js";
import { installResponseGuardFastPath } from "./sdk-fastpath.js";
import type { Caller, ClientBridge, LogLevel, ResourceContext } from "./tool.js";

export { SERVER_NAME, SERVER_VERSION };

export interface SessionServerOptions {
  caller: Omit<Caller, "sessionId">;
  instructions?: string;
}

/**
 * The SDK Server for one session. It owns `server.onclose` (to stop listening for resource updates);
 * callers that need to know about the end of a session set the transport's `onclose` before connecting.
 */
export function createSessionServer(host: Host, options: SessionServerOptions): Server {
  installResponseGuardFastPath();
  const hasResources = host.resources.size > 0 || host.resourceTemplates.length > 0;
  const hasPrompts = host.prompts.size > 0;
  const server = new Server(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: {
        tools: { listChanged: false },
        logging: {},
        ...(hasResources ? { resources: { subscribe: true, listChanged: false } } : {}),
        ...(hasPrompts ? { prompts: { listChanged: false } } : {}),
        ...(hasResources || hasPrompts ? { completions: {} } : {}),
      },
      instructions: options.instructions,
    },
  );
  const subscriptions = new Set<string>();
  const unusualArguments = holdUnusualArguments(server);
  // The level the client chose with logging/setLevel; until then every message is sent. One Server serves
  // one session, so this is per session.
  let minLevel: LogLevel | undefined;
  server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    minLevel = request.params.level;
    return {};
  });

  // One Server serves one session, so the caller is built once per session id, not once per call.
  let caller: Caller | undefined;
  const callerOf = (sessionId: string | undefined): Caller => {
    if (!caller || caller.sessionId !== sessionId) caller = { ...options.caller, sessionId };
    return caller;
  };
  /**
   * Resources, prompts and completions run through the host like tools — the guard (roles, rate limits),
   * time limit, redaction, metrics and audit — under the name of their request. They answer with protocol
   * errors, not tool results: the error contract's JSON-RPC code, with the error shape as `data`.
   */
  const guarded = async <T>(
    name: "resources/read" | "prompts/get" | "completion/complete",
    args: Record<string, unknown>,
    notFoundCode: number,
    extra: { signal: AbortSignal; sessionId?: string },
    work: (ctx: (deps: unknown) => ResourceContext) => Promise<T>,
  ): Promise<T> => {
    const caller = callerOf(extra.sessionId);
    const outcome = await host.request(
      { name, annotations: { readOnlyHint: true } },
      args,
      { caller, signal: extra.signal },
      (signal) => work((deps) => ({ ...host.services, deps, signal, caller })),
    );
    if (outcome.ok) return outcome.value as T;
    const payload = outcome.error;
    const code = payload.type === "not_found" ? notFoundCode : ERROR_CONTRACT[payload.type].jsonRpc;
    throw new McpError(code, payload.error, payload);
  };

  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => ({
    tools: [...host.tools.values()]
      .filter(({ tool }) => host.allows(tool.name, callerOf(extra.sessionId)))
      .map(({ tool }) => {
        const outputSchema = toolOutputSchema(tool);
        return {
          name: tool.name,
          title: tool.title,
          description: tool.description,
          inputSchema: toolInputSchema(tool) as { type: "object" },
          ...(outputSchema ? { outputSchema: outputSchema as { type: "object" } } : {}),
          annotations: { title: tool.title, ...tool.annotations },
        };
      }),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name } = request.params;
    const args = unusualArguments.take(extra.requestId, request.params.arguments);
    if (!host.tools.has(name)) throw unknownTool(name);
    const progressToken = request.params._meta?.progressToken;
    const client: ClientBridge = {
      // Sent as related to this request: over Streamable HTTP it then travels on the call's own SSE stream,
      // in order with its progress and result, instead of on the optional standalone GET stream.
      log: async (level: LogLevel, data: unknown, logger?: string) => {
        if (minLevel !== undefined && LOG_SEVERITY[level] < LOG_SEVERITY[minLevel]) return;
        await extra.sendNotification({
          method: "notifications/message",
          params: { level, data, ...(logger ? { logger } : {}) },
        });
      },
      createMessage: async (params) =>
        (await server.createMessage(params as Parameters<typeof server.createMessage>[0], {
          signal: extra.signal,
          relatedRequestId: extra.requestId,
        })) as unknown as Record<string, unknown>,
      elicit: async (params) =>
        (await server.elicitInput(params as Parameters<typeof server.elicitInput>[0], {
          signal: extra.signal,
          relatedRequestId: extra.requestId,
        })) as unknown as Record<string, unknown>,
      supports: (capability) =>
        Boolean((server.getClientCapabilities() as Record<string, unknown> | undefined)?.[capability]),
    };
    if (extra.closeSSEStream) client.closeSSEStream = extra.closeSSEStream;
    try {
      return await host.callTool(name, args ?? {}, {
        caller: callerOf(extra.sessionId),
        signal: extra.signal,
        client,
        progress: async (update) => {
          if (progressToken === undefined) return;
          await extra.sendNotification({
            method: "notifications/progress",
            params: { progressToken, ...update },
          });
        },
      });
    } catch (err) {
      if (err instanceof AppError && err.code === "unknown_tool") throw unknownTool(name);
      throw err;
    }
  });

  if (hasResources) {
    server.setRequestHandler(ListResourcesRequestSchema, async () => ({
      resources: [...host.resources.values()].map(({ item }) => ({
        uri: item.uri,
        name: item.name,
        ...(item.title ? { title: item.title } : {}),
        ...(item.description ? { description: item.description } : {}),
        ...(item.mimeType ? { mimeType: item.mimeType } : {}),
      })),
    }));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
      resourceTemplates: host.resourceTemplates.map(({ item }) => ({
        uriTemplate: item.uriTemplate,
        name: item.name,
        ...(item.title ? { title: item.title } : {}),
        ...(item.description ? { description: item.description } : {}),
        ...(item.mimeType ? { mimeType: item.mimeType } : {}),
      })),
    }));
    server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
      const { uri } = request.params;
      const fixed = host.resources.get(uri);
      if (fixed) {
        return {
          contents: await guarded("resources/read", { uri }, RESOURCE_NOT_FOUND, extra, (ctx) =>
            fixed.item.read(ctx(fixed.deps)),
          ),
        };
      }
      for (const t of host.resourceTemplates) {
        const vars = matchUriTemplate(t.item.uriTemplate, uri);
        if (vars) {
          return {
            contents: await guarded("resources/read", { uri }, RESOURCE_NOT_FOUND, extra, (ctx) =>
              t.item.read(uri, vars, ctx(t.deps)),
            ),
          };
        }
      }
      throw new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
    });
    // Updates reach this session only for the URIs it subscribed to; the listener goes with the session.
    const stopListening = host.onResourceUpdated((uri) => {
      if (!subscriptions.has(uri)) return;
      server.sendResourceUpdated({ uri }).catch((err: unknown) => {
        host.services.log.debug({ err, uri }, "resource update not sent");
      });
    });
    server.onclose = stopListening;
    server.setRequestHandler(SubscribeRequestSchema, async (request) => {
      subscriptions.add(request.params.uri);
      return {};
    });
    server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
      subscriptions.delete(request.params.uri);
      return {};
    });
  }

  if (hasPrompts) {
    server.setRequestHandler(ListPromptsRequestSchema, async () => ({
      prompts: [...host.prompts.values()].map(({ item }) => ({
        name: item.name,
        ...(item.title ? { title: item.title } : {}),
        ...(item.description ? { description: item.description } : {}),
        ...(item.arguments ? { arguments: item.arguments } : {}),
      })),
    }));
    server.setRequestHandler(GetPromptRequestSchema, async (request, extra) => {
      const entry = host.prompts.get(request.params.name);
      if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${request.params.name}`);
      const args = request.params.arguments ?? {};
      const missing = (entry.item.arguments ?? [])
        .filter((a) => a.required && !(a.name in args))
        .map((a) => a.name);
      if (missing.length > 0) {
        throw new McpError(ErrorCode.InvalidParams, `Missing required argument(s): ${missing.join(", ")}`);
      }
      return guarded(
        "prompts/get",
        { name: request.params.name, arguments: args },
        ErrorCode.InvalidParams,
        extra,
        (ctx) => entry.item.get(args, ctx(entry.deps)),
      );
    });
  }

  if (hasResources || hasPrompts) {
    server.setRequestHandler(CompleteRequestSchema, async (request, extra) => {
      const { ref, argument } = request.params;
      let entry:
        | {
            item: { complete?(name: string, value: string, ctx: ResourceContext): Promise<string[]> };
            deps: unknown;
          }
        | undefined;
      if (ref.type === "ref/prompt") {
        entry = host.prompts.get(ref.name);
        if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${ref.name}`);
      } else if (ref.type === "ref/resource") {
        entry = host.resourceTemplates.find((t) => t.item.uriTemplate === ref.uri);
      }
      const found = entry;
      const values = found?.item.complete
        ? ((await guarded<string[]>(
            "completion/complete",
            { ref, argument },
            ErrorCode.InvalidParams,
            extra,
            (ctx) => found.item.complete!(argument.name, argument.value, ctx(found.deps)),
          )) ?? [])
        : [];
      return {
        completion: { values: values.slice(0, 100), total: values.length, hasMore: values.length > 100 },
      };
    });
  }

  return server;
}

/**
 * An unknown tool is a protocol error (JSON-RPC -32602, as the MCP spec says), not a tool
 * result; its `data` still carries the error shape (docs/architecture.md, "Errors") so a caller can handle it like any other error.
 */
function unknownTool(name: string): McpError {
  const error = `unknown tool "${name}"; list the tools to see what this server offers`;
  return new McpError(ErrorCode.InvalidParams, error, { error, type: "not_found" });
}

/** The MCP spec's code for resources/read of an unknown URI. */
const RESOURCE_NOT_FOUND = -32002;

const LOG_SEVERITY: Record<LogLevel, number> = {
  debug: 0,
  info: 1,
  notice: 2,
  warning: 3,
  error: 4,
  critical: 5,
  alert: 6,
  emergency: 7,
};

/** Matches a level-1 RFC 6570 template (`{name}` segments) against a URI; returns the variables or null. */
export function matchUriTemplate(template: string, uri: string): Record<string, string> | null {
  const names: string[] = [];
  const pattern = template
    .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
    .replace(/\\?\{([A-Za-z0-9_]+)\\?\}|\{([A-Za-z0-9_]+)\}/g, (_m, a, b) => {
      names.push(a ?? b);
      return "([^/?#]+)";
    });
  const m = new RegExp(`^${pattern}$`).exec(uri);
  if (!m) return null;
  const vars: Record<string, string> = {};
  names.forEach((n, i) => {
    vars[n] = decodeURIComponent(m[i + 1]!);
  });
  return vars;
}

/**
 * The SDK validates `tools/call` against its own schema before any handler runs, and answers arguments
 * that are not a string-keyed record (an array, a number, an object with a `constructor` or `__proto__`
 * key) with JSON-RPC -32603 and a raw zod dump. Such arguments are taken out of the message before the
 * SDK sees it and handed to the tool pipeline instead, which answers with our structured validation error
 * (and counts and audits the call like any other).
 */
function holdUnusualArguments(server: Server) {
  const held = new Map<string | number, unknown>();
  const connect = server.connect.bind(server);
  server.connect = async (transport) => {
    await connect(transport);
    const inner = transport.onmessage;
    if (!inner) return;
    transport.onmessage = (message, extra) => {
      const m = message as { method?: unknown; id?: unknown; params?: { arguments?: unknown } };
      if (
        m.method === "tools/call" &&
        (typeof m.id === "string" || typeof m.id === "number") &&
        m.params &&
        typeof m.params === "object" &&
        "arguments" in m.params &&
        isUnusual(m.params.arguments)
      ) {
        if (held.size > 1000) held.clear();
        held.set(m.id, m.params.arguments);
        delete m.params.arguments;
      }
      inner.call(transport, message, extra);
    };
  };
  return {
    take(id: string | number, parsed: unknown): unknown {
      if (!held.has(id)) return parsed ?? {};
      const raw = held.get(id);
      held.delete(id);
      return raw;
    },
  };
}

function isUnusual(args: unknown): boolean {
  if (args === undefined) return false;
  if (args === null || typeof args !== "object" || Array.isArray(args)) return true;
  return (
    Object.hasOwn(args, "constructor") || Object.hasOwn(args, "__proto__") || Object.hasOwn(args, "prototype")
  );
}
