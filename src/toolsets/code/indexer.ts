/**
 * Building and refreshing an index: walk, compare with what the index holds (size+mtime, then content
 * hash), chunk and tokenize only what changed, write in small all-or-nothing batches, delete what is gone,
 * then embed the chunks that have no vector yet.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ChunkPool } from "../../code/chunk-pool.js";
import { detectLanguage } from "../../code/languages.js";
import { type Embedder, embeddingCounts, embeddingText, LsiEmbedder, lsiFor } from "./embedders.js";
import type { CodeIndex, FileUpdate } from "./store.js";
import { skipByContent, walkRepository } from "./walk.js";

export interface IndexProgress {
  phase: "walk" | "index" | "embed";
  done: number;
  total: number;
  message?: string;
}

export interface IndexOptions {
  maxFileBytes: number;
  /** Total bytes of files over maxFileBytes indexed in line windows (default 0: skipped). */
  largeFilesBytes?: number;
  /** "lsi" trains and uses the repository's own model; an Embedder instance is used as given; none skips. */
  embedder: "lsi" | "none" | Embedder;
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void | Promise<void>;
  /** Worker threads that chunk files (default min(2, cores - 1); 0: this thread only). */
  threads?: number;
  /** Files per transaction. */
  batchFiles?: number;
  /**
   * Called once the lexical part is committed and searchable, before any vector is trained or embedded,
   * with the report so far (`vectors: "pending"` when an embedder runs next).
   */
  onSearchable?: (report: IndexReport) => void | Promise<void>;
}

/**
 * Whether the vectors of an index match its chunks: `pending` from the moment its lexical part is committed
 * (searchable at once, hybrid searches rank lexically) until the embedder has run over every chunk, also
 * after a run killed in between (the next run finishes them); `none` without an embedder.
 */
export type VectorsState = "none" | "pending" | "ready";

export interface IndexReport {
  root: string;
  files_seen: number;
  files_indexed: number;
  files_unchanged: number;
  files_deleted: number;
  files_skipped: number;
  skipped_reasons: Record<string, number>;
  chunks_added: number;
  bytes_read: number;
  vectors_embedded: number;
  embedder: string;
  vectors: VectorsState;
  /** From the start until the lexical index was committed and searchable. */
  searchable_ms: number;
  duration_ms: number;
}

/** Most token counts (map entries) kept from chunking for the LSI model; chunks past it are counted again. */
const MAX_CARRIED_COUNTS = 4_000_000;

