/**
 * The PostgreSQL code index through the public tools: index_repository then search_codebase on one app
 * with REPOWRIGHT_CODE_INDEX=postgres, and two apps ("replicas", each with its own data dir) sharing the
 * index: one indexes, the other searches without ever indexing and sees the first one's updates; and the
 * CLI (`repowright index` / `search`) on the same index.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { runCliCaptured } from "../helpers/cli.js";
import { makeFixtureRepo, write } from "./fixture.js";
import { dropSchema, PG_SKIP_MESSAGE, pgReachable, uniqueSchema } from "./pg.js";

const pgUp = await pgReachable();
if (!pgUp) console.warn(PG_SKIP_MESSAGE);

interface Hit {
  path: string;
  symbol: string;
  chunk_id: number;
}

describe.skipIf(!pgUp)("code index on PostgreSQL through the tools", () => {
  const schema = uniqueSchema();
  // Trust auth ignores the password; it is there to show it never reaches a tool's answer.
  const env = {
    REPOWRIGHT_TOOLSETS: "code",
    REPOWRIGHT_CODE_INDEX: "postgres",
    REPOWRIGHT_CODE_INDEX_URL: "postgres://postgres:pw-not-to-show@127.0.0.1:5432/test",
    REPOWRIGHT_CODE_INDEX_SCHEMA: schema,
    REPOWRIGHT_CODE_LARGE_FILES_BYTES: "0",
  };
  let writer: TestApp;
  let reader: TestApp;
  let repo: string;

  beforeAll(async () => {
    repo = makeFixtureRepo();
    writer = await startTestApp({ env });
    reader = await startTestApp({ env });
  });
  afterAll(async () => {
    await writer?.close();
    await reader?.close();
    rmSync(repo, { recursive: true, force: true });
    await dropSchema(schema);
  });

  const search = async (app: TestApp, query: string) => {
    const r = await app.call("search_codebase", { path: repo, query, k: 5 });
    expect(r.isError, JSON.stringify(r.data)).toBe(false);
    return (r.data as { results: Hit[] }).results;
  };

  it("indexes with index_repository and answers search_codebase, find_symbol and get_code_chunk", async () => {
    const r = await writer.call("index_repository", { path: repo });
    expect(r.isError, JSON.stringify(r.data)).toBe(false);
    expect(r.data).toMatchObject({ embedder: expect.stringMatching(/^lsi:/) });
    expect((r.data as { files_indexed: number }).files_indexed).toBeGreaterThan(2);

    const hits = await search(writer, "createSession");
    expect(hits[0]).toMatchObject({ path: "src/auth/session.ts", symbol: "createSession" });
    const chunk = await writer.call("get_code_chunk", { path: repo, chunk_id: hits[0]!.chunk_id });
    expect(chunk.data).toMatchObject({
      path: "src/auth/session.ts",
      text: expect.stringContaining("TOKEN_TTL"),
    });
    const defs = await writer.call("find_symbol", { path: repo, name: "SessionStore.isExpired" });
    expect(defs.data).toMatchObject({ definitions: [{ path: "src/auth/session.ts" }] });

    const status = await writer.call("index_status", { path: repo });
    expect(status.data).toMatchObject({
      indexed: true,
      index_backend: "postgres",
      embedder: expect.stringMatching(/^lsi:/),
    });
    expect((status.data as { index_location: string }).index_location).toContain(`schema ${schema}`);
    expect(JSON.stringify(status.data)).not.toContain("pw-not-to-show");
  });

  it("lets another replica search the shared index without indexing, and see later updates", async () => {
    // The reader never ran index_repository: its own data dir holds no index at all.
    const first = await search(reader, "createSession");
    expect(first[0]).toMatchObject({ path: "src/auth/session.ts", symbol: "createSession" });
    expect((await reader.call("index_status", { path: repo })).data).toMatchObject({ indexed: true });

    write(
      repo,
      "src/billing/refund.ts",
      "/** Refunds an invoice. */\nexport function refundInvoice(id: string) {\n  return id;\n}\n",
    );
    expect(await search(reader, "refundInvoice")).not.toContainEqual(
      expect.objectContaining({ symbol: "refundInvoice" }),
    );
    const again = await writer.call("index_repository", { path: repo });
    expect(again.data).toMatchObject({ files_indexed: 1 });
    // The reader's cached chunk table is from an older generation: it reloads and finds the new file.
    const after = await search(reader, "refundInvoice");
    expect(after[0]).toMatchObject({ path: "src/billing/refund.ts", symbol: "refundInvoice" });
  });

  it("serves the CLI from the same shared index, and names a missing URL as a user error", async () => {
    const cliEnv = { ...env, REPOWRIGHT_HOME: writer.home, REPOWRIGHT_LOG_LEVEL: "silent" };
    const s = await runCliCaptured(["search", "refundInvoice", "--repo", repo, "--k", "1", "--json"], cliEnv);
    expect(s.code, s.err).toBe(0);
    expect(JSON.parse(s.out)).toMatchObject({ results: [{ path: "src/billing/refund.ts" }] });
    const idx = await runCliCaptured(["index", repo], cliEnv);
    expect(idx.code, idx.err).toBe(0);
    expect(idx.out).toMatch(/0 files \(re\)indexed/);
    const noUrl = await runCliCaptured(["search", "x", "--repo", repo], {
      ...cliEnv,
      REPOWRIGHT_CODE_INDEX_URL: undefined,
    });
    expect(noUrl.code).toBe(2);
    expect(noUrl.err).toContain("REPOWRIGHT_CODE_INDEX_URL");
  });
});
