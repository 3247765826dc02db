/**
 * The tool listing as data: what `repowright tools` prints (toolsets with their tools' names, titles and
 * annotations). `npm run build` writes it to dist/tool-manifest.json from the built toolsets
 * (scripts/tool-manifest.mjs), so the built CLI lists tools without loading every toolset's modules; from
 * the TypeScript sources, or when the file is missing or from another version, the toolsets are loaded.
 * Only type imports here: reading the manifest must stay cheap.
 */
import { readFileSync } from "node:fs";
import type { ToolAnnotations, Toolset } from "../mcp/tool.js";
import { SERVER_VERSION } from "../version.js";

export interface ListedToolset {
  name: string;
  description: string;
  tools: { name: string; title: string; annotations: ToolAnnotations }[];
}

export interface ToolManifest {
  version: string;
  toolsets: ListedToolset[];
}

/** The listing of these toolsets. */
export function toolManifest(toolsets: readonly Toolset[]): ToolManifest {
  return {
    version: SERVER_VERSION,
    toolsets: toolsets.map((ts) => ({
      name: ts.name,
      description: ts.description,
      tools: ts.tools.map((t) => ({ name: t.name, title: t.title, annotations: t.annotations })),
    })),
  };
}

/** Where the build puts the manifest: beside the built modules (dist/tool-manifest.json). */
export const MANIFEST_URL = new URL("../tool-manifest.json", import.meta.url);

/** The built manifest of this version, or undefined (not built, or stale). */
export function readToolManifest(url: URL = MANIFEST_URL): ToolManifest | undefined {
  let parsed: ToolManifest;
  try {
    parsed = JSON.parse(readFileSync(url, "utf8")) as ToolManifest;
  } catch {
    return undefined;
  }
  return parsed.version === SERVER_VERSION && Array.isArray(parsed.toolsets) ? parsed : undefined;
}
