/**
 * The code index (CodeIndex, store.ts) on PostgreSQL, shared by every replica and queue worker of a
 * deployment: the same tables as the SQLite store (meta, blobs, files, skipped, chunks, terms, postings,
 * vectors, embed_cache), each keyed by the index id (indexKey of the repository root), in one schema created
 * on first use. The lexical side is the same BM25 postings, packed in the same per-term segments
 * (segments.ts: a row per term and transaction, not per posting); vectors are float32 bytea rows scored in the
 * process (pgvector is not assumed). Each applyFiles is one transaction, serialized per index by an advisory
 * lock, written with multi-row `unnest` inserts, and bumps the index's `generation` so other replicas reload
 * their cached chunk table.
 */
import type { Pool, PoolClient } from "pg";
import pg from "pg";
import type { Config } from "../../core/config.js";
import { validationError } from "../../core/errors.js";
import { PostingsCache } from "./postings-cache.js";
import {
  cutSegment,
  decodeSegments,
  PostingBatch,
  pieces,
  SEGMENT_KEYS,
  SEGMENT_POSTINGS,
  type SegmentRow,
  SPARE_SEGMENTS,
} from "./segments.js";
import {
  type ChunkRow,
  type ChunkTable,
  type CodeIndex,
  type FileRow,
  type FileUpdate,
  fromBlob,
  indexKey,
  kindCode,
  lastUpdatePerPath,
  type Posting,
  type PostingList,
  type TermRow,
  toBlob,
} from "./store.js";

/** Bumped when the layout changes: an index is a cache of the repository, so older tables are dropped. */
const SCHEMA_VERSION = "2";

const TABLES = ["meta", "blobs", "files", "skipped", "chunks", "terms", "postings", "vectors", "embed_cache"];

/** Paths, names and terms compare byte-wise (COLLATE "C"), as SQLite's BINARY does: same order, same prefixes. */
const ddl = (s: string) => `
CREATE TABLE IF NOT EXISTS ${s}.meta (ix text NOT NULL, key text NOT NULL, value text NOT NULL,
  PRIMARY KEY (ix, key));
CREATE TABLE IF NOT EXISTS ${s}.blobs (ix text NOT NULL, key text NOT NULL, data bytea NOT NULL,
  PRIMARY KEY (ix, key));
CREATE TABLE IF NOT EXISTS ${s}.files (ix text NOT NULL, id integer NOT NULL, path text COLLATE "C" NOT NULL,
  hash text NOT NULL, size double precision NOT NULL, mtime double precision NOT NULL, lang text NOT NULL,
  chunks integer NOT NULL, PRIMARY KEY (ix, id), UNIQUE (ix, path));
CREATE TABLE IF NOT EXISTS ${s}.skipped (ix text NOT NULL, path text COLLATE "C" NOT NULL, reason text NOT NULL,
  PRIMARY KEY (ix, path));
CREATE TABLE IF NOT EXISTS ${s}.chunks (ix text NOT NULL, id integer NOT NULL, file_id integer NOT NULL,
  start_line integer NOT NULL, end_line integer NOT NULL, kind text NOT NULL, symbol text NOT NULL,
  name_lc text COLLATE "C" NOT NULL, hash text NOT NULL, len double precision NOT NULL, text text NOT NULL,
  context text NOT NULL, term_ids bytea NOT NULL, PRIMARY KEY (ix, id));
CREATE INDEX IF NOT EXISTS chunks_file ON ${s}.chunks (ix, file_id);
CREATE INDEX IF NOT EXISTS chunks_name ON ${s}.chunks (ix, name_lc) WHERE name_lc <> '';
CREATE TABLE IF NOT EXISTS ${s}.terms (ix text NOT NULL, id integer NOT NULL, term text COLLATE "C" NOT NULL,
  df integer NOT NULL, PRIMARY KEY (ix, id), UNIQUE (ix, term));
CREATE TABLE IF NOT EXISTS ${s}.postings (ix text NOT NULL, term_id integer NOT NULL, seg bigint NOT NULL,
  lo integer NOT NULL, hi integer NOT NULL, n integer NOT NULL, data bytea NOT NULL,
  PRIMARY KEY (ix, term_id, seg));
CREATE TABLE IF NOT EXISTS ${s}.vectors (ix text NOT NULL, chunk_id integer NOT NULL, vec bytea NOT NULL,
  PRIMARY KEY (ix, chunk_id));
CREATE TABLE IF NOT EXISTS ${s}.embed_cache (ix text NOT NULL, key text NOT NULL, vec bytea NOT NULL,
  PRIMARY KEY (ix, key));
`;

export const DEFAULT_SCHEMA = "repowright_code";

/** The pool of the code index from the code settings, or a `validation` error naming what is missing. */
export function createCodeIndexPool(code: Config["code"], onError: (err: Error) => void): Pool {
  if (!code.indexUrl)
    throw validationError(
      "REPOWRIGHT_CODE_INDEX=postgres needs REPOWRIGHT_CODE_INDEX_URL (postgres://user:password@host:5432/db)",
    );
  const pool = new pg.Pool({
    connectionString: code.indexUrl,
    max: code.indexPoolSize,
    application_name: "repowright",
  });
  // An idle connection the server drops must not take the process down; the next query reconnects.
  pool.on("error", onError);
  return pool;
}

