/**
 * Time limits and circuit breakers for work that must not hang a caller or hammer a failing service.
 *
 * `withDeadline` rejects with a `timeout` ToolError when the time is up, and aborts the signal it lends
 * the work, so the work's I/O stops too. The signal (and its link to the caller's own cancellation) is
 * made only when the work asks for it: most calls finish in microseconds and never look at it. We first
 * used cockatiel's TimeoutPolicy here; per call it built an AbortController, three event subscriptions and
 * a race, which was about 40 % of the tool pipeline's own cost (docs/things-that-will-bite-you.md).
 * `createBreaker` is cockatiel's circuit breaker, per upstream service, where its cost is nothing next to
 * a network call.
 */
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  IsolatedCircuitError,
} from "cockatiel";
import { ToolError } from "./errors.js";

export interface Deadline {
  /** Aborted when the time is up or the caller cancels. Created on first access. */
  readonly signal: AbortSignal;
}

export function withDeadline<T>(
  ms: number,
  parent: AbortSignal | undefined,
  work: (deadline: Deadline) => Promise<T>,
): Promise<T> {
  if (parent?.aborted) return Promise.reject(cancelled());
  let controller: AbortController | undefined;
  let expired = false;
  const onParentAbort = () => controller?.abort(parent?.reason);
  const deadline: Deadline = {
    get signal() {
      if (!controller) {
        controller = new AbortController();
        if (expired) controller.abort(timedOut(ms));
        else parent?.addEventListener("abort", onParentAbort, { once: true });
      }
      return controller.signal;
    },
  };
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      expired = true;
      const err = timedOut(ms);
      controller?.abort(err);
      reject(err);
    }, ms);
    const settle = () => {
      clearTimeout(timer);
      if (controller) parent?.removeEventListener("abort", onParentAbort);
    };
    let pending: Promise<T>;
    try {
      pending = work(deadline);
    } catch (err) {
      settle();
      reject(err);
      return;
    }
    pending.then(
      (value) => {
        settle();
        resolve(value);
      },
      (err: unknown) => {
        settle();
        reject(parent?.aborted && isAbort(err) ? cancelled() : err);
      },
    );
  });
}

function timedOut(ms: number): ToolError {
  return new ToolError("timeout", `the call did not finish within ${Math.round(ms / 1000)} s`);
}

function cancelled(): ToolError {
  return new ToolError("timeout", "the call was cancelled by the client");
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === "AbortError" || err instanceof ToolError);
}

/**
 * A circuit breaker for one upstream service (cockatiel's ConsecutiveBreaker): after `failures`
 * consecutive upstream failures (5xx, network; never a 4xx, which is the caller's), calls fail at once
 * with an `upstream` error and `retry_after_s` for `cooldownMs`, sparing the service and the caller's time;
 * then one trial call decides whether to close it again.
 */
export interface Breaker {
  execute<T>(work: () => Promise<T>): Promise<T>;
  readonly state: "closed" | "open" | "half-open";
}

export function createBreaker(
  name: string,
  options: { failures: number; cooldownMs: number; onChange?: (state: Breaker["state"]) => void },
): Breaker {
  const policy = circuitBreaker(
    handleWhen((err) => err instanceof ToolError && err.type === "upstream"),
    { halfOpenAfter: options.cooldownMs, breaker: new ConsecutiveBreaker(options.failures) },
  );
  let openedAt = 0;
  policy.onBreak(() => {
    openedAt = Date.now();
    options.onChange?.("open");
  });
  policy.onHalfOpen(() => options.onChange?.("half-open"));
  policy.onReset(() => options.onChange?.("closed"));
  const stateName = (): Breaker["state"] =>
    policy.state === CircuitState.Closed
      ? "closed"
      : policy.state === CircuitState.HalfOpen
        ? "half-open"
        : "open";
  return {
    get state() {
      return stateName();
    },
    async execute(work) {
      try {
        return await policy.execute(work);
      } catch (err) {
        if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
          const left = Math.max(1, Math.ceil((openedAt + options.cooldownMs - Date.now()) / 1000));
          throw new ToolError(
            "upstream",
            `${name} has failed ${options.failures} times in a row; calls to it are paused for ${left} s to let it recover`,
            { retryAfterS: left, cause: err },
          );
        }
        throw err;
      }
    },
  };
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", abort);
    };
    const abort = () => {
      done();
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal.addEventListener("abort", abort, { once: true });
  });
}
