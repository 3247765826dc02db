/**
 * CLI start-up: wall time of the built CLI (`dist/cli/main.js`, what `npm install -g` runs) for commands that
 * should answer at once, beside a bare `node` start measured in the same run. Target: `--version` and
 * `tools` well under 0.2 s on an idle machine, i.e. close to the bare node floor.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fmt, percentile, table } from "./lib.js";

const ROOT = join(import.meta.dirname, "..");
const CLI = join(ROOT, "dist", "cli", "main.js");
const RUNS = Number(process.env["BENCH_CLI_RUNS"] ?? 9);

function timeRuns(args: string[]): number[] {
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "ignore", env: { ...process.env } });
    ms.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}`);
  }
  return ms.sort((a, b) => a - b);
}

export async function run(): Promise<void> {
  process.stdout.write("\n## cli: start-up of the built CLI\n");
  if (!existsSync(CLI)) {
    process.stdout.write("dist/cli/main.js is missing: run `npm run build` first; skipped\n");
    return;
  }
  const floor = timeRuns(["-e", ""]);
  const floorP50 = percentile(floor, 50);
  const cases: [string, string[]][] = [
    ["node -e '' (floor)", ["-e", ""]],
    ["repowright --version", [CLI, "--version"]],
    ["repowright tools", [CLI, "tools"]],
    ["repowright ci diagnose-log --help", [CLI, "ci", "diagnose-log", "--help"]],
    ["repowright --help", [CLI, "--help"]],
  ];
  const rows = cases.map(([name, args]) => {
    const ms = name.endsWith("(floor)") ? floor : timeRuns(args);
    const p50 = percentile(ms, 50);
    return [name, fmt(p50), fmt(percentile(ms, 95)), `${fmt(p50 / floorP50)}x`];
  });
  process.stdout.write(`${table(["command", "p50 ms", "p95 ms", "vs floor"], rows)}\n`);
}
