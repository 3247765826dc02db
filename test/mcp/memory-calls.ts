/**
 * The same conversation with the memory toolset over any transport: list the tools, call every one of
 * them, then send bad input and check that each answer is a structured error and the server keeps serving.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { expect } from "vitest";
import { parseResult } from "../helpers/app.js";

export const MEMORY_TOOLS = [
  "cache_clear_namespace",
  "cache_delete",
  "cache_exists",
  "cache_expire",
  "cache_get",
  "cache_incr",
  "cache_keys",
  "cache_mget",
  "cache_mset",
  "cache_set",
  "cache_stats",
  "cache_ttl",
];

export const READ_ONLY_MEMORY_TOOLS = [
  "cache_exists",
  "cache_get",
  "cache_keys",
  "cache_mget",
  "cache_stats",
  "cache_ttl",
];

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  return { isError: result.isError === true, data: parseResult(result), result };
}

/** Calls a tool that must succeed; returns its structured result (checked against the text block). */
async function ok(client: Client, name: string, args: Record<string, unknown>): Promise<unknown> {
  const { isError, data, result } = await call(client, name, args);
  expect(isError, `${name} failed: ${JSON.stringify(data)}`).toBe(false);
  expect(result.structuredContent).toEqual(data);
  return data;
}

export async function listsEveryMemoryTool(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  const memory = tools.filter((t) => t.name.startsWith("cache_"));
  expect(memory.map((t) => t.name).sort()).toEqual(MEMORY_TOOLS);
  for (const tool of memory) {
    expect(tool.description, tool.name).toBeTruthy();
    expect(tool.inputSchema.type).toBe("object");
    expect(tool.outputSchema?.type, tool.name).toBe("object");
    expect(typeof tool.annotations?.readOnlyHint, tool.name).toBe("boolean");
    expect(typeof tool.annotations?.destructiveHint, tool.name).toBe("boolean");
    expect(typeof tool.annotations?.idempotentHint, tool.name).toBe("boolean");
    expect(typeof tool.annotations?.openWorldHint, tool.name).toBe("boolean");
  }
}

export async function callsEveryMemoryTool(client: Client, namespace: string): Promise<void> {
  const ns = { namespace };
  expect(
    await ok(client, "cache_set", { ...ns, key: "user:1", value: { name: "Ada", tags: ["x"] } }),
  ).toEqual({
    key: "user:1",
    written: true,
  });
  expect(await ok(client, "cache_set", { ...ns, key: "temp", value: 1, ttl_seconds: 100 })).toEqual({
    key: "temp",
    written: true,
  });
  expect(await ok(client, "cache_set", { ...ns, key: "user:1", value: 2, only_if_absent: true })).toEqual({
    key: "user:1",
    written: false,
  });
  expect(await ok(client, "cache_get", { ...ns, key: "user:1" })).toEqual({
    key: "user:1",
    found: true,
    value: { name: "Ada", tags: ["x"] },
  });
  expect(await ok(client, "cache_exists", { ...ns, keys: ["user:1", "nope"] })).toEqual({
    count: 1,
    exists: { "user:1": true, nope: false },
  });
  const ttl = (await ok(client, "cache_ttl", { ...ns, key: "temp" })) as { ttl_seconds: number };
  expect(ttl.ttl_seconds).toBeGreaterThan(0);
  expect(ttl.ttl_seconds).toBeLessThanOrEqual(100);
  expect(await ok(client, "cache_ttl", { ...ns, key: "user:1" })).toEqual({
    key: "user:1",
    found: true,
    ttl_seconds: null,
  });
  expect(await ok(client, "cache_expire", { ...ns, key: "user:1", ttl_seconds: 50 })).toEqual({
    key: "user:1",
    updated: true,
  });
  expect(await ok(client, "cache_expire", { ...ns, key: "user:1", ttl_seconds: null })).toEqual({
    key: "user:1",
    updated: true,
  });
  expect(
    await ok(client, "cache_mset", {
      ...ns,
      entries: [
        { key: "a", value: 1 },
        { key: "b", value: "two", ttl_seconds: 60 },
      ],
    }),
  ).toEqual({ written: 2 });
  expect(await ok(client, "cache_mget", { ...ns, keys: ["a", "b", "missing"] })).toEqual({
    values: [
      { key: "a", found: true, value: 1 },
      { key: "b", found: true, value: "two" },
      { key: "missing", found: false, value: null },
    ],
  });
  const keys = (await ok(client, "cache_keys", { ...ns, pattern: "*" })) as {
    keys: string[];
    next_cursor: string | null;
  };
  expect(keys.keys.sort()).toEqual(["a", "b", "temp", "user:1"]);
  expect(keys.next_cursor).toBeNull();
  expect(await ok(client, "cache_incr", { ...ns, key: "n", by: 5 })).toEqual({ key: "n", value: 5 });
  expect(await ok(client, "cache_incr", { ...ns, key: "n", by: -2 })).toEqual({ key: "n", value: 3 });
  expect(await ok(client, "cache_delete", { ...ns, keys: ["a", "missing"] })).toEqual({ deleted: 1 });
  const stats = (await ok(client, "cache_stats", ns)) as Record<string, unknown>;
  expect(stats).toMatchObject({ namespace, keys: 4 });
  expect(stats["hits"]).toBeGreaterThan(0);
  expect(stats["misses"]).toBeGreaterThan(0);
  expect(await ok(client, "cache_clear_namespace", { ...ns, confirm: true })).toEqual({
    namespace,
    deleted: 4,
  });
  expect(await ok(client, "cache_keys", ns)).toEqual({ keys: [], next_cursor: null });
}

