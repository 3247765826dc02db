import { rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lsiEmbed, trainLsi } from "../../src/toolsets/code/lsi.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { makeFixtureRepo, write } from "./fixture.js";

/** A bag-of-words embedding into 64 dimensions: deterministic, and similar texts get similar vectors. */
function fakeEmbedding(text: string): number[] {
  const v = new Array<number>(64).fill(0);
  for (const w of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    let h = 0;
    for (const ch of w) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    v[h % 64]! += 1;
  }
  return v;
}

describe("OpenAI-compatible /embeddings embedder", () => {
  let server: Server;
  let app: TestApp;
  let repo: string;
  const seen: { auth: string | undefined; model: string; inputs: number }[] = [];
  let failNext = false;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => {
        body += d;
      });
      req.on("end", () => {
        if (req.method !== "POST" || req.url !== "/v1/embeddings") {
          res.writeHead(404).end();
          return;
        }
        if (failNext) {
          failNext = false;
          res.writeHead(500, { "content-type": "application/json" }).end('{"error":"boom"}');
          return;
        }
        const { model, input } = JSON.parse(body) as { model: string; input: string[] };
        seen.push({ auth: req.headers.authorization, model, inputs: input.length });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            object: "list",
            model,
            data: input
              .map((t, index) => ({ object: "embedding", index, embedding: fakeEmbedding(t) }))
              .reverse(),
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    repo = makeFixtureRepo();
    app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "code",
        REPOWRIGHT_EMBEDDER: "openai",
        REPOWRIGHT_EMBEDDING_URL: `http://127.0.0.1:${port}/v1`,
        REPOWRIGHT_EMBEDDING_MODEL: "fake-embed",
        REPOWRIGHT_EMBEDDING_API_KEY: "sk-test-123",
      },
    });
  });
  afterAll(async () => {
    await app.close();
    await new Promise((r) => server.close(r));
    rmSync(repo, { recursive: true, force: true });
  });

  it("embeds every chunk in batches, then only chunks whose content changed", async () => {
    const first = (await app.call("index_repository", { path: repo })).data as {
      vectors_embedded: number;
      embedder: string;
    };
    expect(first.embedder).toBe("openai:fake-embed");
    const sent = seen.reduce((a, s) => a + s.inputs, 0);
    expect(sent).toBe(first.vectors_embedded);
    expect(seen[0]).toMatchObject({ auth: "Bearer sk-test-123", model: "fake-embed" });

    // One function changes in a file of three chunks: only that chunk's text goes to the endpoint again.
    write(
      repo,
      "src/auth/login.ts",
      `import { createSession } from "./session.js";

/** Checks the password and calls createSession. */
export function login(user: string, password: string) {
  if (!password) throw new Error("login failed: the password is empty");
  return createSession(user);
}
`,
    );
    seen.length = 0;
    const second = (await app.call("index_repository", { path: repo })).data as { vectors_embedded: number };
    expect(second.vectors_embedded).toBeGreaterThan(1);
    expect(seen.reduce((a, s) => a + s.inputs, 0)).toBe(1);

    const hits = (
      await app.call("search_codebase", { path: repo, query: "password login failed", mode: "semantic" })
    ).data as { results: { path: string }[] };
    expect(hits.results[0]!.path).toBe("src/auth/login.ts");
  });

  it("reports an endpoint failure as a structured upstream error", async () => {
    write(repo, "src/new.ts", "export const brandNew = 1;\n");
    failNext = true;
    const r = await app.call("index_repository", { path: repo });
    expect(r.isError).toBe(true);
    expect(r.data).toMatchObject({ type: "upstream", status_code: 500 });
    expect(JSON.stringify(r.data)).not.toContain("sk-test-123");
    // The next run finishes the job.
    const again = (await app.call("index_repository", { path: repo })).data as { vectors_embedded: number };
    expect(again.vectors_embedded).toBeGreaterThan(0);
  });
});

describe("LSI", () => {
  it("puts terms that co-occur close together, so a query finds code with none of its words", () => {
    const docs: string[] = [];
    for (let i = 0; i < 40; i++) {
      docs.push(
        `def refresh_token_${i}(session): session expiry uses token_ttl and the ttl of the token ${i}`,
      );
      docs.push(`def render_chart_${i}(canvas): draw axis legend color plot canvas ${i}`);
      docs.push(`session expiry: a session expires after the ttl ${i}`);
      docs.push(`def parse_csv_${i}(reader): split rows columns delimiter quote ${i}`);
      docs.push(`def send_mail_${i}(smtp): recipient subject body attachment ${i}`);
    }
    const model = trainLsi(docs, { dim: 8 });
    const index = new Map(model.vocab.map((t, i) => [t, i]));
    const q = lsiEmbed(model, index, "session expiry");
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const ttl = lsiEmbed(model, index, "token_ttl");
    const chart = lsiEmbed(model, index, "legend color");
    expect(cos(q, ttl)).toBeGreaterThan(0.3);
    expect(cos(q, ttl)).toBeGreaterThan(cos(q, chart) + 0.3);
  });
});
