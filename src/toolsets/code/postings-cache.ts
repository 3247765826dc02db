/**
 * Posting lists a search has read, kept in memory for the index generation they were read in. At 100k
 * chunks the commonest terms have tens of thousands of postings: even packed in segments (segments.ts),
 * every query that names one would read and decode the same half megabyte again. Lists are kept least
 * recently used first within a budget of postings (12 bytes each); lists shorter than MIN_CACHED are cheap
 * to read again and are not kept.
 * A new generation (any index update) empties the cache, so a list is never older than the chunk table.
 */
import type { PostingList } from "./store.js";

/** Postings kept at most per open index: 4M × 12 bytes ≈ 48 MB. */
export const POSTINGS_BUDGET = 4_000_000;
/** Lists shorter than this are not kept. */
export const MIN_CACHED = 256;

export class PostingsCache {
  private generation = Number.NaN;
  private readonly lists = new Map<number, PostingList>();
  private size = 0;

  constructor(
    private readonly budget = POSTINGS_BUDGET,
    private readonly minCached = MIN_CACHED,
  ) {}

  /**
   * The lists of `termIds` at `generation`: from memory when kept, the others from `read` (one call for all
   * of them), kept when long enough.
   */
  async get(
    generation: number,
    termIds: readonly number[],
    read: (ids: number[]) => Promise<Map<number, PostingList>>,
  ): Promise<Map<number, PostingList>> {
    if (generation !== this.generation) this.clear(generation);
    const out = new Map<number, PostingList>();
    const missing: number[] = [];
    for (const id of termIds) {
      const hit = this.lists.get(id);
      if (hit) {
        // Most recently used last.
        this.lists.delete(id);
        this.lists.set(id, hit);
        out.set(id, hit);
      } else if (!out.has(id)) missing.push(id);
    }
    if (missing.length === 0) return out;
    const read_ = await read(missing);
    for (const id of missing) {
      const list = read_.get(id) ?? EMPTY;
      out.set(id, list);
      // A write that moved the generation while reading: keep nothing of this read.
      if (generation === this.generation) this.keep(id, list);
    }
    return out;
  }

  clear(generation = Number.NaN): void {
    this.generation = generation;
    this.lists.clear();
    this.size = 0;
  }

  private keep(id: number, list: PostingList): void {
    const n = list.chunkIds.length;
    if (n < this.minCached || n > this.budget || this.lists.has(id)) return;
    for (const [old, l] of this.lists) {
      if (this.size + n <= this.budget) break;
      this.lists.delete(old);
      this.size -= l.chunkIds.length;
    }
    this.lists.set(id, list);
    this.size += n;
  }
}

const EMPTY: PostingList = { chunkIds: new Int32Array(0), tfs: new Float64Array(0) };
