/**
 * Search over a CodeIndex: BM25 over code-aware tokens (with symbol/path fields boosted at index time),
 * direct matches of the identifiers, dotted names and paths a query mentions, cosine similarity over chunk
 * vectors, reciprocal-rank fusion of the two, and file-level aggregation.
 */
import picomatch from "picomatch";
import { moduleName } from "../../code/tokenize.js";
import type { Embedder } from "./embedders.js";
import { analyzeQuery, type QueryAnalysis } from "./query.js";
import { type FileRole, fileRoles, rolesAskedFor } from "./roles.js";
import { DenseScores, type ScoreMap } from "./scores.js";
import {
  type ChunkRow,
  type ChunkTable,
  type CodeIndex,
  KIND_DECLARATION,
  KIND_DEFINITION,
  type TermRow,
} from "./store.js";

export type SearchMode = "lexical" | "semantic" | "hybrid";
export type Granularity = "chunk" | "file";

export interface SearchOptions {
  k: number;
  mode: SearchMode;
  granularity: Granularity;
  paths?: string[];
  languages?: string[];
  embedder?: Embedder;
  tuning?: Partial<Tuning>;
}

export interface SearchHit {
  path: string;
  start_line: number;
  end_line: number;
  symbol: string;
  kind: string;
  language: string;
  score: number;
  snippet: string;
  chunk_id: number;
}

export interface Tuning {
  k1: number;
  b: number;
  identBonus: number;
  qualifiedBonus: number;
  pathBonus: number;
  rrfK: number;
  semanticWeight: number;
  /** Semantic weight for issue-length queries, where the lexical signals (names, paths) are strong. */
  semanticWeightLong: number;
  fileDecay: number;
  candidates: number;
  /**
   * How file rankings are fused in hybrid mode: rrf (reciprocal rank) or linear (max-normalized lexical
   * score + weight × max-normalized semantic score, which keeps the lexical score gaps). Chunk rankings
   * always use RRF.
   */
  fusion: "rrf" | "linear";
  /** For long queries, embed only the first line and the code-like parts (identifiers, paths). */
  focusedSemantic: boolean;
  /** File-level multipliers for issue-like (long) queries: fixes rarely live in tests, docs or config. */
  testFactor: number;
  proseFactor: number;
  /** Benchmarks and examples: they call the implementation, they are not it. */
  benchFactor: number;
  /** A build copy (`dist/x.js`) of a source file that is indexed too. */
  buildFactor: number;
  /**
   * For questions (not a name, not an issue): type-only declarations (interfaces, type aliases, enums) and
   * code outside any definition (imports, top-level statements) weigh this much against definitions.
   */
  declarationFactor: number;
  blockFactor: number;
  /**
   * Chunk granularity: chunks come grouped under their files, files in the order file granularity ranks them,
   * at most ceil(k / groupedFiles) chunks per file (so k results span at least groupedFiles files).
   */
  groupedFiles: number;
}

export const DEFAULT_TUNING: Tuning = {
  k1: 1.2,
  b: 0.75,
  identBonus: 0.4,
  qualifiedBonus: 0.6,
  pathBonus: 0.6,
  rrfK: 60,
  semanticWeight: 0.5,
  semanticWeightLong: 0.2,
  fileDecay: 0.5,
  candidates: 400,
  fusion: "linear",
  focusedSemantic: true,
  testFactor: 0.5,
  proseFactor: 0.5,
  benchFactor: 0.5,
  buildFactor: 0.2,
  declarationFactor: 0.7,
  blockFactor: 0.6,
  groupedFiles: 5,
};

/** The part of a long query worth embedding: its first line (the title) and everything code-like. */
function focusedText(query: string, q: QueryAnalysis): string {
  const title = query.split("\n", 1)[0] ?? "";
  return [title, ...q.identifiers.keys(), ...q.dotted, ...q.paths].join(" ");
}

interface Ranked {
  /** chunk id -> score, in descending order. */
  ids: number[];
  scores: ScoreMap;
}

function top(scores: ScoreMap, n: number): Ranked {
  return { ids: topIds(scores, n), scores };
}

