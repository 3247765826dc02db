/**
 * The code index behind one asynchronous interface (CodeIndex), implemented here on one SQLite file per
 * repository under the data dir (pg-store.ts implements it on PostgreSQL). Lexical postings, chunk metadata, vectors and the embedding cache all live in that file, and
 * every file's update is one transaction: an index killed half-way keeps whole files only, and the next
 * run continues from the content hashes.
 */
import { createHash } from "node:crypto";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { PostingsCache } from "./postings-cache.js";
import {
  cutSegment,
  decodeSegments,
  needsCompaction,
  PostingBatch,
  pieces,
  SEGMENT_KEYS,
} from "./segments.js";

export interface FileRow {
  id: number;
  path: string;
  hash: string;
  size: number;
  mtime: number;
  lang: string;
  chunks: number;
}

export interface ChunkInput {
  startLine: number;
  endLine: number;
  kind: string;
  symbol: string;
  name: string;
  context: string;
  text: string;
  hash: string;
  /** Weighted term frequencies. */
  terms: Map<string, number>;
}

export interface ChunkRow {
  id: number;
  fileId: number;
  path: string;
  lang: string;
  startLine: number;
  endLine: number;
  kind: string;
  symbol: string;
  hash: string;
  text: string;
  context: string;
}

export interface Posting {
  chunkId: number;
  tf: number;
}

/** The postings of one term as two parallel arrays, in chunk id order (no object per posting). */
export interface PostingList {
  chunkIds: Int32Array;
  tfs: Float64Array;
}

export interface FileUpdate {
  path: string;
  hash: string;
  size: number;
  mtime: number;
  lang: string;
  chunks: ChunkInput[];
}

/** Chunk-level arrays for scoring, indexed by chunk id. */
export interface ChunkTable {
  generation: number;
  maxId: number;
  fileOf: Int32Array;
  len: Float32Array;
  /** What each chunk is, as a KIND_* code: a definition, a type-only declaration, or other code/text. */
  kind: Uint8Array;
  count: number;
  avgLen: number;
  files: Map<number, { path: string; lang: string }>;
}

export const KIND_OTHER = 0;
export const KIND_DEFINITION = 1;
export const KIND_DECLARATION = 2;
const DECLARATION_KINDS = new Set(["interface", "type", "enum"]);
const OTHER_KINDS = new Set(["block", "section", "lines", "file", ""]);

/** The KIND_* code of a chunk kind. */
export function kindCode(kind: string): number {
  if (DECLARATION_KINDS.has(kind)) return KIND_DECLARATION;
  return OTHER_KINDS.has(kind) ? KIND_OTHER : KIND_DEFINITION;
}

/** Document frequency and id of an indexed term. */
export interface TermRow {
  id: number;
  df: number;
}

/**
 * Everything the indexer and the searcher need from an index store. Asynchronous because a store may be
 * across the network (pg-store.ts); the SQLite store answers at once. Lookups a search makes per query term
 * or per named identifier are batched (`terms`, `postings`, `chunksByNames`): one round trip each.
 */
