/**
 * `repowright serve --transport http`, started as a user starts it (`npx tsx src/cli/main.ts serve ...`),
 * with the official SDK client over Streamable HTTP, plus raw HTTP where the SDK client would hide what is
 * checked (Host/Origin validation, protocol misuse, stateless calls).
 */
import { type IncomingHttpHeaders, request } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  StreamableHTTPClientTransport,
  type StreamableHTTPClientTransportOptions,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LoggingMessageNotificationSchema, type Progress } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseResult } from "../helpers/app.js";
import {
  callsEveryMemoryTool,
  listsEveryMemoryTool,
  rejectsBadInputAndKeepsServing,
} from "./memory-calls.js";
import { FIXTURES_PLUGIN, runCli, type ServeProcess, startHttpServe } from "./serve-process.js";

const MAX_VALUE_BYTES = 256;

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with full control over the headers (fetch will not let a caller set Host). */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<RawResponse> {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? (body === undefined ? "GET" : "POST"),
        headers: {
          ...(body === undefined
            ? {}
            : { "content-type": "application/json", accept: "application/json, text/event-stream" }),
          ...options.headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** The JSON-RPC messages of an SSE body (or of a JSON body). */
function messagesOf(res: RawResponse): Record<string, unknown>[] {
  if (!String(res.headers["content-type"]).includes("text/event-stream")) return [JSON.parse(res.body)];
  return res.body
    .split("\n")
    .filter((l) => l.startsWith("data: ") && l.length > "data: ".length)
    .map((l) => JSON.parse(l.slice("data: ".length)) as Record<string, unknown>);
}

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
};

async function connect(url: string, options?: StreamableHTTPClientTransportOptions) {
  const transport = new StreamableHTTPClientTransport(new URL(url), options);
  const client = new Client({ name: "repowright-http-test", version: "0.0.0" });
  await client.connect(transport);
  return { client, transport };
}

describe("serve --transport http with the SDK client", () => {
  let served: ServeProcess;
  let client: Client;
  let transport: StreamableHTTPClientTransport;

  beforeAll(async () => {
    served = await startHttpServe(["--toolsets", "memory,conformance", "--plugin", FIXTURES_PLUGIN], {
      REPOWRIGHT_CACHE_MAX_VALUE_BYTES: String(MAX_VALUE_BYTES),
    });
    ({ client, transport } = await connect(served.url));
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await served?.stop();
  });

  it("prints its endpoint on loopback and starts a session", () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(served.stdout()).toMatch(/toolsets: memory, conformance/);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("lists every memory tool with its annotations", async () => {
    await listsEveryMemoryTool(client);
  });

  it("calls every memory tool", async () => {
    await callsEveryMemoryTool(client, "http-e2e");
  });

  it("answers bad input with structured errors and keeps serving", async () => {
    await rejectsBadInputAndKeepsServing(client, "http-bad", MAX_VALUE_BYTES);
  });

  it("serves /healthz, /readyz and /metrics, counting the calls by outcome", async () => {
    const health = await raw(`${served.base}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: "ok" });
    const ready = await raw(`${served.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: "ready", store: "sqlite" });

    await client.callTool({ name: "cache_set", arguments: { key: "m", value: 1 } });
    await client.callTool({ name: "cache_set", arguments: { key: 1 } });
    const metrics = await raw(`${served.base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers["content-type"]).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/^repowright_tool_calls_total\{tool="cache_set",outcome="ok"\} [1-9]/m);
    expect(metrics.body).toMatch(
      /^repowright_tool_calls_total\{tool="cache_set",outcome="validation"\} [1-9]/m,
    );
    expect(metrics.body).toMatch(/^repowright_tool_duration_seconds_count\{tool="cache_set"\} [1-9]/m);
  });

  it("refuses a foreign Host or Origin with 403 (DNS-rebinding protection)", async () => {
    const port = new URL(served.url).port;
    const evilHost = await raw(served.url, { body: INITIALIZE, headers: { host: "evil.example.com" } });
    expect(evilHost.status).toBe(403);
    const evilOrigin = await raw(served.url, {
      body: INITIALIZE,
      headers: { host: `127.0.0.1:${port}`, origin: "http://evil.example.com" },
    });
    expect(evilOrigin.status).toBe(403);
    expect((await raw(`${served.base}/metrics`, { headers: { host: "evil.example.com:80" } })).status).toBe(
      403,
    );
    const local = await raw(served.url, {
      body: INITIALIZE,
      headers: { host: `localhost:${port}`, origin: `http://localhost:${port}` },
    });
    expect(local.status).toBe(200);
    expect(local.headers["mcp-session-id"]).toBeTruthy();
  });

  it("answers protocol misuse with JSON-RPC errors and keeps serving", async () => {
    const notJson = await raw(served.url, {
      body: "{nope",
      headers: { "mcp-session-id": transport.sessionId! },
    });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body)).toMatchObject({ error: { code: -32700 } });
    const noSession = await raw(served.url, { body: { jsonrpc: "2.0", id: 9, method: "tools/list" } });
    expect(noSession.status).toBe(400);
    const unknownSession = await raw(served.url, {
      body: { jsonrpc: "2.0", id: 9, method: "tools/list" },
      headers: {
        "mcp-session-id": "00000000-0000-0000-0000-000000000000",
        "mcp-protocol-version": "2025-06-18",
      },
    });
    expect(unknownSession.status).toBe(404);
    expect((await raw(`${served.base}/nope`)).status).toBe(404);
    expect(parseResult(await client.callTool({ name: "cache_get", arguments: { key: "m" } }))).toMatchObject({
      found: true,
    });
  });

  it("streams progress notifications of a call", async () => {
    const updates: Progress[] = [];
    const result = await client.callTool({ name: "test_tool_with_progress", arguments: {} }, undefined, {
      onprogress: (p) => updates.push(p),
    });
    expect(result.isError).toBeFalsy();
    expect(updates.map((u) => u.progress)).toEqual([0, 50, 100]);
    expect(updates.every((u) => u.total === 100)).toBe(true);
  });

  it("sends log notifications at or above the level the client set", async () => {
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params.data);
    });
    await client.setLoggingLevel("warning");
    await client.callTool({ name: "test_tool_with_logging", arguments: {} });
    expect(logs).toEqual([]);
    await client.setLoggingLevel("info");
    await client.callTool({ name: "test_tool_with_logging", arguments: {} });
    expect(logs).toEqual(["Tool execution started", "Tool processing data", "Tool execution completed"]);
  });

  it("cancels the handler when the client cancels the call", async () => {
    const controller = new AbortController();
    const call = client.callTool({ name: "test_wait_for_cancel", arguments: { seconds: 60 } }, undefined, {
      signal: controller.signal,
      onprogress: () => controller.abort("changed my mind"),
    });
    await expect(call).rejects.toThrow();
    // The server hears notifications/cancelled, aborts the handler's signal, and counts the call as ended.
    await vi.waitFor(
      async () => {
        const metrics = (await raw(`${served.base}/metrics`)).body;
        expect(metrics).toMatch(
          /^repowright_tool_calls_total\{tool="test_wait_for_cancel",outcome="cancelled"\} 1/m,
        );
      },
      { timeout: 20_000, interval: 100 },
    );
  });

  it("resumes a call whose SSE stream the server closed, with Last-Event-ID (SEP-1699)", async () => {
    const seen: { method: string; lastEventId: string | null }[] = [];
    const recording: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      seen.push({ method: init?.method ?? "GET", lastEventId: headers.get("last-event-id") });
      return fetch(input, init);
    };
    const { client: resuming } = await connect(served.url, { fetch: recording });
    try {
      const result = await resuming.callTool({ name: "test_reconnection", arguments: {} });
      expect(result.isError).toBeFalsy();
      expect(parseResult(result)).toMatch(/Reconnection test completed successfully/);
      expect(seen.some((r) => r.method === "GET" && r.lastEventId !== null)).toBe(true);
    } finally {
      await resuming.close();
    }
  });
});

