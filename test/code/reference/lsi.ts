/**
 * REFERENCE ONLY (tests): the LSI trainer as it was before the speed work of issue #15, verbatim; the
 * equivalence test checks the optimized src/toolsets/code/lsi.ts against it.
 *
 * The offline default embedder: latent semantic indexing learned from the repository itself. Chunks become
 * PPMI-weighted vectors over code-aware tokens (identifier parts, comments, docstrings); a randomized
 * truncated SVD (Halko et al. 2011: random projection, power iterations, then an exact eigen-decomposition
 * of the small projected matrix) keeps the top `dim` directions. Terms that co-occur across the repository
 * (`session`, `expiry`, `ttl`, `token`) end up close, so a query finds code that shares no word with it.
 */
import { tokenize } from "./tokenize.js";

export interface LsiModel {
  vocab: string[];
  /** Total weighted count of each vocabulary term in the corpus. */
  termCount: Float64Array;
  total: number;
  dim: number;
  /** vocab.length × dim, row-major. */
  u: Float32Array;
}

export interface LsiOptions {
  dim?: number;
  maxVocab?: number;
  powerIterations?: number;
  seed?: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function gaussian(next: () => number): number {
  const u = Math.max(next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

/** Orthonormalizes the `cols` columns of a rows×cols row-major matrix in place (modified Gram-Schmidt). */
function orthonormalize(m: Float64Array, rows: number, cols: number): void {
  const c: Float64Array[] = [];
  for (let j = 0; j < cols; j++) {
    const v = new Float64Array(rows);
    for (let r = 0; r < rows; r++) v[r] = m[r * cols + j]!;
    for (const p of c) {
      let dot = 0;
      for (let r = 0; r < rows; r++) dot += v[r]! * p[r]!;
      for (let r = 0; r < rows; r++) v[r]! -= dot * p[r]!;
    }
    let norm = 0;
    for (let r = 0; r < rows; r++) norm += v[r]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let r = 0; r < rows; r++) v[r]! /= norm;
    c.push(v);
  }
  for (let j = 0; j < cols; j++) {
    const v = c[j]!;
    for (let r = 0; r < rows; r++) m[r * cols + j] = v[r]!;
  }
}

/** Eigen-decomposition of a symmetric n×n matrix (cyclic Jacobi); returns eigenvalues and column vectors. */
function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-18) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}

interface SparseDoc {
  idx: Int32Array;
  w: Float32Array;
}

function docCounts(text: string, vocabIndex: Map<string, number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const t of tokenize(text)) {
    const i = vocabIndex.get(t);
    if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  return counts;
}

/** PPMI weights of one document's counts under the corpus statistics (dampened, clipped at zero). */
function ppmi(counts: Map<number, number>, model: Pick<LsiModel, "termCount" | "total">): SparseDoc {
  let docTotal = 0;
  for (const c of counts.values()) docTotal += c;
  const idx: number[] = [];
  const w: number[] = [];
  for (const [i, c] of counts) {
    // pmi(t, d) = log( p(t|d) / p(t) ), with the count sublinear so one repeated word does not dominate.
    const pmi = Math.log(((1 + Math.log(c)) / docTotal) * (model.total / model.termCount[i]!));
    if (pmi > 0) {
      idx.push(i);
      w.push(pmi);
    }
  }
  return { idx: Int32Array.from(idx), w: Float32Array.from(w) };
}

