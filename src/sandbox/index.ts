/**
 * The one way repowright runs a repository's own commands (install, build, test): untrusted code, run for
 * the agents (the issue resolver, the CI doctor). See docs/sandbox.md.
 *
 * Every run, at every level: a process group of its own, killed whole on the time limit or a cancel; an
 * environment built from an allowlist (no tokens, no keys); a private HOME and TMPDIR; output capped per
 * stream, head and tail kept. Under bubblewrap, also: a read-only root, hidden home directories, only the
 * worktree (and the `writable` directories) writable, no network unless asked. The level actually used is
 * recorded in every result, so a run without isolation is never mistaken for one with it.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../core/config.js";
import { AppError, validationError } from "../core/errors.js";
import { BWRAP_HOME, BWRAP_TMP, bwrapArgs, hiddenDirectories, isInside, preflight } from "./bwrap.js";
import { checkCallerEnv, sandboxEnv } from "./env.js";
import { runInGroup } from "./group.js";

export { PROCESS_FALLBACK, preflight, type SandboxPreflight } from "./bwrap.js";
export { isSecretLookingName } from "./env.js";

export type SandboxLevel = "bubblewrap" | "process";

export interface SandboxOptions {
  /** An argv array, run as is; or a shell string, run with `sh -c`. */
  command: readonly string[] | string;
  /** The worktree the command runs in and may write to. Must exist; its real path is used. */
  cwd: string;
  /** Further directories the command may write to under bubblewrap (default none). Must exist. */
  writable?: readonly string[];
  /**
   * Further directories the command may read under bubblewrap although they lie where the sandbox hides
   * things (/tmp, a home directory): a toolchain under ~/.cargo, dependencies a worktree links to. Must
   * exist; the same broad directories as for `writable` are refused.
   */
  readable?: readonly string[];
  /** Variables the caller wants set. Names that look secret are refused (a validation error). */
  env?: Readonly<Record<string, string>>;
  /** Default 900 s (REPOWRIGHT_SANDBOX_TIMEOUT_S). */
  timeoutMs?: number;
  /** Per stream; default 1 MiB (REPOWRIGHT_SANDBOX_MAX_OUTPUT_BYTES). */
  maxOutputBytes?: number;
  /** Network access under bubblewrap (default false). The process level cannot take it away. */
  network?: boolean;
  /** Aborting kills the command's process group; the result says `cancelled`. */
  signal?: AbortSignal;
  /** `auto` (default): bubblewrap when it works here, else the process level, with the reason recorded. */
  level?: "auto" | SandboxLevel;
  /** The bwrap binary (default: from PATH); tests point it at a missing file to see the fallback. */
  bwrapPath?: string;
  /**
   * Where the allowlisted host variables (PATH, locale, TERM, TZ) are read from; default process.env.
   * Only those names are read: nothing else of it reaches the command.
   */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** Between SIGTERM and SIGKILL of the group; default 2 s. */
  killGraceMs?: number;
}

export interface SandboxIsolation {
  level: SandboxLevel;
  /** Whether the command could reach the network (always true at the process level). */
  network: boolean;
  /** Why the level is what it is, when it is not bubblewrap. */
  reason?: string;
}

export interface SandboxResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  stdout: string;
  stderr: string;
  truncated: { stdout: boolean; stderr: boolean };
  durationMs: number;
  isolation: SandboxIsolation;
}

/** The same defaults as the REPOWRIGHT_SANDBOX_* settings (a test keeps them equal). */
export const SANDBOX_DEFAULTS = Object.freeze({
  level: "auto" as const,
  timeoutMs: 900_000,
  maxOutputBytes: 1024 * 1024,
  network: false,
});

/** The options the configuration gives, to spread into `runSandboxed`'s. */
export function sandboxOptionsFromConfig(
  config: Pick<Config, "sandbox">,
): Pick<Required<SandboxOptions>, "level" | "timeoutMs" | "maxOutputBytes" | "network"> {
  const s = config.sandbox;
  return {
    level: s.level,
    timeoutMs: s.timeoutS * 1000,
    maxOutputBytes: s.maxOutputBytes,
    network: s.network,
  };
}

const MAX_TIMEOUT_MS = 24 * 3600 * 1000;
const MAX_OUTPUT_LIMIT = 256 * 1024 * 1024;

