/**
 * Toolsets do not import each other's internals (adapters issue #10): what two toolsets share lives in
 * src/github/, src/mcp/fragments.ts or src/core/. The ci toolset once imported the github toolset's
 * common.ts and actions.ts; this keeps every toolset to its own directory and the shared layers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = "src/toolsets";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("toolsets", () => {
  it("import no other toolset's modules", () => {
    const crossing: string[] = [];
    for (const name of readdirSync(ROOT, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      for (const file of sources(join(ROOT, name.name))) {
        for (const m of readFileSync(file, "utf8").matchAll(/from\s+"(\.[^"]+)"/g)) {
          const spec = m[1]!;
          const resolved = join(file, "..", spec);
          const inside = resolved.startsWith(`${join(ROOT, name.name)}/`);
          const otherToolset = resolved.startsWith(`${ROOT}/`) && !inside && resolved !== `${ROOT}/index.js`;
          if (otherToolset) crossing.push(`${file} -> ${spec}`);
        }
      }
    }
    expect(crossing).toEqual([]);
  });
});
