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

  /** Room for ids 0..maxId; `set` of a larger id throws. */
  constructor(maxId: number) {
    this.value = new Float64Array(maxId + 1);
    this.place = new Int32Array(maxId + 1);
  }

  get size(): number {
    return this.ids.length;
  }
  has(id: number): boolean {
    return (this.place[id] ?? 0) !== 0;
  }
  get(id: number): number | undefined {
    return (this.place[id] ?? 0) !== 0 ? this.value[id] : undefined;
  }
  set(id: number, value: number): this {
    if (!(id >= 0 && id < this.place.length)) throw new RangeError(`chunk id ${id} out of range`);
    if (this.place[id] === 0) {
      this.ids.push(id);
      this.place[id] = this.ids.length;
    }
    this.value[id] = value;
    return this;
  }
  /** Adds to an id's score (0 when absent): the lexical accumulation, without a lookup per posting. */
  add(id: number, value: number): void {
    if (this.place[id] === 0) {
      this.ids.push(id);
      this.place[id] = this.ids.length;
    }
    this.value[id] = this.value[id]! + value;
  }
  forEach(fn: (value: number, id: number) => void): void {
    const { ids, value } = this;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      fn(value[id]!, id);
    }
  }
  keys(): IterableIterator<number> {
    return this.ids.values();
  }
  *values(): IterableIterator<number> {
    for (const id of this.ids) yield this.value[id]!;
  }
  *[Symbol.iterator](): IterableIterator<[number, number]> {
    for (const id of this.ids) yield [id, this.value[id]!];
  }
}
