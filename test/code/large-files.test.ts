/**
 * Files over REPOWRIGHT_CODE_MAX_FILE_BYTES (TypeScript's own lib.es5.d.ts, 218 kB, over a 64 kB limit here
 * to keep the test fast; lib.dom.d.ts and typescript.js over the default 1 MiB go the same way) are indexed in line
 * windows within REPOWRIGHT_CODE_LARGE_FILES_BYTES, in path order; what does not fit is skipped with the
 * reason recorded.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { write } from "./fixture.js";

const LIB = resolve(__dirname, "../../node_modules/typescript/lib/lib.es5.d.ts");
const LIMIT = 64 * 1024;

describe("large files in windows", () => {
  let app: TestApp;
  let repo: string;
  const size = statSync(LIB).size;

  beforeAll(async () => {
    repo = mkdtempSync(join(tmpdir(), "rw-code-large-"));
    mkdirSync(join(repo, "a"), { recursive: true });
    mkdirSync(join(repo, "b"), { recursive: true });
    copyFileSync(LIB, join(repo, "a/lib.es5.d.ts"));
    copyFileSync(LIB, join(repo, "b/lib.es5.d.ts"));
    write(repo, "src/canvas.ts", "export function drawLine(ctx: unknown) {\n  return ctx;\n}\n");
    // The budget holds one copy, not two: the first in path order is indexed, the second skipped.
    app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "code",
        REPOWRIGHT_EMBEDDER: "none",
        REPOWRIGHT_CODE_MAX_FILE_BYTES: String(LIMIT),
        REPOWRIGHT_CODE_LARGE_FILES_BYTES: String(Math.floor(size * 1.5)),
      },
    });
  }, 30_000);
  afterAll(async () => {
    await app.close();
    rmSync(repo, { recursive: true, force: true });
  });

  it("indexes a file over the size limit in windows and finds what is deep inside it", async () => {
    const r = await app.call("index_repository", { path: repo });
    expect(r.isError).toBe(false);
    expect(r.data).toMatchObject({ files_indexed: 2, files_skipped: 1 });
    const status = (await app.call("index_status", { path: repo })).data as {
      skipped: { path: string; reason: string }[];
    };
    expect(status.skipped).toEqual([
      {
        path: "b/lib.es5.d.ts",
        reason: expect.stringMatching(/^oversized: \d+ bytes > 65536, and the large-file budget/),
      },
    ]);
    const found = await app.call("search_codebase", {
      path: repo,
      query: "ArrayBuffer byteLength slice",
      mode: "lexical",
      k: 3,
    });
    const hits = (
      found.data as { results: { path: string; start_line: number; end_line: number; kind: string }[] }
    ).results;
    expect(hits[0]).toMatchObject({ path: "a/lib.es5.d.ts", kind: "lines" });
    // A window, not the whole file, and far past the first 64 kB.
    expect(hits[0]!.end_line - hits[0]!.start_line).toBeLessThan(100);
    expect(hits[0]!.start_line).toBeGreaterThan(1500);
  }, 60_000);
});
