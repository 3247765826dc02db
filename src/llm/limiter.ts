/**
 * A rate limiter per model with the providers' tiers: requests, input tokens and output tokens per window
 * (a minute). It keeps a log of what was sent in the last window in the store, updated with
 * compare-and-set, so every replica on one Redis shares it: N replicas together stay inside one tier. A
 * caller over the limit waits (abortably) until the oldest entry leaves the window; nobody fails for it.
 *
 * The log is exact over any sliding window (not fixed windows, which let twice the limit through around
 * a boundary), and conservative where the provider's clock matters: the provider counts a request when it
 * arrives, somewhere between our admission and its answer, so an entry counts from its admission until
 * its answer and then for a whole window more. Input tokens are counted by an estimate when the request
 * is admitted and corrected with what the provider reports; output tokens are added with the answer.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Store } from "../store/types.js";

export interface Tier {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  windowMs: number;
  /** An entry never answered (its process died) is dropped after this long. */
  maxInFlightMs: number;
}

interface Entry {
  /** When it was admitted (ms), or, once answered (`d`), when the answer came. */
  t: number;
  /** Answered: the entry leaves the log a window after `t`. Unanswered entries stay (up to `maxInFlightMs`). */
  d?: 1;
  /** Input and output tokens counted for it. */
  i: number;
  o: number;
  id: string;
}

const NS = "llm-limits";
let seq = 0;

export interface Admission {
  /** Records what the call really used (after the answer, or 0/0 after a failure that sent nothing). */
  settle(inputTokens: number, outputTokens: number): Promise<void>;
}

export class ModelLimiter {
  constructor(
    private readonly store: Store,
    private readonly key: string,
    private readonly tier: Tier,
  ) {}

  private get ttlMs(): number {
    return this.tier.windowMs + this.tier.maxInFlightMs;
  }

  get enabled(): boolean {
    return this.tier.requests > 0 || this.tier.inputTokens > 0 || this.tier.outputTokens > 0;
  }

  /** Waits until a request of about `inputTokens` fits in the window, then counts it. */
  async admit(inputTokens: number, signal: AbortSignal): Promise<Admission> {
    if (!this.enabled) return { settle: async () => {} };
    const id = `${process.pid}-${Date.now()}-${++seq}`;
    for (;;) {
      signal.throwIfAborted();
      const raw = await this.store.get(NS, this.key);
      const now = Date.now();
      const log = this.live(raw, now);
      const wait = this.waitFor(log, inputTokens, now);
      if (wait > 0) {
        await sleep(Math.min(wait, this.tier.windowMs), undefined, { signal });
        continue;
      }
      log.push({ t: now, i: inputTokens, o: 0, id });
      if (await this.store.cas(NS, this.key, raw, JSON.stringify(log), { ttlMs: this.ttlMs })) {
        return { settle: (i, o) => this.update(id, i, o) };
      }
      // Another caller wrote first: read again (no wait: the log changed, it did not fill up).
    }
  }

  /** Milliseconds until the request fits, 0 when it fits now. */
  private waitFor(log: Entry[], inputTokens: number, now: number): number {
    const { requests, windowMs } = this.tier;
    let wait = 0;
    // An unanswered entry leaves no sooner than a window after its answer: look again shortly.
    const until = (e: Entry | undefined) =>
      e ? (e.d ? e.t + windowMs - now + 1 : Math.max(10, Math.min(250, windowMs / 10))) : 0;
    if (requests > 0 && log.length >= requests) wait = Math.max(wait, until(log[log.length - requests]));
    // Tokens: wait until enough of the oldest entries leave. A request bigger than the whole tier goes
    // alone, into an empty window, rather than never.
    const tokenWait = (limit: number, used: (e: Entry) => number, extra: number) => {
      if (limit <= 0) return 0;
      let total = log.reduce((n, e) => n + used(e), 0) + extra;
      if (total <= limit || log.length === 0) return 0;
      for (const e of log) {
        total -= used(e);
        if (total <= limit) return until(e);
      }
      return until(log[log.length - 1]);
    };
    wait = Math.max(
      wait,
      tokenWait(this.tier.inputTokens, (e) => e.i, inputTokens),
    );
    wait = Math.max(
      wait,
      tokenWait(this.tier.outputTokens, (e) => e.o, 0),
    );
    return wait;
  }

  private live(raw: string | null, now: number): Entry[] {
    if (!raw) return [];
    try {
      return (JSON.parse(raw) as Entry[]).filter((e) =>
        e.d ? e.t > now - this.tier.windowMs : e.t > now - this.tier.maxInFlightMs,
      );
    } catch {
      return [];
    }
  }

  private async update(id: string, inputTokens: number, outputTokens: number): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const raw = await this.store.get(NS, this.key);
      const log = this.live(raw, Date.now());
      const mine = log.find((e) => e.id === id);
      if (!mine) return; // already out of the window
      mine.i = inputTokens;
      mine.o = outputTokens;
      mine.t = Date.now();
      mine.d = 1;
      if (await this.store.cas(NS, this.key, raw, JSON.stringify(log), { ttlMs: this.tier.windowMs * 2 }))
        return;
    }
  }
}
