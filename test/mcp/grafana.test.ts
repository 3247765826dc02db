/**
 * The Grafana dashboard in docs/grafana queries only metrics the server really exports: scraped from a
 * live `/metrics` after calls that succeed, fail validation and are refused by authentication.
 */
import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SignJWT } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { createAuthenticator } from "../../src/mcp/auth.js";
import { serveHttp } from "../../src/mcp/http.js";
import { memoryToolset } from "../../src/toolsets/memory/index.js";
import { tempHome } from "./serve-process.js";

const SECRET = "a-dashboard-test-secret-of-32-characters-or-more";

describe("docs/grafana/repowright.json", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it("uses only metrics that /metrics exports, and they move with the traffic", async () => {
    const dashboard = JSON.parse(
      readFileSync(new URL("../../docs/grafana/repowright.json", import.meta.url), "utf8"),
    ) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const app = await createApp({
      env: {
        REPOWRIGHT_HOME: tempHome(),
        REPOWRIGHT_LOG_LEVEL: "silent",
        REPOWRIGHT_AUTH: "jwt",
        REPOWRIGHT_AUTH_JWT_SECRET: SECRET,
      },
      toolsets: [memoryToolset],
    });
    cleanups.push(() => app.close());
    const http = await serveHttp(app.host, {
      host: "127.0.0.1",
      port: 0,
      stateless: false,
      allowedHosts: [],
      authenticator: createAuthenticator(app.config.auth),
    });
    cleanups.push(() => http.close());

    const jwt = await new SignJWT({ roles: ["maintainer"] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("ops")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(SECRET));
    const client = new Client({ name: "grafana-test", version: "0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(http.url), {
        requestInit: { headers: { authorization: `Bearer ${jwt}` } },
      }),
    );
    cleanups.push(() => client.close());
    await client.callTool({ name: "cache_set", arguments: { key: "a", value: 1 } });
    await client.callTool({ name: "cache_get", arguments: { key: 42 } });
    expect((await fetch(http.url, { method: "POST", body: "{}" })).status).toBe(401);

    const text = await (await fetch(http.url.replace(/\/mcp$/, "/metrics"))).text();
    const exported = new Set([...text.matchAll(/^([a-z_:][a-z0-9_:]*)(?:\{| )/gm)].map((m) => m[1]!));
    const queried = new Set(
      dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/repowright_[a-z0-9_]+/g) ?? [])),
    );
    expect(queried.size).toBeGreaterThan(6);
    expect([...queried].filter((m) => !exported.has(m))).toEqual([]);

    expect(text).toMatch(/^repowright_tool_calls_total\{tool="cache_set",outcome="ok"\} 1$/m);
    expect(text).toMatch(/^repowright_tool_calls_total\{tool="cache_get",outcome="validation"\} 1$/m);
    expect(text).toMatch(/^repowright_http_auth_failures_total\{status="401"\} 1$/m);
    expect(text).toMatch(/^repowright_http_sessions 1$/m);
  });
});
