/**
 * Cold code indexing speed (issue #15), measured against the time it takes just to read the files, on one
 * tree: the read-everything floor; the steps (chunk+terms in-thread, chunk+terms+LSI counts on the worker
 * pool, LSI training and vectors from those counts); then the whole indexer on a fresh SQLite index —
 * cold to searchable (lexical part committed), cold to vectors ready, lexical only, and a re-run with
 * nothing changed — each as a ratio to the floor of the same run, with the CPU time it took (all threads:
 * on a busy machine the pool's wall time says little, its CPU time shows its overhead). Ends with the goal
 * lines: cold to searchable within 20× the floor, and vectors ready.
 * The tree: REPOWRIGHT_BENCH_TREE, or a copy of this repository's src/, test/ and docs/ plus
 * node_modules/typescript (20 MB+; files over 1 MB go in line windows, as the large-file budget does).
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { type ChunkItem, ChunkPool, chunkInThread } from "../src/code/chunk-pool.js";
import { detectLanguage } from "../src/code/languages.js";
import { type IndexReport, indexRepository } from "../src/toolsets/code/indexer.js";
import { lsiEmbedCounts, trainLsiCounts } from "../src/toolsets/code/lsi.js";
import { openSqliteIndex } from "../src/toolsets/code/store.js";
import { skipByContent, walkRepository } from "../src/toolsets/code/walk.js";
import { table } from "./lib.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..");
const BATCH = 64;

/** CPU seconds of this process (every thread) so far: on a shared machine, steadier than wall time. */
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** The default tree: this repository's sources and the TypeScript compiler package, copied. */
function defaultTree(scratch: string): string {
  const tree = join(scratch, "tree");
  for (const dir of ["src", "test", "docs"]) cpSync(join(repo, dir), join(tree, dir), { recursive: true });
  cpSync(join(repo, "node_modules", "typescript"), join(tree, "typescript"), { recursive: true });
  return tree;
}

