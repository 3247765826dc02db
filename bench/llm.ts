/**
 * Model-call overhead: the same Anthropic Messages call against the model emulator on loopback, sent with
 * the bare SDK client (the baseline) and through repowright's model (budget check, rate limiter in the
 * store, breaker, accounting, counters), in the same run, on the SQLite and (when reachable) Redis stores.
 * The ratio and the microseconds added per call are what the limiter and accounting cost.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { createApp } from "../src/app.js";
import { createLlmEmulator } from "../src/emulators/llm/server.js";
import { RunAccount } from "../src/llm/budget.js";
import { measure, table } from "./lib.js";

const N = Number(process.env["LLM_BENCH_CALLS"] ?? 2000);

export async function run(): Promise<void> {
  const emu = await createLlmEmulator({
    script: { steps: [], fallback: { text: "ok", usage: { input: 20, output: 2 } } },
  });
  const home = mkdtempSync(join(tmpdir(), "rw-bench-llm-"));
  const rows: (string | number)[][] = [];
  try {
    const sdk = new Anthropic({ apiKey: "bench", baseURL: emu.anthropicBaseUrl, maxRetries: 0 });
    const request = {
      messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "hi" }] }],
      maxTokens: 16,
    };
    const bare = () =>
      sdk.messages.create({
        model: "bench-model",
        max_tokens: 16,
        messages: [{ role: "user", content: "hi" }],
      });
    const redisUrl = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
    const redis = {
      REPOWRIGHT_STORE: "redis",
      REDIS_URL: redisUrl,
      REPOWRIGHT_REDIS_PREFIX: `rwbench:llm:${process.pid}:`,
    };
    // The limiter's log holds every call of the last window: a one-second window keeps it at the size a
    // busy real tier has (hundreds to a few thousand calls a minute).
    const limited = { REPOWRIGHT_LLM_RPM: "1000000", REPOWRIGHT_LLM_WINDOW_MS: "1000" };
    const stores: [string, Record<string, string>][] = [
      ["sqlite, no limiter", { REPOWRIGHT_LLM_RPM: "0" }],
      ["sqlite, limiter", limited],
      ["redis, limiter", { ...redis, ...limited }],
    ];
    for (const [kind, env] of stores) {
      const app = await createApp({
        env: {
          REPOWRIGHT_HOME: home,
          REPOWRIGHT_LOG_LEVEL: "silent",
          REPOWRIGHT_TOOLSETS: "memory",
          REPOWRIGHT_LLM_API_KEY: "bench",
          REPOWRIGHT_LLM_BASE_URL: emu.anthropicBaseUrl,
          REPOWRIGHT_LLM_MODEL: "bench-model",
          REPOWRIGHT_LLM_MAX_RETRIES: "0",
          REPOWRIGHT_LLM_PRICES: JSON.stringify({ "bench-model": { input: 3, output: 15 } }),
          ...env,
        },
      }).catch((err: unknown) => {
        process.stdout.write(`  ${kind}: skipped (${(err as Error).message})\n`);
        return undefined;
      });
      if (!app) continue;
      try {
        const model = app.clients.models.get("strong");
        const account = new RunAccount({ maxDollars: 1e9 });
        const ours = () => model.complete(request, { account });
        // Warm up both, then alternate short rounds so that drift hits both alike.
        for (let i = 0; i < 200; i++) {
          await bare();
          await ours();
        }
        let bareMs = 0;
        let oursMs = 0;
        for (let round = 0; round < 4; round++) {
          bareMs += (await measure(N / 4, bare)).p50;
          oursMs += (await measure(N / 4, ours)).p50;
        }
        bareMs /= 4;
        oursMs /= 4;
        rows.push([
          kind,
          bareMs,
          oursMs,
          `${((oursMs - bareMs) * 1000).toFixed(0)} us`,
          (bareMs / oursMs).toFixed(3),
        ]);
      } finally {
        await app.close();
      }
    }
  } finally {
    await emu.close();
    rmSync(home, { recursive: true, force: true });
  }
  process.stdout.write(`\n## llm: model call overhead (emulator on loopback, ${N} calls each, p50 ms)\n`);
  process.stdout.write(
    `${table(["setup", "bare SDK", "repowright", "added per call", "ratio bare/ours"], rows)}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
