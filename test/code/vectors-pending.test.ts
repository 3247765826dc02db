/**
 * The lexical index is searchable before the vectors are: index_repository can answer at that point
 * (`vectors: pending`) and build the vectors in the background, searches meanwhile rank lexically and say
 * so, and an index killed while its vectors were being trained is a valid lexical index whose next run
 * finishes them. Once ready, the results are those of an index built in one go.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { createWorkspace } from "../../src/core/workspace.js";
import { type CodeService, createCodeService } from "../../src/toolsets/code/service.js";
import { startTestApp } from "../helpers/app.js";
import { killCliWhen } from "../helpers/cli.js";
import { parentEnv } from "../helpers/env.js";
import { writeHandlerModules } from "./fixture.js";

const FILES = 300;
const QUERIES = ["handler_250_7", "request kind 3 of module 12", "value_9"];

interface Hit {
  path: string;
  symbol: string;
  start_line: number;
}

const serviceAt = (home: string) =>
  createCodeService(loadConfig({ env: { REPOWRIGHT_HOME: home } }), createWorkspace([tmpdir()]));

async function hybrid(service: CodeService, repo: string, query: string): Promise<Hit[]> {
  const { results } = await service.search(repo, query, { k: 10, mode: "hybrid", granularity: "chunk" });
  return results.map((h) => ({ path: h.path, symbol: h.symbol, start_line: h.start_line }));
}

describe("vectors after the lexical index", () => {
  let repo: string;
  let reference: string;
  let built: CodeService;
  beforeAll(async () => {
    repo = mkdtempSync(join(tmpdir(), "rw-vec-repo-"));
    writeHandlerModules(repo, FILES);
    // The same repository indexed in one go, waiting for its vectors.
    reference = mkdtempSync(join(tmpdir(), "rw-vec-ref-"));
    built = serviceAt(reference);
    const report = await built.index(repo, { embedder: "lsi", vectors: "wait" });
    expect(report.vectors).toBe("ready");
    expect(report.searchable_ms).toBeLessThanOrEqual(report.duration_ms);
  }, 120_000);
  afterAll(async () => {
    await built.close();
    for (const d of [repo, reference]) rmSync(d, { recursive: true, force: true });
  });

  it("index_repository answers once searchable; searches say vectors are pending until they are ready", async () => {
    const app = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: "code" } });
    try {
      const indexed = await app.call("index_repository", {
        path: repo,
        embedder: "lsi",
        vectors: "background",
      });
      expect(indexed.isError).toBe(false);
      expect(indexed.data).toMatchObject({ files_indexed: FILES, vectors: "pending", vectors_embedded: 0 });
      // A run started now waits for the background phase instead of failing as "in progress".
      const again = (await app.call("index_repository", { path: repo, embedder: "lsi" })).data;
      expect(again).toMatchObject({ files_unchanged: FILES, vectors: "ready", vectors_embedded: 0 });
      const ready = (await app.call("index_status", { path: repo })).data as Record<string, unknown>;
      expect(ready).toMatchObject({ files: FILES, vectors_state: "ready" });
      expect(ready["vectors"]).toBe(ready["chunks"]);
      const late = (await app.call("search_codebase", { path: repo, query: "handler_250_7", k: 3 })).data as {
        vectors_state?: string;
      };
      expect(late.vectors_state).toBeUndefined();

      // Same answers as the index built in one go.
      for (const query of QUERIES) {
        const r = (await app.call("search_codebase", { path: repo, query, k: 10 })).data as {
          results: Hit[];
        };
        expect(
          r.results.map((h) => ({ path: h.path, symbol: h.symbol, start_line: h.start_line })),
          query,
        ).toEqual(await hybrid(built, repo, query));
      }
    } finally {
      await app.close();
    }
  }, 180_000);

  it("an index killed while training its vectors is searchable lexically and finishes them on the next run", async () => {
    const home = mkdtempSync(join(tmpdir(), "rw-vec-kill-"));
    try {
      const killed = await killCliWhen(
        ["index", repo, "--embedder", "lsi"],
        { ...parentEnv(), REPOWRIGHT_HOME: home, REPOWRIGHT_LOG_LEVEL: "silent" },
        (err) => /training LSI model/.test(err),
      );
      expect(killed).toBe(true);

      // What a client sees of that index: searchable, hybrid ranked lexically and saying so.
      const app = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: "code", REPOWRIGHT_HOME: home } });
      try {
        const status = (await app.call("index_status", { path: repo })).data as Record<string, unknown>;
        // Killed at the start of training: no vector yet (unless the machine stalled this test long enough).
        expect(status).toMatchObject({ indexed: true, files: FILES, vectors_state: "pending" });
        expect(status["vectors"] as number).toBeLessThan(status["chunks"] as number);
        const early = await app.call("search_codebase", { path: repo, query: "handler_250_7", k: 3 });
        expect(early.isError).toBe(false);
        expect(early.data).toMatchObject({
          vectors_state: "pending",
          results: [{ path: "pkg/mod_250.py", symbol: "handler_250_7" }, {}, {}],
        });
        const semantic = await app.call("search_codebase", {
          path: repo,
          query: "handler",
          mode: "semantic",
        });
        expect(semantic.isError).toBe(true);
        expect(JSON.stringify(semantic.data)).toContain("still being built");

        // The next run reads no file again and finishes the vectors.
        const report = (await app.call("index_repository", { path: repo, embedder: "lsi", vectors: "wait" }))
          .data as Record<string, unknown>;
        expect(report).toMatchObject({ files_unchanged: FILES, files_indexed: 0, vectors: "ready" });
        const done = (await app.call("index_status", { path: repo })).data as Record<string, unknown>;
        expect(done).toMatchObject({ vectors_state: "ready" });
        expect(report["vectors_embedded"]).toBe(done["chunks"]);
      } finally {
        await app.close();
      }
      const service = serviceAt(home);
      try {
        expect(await (await service.require(repo)).stats()).toEqual(
          await (await built.require(repo)).stats(),
        );
        for (const query of QUERIES)
          expect(await hybrid(service, repo, query), query).toEqual(await hybrid(built, repo, query));
      } finally {
        await service.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 180_000);
});