export async function indexRepository(index: CodeIndex, options: IndexOptions): Promise<IndexReport> {
  const started = Date.now();
  const root = index.root;
  const report = async (p: IndexProgress) => {
    if (options.signal?.aborted) throw options.signal.reason;
    await options.onProgress?.(p);
  };
  await report({ phase: "walk", done: 0, total: 0, message: "walking" });
  const walk = await walkRepository(root, {
    maxFileBytes: options.maxFileBytes,
    largeFilesBytes: options.largeFilesBytes,
    signal: options.signal,
  });
  const known = await index.files();
  const seen = new Set<string>();
  const skipped = [...walk.skipped];
  let deletes: string[] = [];
  let touches: { path: string; mtime: number }[] = [];
  // Changed files of the current write batch, chunked together (on every core) just before it is written.
  let pending: {
    path: string;
    hash: string;
    size: number;
    mtime: number;
    lang: string;
    text: string;
    large: boolean;
  }[] = [];
  let pendingBytes = 0;
  const stats = { indexed: 0, unchanged: 0, chunks: 0, bytes: 0, deleted: 0 };
  const batchFiles = options.batchFiles ?? 64;
  const pool = new ChunkPool(options.threads === undefined ? {} : { size: options.threads });
  // The LSI model trains on, and embeds, each chunk's token counts: counted once, next to its terms.
  const wantCounts = options.embedder === "lsi";
  const counted = new Map<string, Map<string, number>>();
  let carried = 0;
  // Batch N is written (SQLite on this thread) while batches N+1 and N+2 are read and chunked on the
  // workers, so that a worker never waits for the writer; writes keep their order, and each is one
  // all-or-nothing transaction as before.
  let writing: Promise<void> = Promise.resolve();
  let behind: Promise<void> = Promise.resolve();
  const flush = async () => {
    const files = pending;
    const fileDeletes = deletes;
    const fileTouches = touches;
    pending = [];
    deletes = [];
    touches = [];
    pendingBytes = 0;
    const chunked = files.length
      ? pool.chunk(
          files.map((p) => ({
            path: p.path,
            lang: p.lang,
            text: p.text,
            syntax: !p.large,
            embedCounts: wantCounts,
          })),
        )
      : Promise.resolve([]);
    const previous = writing;
    writing = (async () => {
      const results = await chunked;
      await previous;
      const batch: FileUpdate[] = [];
      for (const [i, { text: _text, large: _large, ...file }] of files.entries()) {
        const chunks = results[i]!.chunks;
        for (const c of chunks) {
          if (!c.embedCounts) continue;
          if (carried < MAX_CARRIED_COUNTS && !counted.has(c.hash)) {
            counted.set(c.hash, c.embedCounts);
            carried += c.embedCounts.size;
          }
          c.embedCounts = undefined;
        }
        batch.push({ ...file, chunks });
        stats.chunks += chunks.length;
      }
      if (batch.length || fileDeletes.length || fileTouches.length)
        await index.applyFiles(batch, fileDeletes, fileTouches);
    })();
    // Awaited by the next flush or at the end; a failure is not "unhandled" in between.
    writing.catch(() => undefined);
    const wait = behind;
    behind = previous;
    await wait;
  };
  const total = walk.files.length;
  try {
    let done = 0;
    let lastReport = 0;
    for (const f of walk.files) {
      done++;
      if (Date.now() - lastReport > 200) {
        lastReport = Date.now();
        await report({ phase: "index", done, total, message: f.path });
      }
      const prev = known.get(f.path);
      if (prev && prev.size === f.size && prev.mtime === f.mtimeMs) {
        seen.add(f.path);
        stats.unchanged++;
        continue;
      }
      let buf: Buffer;
      try {
        buf = await readFile(f.abs);
      } catch (err) {
        skipped.push({
          path: f.path,
          reason: `unreadable: ${(err as NodeJS.ErrnoException).code ?? "error"}`,
        });
        continue;
      }
      stats.bytes += buf.length;
      const reason = skipByContent(buf);
      if (reason) {
        skipped.push({ path: f.path, reason });
        continue;
      }
      seen.add(f.path);
      const hash = createHash("sha256").update(buf).digest("hex").slice(0, 32);
      if (prev && prev.hash === hash) {
        touches.push({ path: f.path, mtime: f.mtimeMs });
        stats.unchanged++;
        continue;
      }
      const text = buf.toString("utf8");
      const lang = detectLanguage(f.path, text.slice(0, 200).split("\n", 1)[0]);
      pending.push({
        path: f.path,
        hash,
        size: f.size,
        mtime: f.mtimeMs,
        lang,
        text,
        large: f.large === true,
      });
      stats.indexed++;
      pendingBytes += buf.length;
      if (pending.length >= batchFiles || pendingBytes > 4_000_000) await flush();
    }
    for (const path of known.keys()) if (!seen.has(path)) deletes.push(path);
    stats.deleted = deletes.length;
    await flush();
    await writing;
  } finally {
    // An abort or a failure leaves no write running once this returns.
    await writing.catch(() => undefined);
    await pool.close();
  }
  const deleted = stats.deleted;
  await index.setSkipped(skipped);
  // Searchable from here (lexically); the vectors follow.
  if (options.embedder !== "none") await index.setMeta("vectors_state", "pending");
  await index.setMeta("indexed_at", new Date().toISOString());
  const searchableMs = Date.now() - started;
  const reasons: Record<string, number> = {};
  for (const s of skipped) {
    const key = s.reason.split(":")[0] ?? s.reason;
    reasons[key] = (reasons[key] ?? 0) + 1;
  }
  const result = (embedded: number, embedder: string, vectors: VectorsState): IndexReport => ({
    root,
    files_seen: total,
    files_indexed: stats.indexed,
    files_unchanged: stats.unchanged,
    files_deleted: deleted,
    files_skipped: skipped.length,
    skipped_reasons: reasons,
    chunks_added: stats.chunks,
    bytes_read: stats.bytes,
    vectors_embedded: embedded,
    embedder,
    vectors,
    searchable_ms: searchableMs,
    duration_ms: Date.now() - started,
  });
  const chosen = typeof options.embedder === "string" ? options.embedder : options.embedder.id;
  await options.onSearchable?.(result(0, chosen, chosen === "none" ? "none" : "pending"));

  let embedded = 0;
  let embedderId = "none";
  if (options.embedder !== "none") {
    let embedder: Embedder | undefined;
    if (options.embedder === "lsi") {
      const trained = Number((await index.meta("lsi_trained_chunks")) ?? "0");
      const now = (await index.stats()).chunks;
      const changed = stats.chunks + deleted * 4;
      const retrain = trained === 0 || changed > 0.2 * Math.max(trained, now);
      await report({
        phase: "embed",
        done: 0,
        total: 1,
        message: retrain ? "training LSI model" : "loading LSI model",
      });
      embedder = await lsiFor(index, { retrain, counted, signal: options.signal });
      if (retrain) await clearVectors(index);
    } else embedder = options.embedder;
    if (embedder) {
      embedderId = embedder.id;
      if ((await index.meta("vector_space")) !== embedder.id) {
        await clearVectors(index);
        await index.setMeta("vector_space", embedder.id);
      }
      embedded = await embedMissing(index, embedder, report, options.signal, counted);
    }
    await index.setMeta("vectors_state", embedder ? "ready" : "none");
  }
  counted.clear();
  await index.setMeta("embedder", embedderId);
  return result(embedded, embedderId, embedderId === "none" ? "none" : "ready");
}

