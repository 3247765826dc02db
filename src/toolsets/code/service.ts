/**
 * The long-lived side of the code toolset: open indexes by repository root, one index run per repository
 * at a time, and the embedder each search uses. Shared by the MCP tools and the CLI. Indexes live in one
 * SQLite file per repository (the default) or in PostgreSQL (`REPOWRIGHT_CODE_INDEX=postgres`), shared by
 * every replica through the pool the composition root hands in.
 */
import type { Pool } from "pg";
import type { Config } from "../../core/config.js";
import { conflictError, notFoundError, validationError } from "../../core/errors.js";
import type { Workspace } from "../../core/workspace.js";
import type { Model } from "../../llm/models.js";
import { type Embedder, externalEmbedder, lsiFor } from "./embedders.js";
import { type IndexProgress, type IndexReport, indexRepository } from "./indexer.js";
import { openPostgresIndex } from "./pg-store.js";
import { applyFileOrder, fileOutline, type RerankOutcome, rerankFiles } from "./rerank.js";
import { type Granularity, type SearchHit, type SearchMode, searchIndex } from "./search.js";
import { type CodeIndex, openSqliteIndex } from "./store.js";

export interface CodeService {
  /** The repository root a caller named, as a real path inside the workspace (see core/workspace.ts). */
  resolveRoot(path: string): string;
  readonly workspace: Workspace;
  open(root: string): Promise<CodeIndex | undefined>;
  index(
    path: string,
    options: {
      embedder?: "lsi" | "none" | "configured";
      signal?: AbortSignal;
      onProgress?: (p: IndexProgress) => void | Promise<void>;
      /**
       * `wait` (default): resolve once the vectors are ready too. `background`: resolve as soon as the
       * lexical index is searchable (`vectors: "pending"`); the vectors are trained and embedded after,
       * in this process, without blocking searches (the run still holds the repository's index lock, and
       * `vectorsProgress` tells how far it is; another index run of it waits for it). A failure there is
       * kept for index_status. `auto`: `background` when the run added at least BACKGROUND_MIN_CHUNKS
       * chunks (a cold build of a big tree), `wait` otherwise.
       */
      vectors?: "wait" | "background" | "auto";
    },
  ): Promise<IndexReport>;
  /** The vector phase running in the background for `root`, if any: its last progress, or its failure. */
  vectorsProgress(root: string): { running: boolean; message?: string; error?: string } | undefined;
  search(
    path: string,
    query: string,
    options: {
      k: number;
      mode: SearchMode;
      granularity: Granularity;
      paths?: string[];
      languages?: string[];
      signal?: AbortSignal;
      /** Re-order the best files with this model (rerank.ts); absent: the retrieval order. */
      rerank?: Model;
    },
  ): Promise<{ index: CodeIndex; results: SearchHit[]; rerank?: Omit<RerankOutcome, "order"> }>;
  /** The index of `path`, or a not_found error telling how to build it. */
  require(path: string): Promise<CodeIndex>;
  close(): Promise<void>;
}

export interface CodeServiceOptions {
  /** The fetch external embedders use. */
  fetch?: typeof fetch;
  /**
   * The PostgreSQL pool of the shared index, required with `REPOWRIGHT_CODE_INDEX=postgres`; whoever built
   * it closes it (the service never does).
   */
  pool?: Pool;
}

/** A vector phase an index run left running after it answered: how to stop it, how far it is, how it ended. */
interface VectorPhase {
  done: Promise<unknown>;
  abort: AbortController;
  message?: string;
  error?: string;
  running: boolean;
}

/** `vectors: "auto"` trains in the background from this many new chunks (about 2 MB of code) on. */
export const BACKGROUND_MIN_CHUNKS = 5000;

