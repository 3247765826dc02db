/**
 * Search over a CodeIndex: BM25 over code-aware tokens (with symbol/path fields boosted at index time),
 * direct matches of the identifiers, dotted names and paths a query mentions, cosine similarity over chunk
 * vectors, reciprocal-rank fusion of the two, and file-level aggregation.
 */
import picomatch from "picomatch";
import type { Embedder } from "./embedders.js";
import { GRAMMARS } from "./languages.js";
import { analyzeQuery, type QueryAnalysis } from "./query.js";
import type { ChunkRow, ChunkTable, CodeIndex } from "./store.js";
import { moduleName } from "./tokenize.js";

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
};

const TEST_PATH =
  /(^|\/)(tests?|testing|__tests__|spec)\/|(^|\/)test_[^/]*$|_tests?\.[a-z]+$|\.(test|spec)\.[a-z]+$|(^|\/)conftest\.py$/i;
/** Languages a fix usually lives in; everything else (docs, config, data) is "prose" for this purpose. */
const CODE_LANGS = new Set([
  ...Object.keys(GRAMMARS),
  "shell",
  "kotlin",
  "swift",
  "scala",
  "lua",
  "vue",
  "sql",
]);

/** The part of a long query worth embedding: its first line (the title) and everything code-like. */
function focusedText(query: string, q: QueryAnalysis): string {
  const title = query.split("\n", 1)[0] ?? "";
  return [title, ...q.identifiers.keys(), ...q.dotted, ...q.paths].join(" ");
}

interface Ranked {
  /** chunk id -> score, in descending order. */
  ids: number[];
  scores: Map<number, number>;
}

