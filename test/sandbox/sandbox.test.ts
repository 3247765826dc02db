/**
 * The sandbox through its public function, with real processes. The bubblewrap tests are skipped where
 * bwrap cannot run (see the preflight below); the fallback to the process level is tested everywhere.
 * Network tests use 127.0.0.1 only.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { AppError, ToolError } from "../../src/core/errors.js";
import {
  preflight,
  runSandboxed,
  SANDBOX_DEFAULTS,
  type SandboxLevel,
  sandboxOptionsFromConfig,
} from "../../src/sandbox/index.js";

const bwrap = await preflight();
const LEVELS: readonly SandboxLevel[] = ["bubblewrap", "process"];
const skipUnless = (level: SandboxLevel) => level === "bubblewrap" && !bwrap.available;

let base: string;
let worktree: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "rw-sandbox-test-"));
  worktree = join(base, "worktree");
  mkdirSync(worktree);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** Sets variables in our own process.env for one test, then puts back what was there. */
function withParentEnv(vars: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/**
 * Whether a process is gone. A zombie counts as gone: it runs nothing and holds nothing but its table
 * entry, and where PID 1 does not reap orphans (some container inits) it stays a zombie for ever.
 */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/** Live processes on this host whose argv is exactly `argv` (zombies have an empty cmdline). */
function livingWithArgv(argv: readonly string[]): number[] {
  const wanted = `${argv.join("\0")}\0`;
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, "utf8") === wanted;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function eventually(check: () => boolean, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe.each(LEVELS)("the %s level", (level) => {
  it.skipIf(skipUnless(level))("does not pass our tokens and keys to the command", async () => {
    const token = `ghp_${"A1b2C3d4E5".repeat(4)}`;
    const key = `sk-ant-api03-${"x9Y8z7".repeat(6)}`;
    const restore = withParentEnv({ GITHUB_TOKEN: token, ANTHROPIC_API_KEY: key });
    try {
      const env = await runSandboxed({ command: ["env"], cwd: worktree, level });
      expect(env.exitCode).toBe(0);
      expect(env.isolation.level).toBe(level);
      expect(env.stdout).toContain("CI=true");
      expect(env.stdout).not.toContain(token);
      expect(env.stdout).not.toContain(key);
      expect(env.stdout).not.toMatch(/GITHUB_TOKEN|ANTHROPIC_API_KEY/);
      expect(env.stdout).not.toContain(`HOME=${homedir()}\n`);
      const echo = await runSandboxed({
        command: 'echo "[$GITHUB_TOKEN][$ANTHROPIC_API_KEY]"',
        cwd: worktree,
        level,
      });
      expect(echo.stdout).toBe("[][]\n");
    } finally {
      restore();
    }
  });

  it.skipIf(skipUnless(level))(
    "kills the whole process group on the time limit, grandchildren included",
    async () => {
      const marker = `300.${process.pid}${Date.now() % 100000}`;
      const result = await runSandboxed({
        command: `sleep ${marker} & echo $! > pidfile; sleep ${marker}`,
        cwd: worktree,
        level,
        timeoutMs: 400,
        killGraceMs: 500,
      });
      expect(result.timedOut).toBe(true);
      expect(result.cancelled).toBe(false);
      expect(result.exitCode).toBeNull();
      expect(result.signal).toMatch(/^SIG(TERM|KILL)$/);
      expect(result.durationMs).toBeLessThan(5000);
      // No `sleep <marker>` lives on, under any pid namespace.
      expect(await eventually(() => livingWithArgv(["sleep", marker]).length === 0)).toBe(true);
      if (level === "process") {
        // Without a pid namespace the grandchild's pid is a host pid.
        const pid = Number(readFileSync(join(worktree, "pidfile"), "utf8"));
        expect(pid).toBeGreaterThan(1);
        expect(await eventually(() => isGone(pid))).toBe(true);
      }
    },
  );

  it.skipIf(skipUnless(level))("kills the group when the caller aborts", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const result = await runSandboxed({
      command: "sleep 30",
      cwd: worktree,
      level,
      signal: controller.signal,
    });
    expect(result.cancelled).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(result.durationMs).toBeLessThan(5000);
    const before = await runSandboxed({
      command: "touch ran",
      cwd: worktree,
      level,
      signal: controller.signal,
    });
    expect(before.cancelled).toBe(true);
    expect(existsSync(join(worktree, "ran"))).toBe(false);
  });

  it.skipIf(skipUnless(level))("kills what the command left running when it exits", async () => {
    const marker = `301.${process.pid}${Date.now() % 100000}`;
    const result = await runSandboxed({ command: `sleep ${marker} & echo started`, cwd: worktree, level });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("started\n");
    expect(await eventually(() => livingWithArgv(["sleep", marker]).length === 0)).toBe(true);
  });
});

describe("bubblewrap isolation", () => {
  const only = it.skipIf(!bwrap.available);

  only("writes inside the worktree only", async () => {
    const hiddenTmp = join(base, "outside"); // under /tmp, which the sandbox replaces
    mkdirSync(hiddenTmp);
    const readOnly = mkdtempSync("/var/tmp/rw-sandbox-test-"); // on the read-only root
    try {
      const result = await runSandboxed({
        command: `echo in > inside.txt; echo out > ${hiddenTmp}/a.txt; echo out > ${readOnly}/b.txt; mount -o remount,bind,rw / 2>/dev/null; echo out > ${readOnly}/c.txt; true`,
        cwd: worktree,
        level: "bubblewrap",
      });
      expect(result.exitCode).toBe(0);
      expect(result.stderr).toMatch(/Read-only file system/);
      expect(readFileSync(join(worktree, "inside.txt"), "utf8")).toBe("in\n");
      expect(existsSync(join(hiddenTmp, "a.txt"))).toBe(false);
      expect(existsSync(join(readOnly, "b.txt"))).toBe(false);
      // No capabilities: remounting the root read-write is refused.
      expect(existsSync(join(readOnly, "c.txt"))).toBe(false);

      const allowed = await runSandboxed({
        command: `echo ok > ${readOnly}/d.txt`,
        cwd: worktree,
        writable: [readOnly],
        level: "bubblewrap",
      });
      expect(allowed.exitCode).toBe(0);
      expect(readFileSync(join(readOnly, "d.txt"), "utf8")).toBe("ok\n");
    } finally {
      rmSync(readOnly, { recursive: true, force: true });
    }
  });

  only("hides the home directory and gives a private one", async () => {
    const result = await runSandboxed({
      command: `ls -A ${homedir()}; echo "home=$HOME"; touch "$HOME/x" && echo writable`,
      cwd: worktree,
      level: "bubblewrap",
    });
    expect(result.stdout).toBe("home=/tmp/.home\nwritable\n");
  });

  describe("network", () => {
    let server: Server;
    let port: number;
    let connections = 0;
    beforeEach(async () => {
      connections = 0;
      server = createServer((socket) => {
        connections++;
        socket.end("hello\n");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as { port: number }).port;
    });
    afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const connect = () =>
      `exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected && head -n1 <&3 || { echo refused; exit 3; }`;

    only("cannot open a TCP connection, not even to the host's loopback", async () => {
      const result = await runSandboxed({
        command: ["bash", "-c", connect()],
        cwd: worktree,
        level: "bubblewrap",
      });
      expect(result.isolation).toEqual({ level: "bubblewrap", network: false });
      expect(result.exitCode).toBe(3);
      expect(result.stdout).toBe("refused\n");
      expect(connections).toBe(0);
    });

    only("connects with network: true", async () => {
      const result = await runSandboxed({
        command: ["bash", "-c", connect()],
        cwd: worktree,
        level: "bubblewrap",
        network: true,
      });
      expect(result.isolation).toEqual({ level: "bubblewrap", network: true });
      expect(result.stdout).toBe("connected\nhello\n");
      expect(connections).toBe(1);
    });
  });
});

describe("output limits", () => {
  it("keeps the head and the tail of 5 MB and says how much was dropped", async () => {
    const result = await runSandboxed({
      command: `echo HEAD-START; head -c 5000000 /dev/zero | tr '\\0' x; echo; echo TAIL-END; echo small >&2`,
      cwd: worktree,
      level: "process",
      maxOutputBytes: 65536,
    });
    expect(result.exitCode).toBe(0);
    expect(result.truncated).toEqual({ stdout: true, stderr: false });
    expect(result.stdout.startsWith("HEAD-START\nxxx")).toBe(true);
    expect(result.stdout.endsWith("xxx\nTAIL-END\n")).toBe(true);
    const total = "HEAD-START\n".length + 5_000_000 + "\nTAIL-END\n".length;
    expect(result.stdout).toContain(`\n[... ${total - 65536} bytes elided ...]\n`);
    expect(result.stdout.length).toBeLessThan(65536 + 100);
    expect(result.stderr).toBe("small\n");
  });

  it("cuts at character boundaries", async () => {
    const result = await runSandboxed({
      command: "yes é | head -n 5000 | tr -d '\\n'",
      cwd: worktree,
      level: "process",
      maxOutputBytes: 1025,
    });
    expect(result.truncated.stdout).toBe(true);
    expect(result.stdout).not.toContain("\uFFFD");
    expect(result.stdout).toMatch(/^(é)+\n\[\.\.\. \d+ bytes elided \.\.\.\]\n(é)+$/);
  });
});

describe("what the caller passes", () => {
  it("refuses secret-looking variables with a validation error, and runs nothing", async () => {
    const attempt = runSandboxed({
      command: "touch ran",
      cwd: worktree,
      env: { GITHUB_TOKEN: "x", MY_API_KEY: "y", DB_PASSWORD: "z", GIT_AUTHOR_NAME: "bot" },
    });
    await expect(attempt).rejects.toBeInstanceOf(ToolError);
    await expect(attempt).rejects.toMatchObject({
      type: "validation",
      message: expect.stringMatching(/GITHUB_TOKEN looks like a secret; MY_API_KEY .*; DB_PASSWORD/),
      details: { refused: ["GITHUB_TOKEN", "MY_API_KEY", "DB_PASSWORD"] },
    });
    const shaped = runSandboxed({
      command: "touch ran",
      cwd: worktree,
      env: { NOTES: `ghp_${"Z".repeat(36)}` },
    });
    await expect(shaped).rejects.toMatchObject({ type: "validation", details: { refused: ["NOTES"] } });
    expect(existsSync(join(worktree, "ran"))).toBe(false);
  });

  it("passes harmless variables, and keeps HOME private", async () => {
    const result = await runSandboxed({
      command: 'echo "$GIT_AUTHOR_NAME $NODE_ENV $CI"',
      cwd: worktree,
      env: { GIT_AUTHOR_NAME: "bot", NODE_ENV: "test" },
    });
    expect(result.stdout).toBe("bot test true\n");
    await expect(
      runSandboxed({ command: "true", cwd: worktree, env: { HOME: "/root" } }),
    ).rejects.toMatchObject({
      type: "validation",
    });
  });

  it("refuses a missing worktree and one that would expose what the sandbox hides", async () => {
    await expect(runSandboxed({ command: "true", cwd: join(base, "missing") })).rejects.toMatchObject({
      type: "validation",
      message: expect.stringContaining("does not exist"),
    });
    await expect(runSandboxed({ command: "true", cwd: "/" })).rejects.toMatchObject({ type: "validation" });
    await expect(runSandboxed({ command: "true", cwd: worktree, writable: ["/tmp"] })).rejects.toMatchObject({
      type: "validation",
      message: expect.stringContaining("too broad"),
    });
    await expect(runSandboxed({ command: [], cwd: worktree })).rejects.toMatchObject({ type: "validation" });
  });

  it("runs an argv without a shell, and reports a missing program as 127", async () => {
    writeFileSync(join(worktree, "a b.txt"), "spaced\n");
    const cat = await runSandboxed({ command: ["cat", "a b.txt"], cwd: worktree, level: "process" });
    expect(cat.stdout).toBe("spaced\n");
    const missing = await runSandboxed({
      command: ["no-such-program-here"],
      cwd: worktree,
      level: "process",
    });
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain("ENOENT");
  });
});

describe("the isolation level", () => {
  it("is bubblewrap under auto where bwrap works", async () => {
    if (!bwrap.available) {
      // Where it does not, auto records the preflight's reason instead.
      const result = await runSandboxed({ command: "true", cwd: worktree });
      expect(result.isolation).toEqual({
        level: "process",
        network: true,
        reason: `bubblewrap unavailable: ${bwrap.reason}`,
      });
      return;
    }
    const result = await runSandboxed({ command: "true", cwd: worktree });
    expect(result.isolation).toEqual({ level: "bubblewrap", network: false });
  });

  it("falls back to the process level under auto, and records why", async () => {
    const check = await preflight({ bwrapPath: "/nonexistent/bwrap" });
    expect(check).toMatchObject({
      available: false,
      level: "process",
      reason: expect.stringContaining("/nonexistent/bwrap"),
    });
    expect(check.fallback).toMatch(/no filesystem isolation.*no network isolation/);
    const result = await runSandboxed({
      command: "echo ran",
      cwd: worktree,
      bwrapPath: "/nonexistent/bwrap",
    });
    expect(result.stdout).toBe("ran\n");
    expect(result.isolation).toEqual({
      level: "process",
      network: true,
      reason: expect.stringContaining("bwrap not found at /nonexistent/bwrap"),
    });
  });

  it("is an error, not a fallback, when bubblewrap is asked for and cannot run", async () => {
    const attempt = runSandboxed({
      command: "touch ran",
      cwd: worktree,
      level: "bubblewrap",
      bwrapPath: "/nonexistent/bwrap",
    });
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({
      code: "sandbox_unavailable",
      message: expect.stringContaining("bwrap not found at /nonexistent/bwrap"),
    });
    expect(existsSync(join(worktree, "ran"))).toBe(false);
  });

  it("says so when the process level is asked for", async () => {
    const result = await runSandboxed({ command: "true", cwd: worktree, level: "process", network: false });
    expect(result.isolation).toMatchObject({ level: "process", network: true, reason: expect.any(String) });
  });

  it("has the defaults of the REPOWRIGHT_SANDBOX_* settings", () => {
    const config = loadConfig({ env: {}, cwd: base });
    expect(sandboxOptionsFromConfig(config)).toEqual({ ...SANDBOX_DEFAULTS });
    const set = loadConfig({
      env: {
        REPOWRIGHT_SANDBOX: "process",
        REPOWRIGHT_SANDBOX_TIMEOUT_S: "60",
        REPOWRIGHT_SANDBOX_NETWORK: "true",
      },
      cwd: base,
    });
    expect(sandboxOptionsFromConfig(set)).toMatchObject({
      level: "process",
      timeoutMs: 60_000,
      network: true,
    });
  });
});
