/**
 * Questions in plain words over a whole real codebase: this repository's own sources, docs, benches and
 * tests (everything but the test fixtures), copied as they are and indexed over MCP. Each question is
 * answered by one implementation file that docs and tests also talk about, in other words than the
 * question's. The answer must be among the first three files, and no doc, test or bench may rank above it
 * (another implementation file may: several modules can share a concern).
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";

const REPO = resolve(__dirname, "../..");

const QUESTIONS: { question: string; answer: string }[] = [
  { question: "how are secrets scrubbed from tool results and logs", answer: "src/core/redact.ts" },
  {
    question: "where is the JSON-RPC error code and HTTP status chosen for each error type",
    answer: "src/core/errors.ts",
  },
  {
    question: "how is the signature of a GitHub webhook delivery verified",
    answer: "src/webhooks/github.ts",
  },
  { question: "which glob patterns can a store key scan use", answer: "src/store/glob.ts" },
  { question: "how long does an idle HTTP session live before it expires", answer: "src/mcp/http.ts" },
];

/** Docs, tests and benches: the files that mention an implementation without being it. */
const notTheCode = (path: string) => /^(docs|test|bench)\/|\.md$/.test(path);

describe("plain-language questions over this whole repository", () => {
  let app: TestApp;
  let repo: string;

  beforeAll(async () => {
    repo = mkdtempSync(join(tmpdir(), "rw-code-questions-"));
    for (const dir of ["src", "docs", "bench", "test"]) {
      cpSync(join(REPO, dir), join(repo, dir), {
        recursive: true,
        filter: (src) => !src.startsWith(join(REPO, "test", "fixtures")) && !src.includes("node_modules"),
      });
    }
    cpSync(join(REPO, "README.md"), join(repo, "README.md"));
    app = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: "code" } });
    const r = await app.call("index_repository", { path: repo });
    expect(r.isError).toBe(false);
  }, 120_000);
  afterAll(async () => {
    await app.close();
    rmSync(repo, { recursive: true, force: true });
  });

  it.each(QUESTIONS)("$question -> $answer", async ({ question, answer }) => {
    const r = await app.call("search_codebase", { path: repo, query: question, granularity: "file", k: 10 });
    expect(r.isError).toBe(false);
    const files = (r.data as { results: { path: string }[] }).results.map((h) => h.path);
    const at = files.indexOf(answer);
    expect(at, `${answer} in ${files.join(", ")}`).toBeGreaterThanOrEqual(0);
    expect(at, `${answer} in ${files.join(", ")}`).toBeLessThan(3);
    expect(files.slice(0, at).filter(notTheCode)).toEqual([]);
  });
});
