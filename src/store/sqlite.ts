/**
 * The embedded store: one SQLite file in the data dir, in WAL mode so several processes can share it.
 * Writes run in IMMEDIATE transactions, so read-modify-write sequences (incr, cas, versioned documents)
 * are atomic across processes; an acknowledged write survives a killed process.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { globLiteralPrefix, globToRegExp } from "./glob.js";
import { createHitCounter } from "./hit-counter.js";
import type {
  Doc,
  DocListOptions,
  DocPage,
  DocWrite,
  KvEntry,
  NamespaceStats,
  ScanOptions,
  ScanPage,
  SetOptions,
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
  parseInteger,
  versionConflict,
} from "./validate.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER,
  PRIMARY KEY (ns, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS kv_stats (ns TEXT PRIMARY KEY, hits INTEGER NOT NULL DEFAULT 0, misses INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS docs (
  collection TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, version INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (collection, id)
) WITHOUT ROWID;
`;

/** Rows read per scan page at most, matched or not, so one call never walks a huge namespace. */
const SCAN_WORK = 20_000;

export interface SqliteStoreOptions {
  /** File path, or ":memory:". */
  path: string;
  now?: () => number;
}

export function createSqliteStore(options: SqliteStoreOptions): Store {
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 10000");
  db.exec(SCHEMA);
  const now = options.now ?? Date.now;

  const q = {
    get: db.prepare<[string, string, number], { value: string }>(
      "SELECT value FROM kv WHERE ns = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)",
    ),
    getFull: db.prepare<[string, string, number], { value: string; expires_at: number | null }>(
      "SELECT value, expires_at FROM kv WHERE ns = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)",
    ),
    put: db.prepare<[string, string, string, number | null]>(
      "INSERT INTO kv (ns, key, value, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
    ),
    del: db.prepare<[string, string, number]>(
      "DELETE FROM kv WHERE ns = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)",
    ),
    delAny: db.prepare<[string, string]>("DELETE FROM kv WHERE ns = ? AND key = ?"),
    setExpiry: db.prepare<[number | null, string, string, number]>(
      "UPDATE kv SET expires_at = ? WHERE ns = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)",
    ),
    stat: db.prepare<[string, number, number]>(
      "INSERT INTO kv_stats (ns, hits, misses) VALUES (?, ?, ?) ON CONFLICT (ns) DO UPDATE SET hits = hits + excluded.hits, misses = misses + excluded.misses",
    ),
    scan: db.prepare<[string, string, number, number], { key: string }>(
      "SELECT key FROM kv WHERE ns = ? AND key > ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?",
    ),
    scanFrom: db.prepare<[string, string, number, number], { key: string }>(
      "SELECT key FROM kv WHERE ns = ? AND key >= ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?",
    ),
    clear: db.prepare<[string]>("DELETE FROM kv WHERE ns = ?"),
    clearStats: db.prepare<[string]>("DELETE FROM kv_stats WHERE ns = ?"),
    size: db.prepare<[string, number], { keys: number; bytes: number | null }>(
      "SELECT count(*) AS keys, sum(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB))) AS bytes FROM kv WHERE ns = ? AND (expires_at IS NULL OR expires_at > ?)",
    ),
    hits: db.prepare<[string], { hits: number; misses: number }>(
      "SELECT hits, misses FROM kv_stats WHERE ns = ?",
    ),
    purge: db.prepare<[number]>("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?"),
    getDoc: db.prepare<[string, string], { id: string; data: string; version: number }>(
      "SELECT id, data, version FROM docs WHERE collection = ? AND id = ?",
    ),
    putDoc: db.prepare<[string, string, string, number, number]>(
      "INSERT INTO docs (collection, id, data, version, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data, version = excluded.version, updated_at = excluded.updated_at",
    ),
    delDoc: db.prepare<[string, string]>("DELETE FROM docs WHERE collection = ? AND id = ?"),
    listDocs: db.prepare<[string, string, number], { id: string; data: string; version: number }>(
      "SELECT id, data, version FROM docs WHERE collection = ? AND id > ? ORDER BY id LIMIT ?",
    ),
    listDocsFrom: db.prepare<[string, string, number], { id: string; data: string; version: number }>(
      "SELECT id, data, version FROM docs WHERE collection = ? AND id >= ? ORDER BY id LIMIT ?",
    ),
  };

  const immediate = <A extends unknown[], R>(fn: (...args: A) => R) => {
    const tx = db.transaction(fn);
    return (...args: A): R => tx.immediate(...args);
  };

  const expiresAt = (ttlMs: number | undefined) => (ttlMs === undefined ? null : now() + ttlMs);

  const setTx = immediate((ns: string, key: string, value: string, options: SetOptions): boolean => {
    const t = now();
    const current = q.getFull.get(ns, key, t);
    if (options.ifNotExists && current) return false;
    const exp =
      options.ttlMs !== undefined
        ? t + options.ttlMs
        : options.keepTtl && current
          ? current.expires_at
          : null;
    q.put.run(ns, key, value, exp);
    return true;
  });

  const msetTx = immediate((ns: string, entries: readonly KvEntry[]) => {
    for (const e of entries) q.put.run(ns, e.key, e.value, expiresAt(e.ttlMs));
  });

  const incrTx = immediate((ns: string, key: string, by: number): number => {
    const t = now();
    const current = q.getFull.get(ns, key, t);
    const next = (current ? parseInteger(current.value, ns, key) : 0) + by;
    if (!Number.isSafeInteger(next)) throw new RangeError("increment overflows the safe integer range");
    q.put.run(ns, key, String(next), current ? current.expires_at : null);
    return next;
  });

  const casTx = immediate(
    (
      ns: string,
      key: string,
      expected: string | null,
      next: string | null,
      ttlMs: number | undefined,
    ): boolean => {
      const current = q.get.get(ns, key, now())?.value ?? null;
      if (current !== expected) return false;
      if (next === null) q.delAny.run(ns, key);
      else q.put.run(ns, key, next, expiresAt(ttlMs));
      return true;
    },
  );

  const writeDocsTx = immediate((writes: readonly DocWrite[]): number[] => {
    const current = writes.map((w) => q.getDoc.get(w.collection, w.id)?.version ?? 0);
    // Later writes to the same document in one batch see the earlier ones.
    const seen = new Map<string, number>();
    const versions: number[] = [];
    writes.forEach((w, i) => {
      const k = `${w.collection}\u0000${w.id}`;
      const actual = seen.get(k) ?? current[i]!;
      if (w.expectedVersion !== undefined && w.expectedVersion !== actual) {
        throw versionConflict(w.collection, w.id, w.expectedVersion, actual);
      }
      const next = w.data === null ? 0 : actual + 1;
      seen.set(k, next);
      versions.push(next);
    });
    const t = now();
    writes.forEach((w, i) => {
      if (w.data === null) q.delDoc.run(w.collection, w.id);
      else q.putDoc.run(w.collection, w.id, JSON.stringify(w.data), versions[i]!, t);
    });
    return versions;
  });

  const delTx = immediate((ns: string, keys: readonly string[]) => {
    let n = 0;
    const t = now();
    for (const key of keys) n += q.del.run(ns, key, t).changes;
    return n;
  });

  const clearTx = immediate((ns: string) => {
    const n = q.size.get(ns, now())?.keys ?? 0;
    q.clear.run(ns);
    q.clearStats.run(ns);
    return n;
  });

  const statTx = immediate((deltas: Map<string, { hits: number; misses: number }>) => {
    for (const [ns, d] of deltas) q.stat.run(ns, d.hits, d.misses);
  });
  const hitCounter = createHitCounter((deltas) => statTx(deltas));

  const purge = () => {
    try {
      q.purge.run(now());
    } catch {
      // Another process holds the write lock; the next sweep gets it.
    }
  };
  purge();
  const sweeper = setInterval(purge, 60_000);
  sweeper.unref();

  const toDoc = <T>(row: { id: string; data: string; version: number }): Doc<T> => ({
    id: row.id,
    data: JSON.parse(row.data) as T,
    version: row.version,
  });

  let closed = false;

  const store: Store = {
    kind: "sqlite",

    async get(ns, key) {
      checkNamespace(ns);
      checkKey(key);
      const row = q.get.get(ns, key, now());
      hitCounter.count(ns, row ? 1 : 0, row ? 0 : 1);
      return row ? row.value : null;
    },

    async set(ns, key, value, options = {}) {
      checkNamespace(ns);
      checkKey(key);
      checkValue(value);
      checkTtl(options.ttlMs);
      return setTx(ns, key, value, options);
    },

    async mget(ns, keys) {
      checkNamespace(ns);
      checkBatch(keys.length);
      for (const k of keys) checkKey(k);
      const t = now();
      const values = keys.map((k) => q.get.get(ns, k, t)?.value ?? null);
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
      msetTx(ns, entries);
    },

    async del(ns, keys) {
      checkNamespace(ns);
      checkBatch(keys.length);
      for (const k of keys) checkKey(k);
      return delTx(ns, keys);
    },

    async exists(ns, keys) {
      checkNamespace(ns);
      checkBatch(keys.length);
      for (const k of keys) checkKey(k);
      const t = now();
      return keys.reduce((n, k) => n + (q.get.get(ns, k, t) ? 1 : 0), 0);
    },

    async ttl(ns, key): Promise<TtlState> {
      checkNamespace(ns);
      checkKey(key);
      const t = now();
      const row = q.getFull.get(ns, key, t);
      if (!row) return { state: "missing" };
      if (row.expires_at === null) return { state: "persistent" };
      return { state: "expiring", ttlMs: Math.max(1, row.expires_at - t) };
    },

    async expire(ns, key, ttlMs) {
      checkNamespace(ns);
      checkKey(key);
      checkTtl(ttlMs);
      const t = now();
      return q.setExpiry.run(ttlMs === null ? null : t + ttlMs, ns, key, t).changes > 0;
    },

    async incr(ns, key, by = 1) {
      checkNamespace(ns);
      checkKey(key);
      return incrTx(ns, key, by);
    },

    async cas(ns, key, expected, next, options = {}) {
      checkNamespace(ns);
      checkKey(key);
      if (next !== null) checkValue(next);
      checkTtl(options.ttlMs);
      return casTx(ns, key, expected, next, options.ttlMs);
    },

    async scan(ns, options: ScanOptions = {}): Promise<ScanPage> {
      checkNamespace(ns);
      const pattern = options.pattern ?? "*";
      const limit = clampLimit(options.limit, 100);
      const re = globToRegExp(pattern);
      const prefix = globLiteralPrefix(pattern);
      const t = now();
      let after = options.cursor ? Buffer.from(options.cursor, "base64url").toString("utf8") : undefined;
      const keys: string[] = [];
      let read = 0;
      let first = after === undefined || after < prefix;
      while (keys.length < limit && read < SCAN_WORK) {
        const batch = Math.min(1000, SCAN_WORK - read);
        const rows = first ? q.scanFrom.all(ns, prefix, t, batch) : q.scan.all(ns, after!, t, batch);
        first = false;
        if (rows.length === 0) return { keys, cursor: null };
        for (const { key } of rows) {
          read++;
          after = key;
          if (!key.startsWith(prefix)) return { keys, cursor: null };
          if (re.test(key)) {
            keys.push(key);
            if (keys.length === limit) break;
          }
        }
        if (rows.length < batch && keys.length < limit) return { keys, cursor: null };
      }
      return { keys, cursor: after === undefined ? null : Buffer.from(after, "utf8").toString("base64url") };
    },

    async clearNamespace(ns) {
      checkNamespace(ns);
      await hitCounter.flush();
      return clearTx(ns);
    },

    async stats(ns) {
      checkNamespace(ns);
      await hitCounter.flush();
      const size = q.size.get(ns, now());
      const hm = q.hits.get(ns);
      const s: NamespaceStats = {
        keys: size?.keys ?? 0,
        bytes: size?.bytes ?? 0,
        hits: hm?.hits ?? 0,
        misses: hm?.misses ?? 0,
      };
      return s;
    },

    async getDoc<T>(collection: string, id: string) {
      checkNamespace(collection, "collection");
      checkKey(id, "document id");
      const row = q.getDoc.get(collection, id);
      return row ? toDoc<T>(row) : null;
    },

    async getDocs<T>(collection: string, ids: readonly string[]) {
      checkNamespace(collection, "collection");
      checkBatch(ids.length);
      return ids.map((id) => {
        const row = q.getDoc.get(collection, id);
        return row ? toDoc<T>(row) : null;
      });
    },

    async putDoc(write) {
      checkDocWrite(write);
      return writeDocsTx([write])[0]!;
    },

    async writeDocs(writes) {
      checkBatch(writes.length);
      for (const w of writes) checkDocWrite(w);
      if (writes.length === 0) return [];
      return writeDocsTx(writes);
    },

    async listDocs<T>(collection: string, options: DocListOptions = {}): Promise<DocPage<T>> {
      checkNamespace(collection, "collection");
      const limit = clampLimit(options.limit, 100);
      const prefix = options.prefix ?? "";
      const after = options.cursor ? Buffer.from(options.cursor, "base64url").toString("utf8") : undefined;
      const docs: Doc<T>[] = [];
      const rows =
        after === undefined || after < prefix
          ? q.listDocsFrom.all(collection, prefix, limit + 1)
          : q.listDocs.all(collection, after, limit + 1);
      for (const row of rows) {
        if (!row.id.startsWith(prefix)) break;
        docs.push(toDoc<T>(row));
      }
      const more = docs.length > limit;
      if (more) docs.length = limit;
      const last = docs[docs.length - 1];
      return { docs, cursor: more && last ? Buffer.from(last.id, "utf8").toString("base64url") : null };
    },

    async ping() {
      db.prepare("SELECT 1").get();
    },

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      await hitCounter.stop();
      db.close();
    },
  };
  return store;
}
