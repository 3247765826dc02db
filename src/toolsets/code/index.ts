/**
 * The code toolset: index a local repository (AST-aware chunks, BM25, vectors) and find the code that
 * matters — by keywords, by meaning, or with a whole issue as the query.
 */

import { relative } from "node:path";
import { z } from "zod";
import { notFoundError, validationError } from "../../core/errors.js";
import { runInBackground } from "../../jobs/index.js";
import { background, limitIn } from "../../mcp/fragments.js";
import { defineToolset, LOCAL_UPDATE, READ_ONLY, toolFor } from "../../mcp/tool.js";
import type { FileRole } from "./roles.js";
import { indexRoles } from "./search.js";
import { type CodeService, createCodeService } from "./service.js";

const tool = toolFor<CodeService>();

const repoPath = z
  .string()
  .min(1)
  .max(4096)
  .describe("Local directory of the repository (absolute, or relative to the server's working directory).");

const MAX_QUERY_CHARS = 100_000;

const hitSchema = z.object({
  path: z.string().describe("Path relative to the repository root."),
  start_line: z.number().describe("First line (1-based)."),
  end_line: z.number().describe("Last line (inclusive)."),
  symbol: z
    .string()
    .describe("Qualified name of the definition, or the markdown heading; empty for plain blocks."),
  kind: z
    .string()
    .describe("function, method, class, ..., block, section, lines; `file` for file granularity."),
  language: z.string().describe("Language of the file."),
  score: z
    .number()
    .describe(
      "Relevance score (only comparable within one result list; chunk results come grouped under their files, best file first, so scores need not fall monotonically).",
    ),
  snippet: z.string().describe("The first lines of the chunk."),
  chunk_id: z.number().describe("Id for get_code_chunk."),
});

export const indexRepositoryTool = tool({
  name: "index_repository",
  title: "Index a repository",
  description:
    "Index (or refresh) a local repository for search_codebase and find_symbol. Incremental: only files whose content changed are re-read; deleted and renamed files are dropped. Sends progress notifications. On a big change (vectors auto) it answers as soon as the lexical index is searchable, with `vectors: pending`: the vectors are trained and embedded in the background (searches meanwhile rank lexically and say so; index_status shows `vectors_state: ready` when done). The index lives in the data dir (or the configured PostgreSQL database, shared by every replica), never in the repository.",
  input: z.object({
    path: repoPath,
    embedder: z
      .enum(["configured", "lsi", "none"])
      .default("configured")
      .describe(
        "Vectors for semantic search: the configured embedder (REPOWRIGHT_EMBEDDER), the offline LSI model, or none.",
      ),
    vectors: z
      .enum(["auto", "wait", "background"])
      .default("auto")
      .describe(
        "When to answer: wait for the vectors too, answer once the lexical index is searchable and build the vectors in the background, or auto (background when the run added 5000 chunks or more).",
      ),
    background,
  }),
  annotations: LOCAL_UPDATE,
  timeoutMs: 3_600_000,
  async handler(input, ctx) {
    const job = await runInBackground(ctx, "index_repository", input);
    if (job) return job;
    const service = ctx.deps;
    // MCP progress must only grow: each phase continues one past where the last one ended, so its first
    // report (done 0: "walking", "training LSI model") is sent too.
    let offset = 0;
    let last = -1;
    let phase = "";
    return service.index(input.path, {
      embedder: input.embedder,
      vectors: input.vectors,
      signal: ctx.signal,
      onProgress: async (p) => {
        if (p.phase !== phase) {
          offset = last + 1;
          phase = p.phase;
        }
        const progress = offset + p.done;
        if (progress <= last) return;
        last = progress;
        await ctx.progress({
          progress,
          total: p.total ? offset + p.total : undefined,
          message: `${p.phase}: ${p.message ?? ""}`.trim(),
        });
      },
    });
  },
});

/**
 * Whether an index's vectors are ready: `pending` from its lexical commit until every chunk has its
 * vector (also after a run killed in between: the next index run finishes them), with the progress of
 * a background vector phase of this server, or why it failed.
 */
async function vectorsStatus(
  service: CodeService,
  idx: { root: string; meta(key: string): Promise<string | undefined> },
): Promise<{ vectors_state: string; vectors_progress?: string; vectors_error?: string }> {
  const state =
    (await idx.meta("vectors_state")) ?? ((await idx.meta("embedder")) === "none" ? "none" : "ready");
  const bg = service.vectorsProgress(idx.root);
  return {
    vectors_state: state,
    ...(state === "pending" && bg?.running && bg.message ? { vectors_progress: bg.message } : {}),
    ...(state === "pending" && bg?.error ? { vectors_error: bg.error } : {}),
  };
}

