/**
 * Resources, prompts and completions go through the same guard as tools: over Streamable HTTP with JWT,
 * a token without a role reads nothing, a reader reads, and every read lands in the audit log.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { defaultClientFactories } from "../../src/clients.js";
import { createGithubEmulator, type GithubEmulator } from "../../src/emulators/github/server.js";
import { createAuthenticator, readAudit } from "../../src/mcp/auth.js";
import { type HttpServer, serveHttp } from "../../src/mcp/http.js";
import { loopbackFetch } from "../helpers/loopback.js";
import { tempHome } from "../mcp/serve-process.js";

const SECRET = "a-requests-guard-test-secret-of-32-chars";
const ISSUE = "github://repos/acme/api/issues/1";

describe("resources and prompts under the tool guard (HTTP + JWT)", () => {
  let emu: GithubEmulator;
  let app: App;
  let http: HttpServer;
  const clients: Client[] = [];

  const connect = async (sub: string, roles: string[]) => {
    const jwt = await new SignJWT({ roles })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(sub)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(SECRET));
    const client = new Client({ name: "guard-test", version: "0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(http.url), {
        requestInit: { headers: { authorization: `Bearer ${jwt}` } },
      }),
    );
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    emu = await createGithubEmulator();
    await emu.seed({
      repos: [{ owner: "acme", name: "api", files: { "README.md": "# api\n" }, issues: [{ title: "One" }] }],
    });
    app = await createApp({
      env: {
        REPOWRIGHT_HOME: tempHome(),
        REPOWRIGHT_LOG_LEVEL: "silent",
        REPOWRIGHT_AUTH: "jwt",
        REPOWRIGHT_AUTH_JWT_SECRET: SECRET,
        // Reading needs the reader role (the default, "*", lets any authenticated caller read).
        REPOWRIGHT_AUTH_READ_ROLES: "reader",
        REPOWRIGHT_TOOLSETS: "github,goals",
        GITHUB_TOKEN: "test-token",
        GITHUB_API_URL: emu.url,
      },
      // The GitHub client reaches only loopback, whatever its base URL.
      clientFactories: { github: (o) => defaultClientFactories.github({ ...o, fetch: loopbackFetch }) },
    });
    http = await serveHttp(app.host, {
      host: "127.0.0.1",
      port: 0,
      stateless: false,
      allowedHosts: [],
      authenticator: createAuthenticator(app.config.auth),
    });
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await http?.close();
    await app?.close();
    await emu?.close();
  });

  it("refuses a token without a role, serves a reader, and audits both", async () => {
    const nobody = await connect("nobody", []);
    const refused = await nobody.readResource({ uri: ISSUE }).then(
      () => undefined,
      (err: { data?: unknown }) => err.data,
    );
    expect(refused).toMatchObject({ type: "forbidden", error: expect.stringContaining("resources/read") });
    const prompt = await nobody.getPrompt({ name: "plan_goal", arguments: { goal: "x" } }).then(
      () => undefined,
      (err: { data?: unknown }) => err.data,
    );
    expect(prompt).toMatchObject({ type: "forbidden" });

    const reader = await connect("ada", ["reader"]);
    const read = await reader.readResource({ uri: ISSUE });
    expect(JSON.parse(String((read.contents[0] as { text?: string }).text))).toMatchObject({
      number: 1,
      title: "One",
    });
    const got = await reader.getPrompt({ name: "plan_goal", arguments: { goal: "Ship rate limiting" } });
    expect(JSON.stringify(got.messages)).toContain("Ship rate limiting");

    const audit = await readAudit(app.store, { since: new Date(Date.now() - 600_000), limit: 100 });
    const rows = audit.map((r) => ({ caller: r.caller, tool: r.tool, outcome: r.outcome, args: r.args }));
    expect(rows).toEqual(
      expect.arrayContaining([
        {
          caller: "nobody",
          tool: "resources/read",
          outcome: "forbidden",
          args: JSON.stringify({ uri: ISSUE }),
        },
        { caller: "nobody", tool: "prompts/get", outcome: "forbidden", args: expect.any(String) },
        { caller: "ada", tool: "resources/read", outcome: "ok", args: JSON.stringify({ uri: ISSUE }) },
        {
          caller: "ada",
          tool: "prompts/get",
          outcome: "ok",
          args: expect.stringContaining("Ship rate limiting"),
        },
      ]),
    );
  });
});
