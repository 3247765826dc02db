/**
 * The memory toolset: a namespaced key-value cache with TTLs, glob scans, bulk operations and statistics,
 * on whichever store the host runs (SQLite or Redis), with the same behaviour on both.
 *
 * Values are JSON. Limits (value size, keys per bulk call) are checked before anything is written, so a
 * bad call never writes part of its input.
 */
import { z } from "zod";
import type { Config } from "../../core/config.js";
import { validationError } from "../../core/errors.js";
import {
  defineTool,
  defineToolset,
  LOCAL_OVERWRITE,
  LOCAL_UPDATE,
  LOCAL_WRITE,
  READ_ONLY,
  type Tool,
} from "../../mcp/tool.js";

const ns = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, "use letters, digits, '_', '.', ':' or '-'")
  .default("default")
  .describe("Namespace that isolates this set of keys (default 'default').");
const key = z.string().min(1).max(1024).describe("Cache key.");
const ttl = z
  .number()
  .int()
  .positive()
  .max(10 * 365 * 24 * 3600)
  .describe("Time to live in seconds; omit for no expiry.");
const jsonValue = z.unknown().describe("Any JSON value.");

function encode(value: unknown, limits: Config["memory"], where = "value"): string {
  if (value === undefined)
    throw validationError(`${where} is required (any JSON value; use null for an empty one)`);
  const text = JSON.stringify(value);
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxValueBytes) {
    throw validationError(
      `${where} is ${bytes} bytes of JSON; the limit is ${limits.maxValueBytes} (REPOWRIGHT_CACHE_MAX_VALUE_BYTES)`,
      {
        bytes,
        limit: limits.maxValueBytes,
      },
    );
  }
  return text;
}

function decode(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text; // written by something else (e.g. redis-cli): return it as a string
  }
}

function checkBulk(n: number, limits: Config["memory"]): void {
  if (n > limits.maxBulkKeys) {
    throw validationError(
      `${n} keys in one call; the limit is ${limits.maxBulkKeys} (REPOWRIGHT_CACHE_MAX_BULK_KEYS)`,
    );
  }
}

const seconds = (ms: number) => Math.ceil(ms / 1000);

export const cacheSet = defineTool({
  name: "cache_set",
  title: "Set a cache value",
  description:
    "Store a JSON value under a key, optionally with a TTL in seconds. With only_if_absent, never overwrites.",
  input: z.object({
    namespace: ns,
    key,
    value: jsonValue,
    ttl_seconds: ttl.optional(),
    only_if_absent: z.boolean().default(false).describe("Write only when the key does not exist yet."),
  }),
  output: z.object({ key: z.string(), written: z.boolean() }),
  annotations: LOCAL_UPDATE,
  async handler(input, ctx) {
    const text = encode(input.value, ctx.config.memory);
    const written = await ctx.store.set(input.namespace, input.key, text, {
      ttlMs: input.ttl_seconds === undefined ? undefined : input.ttl_seconds * 1000,
      ifNotExists: input.only_if_absent,
    });
    return { key: input.key, written };
  },
});

export const cacheGet = defineTool({
  name: "cache_get",
  title: "Get a cache value",
  description: "Read the JSON value stored under a key; found is false when it is missing or expired.",
  input: z.object({ namespace: ns, key }),
  output: z.object({ key: z.string(), found: z.boolean(), value: z.unknown() }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const text = await ctx.store.get(input.namespace, input.key);
    return { key: input.key, found: text !== null, value: decode(text) };
  },
});

export const cacheDelete = defineTool({
  name: "cache_delete",
  title: "Delete cache keys",
  description: "Delete one or more keys; returns how many existed.",
  input: z.object({
    namespace: ns,
    keys: z.array(key).min(1).describe("Keys to delete."),
  }),
  output: z.object({ deleted: z.number().int() }),
  annotations: LOCAL_OVERWRITE,
  async handler(input, ctx) {
    checkBulk(input.keys.length, ctx.config.memory);
    return { deleted: await ctx.store.del(input.namespace, input.keys) };
  },
});

export const cacheExists = defineTool({
  name: "cache_exists",
  title: "Check cache keys exist",
  description: "Tell which of the given keys exist (and are not expired).",
  input: z.object({ namespace: ns, keys: z.array(key).min(1).describe("Keys to check.") }),
  output: z.object({ count: z.number().int(), exists: z.record(z.boolean()) }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    checkBulk(input.keys.length, ctx.config.memory);
    // Per-key answers: the store's multi-key EXISTS only counts. Redis auto-pipelines these into one trip.
    const flags = await Promise.all(input.keys.map((k) => ctx.store.exists(input.namespace, [k])));
    const exists: Record<string, boolean> = {};
    let count = 0;
    input.keys.forEach((k, i) => {
      exists[k] = flags[i]! > 0;
      if (exists[k]) count++;
    });
    return { count, exists };
  },
});

export const cacheTtl = defineTool({
  name: "cache_ttl",
  title: "Time to live of a key",
  description:
    "Seconds until a key expires: ttl_seconds is null for a key without expiry; found is false for a missing key.",
  input: z.object({ namespace: ns, key }),
  output: z.object({ key: z.string(), found: z.boolean(), ttl_seconds: z.number().int().nullable() }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const t = await ctx.store.ttl(input.namespace, input.key);
    return {
      key: input.key,
      found: t.state !== "missing",
      ttl_seconds: t.state === "expiring" ? seconds(t.ttlMs) : null,
    };
  },
});

