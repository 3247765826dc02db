/**
 * Warm code search at about 100k chunks (issue #15: "a warm `search` answer on a 100k-chunk index in under
 * 50 ms inside the server"). One big real tree — REPOWRIGHT_BENCH_TREE, default a copy of this project's
 * node_modules without the packages in LEFT_OUT (about 110k chunks; the whole of it is 167k) — indexed once
 * with lexical postings and LSI vectors into a scratch home outside the repository (REPOWRIGHT_BENCH_QUERY_HOME,
 * default `<tmpdir>/rw-bench-code-query`, which holds the copy too) and into PostgreSQL (schema
 * `rw_bench_code_query` on REPOWRIGHT_BENCH_PG_URL, default 127.0.0.1:5432/test); both are reused by later
 * runs (delete the folder or drop the schema to rebuild; REPOWRIGHT_BENCH_QUERY_PG=0 skips PostgreSQL).
 *
 * Then the code service's public search (what the MCP tool search_codebase calls) answers short identifiers,
 * natural-language questions and issue-length texts in each mode. One search first loads what an open index
 * keeps in memory (chunk table, vectors, LSI model); the first search of each query in lexical mode is timed
 * apart ("first": its postings are read from the store), then every query is repeated `rounds` times per
 * mode ("warm"), and each backend prints p50/p95 per mode and per kind of query.
 */
