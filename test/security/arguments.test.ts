/**
 * Arguments that are not a plain JSON object (an array, a number, an object with a `constructor` or
 * `__proto__` key) get the structured validation error every other bad input gets, over MCP and REST —
 * not a JSON-RPC internal error with a raw schema dump — and the server keeps serving.
 */
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restRoutes } from "../../src/gateway/rest.js";
import { type HttpServer, serveHttp } from "../../src/mcp/http.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

describe("unusual tool arguments", () => {
  let app: TestApp;
  let http: HttpServer;
  beforeAll(async () => {
    app = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: "memory" } });
    http = await serveHttp(app.host, {
      host: "127.0.0.1",
      port: 0,
      stateless: false,
      allowedHosts: [],
      routes: [restRoutes(app.host, {})],
    });
  });
  afterAll(async () => {
    await http?.close();
    await app?.close();
  });

  const raw = (args: unknown) =>
    app.client.request(
      { method: "tools/call", params: { name: "cache_get", arguments: args as Record<string, unknown> } },
      CallToolResultSchema,
    );

  it("answers with a structured validation error over MCP", async () => {
    for (const args of [
      [1, 2],
      42,
      "k",
      JSON.parse('{"constructor": 1}'),
      JSON.parse('{"__proto__": {"x": 1}}'),
    ]) {
      const r = await raw(args);
      expect(r.isError, JSON.stringify(args)).toBe(true);
      const text = (r.content[0] as { text: string }).text;
      expect(JSON.parse(text)).toMatchObject({ type: "validation", error: expect.any(String) });
      expect(text.length).toBeLessThan(1000);
    }
    // An object with an extra `constructor` key next to valid ones is still a normal call.
    const ok = await raw(JSON.parse('{"key": "k", "constructor": 1}'));
    expect(ok.isError).toBeFalsy();
  });

  it("answers 400 with the error shape over REST", async () => {
    const base = http.url.replace(/\/mcp$/, "");
    for (const body of ["[1,2]", "42", '{"__proto__": {"x": 1}}']) {
      const res = await fetch(`${base}/api/v1/tools/cache_get`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(res.status, body).toBe(400);
      expect(await res.json()).toMatchObject({ type: "validation" });
    }
  });
});

describe("error messages quote inputs briefly", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: "code" } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("answers a 5 MB path with a short error, not the path twice", async () => {
    const path = `/${"a".repeat(5 * 1024 * 1024)}`;
    const r = await app.client.callTool({ name: "read_file_range", arguments: { path, file: "x" } });
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r).length).toBeLessThan(10_000);
    const big = await app.client.callTool({
      name: "index_status",
      arguments: { path: `/tmp/${"b".repeat(4000)}` },
    });
    expect(big.isError).toBe(true);
    const message = String((big.structuredContent as { error: string }).error);
    expect(message.length).toBeLessThan(2100);
    expect(message).toMatch(/more characters\)$/);
  });
});
