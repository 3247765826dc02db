/**
 * Time limits for work that must not hang a caller. cockatiel's aggressive timeout rejects on time and aborts the signal it
 * hands to the work, and the work passes that signal into its I/O (STYLE.md §12).
 */
import { TaskCancelledError, TimeoutStrategy, timeout } from "cockatiel";
import { ToolError } from "./errors.js";

export async function withTimeout<T>(
  ms: number,
  parent: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const policy = timeout(ms, TimeoutStrategy.Aggressive);
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
