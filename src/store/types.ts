/**
 * The store: what toolsets need from persistent state, behind one interface with two implementations
 * (embedded SQLite, Redis) that pass one contract test suite (test/store/contract.ts).
 *
 * Two families:
 * - key-value, in namespaces: string values with optional TTL, atomic increment, compare-and-set,
 *   cursor scan by glob pattern, bulk get/set, per-namespace statistics;
 * - durable documents, in collections: JSON with a version number, written with optimistic concurrency,
 *   singly or as an all-or-nothing batch.
 *
 * Everything here is atomic on the server side: two processes sharing a store never lose an update.
 */

export interface SetOptions {
  /** Time to live in milliseconds; omitted = no expiry. */
  ttlMs?: number;
  /** Only set when the key does not exist (NX). */
  ifNotExists?: boolean;
  /** Keep the current TTL of an existing key (KEEPTTL). Ignored when ttlMs is given. */
  keepTtl?: boolean;
}

export interface KvEntry {
  key: string;
  value: string;
  ttlMs?: number;
}

export interface ScanOptions {
  /** Redis-style glob: `*`, `?`, `[abc]`, `[^a]`, `\` escapes. Default `*`. */
  pattern?: string;
  /** Opaque cursor from the previous page; omitted for the first page. */
  cursor?: string;
  /** Most keys to return in this page. */
  limit?: number;
}

export interface ScanPage {
  keys: string[];
  /** Cursor of the next page, or null when the scan is complete. */
  cursor: string | null;
}

/** Remaining lifetime of a key: `missing`, `persistent`, or milliseconds left. */
export type TtlState = { state: "missing" } | { state: "persistent" } | { state: "expiring"; ttlMs: number };

export interface NamespaceStats {
  keys: number;
  /** Bytes of keys and values as stored (UTF-8). */
  bytes: number;
  hits: number;
  misses: number;
}

export interface Doc<T = unknown> {
  id: string;
  data: T;
  /** Starts at 1 and grows by one on each write. */
  version: number;
}

export interface DocWrite {
  collection: string;
  id: string;
  /** New data, or null to delete the document. */
  data: unknown;
  /**
   * Optimistic concurrency: the version the writer last read, 0 for "must not exist yet", or undefined
   * to write unconditionally.
   */
  expectedVersion?: number;
}

export interface DocListOptions {
  /** Only ids starting with this prefix. */
  prefix?: string;
  cursor?: string;
  limit?: number;
}

export interface DocPage<T = unknown> {
  docs: Doc<T>[];
  cursor: string | null;
}

export interface Store {
  readonly kind: "sqlite" | "redis";

  // key-value
  get(ns: string, key: string): Promise<string | null>;
  set(ns: string, key: string, value: string, options?: SetOptions): Promise<boolean>;
  mget(ns: string, keys: readonly string[]): Promise<(string | null)[]>;
  /** All entries are written or none is. */
  mset(ns: string, entries: readonly KvEntry[]): Promise<void>;
  del(ns: string, keys: readonly string[]): Promise<number>;
  exists(ns: string, keys: readonly string[]): Promise<number>;
  ttl(ns: string, key: string): Promise<TtlState>;
  /** Sets (ms) or removes (null) the expiry of an existing key; false when the key does not exist. */
  expire(ns: string, key: string, ttlMs: number | null): Promise<boolean>;
  /** Atomic integer increment; a missing key counts from 0. A non-integer value is a validation error. */
  incr(ns: string, key: string, by?: number): Promise<number>;
  /**
   * Compare-and-set: writes `next` (null deletes) only when the current value equals `expected`
   * (null = the key must not exist). Returns whether it wrote.
   */
  cas(
    ns: string,
    key: string,
    expected: string | null,
    next: string | null,
    options?: { ttlMs?: number },
  ): Promise<boolean>;
  scan(ns: string, options?: ScanOptions): Promise<ScanPage>;
  clearNamespace(ns: string): Promise<number>;
  stats(ns: string): Promise<NamespaceStats>;

  // documents
  getDoc<T = unknown>(collection: string, id: string): Promise<Doc<T> | null>;
  getDocs<T = unknown>(collection: string, ids: readonly string[]): Promise<(Doc<T> | null)[]>;
  /** Writes one document; a version mismatch is a `conflict` ToolError. Returns the new version (0 after delete). */
  putDoc(write: DocWrite): Promise<number>;
  /** All-or-nothing: every expectedVersion is checked before anything is written. Returns new versions. */
  writeDocs(writes: readonly DocWrite[]): Promise<number[]>;
  listDocs<T = unknown>(collection: string, options?: DocListOptions): Promise<DocPage<T>>;

  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Hard limits every implementation enforces; toolsets may set lower ones. */
export const STORE_LIMITS = {
  maxNamespaceLength: 128,
  maxKeyBytes: 1024,
  maxValueBytes: 64 * 1024 * 1024,
  maxBatch: 100_000,
  maxScanLimit: 10_000,
} as const;
