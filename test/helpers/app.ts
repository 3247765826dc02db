/**
 * Test helpers: a real host with real toolsets on a throwaway data dir, and a real MCP SDK client
 * connected to it over an in-memory transport. The app's network edges reach only loopback unless the
 * test brings its own (test/helpers/loopback.ts): the model clients' fetch, the GitHub, Jira and Frappe
 * clients' fetch and the web client's lookup and dial, so a default base URL (api.github.com, api.anthropic.com, ...) or a
 * broken guard cannot send a packet off the machine.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { type App, type CreateAppOptions, createApp } from "../../src/app.js";
import { defaultClientFactories } from "../../src/clients.js";
import type { Host } from "../../src/mcp/host.js";
import { createSessionServer } from "../../src/mcp/server.js";
import { loopbackFetch, loopbackWebNetwork } from "./loopback.js";

export interface TestApp extends App {
  home: string;
  client: Client;
  /** Calls a tool and returns the parsed JSON of its first text block, plus isError. */
  call(name: string, args?: Record<string, unknown>): Promise<{ isError: boolean; data: unknown }>;
}

export async function startTestApp(options: CreateAppOptions = {}): Promise<TestApp> {
  const home = mkdtempSync(join(tmpdir(), "rw-test-"));
  const github = options.clientFactories?.github ?? defaultClientFactories.github;
  const frappe = options.clientFactories?.frappe ?? defaultClientFactories.frappe;
  const jira = options.clientFactories?.jira ?? defaultClientFactories.jira;
  const app = await createApp({
    ...options,
    modelFetch: options.modelFetch ?? loopbackFetch,
    webNetwork: options.webNetwork ?? loopbackWebNetwork,
    clientFactories: {
      ...options.clientFactories,
      // A test's own fetch (given in the options it passes on) wins over this one.
      github: (o) => github({ fetch: loopbackFetch, ...o }),
      frappe: (o) => frappe({ fetch: loopbackFetch, ...o }),
      jira: (o) => jira({ fetch: loopbackFetch, ...o }),
    },
    // Tests build their repositories in the temp dir: that is the workspace unless a test says otherwise.
    env: {
      REPOWRIGHT_HOME: home,
      REPOWRIGHT_LOG_LEVEL: "silent",
      REPOWRIGHT_WORKSPACE_ROOTS: tmpdir(),
      ...options.env,
    },
  });
  const { client, server } = await connectSession(app.host);
  return {
    ...app,
    home,
    client,
    async call(name, args = {}) {
      const result = await client.callTool({ name, arguments: args });
      return { isError: result.isError === true, data: parseResult(result) };
    },
    async close() {
      await client.close();
      await server.close();
      await app.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** One more MCP session on a host: its SDK server and a real SDK client connected in memory. */
export async function connectSession(host: Host): Promise<{ client: Client; server: Server }> {
  const server = createSessionServer(host, {
    caller: { id: "test", roles: ["admin"], transport: "in-process" },
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: "repowright-test", version: "0.0.0" });
  await client.connect(clientTransport);
  return { client, server };
}

export function parseResult(result: unknown): unknown {
  const r = result as { structuredContent?: unknown; content?: { type: string; text?: string }[] };
  const text = r.content?.find((c) => c.type === "text")?.text;
  if (text === undefined) return r.structuredContent;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
