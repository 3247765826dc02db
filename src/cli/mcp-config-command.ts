/**
 * `repowright mcp-config --client claude-desktop|claude-code|cursor|vscode [--http URL]`: prints the JSON
 * block that client's MCP configuration wants, naming this installation by absolute path (stdio), or the
 * URL of a running `repowright serve --transport http`. The JSON goes to stdout (pipe it into a file);
 * where it goes and how to add a token go to stderr.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Command, Option } from "commander";
import { AppError } from "../core/errors.js";
import type { CliIo } from "./program.js";

export const MCP_CLIENTS = ["claude-desktop", "claude-code", "cursor", "vscode"] as const;
export type McpClient = (typeof MCP_CLIENTS)[number];

export interface McpConfigOptions {
  client: McpClient;
  http?: string;
  name?: string;
  toolsets?: string[];
  readOnly?: boolean;
  /** The node binary and the CLI entry point; default: this process's and this installation's. */
  node?: string;
  entry?: string;
}

/** How to start this installation: `node <abs>/dist/cli/main.js`, or the TypeScript entry under tsx. */
export function installationCommand(): { command: string; args: string[] } {
  const js = fileURLToPath(new URL("./main.js", import.meta.url));
  if (existsSync(js)) return { command: process.execPath, args: [js] };
  const built = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
  if (existsSync(built)) return { command: process.execPath, args: [built] };
  const ts = fileURLToPath(new URL("./main.ts", import.meta.url));
  return { command: process.execPath, args: ["--import", "tsx", ts] };
}

export function mcpConfig(options: McpConfigOptions): { config: unknown; where: string } {
  const name = options.name ?? "repowright";
  const base = installationCommand();
  const command = options.node ?? base.command;
  const entryArgs = options.entry ? [options.entry] : base.args;
  const args = [
    ...entryArgs,
    "serve",
    ...(options.toolsets?.length ? ["--toolsets", options.toolsets.join(",")] : []),
    ...(options.readOnly ? ["--read-only"] : []),
  ];
  let url: string | undefined;
  if (options.http !== undefined) {
    try {
      const u = new URL(options.http);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("scheme");
      url = u.toString();
    } catch {
      throw new AppError(
        "bad_url",
        `--http wants an http(s) URL such as http://127.0.0.1:8787/mcp, got ${options.http}`,
      );
    }
  }
  switch (options.client) {
    case "claude-desktop":
      // Claude Desktop's file starts local servers only: a remote one goes through the mcp-remote bridge.
      return {
        config: {
          mcpServers: {
            [name]: url ? { command: "npx", args: ["-y", "mcp-remote", url] } : { command, args },
          },
        },
        where:
          "merge into claude_desktop_config.json (macOS: ~/Library/Application Support/Claude/, Windows: %APPDATA%\\Claude\\), then restart Claude Desktop",
      };
    case "claude-code":
      return {
        config: {
          mcpServers: { [name]: url ? { type: "http", url } : { type: "stdio", command, args, env: {} } },
        },
        where: `save as .mcp.json in the project (shared with the team), or run: claude mcp add-json ${name} '<the inner object>'`,
      };
    case "cursor":
      return {
        config: { mcpServers: { [name]: url ? { url } : { command, args } } },
        where: "merge into .cursor/mcp.json in the project, or ~/.cursor/mcp.json for every project",
      };
    case "vscode":
      return {
        config: { servers: { [name]: url ? { type: "http", url } : { type: "stdio", command, args } } },
        where: "merge into .vscode/mcp.json in the workspace (or the user settings' mcp section)",
      };
  }
}

export function registerMcpConfigCommand(program: Command, io: CliIo): void {
  program
    .command("mcp-config")
    .description("Print the MCP configuration block for a client, naming this installation.")
    .addOption(
      new Option("--client <name>", "the MCP client").choices([...MCP_CLIENTS]).makeOptionMandatory(),
    )
    .option("--http <url>", "a running `repowright serve --transport http` (its /mcp URL) instead of stdio")
    .option("--name <name>", "the server's name in the client", "repowright")
    .option("--toolsets <names>", "comma-separated toolsets to serve (stdio)", (v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .option("--read-only", "serve only read-only tools (stdio)")
    .action(
      (opts: { client: McpClient; http?: string; name: string; toolsets?: string[]; readOnly?: boolean }) => {
        const { config, where } = mcpConfig(opts);
        io.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
        io.stderr.write(`repowright: ${where}\n`);
        if (opts.http)
          io.stderr.write(
            "repowright: with REPOWRIGHT_AUTH=jwt the client must send 'Authorization: Bearer <token>' (docs/auth.md)\n",
          );
      },
    );
}
