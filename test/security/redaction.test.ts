/**
 * Secrets never leave the process: not in audit records, not in tool output, not in logs — however deep
 * they are nested, and AWS secret keys in free text too. Internal errors are logged with what a reader
 * needs to diagnose them (message, stack, code, cause), redacted.
 */
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { readAudit } from "../../src/mcp/auth.js";
import { defineTool, defineToolset, READ_ONLY } from "../../src/mcp/tool.js";
import { memoryToolset } from "../../src/toolsets/memory/index.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

const TOKEN = `ghp_${"A1b2C3d4E5".repeat(4)}`;
const AWS = "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/**
 * Secrets only secretlint's recommended preset knows (our own patterns miss them): one per rule kind, so
 * the cheap pre-check in src/core/redact.ts is checked against each.
 */
const PRESET_ONLY: Record<string, string> = {
  npm: `npm_${"a1B2c3D4e5".repeat(3)}f6G7h8`,
  privateKey:
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAvx2tvXzFP1g9Ul2kGQ5Wq7Qw0bQ5YxqJ1Y5zJ3Ra3Z0pBq0Z\n-----END RSA PRIVATE KEY-----",
  shopify: `shpat_${"0123456789abcdef".repeat(2)}`,
  sendgrid: "SG.abcdefghij0123456789AB.abcdefghij0123456789ABCDEFGHIJ0123456789abc",
  slackWebhook: "https://hooks.slack.com/services/T01234567/B01234567/abcdefghij0123456789ABCD",
  linear: `lin_api_${"abcdefghij0123456789".repeat(2)}`,
};

function nest(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = { next: v };
  return v;
}

const failing = defineToolset({
  name: "failing",
  description: "A tool that fails the way a file system does.",
  tools: [
    defineTool({
      name: "read_a_directory",
      title: "Fail with EISDIR",
      description: "Fails with an errno error whose message carries a token.",
      input: z.object({}),
      annotations: READ_ONLY,
      async handler() {
        const cause = Object.assign(new Error(`EISDIR: illegal operation on a directory, read (${TOKEN})`), {
          code: "EISDIR",
          errno: -21,
          syscall: "read",
        });
        throw new Error("could not load the index", { cause });
      },
    }),
  ],
});

describe("redaction and internal-error logs", () => {
  let app: TestApp;
  let logs = "";
  beforeAll(async () => {
    const dest = new PassThrough();
    dest.on("data", (d) => {
      logs += d;
    });
    app = await startTestApp({
      env: { REPOWRIGHT_AUDIT: "on", REPOWRIGHT_LOG_LEVEL: "info" },
      toolsets: [memoryToolset, failing],
      logDestination: dest,
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("keeps a token nested 25 and 1,000 deep, and an AWS secret key in text, out of output and audit", async () => {
    for (const depth of [25, 1_000]) {
      const key = `deep-${depth}`;
      const set = await app.call("cache_set", {
        namespace: "sec",
        key,
        value: nest(depth, { note: `a ${TOKEN} b` }),
      });
      expect(set.isError, JSON.stringify(set.data).slice(0, 300)).toBe(false);
      const got = await app.client.callTool({ name: "cache_get", arguments: { namespace: "sec", key } });
      expect(JSON.stringify(got)).not.toContain(TOKEN);
      expect(JSON.stringify(got)).toContain("[REDACTED]");
    }
    const text = await app.client.callTool({
      name: "cache_set",
      arguments: { namespace: "sec", key: "aws", value: `config: ${AWS}` },
    });
    expect(text.isError).toBeFalsy();
    const got = await app.client.callTool({ name: "cache_get", arguments: { namespace: "sec", key: "aws" } });
    expect(JSON.stringify(got)).not.toContain("wJalrXUtnFEMI");
    const audit = JSON.stringify(
      await readAudit(app.store, { since: new Date(Date.now() - 3600_000), limit: 1000 }),
    );
    expect(audit).toContain("cache_set");
    expect(audit).not.toContain(TOKEN);
    expect(audit).not.toContain("wJalrXUtnFEMI");
  });

  it("keeps secrets of every kind secretlint's recommended preset knows out of output and audit", async () => {
    const value = {
      list: Object.entries(PRESET_ONLY).map(([kind, secret]) => ({ kind, text: `see ${secret} here` })),
      plain: "nothing secret here",
    };
    const set = await app.client.callTool({
      name: "cache_set",
      arguments: { namespace: "sec", key: "preset", value },
    });
    expect(set.isError).toBeFalsy();
    const got = await app.client.callTool({
      name: "cache_get",
      arguments: { namespace: "sec", key: "preset" },
    });
    const out = JSON.stringify(got);
    const audit = JSON.stringify(
      await readAudit(app.store, { since: new Date(Date.now() - 3600_000), limit: 1000 }),
    );
    for (const [kind, secret] of Object.entries(PRESET_ONLY)) {
      const core = secret.includes("PRIVATE KEY") ? "MIIEowIBAAKCAQEA" : secret;
      expect(out, kind).not.toContain(core);
      expect(audit, kind).not.toContain(core);
    }
    // What is around a secret stays readable.
    const back = (got.structuredContent as { value: typeof value }).value;
    expect(back.list[0]).toEqual({ kind: "npm", text: "see [REDACTED] here" });
    expect(back.plain).toBe("nothing secret here");
  });

  it("logs an internal error with its message, stack, code and cause, redacted", async () => {
    const r = await app.call("read_a_directory", {});
    expect(r).toMatchObject({ isError: true, data: { type: "internal" } });
    const line = logs.split("\n").find((l) => l.includes("could not load the index"));
    expect(line, logs.slice(-2000)).toBeDefined();
    const record = JSON.parse(line!) as { err: Record<string, unknown> };
    expect(record.err, line).toMatchObject({
      message: "could not load the index",
      stack: expect.stringContaining("redaction.test.ts"),
      cause: { code: "EISDIR", errno: -21, syscall: "read", message: expect.stringContaining("EISDIR") },
    });
    expect(line).not.toContain(TOKEN);
  });
});
