/**
 * The agents' models through the real Anthropic and OpenAI SDK clients, against the scripted model
 * emulator on loopback: a tool-using conversation on both wire protocols (streaming too), a 429 with
 * retry-after waited out, a rate-limit tier that 20 concurrent callers never exceed, budgets that stop a
 * run exactly, accounting in dollars and Prometheus counters, and the response cache.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLlmEmulator, type LlmEmulator } from "../../src/emulators/llm/server.js";
import { RunAccount } from "../../src/llm/budget.js";
import { type LoopTool, runToolLoop } from "../../src/llm/loop.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

const ADD: LoopTool = {
  spec: {
    name: "add",
    description: "Add two numbers.",
    input_schema: {
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"],
    },
  },
  async run(input) {
    return String(Number(input["a"]) + Number(input["b"]));
  },
};

describe("models through the real SDKs and the model emulator", () => {
  let emu: LlmEmulator;
  const apps: TestApp[] = [];
  const start = async (env: Record<string, string>) => {
    const app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "memory",
        REPOWRIGHT_LLM_API_KEY: "test-key",
        REPOWRIGHT_LLM_MAX_RETRIES: "2",
        ...env,
      },
    });
    apps.push(app);
    return app;
  };
  beforeAll(async () => {
    emu = await createLlmEmulator();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await emu.close();
  });

  for (const provider of ["anthropic", "openai"] as const) {
    for (const stream of [false, true]) {
      it(`${provider}${stream ? " (streaming)" : ""}: a tool-using conversation`, async () => {
        const app = await start({
          REPOWRIGHT_LLM_PROVIDER: provider,
          REPOWRIGHT_LLM_BASE_URL: provider === "anthropic" ? emu.anthropicBaseUrl : emu.openaiBaseUrl,
          REPOWRIGHT_LLM_PRICES: JSON.stringify({ "model-strong": { input: 3, output: 15 } }),
          REPOWRIGHT_LLM_MODEL: "model-strong",
        });
        emu.load({
          steps: [
            {
              reply: {
                text: "Let me add.",
                tool_calls: [{ name: "add", input: { a: 2, b: 40 } }],
                usage: { input: 100, output: 20 },
              },
            },
            { reply: { text: "The sum is 42.", usage: { input: 150, output: 10 } } },
          ],
        });
        const before = emu.requests.length;
        const streamed: string[] = [];
        const model = app.clients.models.get("strong");
        const result = await runToolLoop({
          model: stream
            ? {
                ...model,
                complete: (req, o) =>
                  model.complete({ ...req, stream: true, onText: (t) => streamed.push(t) }, o),
              }
            : model,
          system: "You add numbers.",
          messages: [{ role: "user", content: [{ type: "text", text: "What is 2 + 40?" }] }],
          tools: [ADD],
        });
        expect(result.end).toEqual({ kind: "finished" });
        expect(result.text).toBe("The sum is 42.");
        const sent = emu.requests.slice(before);
        expect(sent.map((r) => [r.protocol, r.model, r.stream])).toEqual([
          [provider, "model-strong", stream],
          [provider, "model-strong", stream],
        ]);
        // The second request carries the tool's result, in the protocol's own shape.
        const second = JSON.stringify(sent[1]!.body["messages"]);
        expect(second).toContain(provider === "anthropic" ? '"type":"tool_result"' : '"role":"tool"');
        expect(second).toContain('"42"');
        if (stream) expect(streamed.join("")).toContain("The sum is 42.");
        // Accounting: 250 in, 30 out at $3 / $15 per million.
        expect(result.account.snapshot()).toMatchObject({
          turns: 2,
          tool_calls: 1,
          input_tokens: 250,
          output_tokens: 30,
        });
        expect(result.account.dollars).toBeCloseTo((250 * 3 + 30 * 15) / 1e6, 9);
        const metrics = await app.host.metrics.registry.getSingleMetricAsString(
          "repowright_llm_tokens_used_total",
        );
        expect(metrics).toContain('repowright_llm_tokens_used_total{model="model-strong",kind="input"} 250');
      });
    }
  }

  it("waits out a 429 with retry-after", async () => {
    const app = await start({
      REPOWRIGHT_LLM_BASE_URL: emu.anthropicBaseUrl,
      REPOWRIGHT_LLM_PROVIDER: "anthropic",
    });
    emu.load({ steps: [{ fault: { status: 429, retry_after_s: 1 } }, { reply: { text: "fine" } }] });
    const before = emu.requests.length;
    const res = await app.clients.models
      .get("cheap")
      .complete({ messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }], maxTokens: 10 });
    expect(res.content).toEqual([{ type: "text", text: "fine" }]);
    const sent = emu.requests.slice(before);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it("20 concurrent callers never exceed a tier of 5 requests per window, and none fails for it", async () => {
    const app = await start({
      REPOWRIGHT_LLM_PROVIDER: "openai",
      REPOWRIGHT_LLM_BASE_URL: emu.openaiBaseUrl,
      REPOWRIGHT_LLM_RPM: "5",
      REPOWRIGHT_LLM_WINDOW_MS: "1000",
    });
    emu.load({ steps: [], fallback: { text: "ok" } });
    const before = emu.requests.length;
    const model = app.clients.models.get("cheap");
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        model.complete({
          messages: [{ role: "user", content: [{ type: "text", text: `call ${i}` }] }],
          maxTokens: 5,
        }),
      ),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const sent = emu.requests.slice(before).map((r) => r.at);
    expect(sent).toHaveLength(20);
    let most = 0;
    for (let i = 0; i < sent.length; i++)
      most = Math.max(most, sent.filter((t) => t >= sent[i]! && t < sent[i]! + 1000).length);
    expect(most).toBeLessThanOrEqual(5);
  });

  it("a budget of 3 turns stops the run at 3 model calls, and a tool-call budget stops it too", async () => {
    const app = await start({ REPOWRIGHT_LLM_BASE_URL: emu.anthropicBaseUrl });
    emu.load({ steps: [{ reply: { tool_calls: [{ name: "add", input: { a: 1, b: 1 } }] } }], loop: true });
    const before = emu.requests.length;
    const turns = await runToolLoop({
      model: app.clients.models.get("strong"),
      messages: [{ role: "user", content: [{ type: "text", text: "keep adding" }] }],
      tools: [ADD],
      account: new RunAccount({ maxTurns: 3 }),
    });
    expect(turns.end).toMatchObject({ kind: "budget", reason: "turns" });
    expect(emu.requests.length - before).toBe(3);

    const calls = await runToolLoop({
      model: app.clients.models.get("strong"),
      messages: [{ role: "user", content: [{ type: "text", text: "keep adding" }] }],
      tools: [ADD],
      account: new RunAccount({ maxToolCalls: 2 }),
    });
    expect(calls.end).toMatchObject({ kind: "budget", reason: "tool_calls" });
    expect(calls.account.toolCalls).toBe(2);
  });

  it("answers a repeated request from the cache when one is configured", async () => {
    const app = await start({
      REPOWRIGHT_LLM_BASE_URL: emu.anthropicBaseUrl,
      REPOWRIGHT_LLM_CACHE_TTL_S: "60",
    });
    emu.load({ steps: [{ reply: { text: "first" } }, { reply: { text: "second" } }] });
    const before = emu.requests.length;
    const ask = () =>
      app.clients.models
        .get("cheap")
        .complete({ messages: [{ role: "user", content: [{ type: "text", text: "same" }] }], maxTokens: 10 });
    expect((await ask()).content).toEqual([{ type: "text", text: "first" }]);
    // The cache write is not awaited: give it a moment.
    await new Promise((r) => setTimeout(r, 50));
    expect((await ask()).content).toEqual([{ type: "text", text: "first" }]);
    expect(emu.requests.length - before).toBe(1);
  });

  it("says what to configure when there is no API key", async () => {
    const app = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: "memory" } });
    apps.push(app);
    expect(() => app.clients.models.get("strong")).toThrow(/REPOWRIGHT_LLM_API_KEY/);
  });
});
