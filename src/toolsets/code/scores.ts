/**
 * Scores by chunk id for a search. A common word's lexical scores cover most of a 100k-chunk index, and a
 * Map update per chunk was most of a search's time: DenseScores keeps them in typed arrays indexed by chunk
 * id, with the Map behaviour the rankings rely on — iteration in the order ids were first set (equal scores
 * keep that order in every ranking), and `set` on a known id keeping its place.
 */

/** What the searcher needs of a score map; a Map<number, number> is one. */
export interface ScoreMap {
  readonly size: number;
  get(id: number): number | undefined;
  has(id: number): boolean;
  set(id: number, value: number): this;
  /** In insertion order; the fast way through every entry. */
  forEach(fn: (value: number, id: number) => void): void;
  keys(): IterableIterator<number>;
  values(): IterableIterator<number>;
  [Symbol.iterator](): IterableIterator<[number, number]>;
}

export class DenseScores implements ScoreMap {
  private readonly value: Float64Array;
  /** 1 + the id's place in `ids`, 0 when absent. */
  private readonly place: Int32Array;
  private readonly ids: number[] = [];
  /**
   * Ids beyond maxId (a chunk written after the chunk table was read, found by name), kept in a Map: rare,
   * and they must still count as a Map would count them.
   */
  private extra: Map<number, number> | undefined;

  /** Dense room for ids 0..maxId. */
  constructor(maxId: number) {
    this.value = new Float64Array(maxId + 1);
    this.place = new Int32Array(maxId + 1);
  }

  get size(): number {
    return this.ids.length;
  }
  private dense(id: number): boolean {
    return id >= 0 && id < this.place.length;
  }
  has(id: number): boolean {
    return this.dense(id) ? this.place[id] !== 0 : (this.extra?.has(id) ?? false);
  }
  get(id: number): number | undefined {
    if (!this.dense(id)) return this.extra?.get(id);
    return this.place[id] !== 0 ? this.value[id] : undefined;
  }
  set(id: number, value: number): this {
    if (!this.dense(id)) {
      this.extra ??= new Map();
      if (!this.extra.has(id)) this.ids.push(id);
      this.extra.set(id, value);
      return this;
    }
    if (this.place[id] === 0) {
      this.ids.push(id);
      this.place[id] = this.ids.length;
    }
    this.value[id] = value;
    return this;
  }
  /** Adds to an id's score (0 when absent): the lexical accumulation, without a lookup per posting. */
  add(id: number, value: number): void {
    if (!this.dense(id)) {
      this.set(id, (this.get(id) ?? 0) + value);
      return;
    }
    if (this.place[id] === 0) {
      this.ids.push(id);
      this.place[id] = this.ids.length;
    }
    this.value[id] = this.value[id]! + value;
  }
  forEach(fn: (value: number, id: number) => void): void {
    const { ids, value, extra } = this;
    const n = this.place.length;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      fn(id >= 0 && id < n ? value[id]! : extra!.get(id)!, id);
    }
  }
  keys(): IterableIterator<number> {
    return this.ids.values();
  }
  *values(): IterableIterator<number> {
    for (const id of this.ids) yield this.get(id)!;
  }
  *[Symbol.iterator](): IterableIterator<[number, number]> {
    for (const id of this.ids) yield [id, this.get(id)!];
  }
}