export interface CodeIndex {
  readonly root: string;
  /** Where the index lives, for index_status (never with a password). */
  readonly location: string;
  /** Which store holds it. */
  readonly backend: "sqlite" | "postgres";
  files(): Promise<Map<string, FileRow>>;
  /** One all-or-nothing transaction: the index keeps the previous state of every file if it fails. */
  applyFiles(
    updates: FileUpdate[],
    deletes: string[],
    touches: { path: string; mtime: number }[],
  ): Promise<void>;
  setSkipped(skipped: { path: string; reason: string }[]): Promise<void>;
  skipped(limit: number): Promise<{ path: string; reason: string }[]>;
  skippedCount(): Promise<number>;
  meta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /** The chunk table of the current generation, cached in memory until an update bumps the generation. */
  chunkTable(): Promise<ChunkTable>;
  /** Id and document frequency of each of `terms` the index knows. */
  terms(terms: readonly string[]): Promise<Map<string, TermRow>>;
  /** Postings of each term id, in chunk id order. */
  postings(termIds: readonly number[]): Promise<Map<number, Posting[]>>;
  /** The same postings packed in typed arrays: what a search reads (a common term has tens of thousands). */
  postingLists(termIds: readonly number[]): Promise<Map<number, PostingList>>;
  /** The chunks of `ids` that exist, in the order of `ids`. */
  chunks(ids: readonly number[]): Promise<ChunkRow[]>;
  chunksByName(nameLc: string, prefix: boolean, limit: number): Promise<ChunkRow[]>;
  /** `chunksByName(name, false, limit)` for each of `namesLc`. */
  chunksByNames(namesLc: readonly string[], limit: number): Promise<Map<string, ChunkRow[]>>;
  chunksOfFile(path: string): Promise<ChunkRow[]>;
  /** Chunk id and content hash of chunks that have no vector yet. */
  chunksWithoutVector(
    limit: number,
  ): Promise<{ id: number; hash: string; text: string; context: string; path: string }[]>;
  /** Every chunk's text, context, path and content hash (what embedders read; the LSI model trains on it). */
  allChunkTexts(): AsyncIterable<{ id: number; text: string; context: string; path: string; hash: string }>;
  putVectors(rows: { chunkId: number; vec: Float32Array }[]): Promise<void>;
  clearVectors(): Promise<void>;
  /** Every vector, in chunk id order. */
  vectors(): Promise<{ ids: Int32Array; dim: number; data: Float32Array }>;
  /** The cached embeddings of those of `keys` that have one. */
  cachedEmbeddings(keys: readonly string[]): Promise<Map<string, Float32Array>>;
  cacheEmbeddings(rows: { key: string; vec: Float32Array }[]): Promise<void>;
  putBlob(key: string, data: Buffer): Promise<void>;
  blob(key: string): Promise<Buffer | undefined>;
  sizeBytes(): Promise<number>;
  stats(): Promise<{ files: number; chunks: number; terms: number; vectors: number }>;
  close(): Promise<void>;
}

