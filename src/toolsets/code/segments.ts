/**
 * Postings packed in segments: how the SQLite store keeps them. A row per posting made the store's
 * B-tree the most expensive part of cold indexing (about a million rows for 20 MB of source, each a
 * statement parameter triple and a B-tree insert) and of a first search (a common term's tens of
 * thousands of rows). Instead, each write transaction adds one row per term it touches, holding all of
 * that transaction's postings of the term packed in one blob, split every SEGMENT_POSTINGS postings.
 *
 * Invariant: a term's segments, in segment-key order, hold increasing and disjoint chunk id ranges
 * (chunk ids are never reused and grow within a transaction; a segment's key starts with the generation
 * that wrote it), so a term's posting list is its segments' concatenation, in chunk id order.
 * A removed chunk's postings are cut out of the segments whose range holds it; a term whose segments
 * have become many and small is compacted into full ones (needsCompaction).
 *
 * A blob is the segment's n term frequencies (float64) then its n chunk ids (int32), in the machine's
 * byte order like the vectors: the index is a cache on the machine that built it.
 */
import type { PostingList } from "./store.js";

/** Postings per segment at most: a segment is rewritten whole when one of its chunks goes (48 KB). */
export const SEGMENT_POSTINGS = 4096;
/** Segments a term may have beyond the full ones it needs before it is compacted. */
export const SPARE_SEGMENTS = 16;
/** Segment keys of one generation: generation × SEGMENT_KEYS + piece. */
export const SEGMENT_KEYS = 65_536;

const BYTES = 12;

export function encodeSegment(ids: Int32Array, tfs: Float64Array): Buffer {
  const n = ids.length;
  const buf = Buffer.allocUnsafe(n * BYTES);
  buf.set(new Uint8Array(tfs.buffer, tfs.byteOffset, n * 8), 0);
  buf.set(new Uint8Array(ids.buffer, ids.byteOffset, n * 4), n * 8);
  return buf;
}

export const segmentSize = (data: Uint8Array): number => data.byteLength / BYTES;

/** The postings of `segments` (in key order) as one list. */
export function decodeSegments(segments: readonly Uint8Array[]): PostingList {
  let total = 0;
  for (const s of segments) total += segmentSize(s);
  const chunkIds = new Int32Array(total);
  const tfs = new Float64Array(total);
  const idBytes = new Uint8Array(chunkIds.buffer);
  const tfBytes = new Uint8Array(tfs.buffer);
  let at = 0;
  for (const s of segments) {
    const n = segmentSize(s);
    tfBytes.set(s.subarray(0, n * 8), at * 8);
    idBytes.set(s.subarray(n * 8, n * BYTES), at * 4);
    at += n;
  }
  return { chunkIds, tfs };
}

/** The list without the postings of `removed` (ascending chunk ids); the same object when none is in it. */
export function withoutChunks(list: PostingList, removed: readonly number[]): PostingList {
  const { chunkIds, tfs } = list;
  const keepIds = new Int32Array(chunkIds.length);
  const keepTfs = new Float64Array(chunkIds.length);
  let n = 0;
  let r = 0;
  for (let i = 0; i < chunkIds.length; i++) {
    const id = chunkIds[i]!;
    while (r < removed.length && removed[r]! < id) r++;
    if (r < removed.length && removed[r] === id) continue;
    keepIds[n] = id;
    keepTfs[n++] = tfs[i]!;
  }
  if (n === chunkIds.length) return list;
  return { chunkIds: keepIds.subarray(0, n), tfs: keepTfs.subarray(0, n) };
}

/** A segment as stored: its first and last chunk id, its number of postings and its blob. */
export interface SegmentRow {
  lo: number;
  hi: number;
  n: number;
  data: Buffer;
}

const rowOf = (list: PostingList): SegmentRow => ({
  lo: list.chunkIds[0]!,
  hi: list.chunkIds[list.chunkIds.length - 1]!,
  n: list.chunkIds.length,
  data: encodeSegment(list.chunkIds, list.tfs),
});

/**
 * The stored segment `data` without the postings of `removed` (ascending chunk ids): undefined when none
 * of them is in it, null when nothing is left, else the row to write back.
 */
export function cutSegment(data: Uint8Array, removed: readonly number[]): SegmentRow | null | undefined {
  const list = decodeSegments([data]);
  const kept = withoutChunks(list, removed);
  if (kept === list) return undefined;
  return kept.chunkIds.length ? rowOf(kept) : null;
}

/** The list cut into segments of at most SEGMENT_POSTINGS, each with its first and last chunk id. */
export function* pieces(list: PostingList): Generator<SegmentRow & { piece: number }, void, undefined> {
  const n = list.chunkIds.length;
  for (let from = 0, piece = 0; from < n; from += SEGMENT_POSTINGS, piece++) {
    const to = Math.min(n, from + SEGMENT_POSTINGS);
    yield {
      ...rowOf({ chunkIds: list.chunkIds.subarray(from, to), tfs: list.tfs.subarray(from, to) }),
      piece,
    };
  }
}

/** Whether a term with `df` postings in `segments` segments should be compacted into full ones. */
export const needsCompaction = (df: number, segments: number): boolean =>
  segments > Math.ceil(df / SEGMENT_POSTINGS) + SPARE_SEGMENTS;

/**
 * The postings of one write transaction, gathered in growing typed arrays and handed out per term, in
 * chunk order, by a counting sort on the term id (chunk ids only grow within a transaction, so the sort
 * is stable and leaves each term's postings in chunk order).
 */
export class PostingBatch {
  private term = new Int32Array(1 << 16);
  private chunk = new Int32Array(1 << 16);
  private tf = new Float64Array(1 << 16);
  private n = 0;
  private maxTerm = 0;

  get size(): number {
    return this.n;
  }

  add(term: number, chunk: number, tf: number): void {
    if (this.n === this.term.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.term = grow(this.term, (n) => new Int32Array(n));
      this.chunk = grow(this.chunk, (n) => new Int32Array(n));
      this.tf = grow(this.tf, (n) => new Float64Array(n));
    }
    this.term[this.n] = term;
    this.chunk[this.n] = chunk;
    this.tf[this.n] = tf;
    this.n++;
    if (term > this.maxTerm) this.maxTerm = term;
  }

  /**
   * Calls `emit` once per term, in term order, with that term's postings in chunk order (views into
   * arrays of this call).
   */
  runs(emit: (term: number, list: PostingList) => void): void {
    const n = this.n;
    if (n === 0) return;
    const start = new Int32Array(this.maxTerm + 2);
    for (let k = 0; k < n; k++) start[this.term[k]! + 1]!++;
    for (let t = 1; t < start.length; t++) start[t]! += start[t - 1]!;
    const ids = new Int32Array(n);
    const tfs = new Float64Array(n);
    const end = start.slice(1);
    const at = start.slice(0, -1);
    for (let k = 0; k < n; k++) {
      const j = at[this.term[k]!]!++;
      ids[j] = this.chunk[k]!;
      tfs[j] = this.tf[k]!;
    }
    let from = 0;
    for (let t = 0; t <= this.maxTerm; t++) {
      const to = end[t]!;
      if (to === from) continue;
      emit(t, { chunkIds: ids.subarray(from, to), tfs: tfs.subarray(from, to) });
      from = to;
    }
  }

  clear(): void {
    this.n = 0;
    this.maxTerm = 0;
  }
}