import { cpSync, existsSync, realpathSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/core/config.js";
import { createWorkspace } from "../src/core/workspace.js";
import type { SearchMode } from "../src/toolsets/code/search.js";
import { type CodeService, createCodeService } from "../src/toolsets/code/service.js";
import { benchPool, percentile, table } from "./lib.js";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Packages the default tree leaves out, to land near 100k chunks: three big SDKs, and onnxruntime-web,
 * whose bundles hold single tokens of several kilobytes that PostgreSQL's unique index on terms refuses
 * (over 2704 bytes a row).
 */
const LEFT_OUT = new Set(["onnxruntime-web", "@anthropic-ai", "openai", "@huggingface"]);

/** The default tree: node_modules without LEFT_OUT, copied once into `home`. */
function defaultTree(home: string): string {
  const tree = join(home, "tree");
  if (existsSync(tree)) return tree;
  const source = realpathSync(join(here, "..", "node_modules"));
  const partial = `${tree}.partial`;
  rmSync(partial, { recursive: true, force: true });
  cpSync(source, partial, {
    recursive: true,
    filter: (src) => !LEFT_OUT.has(src.slice(source.length + 1)),
  });
  renameSync(partial, tree);
  return tree;
}

/** Queries by kind. The identifiers and questions are about code that is in node_modules. */
export const QUERIES: Record<"identifier" | "question" | "issue", string[]> = {
  identifier: [
    "createSourceFile",
    "parseJsonConfigFileContent",
    "StdioClientTransport",
    "safeParse",
    "ZodDiscriminatedUnion",
    "getTypeChecker",
  ],
  question: [
    "how does the client reconnect after the transport closes",
    "parse command line options with subcommands",
    "resolve module names using the paths in tsconfig",
    "escape html entities in a string",
    "retry a request with exponential backoff",
    "where are source maps decoded",
  ],
  issue: [
    `TypeError when calling createProgram with a custom CompilerHost

When I pass my own CompilerHost to ts.createProgram and the host's getSourceFile returns undefined for a
lib file, the compiler crashes instead of reporting a diagnostic. Steps: create a host with
ts.createCompilerHost(options), override getSourceFile so that it returns undefined for lib.d.ts, then call
program.getSemanticDiagnostics().

\`\`\`
TypeError: Cannot read properties of undefined (reading 'statements')
    at bindSourceFile (node_modules/typescript/lib/typescript.js:47012:21)
    at initializeTypeChecker (node_modules/typescript/lib/typescript.js:88231:13)
    at createTypeChecker (node_modules/typescript/lib/typescript.js:49230:5)
    at getTypeChecker (node_modules/typescript/lib/typescript.js:124960:40)
\`\`\`

Expected: a diagnostic saying the file was not found, as tsc does.`,
    `Database connection errors are swallowed when the pool is idle

With pg 8 a Pool whose idle client loses its connection (the server restarts) emits an 'error' event; if
nobody listens the process exits. We listen, but the next pool.query still hangs until
connectionTimeoutMillis. It looks like the dead client is returned to the idle list before it is removed.
Reproduce: new Pool({ max: 1, idleTimeoutMillis: 0 }), run a query, restart PostgreSQL, run pool.query
again. Expected the query to reconnect; instead it times out with "timeout exceeded when trying to connect".`,
    `zod: discriminatedUnion loses the error path for nested objects

Parsing { type: "a", inner: { value: 1 } } with z.discriminatedUnion("type", [z.object({ type:
z.literal("a"), inner: z.object({ value: z.string() }) })]) gives an issue whose path is ["inner"] instead of
["inner", "value"]. safeParse and parse behave the same. ZodDiscriminatedUnion._parse seems to call the
option's _parseSync with a context whose path is not extended. The same schema written with z.union reports
the full path. Version 3.23.`,
  ],
};

const MODES: SearchMode[] = ["lexical", "semantic", "hybrid"];

function pgUrl(): string {
  return process.env["REPOWRIGHT_BENCH_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
}

/** The index of `tree` in `service`, built (and timed) only when it is not there yet. */
export async function ensureIndexed(service: CodeService, tree: string, label: string): Promise<void> {
  const existing = await service.open(tree);
  if (existing && (await existing.meta("indexed_at")) !== undefined) return;
  const t = performance.now();
  const report = await service.index(tree, { embedder: "lsi" });
  console.log(
    `  ${label}: built the index in ${((performance.now() - t) / 1000).toFixed(0)} s (${report.files_indexed} files; kept for later runs)`,
  );
}

interface Timing {
  mode: SearchMode;
  kind: string;
  /** The first search of this query (lexical mode), or a repeat. */
  first: boolean;
  ms: number;
}

/** The first search of each query in lexical mode, then `rounds` passes of every query in every mode. */
export async function timeQueries(
  service: CodeService,
  tree: string,
  rounds: number,
  queries: Record<string, string[]> = QUERIES,
): Promise<Timing[]> {
  const out: Timing[] = [];
  const all = Object.entries(queries).flatMap(([kind, qs]) => qs.map((q) => ({ kind, q })));
  const search = async (mode: SearchMode, kind: string, q: string, first: boolean) => {
    const t = performance.now();
    await service.search(tree, q, { k: 10, mode, granularity: "chunk" });
    out.push({ mode, kind, first, ms: performance.now() - t });
  };
  // Loads the chunk table, the vectors and the LSI model: what every later search finds in memory.
  await service.search(tree, "warm up", { k: 10, mode: "hybrid", granularity: "chunk" });
  for (const { kind, q } of all) await search("lexical", kind, q, true);
  for (const mode of MODES) {
    for (const { q } of all) await service.search(tree, q, { k: 10, mode, granularity: "chunk" });
    for (let r = 0; r < rounds; r++) for (const { kind, q } of all) await search(mode, kind, q, false);
  }
  return out;
}

export function summarize(timings: Timing[]): (string | number)[][] {
  const rows: (string | number)[][] = [];
  const kinds = [...new Set(timings.map((t) => t.kind))];
  const line = (label: string, of: Timing[]) => {
    const cell = (kind?: string) => {
      const xs = of
        .filter((t) => kind === undefined || t.kind === kind)
        .map((t) => t.ms)
        .sort((a, b) => a - b);
      return `${percentile(xs, 50).toFixed(1)} / ${percentile(xs, 95).toFixed(1)}`;
    };
    rows.push([label, cell(), ...kinds.map((k) => cell(k))]);
  };
  line(
    "lexical, first",
    timings.filter((t) => t.first),
  );
  for (const mode of MODES)
    line(
      `${mode}, warm`,
      timings.filter((t) => !t.first && t.mode === mode),
    );
  return rows;
}

export async function run(): Promise<void> {
  const home = process.env["REPOWRIGHT_BENCH_QUERY_HOME"] ?? join(tmpdir(), "rw-bench-code-query");
  const given = process.env["REPOWRIGHT_BENCH_TREE"];
  const tree = realpathSync(given ? resolve(given) : defaultTree(home));
  const rounds = Number(process.env["REPOWRIGHT_BENCH_QUERY_ROUNDS"] ?? "5");
  const env = {
    REPOWRIGHT_HOME: home,
    REPOWRIGHT_CODE_MAX_FILE_BYTES: "1000000",
    REPOWRIGHT_CODE_LARGE_FILES_BYTES: "100000000",
  };
  const pool = process.env["REPOWRIGHT_BENCH_QUERY_PG"] === "0" ? undefined : await benchPool();
  const backends: { name: string; service: CodeService }[] = [
    { name: "sqlite", service: createCodeService(loadConfig({ env }), createWorkspace([tree])) },
  ];
  if (pool)
    backends.push({
      name: "postgres",
      service: createCodeService(
        loadConfig({
          env: {
            ...env,
            REPOWRIGHT_CODE_INDEX: "postgres",
            REPOWRIGHT_CODE_INDEX_URL: pgUrl(),
            REPOWRIGHT_CODE_INDEX_SCHEMA: "rw_bench_code_query",
          },
        }),
        createWorkspace([tree]),
        { pool },
      ),
    });
  console.log(`\n## code-query: warm search on ${tree}`);
  if (!pool) console.log("  postgres: skipped (no PostgreSQL answering, or REPOWRIGHT_BENCH_QUERY_PG=0)");
  try {
    for (const { name, service } of backends) {
      await ensureIndexed(service, tree, name);
      const stats = await (await service.require(tree)).stats();
      console.log(
        `  ${name}: ${stats.files} files, ${stats.chunks} chunks, ${stats.terms} terms, ${stats.vectors} vectors; ${rounds} timed rounds`,
      );
      const timings = await timeQueries(service, tree, rounds);
      console.log(
        table(
          ["mode, search", "all p50 / p95 ms", ...Object.keys(QUERIES).map((k) => `${k} p50 / p95`)],
          summarize(timings),
        ),
      );
    }
  } finally {
    for (const { service } of backends) await service.close();
    await pool?.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
