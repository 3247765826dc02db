/**
 * `repowright mcp-config`: each client's block has the shape that client reads, and the stdio block it
 * prints really starts this installation (an MCP client spawns exactly that command and lists the tools).
 */
import { existsSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { runCliCaptured } from "../helpers/cli.js";
import { childEnv, REPO_ROOT, tempHome } from "../mcp/serve-process.js";

async function cli(...args: string[]) {
  return runCliCaptured(["mcp-config", ...args], { REPOWRIGHT_LOG_LEVEL: "silent" });
}

describe("repowright mcp-config", () => {
  it("prints each client's stdio block with absolute paths", async () => {
    const shapes: Record<string, (c: Record<string, Record<string, Record<string, unknown>>>) => unknown> = {
      "claude-desktop": (c) => c["mcpServers"]!["repowright"],
      "claude-code": (c) => c["mcpServers"]!["repowright"],
      cursor: (c) => c["mcpServers"]!["repowright"],
      vscode: (c) => c["servers"]!["repowright"],
    };
    for (const [client, pick] of Object.entries(shapes)) {
      const { code, out, err } = await cli("--client", client);
      expect(code, err).toBe(0);
      const entry = pick(JSON.parse(out)) as { command: string; args: string[]; type?: string };
      expect(entry.command).toBe(process.execPath);
      const script = entry.args.find((a) => /main\.(js|ts)$/.test(a))!;
      expect(script.startsWith("/")).toBe(true);
      expect(existsSync(script)).toBe(true);
      expect(entry.args.at(-1)).toBe("serve");
      if (client === "claude-code" || client === "vscode") expect(entry.type).toBe("stdio");
      expect(err).toMatch(/repowright: /);
    }
  });

  it("prints the HTTP block for --http and refuses a bad URL", async () => {
    const url = "http://127.0.0.1:8787/mcp";
    expect(JSON.parse((await cli("--client", "claude-code", "--http", url)).out)).toEqual({
      mcpServers: { repowright: { type: "http", url } },
    });
    expect(JSON.parse((await cli("--client", "vscode", "--http", url)).out)).toEqual({
      servers: { repowright: { type: "http", url } },
    });
    expect(JSON.parse((await cli("--client", "cursor", "--http", url, "--name", "rw")).out)).toEqual({
      mcpServers: { rw: { url } },
    });
    expect(JSON.parse((await cli("--client", "claude-desktop", "--http", url)).out)).toEqual({
      mcpServers: { repowright: { command: "npx", args: ["-y", "mcp-remote", url] } },
    });
    const bad = await cli("--client", "cursor", "--http", "ftp://x");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--http wants an http\(s\) URL/);
    expect((await cli("--client", "emacs")).code).not.toBe(0);
  });

  it("the printed stdio command starts a server an MCP client can use", async () => {
    const { out } = await cli("--client", "claude-code", "--toolsets", "memory");
    const entry = JSON.parse(out).mcpServers.repowright as { command: string; args: string[] };
    expect(entry.args).toContain("--toolsets");
    const transport = new StdioClientTransport({
      command: entry.command,
      args: entry.args,
      cwd: REPO_ROOT,
      env: childEnv(tempHome()),
      stderr: "ignore",
    });
    const client = new Client({ name: "mcp-config-test", version: "0" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain("cache_get");
    } finally {
      await client.close();
    }
  }, 60_000);
});