export const indexStatusTool = tool({
  name: "index_status",
  title: "Index status",
  description:
    "Whether a repository is indexed, when, how big the index is, which embedder made its vectors and whether they are ready, and which files were skipped with their reasons.",
  input: z.object({
    path: repoPath,
    skipped_limit: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(50)
      .describe("How many skipped files to list."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const service = ctx.deps;
    const root = service.resolveRoot(input.path);
    const idx = await service.open(root);
    const indexedAt = await idx?.meta("indexed_at");
    if (!idx || indexedAt === undefined) return { root, indexed: false };
    return {
      root,
      indexed: true,
      indexed_at: indexedAt,
      embedder: (await idx.meta("embedder")) ?? "none",
      ...(await vectorsStatus(service, idx)),
      ...(await idx.stats()),
      index_bytes: await idx.sizeBytes(),
      index_location: idx.location,
      index_backend: idx.backend,
      skipped_count: await idx.skippedCount(),
      skipped: await idx.skipped(input.skipped_limit),
    };
  },
});

export const searchCodebaseTool = tool({
  name: "search_codebase",
  title: "Search a local codebase",
  description:
    "Find the code that matters in an indexed local repository: keywords, a symbol name, a question, or a whole issue with its stack trace (paths, symbols and frames in it are weighted). mode: lexical (BM25), semantic (vectors) or hybrid (both, fused). granularity file answers 'which files'.",
  input: z.object({
    path: repoPath,
    query: z
      .string()
      .min(1)
      .max(MAX_QUERY_CHARS)
      .describe(
        `What to find: words, identifiers, a question or an issue text (at most ${MAX_QUERY_CHARS} characters).`,
      ),
    k: limitIn(200, 10, "How many results."),
    mode: z
      .enum(["lexical", "semantic", "hybrid"])
      .default("hybrid")
      .describe("Ranking: lexical, semantic or hybrid."),
    granularity: z
      .enum(["chunk", "file"])
      .default("chunk")
      .describe("chunk: functions/classes/blocks; file: one result per file."),
    paths: z
      .array(z.string().min(1).max(512).describe("Glob, e.g. `src/**/*.ts`."))
      .max(50)
      .optional()
      .describe("Only files matching one of these globs."),
    languages: z
      .array(z.string().min(1).max(32).describe("Language, e.g. python."))
      .max(30)
      .optional()
      .describe("Only files in these languages."),
    rerank: z
      .boolean()
      .optional()
      .describe(
        "Let the configured model re-order the best files by reading their outlines (REPOWRIGHT_CODE_RERANK chooses the model; default: as configured, off unless set).",
      ),
  }),
  output: z.object({
    results: z.array(hitSchema).describe("Best first."),
    rerank: z
      .object({
        by: z.enum(["model", "retrieval"]).describe("Whose file order the results follow."),
        reason: z.string().optional().describe("Why the retrieval order stands."),
      })
      .optional()
      .describe("Present when re-ranking was asked for."),
    vectors_state: z
      .literal("pending")
      .optional()
      .describe(
        "Present while the index's vectors are still being built: a hybrid search then ranks lexically (or with the vectors made so far).",
      ),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const service = ctx.deps;
    const configured = ctx.config.code.rerank;
    const tier =
      input.rerank === false
        ? "none"
        : input.rerank
          ? configured === "none"
            ? "cheap"
            : configured
          : configured;
    const unavailable = tier === "none" ? undefined : ctx.clients.models.unavailable();
    const { index, results, rerank } = await service.search(input.path, input.query, {
      k: input.k,
      mode: input.mode,
      granularity: input.granularity,
      paths: input.paths,
      languages: input.languages,
      signal: ctx.signal,
      ...(tier !== "none" && !unavailable ? { rerank: ctx.clients.models.get(tier) } : {}),
    });
    const pending =
      input.mode !== "lexical" && (await index.meta("vectors_state")) === "pending"
        ? { vectors_state: "pending" as const }
        : {};
    if (unavailable)
      return { results, rerank: { by: "retrieval" as const, reason: unavailable }, ...pending };
    return rerank ? { results, rerank, ...pending } : { results, ...pending };
  },
});

const ROLE_ORDER: readonly FileRole[] = ["code", "test", "bench", "prose", "build"];

export const findSymbolTool = tool({
  name: "find_symbol",
  title: "Find a symbol's definitions",
  description:
    "Definitions (functions, methods, classes, types, ...) whose name equals the given name, or starts with it when prefix is true; case-insensitive.",
  input: z.object({
    path: repoPath,
    name: z.string().min(1).max(256).describe("Symbol name, e.g. `createSession` or `Dataset.to_zarr`."),
    prefix: z.boolean().default(false).describe("Match names that start with `name`."),
    kind: z.string().max(32).optional().describe("Only this kind (function, method, class, ...)."),
    limit: limitIn(500, 50, "Most definitions to return."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const service = ctx.deps;
    const idx = await service.require(input.path);
    const qualified = input.name.includes(".") ? input.name.toLowerCase() : undefined;
    const short = input.name.slice(input.name.lastIndexOf(".") + 1).toLowerCase();
    // Sources first: a build copy (dist/) of a source file, tests, benches and docs come after it.
    const roles = await indexRoles(idx);
    const rank = (fileId: number) => ROLE_ORDER.indexOf(roles.get(fileId) ?? "code");
    const rows = (await idx.chunksByName(short, input.prefix, Math.max(input.limit * 4, 200)))
      .filter((c) => !input.kind || c.kind === input.kind)
      .filter((c) => !qualified || c.symbol.toLowerCase().endsWith(qualified) || input.prefix)
      .map((c, i) => ({ c, i, r: rank(c.fileId) }))
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map(({ c }) => c)
      .slice(0, input.limit);
    return {
      definitions: rows.map((c) => ({
        symbol: c.symbol,
        kind: c.kind,
        path: c.path,
        start_line: c.startLine,
        end_line: c.endLine,
        signature:
          c.text
            .split("\n")
            .find((l) => l.trim() && !l.trim().startsWith("@"))
            ?.trim() ?? "",
        chunk_id: c.id,
      })),
    };
  },
});

export const getCodeChunkTool = tool({
  name: "get_code_chunk",
  title: "Get a code chunk",
  description: "The full text of one chunk returned by search_codebase (by chunk_id), with its location.",
  input: z.object({
    path: repoPath,
    chunk_id: z.number().int().min(1).describe("chunk_id from search_codebase or find_symbol."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const service = ctx.deps;
    const idx = await service.require(input.path);
    const [c] = await idx.chunks([input.chunk_id]);
    if (!c)
      throw notFoundError(
        `no chunk ${input.chunk_id} in this index (it may have been re-indexed: search again)`,
      );
    return {
      path: c.path,
      start_line: c.startLine,
      end_line: c.endLine,
      symbol: c.symbol,
      kind: c.kind,
      language: c.lang,
      text: c.text,
    };
  },
});

const MAX_RANGE_LINES = 2000;

export const readFileRangeTool = tool({
  name: "read_file_range",
  title: "Read lines of a file",
  description: `Lines start_line..end_line (1-based, inclusive, at most ${MAX_RANGE_LINES}) of a text file inside the repository, read from disk now.`,
  input: z.object({
    path: repoPath,
    file: z.string().min(1).max(4096).describe("File path relative to the repository root."),
    start_line: z.number().int().min(1).default(1).describe("First line (1-based)."),
    end_line: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(`Last line (inclusive); default start_line + ${MAX_RANGE_LINES - 1}.`),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const service = ctx.deps;
    const root = service.resolveRoot(input.path);
    // Inside the repository, through in-repository symlinks at most; never out of it.
    const rel = relative(root, await service.workspace.file(root, input.file));
    if (rel === "") throw validationError(`${input.file} is the repository itself, not a file`);
    const buf = await service.workspace.readFile(root, rel, { maxBytes: 64 * 1024 * 1024 });
    if (buf.subarray(0, 8192).includes(0))
      throw validationError(`${rel} is not a text file (binary content)`);
    const end = input.end_line ?? input.start_line + MAX_RANGE_LINES - 1;
    if (end < input.start_line) throw validationError("end_line must be >= start_line");
    if (end - input.start_line + 1 > MAX_RANGE_LINES)
      throw validationError(`at most ${MAX_RANGE_LINES} lines per call; narrow the range`);
    const lines = buf.toString("utf8").split(/\r?\n/);
    const slice = lines.slice(input.start_line - 1, end);
    return {
      file: rel.split("\\").join("/"),
      start_line: input.start_line,
      end_line: input.start_line + Math.max(0, slice.length - 1),
      total_lines: lines.length,
      text: slice.join("\n"),
    };
  },
});

export const codeToolset = defineToolset<CodeService>({
  name: "code",
  description:
    "Index a local repository and find the code that matters: lexical, semantic and hybrid search.",
  tools: [
    indexRepositoryTool,
    indexStatusTool,
    searchCodebaseTool,
    findSymbolTool,
    getCodeChunkTool,
    readFileRangeTool,
  ],
  // The PostgreSQL pool (REPOWRIGHT_CODE_INDEX=postgres) is the process's, built and closed with its clients.
  init: (services) =>
    createCodeService(services.config, services.workspace, { pool: services.clients.codeIndexPool() }),
  close: (service) => service.close(),
});
