/**
 * The dev corpus scored: category accuracy and "cited lines contain the decisive line", overall and on
 * the captured (real-tool) logs alone, against floors the engine reaches today (a drop is a regression).
 * The corpus is the engine's development set; it says nothing about unseen logs.
 */
import { describe, expect, it } from "vitest";
import { diagnoseLog } from "../../src/ci/diagnose/index.js";
import { loadCorpus, score } from "./corpus.js";

const corpus = loadCorpus();
const engine = (log: string) => {
  const d = diagnoseLog(log);
  return { category: d.category, lines: d.lines.map((l) => l.line) };
};

describe("dev corpus", () => {
  it("has logs of both origins across many ecosystems, each with decisive lines", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    expect(corpus.filter((l) => l.origin === "captured").length).toBeGreaterThanOrEqual(20);
    expect(new Set(corpus.map((l) => l.ecosystem)).size).toBeGreaterThanOrEqual(12);
    for (const l of corpus) expect(l.decisive.length, l.name).toBeGreaterThan(0);
  });

  it("names the category and cites a decisive line for at least 95% of the logs", () => {
    const s = score(corpus, engine);
    expect(s.misses).toEqual([]);
    expect(s.category).toBeGreaterThanOrEqual(0.95);
    expect(s.decisive).toBeGreaterThanOrEqual(0.95);
  });

  it("does as well on the captured logs alone (real tool output)", () => {
    const s = score(
      corpus.filter((l) => l.origin === "captured"),
      engine,
    );
    expect(s.category).toBeGreaterThanOrEqual(0.95);
    expect(s.decisive).toBeGreaterThanOrEqual(0.95);
  });

  it("quotes cited lines as the tool printed them: no colour codes, timestamps or CI markers", () => {
    for (const l of corpus) {
      for (const c of diagnoseLog(l.log).lines) {
        expect(c.text, l.name).not.toMatch(
          /\u001b|travis_(?:fold|time)|^\d{4}-\d\d-\d\dT|\t\d{4}-|^##\[|^\[Pipeline\]/,
        );
      }
    }
  });

  it("beats the baseline 'cite the last six lines that say error' by a wide margin", () => {
    const baseline = (log: string) => {
      const lines = log.split("\n");
      const cited = lines.flatMap((t, i) => (/error/i.test(t) ? [i + 1] : [])).slice(-6);
      return { category: "unknown", lines: cited };
    };
    expect(score(corpus, engine).decisive - score(corpus, baseline).decisive).toBeGreaterThan(0.25);
  });
});
