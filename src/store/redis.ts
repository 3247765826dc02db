/**
 * The scale-out store on Redis (ioredis). Every read-modify-write is one server-side step (a native
 * command, MULTI/EXEC or a Lua script), so replicas sharing the Redis never lose an update. Key scans use
 * SCAN, never KEYS.
 *
 * Layout, with `P` the configured prefix (default `rw:`):
 *   P kv:{ns}:<key>          string values          P stats:{ns}      hash: hits, misses
 *   P doc:{coll}:<id>        hash: data, version    P docidx:{coll}   sorted set of ids (lexicographic)
 * The `{ns}` braces are a Redis Cluster hash tag: a namespace (or collection) lives in one slot, so the
 * multi-key scripts stay valid on a cluster. A batch of documents across collections needs one slot too,
 * which standalone Redis (the supported deployment) always has.
 */
import { Redis } from "ioredis";
import { AppError, ToolError, validationError } from "../core/errors.js";
import { escapeGlob } from "./glob.js";
import { createHitCounter } from "./hit-counter.js";
import type {
  Doc,
  DocListOptions,
  DocPage,
  DocWrite,
  ScanOptions,
  ScanPage,
  Store,
  TtlState,
} from "./types.js";
import {
  checkBatch,
  checkDocWrite,
  checkKey,
  checkNamespace,
  checkTtl,
  checkValue,
  clampLimit,
  versionConflict,
} from "./validate.js";

const SCRIPTS = {
  rwCas: {
    numberOfKeys: 1,
    // ARGV: hasExpected, expected, hasNext, next, ttlMs
    lua: `local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
else
  if cur then return 0 end
end
if ARGV[3] == '1' then
  if tonumber(ARGV[5]) > 0 then redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5]) else redis.call('SET', KEYS[1], ARGV[4]) end
else
  redis.call('DEL', KEYS[1])
end
return 1`,
  },
  rwExpire: {
    numberOfKeys: 1,
    lua: `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) else redis.call('PERSIST', KEYS[1]) end
return 1`,
  },
  rwIncr: {
    numberOfKeys: 1,
    lua: `local cur = redis.call('GET', KEYS[1])
if cur and not string.match(cur, '^-?%d+$') then return redis.error_reply('NOTINT') end
return redis.call('INCRBY', KEYS[1], ARGV[1])`,
  },
  rwWriteDocs: {
    // KEYS: doc keys then index keys (two per op). ARGV[1]: JSON [{e: expected|-1, d: data|nil, id}]
    lua: `local ops = cjson.decode(ARGV[1])
local n = #ops
local seen = {}
local versions = {}
for i, op in ipairs(ops) do
  local key = KEYS[i]
  local actual = seen[key]
  if actual == nil then actual = tonumber(redis.call('HGET', key, 'version') or '0') end
  if op.e >= 0 and op.e ~= actual then return {0, i, actual} end
  local nextv = 0
  if op.d then nextv = actual + 1 end
  seen[key] = nextv
  versions[i] = nextv
end
for i, op in ipairs(ops) do
  if op.d then
    redis.call('HSET', KEYS[i], 'data', op.d, 'version', versions[i])
    redis.call('ZADD', KEYS[n + i], 0, op.id)
  else
    redis.call('DEL', KEYS[i])
    redis.call('ZREM', KEYS[n + i], op.id)
  end
end
table.insert(versions, 1, 1)
return versions`,
  },
} as const;

type ScriptedRedis = Redis & {
  rwCas(key: string, ...argv: string[]): Promise<number>;
  rwExpire(key: string, ttl: string): Promise<number>;
  rwIncr(key: string, by: string): Promise<number>;
  rwWriteDocs(numKeys: number, ...args: string[]): Promise<number[]>;
};

export interface RedisStoreOptions {
  url: string;
  prefix?: string;
  /** Give up connecting after this long; default 5 s. */
  connectTimeoutMs?: number;
  /** Told about connection errors (once per distinct error while disconnected). */
  onError?: (err: Error) => void;
}

function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable REDIS_URL)";
  }
}

