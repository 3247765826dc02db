/**
 * Chunking on every core: a pool of worker threads (entry: chunk-worker.ts) that turn files into chunks with
 * their weighted terms (chunker.ts + terms.ts), the main thread taking items too. Small batches are chunked
 * in-thread (starting workers costs more than it saves). Results are exactly what in-thread chunking gives,
 * in the order of the items. A file whose chunking throws, or kills its worker (out of memory, a crash in
 * the parser), is cut in line windows instead and its result says why; the worker is replaced and the
 * batch goes on.
 *
 * Works from the built dist/ (chunk-worker.js) and from the TypeScript sources under tsx or vitest (then
 * the worker starts from chunk-worker-tsx.mjs, which registers tsx's loader first).
 *
 * How the indexer (src/toolsets/code/indexer.ts, indexRepository) uses it: one pool per run, closed in a
 * `finally`; instead of `await chunkFile(...)` + `chunkTerms` per file, the changed files of a write batch
 * are collected (`pending.push({ f, hash, lang, text })`) and chunked together just before `flush()`:
 *
 *     const pool = new ChunkPool(); // min(2, availableParallelism() - 1) workers + this thread
 *     try {
 *       // ... per changed file: pending.push({ f, hash, lang, text }); then, when the batch is full:
 *       const results = await pool.chunk(
 *         pending.map((p) => ({ path: p.f.path, lang: p.lang, text: p.text, syntax: !p.f.large })),
 *       );
 *       for (const [i, p] of pending.entries())
 *         updates.push({ path: p.f.path, hash: p.hash, size: p.f.size, mtime: p.f.mtimeMs, lang: p.lang,
 *                        chunks: results[i]!.chunks }); // chunks already carry their terms
 *       // stats.chunks += results[i].chunks.length; results[i].error: worth a log line (line windows used)
 *     } finally {
 *       await pool.close();
 *     }
 *
 * Batches of a few MB (the indexer's 4 MB flush) keep both cores busy; a batch under 256 KiB (a typical
 * incremental run) is chunked in-thread and starts no worker.
 */
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { type ResourceLimits, Worker } from "node:worker_threads";
import { type Chunk, chunkFile } from "./chunker.js";
import { chunkTerms, chunkTermsAndCounts } from "./terms.js";

export interface ChunkItem {
  path: string;
  lang: string;
  text: string;
  /** False: line windows only (a very large file), as chunkFile's `syntax` option. */
  syntax: boolean;
  /** Also count each chunk's embedding text (`embedCounts`, for the LSI model). */
  embedCounts?: boolean;
}

export interface ChunkWithTerms extends Chunk {
  terms: Map<string, number>;
  /** embeddingCounts(chunk) when the item asked for it. */
  embedCounts?: Map<string, number>;
}

export interface ChunkResult {
  path: string;
  chunks: ChunkWithTerms[];
  /** Set when chunking this file failed: `chunks` are then its line windows. */
  error?: string;
}

export interface ChunkPoolOptions {
  /** Worker threads; default min(2, availableParallelism() - 1). 0: everything in-thread. */
  size?: number;
  /** Whether the calling thread chunks items too while the workers run (default true). */
  useCallerThread?: boolean;
  /** Batches with fewer bytes of text than this are chunked in-thread (default 256 KiB). */
  minBatchBytes?: number;
  /** Heap limits of each worker (a file that exhausts them is cut in line windows). */
  resourceLimits?: ResourceLimits;
}

export function defaultPoolSize(): number {
  return Math.max(0, Math.min(2, availableParallelism() - 1));
}

/** Chunks and terms of one item, in this thread (what each worker runs). Throws what chunkFile throws. */
export async function chunkItem(item: ChunkItem): Promise<ChunkWithTerms[]> {
  const chunks = await chunkFile(item.path, item.lang, item.text, { syntax: item.syntax });
  if (item.embedCounts)
    return chunks.map((c) => {
      const { terms, counts } = chunkTermsAndCounts(item.path, c);
      return { ...c, terms, embedCounts: counts };
    });
  return chunks.map((c) => ({ ...c, terms: chunkTerms(item.path, c) }));
}

/** The fallback for an item whose chunking failed: its line windows, with the reason. */
async function windowsOf(item: ChunkItem, error: string): Promise<ChunkResult> {
  return { path: item.path, chunks: await chunkItem({ ...item, syntax: false }), error };
}

/** One item in this thread, a failure turned into line windows like a failure in a worker. */
export async function chunkInThread(item: ChunkItem): Promise<ChunkResult> {
  try {
    return { path: item.path, chunks: await chunkItem(item) };
  } catch (err) {
    return windowsOf(item, `chunking failed: ${(err as Error).message ?? String(err)}`);
  }
}

/** Messages between the pool and a worker. */
export type ToWorker = { id: number; item: ChunkItem };
export type FromWorker = { id: number; chunks: ChunkWithTerms[] } | { id: number; error: string };