function top(scores: Map<number, number>, n: number): Ranked {
  const ids = [...scores.keys()].sort((a, b) => scores.get(b)! - scores.get(a)!).slice(0, n);
  return { ids, scores };
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

/** Files the query names by path (suffix match) or by module name (a prefix of a dotted name). */
function mentionedFiles(table: ChunkTable, q: QueryAnalysis): Map<number, number> {
  const out = new Map<number, number>();
  if (q.paths.length === 0 && q.dotted.length === 0) return out;
  const modules = new Map<string, number[]>();
  for (const [id, f] of table.files) {
    const m = moduleName(f.path);
    const list = modules.get(m) ?? [];
    list.push(id);
    modules.set(m, list);
  }
  const norm = q.paths.map((p) => p.replace(/^\.?\//, "").toLowerCase());
  for (const [id, f] of table.files) {
    const path = f.path.toLowerCase();
    for (const p of norm) {
      if (p === path || p.endsWith(`/${path}`)) out.set(id, Math.max(out.get(id) ?? 0, 1));
      else if (path.endsWith(`/${p}`) && p.includes("/")) out.set(id, Math.max(out.get(id) ?? 0, 0.8));
      else if (!p.includes("/") && path.endsWith(`/${p}`)) out.set(id, Math.max(out.get(id) ?? 0, 0.5));
    }
  }
  for (const d of q.dotted) {
    const parts = d.toLowerCase().split(".");
    // The longest prefix that is a module, anywhere below the root (src/ layouts), wins.
    for (let n = parts.length; n >= 2; n--) {
      const mod = parts.slice(0, n).join(".");
      let hit = false;
      for (const [m, ids] of modules) {
        if (m === mod || m.endsWith(`.${mod}`)) {
          for (const id of ids) out.set(id, Math.max(out.get(id) ?? 0, n === parts.length ? 0.9 : 0.7));
          hit = true;
        }
      }
      if (hit) break;
    }
  }
  return out;
}

function lexical(
  index: CodeIndex,
  table: ChunkTable,
  q: QueryAnalysis,
  allowed: Set<number> | undefined,
  t: Tuning,
) {
  const scores = new Map<number, number>();
  const N = table.count;
  for (const [term, weight] of q.terms) {
    const row = index.term(term);
    if (!row || row.df <= 0) continue;
    if (q.long && row.df > 0.25 * N) continue;
    const idf = Math.log(1 + (N - row.df + 0.5) / (row.df + 0.5));
    for (const p of index.postings(row.id)) {
      const fileId = table.fileOf[p.chunkId] ?? -1;
      if (fileId < 0 || (allowed && !allowed.has(fileId))) continue;
      const len = table.len[p.chunkId] ?? table.avgLen;
      const s = (weight * idf * p.tf * (t.k1 + 1)) / (p.tf + t.k1 * (1 - t.b + (t.b * len) / table.avgLen));
      scores.set(p.chunkId, (scores.get(p.chunkId) ?? 0) + s);
    }
  }
  let max = 0;
  for (const s of scores.values()) if (s > max) max = s;
  if (max === 0) max = 1;
  // Definitions of the identifiers the query names; qualified names (Class.method) count more.
  const qualified = new Set(q.dotted.map((d) => d.toLowerCase()));
  /** Definitions named by the query, with their bonus as a fraction of the best lexical score. */
  const defs = new Map<number, number>();
  const idents = [...q.identifiers.entries()].sort((a, b) => b[1] - a[1]).slice(0, 60);
  for (const [id, w] of idents) {
    const found = index.chunksByName(id.toLowerCase(), false, 50);
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

function semantic(
  vectors: { ids: Int32Array; dim: number; data: Float32Array },
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
  for (let i = 0; i < ids.length; i++) {
    let s = 0;
    const off = i * dim;
    for (let j = 0; j < dim; j++) s += data[off + j]! * qv[j]!;
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
const vectorCache = new WeakMap<
  CodeIndex,
  { gen: string; v: { ids: Int32Array; dim: number; data: Float32Array } }
>();

function loadVectors(index: CodeIndex) {
  const gen = `${index.meta("vectors_generation") ?? ""}:${index.meta("generation") ?? ""}`;
  const cached = vectorCache.get(index);
  if (cached && cached.gen === gen) return cached.v;
  const v = index.vectors();
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
function linear(lex: Ranked, sem: Map<number, number>, weight: number): Map<number, number> {
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
function toFiles(scores: Map<number, number>, table: ChunkTable, decay: number): Map<number, number> {
  const perFile = new Map<number, number[]>();
  for (const [id, s] of scores) {
    const f = table.fileOf[id] ?? -1;
    if (f < 0) continue;
    const list = perFile.get(f) ?? [];
    list.push(s);
    perFile.set(f, list);
  }
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

function rankedIds(scores: Map<number, number>): number[] {
  return [...scores.keys()].sort((a, b) => scores.get(b)! - scores.get(a)!);
}

function snippet(c: ChunkRow, maxLines = 12): string {
  const lines = c.text.split("\n");
  return lines.length > maxLines ? `${lines.slice(0, maxLines).join("\n")}\n…` : c.text;
}

export async function searchIndex(
  index: CodeIndex,
  query: string,
  options: SearchOptions,
): Promise<SearchHit[]> {
  const t = { ...DEFAULT_TUNING, ...options.tuning };
  const table = index.chunkTable();
  const q = analyzeQuery(query);
  const allowed = allowedFiles(table, options);
  const wantLex = options.mode !== "semantic";
  const wantSem = options.mode !== "lexical" && options.embedder !== undefined;
  const semWeight = q.long ? t.semanticWeightLong : t.semanticWeight;

  const lex = wantLex
    ? lexical(index, table, q, allowed, t)
    : { scores: new Map<number, number>(), max: 1, defs: new Map<number, number>() };
  let sem = new Map<number, number>();
  if (wantSem && options.embedder) {
    const text = t.focusedSemantic && q.long ? focusedText(query, q) : query;
    const [qv] = await options.embedder.embed([text]);
    if (qv) sem = semantic(loadVectors(index), qv, table, allowed, t.candidates);
  }
  const mentioned = mentionedFiles(table, q);

  if (options.granularity === "file") {
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
      lexFiles.set(f, (lexFiles.get(f) ?? 0) + w * t.pathBonus * lex.max);
    }
    const semFiles = toFiles(sem, table, t.fileDecay);
    if (q.long && (t.testFactor !== 1 || t.proseFactor !== 1)) {
      for (const m of [lexFiles, semFiles]) {
        for (const [f, v] of m) {
          const info = table.files.get(f);
          if (!info) continue;
          const factor =
            (TEST_PATH.test(info.path) ? t.testFactor : 1) * (CODE_LANGS.has(info.lang) ? 1 : t.proseFactor);
          if (factor !== 1) m.set(f, v * factor);
        }
      }
    }
    let final: Map<number, number>;
    if (options.mode === "lexical" || semFiles.size === 0) final = lexFiles;
    else if (options.mode === "semantic") final = semFiles;
    else if (t.fusion === "linear")
      final = linear({ ids: [...lexFiles.keys()], scores: lexFiles }, semFiles, semWeight);
    else
      final = fuse(
        [
          { ranked: rankedIds(lexFiles), weight: 1 },
          { ranked: rankedIds(semFiles), weight: semWeight },
        ],
        t.rrfK,
      );
    const files = rankedIds(final).slice(0, options.k);
    const bestChunk = new Map<number, number>();
    const pick = (scores: Map<number, number>) => {
      for (const id of rankedIds(scores)) {
        const f = table.fileOf[id] ?? -1;
        if (!bestChunk.has(f)) bestChunk.set(f, id);
      }
    };
    pick(lex.scores);
    pick(sem);
    const rows = new Map(index.chunks([...bestChunk.values()]).map((c) => [c.id, c]));
    return files.map((f) => {
      const info = table.files.get(f)!;
      const cid = bestChunk.get(f);
      const c = cid === undefined ? undefined : rows.get(cid);
      if (!c) {
        const first = index.chunksOfFile(info.path)[0];
        return {
          path: info.path,
          start_line: first?.startLine ?? 1,
          end_line: first?.endLine ?? 1,
          symbol: first?.symbol ?? "",
          kind: "file",
          language: info.lang,
          score: round(final.get(f)!),
          snippet: first ? snippet(first) : "",
          chunk_id: first?.id ?? 0,
        };
      }
      return { ...hit(c, final.get(f)!), kind: "file" };
    });
  }

  // Chunk granularity: mentioned files lift their chunks a little.
  if (mentioned.size) {
    for (const [id, s] of lex.scores) {
      const w = mentioned.get(table.fileOf[id] ?? -1);
      if (w) lex.scores.set(id, s + w * t.pathBonus * 0.5 * lex.max);
    }
  }
  // Tests rarely answer "where is X done": unless the query asks for tests, they weigh less.
  if (t.testFactor !== 1 && !/\btests?\b|\bspec\b/i.test(query)) {
    for (const m of [lex.scores, sem]) {
      for (const [id, v] of m) {
        const info = table.files.get(table.fileOf[id] ?? -1);
        if (info && TEST_PATH.test(info.path)) m.set(id, v * t.testFactor);
      }
    }
  }
  let final: Map<number, number>;
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
  const ids = rankedIds(final).slice(0, options.k);
  return index.chunks(ids).map((c) => hit(c, final.get(c.id)!));
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
