/**
 * Invariants over every tool of every toolset, and the generated docs being current.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderConfigReference, renderToolReference } from "../../src/mcp/docs.js";
import { toolInputSchema } from "../../src/mcp/schema.js";
import { allToolsets } from "../../src/toolsets/index.js";

const toolsets = allToolsets();
const tools = toolsets.flatMap((ts) => ts.tools.map((t) => ({ ts: ts.name, t })));

describe("tool registry", () => {
  it("has unique snake_case verb-first names", () => {
    const names = tools.map(({ t }) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/);
  });

  it.each(tools.map(({ ts, t }) => [`${ts}/${t.name}`, t] as const))("%s is fully described", (_label, t) => {
    expect(t.title.length).toBeGreaterThan(3);
    expect(t.description.length).toBeGreaterThan(10);
    for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
      expect(typeof t.annotations[hint]).toBe("boolean");
    }
    if (t.annotations.readOnlyHint) expect(t.annotations.destructiveHint).toBe(false);
    const schema = toolInputSchema(t);
    expect(schema["type"]).toBe("object");
    for (const bad of ["anyOf", "oneOf", "allOf"]) expect(schema).not.toHaveProperty(bad);
    const props = (schema["properties"] ?? {}) as Record<string, { description?: string }>;
    for (const [name, p] of Object.entries(props)) {
      expect(p.description, `${t.name}.${name} has no description`).toBeTruthy();
    }
    expect(unboundedStrings(schema), `${t.name}: strings without maxLength`).toEqual([]);
  });

  it("refuses a string longer than its maximum, even where the tool declared none", async () => {
    const getIssue = tools.find(({ t }) => t.name === "jira_get_issue")!.t;
    const key = "A".repeat(70_000);
    const parsed = getIssue.input.safeParse({ key });
    expect(parsed.success).toBe(false);
  });
});

/** Paths of string fields (at any depth) of a JSON Schema that have no maxLength, enum or const. */
function unboundedStrings(schema: unknown, path = ""): string[] {
  if (!schema || typeof schema !== "object") return [];
  const s = schema as Record<string, unknown>;
  const out: string[] = [];
  const types = Array.isArray(s["type"]) ? (s["type"] as unknown[]) : [s["type"]];
  if (types.includes("string") && s["maxLength"] === undefined && !s["enum"] && s["const"] === undefined)
    out.push(path || "(input)");
  for (const [k, v] of Object.entries((s["properties"] ?? {}) as Record<string, unknown>))
    out.push(...unboundedStrings(v, `${path}.${k}`));
  if (s["items"]) out.push(...unboundedStrings(s["items"], `${path}[]`));
  for (const k of ["anyOf", "oneOf", "allOf"])
    for (const v of (s[k] as unknown[] | undefined) ?? []) out.push(...unboundedStrings(v, path));
  if (s["additionalProperties"] && typeof s["additionalProperties"] === "object")
    out.push(...unboundedStrings(s["additionalProperties"], `${path}{}`));
  return out;
}

describe("generated docs", () => {
  const root = join(import.meta.dirname, "../..");
  it("docs/tools.md is current (run `npm run docs`)", () => {
    expect(readFileSync(join(root, "docs/tools.md"), "utf8")).toBe(renderToolReference(toolsets));
  });
  it("docs/configuration.md is current (run `npm run docs`)", () => {
    expect(readFileSync(join(root, "docs/configuration.md"), "utf8")).toBe(renderConfigReference());
  });
});
