#!/usr/bin/env node
/**
 * Smoke test of the BUILT command line (dist/), as the README tells users to run it: the version, the
 * tool list (checked against the built toolsets), and an MCP session over stdio that lists the tools and sets and reads a cache key. .ci/run
 * runs it after the test suite; it exits non-zero with a one-line reason when anything is off.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist/cli/main.js");
const home = mkdtempSync(join(tmpdir(), "rw-smoke-"));
const env = { PATH: process.env.PATH ?? "", HOME: home, REPOWRIGHT_HOME: home, REPOWRIGHT_LOG_LEVEL: "warn" };
const fail = (why) => {
  process.stderr.write(`smoke: FAILED: ${why}\n`);
  rmSync(home, { recursive: true, force: true });
  process.exit(1);
};

try {
  const version = execFileSync(process.execPath, [cli, "--version"], { env, encoding: "utf8" }).trim();
  if (!/^\d+\.\d+\.\d+/.test(version)) fail(`--version printed ${JSON.stringify(version)}`);
  const listed = JSON.parse(
    execFileSync(process.execPath, [cli, "tools", "--json"], { env, encoding: "utf8" }),
  );
  const names = (Array.isArray(listed) ? listed : (listed.tools ?? [])).map((t) => t.name);
  if (!names.includes("cache_set")) fail("`tools --json` does not list cache_set");
  // The listing comes from dist/tool-manifest.json: it must be what the built toolsets define.
  const { allToolsets } = await import("../dist/toolsets/index.js");
  const defined = allToolsets().flatMap((ts) => ts.tools.map((t) => t.name));
  if (JSON.stringify(defined) !== JSON.stringify(names))
    fail("`tools --json` (the build's tool manifest) differs from the built toolsets; run npm run build");

  const client = new Client({ name: "smoke", version: "0" });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [cli, "serve", "--toolsets", "memory"],
      env,
      stderr: "ignore",
    }),
  );
  const tools = (await client.listTools()).tools.map((t) => t.name);
  if (!tools.includes("cache_get")) fail("the stdio server does not list cache_get");
  const set = await client.callTool({ name: "cache_set", arguments: { key: "smoke", value: { ok: true } } });
  if (set.isError) fail(`cache_set failed: ${JSON.stringify(set.content)}`);
  const got = await client.callTool({ name: "cache_get", arguments: { key: "smoke" } });
  const text = got.content?.[0]?.text ?? "";
  if (got.isError || (!text.includes('"ok": true') && !text.includes('"ok":true')))
    fail(`cache_get answered ${text}`);
  await client.close();
  process.stdout.write(
    `smoke: ok (repowright ${version}; ${names.length} tools; stdio serve, cache_set, cache_get)\n`,
  );
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
rmSync(home, { recursive: true, force: true });