/** Schemas already created (or checked) per pool, so only the first open of a process runs the DDL. */
const ready = new WeakMap<Pool, Map<string, Promise<void>>>();

function ensureSchema(pool: Pool, schema: string): Promise<void> {
  let perPool = ready.get(pool);
  if (!perPool) {
    perPool = new Map();
    ready.set(pool, perPool);
  }
  let done = perPool.get(schema);
  if (!done) {
    done = transaction(pool, async (c) => {
      const s = ident(schema);
      // Two replicas starting together would race on CREATE ... IF NOT EXISTS (catalog unique violations).
      await c.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`repowright_code:${schema}`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${s}.info (key text PRIMARY KEY, value text NOT NULL)`);
      const { rows } = await c.query<{ value: string }>(`SELECT value FROM ${s}.info WHERE key = 'version'`);
      if (rows[0]?.value !== SCHEMA_VERSION) {
        await c.query(TABLES.map((t) => `DROP TABLE IF EXISTS ${s}.${t};`).join("\n"));
        await c.query(
          `INSERT INTO ${s}.info (key, value) VALUES ('version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [SCHEMA_VERSION],
        );
      }
      await c.query(ddl(s));
    });
    perPool.set(schema, done);
    // A failed creation (database down) is retried by the next open.
    done.catch(() => perPool.delete(schema));
  }
  return done;
}

function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw validationError(`invalid PostgreSQL schema name ${name}`);
  return `"${name}"`;
}

async function transaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    const out = await fn(c);
    await c.query("COMMIT");
    return out;
  } catch (err) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/** Where a pool points, without its password. */
function describePool(pool: Pool): string {
  const o = pool.options as { connectionString?: string; host?: string; port?: number; database?: string };
  if (o.connectionString) {
    try {
      const u = new URL(o.connectionString);
      u.password = "";
      return `${u.protocol}//${u.username ? `${u.username}@` : ""}${u.host}${u.pathname}`;
    } catch {
      return "postgres";
    }
  }
  return `postgres://${o.host ?? "localhost"}:${o.port ?? 5432}/${o.database ?? ""}`;
}

/**
 * Big-endian int4 and float8 arrays as `string_agg(int4send(x), '')` returns them: copied to an aligned
 * buffer, byte-swapped in place (little-endian hosts) and viewed as a typed array.
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function int4s(b: Buffer | null): Int32Array {
  if (!b || b.length === 0) return new Int32Array(0);
  const copy = Buffer.from(new ArrayBuffer(b.length));
  b.copy(copy);
  if (LITTLE_ENDIAN) copy.swap32();
  return new Int32Array(copy.buffer, 0, b.length / 4);
}
function float8s(b: Buffer | null): Float64Array {
  if (!b || b.length === 0) return new Float64Array(0);
  const copy = Buffer.from(new ArrayBuffer(b.length));
  b.copy(copy);
  if (LITTLE_ENDIAN) copy.swap64();
  return new Float64Array(copy.buffer, 0, b.length / 8);
}

/** PostgreSQL text cannot hold NUL; the SQLite store can. Such a character is kept as U+FFFD. */
const clean = (s: string) => (s.includes("\0") ? s.replaceAll("\0", "\uFFFD") : s);

/** Rows per multi-row insert: bounds one statement's size. */
const ROWS_PER_INSERT = 20_000;