/**
 * The `n` best ids of `scores`, best first, equal scores in the map's order: exactly the first `n` of a
 * stable sort of every key, without sorting them all (the lexical scores of a common word cover most of a
 * 100k-chunk index). The n-th best score is found by selection; only the ids at or above it are sorted.
 */
function topIds(scores: ScoreMap, n: number): number[] {
  if (n <= 0) return [];
  if (scores.size <= n) return rankedIds(scores);
  const values = new Float64Array(scores.size);
  let i = 0;
  scores.forEach((v) => {
    values[i++] = v;
  });
  const cut = nthLargest(values, n);
  const above: number[] = [];
  const at: number[] = [];
  scores.forEach((v, id) => {
    if (v > cut) above.push(id);
    else if (v === cut && at.length < n) at.push(id);
  });
  above.sort((a, b) => scores.get(b)! - scores.get(a)!);
  for (const id of at) {
    if (above.length >= n) break;
    above.push(id);
  }
  return above;
}

/** The n-th largest of `values` (1-based), by quickselect; reorders `values`. */
function nthLargest(values: Float64Array, n: number): number {
  const k = n - 1;
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! > pivot) i++;
      while (values[j]! < pivot) j--;
      if (i <= j) {
        const x = values[i]!;
        values[i] = values[j]!;
        values[j] = x;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

function allowedFiles(table: ChunkTable, options: SearchOptions): Set<number> | undefined {
  const globs = options.paths?.filter(Boolean) ?? [];
  const langs = options.languages?.map((l) => l.toLowerCase()) ?? [];
  if (globs.length === 0 && langs.length === 0) return undefined;
  const match = globs.length ? picomatch(globs, { dot: true }) : undefined;
  const out = new Set<number>();
  for (const [id, f] of table.files) {
    if (match && !match(f.path)) continue;
    if (langs.length && !langs.includes(f.lang)) continue;
    out.add(id);
  }
  return out;
}

/**
 * Per chunk table, built once instead of per query: each file's lower-cased path, and for every dotted
 * suffix of a module name (`a.b.c`, `b.c`, `c`) the files of the modules that end so, module by module in
 * the order the modules first appear (the order a scan of every module would meet them).
 */
const fileNamesCache = new WeakMap<
  ChunkTable,
  { bySuffix: Map<string, number[][]>; lowerPaths: [number, string][] }
>();

function fileNames(table: ChunkTable) {
  let names = fileNamesCache.get(table);
  if (!names) {
    const modules = new Map<string, number[]>();
    const lowerPaths: [number, string][] = [];
    for (const [id, f] of table.files) {
      const m = moduleName(f.path);
      const list = modules.get(m) ?? [];
      list.push(id);
      modules.set(m, list);
      lowerPaths.push([id, f.path.toLowerCase()]);
    }
    const bySuffix = new Map<string, number[][]>();
    for (const [m, ids] of modules) {
      for (let at = -1; ; at = m.indexOf(".", at + 1)) {
        const suffix = m.slice(at + 1);
        const list = bySuffix.get(suffix) ?? [];
        list.push(ids);
        bySuffix.set(suffix, list);
        if (m.indexOf(".", at + 1) < 0) break;
      }
    }
    names = { bySuffix, lowerPaths };
    fileNamesCache.set(table, names);
  }
  return names;
}

/** Files the query names by path (suffix match) or by module name (a prefix of a dotted name). */
function mentionedFiles(table: ChunkTable, q: QueryAnalysis): Map<number, number> {
  const out = new Map<number, number>();
  if (q.paths.length === 0 && q.dotted.length === 0 && q.names.length === 0) return out;
  const { bySuffix, lowerPaths } = fileNames(table);
  const norm = q.paths.map((p) => p.replace(/^\.?\//, "").toLowerCase());
  // A stack frame's path is a repository path below some root: its tail matches as well as the whole.
  const frames = new Set(q.frames.map((f) => f.path.replace(/^\.?\//, "").toLowerCase()));
  const names = new Set(q.names);
  for (const [id, path] of lowerPaths) {
    for (const p of norm) {
      if (p === path || p.endsWith(`/${path}`)) out.set(id, Math.max(out.get(id) ?? 0, 1));
      else if (path.endsWith(`/${p}`) && p.includes("/"))
        out.set(id, Math.max(out.get(id) ?? 0, frames.has(p) ? 1 : 0.8));
      else if (!p.includes("/") && path.endsWith(`/${p}`)) out.set(id, Math.max(out.get(id) ?? 0, 0.5));
    }
    // A hyphenated name (`no-debugger`) names the file called after it, as a bare file name does.
    const base = path.slice(path.lastIndexOf("/") + 1).replace(/\.[^.]+$/, "");
    if (names.has(base)) out.set(id, Math.max(out.get(id) ?? 0, 0.5));
  }
  for (const d of q.dotted) {
    const parts = d.toLowerCase().split(".");
    // The longest prefix that is a module, anywhere below the root (src/ layouts), wins.
    for (let n = parts.length; n >= 2; n--) {
      const mod = parts.slice(0, n).join(".");
      // The modules named `mod` or ending in `.mod`.
      const matching = bySuffix.get(mod);
      for (const ids of matching ?? [])
        for (const id of ids) out.set(id, Math.max(out.get(id) ?? 0, n === parts.length ? 0.9 : 0.7));
      if (matching) break;
    }
  }
  return out;
}

async function lexical(
  index: CodeIndex,
  table: ChunkTable,
  q: QueryAnalysis,
  allowed: Set<number> | undefined,
  t: Tuning,
) {
  const scores = new DenseScores(table.maxId);
  const N = table.count;
  // Two round trips whatever the number of terms: their ids and frequencies, then the postings of those kept.
  const rows = await index.terms([...q.terms.keys()]);
  const kept: { row: TermRow; weight: number }[] = [];
  for (const [term, weight] of q.terms) {
    const row = rows.get(term);
    if (!row || row.df <= 0) continue;
    if (q.long && row.df > 0.25 * N) continue;
    kept.push({ row, weight });
  }
  const postings = await index.postingLists(kept.map((k) => k.row.id));
  // Sums in dense arrays (scores.ts): a Map update per posting was most of the time at 100k chunks.
  const { fileOf, len } = table;
  const avgLen = table.avgLen;
  for (const { row, weight } of kept) {
    const idf = Math.log(1 + (N - row.df + 0.5) / (row.df + 0.5));
    const list = postings.get(row.id);
    if (!list) continue;
    const { chunkIds, tfs } = list;
    for (let i = 0; i < chunkIds.length; i++) {
      const id = chunkIds[i]!;
      const fileId = fileOf[id] ?? -1;
      if (fileId < 0 || (allowed && !allowed.has(fileId))) continue;
      const tf = tfs[i]!;
      const s = (weight * idf * tf * (t.k1 + 1)) / (tf + t.k1 * (1 - t.b + (t.b * len[id]!) / avgLen));
      scores.add(id, s);
    }
  }
  let max = 0;
  scores.forEach((s) => {
    if (s > max) max = s;
  });
  if (max === 0) max = 1;
  // Definitions of the identifiers the query names; qualified names (Class.method) count more.
  const qualified = new Set(q.dotted.map((d) => d.toLowerCase()));
  /** Definitions named by the query, with their bonus as a fraction of the best lexical score. */
  const defs = new Map<number, number>();
  const idents = [...q.identifiers.entries()].sort((a, b) => b[1] - a[1]).slice(0, 60);
  const named = await index.chunksByNames(
    idents.map(([id]) => id.toLowerCase()),
    50,
  );
  for (const [id, w] of idents) {
    const found = named.get(id.toLowerCase()) ?? [];
    if (found.length === 0 || found.length >= 50) continue;
    for (const c of found) {
      if (allowed && !allowed.has(c.fileId)) continue;
      const sym = c.symbol.toLowerCase();
      const isQualified = [...qualified].some((d) => d === sym || d.endsWith(`.${sym}`));
      const frac = ((isQualified ? t.qualifiedBonus : t.identBonus) * (w / 2)) / Math.sqrt(found.length);
      scores.set(c.id, (scores.get(c.id) ?? 0) + frac * max);
      defs.set(c.id, Math.max(defs.get(c.id) ?? 0, frac));
    }
  }
  return { scores, max, defs };
}

interface Vectors {
  ids: Int32Array;
  dim: number;
  data: Float32Array;
}

type DotAll = (data: Float32Array, q: Float32Array, n: number, out: Float64Array) => Float64Array;
const dotAllCache = new Map<number, DotAll>();

/**
 * `out[i]` = the dot product of vector i of `data` with `q`, for n vectors of `dim` dimensions. Up to 128
 * dimensions the loop is written out for the dimension, the query's components held in locals: the same
 * products summed in the same order as the plain loop (so the same scores to the last bit), about 1.7×
 * faster at 64 dimensions. The generated source is made of the dimension alone, never of any input text.
 */
function dotAll(dim: number): DotAll {
  let fn = dotAllCache.get(dim);
  if (fn) return fn;
  if (dim > 128 || !Number.isInteger(dim) || dim <= 0) {
    fn = (data, q, n, out) => {
      for (let i = 0; i < n; i++) {
        let s = 0;
        const off = i * dim;
        for (let j = 0; j < dim; j++) s += data[off + j]! * q[j]!;
        out[i] = s;
      }
      return out;
    };
  } else {
    const body: string[] = [];
    for (let j = 0; j < dim; j++) body.push(`const q${j} = q[${j}];`);
    body.push(`for (let i = 0, o = 0; i < n; i++, o += ${dim}) {`, "let s = 0;");
    for (let j = 0; j < dim; j++) body.push(`s += data[o + ${j}] * q${j};`);
    body.push("out[i] = s;", "}", "return out;");
    fn = new Function("data", "q", "n", "out", body.join("\n")) as DotAll;
  }
  dotAllCache.set(dim, fn);
  return fn;
}

function semantic(
  vectors: Vectors,
  qv: Float32Array,
  table: ChunkTable,
  allowed: Set<number> | undefined,
  n: number,
): Map<number, number> {
  const { ids, dim, data } = vectors;
  const scores = new Map<number, number>();
  if (dim === 0 || qv.length !== dim) return scores;
  const heap: [number, number][] = [];
  let floor = -Infinity;
  const all = dotAll(dim)(data, qv, ids.length, new Float64Array(ids.length));
  for (let i = 0; i < ids.length; i++) {
    const s = all[i]!;
    if (s <= floor && heap.length >= n) continue;
    const id = ids[i]!;
    const fileId = table.fileOf[id] ?? -1;
    if (fileId < 0 || (allowed && !allowed.has(fileId))) continue;
    heap.push([id, s]);
    if (heap.length >= n * 2) {
      heap.sort((a, b) => b[1] - a[1]);
      heap.length = n;
      floor = heap[n - 1]![1];
    }
  }
  heap.sort((a, b) => b[1] - a[1]);
  for (const [id, s] of heap.slice(0, n)) if (s > 0) scores.set(id, s);
  return scores;
}

/**
 * Vectors per open index, refreshed when the index writes new ones. Keyed by the index object, so they
 * go with it when the code service closes the index (it keeps a bounded number open).
 */
const vectorCache = new WeakMap<CodeIndex, { gen: string; v: Vectors }>();

async function loadVectors(index: CodeIndex) {
  const gen = `${(await index.meta("vectors_generation")) ?? ""}:${(await index.meta("generation")) ?? ""}`;
  const cached = vectorCache.get(index);
  if (cached && cached.gen === gen) return cached.v;
  const v = await index.vectors();
  vectorCache.set(index, { gen, v });
  return v;
}

function fuse(lists: { ranked: number[]; weight: number }[], k: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const { ranked, weight } of lists) {
    for (const [i, id] of ranked.entries()) out.set(id, (out.get(id) ?? 0) + weight / (k + i + 1));
  }
  return out;
}

/** Max-normalized lexical score plus `weight` × max-normalized semantic score (keeps lexical score gaps). */
function linear(lex: Ranked, sem: ScoreMap, weight: number): Map<number, number> {
  let maxLex = 0;
  for (const id of lex.ids) maxLex = Math.max(maxLex, lex.scores.get(id)!);
  let maxSem = 0;
  for (const v of sem.values()) maxSem = Math.max(maxSem, v);
  const out = new Map<number, number>();
  for (const id of lex.ids) out.set(id, lex.scores.get(id)! / (maxLex || 1));
  for (const [id, v] of sem) out.set(id, (out.get(id) ?? 0) + (weight * v) / (maxSem || 1));
  return out;
}

/** Per-file score: the best chunk plus a decaying share of the next ones. */
function toFiles(scores: ScoreMap, table: ChunkTable, decay: number): Map<number, number> {
  const perFile = new Map<number, number[]>();
  scores.forEach((s, id) => {
    const f = table.fileOf[id] ?? -1;
    if (f < 0) return;
    const list = perFile.get(f) ?? [];
    list.push(s);
    perFile.set(f, list);
  });
  const out = new Map<number, number>();
  for (const [f, list] of perFile) {
    list.sort((a, b) => b - a);
    let s = 0;
    let w = 1;
    for (const x of list.slice(0, 4)) {
      s += w * x;
      w *= decay;
    }
    out.set(f, s);
  }
  return out;
}

function rankedIds(scores: ScoreMap): number[] {
  return [...scores.keys()].sort((a, b) => scores.get(b)! - scores.get(a)!);
}

function snippet(c: ChunkRow, maxLines = 12): string {
  const lines = c.text.split("\n");
  return lines.length > maxLines ? `${lines.slice(0, maxLines).join("\n")}\n…` : c.text;
}

const maxFileIds = new WeakMap<ChunkTable, number>();

/** The largest file id of a chunk table (-1 when it has no file). */
function maxFileId(table: ChunkTable): number {
  let max = maxFileIds.get(table);
  if (max === undefined) {
    max = -1;
    for (const id of table.files.keys()) if (id > max) max = id;
    maxFileIds.set(table, max);
  }
  return max;
}

/** Roles per chunk table (recomputed when the table is reloaded after an index run). */
const roleCache = new WeakMap<ChunkTable, Map<number, FileRole>>();

function rolesOf(table: ChunkTable): Map<number, FileRole> {
  let roles = roleCache.get(table);
  if (!roles) {
    roles = fileRoles(table.files);
    roleCache.set(table, roles);
  }
  return roles;
}

/** The roles of the files of an index (code, test, prose, bench, build copy). */
export async function indexRoles(index: CodeIndex): Promise<Map<number, FileRole>> {
  return rolesOf(await index.chunkTable());
}

/**
 * Per-file weight from its role: tests, docs, benchmarks and build copies mention the implementation's
 * words without being it. A short query that asks for one of those roles by name keeps it at full weight
 * (an issue mentions tests and docs in passing, so long queries always apply the factors).
 */
function roleWeights(table: ChunkTable, query: string, long: boolean, t: Tuning): Map<number, number> {
  const asked = long ? new Set<FileRole>() : rolesAskedFor(query);
  const factor: Record<FileRole, number> = {
    code: 1,
    test: t.testFactor,
    prose: t.proseFactor,
    bench: t.benchFactor,
    build: t.buildFactor,
  };
  const out = new Map<number, number>();
  for (const [id, role] of rolesOf(table)) {
    const f = asked.has(role) ? 1 : factor[role];
    if (f !== 1) out.set(id, f);
  }
  return out;
}

export async function searchIndex(
  index: CodeIndex,
  query: string,
  options: SearchOptions,
): Promise<SearchHit[]> {
  const t = { ...DEFAULT_TUNING, ...options.tuning };
  const table = await index.chunkTable();
  const q = analyzeQuery(query);
  const allowed = allowedFiles(table, options);
  const wantLex = options.mode !== "semantic";
  const wantSem = options.mode !== "lexical" && options.embedder !== undefined;
  const semWeight = q.long ? t.semanticWeightLong : t.semanticWeight;

  const lex = wantLex
    ? await lexical(index, table, q, allowed, t)
    : { scores: new Map<number, number>() as ScoreMap, max: 1, defs: new Map<number, number>() };
  let sem = new Map<number, number>();
  if (wantSem && options.embedder) {
    const text = t.focusedSemantic && q.long ? focusedText(query, q) : query;
    const [qv] = await options.embedder.embed([text]);
    if (qv) sem = semantic(await loadVectors(index), qv, table, allowed, t.candidates);
  }
  const mentioned = mentionedFiles(table, q);

  // Chunk weights: the file's role, and for a question (not a name, not an issue) what the chunk is —
  // a definition answers "how is X done" better than a type declaration or a run of imports.
  const roleW = roleWeights(table, query, q.long, t);
  // The same weights by file id in an array: weigh() reads one per scored chunk.
  const roleByFile = new Float64Array(maxFileId(table) + 1).fill(1);
  for (const [f, w] of roleW) if (f >= 0 && f < roleByFile.length) roleByFile[f] = w;
  const question = !q.long && lex.defs.size === 0;
  const weigh = (m: ScoreMap) => {
    m.forEach((v, id) => {
      let w = roleByFile[table.fileOf[id] ?? -1] ?? 1;
      if (question) {
        const kind = table.kind[id];
        if (kind === KIND_DECLARATION) w *= t.declarationFactor;
        else if (kind !== KIND_DEFINITION) w *= t.blockFactor;
      }
      if (w !== 1) m.set(id, v * w);
    });
  };
  weigh(lex.scores);
  weigh(sem);

  // File ranking (what granularity file answers, and the order chunk results are grouped in).
  const lexFiles = toFiles(
    top(lex.scores, t.candidates * 4).ids.reduce(
      (m, id) => m.set(id, lex.scores.get(id)!),
      new Map<number, number>(),
    ),
    table,
    t.fileDecay,
  );
  for (const [f, w] of mentioned) {
    if (allowed && !allowed.has(f)) continue;
    const bonus = w * t.pathBonus * lex.max * (roleW.get(f) ?? 1);
    lexFiles.set(f, (lexFiles.get(f) ?? 0) + bonus);
  }
  const semFiles = toFiles(sem, table, t.fileDecay);
  let fileFinal: Map<number, number>;
  if (options.mode === "lexical" || semFiles.size === 0) fileFinal = lexFiles;
  else if (options.mode === "semantic") fileFinal = semFiles;
  else if (t.fusion === "linear")
    fileFinal = linear({ ids: [...lexFiles.keys()], scores: lexFiles }, semFiles, semWeight);
  else
    fileFinal = fuse(
      [
        { ranked: rankedIds(lexFiles), weight: 1 },
        { ranked: rankedIds(semFiles), weight: semWeight },
      ],
      t.rrfK,
    );
  if (options.mode === "hybrid" && !q.long && lex.defs.size) {
    // A short query that names a definition gets its file first too.
    let maxFile = 0;
    for (const v of fileFinal.values()) maxFile = Math.max(maxFile, v);
    for (const [id, frac] of lex.defs) {
      const f = table.fileOf[id] ?? -1;
      if (fileFinal.has(f)) fileFinal.set(f, fileFinal.get(f)! + frac * maxFile);
    }
  }

  if (options.granularity === "file") {
    const files = topIds(fileFinal, options.k);
    const bestChunk = new Map<number, number>();
    // Each file's best chunk of the lexical scores, else of the semantic ones: the first of the file in
    // each ranking, found in one pass (the first of equal scores is the earlier in the map).
    const pick = (scores: ScoreMap) => {
      const best = new Map<number, number>();
      scores.forEach((v, id) => {
        const f = table.fileOf[id] ?? -1;
        if (bestChunk.has(f)) return;
        const b = best.get(f);
        if (b === undefined || v > scores.get(b)!) best.set(f, id);
      });
      for (const [f, id] of best) bestChunk.set(f, id);
    };
    pick(lex.scores);
    pick(sem);
    const rows = new Map((await index.chunks([...bestChunk.values()])).map((c) => [c.id, c]));
    const out: SearchHit[] = [];
    for (const f of files) {
      const info = table.files.get(f)!;
      const cid = bestChunk.get(f);
      const c = cid === undefined ? undefined : rows.get(cid);
      if (!c) {
        const first = (await index.chunksOfFile(info.path))[0];
        out.push({
          path: info.path,
          start_line: first?.startLine ?? 1,
          end_line: first?.endLine ?? 1,
          symbol: first?.symbol ?? "",
          kind: "file",
          language: info.lang,
          score: round(fileFinal.get(f)!),
          snippet: first ? snippet(first) : "",
          chunk_id: first?.id ?? 0,
        });
      } else out.push({ ...hit(c, fileFinal.get(f)!), kind: "file" });
    }
    return out;
  }

  // Chunk granularity: mentioned files lift their chunks a little.
  if (mentioned.size) {
    lex.scores.forEach((s, id) => {
      const w = mentioned.get(table.fileOf[id] ?? -1);
      if (w) lex.scores.set(id, s + w * t.pathBonus * 0.5 * lex.max * (roleW.get(table.fileOf[id]!) ?? 1));
    });
  }
  let final: ScoreMap;
  if (options.mode === "lexical" || sem.size === 0) final = lex.scores;
  else if (options.mode === "semantic") final = sem;
  else if (t.fusion === "linear") final = linear(top(lex.scores, t.candidates), sem, semWeight);
  else
    final = fuse(
      [
        { ranked: top(lex.scores, t.candidates).ids, weight: 1 },
        { ranked: top(sem, t.candidates).ids, weight: semWeight },
      ],
      t.rrfK,
    );
  if (options.mode === "hybrid" && !q.long && lex.defs.size) {
    // A short query that names a definition gets that definition first, whatever the vectors say.
    let maxFinal = 0;
    for (const v of final.values()) maxFinal = Math.max(maxFinal, v);
    for (const [id, frac] of lex.defs) if (final.has(id)) final.set(id, final.get(id)! + frac * maxFinal);
  }
  const ids = groupByFile(final, table, fileFinal, options.k, t.groupedFiles);
  return (await index.chunks(ids)).map((c) => hit(c, final.get(c.id)!));
}

/**
 * The best chunks, grouped under their files: files in the order of `fileScores`, each with its best chunks
 * (at most ceil(k / groupedFiles)), so the first distinct files of a chunk list are the file ranking's first
 * files. Equal scores keep the maps' order. Only as much of each ranking is sorted as the answer needs.
 */
function groupByFile(
  scores: ScoreMap,
  table: ChunkTable,
  fileScores: Map<number, number>,
  k: number,
  groupedFiles: number,
): number[] {
  const perFile = Math.max(1, Math.ceil(k / Math.max(1, groupedFiles)));
  const out: number[] = [];
  const taken = new Set<number>();
  // Files best first, as many as it takes (a file of the ranking may have no chunk among `scores`): the
  // first `want` files, then four times as many, and so on.
  const slot = new Int32Array(maxFileId(table) + 2);
  let seenFiles = 0;
  for (let want = Math.max(4 * k, 16); ; want *= 4) {
    const fileOrder = topIds(fileScores, want);
    const next = fileOrder.slice(seenFiles);
    // Each of those files' best `perFile` chunks, best first: one pass in map order, a later equal score
    // goes after an earlier one (as in a stable sort of every chunk).
    const lists: number[][] = next.map(() => []);
    slot.fill(0);
    for (const [i, f] of next.entries()) if (f >= -1 && f + 1 < slot.length) slot[f + 1] = i + 1;
    scores.forEach((v, id) => {
      const at = slot[(table.fileOf[id] ?? -1) + 1] ?? 0;
      if (at === 0) return;
      const list = lists[at - 1]!;
      if (list.length === perFile && v <= scores.get(list[perFile - 1]!)!) return;
      let i = list.length;
      while (i > 0 && v > scores.get(list[i - 1]!)!) i--;
      list.splice(i, 0, id);
      if (list.length > perFile) list.length = perFile;
    });
    for (const list of lists) {
      for (const id of list) {
        if (out.length >= k) return out;
        out.push(id);
        taken.add(id);
      }
    }
    seenFiles = fileOrder.length;
    if (fileOrder.length < want) break;
  }
  // Chunks of files the file ranking left out (none in practice), then the rest by score.
  if (out.length < k)
    for (const id of rankedIds(scores)) {
      if (out.length >= k) break;
      if (!taken.has(id)) out.push(id);
    }
  return out;
}

const round = (x: number) => Math.round(x * 10000) / 10000;

function hit(c: ChunkRow, score: number): SearchHit {
  return {
    path: c.path,
    start_line: c.startLine,
    end_line: c.endLine,
    symbol: c.symbol,
    kind: c.kind,
    language: c.lang,
    score: round(score),
    snippet: snippet(c),
    chunk_id: c.id,
  };
}
