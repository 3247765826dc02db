/**
 * `repowright tools` (the inventory, no credentials needed) and `repowright call` (one tool in-process,
 * through the same pipeline as every transport).
 */
import type { Command } from "commander";
import { loadConfig } from "../core/config.js";
import { AppError, ERROR_CONTRACT } from "../core/errors.js";
import { buildInventory } from "../mcp/inventory.js";
import { lineWriter, toolsetsOption } from "./common.js";
import type { CliIo } from "./program.js";
import { type ListedToolset, readToolManifest, toolManifest } from "./tool-manifest.js";
import { formatToolList } from "./tools-list.js";

/** Every toolset's listing: the built manifest when there is one, else from the toolsets themselves. */
async function listedToolsets(): Promise<ListedToolset[]> {
  const built = readToolManifest();
  if (built) return built.toolsets;
  const { allToolsets } = await import("../toolsets/index.js");
  return toolManifest(allToolsets()).toolsets;
}

export function registerToolCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const out = lineWriter(io);
  program
    .command("tools")
    .description("List the tools with their annotations (no credentials needed).")
    .addOption(toolsetsOption())
    .option("--read-only", "only read-only tools")
    .option("--json", "print JSON")
    .action(async (opts: { toolsets?: string[]; readOnly?: boolean; json?: boolean }) => {
      const config = loadConfig({ env: io.env });
      // Listing does not need credentials: unavailable toolsets are listed too (a listing has no check).
      const inventory = buildInventory(await listedToolsets(), config, {
        toolsets: opts.toolsets ?? config.server.toolsets,
        readOnly: opts.readOnly ?? config.server.readOnly,
      });
      out(formatToolList(inventory.toolsets, opts.json ?? false));
    });

  program
    .command("call")
    .description("Run one tool in-process through the same pipeline and print its result as JSON.")
    .argument("<tool>", "tool name")
    .argument("[json]", "arguments as a JSON object", "{}")
    .addOption(toolsetsOption())
    .option("--plugin <module...>", "also load the toolsets exported by these ES modules")
    .action(async (name: string, json: string, opts: { toolsets?: string[]; plugin?: string[] }) => {
      let args: unknown;
      try {
        args = JSON.parse(json);
      } catch {
        throw new AppError(
          "bad_arguments",
          `arguments must be a JSON object, e.g. '{"key":"a"}'; got ${json.slice(0, 80)}`,
        );
      }
      const [{ loadPlugins }, { allToolsets }, { RawResult }] = await Promise.all([
        import("./plugins.js"),
        import("../toolsets/index.js"),
        import("../mcp/tool.js"),
      ]);
      const plugins = await loadPlugins(opts.plugin ?? []);
      // The app (store, queue, clients) only for `call`: `tools` lists without building any of it.
      const { createApp } = await import("../app.js");
      const app = await createApp({
        env: io.env,
        overrides: { server: { toolsets: opts.toolsets } },
        ...(plugins.length > 0 ? { toolsets: [...allToolsets(), ...plugins] } : {}),
      });
      try {
        const controller = new AbortController();
        const outcome = await app.host.invoke(name, args, {
          caller: { id: "cli", roles: ["admin"], transport: "in-process" },
          signal: controller.signal,
          progress: async (u) => {
            io.stderr.write(
              `progress: ${u.progress}${u.total ? `/${u.total}` : ""}${u.message ? ` ${u.message}` : ""}\n`,
            );
          },
        });
        if (!outcome.ok) {
          out(JSON.stringify(outcome.error, null, 2));
          setExit(ERROR_CONTRACT[outcome.error.type].exit);
        } else {
          const { value } = outcome;
          const shown =
            value instanceof RawResult ? (value.structuredContent ?? { content: value.content }) : value;
          out(typeof shown === "string" ? shown : JSON.stringify(shown ?? null, null, 2));
        }
      } finally {
        await app.close();
      }
    });
}