/** Drops every vector; searches that cached the old ones see the change (vectors_generation). */
async function clearVectors(index: CodeIndex): Promise<void> {
  await index.clearVectors();
  await index.setMeta("vectors_generation", String(Date.now()));
}

async function embedMissing(
  index: CodeIndex,
  embedder: Embedder,
  report: (p: IndexProgress) => Promise<void>,
  signal?: AbortSignal,
  counted?: ReadonlyMap<string, Map<string, number>>,
): Promise<number> {
  const counts = await index.stats();
  const totalMissing = counts.chunks - counts.vectors;
  let done = 0;
  for (;;) {
    const batch = await index.chunksWithoutVector(embedder.cheap ? 2000 : 256);
    if (batch.length === 0) break;
    const vectors: { chunkId: number; vec: Float32Array }[] = [];
    const todo: typeof batch = [];
    const cache = embedder.cheap
      ? new Map<string, Float32Array>()
      : await index.cachedEmbeddings(batch.map((c) => `${embedder.id}:${c.hash}`));
    for (const c of batch) {
      const cached = cache.get(`${embedder.id}:${c.hash}`);
      if (cached) vectors.push({ chunkId: c.id, vec: cached });
      else todo.push(c);
    }
    if (todo.length && embedder instanceof LsiEmbedder && counted?.size) {
      // Chunks counted while chunking are not scanned again; the others are counted from their text.
      const vecs = embedder.embedCounts(todo.map((c) => counted.get(c.hash) ?? embeddingCounts(c)));
      for (const [i, c] of todo.entries()) vectors.push({ chunkId: c.id, vec: vecs[i]! });
    } else if (todo.length) {
      const vecs = await embedder.embed(
        todo.map((c) => embeddingText(c)),
        signal,
      );
      for (const [i, c] of todo.entries()) vectors.push({ chunkId: c.id, vec: vecs[i]! });
      if (!embedder.cheap)
        await index.cacheEmbeddings(todo.map((c, i) => ({ key: `${embedder.id}:${c.hash}`, vec: vecs[i]! })));
    }
    await index.putVectors(vectors);
    done += batch.length;
    await report({ phase: "embed", done, total: totalMissing, message: `embedding (${embedder.id})` });
  }
  if (done > 0) await index.setMeta("vectors_generation", String(Date.now()));
  return done;
}
