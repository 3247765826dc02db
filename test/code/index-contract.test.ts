/**
 * One contract for every CodeIndex store: the same calls on the SQLite file and on PostgreSQL must give the
 * same answers, and the same repository indexed into both must search the same.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { indexRepository } from "../../src/toolsets/code/indexer.js";
import { openPostgresIndex } from "../../src/toolsets/code/pg-store.js";
import { searchIndex } from "../../src/toolsets/code/search.js";
import {
  type ChunkInput,
  type CodeIndex,
  type FileUpdate,
  openSqliteIndex,
} from "../../src/toolsets/code/store.js";
import { write } from "./fixture.js";
import { dropSchema, PG_SKIP_MESSAGE, pgReachable, testPool, uniqueSchema } from "./pg.js";

const pgUp = await pgReachable();
if (!pgUp) console.warn(PG_SKIP_MESSAGE);

interface Backend {
  name: "sqlite" | "postgres";
  open(root: string, create: boolean): Promise<CodeIndex | undefined>;
}

/** Both stores, each in a place of its own that afterAll removes. */
function backends(): { list: Backend[]; cleanup(): Promise<void> } {
  const home = mkdtempSync(join(tmpdir(), "rw-contract-home-"));
  const schema = uniqueSchema();
  let pool: pg.Pool | undefined;
  const list: Backend[] = [
    { name: "sqlite", open: async (root, create) => openSqliteIndex(home, root, { create }) },
    {
      name: "postgres",
      open: (root, create) => {
        pool ??= testPool();
        return openPostgresIndex(pool, root, { create, schema });
      },
    },
  ];
  return {
    list: pgUp ? list : list.slice(0, 1),
    async cleanup() {
      rmSync(home, { recursive: true, force: true });
      if (pool) await pool.end();
      if (pgUp) await dropSchema(schema);
    },
  };
}

const stores = backends();
afterAll(() => stores.cleanup());

let roots = 0;
/** A root no other test uses (the index key is a hash of it). */
const newRoot = () => join(tmpdir(), `rw-contract-root-${process.pid}-${roots++}`);

function chunk(
  name: string,
  startLine: number,
  terms: Record<string, number>,
  kind = "function",
): ChunkInput {
  return {
    startLine,
    endLine: startLine + 2,
    kind,
    symbol: name,
    name,
    context: `context of ${name}`,
    text: `function ${name}() {}`,
    hash: `h-${name}-${startLine}`,
    terms: new Map(Object.entries(terms)),
  };
}

function file(path: string, chunks: ChunkInput[], mtime = 1000.5): FileUpdate {
  return {
    path,
    hash: `hash-${path}-${chunks.length}`,
    size: 100 + chunks.length,
    mtime,
    lang: "typescript",
    chunks,
  };
}

const vec = (...xs: number[]) => Float32Array.from(xs);