describe("serve --transport http --stateless", () => {
  let served: ServeProcess;

  beforeAll(async () => {
    served = await startHttpServe(["--toolsets", "memory", "--stateless"]);
  }, 120_000);

  afterAll(async () => {
    await served?.stop();
  });

  it("serves the SDK client without a session", async () => {
    const { client, transport } = await connect(served.url);
    try {
      expect(transport.sessionId).toBeUndefined();
      await client.callTool({ name: "cache_set", arguments: { key: "s", value: [1, 2] } });
      expect(parseResult(await client.callTool({ name: "cache_get", arguments: { key: "s" } }))).toEqual({
        key: "s",
        found: true,
        value: [1, 2],
      });
    } finally {
      await client.close();
    }
  });

  it("answers a lone tools/call without initialize or session id, and refuses GET", async () => {
    const res = await raw(served.url, {
      body: {
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "cache_get", arguments: { key: "s" } },
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers["mcp-session-id"]).toBeUndefined();
    const [answer] = messagesOf(res);
    expect(answer).toMatchObject({ id: 7, result: { structuredContent: { key: "s", found: true } } });
    expect((await raw(served.url, { headers: { accept: "text/event-stream" } })).status).toBe(405);
  });
});

describe("serve start-up", () => {
  it("fails on an unknown toolset, listing the valid ones", async () => {
    const { code, stdout, stderr } = await runCli([
      "serve",
      "--transport",
      "http",
      "--port",
      "0",
      "--toolsets",
      "nope",
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown toolset "nope"; valid toolsets: .*\bmemory\b.*, all/);
    expect(stdout).toBe("");
  }, 120_000);
});
