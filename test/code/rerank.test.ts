/**
 * Re-ranking with a model (src/toolsets/code/rerank.ts) through search_codebase, against the scripted
 * model server: the model reads numbered outlines and its order becomes the result order; a failing model
 * or an unreadable answer leaves the retrieval order, said in `rerank.reason`.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLlmEmulator, type LlmEmulator } from "../../src/emulators/llm/server.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { makeFixtureRepo } from "./fixture.js";

interface Answer {
  results: { path: string; kind: string }[];
  rerank?: { by: string; reason?: string };
}

describe("search_codebase with a re-ranking model", () => {
  let app: TestApp;
  let llm: LlmEmulator;
  let repo: string;

  beforeAll(async () => {
    repo = makeFixtureRepo();
    llm = await createLlmEmulator();
    app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "code",
        REPOWRIGHT_LLM_API_KEY: "k",
        REPOWRIGHT_LLM_BASE_URL: llm.anthropicBaseUrl,
        REPOWRIGHT_LLM_CHEAP_MODEL: "scripted",
        REPOWRIGHT_LLM_MAX_RETRIES: "0",
      },
    });
    const indexed = await app.call("index_repository", { path: repo, embedder: "none" });
    expect(indexed.isError).toBe(false);
  });
  afterAll(async () => {
    await app?.close();
    await llm?.close();
    rmSync(repo, { recursive: true, force: true });
  });

  const search = async (extra: Record<string, unknown>) => {
    const r = await app.call("search_codebase", {
      path: repo,
      query: "where is a session created when a user logs in",
      granularity: "file",
      mode: "lexical",
      ...extra,
    });
    expect(r.isError).toBe(false);
    return r.data as Answer;
  };

  it("follows the model's order of the candidates it read, and keeps the rest after them", async () => {
    const plain = await search({ rerank: false });
    expect(plain.rerank).toBeUndefined();
    const paths = plain.results.map((h) => h.path);
    expect(paths.length).toBeGreaterThanOrEqual(3);
    const before = llm.requests.length;
    // The model puts the third candidate first and the first second; it names no others.
    llm.load({ steps: [{ reply: { text: '{"order": [3, 1]}' } }] });
    const ranked = await search({ rerank: true });
    expect(ranked.rerank).toEqual({ by: "model" });
    expect(ranked.results.map((h) => h.path)).toEqual([
      paths[2],
      paths[0],
      ...paths.filter((_, i) => i !== 0 && i !== 2),
    ]);
    // What it read: the query and each candidate's outline (its definitions with line ranges).
    expect(llm.requests.length).toBe(before + 1);
    const sent = JSON.stringify(llm.requests.at(-1)!.body);
    expect(sent).toContain("where is a session created");
    expect(sent).toContain(`[1] ${paths[0]}`);
    expect(sent).toMatch(/function createSession \(\d+-\d+\)/);
  });

  it("keeps the retrieval order when the model fails or names nothing", async () => {
    const plain = (await search({ rerank: false })).results.map((h) => h.path);
    llm.load({ steps: [{ fault: { status: 400 } }] });
    const failed = await search({ rerank: true });
    expect(failed.rerank?.by).toBe("retrieval");
    expect(failed.rerank?.reason).toMatch(/model call failed/);
    expect(failed.results.map((h) => h.path)).toEqual(plain);

    llm.load({ steps: [{ reply: { text: "I think the session file." } }] });
    const vague = await search({ rerank: true });
    expect(vague.rerank).toEqual({ by: "retrieval", reason: "the model's answer named no candidate" });
    expect(vague.results.map((h) => h.path)).toEqual(plain);
  });
});