describe.each(stores.list.map((b) => [b.name, b] as const))("CodeIndex contract: %s", (_name, backend) => {
  let idx: CodeIndex;
  const open = async () => (await backend.open(newRoot(), true))!;

  beforeAll(async () => {
    idx = await open();
  });
  afterAll(async () => {
    await idx.close();
  });

  it("exists only once created, and remembers what it was created for", async () => {
    const root = newRoot();
    expect(await backend.open(root, false)).toBeUndefined();
    const created = (await backend.open(root, true))!;
    expect(created.root).toBe(root);
    expect(created.backend).toBe(backend.name);
    expect(await created.meta("root")).toBe(root);
    await created.close();
    const again = (await backend.open(root, false))!;
    expect(await again.meta("root")).toBe(root);
    expect(await again.stats()).toEqual({ files: 0, chunks: 0, terms: 0, vectors: 0 });
    await again.close();
  });

  it("applies files: rows, chunks, terms, postings and the chunk table", async () => {
    await idx.applyFiles(
      [
        file("src/a.ts", [
          chunk("alpha", 1, { alpha: 4, shared: 1 }),
          chunk("beta", 5, { beta: 2, shared: 2 }),
        ]),
        file("src/b.ts", [chunk("gamma", 1, { gamma: 1, shared: 0.25 }, "interface")]),
      ],
      [],
      [],
    );
    const files = await idx.files();
    expect([...files.keys()].sort()).toEqual(["src/a.ts", "src/b.ts"]);
    expect(files.get("src/a.ts")).toMatchObject({ size: 102, mtime: 1000.5, lang: "typescript", chunks: 2 });
    expect(await idx.stats()).toEqual({ files: 2, chunks: 3, terms: 4, vectors: 0 });

    const terms = await idx.terms(["shared", "alpha", "nowhere"]);
    expect(terms.get("shared")?.df).toBe(3);
    expect(terms.get("alpha")?.df).toBe(1);
    expect(terms.has("nowhere")).toBe(false);
    const postings = await idx.postings([terms.get("shared")!.id]);
    const shared = postings.get(terms.get("shared")!.id)!;
    expect(shared.map((p) => p.tf)).toEqual([1, 2, 0.25]);
    expect(shared.map((p) => p.chunkId)).toEqual([...shared.map((p) => p.chunkId)].sort((a, b) => a - b));

    const table = await idx.chunkTable();
    expect(table.count).toBe(3);
    expect(table.avgLen).toBeCloseTo((5 + 4 + 1.25) / 3, 10);
    const a = files.get("src/a.ts")!.id;
    expect([...table.fileOf].filter((f) => f === a)).toHaveLength(2);
    expect(table.files.get(a)).toEqual({ path: "src/a.ts", lang: "typescript" });

    const rows = await idx.chunks(shared.map((p) => p.chunkId).reverse());
    expect(rows.map((r) => r.symbol)).toEqual(["gamma", "beta", "alpha"]);
    expect(rows[2]).toMatchObject({
      path: "src/a.ts",
      startLine: 1,
      endLine: 3,
      kind: "function",
      lang: "typescript",
    });
    expect(await idx.chunks([999_999])).toEqual([]);
    expect((await idx.chunksOfFile("src/a.ts")).map((r) => r.symbol)).toEqual(["alpha", "beta"]);
  });

  it("finds chunks by name, exactly, by prefix and many names at once", async () => {
    expect((await idx.chunksByName("alpha", false, 10)).map((r) => r.path)).toEqual(["src/a.ts"]);
    expect(await idx.chunksByName("alp", false, 10)).toEqual([]);
    expect((await idx.chunksByName("alp", true, 10)).map((r) => r.symbol)).toEqual(["alpha"]);
    const many = await idx.chunksByNames(["gamma", "beta", "missing"], 10);
    expect(many.get("gamma")!.map((r) => r.symbol)).toEqual(["gamma"]);
    expect(many.get("beta")!.map((r) => r.startLine)).toEqual([5]);
    expect(many.get("missing")).toEqual([]);
  });

  it("replaces a file's chunks, deletes files, touches mtimes and bumps the generation", async () => {
    const gen = Number(await idx.meta("generation"));
    const beforeIds = new Map([...(await idx.files())].map(([p, f]) => [p, f.id]));
    await idx.applyFiles(
      [file("src/a.ts", [chunk("delta", 1, { delta: 1, shared: 1 })])],
      ["src/b.ts", "src/never-indexed.ts"],
      [],
    );
    expect(Number(await idx.meta("generation"))).toBe(gen + 1);
    const files = await idx.files();
    expect([...files.keys()]).toEqual(["src/a.ts"]);
    expect(files.get("src/a.ts")!.id).toBe(beforeIds.get("src/a.ts"));
    const terms = await idx.terms(["shared", "alpha", "gamma", "delta"]);
    expect(terms.get("shared")!.df).toBe(1);
    expect(terms.get("alpha")!.df).toBe(0);
    expect(terms.get("gamma")!.df).toBe(0);
    expect((await idx.postings([terms.get("alpha")!.id])).get(terms.get("alpha")!.id)).toEqual([]);
    expect(await idx.stats()).toEqual({ files: 1, chunks: 1, terms: 2, vectors: 0 });
    expect(await idx.chunksByName("alpha", false, 10)).toEqual([]);
    const table = await idx.chunkTable();
    expect(table.count).toBe(1);
    expect(table.generation).toBe(gen + 1);

    await idx.applyFiles([], [], [{ path: "src/a.ts", mtime: 2000.25 }]);
    const touched = (await idx.files()).get("src/a.ts")!;
    expect(touched.mtime).toBe(2000.25);
    expect(touched.hash).toBe(files.get("src/a.ts")!.hash);
    expect((await idx.chunkTable()).generation).toBe(gen + 2);
  });

  it("keeps the previous state when an update fails half-way", async () => {
    const f = await open();
    try {
      await f.applyFiles([file("src/keep.ts", [chunk("keep", 1, { keep: 1 })])], [], []);
      const before = { files: await f.files(), stats: await f.stats(), gen: await f.meta("generation") };
      const broken = chunk("broken", 1, { fresh: 1 });
      (broken as unknown as { kind: null }).kind = null;
      await expect(
        f.applyFiles(
          [file("src/new.ts", [chunk("fine", 1, { fresh: 2, keep: 1 })]), file("src/bad.ts", [broken])],
          ["src/keep.ts"],
          [],
        ),
      ).rejects.toThrow();
      expect(await f.files()).toEqual(before.files);
      expect(await f.stats()).toEqual(before.stats);
      expect(await f.meta("generation")).toBe(before.gen);
      expect((await f.terms(["fresh"])).size).toBe(0);
      // The store did not keep anything of the failed transaction for itself either (term ids).
      await f.applyFiles([file("src/new.ts", [chunk("fine", 1, { fresh: 2 })])], [], []);
      const fresh = (await f.terms(["fresh"])).get("fresh")!;
      expect(fresh.df).toBe(1);
      const [row] = await f.chunks((await f.postings([fresh.id])).get(fresh.id)!.map((p) => p.chunkId));
      expect(row?.path).toBe("src/new.ts");
    } finally {
      await f.close();
    }
  });

  it("keeps exact postings over many updates, long lists, removals and a second connection", async () => {
    const root = newRoot();
    const first = (await backend.open(root, true))!;
    // 40 transactions that each add a file with the common term (and one of its own), then a file with
    // 5000 chunks of it in one go: many small writes and one list longer than any single piece.
    for (let k = 0; k < 40; k++)
      await first.applyFiles(
        [file(`src/f${k}.ts`, [chunk(`f${k}`, 1, { common: k + 1, [`own${k}`]: 1 })])],
        [],
        [],
      );
    const big = Array.from({ length: 5000 }, (_, i) => chunk(`b${i}`, i * 3 + 1, { common: 0.5, big: 1 }));
    await first.applyFiles([file("src/big.ts", big)], [], []);
    const expected = async (index: CodeIndex, term: string) => {
      const row = (await index.terms([term])).get(term);
      const list = row ? (await index.postings([row.id])).get(row.id)! : [];
      const rows = await index.chunks(list.map((p) => p.chunkId));
      return { df: row?.df ?? 0, n: list.length, ids: list.map((p) => p.chunkId), rows, list };
    };
    let common = await expected(first, "common");
    expect(common.df).toBe(5040);
    expect(common.n).toBe(5040);
    expect(common.ids).toEqual([...common.ids].sort((a, b) => a - b));
    expect(common.rows.slice(0, 3).map((r) => r.path)).toEqual(["src/f0.ts", "src/f1.ts", "src/f2.ts"]);
    expect(common.list.slice(0, 3).map((p) => p.tf)).toEqual([1, 2, 3]);
    await first.close();

    // Another connection: removes files from the middle, from the long list, and renames one.
    const second = (await backend.open(root, false))!;
    const bigAgain = big.filter((_, i) => i % 2 === 0);
    await second.applyFiles(
      [file("src/big.ts", bigAgain), file("src/g.ts", [chunk("g", 1, { common: 7, own3: 2 })])],
      ["src/f3.ts", "src/f20.ts", "src/nowhere.ts"],
      [],
    );
    common = await expected(second, "common");
    expect(common.df).toBe(38 + 2500 + 1);
    expect(common.n).toBe(common.df);
    expect(new Set(common.rows.map((r) => r.path)).has("src/f3.ts")).toBe(false);
    expect(common.rows.filter((r) => r.path === "src/big.ts").map((r) => r.symbol)).toEqual(
      bigAgain.map((c) => c.symbol),
    );
    expect(common.ids).toEqual([...common.ids].sort((a, b) => a - b));
    const own3 = await expected(second, "own3");
    expect(own3.rows.map((r) => r.path)).toEqual(["src/g.ts"]);
    expect((await expected(second, "own20")).df).toBe(0);
    // A path twice in one update: the last one stands.
    await second.applyFiles(
      [
        file("src/twice.ts", [chunk("t1", 1, { twice: 1 })]),
        file("src/twice.ts", [chunk("t2", 1, { twice: 3 })]),
      ],
      [],
      [],
    );
    const twice = await expected(second, "twice");
    expect(twice.rows.map((r) => r.symbol)).toEqual(["t2"]);
    expect(twice.list.map((p) => p.tf)).toEqual([3]);
    // Terms with postings: common, big, own0..39 less own3-moved-to-g stays, own20 gone, twice.
    expect((await second.stats()).terms).toBe(2 + 39 + 1);
    await second.close();
  });

  it("agrees with a plain model of the index over a random run of updates, deletes and reopenings", async () => {
    // A seeded generator: the same run every time, and a failure names its step.
    let seed = 20261204;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const root = newRoot();
    let index = (await backend.open(root, true))!;
    // The model: per path, the chunks' terms; postings are derived from it.
    const model = new Map<string, Record<string, number>[]>();
    const vocabulary = Array.from({ length: 30 }, (_, i) => `w${i}`);
    const makeFile = (path: string): FileUpdate => {
      // Mostly small files; now and then one long enough that a common word's list spans several pieces.
      const n = rand(10) === 0 ? 2500 + rand(3000) : 1 + rand(6);
      const chunks: ChunkInput[] = [];
      const terms: Record<string, number>[] = [];
      for (let k = 0; k < n; k++) {
        const t: Record<string, number> = { common: 1 + rand(3) };
        for (let j = rand(4); j > 0; j--) t[vocabulary[rand(vocabulary.length)]!] = 1 + rand(5);
        terms.push(t);
        chunks.push(chunk(`${path.replace(/\W/g, "_")}_${k}`, k * 3 + 1, t));
      }
      model.set(path, terms);
      return file(path, chunks);
    };
    const check = async (step: number) => {
      const words = ["common", ...vocabulary];
      const rows = await index.terms(words);
      const lists = await index.postings([...rows.values()].map((r) => r.id));
      for (const w of words) {
        const expected: { path: string; symbolIndex: number; tf: number }[] = [];
        for (const [path, chunks] of [...model].sort(([a], [b]) => (a < b ? -1 : 1)))
          chunks.forEach((t, i) => {
            if (t[w] !== undefined) expected.push({ path, symbolIndex: i, tf: t[w]! });
          });
        const row = rows.get(w);
        const list = row ? lists.get(row.id)! : [];
        expect({ step, w, df: row?.df ?? 0 }).toEqual({ step, w, df: expected.length });
        expect(list.map((p) => p.chunkId)).toEqual([...list.map((p) => p.chunkId)].sort((a, b) => a - b));
        const got = (await index.chunks(list.map((p) => p.chunkId))).map((r, i) => ({
          path: r.path,
          symbolIndex: Number(r.symbol.slice(r.symbol.lastIndexOf("_") + 1)),
          tf: list[i]!.tf,
        }));
        got.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.symbolIndex - b.symbolIndex));
        expect({ step, w, got }).toEqual({ step, w, got: expected });
      }
      const live = new Set<string>();
      for (const chunks of model.values())
        for (const t of chunks) for (const k of Object.keys(t)) live.add(k);
      expect({ step, terms: (await index.stats()).terms }).toEqual({ step, terms: live.size });
    };
    try {
      for (let step = 0; step < 80; step++) {
        const updates: FileUpdate[] = [];
        const deletes: string[] = [];
        for (let j = 1 + rand(4); j > 0; j--) {
          const path = `src/p${rand(40)}.ts`;
          if (model.has(path) && rand(3) === 0) {
            // Deletes apply before updates: an update of it earlier in this step is dropped with it.
            deletes.push(path);
            model.delete(path);
            for (let u = updates.length - 1; u >= 0; u--) if (updates[u]!.path === path) updates.splice(u, 1);
          } else if (!deletes.includes(path)) updates.push(makeFile(path));
        }
        await index.applyFiles(updates, deletes, []);
        if (step % 10 === 9) await check(step);
        if (step % 20 === 19) {
          // Another connection takes over: it knows none of the terms and segments this one wrote.
          await index.close();
          index = (await backend.open(root, false))!;
        }
      }
      await check(80);
    } finally {
      await index.close();
    }
  });

  it("records skipped files, replacing the previous list", async () => {
    await idx.setSkipped([
      { path: "z.bin", reason: "binary" },
      { path: "a.min.js", reason: "minified" },
    ]);
    await idx.setSkipped([
      { path: "b.lock", reason: "lockfile" },
      { path: "a.min.js", reason: "minified: one line" },
      { path: "c.png", reason: "binary" },
    ]);
    expect(await idx.skippedCount()).toBe(3);
    expect(await idx.skipped(2)).toEqual([
      { path: "a.min.js", reason: "minified: one line" },
      { path: "b.lock", reason: "lockfile" },
    ]);
  });

  it("stores meta values and blobs", async () => {
    expect(await idx.meta("nothing")).toBeUndefined();
    await idx.setMeta("k", "one");
    await idx.setMeta("k", "two");
    expect(await idx.meta("k")).toBe("two");
    expect(await idx.blob("model")).toBeUndefined();
    const data = Buffer.from([0, 1, 2, 255, 0]);
    await idx.putBlob("model", data);
    await idx.putBlob("model", Buffer.concat([data, data]));
    expect(await idx.blob("model")).toEqual(Buffer.concat([data, data]));
  });

  it("stores vectors per chunk and drops them with their chunks", async () => {
    const v = await open();
    try {
      await v.applyFiles(
        [
          file("x.ts", [chunk("x1", 1, { x: 1 }), chunk("x2", 5, { x: 1 })]),
          file("y.ts", [chunk("y1", 1, { y: 1 })]),
        ],
        [],
        [],
      );
      const missing = await v.chunksWithoutVector(10);
      expect(missing.map((m) => m.path).sort()).toEqual(["x.ts", "x.ts", "y.ts"]);
      expect(missing[0]).toMatchObject({
        text: expect.stringContaining("function"),
        hash: expect.any(String),
      });
      const texts: string[] = [];
      for await (const c of v.allChunkTexts()) texts.push(`${c.path}:${c.text}`);
      expect(texts.sort()).toEqual([
        "x.ts:function x1() {}",
        "x.ts:function x2() {}",
        "y.ts:function y1() {}",
      ]);

      await v.putVectors(missing.map((m, i) => ({ chunkId: m.id, vec: vec(i, 0.5, -1.25) })));
      await v.putVectors([{ chunkId: missing[0]!.id, vec: vec(9, 9, 9) }]);
      expect(await v.chunksWithoutVector(10)).toEqual([]);
      const all = await v.vectors();
      expect(all.dim).toBe(3);
      expect([...all.ids]).toEqual(missing.map((m) => m.id).sort((a, b) => a - b));
      const at = (id: number) => [...all.data.slice(all.ids.indexOf(id) * 3, all.ids.indexOf(id) * 3 + 3)];
      expect(at(missing[0]!.id)).toEqual([9, 9, 9]);
      expect(at(missing[1]!.id)).toEqual([1, 0.5, -1.25]);
      expect((await v.stats()).vectors).toBe(3);

      await v.applyFiles([], ["y.ts"], []);
      expect((await v.vectors()).ids).toHaveLength(2);
      await v.clearVectors();
      expect(await v.vectors()).toMatchObject({ dim: 0 });
      expect((await v.chunksWithoutVector(1)).length).toBe(1);
    } finally {
      await v.close();
    }
  });

  it("caches embeddings by key", async () => {
    expect((await idx.cachedEmbeddings(["m:a"])).size).toBe(0);
    await idx.cacheEmbeddings([
      { key: "m:a", vec: vec(1, 2) },
      { key: "m:b", vec: vec(3, 4) },
    ]);
    await idx.cacheEmbeddings([{ key: "m:a", vec: vec(5, 6) }]);
    const got = await idx.cachedEmbeddings(["m:a", "m:b", "m:c"]);
    expect([...got.keys()].sort()).toEqual(["m:a", "m:b"]);
    expect([...got.get("m:a")!]).toEqual([5, 6]);
    expect([...got.get("m:b")!]).toEqual([3, 4]);
  });

  it("reports its size and where it lives", async () => {
    expect(await idx.sizeBytes()).toBeGreaterThan(0);
    expect(idx.location).toContain(backend.name === "sqlite" ? ".sqlite" : "schema rw_test_");
  });
});