/** Learns an LSI model from the texts of the corpus. */
export function trainLsi(texts: Iterable<string>, options: LsiOptions = {}): LsiModel {
  const dimWanted = options.dim ?? 64;
  const maxVocab = options.maxVocab ?? 20_000;
  const docsTokens: string[][] = [];
  const df = new Map<string, number>();
  for (const text of texts) {
    const toks = tokenize(text);
    docsTokens.push(toks);
    for (const t of new Set(toks)) df.set(t, (df.get(t) ?? 0) + 1);
  }
  const nDocs = docsTokens.length;
  const vocab = [...df.entries()]
    .filter(([, n]) => n >= 2 && n <= Math.max(2, nDocs * 0.5))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxVocab)
    .map(([t]) => t);
  const vocabIndex = new Map(vocab.map((t, i) => [t, i]));
  const V = vocab.length;
  const termCount = new Float64Array(V);
  const countsPerDoc: Map<number, number>[] = [];
  let total = 0;
  for (const toks of docsTokens) {
    const counts = new Map<number, number>();
    for (const t of toks) {
      const i = vocabIndex.get(t);
      if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
    }
    for (const [i, c] of counts) {
      const s = 1 + Math.log(c);
      termCount[i]! += s;
      total += s;
    }
    if (counts.size > 0) countsPerDoc.push(counts);
  }
  docsTokens.length = 0;
  const stats = { termCount, total: total || 1 };
  const docs = countsPerDoc.map((c) => ppmi(c, stats));
  const D = docs.length;
  const dim = Math.max(1, Math.min(dimWanted, V - 1, D - 1));
  if (V < 2 || D < 2) return { vocab, termCount, total: stats.total, dim: 0, u: new Float32Array(0) };
  const l = Math.min(dim + 10, V, D);
  const next = rng(options.seed ?? 42);

  // Y = A Ω  (V×l), A is V×D with documents as columns.
  let y = new Float64Array(V * l);
  for (const d of docs) {
    const omega = new Float64Array(l);
    for (let j = 0; j < l; j++) omega[j] = gaussian(next);
    for (let k = 0; k < d.idx.length; k++) {
      const row = d.idx[k]! * l;
      const w = d.w[k]!;
      for (let j = 0; j < l; j++) y[row + j]! += w * omega[j]!;
    }
  }
  orthonormalize(y, V, l);
  const z = new Float64Array(D * l);
  for (let it = 0; it < (options.powerIterations ?? 1); it++) {
    // Z = Aᵀ Y (D×l), then Y = A Z.
    z.fill(0);
    docs.forEach((d, di) => {
      const out = di * l;
      for (let k = 0; k < d.idx.length; k++) {
        const row = d.idx[k]! * l;
        const w = d.w[k]!;
        for (let j = 0; j < l; j++) z[out + j]! += w * y[row + j]!;
      }
    });
    orthonormalize(z, D, l);
    y = new Float64Array(V * l);
    docs.forEach((d, di) => {
      const src = di * l;
      for (let k = 0; k < d.idx.length; k++) {
        const row = d.idx[k]! * l;
        const w = d.w[k]!;
        for (let j = 0; j < l; j++) y[row + j]! += w * z[src + j]!;
      }
    });
    orthonormalize(y, V, l);
  }
  // B = Qᵀ A (l×D, one column per doc); C = B Bᵀ (l×l).
  const c = new Float64Array(l * l);
  const col = new Float64Array(l);
  for (const d of docs) {
    col.fill(0);
    for (let k = 0; k < d.idx.length; k++) {
      const row = d.idx[k]! * l;
      const w = d.w[k]!;
      for (let j = 0; j < l; j++) col[j]! += w * y[row + j]!;
    }
    for (let i = 0; i < l; i++) {
      const ci = col[i]!;
      if (ci === 0) continue;
      for (let j = i; j < l; j++) c[i * l + j]! += ci * col[j]!;
    }
  }
  for (let i = 0; i < l; i++) for (let j = 0; j < i; j++) c[i * l + j] = c[j * l + i]!;
  const { values, vectors } = symmetricEigen(c, l);
  const order = [...values.keys()].sort((a, b) => values[b]! - values[a]!).slice(0, dim);
  // U = Q · W  (V×dim)
  const u = new Float32Array(V * dim);
  for (let t = 0; t < V; t++) {
    for (let k = 0; k < dim; k++) {
      const e = order[k]!;
      let s = 0;
      for (let j = 0; j < l; j++) s += y[t * l + j]! * vectors[j * l + e]!;
      u[t * dim + k] = s;
    }
  }
  return { vocab, termCount, total: stats.total, dim, u };
}

/** A unit vector for `text` in the model's latent space (all zeros when it shares no term with it). */
export function lsiEmbed(model: LsiModel, vocabIndex: Map<string, number>, text: string): Float32Array {
  const out = new Float32Array(model.dim);
  if (model.dim === 0) return out;
  const d = ppmi(docCounts(text, vocabIndex), model);
  for (let k = 0; k < d.idx.length; k++) {
    const row = d.idx[k]! * model.dim;
    const w = d.w[k]!;
    for (let j = 0; j < model.dim; j++) out[j]! += w * model.u[row + j]!;
  }
  let norm = 0;
  for (let j = 0; j < model.dim; j++) norm += out[j]! ** 2;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let j = 0; j < model.dim; j++) out[j]! /= norm;
  return out;
}

export function serializeLsi(model: LsiModel): Buffer {
  const header = Buffer.from(JSON.stringify({ vocab: model.vocab, total: model.total, dim: model.dim }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  return Buffer.concat([
    len,
    header,
    Buffer.from(model.termCount.buffer, model.termCount.byteOffset, model.termCount.byteLength),
    Buffer.from(model.u.buffer, model.u.byteOffset, model.u.byteLength),
  ]);
}

export function deserializeLsi(buf: Buffer): LsiModel {
  const n = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + n).toString("utf8")) as {
    vocab: string[];
    total: number;
    dim: number;
  };
  const V = header.vocab.length;
  const body = buf.subarray(4 + n);
  const copy = new Uint8Array(body.byteLength);
  copy.set(body);
  const termCount = new Float64Array(copy.buffer, 0, V);
  const u = new Float32Array(copy.buffer, V * 8, V * header.dim);
  return { vocab: header.vocab, termCount, total: header.total, dim: header.dim, u };
}
