/**
 * Runs one child in a process group of its own and makes sure nothing of it outlives the run.
 *
 * The child is spawned detached, so it leads a new process group and everything it starts (a test
 * runner's workers, `sleep 100 &`) is in that group unless it leaves on purpose. On the time limit or an
 * abort the whole group gets SIGTERM, then SIGKILL after a grace. When the leader exits, for whatever
 * reason, what it left behind in the group is killed at once: a run is over when its command is.
 */
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { type CapturedOutput, HeadTailBuffer } from "./output.js";

export interface GroupSpec {
  file: string;
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  timeoutMs: number;
  maxOutputBytes: number;
  killGraceMs: number;
  signal?: AbortSignal;
}

export interface GroupOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  stdout: CapturedOutput;
  stderr: CapturedOutput;
  durationMs: number;
}

/**
 * How long to wait, after the leader exited and its group was killed, for the output pipes to close. Only
 * a process that left the group (setsid) can hold them open longer; its output is not waited for.
 */
const DRAIN_MS = 1000;

export function runInGroup(spec: GroupSpec): Promise<GroupOutcome> {
  const started = performance.now();
  const out = new HeadTailBuffer(spec.maxOutputBytes);
  const err = new HeadTailBuffer(spec.maxOutputBytes);
  let stopping: "timeout" | "cancel" | undefined;
  let exited = false;
  let graceTimer: NodeJS.Timeout | undefined;

  const child = spawn(spec.file, [...spec.args], {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => err.push(chunk));

  const killGroup = (sig: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // ESRCH: the group is already gone.
    }
  };
  const stop = (why: "timeout" | "cancel"): void => {
    if (stopping || exited) return;
    stopping = why;
    killGroup("SIGTERM");
    graceTimer = setTimeout(() => killGroup("SIGKILL"), spec.killGraceMs);
  };
  const timer = setTimeout(() => stop("timeout"), spec.timeoutMs);
  const onAbort = (): void => stop("cancel");
  spec.signal?.addEventListener("abort", onAbort, { once: true });
  if (spec.signal?.aborted) onAbort();

  return new Promise((resolve) => {
    let done = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      spec.signal?.removeEventListener("abort", onAbort);
      resolve({
        exitCode,
        signal,
        timedOut: stopping === "timeout",
        cancelled: stopping === "cancel",
        stdout: out.result(),
        stderr: err.result(),
        durationMs: Math.round(performance.now() - started),
      });
    };
    child.once("error", (e: NodeJS.ErrnoException) => {
      // The program could not be started (ENOENT, EACCES): 127 as a shell says it, and why on stderr.
      if (child.pid !== undefined) return;
      err.push(Buffer.from(`sandbox: cannot run ${spec.file}: ${e.code ?? e.message}\n`));
      finish(127, null);
    });
    child.once("exit", (code, sig) => {
      exited = true;
      killGroup("SIGKILL");
      const drain = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, sig);
      }, DRAIN_MS);
      child.once("close", () => {
        clearTimeout(drain);
        finish(code, sig);
      });
    });
  });
}