function* slices<T>(rows: readonly T[], size = ROWS_PER_INSERT): Generator<T[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

export interface PostgresIndexOptions {
  create: boolean;
  /** Schema of the tables (default `repowright_code`). */
  schema?: string;
}

/**
 * The index of `root` in the pool's database: undefined when it does not exist and `create` is false. The
 * pool is the caller's (one per process); close() only drops this index's caches.
 */
export async function openPostgresIndex(
  pool: Pool,
  root: string,
  options: PostgresIndexOptions,
): Promise<CodeIndex | undefined> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const s = ident(schema);
  await ensureSchema(pool, schema);
  const ix = indexKey(root);
  if (options.create)
    await pool.query(
      `INSERT INTO ${s}.meta (ix, key, value) VALUES ($1, 'root', $2) ON CONFLICT (ix, key) DO NOTHING`,
      [ix, root],
    );
  else {
    const { rowCount } = await pool.query(`SELECT 1 FROM ${s}.meta WHERE ix = $1 AND key = 'root'`, [ix]);
    if (!rowCount) return undefined;
  }
  const location = `${describePool(pool)} (schema ${schema}, index ${ix})`;
  const lockKey = `repowright_code:${schema}:${ix}`;

  const CHUNK_COLS = `c.id AS id, c.file_id AS "fileId", f.path AS path, f.lang AS lang, c.start_line AS "startLine",
    c.end_line AS "endLine", c.kind AS kind, c.symbol AS symbol, c.hash AS hash, c.text AS text, c.context AS context`;
  const FROM_CHUNKS = `${s}.chunks c JOIN ${s}.files f ON f.ix = c.ix AND f.id = c.file_id`;

  const meta = async (key: string): Promise<string | undefined> => {
    const { rows } = await pool.query<{ value: string }>(
      `SELECT value FROM ${s}.meta WHERE ix = $1 AND key = $2`,
      [ix, key],
    );
    return rows[0]?.value;
  };
  const upsertMeta = (c: Pool | PoolClient, key: string, value: string) =>
    c.query(
      `INSERT INTO ${s}.meta (ix, key, value) VALUES ($1, $2, $3) ON CONFLICT (ix, key) DO UPDATE SET value = excluded.value`,
      [ix, key, value],
    );

  // Term ids never change once given: they are cached for the life of this object, and only after the
  // transaction that wrote them committed. Terms another replica added are found in the table.
  const termIds = new Map<string, number>();
  const maxId = async (c: PoolClient, table: string) =>
    (await c.query<{ m: number }>(`SELECT coalesce(max(id), 0) AS m FROM ${s}.${table} WHERE ix = $1`, [ix]))
      .rows[0]!.m;

  /** The posting lists of `termIds` (each its segments in key order, concatenated); absent terms have none. */
  const readSegments = async (c: Pool | PoolClient, termIds: readonly number[]) => {
    const out = new Map<number, PostingList>();
    if (termIds.length === 0) return out;
    const { rows } = await c.query<{ term_id: number; data: Buffer }>(
      `SELECT term_id, data FROM ${s}.postings WHERE ix = $1 AND term_id = ANY($2::int[]) ORDER BY term_id, seg`,
      [ix, [...termIds]],
    );
    for (let i = 0; i < rows.length; ) {
      const t = rows[i]!.term_id;
      const segs: Buffer[] = [];
      for (; i < rows.length && rows[i]!.term_id === t; i++) segs.push(rows[i]!.data);
      out.set(t, decodeSegments(segs));
    }
    return out;
  };

  /** Segment rows to write: parallel arrays, as the unnest inserts take them. */
  const segmentRows = () => ({
    term: [] as number[],
    seg: [] as string[],
    lo: [] as number[],
    hi: [] as number[],
    n: [] as number[],
    data: [] as Buffer[],
  });
  type SegmentRows = ReturnType<typeof segmentRows>;
  const pushRow = (rows: SegmentRows, t: number, seg: string, row: SegmentRow) => {
    rows.term.push(t);
    rows.seg.push(seg);
    rows.lo.push(row.lo);
    rows.hi.push(row.hi);
    rows.n.push(row.n);
    rows.data.push(row.data);
  };
  const pushPieces = (rows: SegmentRows, t: number, gen: number, list: PostingList) => {
    for (const p of pieces(list)) pushRow(rows, t, String(gen * SEGMENT_KEYS + p.piece), p);
  };
  /** Inserts the rows, about 8 MB of segments per statement. */
  const insertSegments = async (c: PoolClient, rows: SegmentRows) => {
    for (let from = 0; from < rows.term.length; ) {
      let to = from;
      for (let bytes = 0; to < rows.term.length && (to === from || bytes < 8_000_000); to++)
        bytes += rows.data[to]!.length;
      await c.query(
        `INSERT INTO ${s}.postings (ix, term_id, seg, lo, hi, n, data)
         SELECT $1::text, * FROM unnest($2::int[], $3::bigint[], $4::int[], $5::int[], $6::int[], $7::bytea[])`,
        [
          ix,
          rows.term.slice(from, to),
          rows.seg.slice(from, to),
          rows.lo.slice(from, to),
          rows.hi.slice(from, to),
          rows.n.slice(from, to),
          rows.data.slice(from, to),
        ],
      );
      from = to;
    }
  };

  /**
   * Removes the chunks, their postings (cut out of the segments whose range holds them) and vectors of
   * files (not the file rows), counting the document-frequency changes.
   */
  const removeChunks = async (c: PoolClient, fileIds: number[], dfDelta: Map<number, number>) => {
    if (fileIds.length === 0) return;
    const { rows } = await c.query<{ id: number; term_ids: Buffer }>(
      `SELECT id, term_ids FROM ${s}.chunks WHERE ix = $1 AND file_id = ANY($2::int[])`,
      [ix, fileIds],
    );
    const removed = new Map<number, number[]>();
    for (const r of rows) {
      const ids = new Int32Array(
        r.term_ids.buffer.slice(r.term_ids.byteOffset, r.term_ids.byteOffset + r.term_ids.byteLength),
      );
      for (const t of ids) {
        const list = removed.get(t);
        if (list) list.push(r.id);
        else removed.set(t, [r.id]);
        dfDelta.set(t, (dfDelta.get(t) ?? 0) - 1);
      }
    }
    for (const part of slices([...removed])) {
      for (const [, ids] of part) ids.sort((x, y) => x - y);
      const { rows: segs } = await c.query<{ term_id: number; seg: string; data: Buffer }>(
        `SELECT p.term_id, p.seg::text AS seg, p.data FROM ${s}.postings p
           JOIN unnest($2::int[], $3::int[], $4::int[]) AS d(t, lo, hi) ON p.term_id = d.t AND p.hi >= d.lo AND p.lo <= d.hi
         WHERE p.ix = $1`,
        [
          ix,
          part.map(([t]) => t),
          part.map(([, ids]) => ids[0]!),
          part.map(([, ids]) => ids[ids.length - 1]!),
        ],
      );
      const drop = { term: [] as number[], seg: [] as string[] };
      const put = segmentRows();
      for (const r of segs) {
        const cut = cutSegment(r.data, removed.get(r.term_id)!);
        if (cut === undefined) continue;
        if (cut === null) {
          drop.term.push(r.term_id);
          drop.seg.push(r.seg);
        } else pushRow(put, r.term_id, r.seg, cut);
      }
      if (drop.term.length)
        await c.query(
          `DELETE FROM ${s}.postings p USING unnest($2::int[], $3::bigint[]) AS d(t, seg)
           WHERE p.ix = $1 AND p.term_id = d.t AND p.seg = d.seg`,
          [ix, drop.term, drop.seg],
        );
      if (put.term.length)
        await c.query(
          `UPDATE ${s}.postings p SET lo = d.lo, hi = d.hi, n = d.n, data = d.data
           FROM unnest($2::int[], $3::bigint[], $4::int[], $5::int[], $6::int[], $7::bytea[]) AS d(t, seg, lo, hi, n, data)
           WHERE p.ix = $1 AND p.term_id = d.t AND p.seg = d.seg`,
          [ix, put.term, put.seg, put.lo, put.hi, put.n, put.data],
        );
    }
    const chunkIds = rows.map((r) => r.id);
    await c.query(`DELETE FROM ${s}.vectors WHERE ix = $1 AND chunk_id = ANY($2::int[])`, [ix, chunkIds]);
    await c.query(`DELETE FROM ${s}.chunks WHERE ix = $1 AND file_id = ANY($2::int[])`, [ix, fileIds]);
  };

  /** Rewrites as full ones the segments of those of `terms` that have many more than they need. */
  const compact = async (c: PoolClient, terms: number[], gen: number) => {
    for (const part of slices(terms)) {
      const { rows: many } = await c.query<{ term_id: number }>(
        `SELECT term_id FROM ${s}.postings WHERE ix = $1 AND term_id = ANY($2::int[]) GROUP BY term_id
         HAVING count(*) > ceil(sum(n)::float8 / ${SEGMENT_POSTINGS}) + ${SPARE_SEGMENTS}`,
        [ix, part],
      );
      if (many.length === 0) continue;
      const ids = many.map((r) => r.term_id);
      const lists = await readSegments(c, ids);
      await c.query(`DELETE FROM ${s}.postings WHERE ix = $1 AND term_id = ANY($2::int[])`, [ix, ids]);
      const rows = segmentRows();
      for (const [t, list] of lists) pushPieces(rows, t, gen, list);
      await insertSegments(c, rows);
    }
  };

  const applyFiles = async (
    updates: FileUpdate[],
    deletes: string[],
    touches: { path: string; mtime: number }[],
  ): Promise<void> => {
    updates = lastUpdatePerPath(updates);
    const learned = new Map<string, number>();
    await transaction(pool, async (c) => {
      // Writers of one index take turns; readers never wait.
      await c.query("SELECT pg_advisory_xact_lock(hashtext($1))", [lockKey]);
      const gen =
        Number(
          (
            await c.query<{ value: string }>(
              `SELECT value FROM ${s}.meta WHERE ix = $1 AND key = 'generation'`,
              [ix],
            )
          ).rows[0]?.value ?? "0",
        ) + 1;
      const dfDelta = new Map<number, number>();
      const paths = [...deletes, ...updates.map((u) => u.path)];
      const existing = new Map<string, number>();
      if (paths.length)
        for (const r of (
          await c.query<{ id: number; path: string }>(
            `SELECT id, path FROM ${s}.files WHERE ix = $1 AND path = ANY($2::text[])`,
            [ix, paths],
          )
        ).rows)
          existing.set(r.path, r.id);
      const deleted = deletes.flatMap((p) => (existing.has(p) ? [existing.get(p)!] : []));
      const replaced = updates.flatMap((u) => (existing.has(u.path) ? [existing.get(u.path)!] : []));
      await removeChunks(c, [...deleted, ...replaced], dfDelta);
      if (deleted.length)
        await c.query(`DELETE FROM ${s}.files WHERE ix = $1 AND id = ANY($2::int[])`, [ix, deleted]);
      if (touches.length)
        await c.query(
          `UPDATE ${s}.files f SET mtime = d.m FROM unnest($2::text[], $3::float8[]) AS d(p, m)
           WHERE f.ix = $1 AND f.path = d.p`,
          [ix, touches.map((t) => t.path), touches.map((t) => t.mtime)],
        );
      if (updates.length) {
        // Files: the ones already indexed keep their id, new ones take the next ids in order.
        let nextFile = (await maxId(c, "files")) + 1;
        const fileIds = updates.map((u) => existing.get(u.path) ?? nextFile++);
        const isNew = updates.map((u) => !existing.has(u.path));
        const cols = (pick: (u: FileUpdate, i: number) => unknown, keep: (i: number) => boolean) =>
          updates.flatMap((u, i) => (keep(i) ? [pick(u, i)] : []));
        for (const [keep, sql] of [
          [
            (i: number) => !isNew[i],
            `UPDATE ${s}.files f SET hash = d.hash, size = d.size, mtime = d.mtime, lang = d.lang, chunks = d.chunks
             FROM unnest($2::int[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::text[], $8::int[])
               AS d(id, path, hash, size, mtime, lang, chunks)
             WHERE f.ix = $1 AND f.id = d.id`,
          ],
          [
            (i: number) => isNew[i]!,
            `INSERT INTO ${s}.files (ix, id, path, hash, size, mtime, lang, chunks)
             SELECT $1::text, * FROM unnest($2::int[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::text[], $8::int[])`,
          ],
        ] as const) {
          const ids = cols((_, i) => fileIds[i], keep);
          if (ids.length === 0) continue;
          await c.query(sql, [
            ix,
            ids,
            cols((u) => u.path, keep),
            cols((u) => u.hash, keep),
            cols((u) => u.size, keep),
            cols((u) => u.mtime, keep),
            cols((u) => u.lang, keep),
            cols((u) => u.chunks.length, keep),
          ]);
        }

        // Terms: from the cache, else the table, else new ids.
        const unknown = new Set<string>();
        for (const u of updates)
          for (const ch of u.chunks) for (const t of ch.terms.keys()) if (!termIds.has(t)) unknown.add(t);
        const batchIds = new Map<string, number>();
        if (unknown.size) {
          const list = [...unknown];
          for (const part of slices(list))
            for (const r of (
              await c.query<{ id: number; term: string }>(
                `SELECT id, term FROM ${s}.terms WHERE ix = $1 AND term = ANY($2::text[])`,
                [ix, part],
              )
            ).rows)
              batchIds.set(r.term, r.id);
          const fresh = list.filter((t) => !batchIds.has(t));
          let nextTerm = (await maxId(c, "terms")) + 1;
          const freshIds = fresh.map(() => nextTerm++);
          for (const [i, t] of fresh.entries()) batchIds.set(t, freshIds[i]!);
          for (let i = 0; i < fresh.length; i += ROWS_PER_INSERT)
            await c.query(
              `INSERT INTO ${s}.terms (ix, id, term, df) SELECT $1::text, d.id, d.term, 0 FROM unnest($2::int[], $3::text[]) AS d(id, term)`,
              [ix, freshIds.slice(i, i + ROWS_PER_INSERT), fresh.slice(i, i + ROWS_PER_INSERT).map(clean)],
            );
        }
        const idOf = (t: string) => termIds.get(t) ?? batchIds.get(t)!;

        // Chunks and postings, many rows per statement.
        let nextChunk = (await maxId(c, "chunks")) + 1;
        const ch = {
          id: [] as number[],
          file: [] as number[],
          start: [] as number[],
          end: [] as number[],
          kind: [] as string[],
          symbol: [] as string[],
          name: [] as string[],
          hash: [] as string[],
          len: [] as number[],
          text: [] as string[],
          context: [] as string[],
          terms: [] as Buffer[],
        };
        const batch = new PostingBatch();
        const flushChunks = async () => {
          if (ch.id.length === 0) return;
          await c.query(
            `INSERT INTO ${s}.chunks (ix, id, file_id, start_line, end_line, kind, symbol, name_lc, hash, len, text, context, term_ids)
             SELECT $1::text, * FROM unnest($2::int[], $3::int[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[],
               $9::text[], $10::float8[], $11::text[], $12::text[], $13::bytea[])`,
            [
              ix,
              ch.id,
              ch.file,
              ch.start,
              ch.end,
              ch.kind,
              ch.symbol,
              ch.name,
              ch.hash,
              ch.len,
              ch.text,
              ch.context,
              ch.terms,
            ],
          );
          for (const a of Object.values(ch)) a.length = 0;
        };
        for (const [i, u] of updates.entries()) {
          for (const chunk of u.chunks) {
            const chunkId = nextChunk++;
            let len = 0;
            for (const tf of chunk.terms.values()) len += tf;
            const ids = new Int32Array(chunk.terms.size);
            let k = 0;
            for (const [term, tf] of chunk.terms) {
              const t = idOf(term);
              ids[k++] = t;
              batch.add(t, chunkId, tf);
              dfDelta.set(t, (dfDelta.get(t) ?? 0) + 1);
            }
            ch.id.push(chunkId);
            ch.file.push(fileIds[i]!);
            ch.start.push(chunk.startLine);
            ch.end.push(chunk.endLine);
            ch.kind.push(chunk.kind);
            ch.symbol.push(clean(chunk.symbol));
            ch.name.push(clean(chunk.name.toLowerCase()));
            ch.hash.push(chunk.hash);
            ch.len.push(len);
            ch.text.push(clean(chunk.text));
            ch.context.push(clean(chunk.context));
            ch.terms.push(Buffer.from(ids.buffer));
            if (ch.id.length >= 2000) await flushChunks();
          }
        }
        await flushChunks();
        // One segment per term (cut when long), as in the SQLite store.
        const rows = segmentRows();
        batch.runs((t, list) => pushPieces(rows, t, gen, list));
        await insertSegments(c, rows);
        for (const [t, id] of batchIds) learned.set(t, id);
      }
      await compact(c, [...dfDelta.keys()], gen);
      const changed = [...dfDelta].filter(([, d]) => d !== 0);
      for (const part of slices(changed))
        await c.query(
          `UPDATE ${s}.terms t SET df = t.df + d.n FROM unnest($2::int[], $3::int[]) AS d(id, n)
           WHERE t.ix = $1 AND t.id = d.id`,
          [ix, part.map(([t]) => t), part.map(([, d]) => d)],
        );
      await c.query(
        `INSERT INTO ${s}.meta AS m (ix, key, value) VALUES ($1, 'generation', '1')
         ON CONFLICT (ix, key) DO UPDATE SET value = (m.value::bigint + 1)::text`,
        [ix],
      );
    });
    for (const [t, id] of learned) termIds.set(t, id);
  };

  let table: ChunkTable | undefined;
  const postingsCache = new PostingsCache();
  // A term's segments, a few rows even for the commonest terms.
  const readPostingLists = (termIds: number[]) => readSegments(pool, termIds);
  const loadTable = async (): Promise<ChunkTable> => {
    // The generation and the rows in one statement: one snapshot, so the table is what that generation holds.
    const { rows } = await pool.query<{
      gen: string | null;
      n: number;
      ids: Buffer | null;
      files: Buffer | null;
      lens: Buffer | null;
      kinds: string | null;
    }>(
      `SELECT (SELECT value FROM ${s}.meta WHERE ix = $1 AND key = 'generation') AS gen, count(*)::int AS n,
         string_agg(int4send(id), ''::bytea ORDER BY id) AS ids,
         string_agg(int4send(file_id), ''::bytea ORDER BY id) AS files,
         string_agg(float8send(len), ''::bytea ORDER BY id) AS lens,
         string_agg(kind, E'\\n' ORDER BY id) AS kinds
       FROM ${s}.chunks WHERE ix = $1`,
      [ix],
    );
    const r = rows[0]!;
    const ids = int4s(r.ids);
    const fileIds = int4s(r.files);
    const lens = float8s(r.lens);
    const kinds = r.kinds === null ? [] : r.kinds.split("\n");
    const maxChunk = ids.length ? ids[ids.length - 1]! : 0;
    const fileOf = new Int32Array(maxChunk + 1).fill(-1);
    const len = new Float32Array(maxChunk + 1);
    const kind = new Uint8Array(maxChunk + 1);
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      fileOf[id] = fileIds[i]!;
      len[id] = lens[i]!;
      kind[id] = kindCode(kinds[i] ?? "");
      total += lens[i]!;
    }
    const files = new Map<number, { path: string; lang: string }>();
    for (const f of (
      await pool.query<{ id: number; path: string; lang: string }>(
        `SELECT id, path, lang FROM ${s}.files WHERE ix = $1 ORDER BY id`,
        [ix],
      )
    ).rows)
      files.set(f.id, { path: f.path, lang: f.lang });
    const count = ids.length;
    return {
      generation: Number(r.gen ?? "0"),
      maxId: maxChunk,
      fileOf,
      len,
      kind,
      count,
      avgLen: count ? total / count : 1,
      files,
    };
  };

  const chunkRows = async (sql: string, params: unknown[]) => (await pool.query<ChunkRow>(sql, params)).rows;

  return {
    root,
    location,
    backend: "postgres",
    async files() {
      const out = new Map<string, FileRow>();
      for (const r of (
        await pool.query<FileRow>(
          `SELECT id, path, hash, size, mtime, lang, chunks FROM ${s}.files WHERE ix = $1`,
          [ix],
        )
      ).rows)
        out.set(r.path, r);
      return out;
    },
    applyFiles,
    async setSkipped(skipped) {
      // The last reason given for a path wins, as INSERT OR REPLACE does in the SQLite store.
      const byPath = new Map(skipped.map((k) => [k.path, k.reason]));
      await transaction(pool, async (c) => {
        await c.query(`DELETE FROM ${s}.skipped WHERE ix = $1`, [ix]);
        for (const part of slices([...byPath]))
          await c.query(
            `INSERT INTO ${s}.skipped (ix, path, reason) SELECT $1::text, * FROM unnest($2::text[], $3::text[])`,
            [ix, part.map(([p]) => clean(p)), part.map(([, r]) => clean(r))],
          );
      });
    },
    async skipped(limit) {
      return (
        await pool.query<{ path: string; reason: string }>(
          `SELECT path, reason FROM ${s}.skipped WHERE ix = $1 ORDER BY path LIMIT $2`,
          [ix, limit],
        )
      ).rows;
    },
    async skippedCount() {
      return (
        await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s}.skipped WHERE ix = $1`, [ix])
      ).rows[0]!.n;
    },
    meta,
    async setMeta(key, value) {
      await upsertMeta(pool, key, value);
    },
    async chunkTable() {
      const generation = Number((await meta("generation")) ?? "0");
      if (table && table.generation === generation) return table;
      table = await loadTable();
      return table;
    },
    async terms(terms) {
      const out = new Map<string, TermRow>();
      if (terms.length === 0) return out;
      for (const r of (
        await pool.query<{ term: string; id: number; df: number }>(
          `SELECT term, id, df FROM ${s}.terms WHERE ix = $1 AND term = ANY($2::text[])`,
          [ix, terms.map(clean)],
        )
      ).rows)
        out.set(r.term, { id: r.id, df: r.df });
      return out;
    },
    async postings(termIds) {
      const out = new Map<number, Posting[]>();
      for (const id of termIds) out.set(id, []);
      if (termIds.length === 0) return out;
      for (const [id, { chunkIds, tfs }] of await readPostingLists([...termIds])) {
        const list: Posting[] = new Array(chunkIds.length);
        for (let i = 0; i < chunkIds.length; i++) list[i] = { chunkId: chunkIds[i]!, tf: tfs[i]! };
        out.set(id, list);
      }
      return out;
    },
    async postingLists(termIds) {
      if (termIds.length === 0) return new Map();
      // The generation the chunk table was read at: every search reads the table (and so the generation)
      // first, so a list kept in memory is never older than the table the search scores it with.
      const generation = table?.generation ?? Number((await meta("generation")) ?? "0");
      return postingsCache.get(generation, termIds, readPostingLists);
    },
    async chunks(ids) {
      if (ids.length === 0) return [];
      // The chunks by primary key first, then their files: with fresh (unanalyzed) tables the planner would
      // otherwise walk every file of the index.
      const rows = await chunkRows(
        `WITH c AS MATERIALIZED (SELECT * FROM ${s}.chunks WHERE ix = $1 AND id = ANY($2::int[]))
         SELECT ${CHUNK_COLS} FROM c JOIN ${s}.files f ON f.ix = c.ix AND f.id = c.file_id`,
        [ix, [...ids]],
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id)).filter((r): r is ChunkRow => r !== undefined);
    },
    async chunksByName(nameLc, prefix, limit) {
      return prefix
        ? chunkRows(
            `SELECT ${CHUNK_COLS} FROM ${FROM_CHUNKS} WHERE c.ix = $1 AND c.name_lc >= $2 AND c.name_lc < $3
               AND c.name_lc <> '' ORDER BY length(c.name_lc), f.path LIMIT $4`,
            [ix, clean(nameLc), `${clean(nameLc)}\uffff`, limit],
          )
        : chunkRows(
            `SELECT ${CHUNK_COLS} FROM ${FROM_CHUNKS} WHERE c.ix = $1 AND c.name_lc = $2 AND c.name_lc <> ''
               ORDER BY f.path, c.start_line LIMIT $3`,
            [ix, clean(nameLc), limit],
          );
    },
    async chunksByNames(namesLc, limit) {
      const out = new Map<string, ChunkRow[]>();
      const names = [...new Set(namesLc)].filter((n) => n !== "");
      for (const n of namesLc) out.set(n, []);
      if (names.length === 0) return out;
      const rows = await pool.query<ChunkRow & { name_lc: string }>(
        `SELECT * FROM (
           SELECT ${CHUNK_COLS}, c.name_lc AS name_lc,
             row_number() OVER (PARTITION BY c.name_lc ORDER BY f.path, c.start_line) AS rn
           FROM ${FROM_CHUNKS} WHERE c.ix = $1 AND c.name_lc = ANY($2::text[]) AND c.name_lc <> '') x
         WHERE rn <= $3 ORDER BY rn`,
        [ix, names.map(clean), limit],
      );
      for (const { name_lc, rn: _rn, ...row } of rows.rows as (ChunkRow & { name_lc: string; rn: string })[])
        out.get(name_lc)?.push(row);
      return out;
    },
    async chunksOfFile(path) {
      return chunkRows(
        `SELECT ${CHUNK_COLS} FROM ${FROM_CHUNKS} WHERE c.ix = $1 AND f.path = $2 ORDER BY c.start_line`,
        [ix, path],
      );
    },
    async chunksWithoutVector(limit) {
      return (
        await pool.query<{ id: number; hash: string; text: string; context: string; path: string }>(
          `SELECT c.id AS id, c.hash AS hash, c.text AS text, c.context AS context, f.path AS path FROM ${FROM_CHUNKS}
           WHERE c.ix = $1 AND NOT EXISTS (SELECT 1 FROM ${s}.vectors v WHERE v.ix = c.ix AND v.chunk_id = c.id)
           ORDER BY c.id LIMIT $2`,
          [ix, limit],
        )
      ).rows;
    },
    async *allChunkTexts() {
      // Pages in id order: a big repository's texts never sit in one result.
      let after = 0;
      for (;;) {
        const { rows } = await pool.query<{
          id: number;
          text: string;
          context: string;
          path: string;
          hash: string;
        }>(
          `SELECT c.id AS id, c.text AS text, c.context AS context, f.path AS path, c.hash AS hash FROM ${FROM_CHUNKS}
           WHERE c.ix = $1 AND c.id > $2 ORDER BY c.id LIMIT 2000`,
          [ix, after],
        );
        if (rows.length === 0) return;
        yield* rows;
        after = rows[rows.length - 1]!.id;
      }
    },
    async putVectors(rows) {
      if (rows.length === 0) return;
      await transaction(pool, async (c) => {
        for (const part of slices(rows, 2000))
          await c.query(
            `INSERT INTO ${s}.vectors (ix, chunk_id, vec) SELECT $1::text, * FROM unnest($2::int[], $3::bytea[])
             ON CONFLICT (ix, chunk_id) DO UPDATE SET vec = excluded.vec`,
            [ix, part.map((r) => r.chunkId), part.map((r) => toBlob(r.vec))],
          );
      });
    },
    async clearVectors() {
      await pool.query(`DELETE FROM ${s}.vectors WHERE ix = $1`, [ix]);
    },
    async vectors() {
      const { rows } = await pool.query<[number, Buffer]>({
        text: `SELECT chunk_id, vec FROM ${s}.vectors WHERE ix = $1 ORDER BY chunk_id`,
        values: [ix],
        rowMode: "array",
      });
      const first = rows[0];
      const dim = first ? first[1].byteLength / 4 : 0;
      const ids = new Int32Array(rows.length);
      const data = new Float32Array(rows.length * dim);
      rows.forEach(([id, b], i) => {
        ids[i] = id;
        data.set(fromBlob(b).subarray(0, dim), i * dim);
      });
      return { ids, dim, data };
    },
    async cachedEmbeddings(keys) {
      const out = new Map<string, Float32Array>();
      if (keys.length === 0) return out;
      for (const r of (
        await pool.query<{ key: string; vec: Buffer }>(
          `SELECT key, vec FROM ${s}.embed_cache WHERE ix = $1 AND key = ANY($2::text[])`,
          [ix, [...keys]],
        )
      ).rows)
        out.set(r.key, fromBlob(r.vec));
      return out;
    },
    async cacheEmbeddings(rows) {
      const byKey = new Map(rows.map((r) => [r.key, r.vec]));
      if (byKey.size === 0) return;
      await transaction(pool, async (c) => {
        for (const part of slices([...byKey], 2000))
          await c.query(
            `INSERT INTO ${s}.embed_cache (ix, key, vec) SELECT $1::text, * FROM unnest($2::text[], $3::bytea[])
             ON CONFLICT (ix, key) DO UPDATE SET vec = excluded.vec`,
            [ix, part.map(([k]) => k), part.map(([, v]) => toBlob(v))],
          );
      });
    },
    async putBlob(key, data) {
      await pool.query(
        `INSERT INTO ${s}.blobs (ix, key, data) VALUES ($1, $2, $3) ON CONFLICT (ix, key) DO UPDATE SET data = excluded.data`,
        [ix, key, data],
      );
    },
    async blob(key) {
      const { rows } = await pool.query<{ data: Buffer }>(
        `SELECT data FROM ${s}.blobs WHERE ix = $1 AND key = $2`,
        [ix, key],
      );
      return rows[0]?.data;
    },
    async sizeBytes() {
      // The bytes of this index's rows (the tables are shared by every index of the schema).
      const parts = TABLES.map(
        (t) => `(SELECT coalesce(sum(pg_column_size(x.*)), 0) FROM ${s}.${t} x WHERE x.ix = $1)`,
      );
      const { rows } = await pool.query<{ n: number }>(`SELECT (${parts.join(" + ")})::float8 AS n`, [ix]);
      return rows[0]!.n;
    },
    async stats() {
      const { rows } = await pool.query<{ files: number; chunks: number; terms: number; vectors: number }>(
        `SELECT (SELECT count(*)::int FROM ${s}.files WHERE ix = $1) AS files,
           (SELECT count(*)::int FROM ${s}.chunks WHERE ix = $1) AS chunks,
           (SELECT count(*)::int FROM ${s}.terms WHERE ix = $1 AND df > 0) AS terms,
           (SELECT count(*)::int FROM ${s}.vectors WHERE ix = $1) AS vectors`,
        [ix],
      );
      return rows[0]!;
    },
    async close() {
      table = undefined;
      postingsCache.clear();
      termIds.clear();
    },
  };
}
