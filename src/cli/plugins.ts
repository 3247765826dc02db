/**
 * Plugins: ES modules that export extra toolsets (`export const toolsets = [...]` or a default export of
 * one toolset or a list). They go through the same host as built-in toolsets: same pipeline, same filters.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { AppError } from "../core/errors.js";
import type { Toolset } from "../mcp/tool.js";

function isToolset(v: unknown): v is Toolset {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as Toolset).name === "string" &&
    Array.isArray((v as Toolset).tools)
  );
}

export async function loadPlugins(specs: readonly string[], cwd = process.cwd()): Promise<Toolset[]> {
  const out: Toolset[] = [];
  for (const spec of specs) {
    // A path (relative or absolute) when such a file exists, else a package name.
    const asPath = resolve(cwd, spec);
    const isPath = spec.startsWith(".") || spec.startsWith("/") || existsSync(asPath);
    const target = isPath ? pathToFileURL(asPath).href : spec;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(target)) as Record<string, unknown>;
    } catch (err) {
      throw new AppError("plugin_load_failed", `cannot load plugin ${spec}: ${(err as Error).message}`);
    }
    const exported = mod["toolsets"] ?? mod["default"];
    const list = Array.isArray(exported) ? exported : [exported];
    if (list.length === 0 || !list.every(isToolset)) {
      throw new AppError(
        "plugin_invalid",
        `plugin ${spec} must export \`toolsets\` (a list of toolsets) or a default toolset`,
      );
    }
    out.push(...list);
  }
  return out;
}
