/**
 * Code toolset benchmark. Two parts, both on real trees:
 * 1. Localization quality on every set in bench/localization.ts (the SWE-bench dev set under REPOWRIGHT_LOCDEV;
 *    the JavaScript, Go, Java and TypeScript sets under REPOWRIGHT_LOCSET_JS, _GO, _JAVA and _TS; repositories at
 *    their base commits): file-level
 *    Acc@1/5/10 and MRR with the whole issue as the query, for lexical, semantic and hybrid at file and chunk
 *    granularity, against a plain BM25 over whole files with `\w+` tokens.
 * 2. Speed on one tree (REPOWRIGHT_BENCH_TREE, default: the first dev-set checkout, else this repository's
 *    src/): files/s and MB/s cold and incremental, query p50/p95 per mode, index size, and `rg` over the
 *    same tree when ripgrep is installed.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";
import { lsiFor } from "../src/toolsets/code/embedders.js";
import { indexRepository } from "../src/toolsets/code/indexer.js";
import { openPostgresIndex } from "../src/toolsets/code/pg-store.js";
import { type SearchMode, searchIndex, type Tuning } from "../src/toolsets/code/search.js";
import { type CodeIndex, indexLocation, openSqliteIndex } from "../src/toolsets/code/store.js";
import { walkRepository } from "../src/toolsets/code/walk.js";
import { benchPool } from "./lib.js";
import {
  checkoutsOf,
  fmt,
  type Instance,
  LOCALIZATION_SETS,
  plainBm25,
  readInstances,
  type Scores,
  score,
} from "./localization.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Distinct files of a chunk list, in the order they first appear. */
function distinctFiles(paths: string[]): string[] {
  return [...new Set(paths)];
}

export interface LocSetOptions {
  tuning?: Partial<Tuning>;
  baseline?: boolean;
  quiet?: boolean;
  onlyIndexed?: boolean;
  /** Vectors to build when indexing: lsi (the default embedder) or none (lexical only, faster). */
  embedder?: "lsi" | "none";
}

/**
 * Scores one localization set: each instance's checkout under `dir/<instance_id>`, indexed once into
 * `home`, the whole issue as the query; file granularity (top 10 files) and chunk granularity (the
 * distinct files of the default 10-chunk answer, in order), for each mode, beside plain BM25.
 */
export async function scoreLocSet(
  name: string,
  instances: Instance[],
  dir: string,
  home: string,
  options: LocSetOptions = {},
) {
  const embedderChoice = options.embedder ?? "lsi";
  const modes: SearchMode[] = embedderChoice === "none" ? ["lexical"] : ["lexical", "semantic", "hybrid"];
  const ranked: Record<string, string[][]> = { bm25: [] };
  const gold: string[][] = [];
  for (const inst of instances) {
    const root = join(dir, inst.instance_id);
    if (!existsSync(root)) continue;
    if (options.onlyIndexed && !existsSync(indexLocation(home, root))) continue;
    const index = openSqliteIndex(home, root, { create: true })!;
    try {
      if ((await index.meta("indexed_at")) === undefined || process.env["REPOWRIGHT_LOCDEV_REINDEX"])
        await indexRepository(index, { maxFileBytes: 1_000_000, embedder: embedderChoice });
      const embedder = embedderChoice === "lsi" ? await lsiFor(index, { retrain: false }) : undefined;
      for (const mode of modes) {
        for (const granularity of ["file", "chunk"] as const) {
          const hits = await searchIndex(index, inst.problem_statement, {
            k: 10,
            mode,
            granularity,
            embedder,
            tuning: options.tuning,
          });
          const key = `${mode}/${granularity}`;
          const list = ranked[key] ?? [];
          list.push(distinctFiles(hits.map((h) => h.path)));
          ranked[key] = list;
        }
      }
      if (options.baseline !== false) {
        const paths = [...(await index.files()).keys()];
        ranked["bm25"]!.push(await plainBm25(root, paths, inst.problem_statement));
      }
      gold.push(inst.files_changed);
    } finally {
      await index.close();
    }
  }
  const out: Record<string, Scores> = {};
  if (!options.quiet)
    console.log(
      `${name}: ${gold.length} issues, whole issue text as the query (chunk = distinct files of 10 chunks)`,
    );
  const names = [
    ...(options.baseline === false ? [] : ["bm25"]),
    ...modes.flatMap((m) => [`${m}/file`, `${m}/chunk`]),
  ];
  for (const key of names) {
    out[key] = score(ranked[key]!, gold);
    if (!options.quiet)
      console.log(`  ${(key === "bm25" ? "plain BM25 (\\w+, files)" : key).padEnd(24)} ${fmt(out[key]!)}`);
  }
  return out;
}

/**
 * Part 1: every localization set whose checkouts are there, each at file and chunk granularity beside plain
 * BM25; a set without checkouts is skipped with the reason. Indexes go to `<checkouts>/../<folder>-index`
 * (REPOWRIGHT_LOCDEV_HOME overrides it for the dev set) and are reused on the next run.
 */