interface Slot {
  worker: Worker;
  /** The item index in flight, or -1 when idle. */
  busy: number;
  /** Set once the thread has exited (crashed while idle, or terminated). */
  dead?: string;
  onDone?: (msg: FromWorker | { crashed: string }) => void;
}

/** The worker entry next to this module. */
function workerEntry(): URL {
  const self = import.meta.url;
  // Under tsx or vitest: a plain .mjs entry that registers tsx's loader, then imports chunk-worker.ts.
  if (self.endsWith(".ts")) return new URL("./chunk-worker-tsx.mjs", self);
  return new URL("./chunk-worker.js", self);
}

export class ChunkPool {
  readonly size: number;
  private readonly useCallerThread: boolean;
  private readonly minBatchBytes: number;
  private readonly resourceLimits?: ResourceLimits;
  private slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  /** The batch in progress: batches share the workers, so they run in turn. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: ChunkPoolOptions = {}) {
    this.size = Math.max(0, Math.floor(options.size ?? defaultPoolSize()));
    this.useCallerThread = options.useCallerThread ?? true;
    this.minBatchBytes = options.minBatchBytes ?? 256 * 1024;
    this.resourceLimits = options.resourceLimits;
  }

  /** Worker threads running now (started on the first batch big enough, stopped by close()). */
  get threads(): number {
    return this.slots.length;
  }

  /** Chunks every item; results[i] is items[i]'s. Concurrent calls run one after the other. */
  chunk(items: readonly ChunkItem[]): Promise<ChunkResult[]> {
    if (this.closed) return Promise.reject(new Error("ChunkPool is closed"));
    const run = this.queue.then(() => this.chunkNow(items));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async chunkNow(items: readonly ChunkItem[]): Promise<ChunkResult[]> {
    if (this.closed) throw new Error("ChunkPool is closed");
    const results: ChunkResult[] = new Array(items.length);
    let bytes = 0;
    for (const it of items) bytes += it.text.length;
    if (this.size === 0 || items.length < 2 || bytes < this.minBatchBytes) {
      for (const [i, it] of items.entries()) results[i] = await chunkInThread(it);
      return results;
    }
    while (this.slots.length < this.size) this.slots.push(this.spawn());
    // Largest files first, so that no thread is left with a big file at the end of the batch.
    const order = [...items.keys()].sort((a, b) => items[b]!.text.length - items[a]!.text.length || a - b);
    let next = 0;
    const take = () => (next < order.length ? order[next++]! : -1);
    const runWorker = async (slot: Slot): Promise<void> => {
      for (let i = take(); i >= 0; i = take()) {
        const item = items[i]!;
        const msg = await this.send(slot, item, i);
        if ("crashed" in msg) {
          results[i] = await windowsOf(item, `chunking worker died: ${msg.crashed}`);
          slot = this.replace(slot);
        } else if ("error" in msg) results[i] = await windowsOf(item, `chunking failed: ${msg.error}`);
        else results[i] = { path: item.path, chunks: msg.chunks };
      }
    };
    const runCaller = async (): Promise<void> => {
      for (let i = take(); i >= 0; i = take()) results[i] = await chunkInThread(items[i]!);
    };
    await Promise.all([...this.slots.map(runWorker), ...(this.useCallerThread ? [runCaller()] : [])]);
    return results;
  }

  /**
   * Stops every worker once the batch in progress is done; the pool cannot be used afterwards. Until then its
   * threads keep the process alive.
   */
  async close(): Promise<void> {
    this.closed = true;
    // A batch in progress finishes first (its workers are not killed under it).
    await this.queue;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(fileURLToPath(workerEntry()), {
      ...(this.resourceLimits ? { resourceLimits: this.resourceLimits } : {}),
    });
    const slot: Slot = { worker, busy: -1 };
    worker.on("message", (msg: FromWorker) => slot.onDone?.(msg));
    worker.on("error", (err: Error) => {
      slot.dead = err.message;
      slot.onDone?.({ crashed: err.message });
    });
    worker.on("exit", (code) => {
      slot.dead ??= `exited with code ${code}`;
      slot.onDone?.({ crashed: slot.dead });
    });
    return slot;
  }

  /** A new worker in place of a dead one. */
  private replace(dead: Slot): Slot {
    dead.onDone = undefined;
    void dead.worker.terminate();
    const fresh = this.spawn();
    const at = this.slots.indexOf(dead);
    if (at >= 0) this.slots[at] = fresh;
    return fresh;
  }

  private send(slot: Slot, item: ChunkItem, index: number): Promise<FromWorker | { crashed: string }> {
    return new Promise((resolve) => {
      if (slot.dead) {
        resolve({ crashed: slot.dead });
        return;
      }
      const id = this.nextId++;
      slot.busy = index;
      slot.onDone = (msg) => {
        if ("id" in msg && msg.id !== id) return;
        slot.onDone = undefined;
        slot.busy = -1;
        resolve(msg);
      };
      slot.worker.postMessage({ id, item } satisfies ToWorker);
    });
  }
}
