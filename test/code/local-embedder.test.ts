/**
 * The `local` embedder: a real ONNX model directory run by @huggingface/transformers on onnxruntime-node.
 * The model is built here by test/code/fixtures/tiny-onnx-model.py (Debian's python3-onnx): a 16-d token
 * embedding table with mean pooling, enough for real tokenization, inference, pooling and caching.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Embedder, LocalEmbedder } from "../../src/toolsets/code/embedders.js";
import { indexRepository } from "../../src/toolsets/code/indexer.js";
import { openSqliteIndex } from "../../src/toolsets/code/store.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { makeFixtureRepo, write } from "./fixture.js";

const BUILDER = join(import.meta.dirname, "fixtures", "tiny-onnx-model.py");

/** A python3 that can `import onnx` (pyenv's python3 may come first in PATH without Debian's packages). */
const python = ["python3", "/usr/bin/python3"].find(
  (p) => spawnSync(p, ["-c", "import onnx"], { stdio: "ignore" }).status === 0,
);
if (!python)
  console.warn(
    "local embedder tests skipped: no python3 with the onnx module (apt-get install python3-onnx)",
  );

function buildModel(): string {
  const dir = mkdtempSync(join(tmpdir(), "rw-onnx-model-"));
  const r = spawnSync(python!, [BUILDER, dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tiny-onnx-model.py failed: ${r.stderr}`);
  return dir;
}

describe.skipIf(!python)("local ONNX embedder (python3-onnx builds the model)", () => {
  let modelDir: string;
  let repo: string;
  let app: TestApp;

  beforeAll(async () => {
    modelDir = buildModel();
    repo = makeFixtureRepo();
    app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "code",
        REPOWRIGHT_EMBEDDER: "local",
        REPOWRIGHT_EMBEDDING_MODEL_DIR: modelDir,
      },
    });
  });
  afterAll(async () => {
    await app.close();
    rmSync(repo, { recursive: true, force: true });
    rmSync(modelDir, { recursive: true, force: true });
  });

  it("indexes a repository with the model and serves semantic search", async () => {
    const report = (await app.call("index_repository", { path: repo })).data as {
      vectors_embedded: number;
      embedder: string;
    };
    expect(report.embedder).toBe(`local:${modelDir}`);
    expect(report.vectors_embedded).toBeGreaterThan(3);

    const status = (await app.call("index_status", { path: repo })).data as { embedder: string };
    expect(status.embedder).toBe(`local:${modelDir}`);

    const hits = (
      await app.call("search_codebase", { path: repo, query: "password login failed", mode: "semantic" })
    ).data as { results: { path: string; score: number }[] };
    expect(hits.results.length).toBeGreaterThan(0);
    expect(hits.results[0]!.path).toBe("src/auth/login.ts");

    const hybrid = (await app.call("search_codebase", { path: repo, query: "session token expired", k: 3 }))
      .data as { results: { path: string }[] };
    expect(hybrid.results.map((r) => r.path)).toContain("src/auth/session.ts");
  });

  it("refuses to compare query vectors of another model directory with the index's", async () => {
    const other = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "code",
        REPOWRIGHT_HOME: app.home,
        REPOWRIGHT_EMBEDDER: "local",
        REPOWRIGHT_EMBEDDING_MODEL_DIR: join(modelDir, "elsewhere"),
      },
    });
    try {
      const r = await other.call("search_codebase", { path: repo, query: "password", mode: "semantic" });
      expect(r.isError).toBe(true);
      expect(r.data).toMatchObject({ type: "validation" });
      expect(JSON.stringify(r.data)).toContain(`local:${modelDir}`);
      const lexical = await other.call("search_codebase", { path: repo, query: "password", mode: "lexical" });
      expect(lexical.isError).toBe(false);
    } finally {
      await other.close();
    }
  });

  it("gives unit vectors, the same for the same text, in batches", async () => {
    const embedder = new LocalEmbedder({ modelDir, batchSize: 2 });
    const texts = ["login password", "render chart", "login password", "zzz unknown words", "session"];
    const vecs = await embedder.embed(texts);
    expect(vecs).toHaveLength(5);
    for (const v of vecs) {
      expect(v).toHaveLength(16);
      expect(Math.hypot(...v)).toBeCloseTo(1, 4);
    }
    expect(Array.from(vecs[2]!)).toEqual(Array.from(vecs[0]!));
    expect(Array.from(vecs[1]!)).not.toEqual(Array.from(vecs[0]!));
  });

  it("never embeds an unchanged chunk twice", async () => {
    const home = mkdtempSync(join(tmpdir(), "rw-local-home-"));
    const root = makeFixtureRepo();
    const inner = new LocalEmbedder({ modelDir });
    const sent: string[] = [];
    const counting: Embedder = {
      id: inner.id,
      cheap: inner.cheap,
      embed(texts, signal) {
        sent.push(...texts);
        return inner.embed(texts, signal);
      },
    };
    const index = openSqliteIndex(home, root, { create: true })!;
    try {
      const first = await indexRepository(index, { maxFileBytes: 200_000, embedder: counting });
      expect(sent).toHaveLength(first.vectors_embedded);

      // One function of a three-chunk file changes: only its chunk goes through the model again.
      write(
        root,
        "src/auth/login.ts",
        `import { createSession } from "./session.js";

/** Checks the password and calls createSession. */
export function login(user: string, password: string) {
  if (!password) throw new Error("login failed: the password is empty");
  return createSession(user);
}
`,
      );
      sent.length = 0;
      const second = await indexRepository(index, { maxFileBytes: 200_000, embedder: counting });
      expect(second.vectors_embedded).toBeGreaterThan(1);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toContain("the password is empty");

      sent.length = 0;
      const third = await indexRepository(index, { maxFileBytes: 200_000, embedder: counting });
      expect(third.files_indexed).toBe(0);
      expect(sent).toHaveLength(0);
    } finally {
      await index.close();
      rmSync(home, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("local embedder configuration errors", () => {
  let app: TestApp;
  let repo: string;
  beforeAll(() => {
    repo = makeFixtureRepo();
  });
  afterAll(async () => {
    await app?.close();
    rmSync(repo, { recursive: true, force: true });
  });

  it("reports a missing model directory as a structured validation error", async () => {
    const missing = join(tmpdir(), "rw-no-such-model-dir");
    app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "code",
        REPOWRIGHT_EMBEDDER: "local",
        REPOWRIGHT_EMBEDDING_MODEL_DIR: missing,
      },
    });
    const r = await app.call("index_repository", { path: repo });
    expect(r.isError).toBe(true);
    expect(r.data).toMatchObject({ type: "validation" });
    expect(JSON.stringify(r.data)).toContain("REPOWRIGHT_EMBEDDING_MODEL_DIR");
    expect(JSON.stringify(r.data)).toContain(missing);
  });

  it("asks for REPOWRIGHT_EMBEDDING_MODEL_DIR when it is not set", async () => {
    const bare = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: "code", REPOWRIGHT_EMBEDDER: "local" } });
    try {
      const r = await bare.call("index_repository", { path: repo });
      expect(r.isError).toBe(true);
      expect(r.data).toMatchObject({ type: "validation" });
      expect(JSON.stringify(r.data)).toContain("REPOWRIGHT_EMBEDDING_MODEL_DIR");
    } finally {
      await bare.close();
    }
  });
});
