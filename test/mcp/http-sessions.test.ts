/**
 * Session life cycle of the Streamable HTTP host, in-process on port 0 (so that the idle limit can be
 * short): DELETE ends a session, an idle session is closed while one with an open stream is kept, and a
 * Last-Event-ID only replays events of its own session.
 */
import { rmSync } from "node:fs";
import { request } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { type HttpServer, serveHttp } from "../../src/mcp/http.js";
import { memoryToolset } from "../../src/toolsets/memory/index.js";
import { conformanceToolset } from "../conformance/fixtures.js";
import { tempHome } from "./serve-process.js";

const PROTOCOL = "2025-11-25";

/** POSTs a JSON-RPC message; resolves with the status, the session id and the SSE/JSON body. */
function post(url: string, body: unknown, sessionId?: string) {
  return new Promise<{ status: number; sessionId: string | undefined; body: string }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": PROTOCOL,
          ...(sessionId ? { "mcp-session-id": sessionId } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => {
          text += d;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            sessionId: res.headers["mcp-session-id"] as string | undefined,
            body: text,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

/** Opens a GET stream and resolves with its status as soon as the headers arrive, then hangs up. */
function getStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "GET", headers: { accept: "text/event-stream", ...headers } },
      (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      },
    );
    req.on("error", (e: NodeJS.ErrnoException) => (e.code === "ECONNRESET" ? undefined : reject(e)));
    req.end();
  });
}

async function initialize(url: string): Promise<string> {
  const res = await post(url, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: "raw", version: "0" } },
  });
  expect(res.status).toBe(200);
  await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, res.sessionId);
  return res.sessionId!;
}

const toolsList = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/list" });

describe("Streamable HTTP sessions", () => {
  let home: string;
  let app: App;
  let http: HttpServer;
  let shortLived: HttpServer;

  beforeAll(async () => {
    home = tempHome();
    app = await createApp({
      env: { REPOWRIGHT_HOME: home, REPOWRIGHT_LOG_LEVEL: "silent" },
      toolsets: [memoryToolset, conformanceToolset],
    });
    const options = { host: "127.0.0.1", port: 0, stateless: false, allowedHosts: [] };
    http = await serveHttp(app.host, options);
    shortLived = await serveHttp(app.host, { ...options, sessionIdleMs: 300 });
  });

  afterAll(async () => {
    await shortLived?.close();
    await http?.close();
    await app?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("ends a session on DELETE", async () => {
    const transport = new StreamableHTTPClientTransport(new URL(http.url));
    const client = new Client({ name: "t", version: "0" });
    await client.connect(transport);
    const id = transport.sessionId!;
    expect((await post(http.url, toolsList(1), id)).status).toBe(200);
    await transport.terminateSession();
    expect((await post(http.url, toolsList(2), id)).status).toBe(404);
    await client.close();
  });

  it("closes an idle session but keeps one whose client holds a stream open", async () => {
    const transport = new StreamableHTTPClientTransport(new URL(shortLived.url));
    const client = new Client({ name: "t", version: "0" });
    await client.connect(transport);
    await client.listTools(); // by now the client's standalone GET stream is open
    const idle = await initialize(shortLived.url);

    // Each probe is a request and so keeps the session alive: probe less often than the idle limit.
    await vi.waitFor(async () => expect((await post(shortLived.url, toolsList(3), idle)).status).toBe(404), {
      timeout: 20_000,
      interval: 1000,
    });
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(0);
    await client.close();
  });

  it("replays a Last-Event-ID only inside the session that produced it", async () => {
    const a = await initialize(http.url);
    const b = await initialize(http.url);
    const res = await post(http.url, toolsList(4), a);
    const eventId = /^id: (.+)$/m.exec(res.body)?.[1];
    expect(eventId).toBeTruthy();
    const base = { "mcp-protocol-version": PROTOCOL, "last-event-id": eventId! };
    expect(await getStatus(http.url, { ...base, "mcp-session-id": b })).toBe(400);
    expect(await getStatus(http.url, { ...base, "mcp-session-id": a })).toBe(200);
  });
});