const SCHEMA_VERSION = 4;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS files (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, hash TEXT NOT NULL,
  size INTEGER NOT NULL, mtime REAL NOT NULL, lang TEXT NOT NULL, chunks INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS skipped (path TEXT PRIMARY KEY, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (id INTEGER PRIMARY KEY AUTOINCREMENT, file_id INTEGER NOT NULL, start_line INTEGER NOT NULL,
  end_line INTEGER NOT NULL, kind TEXT NOT NULL, symbol TEXT NOT NULL, name_lc TEXT NOT NULL, hash TEXT NOT NULL,
  len REAL NOT NULL, text TEXT NOT NULL, context TEXT NOT NULL, term_ids BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_file ON chunks(file_id);
CREATE INDEX IF NOT EXISTS chunks_name ON chunks(name_lc) WHERE name_lc <> '';
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS postings (term_id INTEGER NOT NULL, seg INTEGER NOT NULL, lo INTEGER NOT NULL,
  hi INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (term_id, seg)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vectors (chunk_id INTEGER PRIMARY KEY, vec BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS embed_cache (key TEXT PRIMARY KEY, vec BLOB NOT NULL);
`;

/** The key of the index of `root` in every store: the first 16 hex digits of the root's sha256. */
export function indexKey(root: string): string {
  return createHash("sha256").update(root).digest("hex").slice(0, 16);
}

/** Where the SQLite index of `root` lives: never inside the repository. */
export function indexLocation(home: string, root: string): string {
  return join(home, "code", `${indexKey(root)}.sqlite`);
}

/** A vector as stored (little-endian float32 bytes), and back. */
export const toBlob = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
export const fromBlob = (b: Buffer) =>
  new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** The updates with one per path, the last given for it (what applying them in turn would leave). */
export function lastUpdatePerPath(updates: readonly FileUpdate[]): FileUpdate[] {
  const last = new Map<string, FileUpdate>();
  for (const u of updates) {
    last.delete(u.path);
    last.set(u.path, u);
  }
  return last.size === updates.length ? [...updates] : [...last.values()];
}

export function openSqliteIndex(
  home: string,
  root: string,
  options: { create: boolean },
): CodeIndex | undefined {
  const location = indexLocation(home, root);
  if (!options.create) {
    try {
      statSync(location);
    } catch {
      return undefined;
    }
  }
  mkdirSync(join(home, "code"), { recursive: true });
  const db = new Database(location);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 10000");
  // Postings arrive in chunk order but live in term order: a larger page cache saves most re-reads.
  db.pragma("cache_size = -131072");
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version !== SCHEMA_VERSION) {
    // An index is a cache of the repository: an older layout is dropped and rebuilt, never migrated.
    db.exec(
      "DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS blobs; DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS skipped; DROP TABLE IF EXISTS chunks; DROP TABLE IF EXISTS terms; DROP TABLE IF EXISTS postings; DROP TABLE IF EXISTS vectors; DROP TABLE IF EXISTS embed_cache;",
    );
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }
  db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('root', ?)").run(root);

  const q = {
    meta: db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?"),
    setMeta: db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    ),
    fileByPath: db.prepare<[string], { id: number }>("SELECT id FROM files WHERE path = ?"),
    chunkTermIds: db.prepare<[number], { id: number; term_ids: Buffer }>(
      "SELECT id, term_ids FROM chunks WHERE file_id = ?",
    ),
    delVector: db.prepare("DELETE FROM vectors WHERE chunk_id = ?"),
    delChunks: db.prepare("DELETE FROM chunks WHERE file_id = ?"),
    delFile: db.prepare("DELETE FROM files WHERE id = ?"),
    insFile: db.prepare(
      "INSERT INTO files (path, hash, size, mtime, lang, chunks) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET hash = excluded.hash, size = excluded.size, mtime = excluded.mtime, lang = excluded.lang, chunks = excluded.chunks RETURNING id",
    ),
    touch: db.prepare("UPDATE files SET mtime = ? WHERE path = ?"),
    insChunk: db.prepare(
      "INSERT INTO chunks (file_id, start_line, end_line, kind, symbol, name_lc, hash, len, text, context, term_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    // A term's document frequency is the number of its postings: one per chunk that has it.
    term: db.prepare<[string], { id: number; df: number }>(
      "SELECT id, (SELECT coalesce(sum(n), 0) FROM postings WHERE term_id = terms.id) AS df FROM terms WHERE term = ?",
    ),
    putVector: db.prepare("INSERT OR REPLACE INTO vectors (chunk_id, vec) VALUES (?, ?)"),
    cache: db.prepare<[string], { vec: Buffer }>("SELECT vec FROM embed_cache WHERE key = ?"),
    putCache: db.prepare("INSERT OR REPLACE INTO embed_cache (key, vec) VALUES (?, ?)"),
    blob: db.prepare<[string], { data: Buffer }>("SELECT data FROM blobs WHERE key = ?"),
    putBlob: db.prepare("INSERT OR REPLACE INTO blobs (key, data) VALUES (?, ?)"),
  };

  const CHUNK_COLS =
    "c.id AS id, c.file_id AS fileId, f.path AS path, f.lang AS lang, c.start_line AS startLine, c.end_line AS endLine, c.kind AS kind, c.symbol AS symbol, c.hash AS hash, c.text AS text, c.context AS context";

  // Term ids never change once given, so they are cached for the life of the connection. While the cache
  // holds every term of the table (the connection has seen it all, from empty), a term it lacks is new:
  // its id is given here and its row written with the others at the end of the transaction, with no
  // lookup per term. Likewise the number of postings and segments of each term the connection wrote,
  // while no other connection has written since (the generation it wrote last is still the index's).
  const termIds = new Map<string, number>();
  let allTermsKnown = false;
  let nextTermId = 0;
  let newTerms: { id: number; term: string }[] = [];
  /** Postings × SEG_SHIFT + segments, per term id. */
  const termShape = new Map<number, number>();
  const SEG_SHIFT = 2 ** 20;
  let lastGeneration = Number.NaN;
  const termId = (term: string): number => {
    let id = termIds.get(term);
    if (id !== undefined) return id;
    if (!allTermsKnown) id = termIdOf.get(term);
    if (id === undefined) {
      id = nextTermId++;
      newTerms.push({ id, term });
    }
    termIds.set(term, id);
    return id;
  };
  const forgetTerms = () => {
    termIds.clear();
    termShape.clear();
    allTermsKnown = false;
    nextTermId = 0;
    lastGeneration = Number.NaN;
  };
  const termIdOf = db.prepare<[string], number>("SELECT id FROM terms WHERE term = ?").pluck();
  const shapeOf = db.prepare<[number], { n: number; segs: number }>(
    "SELECT coalesce(sum(n), 0) AS n, count(*) AS segs FROM postings WHERE term_id = ?",
  );
  const segmentsInRange = db.prepare<[number, number, number], { seg: number; data: Buffer }>(
    "SELECT seg, data FROM postings WHERE term_id = ? AND hi >= ? AND lo <= ?",
  );
  const segmentsOf = db
    .prepare<[number], Buffer>("SELECT data FROM postings WHERE term_id = ? ORDER BY seg")
    .pluck();
  const putSegment = db.prepare(
    "UPDATE postings SET lo = ?, hi = ?, n = ?, data = ? WHERE term_id = ? AND seg = ?",
  );
  const dropSegment = db.prepare("DELETE FROM postings WHERE term_id = ? AND seg = ?");
  const dropSegments = db.prepare("DELETE FROM postings WHERE term_id = ?");
  // Many rows per statement: the per-statement overhead dominates single-row inserts.
  const multiInsert = (table: string, cols: string, per: number) => {
    const row = `(${cols
      .split(",")
      .map(() => "?")
      .join(", ")})`;
    const many = db.prepare(
      `INSERT INTO ${table} (${cols}) VALUES ${Array.from({ length: per }, () => row).join(", ")}`,
    );
    const one = db.prepare(`INSERT INTO ${table} (${cols}) VALUES ${row}`);
    const width = cols.split(",").length;
    const values: unknown[] = [];
    return {
      add(...row: unknown[]) {
        values.push(...row);
        if (values.length === per * width) this.flush();
      },
      flush() {
        if (values.length === per * width) many.run(values);
        else for (let k = 0; k < values.length; k += width) one.run(values.slice(k, k + width));
        values.length = 0;
      },
      clear() {
        values.length = 0;
      },
    };
  };
  const insSegments = multiInsert("postings", "term_id, seg, lo, hi, n, data", 128);
  const insTerms = multiInsert("terms", "term, id", 256);
  const batch = new PostingBatch();
  let dfDelta = new Map<number, number>();
  let segDelta = new Map<number, number>();
  const addTo = (m: Map<number, number>, k: number, d: number) => m.set(k, (m.get(k) ?? 0) + d);
  // Chunks removed in the current transaction, per term.
  let removed = new Map<number, number[]>();

  const byName = db.prepare(
    `SELECT ${CHUNK_COLS} FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.name_lc = ? AND c.name_lc <> '' ORDER BY f.path, c.start_line LIMIT ?`,
  );
  const byPrefix = db.prepare(
    `SELECT ${CHUNK_COLS} FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.name_lc >= ? AND c.name_lc < ? AND c.name_lc <> '' ORDER BY length(c.name_lc), f.path LIMIT ?`,
  );

  const removeFile = (fileId: number) => {
    for (const { id, term_ids } of q.chunkTermIds.all(fileId)) {
      const ids = new Int32Array(
        term_ids.buffer.slice(term_ids.byteOffset, term_ids.byteOffset + term_ids.byteLength),
      );
      for (const t of ids) {
        const list = removed.get(t);
        if (list) list.push(id);
        else removed.set(t, [id]);
        addTo(dfDelta, t, -1);
      }
      q.delVector.run(id);
    }
    q.delChunks.run(fileId);
  };

  /** Cuts the removed chunks out of the segments that hold them. */
  const cutRemoved = () => {
    for (const [t, ids] of removed) {
      ids.sort((a, b) => a - b);
      for (const { seg, data } of segmentsInRange.all(t, ids[0]!, ids[ids.length - 1]!)) {
        const cut = cutSegment(data, ids);
        if (cut === undefined) continue;
        if (cut === null) {
          dropSegment.run(t, seg);
          addTo(segDelta, t, -1);
        } else putSegment.run(cut.lo, cut.hi, cut.n, cut.data, t, seg);
      }
    }
  };

  /** Rewrites every segment of term `t` as full ones; returns how many there are now. */
  const compact = (t: number, gen: number): number => {
    const list = decodeSegments(segmentsOf.all(t));
    dropSegments.run(t);
    let segs = 0;
    for (const p of pieces(list)) {
      insSegments.add(t, gen * SEGMENT_KEYS + p.piece, p.lo, p.hi, p.n, p.data);
      segs++;
    }
    insSegments.flush();
    return segs;
  };

  const applyFiles = db.transaction(
    (updates: FileUpdate[], deletes: string[], touches: { path: string; mtime: number }[]) => {
      dfDelta = new Map();
      segDelta = new Map();
      removed = new Map();
      newTerms = [];
      const current = Number(q.meta.get("generation")?.value ?? "0");
      if (current !== lastGeneration) {
        // First write of this connection, or another connection wrote since: only the term ids hold.
        termShape.clear();
        const maxTerm = Number(q.meta.get("max_term_id")?.value ?? "0");
        allTermsKnown = maxTerm === 0;
        if (allTermsKnown) termIds.clear();
        nextTermId = maxTerm + 1;
      }
      const gen = current + 1;
      for (const path of deletes) {
        const row = q.fileByPath.get(path);
        if (!row) continue;
        removeFile(row.id);
        q.delFile.run(row.id);
      }
      for (const t of touches) q.touch.run(t.mtime, t.path);
      for (const u of updates) {
        const existing = q.fileByPath.get(u.path);
        if (existing) removeFile(existing.id);
        const { id: fileId } = q.insFile.get(u.path, u.hash, u.size, u.mtime, u.lang, u.chunks.length) as {
          id: number;
        };
        for (const c of u.chunks) {
          let len = 0;
          for (const tf of c.terms.values()) len += tf;
          const ids = new Int32Array(c.terms.size);
          let i = 0;
          for (const term of c.terms.keys()) ids[i++] = termId(term);
          const chunkId = Number(
            q.insChunk.run(
              fileId,
              c.startLine,
              c.endLine,
              c.kind,
              c.symbol,
              c.name.toLowerCase(),
              c.hash,
              len,
              c.text,
              c.context,
              Buffer.from(ids.buffer),
            ).lastInsertRowid,
          );
          i = 0;
          for (const tf of c.terms.values()) {
            const t = ids[i++]!;
            batch.add(t, chunkId, tf);
            addTo(dfDelta, t, 1);
          }
        }
      }
      cutRemoved();
      // One segment per term (split when long), in key order: each term's postings go in together.
      batch.runs((t, list) => {
        for (const p of pieces(list)) {
          insSegments.add(t, gen * SEGMENT_KEYS + p.piece, p.lo, p.hi, p.n, p.data);
          addTo(segDelta, t, 1);
        }
      });
      insSegments.flush();
      batch.clear();
      // In term order: the terms' B-tree then grows at its end instead of at random leaves.
      newTerms.sort((x, y) => (x.term < y.term ? -1 : x.term > y.term ? 1 : 0));
      for (const { id, term } of newTerms) insTerms.add(term, id);
      insTerms.flush();
      if (newTerms.length) q.setMeta.run("max_term_id", String(nextTermId - 1));
      // Postings and segments of each term written to: compacted when the segments are many, and the
      // count of terms with postings kept up to date.
      let liveDelta = 0;
      for (const t of new Set([...dfDelta.keys(), ...segDelta.keys()])) {
        const dn = dfDelta.get(t) ?? 0;
        const ds = segDelta.get(t) ?? 0;
        if (dn === 0 && ds === 0) continue;
        let n: number;
        let segs: number;
        const known = termShape.get(t);
        if (known !== undefined || allTermsKnown) {
          n = Math.floor((known ?? 0) / SEG_SHIFT) + dn;
          segs = ((known ?? 0) % SEG_SHIFT) + ds;
        } else ({ n, segs } = shapeOf.get(t)!);
        const before = n - dn;
        if (before <= 0 && n > 0) liveDelta++;
        else if (before > 0 && n <= 0) liveDelta--;
        if (needsCompaction(n, segs)) segs = compact(t, gen);
        termShape.set(t, n * SEG_SHIFT + segs);
      }
      if (liveDelta !== 0)
        q.setMeta.run("live_terms", String(Number(q.meta.get("live_terms")?.value ?? "0") + liveDelta));
      q.setMeta.run("generation", String(gen));
      lastGeneration = gen;
    },
  );

  let table: ChunkTable | undefined;
  const postingsCache = new PostingsCache();
  const readPostingLists = async (ids: readonly number[]) => {
    const out = new Map<number, PostingList>();
    for (const id of ids) out.set(id, decodeSegments(segmentsOf.all(id)));
    return out;
  };

  const chunkTable = (): ChunkTable => {
    const generation = Number(q.meta.get("generation")?.value ?? "0");
    if (table && table.generation === generation) return table;
    const maxId = (db.prepare("SELECT coalesce(max(id), 0) AS m FROM chunks").get() as { m: number }).m;
    const fileOf = new Int32Array(maxId + 1).fill(-1);
    const len = new Float32Array(maxId + 1);
    const kind = new Uint8Array(maxId + 1);
    let count = 0;
    let total = 0;
    for (const r of db.prepare("SELECT id, file_id, len, kind FROM chunks").raw().iterate() as Iterable<
      [number, number, number, string]
    >) {
      fileOf[r[0]] = r[1];
      len[r[0]] = r[2];
      kind[r[0]] = kindCode(r[3]);
      count++;
      total += r[2];
    }
    const files = new Map<number, { path: string; lang: string }>();
    for (const r of db.prepare("SELECT id, path, lang FROM files").all() as {
      id: number;
      path: string;
      lang: string;
    }[])
      files.set(r.id, { path: r.path, lang: r.lang });
    table = { generation, maxId, fileOf, len, kind, count, avgLen: count ? total / count : 1, files };
    return table;
  };
  const setSkipped = db.transaction((skipped: { path: string; reason: string }[]) => {
    db.prepare("DELETE FROM skipped").run();
    const ins = db.prepare("INSERT OR REPLACE INTO skipped (path, reason) VALUES (?, ?)");
    for (const s of skipped) ins.run(s.path, s.reason);
  });
  const putVectors = db.transaction((rows: { chunkId: number; vec: Float32Array }[]) => {
    for (const r of rows) q.putVector.run(r.chunkId, toBlob(r.vec));
  });
  const cacheEmbeddings = db.transaction((rows: { key: string; vec: Float32Array }[]) => {
    for (const r of rows) q.putCache.run(r.key, toBlob(r.vec));
  });

  return {
    root,
    location,
    backend: "sqlite",
    async files() {
      const out = new Map<string, FileRow>();
      for (const r of db
        .prepare("SELECT id, path, hash, size, mtime, lang, chunks FROM files")
        .all() as FileRow[])
        out.set(r.path, r);
      return out;
    },
    async applyFiles(updates, deletes, touches) {
      try {
        applyFiles(lastUpdatePerPath(updates), deletes, touches);
      } catch (err) {
        // The transaction rolled back: rows not yet written and term ids it gave are not the index's.
        insSegments.clear();
        insTerms.clear();
        batch.clear();
        forgetTerms();
        throw err;
      }
    },
    async setSkipped(skipped) {
      setSkipped(skipped);
    },
    async skipped(limit) {
      return db.prepare("SELECT path, reason FROM skipped ORDER BY path LIMIT ?").all(limit) as {
        path: string;
        reason: string;
      }[];
    },
    async skippedCount() {
      return (db.prepare("SELECT count(*) AS n FROM skipped").get() as { n: number }).n;
    },
    async meta(key) {
      return q.meta.get(key)?.value;
    },
    async setMeta(key, value) {
      q.setMeta.run(key, value);
    },
    async chunkTable() {
      return chunkTable();
    },
    async terms(terms) {
      const out = new Map<string, TermRow>();
      for (const t of terms) {
        const row = q.term.get(t);
        if (row) out.set(t, row);
      }
      return out;
    },
    async postings(termIds) {
      const out = new Map<number, Posting[]>();
      for (const [id, { chunkIds, tfs }] of await readPostingLists(termIds))
        out.set(
          id,
          Array.from(chunkIds, (chunkId, i) => ({ chunkId, tf: tfs[i]! })),
        );
      return out;
    },
    async postingLists(termIds) {
      const generation = Number(q.meta.get("generation")?.value ?? "0");
      return postingsCache.get(generation, termIds, readPostingLists);
    },
    async chunks(ids) {
      if (ids.length === 0) return [];
      const rows = db
        .prepare(
          `SELECT ${CHUNK_COLS} FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id IN (SELECT value FROM json_each(?))`,
        )
        .all(JSON.stringify(ids)) as ChunkRow[];
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id)).filter((r): r is ChunkRow => r !== undefined);
    },
    async chunksByName(nameLc, prefix, limit) {
      // `name_lc <> ''` lets SQLite use the partial index on name_lc.
      return (
        prefix ? byPrefix.all(nameLc, `${nameLc}\uffff`, limit) : byName.all(nameLc, limit)
      ) as ChunkRow[];
    },
    async chunksByNames(namesLc, limit) {
      const out = new Map<string, ChunkRow[]>();
      for (const n of namesLc) if (!out.has(n)) out.set(n, byName.all(n, limit) as ChunkRow[]);
      return out;
    },
    async chunksOfFile(path) {
      return db
        .prepare(
          `SELECT ${CHUNK_COLS} FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.path = ? ORDER BY c.start_line`,
        )
        .all(path) as ChunkRow[];
    },
    async chunksWithoutVector(limit) {
      return db
        .prepare(
          "SELECT c.id AS id, c.hash AS hash, c.text AS text, c.context AS context, f.path AS path FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id NOT IN (SELECT chunk_id FROM vectors) LIMIT ?",
        )
        .all(limit) as { id: number; hash: string; text: string; context: string; path: string }[];
    },
    async *allChunkTexts() {
      const rows = db
        .prepare(
          "SELECT c.id AS id, c.text AS text, c.context AS context, f.path AS path, c.hash AS hash FROM chunks c JOIN files f ON f.id = c.file_id",
        )
        .iterate() as Iterable<{ id: number; text: string; context: string; path: string; hash: string }>;
      yield* rows;
    },
    async putVectors(rows) {
      putVectors(rows);
    },
    async clearVectors() {
      db.prepare("DELETE FROM vectors").run();
    },
    async vectors() {
      const rows = db.prepare("SELECT chunk_id, vec FROM vectors ORDER BY chunk_id").raw().all() as [
        number,
        Buffer,
      ][];
      const first = rows[0];
      const dim = first ? first[1].byteLength / 4 : 0;
      const ids = new Int32Array(rows.length);
      const data = new Float32Array(rows.length * dim);
      rows.forEach(([id, b], i) => {
        ids[i] = id;
        data.set(new Float32Array(b.buffer, b.byteOffset, dim), i * dim);
      });
      return { ids, dim, data };
    },
    async cachedEmbeddings(keys) {
      const out = new Map<string, Float32Array>();
      for (const key of keys) {
        const r = q.cache.get(key);
        if (r) out.set(key, fromBlob(r.vec));
      }
      return out;
    },
    async cacheEmbeddings(rows) {
      cacheEmbeddings(rows);
    },
    async putBlob(key, data) {
      q.putBlob.run(key, data);
    },
    async blob(key) {
      return q.blob.get(key)?.data;
    },
    async sizeBytes() {
      let total = 0;
      for (const suffix of ["", "-wal", "-shm"]) {
        try {
          total += statSync(location + suffix).size;
        } catch {
          // absent
        }
      }
      return total;
    },
    async stats() {
      const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      return {
        files: n("SELECT count(*) AS n FROM files"),
        chunks: n("SELECT count(*) AS n FROM chunks"),
        terms: Number(q.meta.get("live_terms")?.value ?? "0"),
        vectors: n("SELECT count(*) AS n FROM vectors"),
      };
    },
    async close() {
      postingsCache.clear();
      db.close();
    },
  };
}
