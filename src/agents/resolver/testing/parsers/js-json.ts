/**
 * The JSON reports of jest (`--json --outputFile`), vitest (`--reporter=json`, the same shape on purpose)
 * and mocha (`--reporter=json`). Ids are `file > suite > name`, the file relative to the worktree; for
 * mocha, which gives only the full title, `file > full title`.
 */
import { relativeTo, Tally } from "./tally.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** A JSON object out of a report or a stdout that holds one (jest `--json` without a file prints it). */
export function jsonObject(text: string): Obj | undefined {
  const start = text.indexOf("{");
  if (start < 0) return undefined;
  for (const candidate of [text.slice(start), text.slice(start, text.lastIndexOf("}") + 1)]) {
    try {
      const v: unknown = JSON.parse(candidate);
      if (isObj(v)) return v;
    } catch {
      // try the next cut
    }
  }
  return undefined;
}

/** jest and vitest: `testResults[]` per file, `assertionResults[]` per test. */
export function parseJestJson(report: Obj, root?: string, tally = new Tally()): Tally {
  const files = Array.isArray(report["testResults"]) ? report["testResults"] : [];
  for (const file of files) {
    if (!isObj(file)) continue;
    const path = relativeTo(root, str(file["name"]) || str(file["testFilePath"]));
    const tests = Array.isArray(file["assertionResults"]) ? file["assertionResults"] : [];
    let failedTests = 0;
    for (const t of tests) {
      if (!isObj(t)) continue;
      const ancestors = Array.isArray(t["ancestorTitles"]) ? t["ancestorTitles"].map(String) : [];
      const id = [path, ...ancestors, str(t["title"])].join(" > ");
      const status = str(t["status"]);
      if (status === "passed") tally.pass(id);
      else if (status === "failed") {
        tally.fail(id);
        failedTests++;
      } else tally.skip(id);
    }
    // A file that failed with no failing test in it did not load (a syntax error, a missing import).
    if (str(file["status"]) === "failed" && failedTests === 0) tally.error(path);
  }
  return tally;
}

/** mocha's JSON reporter: `passes`, `failures` and `pending`, each test with `fullTitle` and `file`. */
export function parseMochaJson(report: Obj, root?: string, tally = new Tally()): Tally {
  const each = (key: string, add: (id: string) => void) => {
    const list = Array.isArray(report[key]) ? report[key] : [];
    for (const t of list) {
      if (!isObj(t)) continue;
      const title = str(t["fullTitle"]) || str(t["title"]);
      const file = relativeTo(root, str(t["file"]));
      add(file ? `${file} > ${title}` : title);
    }
  };
  each("pending", (id) => tally.skip(id));
  each("passes", (id) => tally.pass(id));
  each("failures", (id) => tally.fail(id));
  return tally;
}
