import type { ListedToolset } from "./tool-manifest.js";

/** `repowright tools` output: a compact table per toolset, or JSON for scripts. */
export function formatToolList(toolsets: readonly ListedToolset[], json: boolean): string {
  if (json) {
    return JSON.stringify(
      toolsets.flatMap((ts) =>
        ts.tools.map((t) => ({ toolset: ts.name, name: t.name, title: t.title, annotations: t.annotations })),
      ),
      null,
      2,
    );
  }
  const lines: string[] = [];
  for (const ts of toolsets) {
    lines.push(`${ts.name} — ${ts.description}`);
    for (const t of ts.tools) {
      const a = t.annotations;
      const flags = [
        a.readOnlyHint ? "read-only" : "write",
        a.destructiveHint ? "destructive" : "",
        a.idempotentHint ? "idempotent" : "",
        a.openWorldHint ? "open-world" : "",
      ]
        .filter(Boolean)
        .join(", ");
      lines.push(`  ${t.name.padEnd(30)} ${t.title} [${flags}]`);
    }
  }
  return lines.join("\n");
}
