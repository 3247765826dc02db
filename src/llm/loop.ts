/**
 * The tool-use loop every agent runs: ask the model, run the tools it calls, give it the results, until it
 * stops calling tools or the run's budget says stop. The tools are the agent's own (their names, schemas
 * and what they do are fixed by the agent, never by the text the model reads); a tool that fails answers
 * the model with the error, so it can correct itself.
 */
import { isToolError } from "../core/errors.js";
import { BudgetExceeded, type BudgetReason, RunAccount } from "./budget.js";
import { anySignal, type Model } from "./models.js";
import type { Message, ModelResponse, Part, ToolSpec } from "./types.js";

export interface LoopTool {
  spec: ToolSpec;
  /** The text the model gets back. Throw (a ToolError, ideally) to answer with an error. */
  run(input: Record<string, unknown>, signal: AbortSignal): Promise<string>;
  /** When this tool is called the loop ends after it runs (e.g. `finish`, `give_up`). */
  ends?: boolean;
}

export interface LoopOptions {
  model: Model;
  system?: string;
  messages: Message[];
  tools: readonly LoopTool[];
  account?: RunAccount;
  maxTokensPerTurn?: number;
  signal?: AbortSignal;
  /** Called after each model turn (for progress, logs, a transcript). */
  onTurn?: (response: ModelResponse, turn: number) => void | Promise<void>;
}

export type LoopEnd =
  | { kind: "finished" }
  | { kind: "tool_ended"; tool: string; input: Record<string, unknown>; output: string }
  | { kind: "budget"; reason: BudgetReason; message: string }
  | { kind: "max_tokens" };

export interface LoopResult {
  end: LoopEnd;
  messages: Message[];
  /** The model's last text. */
  text: string;
  account: RunAccount;
}

export async function runToolLoop(options: LoopOptions): Promise<LoopResult> {
  const account = options.account ?? new RunAccount();
  const ownAccount = options.account === undefined;
  const messages = [...options.messages];
  const byName = new Map(options.tools.map((t) => [t.spec.name, t]));
  const specs = options.tools.map((t) => t.spec);
  let text = "";
  try {
    for (;;) {
      let response: ModelResponse;
      try {
        response = await options.model.complete(
          {
            system: options.system,
            messages,
            tools: specs,
            maxTokens: options.maxTokensPerTurn ?? 4096,
          },
          { signal: options.signal, account, cache: false },
        );
      } catch (err) {
        if (err instanceof BudgetExceeded) return { end: budgetEnd(err), messages, text, account };
        throw err;
      }
      await options.onTurn?.(response, account.turns);
      messages.push({ role: "assistant", content: response.content });
      const said = response.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
      if (said) text = said;
      const calls = response.content.filter(
        (p): p is Extract<Part, { type: "tool_use" }> => p.type === "tool_use",
      );
      if (calls.length === 0) {
        return {
          end: response.stopReason === "max_tokens" ? { kind: "max_tokens" } : { kind: "finished" },
          messages,
          text,
          account,
        };
      }
      const results: Part[] = [];
      let ended: LoopEnd | undefined;
      for (const call of calls) {
        try {
          account.beforeToolCall();
        } catch (err) {
          if (err instanceof BudgetExceeded) return { end: budgetEnd(err), messages, text, account };
          throw err;
        }
        const tool = byName.get(call.name);
        let output: string;
        let isError = false;
        if (!tool) {
          output = `there is no tool "${call.name}"; the tools are: ${[...byName.keys()].join(", ")}`;
          isError = true;
        } else {
          try {
            output = await tool.run(call.input, anySignal(options.signal, account.signal));
          } catch (err) {
            if (err instanceof BudgetExceeded) return { end: budgetEnd(err), messages, text, account };
            if (!isToolError(err) && options.signal?.aborted) throw err;
            output = isToolError(err) ? `${err.type}: ${err.message}` : `error: ${(err as Error).message}`;
            isError = true;
          }
          if (tool.ends && !isError)
            ended ??= { kind: "tool_ended", tool: call.name, input: call.input, output };
        }
        results.push({
          type: "tool_result",
          tool_use_id: call.id,
          content: output,
          ...(isError ? { is_error: true } : {}),
        });
      }
      messages.push({ role: "user", content: results });
      if (ended) return { end: ended, messages, text, account };
    }
  } finally {
    if (ownAccount) account.end();
  }
}

function budgetEnd(err: BudgetExceeded): LoopEnd {
  return { kind: "budget", reason: err.reason, message: err.message };
}
