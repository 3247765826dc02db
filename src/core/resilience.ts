/**
 * Time limits for work that must not hang a caller. cockatiel's aggressive timeout rejects on time and aborts the signal it
 * hands to the work, and the work passes that signal into its I/O (STYLE.md §12).
 */
import { TaskCancelledError, type TimeoutPolicy, TimeoutStrategy, timeout } from "cockatiel";
import { ToolError } from "./errors.js";

const policies = new Map<number, TimeoutPolicy>();

export async function withTimeout<T>(
  ms: number,
  parent: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  let policy = policies.get(ms);
  if (!policy) {
    // abortOnReturn off: aborting a finished call's signal costs a DOMException per call and helps nobody.
    policy = timeout(ms, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    policies.set(ms, policy);
  }
  try {
    return await policy.execute(({ signal }) => work(signal), parent);
  } catch (err) {
    if (err instanceof TaskCancelledError) {
      if (parent?.aborted) throw new ToolError("timeout", "the call was cancelled by the client");
      throw new ToolError("timeout", `the call did not finish within ${Math.round(ms / 1000)} s`, {
        cause: err,
      });
    }
    throw err;
  }
}
