/**
 * Cold code indexing speed (issue #15), measured against the time it takes just to read the files, on one
 * tree: read-everything floor, chunk+terms in-thread, chunk+terms with the worker pool, LSI training and
 * LSI vectors for every chunk — each as a ratio to the floor of the same run, with the CPU time it took
 * (all threads: on a busy machine the pool's wall time says little, its CPU time shows its overhead).
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
import { embeddingText } from "../src/toolsets/code/embedders.js";
import { lsiEmbed, trainLsi } from "../src/toolsets/code/lsi.js";
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

    const pool = new ChunkPool();
    c = cpu();
    t = performance.now();
    let pooledChunks = 0;
    try {
      for (let i = 0; i < items.length; i += BATCH)
        for (const r of await pool.chunk(items.slice(i, i + BATCH))) pooledChunks += r.chunks.length;
    } finally {
      await pool.close();
    }
    const pooled = performance.now() - t;
    cpus["pooled"] = cpu() - c;

    const texts = chunks.map((ch) => embeddingText(ch));
    c = cpu();
    t = performance.now();
    const model = trainLsi(texts);
    const train = performance.now() - t;
    cpus["train"] = cpu() - c;
    const vocabIndex = new Map(model.vocab.map((v, i) => [v, i]));
    c = cpu();
    t = performance.now();
    for (const x of texts) lsiEmbed(model, vocabIndex, x);
    const embed = performance.now() - t;
    cpus["embed"] = cpu() - c;

    const row = (name: string, key: string, ms: number, note = "") => [
      name,
      ms / 1000,
      `${(ms / floor).toFixed(1)}×`,
      cpus[key]!,
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
            `chunk + terms, pool of ${pool.size} + caller`,
            "pooled",
            pooled,
            `${pooledChunks} chunks, ${(serial / pooled).toFixed(2)}× faster than in-thread`,
          ),
          row("LSI training", "train", train, `${model.vocab.length} terms × ${model.dim} dims`),
          row("LSI vectors for every chunk", "embed", embed),
        ],
      ),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
