/**
 * Memory toolset vs the reference @modelcontextprotocol/server-redis, side by side in one run: both over
 * stdio, both on the same Redis, the same sequence of set/get calls through the official SDK client.
 * Prints calls/s and p50/p99 latency, and repowright's ratio to the reference (>1 = repowright faster).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { connectStdio, cpuSeconds, measure, type Summary, table } from "./lib.js";

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, "..");

interface Target {
  name: string;
  client: Client;
  pid: number;
  set(i: number): Promise<unknown>;
  get(i: number): Promise<unknown>;
}

export async function run(): Promise<void> {
  const redisUrl = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
  const n = Number(process.env["BENCH_MEMORY_CALLS"] ?? 3000);
  const home = mkdtempSync(join(tmpdir(), "rw-bench-"));
  const value = JSON.stringify({ user: "ada", roles: ["admin", "dev"], n: 42 });
  const built = join(root, "dist/cli/main.js");
  const useDist = await import("node:fs").then((fs) => fs.existsSync(built));
  const { client: rw, pid: rwPid } = await connectStdio(
    process.execPath,
    useDist
      ? [built, "serve", "--toolsets", "memory"]
      : ["--import", "tsx", join(root, "src/cli/main.ts"), "serve", "--toolsets", "memory"],
    {
      REPOWRIGHT_STORE: "redis",
      REDIS_URL: redisUrl,
      REPOWRIGHT_HOME: home,
      REPOWRIGHT_LOG_LEVEL: "warn",
      REPOWRIGHT_REDIS_PREFIX: "rwbench:",
    },
  );
  const { client: ref, pid: refPid } = await connectStdio(
    process.execPath,
    [require.resolve("@modelcontextprotocol/server-redis/dist/index.js"), redisUrl],
    {},
  );
  const targets: Target[] = [
    {
      name: "repowright",
      client: rw,
      pid: rwPid,
      set: (i) => rw.callTool({ name: "cache_set", arguments: { namespace: "bench", key: `k${i}`, value } }),
      get: (i) => rw.callTool({ name: "cache_get", arguments: { namespace: "bench", key: `k${i}` } }),
    },
    {
      name: "server-redis",
      client: ref,
      pid: refPid,
      set: (i) => ref.callTool({ name: "set", arguments: { key: `refbench:k${i}`, value } }),
      get: (i) => ref.callTool({ name: "get", arguments: { key: `refbench:k${i}` } }),
    },
  ];
  // Warm up both (long enough for the JIT to settle), then alternate short rounds so that neither profits
  // from the other's warm caches or from a quiet moment of the machine.
  for (const t of targets) {
    await measure(1000, t.set);
    await measure(1000, t.get);
  }
  const results = new Map<string, { set: Summary[]; get: Summary[]; cpu: { set: number; get: number } }>();
  for (const t of targets) results.set(t.name, { set: [], get: [], cpu: { set: 0, get: 0 } });
  const rounds = 6;
  for (let round = 0; round < rounds; round++) {
    for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
      const r = results.get(t.name)!;
      for (const op of ["set", "get"] as const) {
        const before = cpuSeconds(t.pid);
        r[op].push(await measure(Math.ceil(n / rounds), t[op]));
        r.cpu[op] += cpuSeconds(t.pid) - before;
      }
    }
  }
  const merge = (xs: Summary[]): Summary => ({
    n: xs.reduce((a, x) => a + x.n, 0),
    perSecond: xs.reduce((a, x) => a + x.perSecond, 0) / xs.length,
    p50: xs.reduce((a, x) => a + x.p50, 0) / xs.length,
    p95: xs.reduce((a, x) => a + x.p95, 0) / xs.length,
    p99: xs.reduce((a, x) => a + x.p99, 0) / xs.length,
  });
  const rows: (string | number)[][] = [];
  for (const op of ["set", "get"] as const) {
    const a = merge(results.get("repowright")![op]);
    const b = merge(results.get("server-redis")![op]);
    const cpuA = (results.get("repowright")!.cpu[op] / a.n) * 1e6;
    const cpuB = (results.get("server-redis")!.cpu[op] / b.n) * 1e6;
    rows.push([op, "repowright", a.perSecond, a.p50, a.p99, cpuA]);
    rows.push([op, "server-redis", b.perSecond, b.p50, b.p99, cpuB]);
    rows.push([op, "ratio rw/ref", a.perSecond / b.perSecond, b.p50 / a.p50, b.p99 / a.p99, cpuB / cpuA]);
  }
  process.stdout.write(`\n## memory: cache set/get over stdio on the same Redis (${n} calls each)\n`);
  process.stdout.write(
    `${table(["op", "server", "calls/s", "p50 ms", "p99 ms", "server CPU us/call"], rows)}\n`,
  );
  process.stdout.write(
    "ratio row: calls/s rw/ref, then latency and CPU ref/rw; above 1 means repowright is faster or cheaper.\n",
  );
  await rw.callTool({ name: "cache_clear_namespace", arguments: { namespace: "bench", confirm: true } });
  await Promise.all(targets.map((t) => t.client.close()));
  rmSync(home, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
