/**
 * Bottleneck without its idle waits. @octokit/plugin-retry (one limiter per request) and
 * @octokit/plugin-throttling (a retry limiter, then the global and write/search/notification groups) run
 * every request through 3 to 5 Bottleneck limiters. Each of them, even when nothing needs to wait, goes
 * through its in-process datastore with `setTimeout(resolve, 0)` per step (submit, register) and starts
 * the job with `setTimeout(job, 0)`: 9 to 15 timers per request, each at least 1 ms (Node clamps 0 to 1),
 * measured at 15 ms of pure waiting per GET and 25 ms per write (against 1 ms of work) on a loaded
 * machine, more than the request itself against a nearby server.
 *
 * This turns those zero-delay hops into `setImmediate` (still a macrotask, so the order between jobs and
 * the yield to I/O stay as they were, but without the 1 ms floor). Any real wait (minTime pacing, a
 * Retry-After, a retry backoff) still goes through `setTimeout` unchanged, so what the plugins do is the
 * same; only the empty waits are gone. Applied once, to both copies of Bottleneck that the process loads
 * (the plugins' `bottleneck/light.js` and `bottleneck`), and only when their internals have the shape of
 * the 2.x versions this was written against; otherwise they are left as they are (slower, still correct).
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

interface Job {
  doRun(): void;
  doExecute(limiter: unknown, clear: () => void, run: (wait: number) => unknown, free: () => void): void;
  options: { expiration?: number | null };
}

interface LimiterInternals {
  _store: { yieldLoop?: (t?: number) => Promise<void>; Promise: PromiseConstructor };
  _limiter: unknown;
  _scheduled: Record<string, unknown>;
  _run(index: string, job: Job, wait: number): unknown;
  _clearGlobalState(index: string): boolean;
  _free(index: string, job: Job, ...rest: unknown[]): Promise<unknown>;
}

type LimiterClass = (new () => LimiterInternals) & { prototype: LimiterInternals };

const PATCHED = Symbol.for("repowright.bottleneck.immediate");

/** Patches one copy of Bottleneck; returns whether it is (now) patched. */
export function patchBottleneck(Bottleneck: LimiterClass): boolean {
  const proto = Bottleneck.prototype as LimiterInternals & { [PATCHED]?: true };
  if (proto[PATCHED]) return true;
  let probe: LimiterInternals;
  try {
    probe = new Bottleneck();
  } catch {
    return false;
  }
  const store = Object.getPrototypeOf(probe._store) as LimiterInternals["_store"];
  if (
    typeof store.yieldLoop !== "function" ||
    store.yieldLoop.length > 1 ||
    typeof proto._run !== "function" ||
    proto._run.length !== 3 ||
    typeof proto._clearGlobalState !== "function" ||
    typeof proto._free !== "function"
  ) {
    return false;
  }
  const yieldLoop = store.yieldLoop;
  store.yieldLoop = function (this: LimiterInternals["_store"], t = 0) {
    if (t > 0) return yieldLoop.call(this, t);
    return new this.Promise<void>((resolve) => setImmediate(resolve));
  };
  const run = proto._run;
  proto._run = function (this: LimiterInternals, index: string, job: Job, wait: number) {
    // With an expiration the original keeps its own timer; only the common case changes.
    if (wait > 0 || job.options.expiration != null) return run.call(this, index, job, wait);
    job.doRun();
    const clear = this._clearGlobalState.bind(this, index);
    const again = this._run.bind(this, index, job);
    const free = this._free.bind(this, index, job);
    // Bottleneck's stop() clears scheduled jobs with clearTimeout, which does not cancel an immediate;
    // Octokit never stops its limiters, and a job at this point runs within the same turn of the loop.
    const timeout = setImmediate(() => job.doExecute(this._limiter, clear, again, free));
    const entry = { timeout, expiration: undefined, job };
    this._scheduled[index] = entry;
    return entry;
  };
  proto[PATCHED] = true;
  return true;
}

let applied: boolean | undefined;

/** Patches the copies of Bottleneck the Octokit plugins use (once per process). */
export function useImmediateBottleneck(): boolean {
  if (applied !== undefined) return applied;
  applied = true;
  for (const id of ["bottleneck/light.js", "bottleneck"]) {
    try {
      applied = patchBottleneck(require(id) as LimiterClass) && applied;
    } catch {
      applied = false;
    }
  }
  return applied;
}
