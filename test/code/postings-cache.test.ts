/**
 * A warm search keeps the posting lists of common terms in memory (postings-cache.ts). An index run that
 * adds or removes chunks with such a term must show in the next search, in both stores.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { createWorkspace } from "../../src/core/workspace.js";
import { type CodeService, createCodeService } from "../../src/toolsets/code/service.js";
import { write } from "./fixture.js";
import { dropSchema, PG_SKIP_MESSAGE, PG_URL, pgReachable, testPool, uniqueSchema } from "./pg.js";

const pgUp = await pgReachable();
if (!pgUp) console.warn(PG_SKIP_MESSAGE);

/** 300 files that all call the same helper: its term has a posting list long enough to be kept. */
function repoWithCommonTerm(): string {
  const root = mkdtempSync(join(tmpdir(), "rw-postcache-"));
  for (let i = 0; i < 300; i++)
    write(
      root,
      `src/m${i}.ts`,
      `export function handler${i}(x: number) {\n  return sharedHelper(x + ${i});\n}\n`,
    );
  return root;
}

const opts = { k: 50, mode: "lexical" as const, granularity: "chunk" as const };

async function checkReindexShows(service: CodeService, root: string) {
  await service.index(root, { embedder: "none" });
  const before = await service.search(root, "sharedHelper", opts);
  expect(before.results).toHaveLength(50);
  expect(before.results.every((h) => h.path.startsWith("src/m"))).toBe(true);
  // The same search again is answered from the kept lists, the same way.
  expect((await service.search(root, "sharedHelper", opts)).results).toEqual(before.results);

  // New files that use the helper, then an index run: the next search finds them.
  for (let i = 0; i < 5; i++)
    write(root, `added/n${i}.ts`, `export function added${i}() {\n  return sharedHelper(${i});\n}\n`);
  await service.index(root, { embedder: "none" });
  const after = await service.search(root, "sharedHelper", { ...opts, paths: ["added/**"] });
  expect(after.results.map((h) => h.path).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `added/n${i}.ts`));
}

describe("kept posting lists follow index updates", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("SQLite: a search after an index run sees the chunks it added", async () => {
    const home = mkdtempSync(join(tmpdir(), "rw-postcache-home-"));
    const root = repoWithCommonTerm();
    dirs.push(home, root);
    const service = createCodeService(
      loadConfig({ env: { REPOWRIGHT_HOME: home } }),
      createWorkspace([root]),
    );
    try {
      await checkReindexShows(service, root);
    } finally {
      await service.close();
    }
  }, 120_000);

  it.skipIf(!pgUp)(
    "PostgreSQL: a search after an index run sees the chunks it added",
    async () => {
      const schema = uniqueSchema();
      const pool = testPool();
      const home = mkdtempSync(join(tmpdir(), "rw-postcache-home-"));
      const root = repoWithCommonTerm();
      dirs.push(home, root);
      const config = loadConfig({
        env: {
          REPOWRIGHT_HOME: home,
          REPOWRIGHT_CODE_INDEX: "postgres",
          REPOWRIGHT_CODE_INDEX_URL: PG_URL,
          REPOWRIGHT_CODE_INDEX_SCHEMA: schema,
        },
      });
      const service = createCodeService(config, createWorkspace([root]), { pool });
      try {
        await checkReindexShows(service, root);
      } finally {
        await service.close();
        await pool.end();
        await dropSchema(schema);
      }
    },
    120_000,
  );
});
