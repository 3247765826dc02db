/**
 * The speed work of issue #15 must not change what gets indexed: the optimized chunker, tokenizer, chunk
 * terms and LSI trainer give exactly what the straightforward implementations they replaced gave (kept in
 * test/code/reference/), on this repository's own sources and on edge cases written for the rewrites.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { type ChunkItem, ChunkPool } from "../../src/code/chunk-pool.js";
import { chunkFile } from "../../src/code/chunker.js";
import { detectLanguage } from "../../src/code/languages.js";
import { chunkTerms } from "../../src/code/terms.js";
import { countTokens, stem, tokenize } from "../../src/code/tokenize.js";
import {
  lsiEmbed,
  lsiEmbedCounts,
  trainLsi,
  trainLsiCounts,
  trainLsiCountsAsync,
} from "../../src/toolsets/code/lsi.js";
import { chunkFile as refChunkFile } from "./reference/chunker.js";
import { lsiEmbed as refLsiEmbed, trainLsi as refTrainLsi } from "./reference/lsi.js";
import { chunkTerms as refChunkTerms } from "./reference/terms.js";
import {
  stem as refStem,
  termCounts as refTermCounts,
  tokenize as refTokenize,
} from "./reference/tokenize.js";

const repo = join(import.meta.dirname, "..", "..");

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(abs));
    else if (e.isFile()) out.push(abs);
  }
  return out.sort();
}

/** Inputs the rewritten code paths are most likely to get wrong. */
const EDGE_CASES: [string, string][] = [
  // Non-ASCII before definitions: node offsets vs string offsets in signature().
  [
    "edge/unicode.ts",
    "// ünïcödé — 日本語 🎉\nexport function café(x: string) { return x; }\nclass Ωmega {\n  ß() {}\n}\n",
  ],
  // CRLF line ends: the signature keeps no \r.
  ["edge/crlf.py", "class A:\r\n    def f(self):\r\n        return 1\r\n\r\nx = 1\r\n"],
  // A definition on the last line of a container, siblings on one line, nested containers.
  ["edge/same-line.ts", "class A {\n  m() {}\n}; function f() {}\nclass B { x = 1; n() {} } class C {}\n"],
  [
    "edge/nested.ts",
    "export namespace N {\n  export const v = 1;\n  export namespace M {\n    export class K {\n      p = 2;\n      q() {}\n      r = 3;\n    }\n    const w = 4;\n  }\n  let z = 5;\n}\n",
  ],
  // Many members: the container header and every gap between members.
  [
    "edge/big-namespace.ts",
    `declare namespace Big {\n${Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? `  const c${i} = ${i};\n` : i % 3 === 1 ? `  class K${i} {\n    a${i}: number;\n    m${i}(): void;\n  }\n` : `  function f${i}(): void;\n`)).join("")}}\n`,
  ],
  // A signature over 200 characters (cut), and one-line definitions followed by more code on their line.
  [
    "edge/long-signature.ts",
    `export function wide(${Array.from({ length: 40 }, (_, i) => `p${i}: number`).join(", ")}) {\n  return 1;\n}\nfunction a() {} const b = 1; function c() { return b; }\n`,
  ],
  ["edge/long.rs", `fn long() {\n${"    let x = 1;\n".repeat(400)}}\nimpl T {\n    fn a() {}\n}\n`],
  ["edge/doc.md", "# Title\ntext\n```\n# not a heading\n```\n## Two\nmore text\n"],
  ["edge/plain.txt", "alpha beta\n".repeat(200)],
  ["edge/empty.ts", ""],
];

interface Input {
  path: string;
  lang: string;
  text: string;
}

function inputs(): Input[] {
  const out: Input[] = [];
  for (const abs of [...filesUnder(join(repo, "src")), ...filesUnder(join(repo, "test", "code"))]) {
    const path = relative(repo, abs).split("\\").join("/");
    const text = readFileSync(abs, "utf8");
    out.push({ path, lang: detectLanguage(path, text.split("\n", 1)[0]), text });
  }
  for (const [path, text] of EDGE_CASES) out.push({ path, lang: detectLanguage(path), text });
  return out;
}

