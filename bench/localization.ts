/**
 * Localization benchmark sets ("which files does this issue need changed?"): the sets in bench/data, how to
 * load them, the file-level scores (Acc@1/5/10, MRR) and the plain BM25 baseline the code bench prints
 * beside the index's own rankings. Each set's checkouts live outside the repository, one folder per
 * instance, pointed at by the set's environment variable (see docs/benchmarks.md).
 */
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One issue: the repository at `base_commit`, the issue text as written, the files the real fix changed. */
export interface Instance {
  instance_id: string;
  repo: string;
  base_commit: string;
  problem_statement: string;
  files_changed: string[];
  /** Provenance, when the set records it: the issue thread and the commit that fixed it. */
  issue_url?: string;
  fix_commit?: string;
  /** True when the stored issue text ends before the author's text did (cut by the corpus it came from). */
  text_cut?: boolean;
}

/** A set of instances: its data file in bench/data and the variable that points at its checkouts. */
export interface LocalizationSet {
  name: string;
  file: string;
  env: string;
  description: string;
}

const DATA = join(dirname(fileURLToPath(import.meta.url)), "data");

export const LOCALIZATION_SETS: LocalizationSet[] = [
  {
    name: "localization dev set",
    file: join(DATA, "localization-dev.jsonl"),
    env: "REPOWRIGHT_LOCDEV",
    description: "SWE-bench Verified, sphinx-doc/sphinx and pydata/xarray (Python)",
  },
  {
    name: "localization JS set",
    file: join(DATA, "localization-js.jsonl"),
    env: "REPOWRIGHT_LOCSET_JS",
    description: "fixed issues of eslint/eslint (JavaScript), see bench/data/localization-js.md",
  },
  {
    name: "localization Go set",
    file: join(DATA, "localization-go.jsonl"),
    env: "REPOWRIGHT_LOCSET_GO",
    description: "fixed issues of spf13/cobra (Go), see bench/data/localization-go.md",
  },
  {
    name: "localization Java set",
    file: join(DATA, "localization-java.jsonl"),
    env: "REPOWRIGHT_LOCSET_JAVA",
    description: "fixed issues of FasterXML/jackson-databind (Java), see bench/data/localization-java.md",
  },
  {
    name: "localization TS set",
    file: join(DATA, "localization-ts.jsonl"),
    env: "REPOWRIGHT_LOCSET_TS",
    description:
      "fixed issues of microsoft/vscode-languageserver-node (TypeScript), see bench/data/localization-ts.md",
  },
];

export function readInstances(file: string): Instance[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Instance);
}

/** The checkouts folder of a set, or why it is skipped. */
export function checkoutsOf(set: LocalizationSet): { dir: string } | { skip: string } {
  const dir = process.env[set.env];
  if (!dir)
    return { skip: `set ${set.env} to a folder of checkouts (docs/benchmarks.md says how to build it)` };
  if (!existsSync(dir)) return { skip: `${set.env}=${dir} does not exist` };
  if (!existsSync(set.file)) return { skip: `${set.file} not found` };
  return { dir };
}

export interface Scores {
  acc1: number;
  acc5: number;
  acc10: number;
  mrr: number;
}

/** Acc@k: every changed file is within the top k; MRR: reciprocal rank of the first changed file. */
export function score(ranked: string[][], gold: string[][]): Scores {
  let a1 = 0;
  let a5 = 0;
  let a10 = 0;
  let mrr = 0;
  ranked.forEach((r, i) => {
    const g = gold[i]!;
    const within = (k: number) => g.every((f) => r.slice(0, k).includes(f));
    if (within(1)) a1++;
    if (within(5)) a5++;
    if (within(10)) a10++;
    const first = r.findIndex((f) => g.includes(f));
    if (first >= 0) mrr += 1 / (first + 1);
  });
  const n = ranked.length || 1;
  return { acc1: (100 * a1) / n, acc5: (100 * a5) / n, acc10: (100 * a10) / n, mrr: mrr / n };
}

export const fmt = (s: Scores) =>
  `Acc@1 ${s.acc1.toFixed(1).padStart(5)}  Acc@5 ${s.acc5.toFixed(1).padStart(5)}  Acc@10 ${s.acc10.toFixed(1).padStart(5)}  MRR ${s.mrr.toFixed(3)}`;

/** Plain BM25 over whole files with `\w+` tokens (k1 1.2, b 0.75): the baseline the issue quotes. */
export async function plainBm25(root: string, paths: string[], query: string): Promise<string[]> {
  const docs: Map<string, number>[] = [];
  const lens: number[] = [];
  const df = new Map<string, number>();
  for (const p of paths) {
    const text = await readFile(join(root, p), "utf8");
    const tf = new Map<string, number>();
    let n = 0;
    for (const m of text.toLowerCase().matchAll(/\w+/g)) {
      tf.set(m[0], (tf.get(m[0]) ?? 0) + 1);
      n++;
    }
    for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
    docs.push(tf);
    lens.push(n);
  }
  const avg = lens.reduce((a, b) => a + b, 0) / (lens.length || 1);
  const N = docs.length;
  const qt = [...query.toLowerCase().matchAll(/\w+/g)].map((m) => m[0]);
  const scores = docs.map((tf, i) => {
    let s = 0;
    for (const t of qt) {
      const f = tf.get(t);
      if (!f) continue;
      const d = df.get(t)!;
      s +=
        Math.log(1 + (N - d + 0.5) / (d + 0.5)) * ((f * 2.2) / (f + 1.2 * (0.25 + (0.75 * lens[i]!) / avg)));
    }
    return s;
  });
  return paths
    .map((p, i) => [p, scores[i]!] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([p]) => p);
}
