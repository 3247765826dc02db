/**
 * Budgets of one agent run, enforced outside the model loop and failing closed: before every model turn
 * and every tool call the run's account is checked, and a run over any limit stops with that reason. The
 * wall-time limit is also an AbortSignal, so a call in flight is cancelled when the time is up.
 */
import { ToolError } from "../core/errors.js";
import type { Usage } from "./types.js";

export interface Budget {
  maxTurns?: number;
  /** Input plus output tokens. */
  maxTokens?: number;
  maxDollars?: number;
  maxWallMs?: number;
  maxToolCalls?: number;
}

export type BudgetReason = "turns" | "tokens" | "dollars" | "wall_time" | "tool_calls";

export class BudgetExceeded extends ToolError {
  constructor(
    readonly reason: BudgetReason,
    message: string,
  ) {
    super("validation", message, { details: { budget: reason } });
    this.name = "BudgetExceeded";
  }
}

/** What a run has used so far, and its limits. */
export class RunAccount {
  turns = 0;
  toolCalls = 0;
  inputTokens = 0;
  outputTokens = 0;
  cachedTokens = 0;
  dollars = 0;
  readonly startedAt = Date.now();
  readonly signal: AbortSignal;
  private readonly timer: AbortController;
  private clock: NodeJS.Timeout | undefined;

  constructor(readonly budget: Budget = {}) {
    this.timer = new AbortController();
    if (budget.maxWallMs !== undefined) {
      this.clock = setTimeout(
        () => this.timer.abort(new BudgetExceeded("wall_time", `the run used its ${budget.maxWallMs} ms`)),
        budget.maxWallMs,
      );
      this.clock.unref();
    }
    this.signal = this.timer.signal;
  }

  /** Throws BudgetExceeded when another model turn would go over a limit. */
  beforeTurn(): void {
    const b = this.budget;
    if (this.signal.aborted) throw this.signal.reason;
    if (b.maxTurns !== undefined && this.turns >= b.maxTurns)
      throw new BudgetExceeded("turns", `the run used its ${b.maxTurns} model turns`);
    if (b.maxTokens !== undefined && this.inputTokens + this.outputTokens >= b.maxTokens)
      throw new BudgetExceeded(
        "tokens",
        `the run used ${this.inputTokens + this.outputTokens} of ${b.maxTokens} tokens`,
      );
    if (b.maxDollars !== undefined && this.dollars >= b.maxDollars)
      throw new BudgetExceeded("dollars", `the run spent $${this.dollars.toFixed(4)} of $${b.maxDollars}`);
  }

  /** Throws BudgetExceeded when another tool call would go over the limit; else counts it. */
  beforeToolCall(): void {
    if (this.signal.aborted) throw this.signal.reason;
    const max = this.budget.maxToolCalls;
    if (max !== undefined && this.toolCalls >= max)
      throw new BudgetExceeded("tool_calls", `the run made its ${max} tool calls`);
    this.toolCalls++;
  }

  charge(usage: Usage, dollars: number): void {
    this.turns++;
    this.inputTokens += usage.inputTokens;
    this.outputTokens += usage.outputTokens;
    this.cachedTokens += usage.cachedTokens;
    this.dollars += dollars;
  }

  /** Stops the wall-time clock (the run is over). */
  end(): void {
    if (this.clock) clearTimeout(this.clock);
  }

  snapshot() {
    return {
      turns: this.turns,
      tool_calls: this.toolCalls,
      input_tokens: this.inputTokens,
      output_tokens: this.outputTokens,
      cached_tokens: this.cachedTokens,
      dollars: Number(this.dollars.toFixed(6)),
      wall_ms: Date.now() - this.startedAt,
    };
  }
}