const here = dirname(fileURLToPath(import.meta.url));

describe.skipIf(!pgUp)("the same repository in SQLite and PostgreSQL", () => {
  let tree: string;
  const opened: CodeIndex[] = [];

  beforeAll(async () => {
    // A real tree: a copy of this repository's code toolset and core modules.
    tree = mkdtempSync(join(tmpdir(), "rw-contract-src-"));
    cpSync(join(here, "../../src/toolsets/code"), join(tree, "toolsets/code"), { recursive: true });
    cpSync(join(here, "../../src/core"), join(tree, "core"), { recursive: true });
    cpSync(join(here, "../../src/code"), join(tree, "code"), { recursive: true });
    // A 5,000-character identifier that does not compress (an inlined base64 blob does this): PostgreSQL's
    // btree refuses keys over about 2.7 kB, so such a token must not become one term.
    let seed = 7;
    const blob = Array.from({ length: 5_000 }, () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return "abcdefghijklmnopqrstuvwxyz"[seed % 26];
    }).join("");
    write(tree, "wire/frames.js", `var ${blob}=1;\nfunction unpackWireFrame(b){return b.slice(4)}\n`);
    for (const b of stores.list) {
      const idx = (await b.open(tree, true))!;
      const report = await indexRepository(idx, { maxFileBytes: 1_000_000, embedder: "lsi" });
      expect(report.files_indexed).toBeGreaterThan(20);
      opened.push(idx);
    }
  }, 120_000);
  afterAll(async () => {
    for (const idx of opened) await idx.close();
    rmSync(tree, { recursive: true, force: true });
  });

  const queries = [
    "parse configuration settings from the environment",
    "openPostgresIndex",
    "BM25 postings document frequency",
    "how are secrets redacted from logs",
    "chunkTerms import lines weight",
    "TypeError: cannot read properties of undefined\n    at lexical (toolsets/code/search.ts:180:20)\n    at searchIndex (toolsets/code/search.ts:380:5)",
  ];

  it("holds the same files, chunks and terms", async () => {
    const [sqlite, postgres] = opened;
    expect(await postgres!.stats()).toEqual(await sqlite!.stats());
    const f1 = await sqlite!.files();
    const f2 = await postgres!.files();
    expect([...f2.values()].map((f) => [f.path, f.hash, f.chunks]).sort()).toEqual(
      [...f1.values()].map((f) => [f.path, f.hash, f.chunks]).sort(),
    );
  });

  it("indexes a file with a huge identifier, whose other names stay searchable", async () => {
    for (const idx of opened) {
      const hits = await searchIndex(idx, "unpackWireFrame", { k: 3, mode: "lexical", granularity: "file" });
      expect(hits[0]?.path).toBe("wire/frames.js");
    }
  });

  it.each(["lexical", "hybrid"] as const)("ranks the same files and chunks (%s)", async (mode) => {
    const [sqlite, postgres] = opened;
    for (const query of queries)
      for (const granularity of ["file", "chunk"] as const) {
        const run = async (idx: CodeIndex) => {
          const { lsiFor } = await import("../../src/toolsets/code/embedders.js");
          const embedder = mode === "hybrid" ? await lsiFor(idx, { retrain: false }) : undefined;
          return (await searchIndex(idx, query, { k: 10, mode, granularity, embedder })).map((h) => ({
            path: h.path,
            start_line: h.start_line,
            symbol: h.symbol,
          }));
        };
        const a = await run(sqlite!);
        expect(a.length).toBeGreaterThan(0);
        expect({ query, granularity, hits: await run(postgres!) }).toEqual({ query, granularity, hits: a });
      }
  });
});