function expectStructuredError(
  answer: { isError: boolean; data: unknown },
  type: string,
  mentions: RegExp,
): void {
  expect(answer.isError).toBe(true);
  expect(answer.data).toMatchObject({ type });
  expect((answer.data as { error: string }).error).toMatch(mentions);
}

/** `maxValueBytes` is the server's REPOWRIGHT_CACHE_MAX_VALUE_BYTES. */
export async function rejectsBadInputAndKeepsServing(
  client: Client,
  namespace: string,
  maxValueBytes: number,
): Promise<void> {
  const ns = { namespace };
  // Wrong types.
  expectStructuredError(await call(client, "cache_set", { ...ns, key: 123, value: 1 }), "validation", /key/);
  expectStructuredError(await call(client, "cache_incr", { ...ns, key: "n", by: "one" }), "validation", /by/);
  expectStructuredError(await call(client, "cache_get", { ...ns }), "validation", /key/);
  expectStructuredError(
    await call(client, "cache_clear_namespace", { ...ns, confirm: false }),
    "validation",
    /confirm/,
  );

  // Oversize values: refused before anything is written, also inside a bulk write.
  const big = "x".repeat(maxValueBytes + 10);
  expectStructuredError(
    await call(client, "cache_set", { ...ns, key: "big", value: big }),
    "validation",
    /REPOWRIGHT_CACHE_MAX_VALUE_BYTES/,
  );
  expectStructuredError(
    await call(client, "cache_mset", {
      ...ns,
      entries: [
        { key: "small", value: 1 },
        { key: "big", value: big },
      ],
    }),
    "validation",
    /entries\[1\]\.value/,
  );
  expect(await ok(client, "cache_mget", { ...ns, keys: ["small", "big"] })).toEqual({
    values: [
      { key: "small", found: false, value: null },
      { key: "big", found: false, value: null },
    ],
  });

  // Unknown tool: a protocol error (-32602) whose data is the same error shape.
  const unknown = await client.callTool({ name: "cache_nope", arguments: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(unknown).toBeInstanceOf(McpError);
  expect((unknown as McpError).code).toBe(-32602);
  expect((unknown as McpError).data).toMatchObject({
    type: "not_found",
    error: expect.stringMatching(/nope/),
  });

  // Still serving.
  expect(await ok(client, "cache_set", { ...ns, key: "after", value: "ok" })).toEqual({
    key: "after",
    written: true,
  });
  expect(await ok(client, "cache_get", { ...ns, key: "after" })).toMatchObject({ found: true, value: "ok" });
  await ok(client, "cache_clear_namespace", { ...ns, confirm: true });
}
