/**
 * The chunk pool (src/code/chunk-pool.ts): worker threads give exactly what in-thread chunking gives, a file
 * that kills its worker is cut in line windows without stopping the batch, and close() stops every thread.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ChunkItem, ChunkPool, chunkInThread, defaultPoolSize } from "../../src/code/chunk-pool.js";
import { chunkFile } from "../../src/code/chunker.js";
import { detectLanguage } from "../../src/code/languages.js";
import { chunkTerms } from "../../src/code/terms.js";

const repo = join(import.meta.dirname, "..", "..");

/** This repository's own sources under src/code and src/toolsets/code, plus a markdown file. */
function fixtureItems(): ChunkItem[] {
  const items: ChunkItem[] = [];
  for (const dir of ["src/code", "src/toolsets/code", "docs"]) {
    for (const name of readdirSync(join(repo, dir)).sort()) {
      if (!/\.(ts|md)$/.test(name)) continue;
      const abs = join(repo, dir, name);
      const path = relative(repo, abs);
      const text = readFileSync(abs, "utf8");
      items.push({ path, lang: detectLanguage(path), text, syntax: true });
    }
  }
  return items;
}

const pools: ChunkPool[] = [];
function pool(options: ConstructorParameters<typeof ChunkPool>[0]): ChunkPool {
  const p = new ChunkPool(options);
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

/** Worker-thread handles (their message ports) among the resources Node reports as active. */
function activeWorkers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "MessagePort" || r === "Worker").length;
}

describe("ChunkPool", () => {
  it("defaults to min(2, cores - 1) workers", () => {
    expect(new ChunkPool().size).toBe(defaultPoolSize());
    expect(defaultPoolSize()).toBeGreaterThanOrEqual(0);
    expect(defaultPoolSize()).toBeLessThanOrEqual(2);
  });

  it("gives the same chunks and terms as in-thread chunking, in item order", async () => {
    const items = fixtureItems();
    expect(items.length).toBeGreaterThan(10);
    const want = [];
    for (const it of items) {
      const chunks = await chunkFile(it.path, it.lang, it.text);
      want.push({ path: it.path, chunks: chunks.map((c) => ({ ...c, terms: chunkTerms(it.path, c) })) });
    }
    // Workers only, then workers and the calling thread together.
    for (const useCallerThread of [false, true]) {
      const p = pool({ size: 2, minBatchBytes: 0, useCallerThread });
      const got = await p.chunk(items);
      expect(p.threads).toBe(2);
      expect(got).toEqual(want);
      for (const r of got) expect(r.chunks[0]!.terms).toBeInstanceOf(Map);
    }
  });

  it("runs batches given at the same time one after the other, each with its own results", async () => {
    const items = fixtureItems();
    const p = pool({ size: 2, minBatchBytes: 0 });
    const [a, b] = await Promise.all([p.chunk(items.slice(0, 8)), p.chunk(items.slice(8))]);
    expect([...a, ...b]).toEqual(await Promise.all(items.map(chunkInThread)));
  });

  it("chunks a small batch in-thread without starting workers", async () => {
    const p = pool({ size: 2 });
    const items = fixtureItems().slice(0, 2);
    const got = await p.chunk(items);
    expect(p.threads).toBe(0);
    expect(got).toEqual(await Promise.all(items.map(chunkInThread)));
  });

  it("cuts a file that kills its worker in line windows and goes on with the batch", async () => {
    const items = fixtureItems().slice(0, 6);
    const huge: ChunkItem = {
      path: "huge.ts",
      lang: "typescript",
      text: "export function g() { return foo.bar.baz + quux; }\n".repeat(300_000),
      syntax: true,
    };
    const batch = [...items.slice(0, 3), huge, ...items.slice(3)];
    const p = pool({
      size: 1,
      useCallerThread: false,
      minBatchBytes: 0,
      resourceLimits: { maxOldGenerationSizeMb: 24 },
    });
    const got = await p.chunk(batch);
    const bad = got[3]!;
    expect(bad.error).toMatch(/worker died/);
    const windows = await chunkFile(huge.path, huge.lang, huge.text, { syntax: false });
    expect(bad.chunks.map((c) => [c.startLine, c.endLine, c.kind])).toEqual(
      windows.map((c) => [c.startLine, c.endLine, c.kind]),
    );
    const others = got.filter((_, i) => i !== 3);
    expect(others.every((r) => r.error === undefined)).toBe(true);
    expect(others).toEqual(await Promise.all([...items.slice(0, 3), ...items.slice(3)].map(chunkInThread)));
    // The replacement worker serves the next batch.
    expect(await p.chunk(items)).toEqual(await Promise.all(items.map(chunkInThread)));
    expect(p.threads).toBe(1);
  }, 120_000);

  it("stops its worker threads on close", async () => {
    const before = activeWorkers();
    const p = pool({ size: 2, minBatchBytes: 0 });
    await p.chunk(fixtureItems());
    expect(p.threads).toBe(2);
    expect(activeWorkers()).toBeGreaterThan(before);
    await p.close();
    expect(p.threads).toBe(0);
    expect(activeWorkers()).toBe(before);
    await expect(p.chunk(fixtureItems())).rejects.toThrow(/closed/);
  });
});
