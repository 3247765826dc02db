/**
 * Runs the real CLI (`npx tsx src/cli/main.ts ...`) as a child process on a throwaway data dir, the way a
 * user or an MCP client starts it. Each child gets its own process group so that stopping it also stops
 * the processes npx and tsx start under it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parentEnv } from "../helpers/env.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = "src/cli/main.ts";
export const FIXTURES_PLUGIN = join(REPO_ROOT, "test/conformance/fixtures.ts");

/**
 * The parent's environment without repowright settings or outside services' credentials (parentEnv),
 * plus a fresh data dir and quiet logs.
 */
export function childEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...parentEnv(),
    REPOWRIGHT_HOME: home,
    REPOWRIGHT_LOG_LEVEL: "warn",
    REPOWRIGHT_STORE: "sqlite",
    ...extra,
  };
}

const homes = new Set<string>();

/** A throwaway data dir, removed after the test file (test/setup/cleanup.ts), whichever test forgot to. */
export function tempHome(): string {
  const dir = mkdtempSync(join(tmpdir(), "rw-mcp-"));
  homes.add(dir);
  return dir;
}

/** Removes every tempHome() made so far (called after each test file). */
export function removeTempHomes(): void {
  for (const d of homes) rmSync(d, { recursive: true, force: true });
  homes.clear();
}

export interface ServeProcess {
  /** The MCP endpoint printed on the first line of stdout. */
  url: string;
  /** Origin of the HTTP server (for /healthz, /readyz, /metrics). */
  base: string;
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** `repowright serve --transport http --port 0 ...args`; resolves once the endpoint URL is printed. */
export async function startHttpServe(
  args: string[],
  env: Record<string, string> = {},
): Promise<ServeProcess> {
  const home = tempHome();
  const child = spawn("npx", ["tsx", CLI, "serve", "--transport", "http", "--port", "0", ...args], {
    cwd: REPO_ROOT,
    env: childEnv(home, env),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    err += d;
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const stop = async () => {
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((ok, fail) => {
      const onData = () => {
        const m = /at (http:\/\/\S+)/.exec(out);
        if (m) {
          child.stdout?.off("data", onData);
          ok(m[1]!);
        }
      };
      child.stdout?.on("data", onData);
      child.once("exit", (code) =>
        fail(new Error(`serve exited (${code}) before printing its URL:\n${err}`)),
      );
    });
    return { url, base: new URL(url).origin, stdout: () => out, stderr: () => err, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Runs the CLI to completion and returns its exit code and output. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const home = tempHome();
  try {
    const child = spawn("npx", ["tsx", CLI, ...args], {
      cwd: REPO_ROOT,
      env: childEnv(home, env),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((done) => child.once("close", (c) => done(c)));
    return { code, stdout, stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
