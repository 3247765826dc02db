/**
 * Run by test/ci/cli.test.ts in a node with a small old-space limit: streams a generated log of
 * STREAM_MB megabytes (corpus noise, then a real cargo test failure) through the CLI's streaming path
 * and prints the verdict and the peak heap. A diagnoser that kept the log would die of OOM here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { diagnoseStream } from "../../src/cli/ci-commands.js";

const dir = join(import.meta.dirname, "../fixtures/ci-logs");
const total = Number(process.env["STREAM_MB"] ?? 50) * 1024 * 1024;
const noise = readFileSync(join(dir, "gradle-compile.log"), "utf8").replace(/error|fail/gi, "note");
const chunk = Buffer.from(noise.repeat(Math.ceil((256 * 1024) / noise.length)));
let peak = 0;
function* generate() {
  for (let sent = 0; sent < total; sent += chunk.length) {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    yield chunk;
  }
  yield readFileSync(join(dir, "cargo-test.log"));
}
const d = await diagnoseStream(Readable.from(generate()));
process.stdout.write(`${JSON.stringify({ category: d.category, test: d.facts.test, peakHeap: peak })}\n`);