describe("optimized indexing code against the reference implementations", () => {
  const all = inputs();

  it("chunks every file and edge case exactly as before, with syntax and in line windows", async () => {
    let chunks = 0;
    for (const f of all) {
      for (const syntax of [true, false]) {
        const got = await chunkFile(f.path, f.lang, f.text, { syntax });
        const want = await refChunkFile(f.path, f.lang, f.text, { syntax });
        expect(got, `${f.path} syntax=${syntax}`).toEqual(want);
        chunks += got.length;
      }
    }
    expect(chunks).toBeGreaterThan(1000);
  }, 120_000);

  it("gives every chunk the same weighted terms, in the same order", async () => {
    for (const f of all) {
      for (const c of await chunkFile(f.path, f.lang, f.text)) {
        expect([...chunkTerms(f.path, c)], `${f.path}:${c.startLine}`).toEqual([...refChunkTerms(f.path, c)]);
      }
    }
  }, 120_000);

  it("tokenizes text exactly as the regular-expression tokenizer did", () => {
    const tricky = [
      "a.1 a.b. 9abc x.y.z.w.v.u.t a.b.c.d.e.f.g.h $foo.$bar a..b .a a. _ $ A_B$C",
      "parseHTTPResponse2 token_ttl sessions classes buses policies ünïcode_ok café",
    ];
    for (const text of [...tricky, ...all.map((f) => f.text)]) {
      expect(tokenize(text)).toEqual(refTokenize(text));
      expect([...countTokens(text, new Map(), 0.25)]).toEqual([
        ...refTermCounts(refTokenize(text), new Map(), 0.25),
      ]);
    }
    for (const w of ["sessions", "bus", "class", "is", "ties", "pies", "yes", "keys", "abcs", "s", "ss"])
      expect(stem(w)).toBe(refStem(w));
  }, 120_000);

  it("trains the same LSI model bit for bit and embeds to the same vectors", async () => {
    const texts: string[] = [];
    for (const f of all)
      for (const c of await chunkFile(f.path, f.lang, f.text))
        texts.push(`${c.context}\n${c.text}`.slice(0, 4000));
    expect(texts.length).toBeGreaterThan(1000);
    for (const options of [{}, { dim: 16, maxVocab: 3000, powerIterations: 2, seed: 7 }]) {
      const got = trainLsi(texts, options);
      const want = refTrainLsi(texts, options);
      expect(got.dim).toBeGreaterThan(0);
      expect(got.vocab).toEqual(want.vocab);
      expect(got.total).toBe(want.total);
      expect(Buffer.from(got.termCount.buffer).equals(Buffer.from(want.termCount.buffer))).toBe(true);
      expect(Buffer.from(got.u.buffer).equals(Buffer.from(want.u.buffer))).toBe(true);
      const index = new Map(want.vocab.map((t, i) => [t, i]));
      for (const t of texts.slice(0, 300))
        expect(lsiEmbed(got, index, t)).toEqual(refLsiEmbed(want, index, t));
    }
  }, 120_000);

  it("trains and embeds the same from the token counts the chunking workers carry, in slices or at once", async () => {
    const chunks: { context: string; text: string }[] = [];
    const items: ChunkItem[] = [];
    for (const f of all) {
      items.push({ path: f.path, lang: f.lang, text: f.text, syntax: true, embedCounts: true });
      chunks.push(...(await chunkFile(f.path, f.lang, f.text)));
    }
    const texts = chunks.map((c) => `${c.context}\n${c.text}`.slice(0, 4000));
    // What the indexer gets: counts computed on the worker threads next to each chunk's terms.
    const pool = new ChunkPool({ size: 1, minBatchBytes: 0 });
    let counted: Map<string, number>[];
    try {
      counted = (await pool.chunk(items)).flatMap((r) => r.chunks.map((c) => c.embedCounts!));
    } finally {
      await pool.close();
    }
    expect(counted.length).toBe(texts.length);
    // Copied from the terms' count where possible, scanned otherwise: always the embedding text's tokens.
    for (const [i, t] of texts.entries())
      expect([...counted[i]!], t.slice(0, 80)).toEqual([...refTermCounts(refTokenize(t))]);
    const want = refTrainLsi(texts);
    for (const got of [trainLsiCounts(counted), await trainLsiCountsAsync(counted)]) {
      expect(got.vocab).toEqual(want.vocab);
      expect(Buffer.from(got.termCount.buffer).equals(Buffer.from(want.termCount.buffer))).toBe(true);
      expect(Buffer.from(got.u.buffer).equals(Buffer.from(want.u.buffer))).toBe(true);
    }
    const index = new Map(want.vocab.map((t, i) => [t, i]));
    for (const [i, t] of texts.slice(0, 300).entries())
      expect(lsiEmbedCounts(want, index, counted[i]!)).toEqual(refLsiEmbed(want, index, t));
  }, 120_000);
});
