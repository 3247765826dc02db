/**
 * The CI log diagnosis on the dev corpus (test/fixtures/ci-logs): category accuracy and "the cited lines
 * contain the decisive line", overall and per ecosystem; then throughput (MB/s) on a large synthetic log
 * built in memory by repeating corpus lines, and the heap while streaming one. Baselines measured in
 * the same run: the rule "cite the last six lines that say error" (no category), and the classifier the
 * ci toolset had before (bench/ci-old-classifier.ts). The corpus is the development set the engine was
 * tuned on: its numbers say the engine does what it was built to, not how it does on unseen logs.
 */
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { diagnoseLog, LogDiagnoser } from "../src/ci/diagnose/index.js";
import { diagnoseStream } from "../src/cli/ci-commands.js";
import { type CorpusLog, loadCorpus, score, type Verdict } from "../test/ci/corpus.js";
import { classifyLog as oldClassify } from "./ci-old-classifier.js";
import { table } from "./lib.js";

const SYNTHETIC_MB = Number(process.env["CI_BENCH_MB"] ?? 100);
const STREAM_MB = Number(process.env["CI_BENCH_STREAM_MB"] ?? 500);

const engine = (log: string): Verdict => {
  const d = diagnoseLog(log);
  return { category: d.category, lines: d.lines.map((l) => l.line) };
};
/** The baseline rule: the last six lines that say error, no category. */
const lastSixErrors = (log: string): Verdict => ({
  category: "unknown",
  lines: log
    .split("\n")
    .flatMap((t, i) => (/error/i.test(t) ? [i + 1] : []))
    .slice(-6),
});
const old = (log: string): Verdict => {
  const d = oldClassify(log);
  return {
    category: d.category === "build" ? "compilation" : d.category,
    lines: d.evidence.map((e) => e.line),
  };
};

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

export async function run(): Promise<void> {
  const corpus = loadCorpus();
  process.stdout.write(`\n## ci: diagnosis of ${corpus.length} dev-corpus logs\n`);
  const groups: [string, CorpusLog[]][] = [
    ["all", corpus],
    ["captured (real tools)", corpus.filter((l) => l.origin === "captured")],
    ["documented formats", corpus.filter((l) => l.origin === "documented")],
    ...[...new Set(corpus.map((l) => l.ecosystem))]
      .sort()
      .map((e): [string, CorpusLog[]] => [e, corpus.filter((l) => l.ecosystem === e)]),
  ];
  const rows = groups.map(([name, logs]) => {
    const e = score(logs, engine);
    const b = score(logs, lastSixErrors);
    const o = score(logs, old);
    return [
      name,
      String(logs.length),
      pct(e.category),
      pct(e.decisive),
      pct(b.decisive),
      pct(o.category),
      pct(o.decisive),
    ];
  });
  process.stdout.write(
    `${table(
      [
        "logs",
        "n",
        "category",
        "decisive cited",
        "baseline: last 6 error lines, decisive",
        "old classifier: category",
        "old: decisive",
      ],
      rows,
    )}\n`,
  );

  // Throughput: corpus lines repeated into one large log, in memory.
  const lines = corpus.flatMap((l) => l.log.split("\n"));
  const big: string[] = [];
  let bytes = 0;
  while (bytes < SYNTHETIC_MB * 1024 * 1024) {
    for (const l of lines) {
      big.push(l);
      bytes += Buffer.byteLength(l) + 1;
    }
  }
  const mb = bytes / 1024 / 1024;
  let t = performance.now();
  const d = new LogDiagnoser();
  for (const l of big) d.push(l);
  d.finish();
  const engineS = (performance.now() - t) / 1000;
  t = performance.now();
  let ring: number[] = [];
  big.forEach((l, i) => {
    if (/error/i.test(l)) {
      ring.push(i + 1);
      if (ring.length > 6) ring = ring.slice(-6);
    }
  });
  const baseS = (performance.now() - t) / 1000;
  big.length = 0;

  // Memory: a log streamed through the CLI's path, generated chunk by chunk (never whole in memory).
  const chunk = Buffer.from(`${lines.join("\n")}\n`);
  const heap0 = process.memoryUsage().heapUsed;
  let peakHeap = 0;
  let peakRss = 0;
  function* generate() {
    for (let sent = 0; sent < STREAM_MB * 1024 * 1024; sent += chunk.length) {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed - heap0);
      peakRss = Math.max(peakRss, m.rss);
      yield chunk;
    }
  }
  t = performance.now();
  await diagnoseStream(Readable.from(generate()));
  const streamS = (performance.now() - t) / 1000;
  process.stdout.write(
    `\n${table(
      ["throughput", "MB", "seconds", "MB/s"],
      [
        ["engine (in memory, line by line)", mb.toFixed(0), engineS.toFixed(2), (mb / engineS).toFixed(1)],
        ["baseline: last 6 error lines", mb.toFixed(0), baseS.toFixed(2), (mb / baseS).toFixed(1)],
        ["engine, streamed (CLI path)", STREAM_MB, streamS.toFixed(2), (STREAM_MB / streamS).toFixed(1)],
      ],
    )}\n`,
  );
  process.stdout.write(
    `streaming ${STREAM_MB} MB: peak heap growth ${(peakHeap / 1024 / 1024).toFixed(0)} MB (uncollected garbage included), peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB\n`,
  );
}
