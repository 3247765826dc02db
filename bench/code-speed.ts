/**
 * Cold code indexing speed (issue #15), measured against the time it takes just to read the files, on one
 * tree: read-everything floor, chunk+terms in-thread, chunk+terms with the worker pool, LSI training and
 * LSI vectors for every chunk — each as a ratio to the floor of the same run.
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
    let t = performance.now();
    const bufs: Buffer[] = [];
    for (const f of files) bufs.push(await readFile(f.abs));
    const floor = performance.now() - t;

    // What the indexer does per file before chunking: skip generated/binary, hash, decode, detect.
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

    t = performance.now();
    const inThread = [];
    for (const it of items) inThread.push(await chunkInThread(it));
    const serial = performance.now() - t;
    const chunks = inThread.flatMap((r) => r.chunks);

    const pool = new ChunkPool();
    t = performance.now();
    let pooledChunks = 0;
    try {
      for (let i = 0; i < items.length; i += BATCH)
        for (const r of await pool.chunk(items.slice(i, i + BATCH))) pooledChunks += r.chunks.length;
    } finally {
      await pool.close();
    }
    const pooled = performance.now() - t;

    const texts = chunks.map((c) => embeddingText(c));
    t = performance.now();
    const model = trainLsi(texts);
    const train = performance.now() - t;
    const vocabIndex = new Map(model.vocab.map((v, i) => [v, i]));
    t = performance.now();
    for (const x of texts) lsiEmbed(model, vocabIndex, x);
    const embed = performance.now() - t;

    const row = (name: string, ms: number, note = "") => [
      name,
      ms / 1000,
      `${(ms / floor).toFixed(1)}×`,
      note,
    ];
    console.log(
      table(
        ["step", "seconds", "× read floor", "notes"],
        [
          row("read every file (floor)", floor, `${(mb / (floor / 1000)).toFixed(0)} MB/s`),
          row("skip check + hash + decode + language", prepare),
          row("chunk + terms, in-thread", serial, `${items.length} files, ${chunks.length} chunks`),
          row(
            `chunk + terms, pool of ${pool.size} + caller`,
            pooled,
            `${pooledChunks} chunks, ${(serial / pooled).toFixed(2)}× faster than in-thread`,
          ),
          row("LSI training", train, `${model.vocab.length} terms × ${model.dim} dims`),
          row("LSI vectors for every chunk", embed),
        ],
      ),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
