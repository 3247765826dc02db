/** Small shared helpers for the benchmarks: MCP servers over stdio, CPU time, latency summaries, tables. */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import pg from "pg";

/** Starts `command args` as an MCP server over stdio and connects the SDK client; returns its pid too. */
export async function connectStdio(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ client: Client; pid: number }> {
  const client = new Client({ name: "bench", version: "0" });
  const transport = new StdioClientTransport({
    command,
    args,
    env: { ...(process.env as Record<string, string>), ...env },
    stderr: "ignore",
  });
  await client.connect(transport);
  return { client, pid: transport.pid ?? 0 };
}

/** CPU seconds (user + system) a process has used so far, from /proc: steadier than wall time on a busy machine. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

export interface Summary {
  n: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Runs `fn` n times sequentially and summarises the latencies in milliseconds. */
export async function measure(n: number, fn: (i: number) => Promise<unknown>): Promise<Summary> {
  const lat: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    lat.push(performance.now() - t);
  }
  const total = performance.now() - start;
  lat.sort((a, b) => a - b);
  return {
    n,
    perSecond: (n / total) * 1000,
    p50: percentile(lat, 50),
    p95: percentile(lat, 95),
    p99: percentile(lat, 99),
  };
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? "").length)));
  return cells.map((r) => r.map((c, i) => String(c ?? "").padEnd(widths[i]!)).join("  ")).join("\n");
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

/**
 * A pool on the benchmarks' PostgreSQL (REPOWRIGHT_BENCH_PG_URL, else the local test database), or undefined
 * (and the PostgreSQL rows skipped) when it does not answer.
 */
export async function benchPool(): Promise<pg.Pool | undefined> {
  const pool = new pg.Pool({
    connectionString: process.env["REPOWRIGHT_BENCH_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test",
    max: 4,
    connectionTimeoutMillis: 2000,
  });
  pool.on("error", () => undefined);
  try {
    await pool.query("SELECT 1");
    return pool;
  } catch {
    await pool.end();
    return undefined;
  }
}
