/**
 * One test per signature of the catalogue: its example line is recognised by it (not by a heavier
 * signature that would shadow it), and the lines it was written against are not.
 */
import { describe, expect, it } from "vitest";
import { recognise, SIGNATURES } from "../../src/ci/diagnose/index.js";

describe("signature catalogue", () => {
  it("has unique ids and one needle that occurs in each example", () => {
    const ids = SIGNATURES.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of SIGNATURES) {
      const needles = typeof s.needle === "string" ? [s.needle] : s.needle;
      expect(
        needles.some((n) => s.example.toLowerCase().includes(n.toLowerCase())),
        s.id,
      ).toBe(true);
    }
  });

  it.each(SIGNATURES.map((s) => [s.id, s] as const))("%s recognises its example", (_id, s) => {
    expect(recognise(s.example)?.id).toBe(s.id);
    for (const line of s.notExamples ?? []) expect(recognise(line)?.id, line).not.toBe(s.id);
  });
});