export function createCodeService(
  config: Readonly<Config>,
  workspace: Workspace,
  options: CodeServiceOptions = {},
): CodeService {
  const fetchImpl = options.fetch;
  const pool = options.pool;
  if (config.code.index === "postgres" && !pool)
    throw validationError(
      "REPOWRIGHT_CODE_INDEX=postgres needs a PostgreSQL pool: set REPOWRIGHT_CODE_INDEX_URL (postgres://...)",
    );
  const open = new Map<string, CodeIndex>();
  const opening = new Map<string, Promise<CodeIndex | undefined>>();
  const running = new Set<string>();
  // Vector phases left running by `index(..., { vectors: "background" })`, by root.
  const background = new Map<string, VectorPhase>();
  const home = config.core.home;

  const resolveRoot = (path: string): string => workspace.directory(path);

  // Open indexes, least recently used first. Each holds an SQLite handle (or a share of the pool) and, once
  // searched, its chunk table and vectors in memory, so a server that meets many repositories keeps only
  // the last few open.
  // An index in use (an index run, a search waiting on its embedder) is never closed under its user.
  const maxOpen = config.code.maxOpenIndexes;
  const inUse = new Map<string, number>();
  const evict = () => {
    for (const [root, idx] of open) {
      if (open.size <= maxOpen) return;
      if (running.has(root) || inUse.has(root)) continue;
      void idx.close();
      open.delete(root);
    }
  };
  const openIndex = (root: string, create: boolean): Promise<CodeIndex | undefined> =>
    pool
      ? openPostgresIndex(pool, root, { create, schema: config.code.indexSchema })
      : Promise.resolve(openSqliteIndex(home, root, { create }));
  const get = async (root: string, create: boolean): Promise<CodeIndex | undefined> => {
    const idx = open.get(root);
    if (idx) {
      open.delete(root);
      open.set(root, idx);
      return idx;
    }
    // Two callers opening the same index at once share one open.
    let pending = opening.get(root);
    if (!pending) {
      pending = openIndex(root, create).finally(() => opening.delete(root));
      opening.set(root, pending);
    }
    let opened = await pending;
    // A concurrent open without `create` found nothing: this caller creates.
    if (!opened && create) opened = await openIndex(root, true);
    const existing = open.get(root);
    if (existing) {
      if (opened && opened !== existing) await opened.close();
      return existing;
    }
    if (opened) {
      open.set(root, opened);
      evict();
    }
    return opened;
  };
  const hold = (root: string) => inUse.set(root, (inUse.get(root) ?? 0) + 1);
  const release = (root: string) => {
    const n = (inUse.get(root) ?? 1) - 1;
    if (n > 0) inUse.set(root, n);
    else inUse.delete(root);
    evict();
  };

  const service: CodeService = {
    resolveRoot,
    workspace,
    open: (root) => get(root, false),
    async require(path) {
      const root = resolveRoot(path);
      const idx = await get(root, false);
      if (!idx || (await idx.meta("indexed_at")) === undefined)
        throw notFoundError(
          `${root} is not indexed yet: run index_repository (CLI: repowright index ${root}) first`,
        );
      return idx;
    },
    async index(path, options) {
      const root = resolveRoot(path);
      // A vector phase left in the background is part of the previous run: this one starts after it.
      const behind = background.get(root);
      if (behind?.running) await behind.done;
      if (running.has(root)) throw conflictError(`an index run on ${root} is already in progress`);
      running.add(root);
      let detached = false;
      try {
        const idx = (await get(root, true))!;
        const choice = options.embedder ?? "configured";
        let embedder: "lsi" | "none" | Embedder;
        if (choice === "configured") {
          embedder =
            config.code.embedder === "lsi" || config.code.embedder === "none"
              ? config.code.embedder
              : (externalEmbedder(config.code, fetchImpl) ?? "none");
        } else embedder = choice;
        const mode = options.vectors ?? "wait";
        if (mode === "wait" || embedder === "none")
          return await indexRepository(idx, {
            maxFileBytes: config.code.maxFileBytes,
            largeFilesBytes: config.code.largeFilesBytes,
            embedder,
            signal: options.signal,
            onProgress: options.onProgress,
          });
        // The caller's signal and progress end with its call, at "searchable"; the vector phase has its own
        // (service.close() aborts it; an index killed there finishes its vectors on the next run).
        const abort = new AbortController();
        const forward = () => abort.abort(options.signal?.reason);
        options.signal?.addEventListener("abort", forward, { once: true });
        const entry: VectorPhase = { done: Promise.resolve(), abort, running: true };
        let searchable: IndexReport | undefined;
        let detach = false;
        let lexicalDone: (r: IndexReport) => void = () => undefined;
        const lexical = new Promise<IndexReport>((resolve) => {
          lexicalDone = resolve;
        });
        const run = indexRepository(idx, {
          maxFileBytes: config.code.maxFileBytes,
          largeFilesBytes: config.code.largeFilesBytes,
          embedder,
          signal: abort.signal,
          onProgress: async (p) => {
            if (!detach) return options.onProgress?.(p);
            entry.message = `${p.phase}: ${p.message ?? ""} ${p.done}/${p.total}`.trim();
          },
          onSearchable: (r) => {
            searchable = r;
            detach = mode === "background" || r.chunks_added >= BACKGROUND_MIN_CHUNKS;
            lexicalDone(r);
          },
        });
        const first = await Promise.race([run, lexical]);
        if (!searchable || !detach || first.vectors !== "pending") return await run;
        // From here the caller has its answer; the run goes on and releases the lock when done.
        options.signal?.removeEventListener("abort", forward);
        detached = true;
        hold(root);
        background.set(root, entry);
        entry.done = run
          .then(
            () => {
              entry.running = false;
              entry.message = "vectors ready";
            },
            (err: unknown) => {
              entry.running = false;
              entry.error = err instanceof Error ? err.message : String(err);
            },
          )
          .finally(() => {
            running.delete(root);
            release(root);
          });
        return first;
      } finally {
        if (!detached) {
          running.delete(root);
          evict();
        }
      }
    },
    vectorsProgress(root) {
      const entry = background.get(root);
      if (!entry) return undefined;
      return {
        running: entry.running,
        ...(entry.message ? { message: entry.message } : {}),
        ...(entry.error ? { error: entry.error } : {}),
      };
    },
    async search(path, query, options) {
      const idx = await service.require(path);
      const space = await idx.meta("vector_space");
      let embedder: Embedder | undefined;
      if (space?.startsWith("lsi:")) embedder = await lsiFor(idx, { retrain: false });
      else if (space) {
        embedder = externalEmbedder(config.code, fetchImpl);
        // Query vectors from another model would be compared with the index's as if they shared a space.
        if (embedder && embedder.id !== space && options.mode !== "lexical")
          throw validationError(
            `this index's vectors come from ${space}, but the configured embedder is ${embedder.id}: search with the same REPOWRIGHT_EMBEDDER settings, re-index, or use mode lexical`,
          );
      }
      if (options.mode === "semantic" && !embedder && (await idx.meta("vectors_state")) === "pending")
        throw validationError(
          "this index's vectors are still being built (index_status: vectors pending): use mode lexical or hybrid meanwhile, or run index_repository again if no run is in progress",
        );
      if (options.mode === "semantic" && !embedder)
        throw validationError(
          "this index has no vectors: re-index with an embedder (REPOWRIGHT_EMBEDDER=lsi, local or openai), or use mode lexical",
        );
      const root = idx.root;
      hold(root);
      try {
        const { rerank: model, ...rest } = options;
        if (!model) return { index: idx, results: await searchIndex(idx, query, { ...rest, embedder }) };
        // The model reads more candidates than a short answer lists: the files it moves up come from there.
        const wanted = config.code.rerankCandidates;
        const k = Math.max(options.k, options.granularity === "file" ? wanted : wanted * 3);
        const hits = await searchIndex(idx, query, { ...rest, k, embedder });
        const paths = [...new Set(hits.map((h) => h.path))].slice(0, wanted);
        const candidates = await Promise.all(
          paths.map(async (p) => ({ path: p, outline: fileOutline(await idx.chunksOfFile(p)) })),
        );
        const outcome = await rerankFiles(model, query, candidates, options.signal);
        const results = applyFileOrder(hits, outcome.order).slice(0, options.k);
        return {
          index: idx,
          results,
          rerank: { by: outcome.by, ...(outcome.reason ? { reason: outcome.reason } : {}) },
        };
      } finally {
        release(root);
      }
    },
    async close() {
      // Vector phases still running stop where they are: the next index run finishes them.
      for (const entry of background.values()) entry.abort.abort(new Error("code service closed"));
      await Promise.all([...background.values()].map((e) => e.done));
      const all = [...open.values()];
      open.clear();
      await Promise.all(all.map((idx) => idx.close()));
    },
  };
  return service;
}
