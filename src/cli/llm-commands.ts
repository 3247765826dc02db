/** `repowright emulate llm`: the scripted model server, to try agents without a model provider. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { AppError } from "../core/errors.js";
import { createLlmEmulator, type LlmScript } from "../emulators/llm/server.js";
import type { CliIo } from "./program.js";

export function registerLlmCommands(program: Command, io: CliIo): void {
  const emulate =
    program.commands.find((c) => c.name() === "emulate") ??
    program.command("emulate").description("Run a local emulator of an external service.");
  emulate
    .command("llm")
    .description(
      "Serve a scripted language model speaking the Anthropic Messages and OpenAI chat-completions protocols (streaming and tool calls included).",
    )
    .option("--port <number>", "port (0 picks a free one)", (v) => Number.parseInt(v, 10), 8792)
    .option("--host <address>", "bind address", "127.0.0.1")
    .option(
      "--script <file>",
      'JSON script: { "steps": [{ "reply": { "text", "tool_calls": [{ "name", "input" }] } } | { "fault": { "status", "retry_after_s", "delay_ms", "drop" } }], "fallback"?, "loop"? }',
    )
    .action(async (opts: { port: number; host: string; script?: string }) => {
      if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
        throw new AppError("bad_port", `--port must be 0-65535, got ${opts.port}`);
      }
      let script: LlmScript = {
        steps: [],
        fallback: { text: "(no script loaded: start with --script FILE)" },
      };
      if (opts.script) {
        try {
          script = JSON.parse(readFileSync(opts.script, "utf8")) as LlmScript;
        } catch (err) {
          throw new AppError("bad_script", `cannot read script ${opts.script}: ${(err as Error).message}`);
        }
        if (!Array.isArray(script.steps))
          throw new AppError("bad_script", `${opts.script} has no "steps" list`);
      }
      const emu = await createLlmEmulator({ port: opts.port, host: opts.host, script });
      io.stdout.write(
        `model emulator at ${emu.url} (${script.steps.length} scripted steps)\n` +
          `Anthropic: REPOWRIGHT_LLM_PROVIDER=anthropic REPOWRIGHT_LLM_BASE_URL=${emu.anthropicBaseUrl} REPOWRIGHT_LLM_API_KEY=any\n` +
          `OpenAI:    REPOWRIGHT_LLM_PROVIDER=openai REPOWRIGHT_LLM_BASE_URL=${emu.openaiBaseUrl} REPOWRIGHT_LLM_API_KEY=any\n`,
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await emu.close();
    });
}
