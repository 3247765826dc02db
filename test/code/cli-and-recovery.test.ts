import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { createWorkspace } from "../../src/core/workspace.js";
import { createCodeService } from "../../src/toolsets/code/service.js";
import { killCliWhen, runCliCaptured } from "../helpers/cli.js";
import { parentEnv } from "../helpers/env.js";
import { makeFixtureRepo, write, writeHandlerModules } from "./fixture.js";

async function cli(args: string[], env: Record<string, string>) {
  return runCliCaptured(args, env);
}

describe("repowright index / search (CLI)", () => {
  let repo: string;
  let home: string;
  beforeAll(() => {
    repo = makeFixtureRepo();
    home = mkdtempSync(join(tmpdir(), "rw-cli-home-"));
  });
  afterAll(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it("indexes with a progress bar on stderr and searches with JSON output", async () => {
    const env = { REPOWRIGHT_HOME: home, REPOWRIGHT_LOG_LEVEL: "silent" };
    const idx = await cli(["index", repo], env);
    expect(idx.code).toBe(0);
    expect(idx.out).toMatch(/indexed .*: 7 files \(re\)indexed/);
    expect(idx.err).toMatch(/\[#+\.*\]/);
    const s = await cli(["search", "createSession", "--repo", repo, "--k", "3", "--json"], env);
    expect(s.code).toBe(0);
    const json = JSON.parse(s.out) as { results: Record<string, unknown>[] };
    expect(json.results.length).toBeGreaterThan(0);
    expect(Object.keys(json.results[0]!).sort()).toEqual(
      ["end_line", "kind", "path", "score", "snippet", "start_line", "symbol"].sort(),
    );
    expect(json.results[0]).toMatchObject({ path: "src/auth/session.ts", symbol: "createSession" });
    const human = await cli(["search", "login", "--repo", repo, "--mode", "lexical"], env);
    expect(human.out).toContain("src/auth/login.ts:");
  });

  it("goes through the host like any MCP caller: snippets are redacted and calls are audited", async () => {
    const secretRepo = makeFixtureRepo();
    const secretHome = mkdtempSync(join(tmpdir(), "rw-cli-audit-"));
    try {
      const token = `ghp_${"A1b2C3d4E5".repeat(4)}`;
      write(
        secretRepo,
        "src/deploy/credentials.ts",
        `export function deployCredentials() {\n  return { githubToken: "${token}" };\n}\n`,
      );
      const env = { REPOWRIGHT_HOME: secretHome, REPOWRIGHT_LOG_LEVEL: "silent", REPOWRIGHT_AUDIT: "on" };
      expect((await cli(["index", secretRepo, "--embedder", "none"], env)).code).toBe(0);
      const s = await cli(
        ["search", "deployCredentials", "--repo", secretRepo, "--mode", "lexical", "--json"],
        env,
      );
      expect(s.code).toBe(0);
      expect(s.out).toContain("src/deploy/credentials.ts");
      expect(s.out).not.toContain(token);
      expect(s.out).toContain("[REDACTED]");
      const audit = await cli(["audit", "--json"], env);
      expect(audit.code).toBe(0);
      const records = audit.out
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { tool: string; caller: string; outcome: string });
      expect(records.map((r) => r.tool).sort()).toEqual(["index_repository", "search_codebase"]);
      expect(records.every((r) => r.caller === "cli" && r.outcome === "ok")).toBe(true);
    } finally {
      rmSync(secretRepo, { recursive: true, force: true });
      rmSync(secretHome, { recursive: true, force: true });
    }
  });

  it("fails clearly on bad input", async () => {
    const env = { REPOWRIGHT_HOME: home, REPOWRIGHT_LOG_LEVEL: "silent" };
    const missing = await cli(["index", join(repo, "nope")], env);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("no such directory");
    const mode = await cli(["search", "x", "--repo", repo, "--mode", "fuzzy"], env);
    expect(mode.code).not.toBe(0);
    expect(mode.err).toContain("fuzzy");
    const other = mkdtempSync(join(tmpdir(), "rw-unindexed-"));
    const unindexed = await cli(["search", "x", "--repo", other], env);
    expect(unindexed.code).toBe(2);
    expect(unindexed.err).toContain("not indexed yet");
    rmSync(other, { recursive: true, force: true });
  });
});

describe("an index killed half-way", () => {
  it("is usable after the next run, with nothing duplicated", async () => {
    const repo = mkdtempSync(join(tmpdir(), "rw-kill-repo-"));
    const home = mkdtempSync(join(tmpdir(), "rw-kill-home-"));
    const fresh = mkdtempSync(join(tmpdir(), "rw-kill-fresh-"));
    try {
      writeHandlerModules(repo, 300);
      const killed = await killCliWhen(
        ["index", repo, "--embedder", "lsi"],
        { ...parentEnv(), REPOWRIGHT_HOME: home, REPOWRIGHT_LOG_LEVEL: "silent" },
        (err) => {
          const m = [...err.matchAll(/ (\d+)\/300/g)].at(-1);
          return m !== undefined && Number(m[1]) >= 100;
        },
      );
      expect(killed).toBe(true);

      const config = loadConfig({ env: { REPOWRIGHT_HOME: home } });
      const service = createCodeService(config, createWorkspace([tmpdir()]));
      const partial = await service.open(service.resolveRoot(repo));
      const partialFiles = (await partial?.stats())?.files ?? 0;
      expect(partialFiles).toBeGreaterThan(0);
      expect(partialFiles).toBeLessThan(300);
      const report = await service.index(repo, { embedder: "lsi" });
      expect(report.files_unchanged).toBe(partialFiles);
      expect(report.files_indexed).toBe(300 - partialFiles);
      const after = await (await service.require(repo)).stats();
      const hits = await service.search(repo, "handler_250_7", {
        k: 3,
        mode: "hybrid",
        granularity: "chunk",
      });
      expect(hits.results[0]).toMatchObject({ path: "pkg/mod_250.py", symbol: "handler_250_7" });
      await service.close();

      const clean = createCodeService(
        loadConfig({ env: { REPOWRIGHT_HOME: fresh } }),
        createWorkspace([tmpdir()]),
      );
      await clean.index(repo, { embedder: "lsi" });
      expect(after).toEqual(await (await clean.require(repo)).stats());
      await clean.close();
    } finally {
      for (const d of [repo, home, fresh]) rmSync(d, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("repowright index --watch", () => {
  it("re-indexes what changes on disk until stopped, so searches see new and removed code", async () => {
    const repo = makeFixtureRepo();
    const home = mkdtempSync(join(tmpdir(), "rw-watch-home-"));
    const env = { REPOWRIGHT_HOME: home, REPOWRIGHT_LOG_LEVEL: "silent" };
    const main = resolve(__dirname, "../../src/cli/main.ts");
    const child = spawn(process.execPath, ["--import", "tsx", main, "index", repo, "--watch"], {
      env: { ...parentEnv(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const waiters: { pattern: RegExp; done: () => void }[] = [];
    child.stdout.on("data", (d) => {
      out += d;
      for (const w of waiters.splice(0)) {
        if (w.pattern.test(out)) w.done();
        else waiters.push(w);
      }
    });
    const printed = (pattern: RegExp) =>
      new Promise<void>((done, fail) => {
        if (pattern.test(out)) return done();
        waiters.push({ pattern, done });
        child.once("exit", () => fail(new Error(`exited before printing ${pattern}; stdout: ${out}`)));
      });
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    try {
      await printed(/watching /);
      write(
        repo,
        "src/billing/refunds.ts",
        "export function issueRefund(orderId: string, cents: number) {\n  return { orderId, cents, refunded: true };\n}\n",
      );
      await printed(/re-indexed 1 changed, 0 removed/);
      const found = await cli(["search", "issueRefund", "--repo", repo, "--k", "1", "--json"], env);
      expect(JSON.parse(found.out).results[0]).toMatchObject({
        path: "src/billing/refunds.ts",
        symbol: "issueRefund",
      });

      rmSync(join(repo, "src/billing/refunds.ts"));
      await printed(/re-indexed 0 changed, 1 removed/);
      const gone = await cli(["search", "issueRefund", "--repo", repo, "--k", "5", "--json"], env);
      const paths = (JSON.parse(gone.out) as { results: { path: string }[] }).results.map((r) => r.path);
      expect(paths).not.toContain("src/billing/refunds.ts");

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      rmSync(repo, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});