/** A lost connection is the caller's `upstream` problem, not an internal error. */
function mapRedisError(err: unknown): unknown {
  if (err instanceof ToolError || err instanceof AppError) return err;
  const e = err as Error;
  if (
    e?.name === "MaxRetriesPerRequestError" ||
    /Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test(e?.message ?? "")
  ) {
    return new ToolError("upstream", `the Redis store is unavailable: ${e.message}`, { cause: err });
  }
  return err;
}

/** Wraps every method so that connection failures surface as `upstream` errors. */
function guarded(store: Store): Store {
  const out: Record<string, unknown> = { kind: store.kind };
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== "function") continue;
    out[name] = (...args: unknown[]) =>
      (value as (...a: unknown[]) => Promise<unknown>).apply(store, args).catch((err: unknown) => {
        throw mapRedisError(err);
      });
  }
  return out as unknown as Store;
}

export async function createRedisStore(options: RedisStoreOptions): Promise<Store> {
  const prefix = options.prefix ?? "rw:";
  const redis = new Redis(options.url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    maxRetriesPerRequest: 3,
  }) as ScriptedRedis;
  // Without a listener ioredis prints every failed reconnect to stderr; report the first of a run instead.
  let lastError = "";
  redis.on("error", (err: Error) => {
    if (err.message !== lastError) options.onError?.(err);
    lastError = err.message;
  });
  redis.on("ready", () => {
    lastError = "";
  });
  for (const [name, def] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, {
      lua: def.lua,
      numberOfKeys: "numberOfKeys" in def ? def.numberOfKeys : undefined,
    });
  }
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new AppError(
      "store_unavailable",
      `cannot reach Redis at ${safeUrl(options.url)}: ${lastError || (err as Error).message}; start Redis, fix REDIS_URL, or use REPOWRIGHT_STORE=sqlite`,
    );
  }

  const kvKey = (ns: string, key: string) => `${prefix}kv:{${ns}}:${key}`;
  const kvPrefix = (ns: string) => `${prefix}kv:{${ns}}:`;
  const statsKey = (ns: string) => `${prefix}stats:{${ns}}`;
  const docKey = (c: string, id: string) => `${prefix}doc:{${c}}:${id}`;
  const idxKey = (c: string) => `${prefix}docidx:{${c}}`;

  /** SCAN over every key of a namespace matching a pattern, in batches. */
  async function* scanAll(ns: string, pattern = "*", count = 1000): AsyncGenerator<string[]> {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(
        cursor,
        "MATCH",
        escapeGlob(kvPrefix(ns)) + pattern,
        "COUNT",
        count,
      );
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== "0");
  }

  const hitCounter = createHitCounter(async (deltas) => {
    const pipe = redis.pipeline();
    for (const [ns, d] of deltas) {
      if (d.hits) pipe.hincrby(statsKey(ns), "hits", d.hits);
      if (d.misses) pipe.hincrby(statsKey(ns), "misses", d.misses);
    }
    await pipe.exec();
  });

  const store: Store = {
    kind: "redis",

    async get(ns, key) {
      checkNamespace(ns);
      checkKey(key);
      const value = await redis.get(kvKey(ns, key));
      hitCounter.count(ns, value === null ? 0 : 1, value === null ? 1 : 0);
      return value;
    },

    async set(ns, key, value, options = {}) {
      checkNamespace(ns);
      checkKey(key);
      checkValue(value);
      checkTtl(options.ttlMs);
      const args: (string | number)[] = [];
      if (options.ttlMs !== undefined) args.push("PX", options.ttlMs);
      else if (options.keepTtl) args.push("KEEPTTL");
      if (options.ifNotExists) args.push("NX");
      const res = await redis.call("SET", kvKey(ns, key), value, ...args);
      return res === "OK";
    },

    async mget(ns, keys) {
      checkNamespace(ns);
      checkBatch(keys.length);
      for (const k of keys) checkKey(k);
      if (keys.length === 0) return [];
      const values = await redis.mget(...keys.map((k) => kvKey(ns, k)));
      const hits = values.filter((v) => v !== null).length;
      hitCounter.count(ns, hits, keys.length - hits);
      return values;
    },

    async mset(ns, entries) {
      checkNamespace(ns);
      checkBatch(entries.length);
      for (const e of entries) {
        checkKey(e.key);
        checkValue(e.value);
        checkTtl(e.ttlMs);
      }
      if (entries.length === 0) return;
      const tx = redis.multi();
      for (const e of entries) {
        if (e.ttlMs !== undefined) tx.set(kvKey(ns, e.key), e.value, "PX", e.ttlMs);
        else tx.set(kvKey(ns, e.key), e.value);
      }
      await tx.exec();
    },

    async del(ns, keys) {
      checkNamespace(ns);
      checkBatch(keys.length);
      for (const k of keys) checkKey(k);
      if (keys.length === 0) return 0;
      return redis.unlink(...keys.map((k) => kvKey(ns, k)));
    },

    async exists(ns, keys) {
      checkNamespace(ns);
      checkBatch(keys.length);
      for (const k of keys) checkKey(k);
      if (keys.length === 0) return 0;
      return redis.exists(...keys.map((k) => kvKey(ns, k)));
    },

    async ttl(ns, key): Promise<TtlState> {
      checkNamespace(ns);
      checkKey(key);
      const ms = await redis.pttl(kvKey(ns, key));
      if (ms === -2) return { state: "missing" };
      if (ms === -1) return { state: "persistent" };
      return { state: "expiring", ttlMs: Math.max(1, ms) };
    },

    async expire(ns, key, ttlMs) {
      checkNamespace(ns);
      checkKey(key);
      checkTtl(ttlMs);
      return (await redis.rwExpire(kvKey(ns, key), String(ttlMs ?? 0))) === 1;
    },

    async incr(ns, key, by = 1) {
      checkNamespace(ns);
      checkKey(key);
      try {
        return Number(await redis.rwIncr(kvKey(ns, key), String(by)));
      } catch (err) {
        if (/NOTINT|not an integer|overflow/.test((err as Error).message)) {
          throw validationError(`value of ${ns}/${key} is not an integer`);
        }
        throw err;
      }
    },

    async cas(ns, key, expected, next, options = {}) {
      checkNamespace(ns);
      checkKey(key);
      if (next !== null) checkValue(next);
      checkTtl(options.ttlMs);
      const res = await redis.rwCas(
        kvKey(ns, key),
        expected === null ? "0" : "1",
        expected ?? "",
        next === null ? "0" : "1",
        next ?? "",
        String(options.ttlMs ?? 0),
      );
      return res === 1;
    },

    async scan(ns, options: ScanOptions = {}): Promise<ScanPage> {
      checkNamespace(ns);
      const limit = clampLimit(options.limit, 100);
      const pattern = options.pattern ?? "*";
      // The cursor carries Redis's cursor and any keys of the last SCAN batch beyond `limit`, so paging
      // never drops a key.
      let state: { c: string; p: string[] } = { c: "0", p: [] };
      if (options.cursor) {
        try {
          state = JSON.parse(Buffer.from(options.cursor, "base64url").toString("utf8"));
        } catch {
          throw validationError("cursor is not one this server returned");
        }
        if (typeof state?.c !== "string" || !Array.isArray(state.p))
          throw validationError("cursor is not one this server returned");
      }
      const strip = kvPrefix(ns).length;
      const keys = [...state.p];
      let cursor = state.c;
      let started = options.cursor !== undefined;
      // COUNT near the page size keeps the carried-over keys (and so the cursor) small; the round cap bounds
      // the slots one call visits, as SQLite's scan bounds the rows it reads.
      const count = Math.max(limit, 100);
      const maxRounds = Math.ceil(20_000 / count);
      let rounds = 0;
      while (keys.length < limit && (cursor !== "0" || !started) && rounds < maxRounds) {
        started = true;
        rounds++;
        const [next, batch] = await redis.scan(
          cursor,
          "MATCH",
          escapeGlob(kvPrefix(ns)) + pattern,
          "COUNT",
          count,
        );
        cursor = next;
        for (const k of batch) keys.push(k.slice(strip));
      }
      const page = keys.slice(0, limit);
      const rest = keys.slice(limit);
      const done = cursor === "0" && rest.length === 0;
      return {
        keys: page,
        cursor: done
          ? null
          : Buffer.from(JSON.stringify({ c: cursor, p: rest }), "utf8").toString("base64url"),
      };
    },

    async clearNamespace(ns) {
      checkNamespace(ns);
      await hitCounter.flush();
      let n = 0;
      for await (const keys of scanAll(ns)) n += await redis.unlink(...keys);
      await redis.unlink(statsKey(ns));
      return n;
    },

    async stats(ns) {
      checkNamespace(ns);
      await hitCounter.flush();
      const strip = kvPrefix(ns).length;
      let keys = 0;
      let bytes = 0;
      for await (const batch of scanAll(ns)) {
        const pipe = redis.pipeline();
        for (const k of batch) pipe.strlen(k);
        const lens = (await pipe.exec()) ?? [];
        batch.forEach((k, i) => {
          const len = Number(lens[i]?.[1] ?? 0);
          if (len > 0 || lens[i]?.[0] === null) {
            keys++;
            bytes += Buffer.byteLength(k.slice(strip)) + len;
          }
        });
      }
      const hm = await redis.hmget(statsKey(ns), "hits", "misses");
      return { keys, bytes, hits: Number(hm[0] ?? 0), misses: Number(hm[1] ?? 0) };
    },

    async getDoc<T>(collection: string, id: string): Promise<Doc<T> | null> {
      checkNamespace(collection, "collection");
      checkKey(id, "document id");
      const [data, version] = await redis.hmget(docKey(collection, id), "data", "version");
      return data == null ? null : { id, data: JSON.parse(data) as T, version: Number(version) };
    },

    async getDocs<T>(collection: string, ids: readonly string[]) {
      checkNamespace(collection, "collection");
      checkBatch(ids.length);
      for (const id of ids) checkKey(id, "document id");
      if (ids.length === 0) return [];
      const pipe = redis.pipeline();
      for (const id of ids) pipe.hmget(docKey(collection, id), "data", "version");
      const res = (await pipe.exec()) ?? [];
      return ids.map((id, i) => {
        const [data, version] = (res[i]?.[1] as (string | null)[] | undefined) ?? [];
        return data == null
          ? null
          : ({ id, data: JSON.parse(data) as T, version: Number(version) } satisfies Doc<T>);
      });
    },

    async putDoc(write) {
      checkDocWrite(write);
      return (await store.writeDocs([write]))[0]!;
    },

    async writeDocs(writes: readonly DocWrite[]) {
      checkBatch(writes.length);
      for (const w of writes) checkDocWrite(w);
      if (writes.length === 0) return [];
      const keys = [
        ...writes.map((w) => docKey(w.collection, w.id)),
        ...writes.map((w) => idxKey(w.collection)),
      ];
      const ops = writes.map((w) => ({
        e: w.expectedVersion ?? -1,
        id: w.id,
        ...(w.data === null ? {} : { d: JSON.stringify(w.data) }),
      }));
      const res = await redis.rwWriteDocs(keys.length, ...keys, JSON.stringify(ops));
      if (res[0] === 0) {
        const w = writes[Number(res[1]) - 1]!;
        throw versionConflict(w.collection, w.id, w.expectedVersion ?? -1, Number(res[2]));
      }
      return res.slice(1).map(Number);
    },

    async listDocs<T>(collection: string, options: DocListOptions = {}): Promise<DocPage<T>> {
      checkNamespace(collection, "collection");
      const limit = clampLimit(options.limit, 100);
      const prefix = options.prefix ?? "";
      const after = options.cursor ? Buffer.from(options.cursor, "base64url").toString("utf8") : undefined;
      const start = after === undefined || after < prefix ? `[${prefix}` : `(${after}`;
      const ids = (await redis.zrangebylex(idxKey(collection), start, "+", "LIMIT", 0, limit + 1)).filter(
        (id) => id.startsWith(prefix),
      );
      const more = ids.length > limit;
      if (more) ids.length = limit;
      const docs = (await store.getDocs<T>(collection, ids)).filter((d): d is Doc<T> => d !== null);
      const last = ids[ids.length - 1];
      return { docs, cursor: more && last ? Buffer.from(last, "utf8").toString("base64url") : null };
    },

    async ping() {
      await redis.ping();
    },

    async close() {
      await hitCounter.stop().catch(() => {});
      await redis.quit().catch(() => redis.disconnect());
    },
  };
  return guarded(store);
}