export const cacheExpire = defineTool({
  name: "cache_expire",
  title: "Set or remove a key's expiry",
  description: "Give an existing key a new TTL in seconds, or make it persistent with ttl_seconds null.",
  input: z.object({
    namespace: ns,
    key,
    ttl_seconds: ttl.nullable().describe("New time to live in seconds, or null to remove the expiry."),
  }),
  output: z.object({ key: z.string(), updated: z.boolean() }),
  annotations: LOCAL_UPDATE,
  async handler(input, ctx) {
    const updated = await ctx.store.expire(
      input.namespace,
      input.key,
      input.ttl_seconds === null ? null : input.ttl_seconds * 1000,
    );
    return { key: input.key, updated };
  },
});

export const cacheKeys = defineTool({
  name: "cache_keys",
  title: "List cache keys",
  description:
    "List keys matching a glob pattern (*, ?, [abc], \\ to escape), a page at a time: pass next_cursor back as cursor until it is null.",
  input: z.object({
    namespace: ns,
    pattern: z.string().min(1).max(1024).default("*").describe("Glob pattern over keys."),
    cursor: z.string().max(65536).optional().describe("next_cursor from the previous page."),
    limit: z.number().int().min(1).max(1000).default(100).describe("Most keys in this page."),
  }),
  output: z.object({ keys: z.array(z.string()), next_cursor: z.string().nullable() }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const page = await ctx.store.scan(input.namespace, {
      pattern: input.pattern,
      cursor: input.cursor,
      limit: input.limit,
    });
    return { keys: page.keys, next_cursor: page.cursor };
  },
});

export const cacheMget = defineTool({
  name: "cache_mget",
  title: "Get many cache values",
  description: "Read many keys in one call; missing keys come back with found false.",
  input: z.object({ namespace: ns, keys: z.array(key).min(1).describe("Keys to read.") }),
  output: z.object({
    values: z.array(z.object({ key: z.string(), found: z.boolean(), value: z.unknown() })),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    checkBulk(input.keys.length, ctx.config.memory);
    const texts = await ctx.store.mget(input.namespace, input.keys);
    return {
      values: input.keys.map((k, i) => ({
        key: k,
        found: texts[i] !== null,
        value: decode(texts[i] ?? null),
      })),
    };
  },
});

export const cacheMset = defineTool({
  name: "cache_mset",
  title: "Set many cache values",
  description: "Write many keys at once, all or nothing, each with an optional TTL.",
  input: z.object({
    namespace: ns,
    entries: z
      .array(z.object({ key, value: jsonValue, ttl_seconds: ttl.optional() }))
      .min(1)
      .describe("Entries to write."),
  }),
  output: z.object({ written: z.number().int() }),
  annotations: LOCAL_UPDATE,
  async handler(input, ctx) {
    checkBulk(input.entries.length, ctx.config.memory);
    const entries = input.entries.map((e, i) => ({
      key: e.key,
      value: encode(e.value, ctx.config.memory, `entries[${i}].value`),
      ttlMs: e.ttl_seconds === undefined ? undefined : e.ttl_seconds * 1000,
    }));
    await ctx.store.mset(input.namespace, entries);
    return { written: entries.length };
  },
});

export const cacheIncr = defineTool({
  name: "cache_incr",
  title: "Increment a counter",
  description:
    "Atomically add an integer (default 1, may be negative) to a counter; a missing key starts at 0.",
  input: z.object({
    namespace: ns,
    key,
    by: z
      .number()
      .int()
      .min(Number.MIN_SAFE_INTEGER)
      .max(Number.MAX_SAFE_INTEGER)
      .default(1)
      .describe("Amount to add."),
  }),
  output: z.object({ key: z.string(), value: z.number().int() }),
  annotations: LOCAL_WRITE,
  async handler(input, ctx) {
    return { key: input.key, value: await ctx.store.incr(input.namespace, input.key, input.by) };
  },
});

export const cacheClearNamespace = defineTool({
  name: "cache_clear_namespace",
  title: "Clear a namespace",
  description: "Delete every key of a namespace and reset its statistics. Requires confirm: true.",
  input: z.object({
    namespace: ns,
    confirm: z.literal(true).describe("Must be true: this deletes every key in the namespace."),
  }),
  output: z.object({ namespace: z.string(), deleted: z.number().int() }),
  annotations: LOCAL_OVERWRITE,
  async handler(input, ctx) {
    return { namespace: input.namespace, deleted: await ctx.store.clearNamespace(input.namespace) };
  },
});

export const cacheStats = defineTool({
  name: "cache_stats",
  title: "Cache statistics",
  description: "Keys, bytes used, and hits/misses of reads in a namespace.",
  input: z.object({ namespace: ns }),
  output: z.object({
    namespace: z.string(),
    keys: z.number().int(),
    bytes: z.number().int(),
    hits: z.number().int(),
    misses: z.number().int(),
    hit_rate: z.number().nullable(),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const s = await ctx.store.stats(input.namespace);
    const reads = s.hits + s.misses;
    return {
      namespace: input.namespace,
      ...s,
      hit_rate: reads === 0 ? null : Math.round((s.hits / reads) * 1000) / 1000,
    };
  },
});

export const memoryTools: Tool[] = [
  cacheSet,
  cacheGet,
  cacheDelete,
  cacheExists,
  cacheTtl,
  cacheExpire,
  cacheKeys,
  cacheMget,
  cacheMset,
  cacheIncr,
  cacheClearNamespace,
  cacheStats,
] as Tool[];

export const memoryToolset = defineToolset({
  name: "memory",
  description: "Key-value cache with TTLs, glob scans, bulk operations and statistics (SQLite or Redis).",
  tools: memoryTools,
});
