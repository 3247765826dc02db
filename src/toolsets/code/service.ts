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
    },
  ): Promise<IndexReport>;
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
      if (running.has(root)) throw conflictError(`an index run on ${root} is already in progress`);
      running.add(root);
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
        return await indexRepository(idx, {
          maxFileBytes: config.code.maxFileBytes,
          largeFilesBytes: config.code.largeFilesBytes,
          embedder,
          signal: options.signal,
          onProgress: options.onProgress,
        });
      } finally {
        running.delete(root);
        evict();
      }
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
      const all = [...open.values()];
      open.clear();
      await Promise.all(all.map((idx) => idx.close()));
    },
  };
  return service;
}
