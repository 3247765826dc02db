import { renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { makeFixtureRepo, write } from "./fixture.js";

interface Hit {
  path: string;
  start_line: number;
  end_line: number;
  symbol: string;
  kind: string;
  score: number;
  snippet: string;
  chunk_id: number;
}

describe("code toolset over MCP", () => {
  let app: TestApp;
  let repo: string;

  beforeAll(async () => {
    repo = makeFixtureRepo();
    app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "code",
        REPOWRIGHT_CODE_MAX_FILE_BYTES: "100000",
        REPOWRIGHT_CODE_LARGE_FILES_BYTES: "0",
      },
    });
  });
  afterAll(async () => {
    await app.close();
    rmSync(repo, { recursive: true, force: true });
  });

  const search = async (query: string, extra: Record<string, unknown> = {}) => {
    const r = await app.call("search_codebase", { path: repo, query, ...extra });
    expect(r.isError).toBe(false);
    return (r.data as { results: Hit[] }).results;
  };
  const status = async () =>
    (await app.call("index_status", { path: repo, skipped_limit: 100 })).data as {
      files: number;
      chunks: number;
      terms: number;
      vectors: number;
      skipped: { path: string; reason: string }[];
    };

  it("lists the six code tools with annotations", async () => {
    const { tools } = await app.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        "find_symbol",
        "get_code_chunk",
        "index_repository",
        "index_status",
        "read_file_range",
        "search_codebase",
      ].sort(),
    );
    expect(tools.find((t) => t.name === "search_codebase")!.annotations?.readOnlyHint).toBe(true);
    expect(tools.find((t) => t.name === "index_repository")!.annotations?.readOnlyHint).toBe(false);
  });

  it("says a repository is not indexed yet, with how to fix it", async () => {
    expect((await app.call("index_status", { path: repo })).data).toMatchObject({ indexed: false });
    const r = await app.call("search_codebase", { path: repo, query: "session" });
    expect(r.isError).toBe(true);
    expect(r.data).toMatchObject({ type: "not_found" });
    expect(JSON.stringify(r.data)).toContain("index_repository");
  });

  it("indexes with progress notifications and records why files were skipped", async () => {
    const progress: number[] = [];
    const result = await app.client.callTool(
      { name: "index_repository", arguments: { path: repo } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(result.isError).toBeFalsy();
    const report = JSON.parse((result.content as { text: string }[])[0]!.text) as Record<string, unknown>;
    expect(report).toMatchObject({
      files_indexed: 7,
      files_deleted: 0,
      embedder: expect.stringMatching(/^lsi:/),
    });
    expect(progress.length).toBeGreaterThan(0);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThan(progress[i - 1]!);
    const s = await status();
    const reasons = Object.fromEntries(s.skipped.map((x) => [x.path, x.reason]));
    expect(reasons).toMatchObject({
      "assets/logo.png": "binary",
      "data/blob.bin.txt": "binary",
      "node_modules/": "vendored directory",
      "package-lock.json": "generated: lockfile",
    });
    expect(reasons["big/huge.txt"]).toMatch(/^oversized/);
    // Ignored by .gitignore: neither indexed nor reported.
    expect(Object.keys(reasons).some((p) => p.startsWith("build") || p.endsWith(".log"))).toBe(false);
    expect(s.files).toBe(7);
    expect(s.vectors).toBe(s.chunks);
  });

  it("returns a symbol's definition first", async () => {
    for (const mode of ["lexical", "hybrid"]) {
      const hits = await search("createSession", { mode });
      expect(hits[0]).toMatchObject({
        path: "src/auth/session.ts",
        symbol: "createSession",
        kind: "function",
      });
    }
    const py = await search("evict_expired");
    expect(py[0]).toMatchObject({ path: "lib/cache.py", symbol: "ExpiringCache.evict_expired" });
  });

  it("filters by path globs and languages, and ranks files", async () => {
    const py = await search("expired ttl", { languages: ["python"] });
    expect(py.length).toBeGreaterThan(0);
    expect(py.every((h) => h.path.endsWith(".py"))).toBe(true);
    const ts = await search("expired ttl", { paths: ["src/**"] });
    expect(ts.every((h) => h.path.startsWith("src/"))).toBe(true);
    const files = await search("login fails for expired sessions", { granularity: "file", k: 3 });
    expect(files.map((f) => f.path)).toContain("src/auth/session.ts");
    expect(new Set(files.map((f) => f.path)).size).toBe(files.length);
  });

  it("serves semantic search from the repository's own LSI model", async () => {
    const hits = await search("session expiry time to live", { mode: "semantic", k: 5 });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => typeof h.score === "number")).toBe(true);
  });

  it("finds symbols by name and prefix, and reads chunks and line ranges", async () => {
    const exact = (await app.call("find_symbol", { path: repo, name: "isExpired" })).data as {
      definitions: { symbol: string; kind: string; path: string; chunk_id: number; start_line: number }[];
    };
    expect(exact.definitions).toEqual([
      expect.objectContaining({
        symbol: "SessionStore.isExpired",
        kind: "method",
        path: "src/auth/session.ts",
      }),
    ]);
    const prefix = (await app.call("find_symbol", { path: repo, name: "create", prefix: true })).data as {
      definitions: { symbol: string }[];
    };
    expect(prefix.definitions.map((d) => d.symbol)).toContain("createSession");
    const chunk = (await app.call("get_code_chunk", { path: repo, chunk_id: exact.definitions[0]!.chunk_id }))
      .data as {
      text: string;
    };
    expect(chunk.text).toContain("isExpired(id: string)");
    const range = (
      await app.call("read_file_range", { path: repo, file: "src/util/clock.ts", start_line: 2, end_line: 2 })
    ).data as { text: string; total_lines: number };
    expect(range.text).toBe("  return Math.floor(Date.now() / 1000);");
  });

  it("rejects bad input with structured errors and leaves the index as it was", async () => {
    const before = await status();
    const cases: [string, Record<string, unknown>, string][] = [
      ["index_repository", { path: join(repo, "does-not-exist") }, "not_found"],
      ["index_repository", { path: join(repo, "README.md") }, "validation"],
      ["search_codebase", { path: repo, query: "x".repeat(1024 * 1024) }, "validation"],
      ["search_codebase", { path: repo, query: "session", mode: "fuzzy" }, "validation"],
      ["search_codebase", { path: repo, query: "" }, "validation"],
      ["read_file_range", { path: repo, file: "assets/logo.png" }, "validation"],
      ["read_file_range", { path: repo, file: "../outside.txt" }, "validation"],
      ["read_file_range", { path: repo, file: "nope.ts" }, "not_found"],
      ["get_code_chunk", { path: repo, chunk_id: 999999 }, "not_found"],
    ];
    for (const [tool, args, type] of cases) {
      const r = await app.call(tool, args);
      expect(r.isError, `${tool} ${JSON.stringify(args).slice(0, 80)}`).toBe(true);
      expect(r.data).toMatchObject({ type });
    }
    expect(await status()).toEqual(before);
  });

  it("re-indexes only what changed; deleted and renamed files leave nothing stale", async () => {
    const again = (await app.call("index_repository", { path: repo })).data as Record<string, number>;
    expect(again).toMatchObject({ files_indexed: 0, files_unchanged: 7, files_deleted: 0 });

    write(
      repo,
      "src/util/clock.ts",
      "export function now(): number {\n  return 42;\n}\nexport function tomorrow() {\n  return now() + 86400;\n}\n",
    );
    const edited = (await app.call("index_repository", { path: repo })).data as Record<string, number>;
    expect(edited).toMatchObject({ files_indexed: 1, files_unchanged: 6 });
    expect((await search("tomorrow"))[0]).toMatchObject({ path: "src/util/clock.ts", symbol: "tomorrow" });

    renameSync(join(repo, "lib/cache.py"), join(repo, "lib/expiring_cache.py"));
    rmSync(join(repo, "cmd/server/main.go"));
    const moved = (await app.call("index_repository", { path: repo })).data as Record<string, number>;
    expect(moved).toMatchObject({ files_indexed: 1, files_deleted: 2 });
    const hits = await search("evict_expired startServer", { k: 20 });
    expect(hits.some((h) => h.path === "lib/cache.py" || h.path.endsWith("main.go"))).toBe(false);
    expect(hits[0]!.path).toBe("lib/expiring_cache.py");
    const s = await status();
    expect(s.files).toBe(6);
    expect(s.vectors).toBe(s.chunks);
    // Same chunk count as a fresh index of the same tree: nothing duplicated, nothing stale.
    const fresh = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "code",
        REPOWRIGHT_CODE_MAX_FILE_BYTES: "100000",
        REPOWRIGHT_CODE_LARGE_FILES_BYTES: "0",
      },
    });
    try {
      await fresh.call("index_repository", { path: repo });
      const f = (await fresh.call("index_status", { path: repo })).data as {
        files: number;
        chunks: number;
        terms: number;
      };
      expect({ files: s.files, chunks: s.chunks, terms: s.terms }).toEqual({
        files: f.files,
        chunks: f.chunks,
        terms: f.terms,
      });
    } finally {
      await fresh.close();
    }
  });

  it("indexes files named after Object's own properties (constructor, toString, __proto__)", async () => {
    const other = makeFixtureRepo();
    try {
      write(other, "constructor", "the constructor notes: frobnicate the widgets\n");
      write(other, "toString", "toString notes\n");
      write(other, "lib/__proto__.py", "def frobnicate_prototype():\n    return 1\n");
      write(other, "x.hasOwnProperty", "plain text\n");
      const r = await app.call("index_repository", { path: other });
      expect(r.isError).toBe(false);
      const hits = await app.call("search_codebase", {
        path: other,
        query: "frobnicate",
        granularity: "file",
      });
      const paths = (hits.data as { results: Hit[] }).results.map((h) => h.path);
      expect(paths).toEqual(expect.arrayContaining(["constructor", "lib/__proto__.py"]));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("keeps the index out of the repository", async () => {
    const s = (await app.call("index_status", { path: repo })).data as { index_location: string };
    expect(s.index_location.startsWith(app.home)).toBe(true);
  });
});