export async function run(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "rw-bench-codespeed-"));
  try {
    const given = process.env["REPOWRIGHT_BENCH_TREE"];
    const tree = given && existsSync(given) ? resolve(given) : defaultTree(scratch);
    const { files } = await walkRepository(tree, { maxFileBytes: 1_000_000, largeFilesBytes: 100_000_000 });
    const mb = files.reduce((a, f) => a + f.size, 0) / 1e6;
    console.log(
      `\n## code-speed: ${given ? tree : "this repository + typescript"}: ${files.length} files, ${mb.toFixed(1)} MB`,
    );

    // Floor: read every file the index would read (warm page cache after the walk and a first pass).
    for (const f of files) await readFile(f.abs);
    const cpus: Record<string, number> = {};
    let c = cpu();
    let t = performance.now();
    const bufs: Buffer[] = [];
    for (const f of files) bufs.push(await readFile(f.abs));
    const floor = performance.now() - t;
    cpus["floor"] = cpu() - c;

    // What the indexer does per file before chunking: skip generated/binary, hash, decode, detect.
    c = cpu();
    t = performance.now();
    const items: ChunkItem[] = [];
    for (const [i, f] of files.entries()) {
      const buf = bufs[i]!;
      if (skipByContent(buf)) continue;
      createHash("sha256").update(buf).digest("hex");
      const text = buf.toString("utf8");
      items.push({
        path: f.path,
        lang: detectLanguage(f.path, text.slice(0, 200).split("\n", 1)[0]),
        text,
        syntax: !f.large,
      });
    }
    const prepare = performance.now() - t;
    cpus["prepare"] = cpu() - c;

    // Warm-up (grammars loaded, code compiled) so that the in-thread pass does not pay for it alone.
    for (const it of items.slice(0, 50)) await chunkInThread(it);
    c = cpu();
    t = performance.now();
    const inThread = [];
    for (const it of items) inThread.push(await chunkInThread(it));
    const serial = performance.now() - t;
    cpus["serial"] = cpu() - c;
    const chunks = inThread.flatMap((r) => r.chunks);

    // The pool as the indexer runs it with the LSI embedder: terms and LSI token counts of every chunk.
    const pool = new ChunkPool();
    c = cpu();
    t = performance.now();
    const counted: Map<string, number>[] = [];
    try {
      for (let i = 0; i < items.length; i += BATCH)
        for (const r of await pool.chunk(
          items.slice(i, i + BATCH).map((it) => ({ ...it, embedCounts: true })),
        ))
          for (const ch of r.chunks) counted.push(ch.embedCounts!);
    } finally {
      await pool.close();
    }
    const pooled = performance.now() - t;
    cpus["pooled"] = cpu() - c;

    c = cpu();
    t = performance.now();
    const model = trainLsiCounts(counted);
    const train = performance.now() - t;
    cpus["train"] = cpu() - c;
    const vocabIndex = new Map(model.vocab.map((v, i) => [v, i]));
    c = cpu();
    t = performance.now();
    for (const x of counted) lsiEmbedCounts(model, vocabIndex, x);
    const embed = performance.now() - t;
    cpus["embed"] = cpu() - c;

    // The whole indexer on a fresh SQLite index: as `repowright index` runs it.
    const indexRun = async (key: string, home: string, embedder: "lsi" | "none") => {
      const idx = openSqliteIndex(home, tree, { create: true })!;
      try {
        c = cpu();
        const r = await indexRepository(idx, {
          maxFileBytes: 1_000_000,
          largeFilesBytes: 100_000_000,
          embedder,
        });
        cpus[key] = cpu() - c;
        return r;
      } finally {
        await idx.close();
      }
    };
    const cold: IndexReport = await indexRun("cold", join(scratch, "home-lsi"), "lsi");
    cpus["searchable"] = Number.NaN;
    const again = await indexRun("again", join(scratch, "home-lsi"), "lsi");
    const lexical = await indexRun("lexical", join(scratch, "home-none"), "none");

    const row = (name: string, key: string, ms: number, note = "") => [
      name,
      ms / 1000,
      `${(ms / floor).toFixed(1)}×`,
      Number.isNaN(cpus[key]!) ? "" : cpus[key]!,
      note,
    ];
    console.log(
      table(
        ["step", "wall s", "× read floor", "CPU s", "notes"],
        [
          row("read every file (floor)", "floor", floor, `${(mb / (floor / 1000)).toFixed(0)} MB/s`),
          row("skip check + hash + decode + language", "prepare", prepare),
          row("chunk + terms, in-thread", "serial", serial, `${items.length} files, ${chunks.length} chunks`),
          row(
            `chunk + terms + LSI counts, pool of ${pool.size} + caller`,
            "pooled",
            pooled,
            `${counted.length} chunks`,
          ),
          row(
            "LSI training, from the counts",
            "train",
            train,
            `${model.vocab.length} terms × ${model.dim} dims`,
          ),
          row("LSI vectors for every chunk, from the counts", "embed", embed),
          row(
            "indexer: cold to searchable (lexical committed)",
            "searchable",
            cold.searchable_ms,
            `${cold.chunks_added} chunks`,
          ),
          row(
            "indexer: cold to vectors ready (LSI)",
            "cold",
            cold.duration_ms,
            `${cold.vectors_embedded} vectors; CPU s of the whole run`,
          ),
          row("indexer: cold, lexical only (no embedder)", "lexical", lexical.duration_ms),
          row(
            "indexer: re-run, nothing changed",
            "again",
            again.duration_ms,
            `${again.files_unchanged} unchanged, ${again.files_indexed} re-indexed`,
          ),
        ],
      ),
    );
    const ratio = (ms: number) => ms / floor;
    console.log(
      `goal: cold index to searchable ${ratio(cold.searchable_ms).toFixed(1)}× the read floor (goal ≤ 20×: ${ratio(cold.searchable_ms) <= 20 ? "met" : "not met"}); vectors ready ${ratio(cold.duration_ms).toFixed(1)}× the floor; no-change re-run ${ratio(again.duration_ms).toFixed(1)}×`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