export async function localization(options: LocSetOptions = {}) {
  const results: Record<string, Record<string, Scores>> = {};
  for (const set of LOCALIZATION_SETS) {
    const where = checkoutsOf(set);
    if ("skip" in where) {
      console.log(`code bench: ${set.name} skipped — ${where.skip}`);
      continue;
    }
    const home =
      set.env === "REPOWRIGHT_LOCDEV"
        ? (process.env["REPOWRIGHT_LOCDEV_HOME"] ?? join(where.dir, "..", "locdev-index"))
        : join(where.dir, "..", `${basename(resolve(where.dir))}-index`);
    results[set.name] = await scoreLocSet(
      `${set.name} (${set.description})`,
      readInstances(set.file),
      where.dir,
      home,
      {
        embedder: process.env["REPOWRIGHT_LOCDEV_EMBEDDER"] === "none" ? "none" : "lsi",
        ...options,
      },
    );
  }
  return results;
}

/** The dev set alone (what the tuning scripts call). */
export async function locdev(options: LocSetOptions = {}) {
  const set = LOCALIZATION_SETS[0]!;
  const where = checkoutsOf(set);
  if ("skip" in where) {
    console.log(`code bench: ${set.name} skipped — ${where.skip}`);
    return undefined;
  }
  const home = process.env["REPOWRIGHT_LOCDEV_HOME"] ?? join(where.dir, "..", "locdev-index");
  return scoreLocSet(set.name, readInstances(set.file), where.dir, home, {
    embedder: process.env["REPOWRIGHT_LOCDEV_EMBEDDER"] === "none" ? "none" : "lsi",
    ...options,
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

/**
 * Nearest neighbours two ways over the same vectors: brute-force cosine over one Float32Array (what the
 * index does) and sqlite-vec's vec0 table (BigInt rowids), top 400 of 20 random queries each.
 */
async function vectorStores(idx: CodeIndex): Promise<void> {
  const { ids, dim, data } = await idx.vectors();
  if (dim === 0) return;
  const queries = Array.from({ length: 20 }, (_, i) =>
    data.slice(((i * 37) % ids.length) * dim, (((i * 37) % ids.length) + 1) * dim),
  );
  const brute: number[] = [];
  for (const qv of queries) {
    const t = performance.now();
    const scores = new Float32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += data[i * dim + j]! * qv[j]!;
      scores[i] = s;
    }
    [...scores.keys()].sort((a, b) => scores[b]! - scores[a]!).slice(0, 400);
    brute.push(performance.now() - t);
  }
  const db = new Database(":memory:");
  sqliteVec.load(db);
  db.exec(`CREATE VIRTUAL TABLE v USING vec0(embedding float[${dim}] distance_metric=cosine)`);
  const ins = db.prepare("INSERT INTO v (rowid, embedding) VALUES (?, ?)");
  const t0 = performance.now();
  db.transaction(() => {
    for (let i = 0; i < ids.length; i++)
      ins.run(BigInt(ids[i]!), Buffer.from(data.buffer, data.byteOffset + i * dim * 4, dim * 4));
  })();
  const load = performance.now() - t0;
  const knn = db.prepare("SELECT rowid, distance FROM v WHERE embedding MATCH ? AND k = 400");
  const vec: number[] = [];
  for (const qv of queries) {
    const t = performance.now();
    knn.all(Buffer.from(qv.buffer, qv.byteOffset, qv.byteLength));
    vec.push(performance.now() - t);
  }
  db.close();
  console.log(
    `  vectors (${ids.length} × ${dim}) brute-force cosine p50 ${pct(brute, 50).toFixed(1)} ms; sqlite-vec vec0 p50 ${pct(vec, 50).toFixed(1)} ms (+ ${load.toFixed(0)} ms to load)`,
  );
}

export async function speed() {
  const dir = process.env["REPOWRIGHT_LOCDEV"];
  const firstDev = dir && existsSync(dir) ? join(dir, "sphinx-doc__sphinx-8721") : undefined;
  const source = resolve(
    process.env["REPOWRIGHT_BENCH_TREE"] ??
      (firstDev && existsSync(firstDev) ? firstDev : join(here, "..", "src")),
  );
  // Work on a copy: the one-file edit must not touch the original tree.
  const scratch = mkdtempSync(join(tmpdir(), "rw-bench-code-"));
  const tree = join(scratch, "tree");
  cpSync(source, tree, { recursive: true });
  try {
    const { files } = await walkRepository(tree, { maxFileBytes: 1_000_000 });
    const mb = files.reduce((a, f) => a + f.size, 0) / 1e6;
    console.log(`speed on a copy of ${source}: ${files.length} files, ${mb.toFixed(1)} MB`);
    // The floor the issue measures cold indexing against: reading every file the index would read.
    const tr = performance.now();
    let readBytes = 0;
    for (const f of files) readBytes += (await readFile(f.abs)).length;
    const readS = (performance.now() - tr) / 1000;
    console.log(
      `  read every file (floor)    ${readS.toFixed(2)} s (${(readBytes / 1e6).toFixed(1)} MB, warm page cache)`,
    );
    const rg = spawnSync("rg", ["--version"]);
    if (rg.status === 0) {
      const t = performance.now();
      spawnSync("rg", ["-c", "zzzqqqxxx_not_there", tree]);
      console.log(`  rg scan (I/O floor)        ${((performance.now() - t) / 1000).toFixed(2)} s`);
    } else console.log("  rg scan (I/O floor)        skipped: ripgrep (rg) is not installed");
    const victim = files.find((f) => /\.(py|ts|js|go|rs)$/.test(f.path)) ?? files[0];
    // The same tree in each backend: SQLite in a data dir of its own, PostgreSQL in a schema of its own.
    const pool = await benchPool();
    const schema = `rw_bench_${process.pid}`;
    const backends: { name: string; open: (embedder: string) => Promise<CodeIndex> }[] = [
      {
        name: "sqlite",
        open: async (embedder) => openSqliteIndex(join(scratch, `home-${embedder}`), tree, { create: true })!,
      },
    ];
    if (pool)
      backends.push({
        name: "postgres",
        // One schema per embedder: the two runs must not share an index.
        open: async (embedder) =>
          (await openPostgresIndex(pool, tree, { create: true, schema: `${schema}_${embedder}` }))!,
      });
    else
      console.log(
        "  postgres backend           skipped: no PostgreSQL at 127.0.0.1:5432 (REPOWRIGHT_BENCH_PG_URL)",
      );
    try {
      for (const backend of backends)
        for (const embedder of ["none", "lsi"] as const) {
          const idx = await backend.open(embedder);
          const label = `${backend.name}, embedder ${embedder}`.padEnd(26);
          const t0 = performance.now();
          const cold = await indexRepository(idx, { maxFileBytes: 1_000_000, embedder });
          const coldS = (performance.now() - t0) / 1000;
          const t1 = performance.now();
          await indexRepository(idx, { maxFileBytes: 1_000_000, embedder });
          const warmS = (performance.now() - t1) / 1000;
          let oneS = 0;
          let oneIndexed = 0;
          if (victim) {
            appendFileSync(victim.abs, "\n# edited by the benchmark\n");
            const t2 = performance.now();
            oneIndexed = (await indexRepository(idx, { maxFileBytes: 1_000_000, embedder })).files_indexed;
            oneS = (performance.now() - t2) / 1000;
          }
          console.log(
            `  index ${label} cold ${coldS.toFixed(2)} s = ${(coldS / Math.max(readS, 0.001)).toFixed(0)}× the read floor, ${(cold.files_indexed / coldS).toFixed(0)} files/s, ${(mb / coldS).toFixed(2)} MB/s; ` +
              `no-change re-run ${warmS.toFixed(2)} s (${((100 * warmS) / coldS).toFixed(1)} % of cold); ` +
              `one edited file ${oneS.toFixed(2)} s (${oneIndexed} file re-indexed)`,
          );
          console.log(
            `  index size (${backend.name})${" ".repeat(Math.max(1, 14 - backend.name.length))}${((await idx.sizeBytes()) / 1e6).toFixed(1)} MB ${JSON.stringify(await idx.stats())}`,
          );
          if (embedder === "lsi") {
            const emb = await lsiFor(idx, { retrain: false });
            const queries = [
              "parse configuration file",
              "autodoc typehints signature",
              "how are warnings emitted when a reference cannot be resolved",
              'Traceback (most recent call last):\n  File "sphinx/ext/autodoc/__init__.py", line 10, in format_signature\nTypeError: unhashable type',
              "build html output",
              "LaTeX writer table",
            ];
            for (const mode of ["lexical", "semantic", "hybrid"] as const) {
              // One search per query first: the chunk table and vectors are loaded once per generation.
              for (const q of queries)
                await searchIndex(idx, q, { k: 10, mode, granularity: "chunk", embedder: emb });
              const times: number[] = [];
              for (let r = 0; r < 5; r++)
                for (const q of queries) {
                  const t = performance.now();
                  await searchIndex(idx, q, { k: 10, mode, granularity: "chunk", embedder: emb });
                  times.push(performance.now() - t);
                }
              console.log(
                `  query ${backend.name.padEnd(8)} ${mode.padEnd(9)}   warm p50 ${pct(times, 50).toFixed(1)} ms  p95 ${pct(times, 95).toFixed(1)} ms`,
              );
            }
            if (backend.name === "sqlite") await vectorStores(idx);
          }
          await idx.close();
        }
    } finally {
      if (pool) {
        for (const e of ["none", "lsi"]) await pool.query(`DROP SCHEMA IF EXISTS ${schema}_${e} CASCADE`);
        await pool.end();
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  await speed();
  await localization();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === "locdev") await locdev();
  else if (process.argv[2] === "localization") await localization();
  else await run();
}
