/**
 * One SDK `Server` per MCP session, wired to the host. We use the low-level server rather than McpServer so
 * that validation and error mapping happen in our pipeline (structured errors in the DESIGN.md shape)
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
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { AppError } from "../core/errors.js";
import type { Host } from "./host.js";
import { toolInputSchema, toolOutputSchema } from "./schema.js";
import type { Caller, ClientBridge, LogLevel, ResourceContext } from "./tool.js";

export const SERVER_NAME = "repowright";
export const SERVER_VERSION = "0.1.0";

export interface SessionServerOptions {
  caller: Omit<Caller, "sessionId">;
  instructions?: string;
}

export function createSessionServer(host: Host, options: SessionServerOptions): Server {
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

  const callerOf = (sessionId: string | undefined): Caller => ({ ...options.caller, sessionId });
  const resourceCtx = (
    deps: unknown,
    signal: AbortSignal,
    sessionId: string | undefined,
  ): ResourceContext => ({
    ...host.services,
    deps,
    signal,
    caller: callerOf(sessionId),
  });

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [...host.tools.values()].map(({ tool }) => {
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
    const { name, arguments: args } = request.params;
    if (!host.tools.has(name)) {
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    }
    const progressToken = request.params._meta?.progressToken;
    const client: ClientBridge = {
      log: (level: LogLevel, data: unknown, logger?: string) =>
        server.sendLoggingMessage({ level, data, ...(logger ? { logger } : {}) }, extra.sessionId),
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
      if (err instanceof AppError && err.code === "unknown_tool")
        throw new McpError(ErrorCode.InvalidParams, err.message);
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
        return { contents: await fixed.item.read(resourceCtx(fixed.deps, extra.signal, extra.sessionId)) };
      }
      for (const t of host.resourceTemplates) {
        const vars = matchUriTemplate(t.item.uriTemplate, uri);
        if (vars) {
          return {
            contents: await t.item.read(uri, vars, resourceCtx(t.deps, extra.signal, extra.sessionId)),
          };
        }
      }
      throw new McpError(-32002, `Resource not found: ${uri}`, { uri });
    });
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
      return entry.item.get(args, resourceCtx(entry.deps, extra.signal, extra.sessionId));
    });
  }

  if (hasResources || hasPrompts) {
    server.setRequestHandler(CompleteRequestSchema, async (request, extra) => {
      const { ref, argument } = request.params;
      let values: string[] = [];
      if (ref.type === "ref/prompt") {
        const entry = host.prompts.get(ref.name);
        if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${ref.name}`);
        values =
          (await entry.item.complete?.(
            argument.name,
            argument.value,
            resourceCtx(entry.deps, extra.signal, extra.sessionId),
          )) ?? [];
      } else if (ref.type === "ref/resource") {
        const entry = host.resourceTemplates.find((t) => t.item.uriTemplate === ref.uri);
        if (entry) {
          values =
            (await entry.item.complete?.(
              argument.name,
              argument.value,
              resourceCtx(entry.deps, extra.signal, extra.sessionId),
            )) ?? [];
        }
      }
      return {
        completion: { values: values.slice(0, 100), total: values.length, hasMore: values.length > 100 },
      };
    });
  }

  return server;
}

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
