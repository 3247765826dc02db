/**
 * Serving an organisation (journey 6): bearer JWTs from an identity provider (a JWKS served on loopback,
 * RS256), read tools for readers and write tools for maintainers, rate limits per role, and an audit log
 * readable with `repowright audit`. Through the official SDK client over Streamable HTTP.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { runCli } from "../../src/cli/program.js";
import { loadConfig } from "../../src/core/config.js";
import { AUDIT_NS, type AuditRecord, createAuthenticator, readAudit } from "../../src/mcp/auth.js";
import { type HttpServer, serveHttp } from "../../src/mcp/http.js";
import { memoryToolset } from "../../src/toolsets/memory/index.js";
import { parseResult } from "../helpers/app.js";
import { startHttpServe, tempHome } from "./serve-process.js";

type Obj = Record<string, unknown>;
type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
const ISSUER = "https://id.example.test/";
const AUDIENCE = "repowright";
const GITHUB_TOKEN_SHAPED = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

describe("HTTP with REPOWRIGHT_AUTH=jwt", () => {
  let idp: Server;
  let privateKey: SigningKey;
  let otherKey: SigningKey;
  let app: App;
  let http: HttpServer;
  let home: string;
  let env: Record<string, string>;

  const token = (sub: string, roles: string[], options: { audience?: string; key?: SigningKey } = {}) =>
    new SignJWT({ realm_access: { roles } })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setSubject(sub)
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(options.key ?? privateKey);

  const connect = async (jwt: string) => {
    const client = new Client({ name: "auth-test", version: "0" });
    const transport = new StreamableHTTPClientTransport(new URL(http.url), {
      requestInit: { headers: { authorization: `Bearer ${jwt}` } },
    });
    await client.connect(transport);
    return { client, transport };
  };
  const post = (headers: Record<string, string>) =>
    fetch(http.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "raw", version: "0" },
        },
      }),
    });

  beforeAll(async () => {
    const pair = await generateKeyPair("RS256");
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair("RS256")).privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    idp = createServer((req, res) => {
      res.writeHead(req.url === "/.well-known/jwks.json" ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((ok) => idp.listen(0, "127.0.0.1", ok));
    home = tempHome();
    env = {
      REPOWRIGHT_HOME: home,
      REPOWRIGHT_LOG_LEVEL: "silent",
      REPOWRIGHT_AUTH: "jwt",
      REPOWRIGHT_AUTH_JWKS_URL: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`,
      REPOWRIGHT_AUTH_ISSUER: ISSUER,
      REPOWRIGHT_AUTH_AUDIENCE: AUDIENCE,
      REPOWRIGHT_AUTH_ROLES_CLAIM: "realm_access.roles",
      REPOWRIGHT_RATE_LIMITS: "reader=5,maintainer=1000",
    };
    app = await createApp({ env, toolsets: [memoryToolset] });
    http = await serveHttp(app.host, {
      host: "127.0.0.1",
      port: 0,
      stateless: false,
      allowedHosts: [],
      authenticator: createAuthenticator(app.config.auth),
      authorizationServers: [ISSUER],
    });
  });
  afterAll(async () => {
    await http?.close();
    await app?.close();
    await new Promise<void>((ok) => idp?.close(() => ok()));
  });

  it("turns away a request without a valid token with 401 and says why", async () => {
    const none = await post({});
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer realm="repowright", error="invalid_token"/);
    // MCP clients discover where to get a token from the protected resource metadata (RFC 9728).
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(none.headers.get("www-authenticate") ?? "")?.[1];
    expect(metadataUrl).toBe(`${new URL(http.url).origin}/.well-known/oauth-protected-resource`);
    expect(await (await fetch(metadataUrl!)).json()).toEqual({
      resource: http.url,
      authorization_servers: [ISSUER],
      bearer_methods_supported: ["header"],
      resource_name: "repowright",
    });
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(
      /missing bearer token/,
    );

    const cases: [string, RegExp][] = [
      [await token("ada", ["reader"], { audience: "someone-else" }), /claim aud/],
      [await token("ada", ["reader"], { key: otherKey }), /signature does not verify/],
      [
        await new SignJWT({})
          .setProtectedHeader({ alg: "RS256", kid: "k1" })
          .setSubject("ada")
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
          .sign(privateKey),
        /expired/,
      ],
      ["not-a-jwt", /not a valid JWT/],
      [
        await new SignJWT({})
          .setProtectedHeader({ alg: "RS256", kid: "k1" })
          .setSubject("ada")
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .sign(privateKey),
        /claim exp/,
      ],
    ];
    for (const [jwt, reason] of cases) {
      const res = await post({ authorization: `Bearer ${jwt}` });
      expect(res.status).toBe(401);
      const message = ((await res.json()) as { error: { message: string } }).error.message;
      expect(message).toMatch(reason);
      expect(message).not.toContain(jwt);
    }
  });

  it("shows readers only the read tools, refuses them a write, and lets maintainers write", async () => {
    const reader = await connect(await token("ada", ["reader"]));
    const names = (await reader.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain("cache_get");
    expect(names).not.toContain("cache_set");
    const refused = await reader.client.callTool({
      name: "cache_set",
      arguments: { namespace: "team", key: "k", value: 1 },
    });
    expect(refused.isError).toBe(true);
    expect(parseResult(refused)).toMatchObject({ type: "forbidden", status_code: 403 });
    expect((parseResult(refused) as Obj)["error"]).toMatch(/maintainer, admin/);

    const maintainer = await connect(await token("grace", ["maintainer"]));
    expect((await maintainer.client.listTools()).tools.map((t) => t.name)).toContain("cache_set");
    const written = await maintainer.client.callTool({
      name: "cache_set",
      arguments: { namespace: "team", key: "k", value: { token: GITHUB_TOKEN_SHAPED } },
    });
    expect(written.isError).toBeFalsy();
    const read = await reader.client.callTool({
      name: "cache_get",
      arguments: { namespace: "team", key: "k" },
    });
    expect(parseResult(read)).toMatchObject({ found: true });

    // A session belongs to whoever opened it: another caller's token cannot use it.
    const hijack = await fetch(http.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": reader.transport.sessionId!,
        "mcp-protocol-version": "2025-06-18",
        authorization: `Bearer ${await token("mallory", ["maintainer"])}`,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" }),
    });
    expect(hijack.status).toBe(403);
    await reader.client.close();
    await maintainer.client.close();
  });

  it("limits calls per minute by role, with the seconds to wait", async () => {
    const reader = await connect(await token("linus", ["reader"]));
    const results: Obj[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await reader.client.callTool({
        name: "cache_get",
        arguments: { namespace: "team", key: "k" },
      });
      results.push({ isError: r.isError === true, ...(parseResult(r) as Obj) });
    }
    expect(results.slice(0, 5).every((r) => r["isError"] === false)).toBe(true);
    expect(results[5]).toMatchObject({ isError: true, type: "rate_limited", status_code: 429 });
    expect(results[5]!["retry_after_s"]).toBeGreaterThanOrEqual(1);
    expect(results[5]!["retry_after_s"]).toBeLessThanOrEqual(60);
    // A maintainer has a budget of its own.
    const maintainer = await connect(await token("grace", ["maintainer"]));
    const ok = await maintainer.client.callTool({
      name: "cache_get",
      arguments: { namespace: "team", key: "k" },
    });
    expect(ok.isError).toBeFalsy();
    await reader.client.close();
    await maintainer.client.close();
  });

  it("records every call in the audit log, secrets redacted, readable with `repowright audit`", async () => {
    const records = await readAudit(app.store, { since: new Date(Date.now() - 3600_000), limit: 1000 });
    const summary = records.map((r) => `${r.caller}:${r.tool}:${r.outcome}`);
    expect(summary).toContain("ada:cache_set:forbidden");
    expect(summary).toContain("grace:cache_set:ok");
    expect(summary).toContain("linus:cache_get:rate_limited");
    const write = records.find((r) => r.caller === "grace" && r.tool === "cache_set") as AuditRecord;
    expect(write).toMatchObject({ roles: ["maintainer"], transport: "http" });
    expect(write.session).toEqual(expect.any(String));
    expect(write.args).toContain("[REDACTED]");
    expect(JSON.stringify(records)).not.toContain(GITHUB_TOKEN_SHAPED);
    expect(records.map((r) => r.at)).toEqual([...records.map((r) => r.at)].sort());

    const stdout = new PassThrough();
    let printed = "";
    stdout.on("data", (d) => {
      printed += d;
    });
    const code = await runCli(
      ["node", "repowright", "audit", "--caller", "linus", "--outcome", "rate_limited", "--json"],
      {
        stdout,
        stderr: new PassThrough(),
        env,
      },
    );
    expect(code).toBe(0);
    const lines = printed
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as AuditRecord);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ caller: "linus", tool: "cache_get", outcome: "rate_limited" });
    // Records expire with the retention period.
    const keys = await app.store.scan(AUDIT_NS, { limit: 10 });
    const ttl = await app.store.ttl(AUDIT_NS, keys.keys[0]!);
    expect(ttl).toMatchObject({ state: "expiring" });
  });
});

describe("repowright serve --transport http with REPOWRIGHT_AUTH=jwt (HS256 secret)", () => {
  it("needs a signed token on every request, and warns when it serves a non-loopback address without one", async () => {
    const secret = "an-hs256-secret-of-at-least-32-characters";
    const serve = await startHttpServe(["--toolsets", "memory"], {
      REPOWRIGHT_AUTH: "jwt",
      REPOWRIGHT_AUTH_JWT_SECRET: secret,
    });
    try {
      const anonymous = await fetch(serve.url, { method: "POST", body: "{}" });
      expect(anonymous.status).toBe(401);
      const jwt = await new SignJWT({ roles: "reader" })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("ci-bot")
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode(secret));
      const client = new Client({ name: "auth-e2e", version: "0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(serve.url), {
          requestInit: { headers: { authorization: `Bearer ${jwt}` } },
        }),
      );
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain("cache_get");
      expect(names).not.toContain("cache_set");
      await client.close();
      expect(serve.stderr()).not.toContain("without authentication");
      expect(serve.stderr()).not.toContain(secret);
    } finally {
      await serve.stop();
    }
    const open = await startHttpServe(["--toolsets", "memory", "--host", "0.0.0.0"]);
    try {
      await expect.poll(() => open.stderr()).toContain("without authentication");
    } finally {
      await open.stop();
    }
  }, 60_000);
});

describe("auth configuration", () => {
  it("refuses REPOWRIGHT_AUTH=jwt without a way to verify tokens, naming the variables", () => {
    expect(() => loadConfig({ env: { REPOWRIGHT_AUTH: "jwt" } })).toThrow(
      /REPOWRIGHT_AUTH=jwt needs exactly one of REPOWRIGHT_AUTH_JWKS_URL, REPOWRIGHT_AUTH_JWT_SECRET or REPOWRIGHT_AUTH_JWT_PUBLIC_KEY/,
    );
    expect(() =>
      loadConfig({ env: { REPOWRIGHT_AUTH: "jwt", REPOWRIGHT_AUTH_JWT_SECRET: "short" } }),
    ).toThrow(/REPOWRIGHT_AUTH_JWT_SECRET: use at least 32 characters/);
    expect(() => loadConfig({ env: { REPOWRIGHT_RATE_LIMITS: "reader=lots" } })).toThrow(
      /REPOWRIGHT_RATE_LIMITS: "reader=lots" is not role=calls-per-minute/,
    );
  });
});
