import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../helpers/cli.js";

const home = mkdtempSync(join(tmpdir(), "rw-cli-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function cli(...args: string[]) {
  return runCliCaptured(args, { REPOWRIGHT_HOME: home, REPOWRIGHT_LOG_LEVEL: "silent", HOME: home });
}

describe("repowright CLI", () => {
  it("lists tools with annotations, as text and JSON, without credentials", async () => {
    const text = await cli("tools", "--toolsets", "memory");
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/cache_get\s+Get a cache value \[read-only, idempotent\]/);
    const json = await cli("tools", "--toolsets", "memory", "--read-only", "--json");
    const tools = JSON.parse(json.out) as { name: string; annotations: { readOnlyHint: boolean } }[];
    expect(tools.length).toBeGreaterThan(3);
    expect(tools.every((t) => t.annotations.readOnlyHint)).toBe(true);
    expect(tools.map((t) => t.name)).not.toContain("cache_set");
  });

  it("calls a tool in-process and prints its result as JSON", async () => {
    const set = await cli("call", "cache_set", '{"key":"cli","value":[1,2]}', "--toolsets", "memory");
    expect(set.code).toBe(0);
    expect(JSON.parse(set.out)).toEqual({ key: "cli", written: true });
    const get = await cli("call", "cache_get", '{"key":"cli"}', "--toolsets", "memory");
    expect(JSON.parse(get.out)).toEqual({ key: "cli", found: true, value: [1, 2] });
  });

  it("exits 1 with the structured error on an error result", async () => {
    const bad = await cli("call", "cache_get", '{"key":7}', "--toolsets", "memory");
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({ type: "validation" });
  });

  it("exits 2 with one clear line for bad arguments, unknown tools and unknown toolsets", async () => {
    const notJson = await cli("call", "cache_get", "{oops", "--toolsets", "memory");
    expect(notJson.code).toBe(2);
    expect(notJson.err).toContain("arguments must be a JSON object");
    const unknownTool = await cli("call", "no_such_tool", "{}", "--toolsets", "memory");
    expect(unknownTool.code).toBe(2);
    expect(unknownTool.err).toContain('unknown tool "no_such_tool"');
    const unknownToolset = await cli("tools", "--toolsets", "memory,nope");
    expect(unknownToolset.code).toBe(2);
    expect(unknownToolset.err).toMatch(/unknown toolset "nope"; valid toolsets: .*memory/);
  });
});
