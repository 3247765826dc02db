/**
 * The offline default embedder: latent semantic indexing learned from the repository itself. Chunks become
 * PPMI-weighted vectors over code-aware tokens (identifier parts, comments, docstrings); a randomized
 * truncated SVD (Halko et al. 2011: random projection, power iterations, then an exact eigen-decomposition
 * of the small projected matrix) keeps the top `dim` directions. Terms that co-occur across the repository
 * (`session`, `expiry`, `ttl`, `token`) end up close, so a query finds code that shares no word with it.
 */
import { countTokens } from "../../code/tokenize.js";

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

/**
 * Orthonormalizes the `cols` columns of a rows×cols row-major matrix in place (modified Gram-Schmidt).
 * Each pass over a column subtracts its projection on one earlier column and, in the same loop, takes the
 * dot product with the next one (or the norm after the last): the same operations in the same order as
 * subtracting and measuring in separate passes, with half the passes over memory.
 */
function orthonormalize(m: Float64Array, rows: number, cols: number): void {
  const c: Float64Array[] = [];
  for (let j = 0; j < cols; j++) {
    const v = new Float64Array(rows);
    for (let r = 0; r < rows; r++) v[r] = m[r * cols + j]!;
    let norm = 0;
    if (c.length === 0) {
      for (let r = 0; r < rows; r++) norm += v[r]! ** 2;
    } else {
      let dot = 0;
      const c0 = c[0]!;
      for (let r = 0; r < rows; r++) dot += v[r]! * c0[r]!;
      for (let p = 0; p < c.length; p++) {
        const cp = c[p]!;
        const cn = c[p + 1];
        if (cn) {
          let nextDot = 0;
          for (let r = 0; r < rows; r++) {
            const x = v[r]! - dot * cp[r]!;
            v[r] = x;
            nextDot += x * cn[r]!;
          }
          dot = nextDot;
        } else {
          for (let r = 0; r < rows; r++) {
            const x = v[r]! - dot * cp[r]!;
            v[r] = x;
            norm += x ** 2;
          }
        }
      }
    }
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

/** A document's counts (token -> count, first-seen order) restricted to the vocabulary, as parallel arrays. */
function docCounts(
  counts: ReadonlyMap<string, number>,
  vocabIndex: Map<string, number>,
): { terms: number[]; counts: number[] } {
  const terms: number[] = [];
  const cs: number[] = [];
  for (const [t, c] of counts) {
    const i = vocabIndex.get(t);
    if (i !== undefined) {
      terms.push(i);
      cs.push(c);
    }
  }
  return { terms, counts: cs };
}

/** `ppmi` of counts given as parallel arrays (term index, count), in the order they were first seen. */
function ppmiOf(
  terms: ArrayLike<number>,
  counts: ArrayLike<number>,
  model: Pick<LsiModel, "termCount" | "total">,
): SparseDoc {
  let docTotal = 0;
  for (let k = 0; k < counts.length; k++) docTotal += counts[k]!;
  const idx: number[] = [];
  const w: number[] = [];
  for (let k = 0; k < terms.length; k++) {
    const i = terms[k]!;
    const c = counts[k]!;
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
  const counted: Map<string, number>[] = [];
  for (const text of texts) counted.push(countTokens(text));
  return trainLsiCounts(counted, options);
}

/**
 * `trainLsi` of texts already counted: each document is its tokens' counts in the order each token first
 * appears (`countTokens(text)`, as the chunking workers compute it), so nothing is scanned again. The
 * same documents give the same model, to the bit.
 */
export function trainLsiCounts(documents: Iterable<Map<string, number>>, options: LsiOptions = {}): LsiModel {
  const steps = trainingSteps(documents, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * `trainLsiCounts` that lets the event loop run between slices of the work (every few thousand documents
 * of each pass over the corpus, every orthonormalization): a server keeps answering searches while a big
 * repository's model trains. Same operations in the same order: the same model.
 */
export async function trainLsiCountsAsync(
  documents: Iterable<Map<string, number>>,
  options: LsiOptions & { signal?: AbortSignal } = {},
): Promise<LsiModel> {
  const steps = trainingSteps(documents, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
    options.signal?.throwIfAborted();
  }
}

/** Documents per slice of a pass between two yields of `trainingSteps`. */
const SLICE = 2048;

/** The training, yielding between slices (see trainLsiCountsAsync); returns the model. */
function* trainingSteps(
  documents: Iterable<Map<string, number>>,
  options: LsiOptions,
): Generator<void, LsiModel, void> {
  const dimWanted = options.dim ?? 64;
  const maxVocab = options.maxVocab ?? 20_000;
  // Every distinct token gets an id; documents are kept as (id, count) arrays in first-seen order; each
  // distinct token of a document adds one to its document frequency.
  const tokenIds = new Map<string, number>();
  const tokens: string[] = [];
  const dfs: number[] = [];
  const docIds: Int32Array[] = [];
  const docRaw: Int32Array[] = [];
  for (const doc of documents) {
    if (docIds.length % SLICE === SLICE - 1) yield;
    const ids = new Int32Array(doc.size);
    const cs = new Int32Array(doc.size);
    let k = 0;
    for (const [t, c] of doc) {
      let id = tokenIds.get(t);
      if (id === undefined) {
        id = tokens.length;
        tokenIds.set(t, id);
        tokens.push(t);
        dfs.push(0);
      }
      ids[k] = id;
      cs[k++] = c;
      dfs[id]!++;
    }
    docIds.push(ids);
    docRaw.push(cs);
  }
  const nDocs = docIds.length;
  const vocab = tokens
    .map((t, id) => [t, dfs[id]!] as const)
    .filter(([, n]) => n >= 2 && n <= Math.max(2, nDocs * 0.5))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxVocab)
    .map(([t]) => t);
  const V = vocab.length;
  const vocabOf = new Int32Array(tokens.length).fill(-1);
  for (let i = 0; i < V; i++) vocabOf[tokenIds.get(vocab[i]!)!] = i;
  const termCount = new Float64Array(V);
  // Per document: its vocabulary terms in the order first seen, and their counts.
  const docTerms: Int32Array[] = [];
  const docCountsOf: Int32Array[] = [];
  const terms: number[] = [];
  const counts: number[] = [];
  let total = 0;
  for (let d = 0; d < docIds.length; d++) {
    const ids = docIds[d]!;
    const raw = docRaw[d]!;
    terms.length = 0;
    counts.length = 0;
    for (let k = 0; k < ids.length; k++) {
      const i = vocabOf[ids[k]!]!;
      if (i < 0) continue;
      terms.push(i);
      counts.push(raw[k]!);
    }
    for (let k = 0; k < terms.length; k++) {
      const s = 1 + Math.log(counts[k]!);
      termCount[terms[k]!]! += s;
      total += s;
    }
    if (terms.length > 0) {
      docTerms.push(Int32Array.from(terms));
      docCountsOf.push(Int32Array.from(counts));
    }
  }
  docIds.length = 0;
  docRaw.length = 0;
  const stats = { termCount, total: total || 1 };
  const docs = docTerms.map((t, k) => ppmiOf(t, docCountsOf[k]!, stats));
  const D = docs.length;
  const dim = Math.max(1, Math.min(dimWanted, V - 1, D - 1));
  if (V < 2 || D < 2) return { vocab, termCount, total: stats.total, dim: 0, u: new Float32Array(0) };
  const l = Math.min(dim + 10, V, D);
  const next = rng(options.seed ?? 42);

  // Y = A Ω  (V×l), A is V×D with documents as columns.
  let y = new Float64Array(V * l);
  for (let di = 0; di < docs.length; di++) {
    if (di % SLICE === SLICE - 1) yield;
    const d = docs[di]!;
    const omega = new Float64Array(l);
    for (let j = 0; j < l; j++) omega[j] = gaussian(next);
    for (let k = 0; k < d.idx.length; k++) {
      const row = d.idx[k]! * l;
      const w = d.w[k]!;
      for (let j = 0; j < l; j++) y[row + j]! += w * omega[j]!;
    }
  }
  yield;
  orthonormalize(y, V, l);
  const z = new Float64Array(D * l);
  for (let it = 0; it < (options.powerIterations ?? 1); it++) {
    // Z = Aᵀ Y (D×l), then Y = A Z.
    z.fill(0);
    for (let di = 0; di < docs.length; di++) {
      if (di % SLICE === SLICE - 1) yield;
      const d = docs[di]!;
      const out = di * l;
      for (let k = 0; k < d.idx.length; k++) {
        const row = d.idx[k]! * l;
        const w = d.w[k]!;
        for (let j = 0; j < l; j++) z[out + j]! += w * y[row + j]!;
      }
    }
    yield;
    orthonormalize(z, D, l);
    y = new Float64Array(V * l);
    for (let di = 0; di < docs.length; di++) {
      if (di % SLICE === SLICE - 1) yield;
      const d = docs[di]!;
      const src = di * l;
      for (let k = 0; k < d.idx.length; k++) {
        const row = d.idx[k]! * l;
        const w = d.w[k]!;
        for (let j = 0; j < l; j++) y[row + j]! += w * z[src + j]!;
      }
    }
    yield;
    orthonormalize(y, V, l);
  }
  // B = Qᵀ A (l×D, one column per doc); C = B Bᵀ (l×l).
  const c = new Float64Array(l * l);
  const col = new Float64Array(l);
  for (let di = 0; di < docs.length; di++) {
    if (di % SLICE === SLICE - 1) yield;
    const d = docs[di]!;
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
  yield;
  const { values, vectors } = symmetricEigen(c, l);
  const order = [...values.keys()].sort((a, b) => values[b]! - values[a]!).slice(0, dim);
  // U = Q · W  (V×dim)
  // The chosen eigenvectors as rows (wt[k*l + j] = vectors[j*l + order[k]]), read contiguously.
  const wt = new Float64Array(dim * l);
  for (let k = 0; k < dim; k++) for (let j = 0; j < l; j++) wt[k * l + j] = vectors[j * l + order[k]!]!;
  const u = new Float32Array(V * dim);
  for (let t = 0; t < V; t++) {
    const row = t * l;
    for (let k = 0; k < dim; k++) {
      const wk = k * l;
      let s = 0;
      for (let j = 0; j < l; j++) s += y[row + j]! * wt[wk + j]!;
      u[t * dim + k] = s;
    }
  }
  return { vocab, termCount, total: stats.total, dim, u };
}

/** A unit vector for `text` in the model's latent space (all zeros when it shares no term with it). */
export function lsiEmbed(model: LsiModel, vocabIndex: Map<string, number>, text: string): Float32Array {
  return lsiEmbedCounts(model, vocabIndex, countTokens(text));
}

/** `lsiEmbed` of a text already counted (`countTokens(text)`). */
export function lsiEmbedCounts(
  model: LsiModel,
  vocabIndex: Map<string, number>,
  counts: ReadonlyMap<string, number>,
): Float32Array {
  const out = new Float32Array(model.dim);
  if (model.dim === 0) return out;
  const dc = docCounts(counts, vocabIndex);
  const d = ppmiOf(dc.terms, dc.counts, model);
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
