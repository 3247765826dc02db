/**
 * Time limits for work that must not hang a caller (STYLE.md §12).
 *
 * `withDeadline` rejects with a `timeout` ToolError when the time is up, and aborts the signal it lends
 * the work, so the work's I/O stops too. The signal (and its link to the caller's own cancellation) is
 * made only when the work asks for it: most calls finish in microseconds and never look at it. We first
 * used cockatiel's TimeoutPolicy here; per call it built an AbortController, three event subscriptions and
 * a race, which was about 40 % of the tool pipeline's own cost (docs/things-that-will-bite-you.md).
 */
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
