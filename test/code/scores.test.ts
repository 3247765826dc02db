/**
 * The searcher's dense score map must behave as the Map it replaced: same values, same iteration order
 * (the order equal scores keep in every ranking), ids past its room included.
 */
import { describe, expect, it } from "vitest";
import { DenseScores } from "../../src/toolsets/code/scores.js";

describe("DenseScores", () => {
  it("matches a Map through a mixed run of set, add, get and has, in insertion order", () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const dense = new DenseScores(999);
    const map = new Map<number, number>();
    for (let i = 0; i < 5000; i++) {
      // Mostly inside the room, sometimes past it (a chunk newer than the chunk table).
      const id = rand(10) === 0 ? 1000 + rand(50) : rand(1000);
      const v = rand(1000) / 7;
      if (rand(2) === 0) {
        dense.set(id, v);
        map.set(id, v);
      } else {
        dense.add(id, v);
        map.set(id, (map.get(id) ?? 0) + v);
      }
      const probe = rand(1100);
      expect(dense.has(probe)).toBe(map.has(probe));
      expect(dense.get(probe)).toBe(map.get(probe));
    }
    expect(dense.size).toBe(map.size);
    expect([...dense]).toEqual([...map]);
    expect([...dense.keys()]).toEqual([...map.keys()]);
    expect([...dense.values()]).toEqual([...map.values()]);
    const seen: [number, number][] = [];
    dense.forEach((v, id) => {
      seen.push([id, v]);
    });
    expect(seen).toEqual([...map]);
  });
});
