/**
 * The dev corpus (test/fixtures/ci-logs) and how a diagnoser is scored on it: category right, and
 * "the cited lines contain a decisive line". Shared by test/ci/corpus.test.ts and bench/ci.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const CORPUS_DIR = join(import.meta.dirname, "../fixtures/ci-logs");

export interface CorpusLog {
  name: string;
  log: string;
  category: string;
  ecosystem: string;
  origin: "captured" | "documented";
  decisive: number[];
}

export function loadCorpus(): CorpusLog[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith(".log"))
    .sort()
    .map((f) => {
      const name = f.slice(0, -4);
      const meta = JSON.parse(readFileSync(join(CORPUS_DIR, `${name}.json`), "utf8")) as Omit<
        CorpusLog,
        "name" | "log"
      >;
      return { name, log: readFileSync(join(CORPUS_DIR, f), "utf8"), ...meta };
    });
}

export interface Verdict {
  category: string;
  lines: number[];
}

export interface Score {
  n: number;
  category: number;
  decisive: number;
  misses: string[];
}

/** Category accuracy and decisive-line rate (fractions), overall or for a subset. */
export function score(logs: CorpusLog[], diagnose: (log: string) => Verdict): Score {
  let category = 0;
  let decisive = 0;
  const misses: string[] = [];
  for (const l of logs) {
    const v = diagnose(l.log);
    const okCategory = v.category === l.category;
    const okLine = v.lines.some((n) => l.decisive.includes(n));
    if (okCategory) category += 1;
    if (okLine) decisive += 1;
    if (!okCategory || !okLine) {
      misses.push(
        `${l.name}: ${v.category} (want ${l.category}), lines ${v.lines.join(",")} (want ${l.decisive.join(",")})`,
      );
    }
  }
  const n = logs.length;
  return { n, category: n ? category / n : 0, decisive: n ? decisive / n : 0, misses };
}
