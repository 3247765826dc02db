/**
 * `repowright serve` over stdio, started as a client starts it (`npx tsx src/cli/main.ts serve ...`), with
 * the official SDK client; and a raw check that stdout carries the protocol and nothing else.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  callsEveryMemoryTool,
  listsEveryMemoryTool,
  READ_ONLY_MEMORY_TOOLS,
  rejectsBadInputAndKeepsServing,
} from "./memory-calls.js";
import { CLI, childEnv, REPO_ROOT, tempHome } from "./serve-process.js";

const MAX_VALUE_BYTES = 256;

async function connectStdio(args: string[], env: Record<string, string> = {}) {
  const home = tempHome();
  const transport = new StdioClientTransport({
    command: "npx",
    args: ["tsx", CLI, "serve", ...args],
    cwd: REPO_ROOT,
    env: childEnv(home, env),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString("utf8");
  });
  // Anything on stdout that is not a JSON-RPC message surfaces here.
  const errors: Error[] = [];
  const client = new Client({ name: "repowright-stdio-test", version: "0.0.0" });
  client.onerror = (e) => errors.push(e);
  await client.connect(transport);
  return {
    client,
    errors,
    stderr: () => stderr,
    async close() {
      await client.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

describe("serve over stdio with the SDK client", () => {
  let conn: Awaited<ReturnType<typeof connectStdio>>;

  beforeAll(async () => {
    conn = await connectStdio(["--toolsets", "memory"], {
      REPOWRIGHT_CACHE_MAX_VALUE_BYTES: String(MAX_VALUE_BYTES),
    });
  }, 120_000);

  afterAll(async () => {
    await conn?.close();
  });

  it("identifies itself and lists every memory tool with its annotations", async () => {
    expect(conn.client.getServerVersion()?.name).toBe("repowright");
    await listsEveryMemoryTool(conn.client);
  });

  it("calls every memory tool", async () => {
    await callsEveryMemoryTool(conn.client, "stdio-e2e");
  });

  it("answers bad input with structured errors and keeps serving", async () => {
    await rejectsBadInputAndKeepsServing(conn.client, "stdio-bad", MAX_VALUE_BYTES);
  });

  it("wrote nothing but protocol to stdout, and its banner to stderr", () => {
    expect(conn.errors).toEqual([]);
    expect(conn.stderr()).toMatch(/MCP over stdio; toolsets: memory \(12 tools\)/);
  });
});

describe("serve --read-only over stdio", () => {
  it("serves only the read-only tools", async () => {
    const conn = await connectStdio(["--toolsets", "memory", "--read-only"]);
    try {
      const { tools } = await conn.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(READ_ONLY_MEMORY_TOOLS);
      expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
      const denied = await conn.client
        .callTool({ name: "cache_set", arguments: { key: "k", value: 1 } })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(denied).toBeInstanceOf(McpError);
      expect((denied as McpError).data).toMatchObject({ type: "not_found" });
    } finally {
      await conn.close();
    }
  }, 120_000);
});

describe("stdout over stdio, byte for byte", () => {
  it("carries only JSON-RPC messages, one per line, and the server exits when stdin closes", async () => {
    const home = tempHome();
    const child = spawn("npx", ["tsx", CLI, "serve", "--toolsets", "memory"], {
      cwd: REPO_ROOT,
      // debug logging on purpose: every log line must still go to stderr.
      env: childEnv(home, { REPOWRIGHT_LOG_LEVEL: "debug" }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((done) => child.once("close", (code) => done(code)));
    const send = (msg: unknown) => child.stdin.write(`${JSON.stringify(msg)}\n`);
    const responses = () =>
      stdout
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as { id?: number });
    const waitFor = async (id: number) => {
      while (!responses().some((m) => m.id === id)) {
        if (child.exitCode !== null) throw new Error(`server exited early:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    });
    await waitFor(1);
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    send({
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "cache_set", arguments: { key: "k", value: { a: 1 } } },
    });
    send({
      jsonrpc: "2.0",
      id: 4,
      method: "tools/call",
      params: { name: "cache_get", arguments: { key: 1 } },
    });
    for (const id of [2, 3, 4]) await waitFor(id);
    child.stdin.end();
    expect(await exited).toBe(0);
    rmSync(home, { recursive: true, force: true });

    // Every line of stdout is a JSON-RPC 2.0 message; logs and the banner went to stderr.
    const lines = stdout.split("\n").filter((l) => l !== "");
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) {
      const msg = JSON.parse(line) as Record<string, unknown>;
      expect(msg["jsonrpc"]).toBe("2.0");
      expect("result" in msg || "error" in msg || "method" in msg).toBe(true);
    }
    // Requests are served concurrently, so answers may come in any order.
    expect(
      responses()
        .map((m) => m.id)
        .sort(),
    ).toEqual([1, 2, 3, 4]);
    expect(stderr).toMatch(/MCP over stdio/);
    expect(stderr).toMatch(/"tool":"cache_set"/);
  }, 120_000);
});

describe("oversized and malformed messages over stdio", () => {
  it("refuses them with JSON-RPC errors, keeps serving, and ends on SIGTERM", async () => {
    const home = tempHome();
    const child = spawn(process.execPath, ["--import", "tsx", CLI, "serve", "--toolsets", "memory"], {
      cwd: REPO_ROOT,
      env: childEnv(home, {}),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
      child.once("close", (code, signal) => done({ code, signal })),
    );
    try {
      const lines = () =>
        stdout
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map((l) => JSON.parse(l) as { id?: number | null; error?: { code: number; message: string } });
      const waitUntil = async (ok: () => boolean) => {
        while (!ok()) {
          if (child.exitCode !== null) throw new Error(`server exited early:\n${stderr}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const send = (text: string) => child.stdin.write(`${text}\n`);
      send(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "raw", version: "0" },
          },
        }),
      );
      await waitUntil(() => lines().some((m) => m.id === 1));
      send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
      const huge = (n: number) =>
        `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"cache_get","arguments":{"key":"${"x".repeat(n)}"}}}`;
      send(huge(10 * 1024 * 1024 + 100));
      send(huge(10_485_760 - 100).padEnd(10_485_760, " "));
      send("{not json");
      send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }));
      // Calls are served concurrently: the answer to 7 may come after the one to 2.
      await waitUntil(() => lines().some((m) => m.id === 2) && lines().some((m) => m.id === 7));
      const errors = lines().filter((m) => m.error);
      expect(errors.map((e) => e.error!.code)).toEqual([-32600, -32700]);
      expect(errors[0]!.error!.message).toMatch(/message too large/);
      expect(stdout.length).toBeLessThan(100_000);
      // The exactly-at-the-limit line was served like any other (an unknown key is not an error).
      expect(lines().filter((m) => m.id === 7)).toHaveLength(1);
      child.kill("SIGTERM");
      const end = await exited;
      expect(end.code !== null || end.signal !== null).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      rmSync(home, { recursive: true, force: true });
    }
  }, 120_000);
});