export async function runSandboxed(options: SandboxOptions): Promise<SandboxResult> {
  const argv = commandArgv(options.command);
  const cwd = existingDirectory(options.cwd, "cwd");
  const writable = (options.writable ?? []).map((d) => existingDirectory(d, "writable"));
  const readable = (options.readable ?? []).map((d) => existingDirectory(d, "readable"));
  refuseBroadDirectories([cwd, ...writable, ...readable]);
  const timeoutMs = boundedInt(
    options.timeoutMs ?? SANDBOX_DEFAULTS.timeoutMs,
    1,
    MAX_TIMEOUT_MS,
    "timeoutMs",
  );
  const maxOutputBytes = boundedInt(
    options.maxOutputBytes ?? SANDBOX_DEFAULTS.maxOutputBytes,
    1024,
    MAX_OUTPUT_LIMIT,
    "maxOutputBytes",
  );
  const extra = checkCallerEnv(options.env ?? {});
  const network = options.network ?? SANDBOX_DEFAULTS.network;
  const hostEnv = options.hostEnv ?? process.env;
  const { isolation, bwrap } = await chooseIsolation(
    options.level ?? SANDBOX_DEFAULTS.level,
    network,
    options,
  );

  if (options.signal?.aborted) return notStarted(isolation);
  const common = {
    timeoutMs,
    maxOutputBytes,
    killGraceMs: options.killGraceMs ?? 2000,
    signal: options.signal,
  };
  let outcome: Awaited<ReturnType<typeof runInGroup>>;
  if (bwrap !== undefined) {
    outcome = await runInGroup({
      ...common,
      file: bwrap,
      args: bwrapArgs({ cwd, writable, readable, network }, argv),
      cwd,
      env: sandboxEnv({ host: hostEnv, extra, home: BWRAP_HOME, tmp: BWRAP_TMP }),
    });
  } else {
    // No private mounts at this level: a fresh HOME and TMPDIR on the host, removed afterwards.
    const base = mkdtempSync(join(tmpdir(), "repowright-sandbox-"));
    try {
      const home = join(base, "home");
      const tmp = join(base, "tmp");
      mkdirSync(home);
      mkdirSync(tmp);
      outcome = await runInGroup({
        ...common,
        file: argv[0]!,
        args: argv.slice(1),
        cwd,
        env: sandboxEnv({ host: hostEnv, extra, home, tmp }),
      });
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }
  return {
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
    cancelled: outcome.cancelled,
    stdout: outcome.stdout.text,
    stderr: outcome.stderr.text,
    truncated: { stdout: outcome.stdout.truncated, stderr: outcome.stderr.truncated },
    durationMs: outcome.durationMs,
    isolation,
  };
}

/**
 * The level a run gets. Asked for bubblewrap where it cannot run is an error, never a quiet downgrade;
 * `auto` falls back and says why.
 */
async function chooseIsolation(
  level: "auto" | SandboxLevel,
  network: boolean,
  options: Pick<SandboxOptions, "bwrapPath" | "hostEnv">,
): Promise<{ isolation: SandboxIsolation; bwrap?: string }> {
  if (level === "process") {
    const reason = "the process level was asked for: process group, scrubbed environment and limits only";
    return { isolation: { level: "process", network: true, reason } };
  }
  const check = await preflight({ bwrapPath: options.bwrapPath, hostEnv: options.hostEnv });
  if (check.available && check.bwrap)
    return { isolation: { level: "bubblewrap", network }, bwrap: check.bwrap };
  if (level === "bubblewrap") {
    throw new AppError(
      "sandbox_unavailable",
      `the bubblewrap sandbox was asked for (REPOWRIGHT_SANDBOX=bubblewrap) but cannot run here: ${check.reason}. ` +
        "Fix that, or allow the process level with REPOWRIGHT_SANDBOX=auto (no filesystem or network isolation).",
    );
  }
  return {
    isolation: { level: "process", network: true, reason: `bubblewrap unavailable: ${check.reason}` },
  };
}

function notStarted(isolation: SandboxIsolation): SandboxResult {
  return {
    exitCode: null,
    signal: null,
    timedOut: false,
    cancelled: true,
    stdout: "",
    stderr: "",
    truncated: { stdout: false, stderr: false },
    durationMs: 0,
    isolation,
  };
}

function commandArgv(command: SandboxOptions["command"]): string[] {
  const argv = typeof command === "string" ? ["sh", "-c", command] : [...command];
  if (argv.length === 0 || argv[0] === "" || (typeof command === "string" && command.trim() === "")) {
    throw validationError("sandbox command is empty");
  }
  if (argv.some((a) => typeof a !== "string" || a.includes("\0"))) {
    throw validationError("sandbox command arguments must be strings without NUL characters");
  }
  return argv;
}

function existingDirectory(path: string, what: string): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw validationError(`sandbox ${what} ${path} does not exist`);
  }
  if (!statSync(real).isDirectory()) throw validationError(`sandbox ${what} ${path} is not a directory`);
  return real;
}

/**
 * A writable directory that contains /tmp, /run or a home directory would put back, writable, what the
 * sandbox hides; `/` would make everything writable. Refused at every level, so a command that runs at
 * one level does not fail at another for it.
 */
function refuseBroadDirectories(dirs: readonly string[]): void {
  const hidden = [BWRAP_TMP, ...hiddenDirectories()];
  for (const dir of dirs) {
    const covered = hidden.find((h) => isInside(h, dir));
    if (dir === "/" || covered) {
      throw validationError(
        `sandbox directory ${dir} is too broad: it contains ${covered ?? "everything"}, which the sandbox keeps private; use the worktree itself`,
      );
    }
  }
}

function boundedInt(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw validationError(`sandbox ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}
