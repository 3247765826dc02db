/**
 * The REST gateway: tools over plain HTTP for scripts, through the same pipeline and auth as MCP. Against
 * `repowright serve --transport http` as a user starts it, and in-process with JWT roles and limits.
 */
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { restRoutes } from "../../src/gateway/rest.js";
import { createAuthenticator, readAudit } from "../../src/mcp/auth.js";
import { type HttpServer, serveHttp } from "../../src/mcp/http.js";
import { memoryToolset } from "../../src/toolsets/memory/index.js";
import { type ServeProcess, startHttpServe, tempHome } from "../mcp/serve-process.js";

type Obj = Record<string, unknown>;

describe("REST gateway on `repowright serve --transport http`", () => {
  let serve: ServeProcess;
  let api: string;
  const post = (tool: string, body: unknown) =>
    fetch(`${api}/tools/${tool}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  beforeAll(async () => {
    serve = await startHttpServe(["--toolsets", "memory,goals"]);
    api = `${serve.base}/api/v1`;
  });
  afterAll(async () => {
    await serve?.stop();
  });

  it("lists the tools with their schemas and describes them as OpenAPI", async () => {
    const list = (await (await fetch(`${api}/tools`)).json()) as { tools: Obj[] };
    const names = list.tools.map((t) => t["name"]);
    expect(names).toEqual(expect.arrayContaining(["cache_set", "cache_get", "create_goal"]));
    expect(list.tools.find((t) => t["name"] === "cache_set")).toMatchObject({
      toolset: "memory",
      input_schema: { type: "object", required: expect.arrayContaining(["key"]) },
    });
    const doc = (await (await fetch(`${api}/openapi.json`)).json()) as Obj;
    expect(doc["openapi"]).toBe("3.1.0");
    const paths = doc["paths"] as Record<string, Obj>;
    expect(Object.keys(paths)).toHaveLength(names.length);
    expect(paths["/api/v1/tools/cache_get"]).toMatchObject({
      post: { operationId: "cache_get", tags: ["memory"] },
    });
    expect(serve.stdout()).toContain(`REST: ${api}/tools`);
  });

  it("calls tools with JSON in, JSON out, and errors as HTTP statuses with the error shape", async () => {
    const set = await post("cache_set", { namespace: "rest", key: "k", value: { n: 1 } });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ key: "k", written: true });
    const get = await post("cache_get", { namespace: "rest", key: "k" });
    expect(await get.json()).toEqual({ key: "k", found: true, value: { n: 1 } });

    const bad = await post("cache_get", { namespace: "rest", key: 42 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: "validation", error: expect.stringContaining("key") });
    const missing = await post("get_goal", { goal_id: "GOAL-9999" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ type: "not_found" });
    expect((await post("no_such_tool", {})).status).toBe(404);
    expect((await post("cache_get", "{not json")).status).toBe(400);
    expect((await fetch(`${api}/tools/cache_get`)).status).toBe(405);
    // Still serving.
    expect((await post("cache_exists", { namespace: "rest", keys: ["k"] })).status).toBe(200);
  });
});

describe("REST gateway with REPOWRIGHT_AUTH=jwt", () => {
  const SECRET = "a-rest-gateway-test-secret-of-32-characters";
  let http: HttpServer;
  let app: Awaited<ReturnType<typeof createApp>>;
  const token = (sub: string, roles: string[]) =>
    new SignJWT({ roles })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(sub)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(SECRET));
  const call = async (jwt: string | undefined, tool: string, body: Obj) =>
    fetch(`${http.url.replace(/\/mcp$/, "")}/api/v1/tools/${tool}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(jwt ? { authorization: `Bearer ${jwt}` } : {}) },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    app = await createApp({
      env: {
        REPOWRIGHT_HOME: tempHome(),
        REPOWRIGHT_LOG_LEVEL: "silent",
        REPOWRIGHT_AUTH: "jwt",
        REPOWRIGHT_AUTH_JWT_SECRET: SECRET,
        REPOWRIGHT_RATE_LIMITS: "reader=2",
      },
      toolsets: [memoryToolset],
    });
    const authenticator = createAuthenticator(app.config.auth);
    http = await serveHttp(app.host, {
      host: "127.0.0.1",
      port: 0,
      stateless: false,
      allowedHosts: [],
      authenticator,
      routes: [restRoutes(app.host, { authenticator })],
    });
  });
  afterAll(async () => {
    await http?.close();
    await app?.close();
  });

  it("needs a token, applies roles and rate limits, and audits the calls", async () => {
    const anonymous = await call(undefined, "cache_get", { key: "k" });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer /);

    const maintainer = await token("grace", ["maintainer"]);
    expect((await call(maintainer, "cache_set", { key: "k", value: 1 })).status).toBe(200);

    const reader = await token("ada", ["reader"]);
    const refused = await call(reader, "cache_set", { key: "k", value: 2 });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ type: "forbidden" });
    // The refused write counted: one more read fits, the next is limited with Retry-After.
    expect((await call(reader, "cache_get", { key: "k" })).status).toBe(200);
    const limited = await call(reader, "cache_get", { key: "k" });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

    const listed = (await (
      await fetch(`${http.url.replace(/\/mcp$/, "")}/api/v1/tools`, {
        headers: { authorization: `Bearer ${reader}` },
      })
    ).json()) as { tools: Obj[] };
    expect(listed.tools.map((t) => t["name"])).not.toContain("cache_set");

    const audit = await readAudit(app.store, { since: new Date(Date.now() - 60_000), limit: 100 });
    expect(audit.map((r) => `${r.caller}:${r.tool}:${r.outcome}`)).toEqual([
      "grace:cache_set:ok",
      "ada:cache_set:forbidden",
      "ada:cache_get:ok",
      "ada:cache_get:rate_limited",
    ]);
  });
});
