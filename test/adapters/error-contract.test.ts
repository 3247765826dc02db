/**
 * The error contract has one source (ERROR_CONTRACT in src/core/errors.ts): every error type, rendered by
 * MCP (an isError result over the SDK client), REST (status and body) and the CLI (stdout and exit code).
 */
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { ERROR_CONTRACT, ERROR_TYPES } from "../../src/core/errors.js";
import { restRoutes } from "../../src/gateway/rest.js";
import { type HttpServer, serveHttp } from "../../src/mcp/http.js";
import failing from "../fixtures/plugins/failing.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

const PLUGIN = join(import.meta.dirname, "../fixtures/plugins/failing.ts");

async function cli(home: string, ...args: string[]) {
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (d) => {
    out += d;
  });
  const code = await runCli(["node", "repowright", ...args], {
    stdout,
    stderr: new PassThrough(),
    env: { REPOWRIGHT_HOME: home, REPOWRIGHT_LOG_LEVEL: "silent", HOME: home },
  });
  return { code, out };
}

describe("the error contract, rendered by every transport", () => {
  let app: TestApp;
  let http: HttpServer;
  beforeAll(async () => {
    app = await startTestApp({ toolsets: [failing] });
    http = await serveHttp(app.host, {
      host: "127.0.0.1",
      port: 0,
      stateless: true,
      allowedHosts: [],
      routes: [restRoutes(app.host)],
    });
  });
  afterAll(async () => {
    await http?.close();
    await app?.close();
  });

  it.each(ERROR_TYPES)("%s", async (type) => {
    const rule = ERROR_CONTRACT[type];
    const expected =
      type === "internal"
        ? { type, error: "internal error; the server log has the details" }
        : { type, error: `failed with ${type}`, ...(type === "rate_limited" ? { retry_after_s: 7 } : {}) };

    const mcp = await app.client.callTool({ name: "fail_with", arguments: { type } });
    expect(mcp.isError).toBe(true);
    expect(JSON.parse((mcp.content as { text: string }[])[0]!.text)).toEqual(expected);

    const rest = await fetch(`${http.url.replace(/\/mcp$/, "")}/api/v1/tools/fail_with`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type }),
    });
    expect(rest.status).toBe(rule.http);
    expect(await rest.json()).toEqual(expected);
    if (type === "rate_limited") expect(rest.headers.get("retry-after")).toBe("7");

    const run = await cli(app.home, "call", "fail_with", JSON.stringify({ type }), "--plugin", PLUGIN);
    expect(run.code).toBe(rule.exit);
    expect(JSON.parse(run.out)).toEqual(expected);
  });
});
