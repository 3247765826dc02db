/**
 * bubblewrap: the filesystem and network isolation of the sandbox, and the one trial run that says whether
 * this machine can give it.
 *
 * bwrap builds the sandbox from unprivileged user namespaces; it needs no daemon and no root. What the
 * command sees: the host's root read-only; fresh /dev and /proc (its own pid namespace: it cannot see or
 * signal our processes); empty tmpfs over /tmp, the home directories and /run (so ~/.ssh, ~/.config,
 * ~/.repowright and the sockets of local daemons are not there); its worktree and the extra writable
 * directories bound read-write; no network but its own loopback unless asked; no capabilities.
 */
import { accessSync, constants, lstatSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, join, sep } from "node:path";
import { runInGroup } from "./group.js";

/** The sandbox's HOME and TMPDIR: inside its private /tmp, so gone with it. */
export const BWRAP_HOME = "/tmp/.home";
export const BWRAP_TMP = "/tmp";

export interface BwrapPlan {
  /** Real paths. */
  cwd: string;
  writable: readonly string[];
  /** Directories put back read-only on top of what is hidden (a toolchain under a home directory). */
  readable?: readonly string[];
  network: boolean;
}

/**
 * Directories the sandbox replaces with an empty tmpfs: the home directories (credentials, our own data
 * dir) and /run (the sockets of local daemons: Docker, D-Bus, databases — a read-only mount does not stop
 * connecting to a socket). Only existing real directories: a tmpfs cannot be mounted on a missing path
 * of the read-only root, and /var/run is normally a link to /run.
 */
export function hiddenDirectories(home: string = homedir()): string[] {
  const candidates = ["/root", "/home", "/run", "/var/run", safeRealpath(home)];
  const dirs = candidates.filter((d): d is string => d !== undefined && d !== "/" && isRealDirectory(d));
  // Keep the outermost of nested ones (/home/alice inside /home).
  return [...new Set(dirs)].filter((d) => !dirs.some((o) => o !== d && isInside(d, o)));
}

/** The bwrap arguments that run `command` under `plan`. Order matters: later mounts go on top. */
export function bwrapArgs(plan: BwrapPlan, command: readonly string[], home: string = homedir()): string[] {
  const args = ["--die-with-parent", "--new-session", "--unshare-all"];
  if (plan.network) args.push("--share-net");
  // Inside its user namespace the command is uid 0; with its capabilities it could remount the
  // read-only root read-write (tried: it can). Without them it is an ordinary user there.
  args.push("--cap-drop", "ALL");
  args.push("--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", BWRAP_TMP);
  for (const dir of hiddenDirectories(home)) args.push("--tmpfs", dir);
  if (plan.network) {
    // With the network, names must resolve; /etc/resolv.conf may be a link into the hidden /run.
    const resolv = safeRealpath("/etc/resolv.conf");
    if (resolv && resolv !== "/etc/resolv.conf") args.push("--ro-bind-try", resolv, resolv);
  }
  args.push("--dir", BWRAP_HOME);
  for (const dir of plan.readable ?? []) args.push("--ro-bind", dir, dir);
  for (const dir of [plan.cwd, ...plan.writable]) args.push("--bind", dir, dir);
  args.push("--chdir", plan.cwd, "--", ...command);
  return args;
}

/** The bwrap to use: the one asked for, else the first on PATH, else the usual install locations. */
export function locateBwrap(hostPath: string | undefined, explicit?: string): string | undefined {
  if (explicit !== undefined) return explicit;
  const dirs = [...(hostPath ?? "").split(delimiter).filter(Boolean), "/usr/bin", "/usr/local/bin", "/bin"];
  for (const dir of dirs) {
    const candidate = join(dir, "bwrap");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const PROCESS_FALLBACK =
  "process level: own process group (killed whole on the time limit or cancel), scrubbed environment, time and output limits; no filesystem isolation (the command can read what the user can read and write outside its worktree) and no network isolation";

export interface SandboxPreflight {
  /** Whether bubblewrap works here. */
  available: boolean;
  /** What `auto` uses. */
  level: "bubblewrap" | "process";
  /** The bwrap tried (absent when none was found). */
  bwrap?: string;
  version?: string;
  /** Why bubblewrap is not available. */
  reason?: string;
  /** What the process level gives, and what it does not. */
  fallback: string;
}

const cache = new Map<string, Promise<SandboxPreflight>>();

/**
 * Whether bubblewrap can run here, tried once per bwrap path and process with the same arguments real
 * runs use (a machine may allow a user namespace yet refuse to mount /proc in it). The answer is cached.
 */
export function preflight(
  options: { bwrapPath?: string; hostEnv?: Readonly<Record<string, string | undefined>> } = {},
): Promise<SandboxPreflight> {
  const hostPath = (options.hostEnv ?? process.env)["PATH"];
  const bwrap = locateBwrap(hostPath, options.bwrapPath);
  const key = bwrap ?? "";
  let answer = cache.get(key);
  if (!answer) {
    answer = tryBwrap(bwrap);
    cache.set(key, answer);
  }
  return answer;
}

const TRIAL_ENV = { PATH: "/usr/local/bin:/usr/bin:/bin" };

async function tryBwrap(bwrap: string | undefined): Promise<SandboxPreflight> {
  const unavailable = (reason: string, bwrapPath?: string): SandboxPreflight => ({
    available: false,
    level: "process",
    ...(bwrapPath === undefined ? {} : { bwrap: bwrapPath }),
    reason,
    fallback: PROCESS_FALLBACK,
  });
  if (bwrap === undefined) {
    return unavailable(
      "bubblewrap (bwrap) is not installed: not on PATH nor in /usr/bin (Debian/Ubuntu package `bubblewrap`)",
    );
  }
  const run = (args: readonly string[], cwd: string) =>
    runInGroup({
      file: bwrap,
      args,
      cwd,
      env: TRIAL_ENV,
      timeoutMs: 10_000,
      maxOutputBytes: 4096,
      killGraceMs: 500,
    });
  const dir = mkdtempSync(join(tmpdir(), "repowright-preflight-"));
  try {
    const version = await run(["--version"], dir);
    if (version.exitCode === 127) {
      const missing = version.stderr.text.includes("ENOENT");
      const why = missing
        ? `bwrap not found at ${bwrap}`
        : `bwrap at ${bwrap} cannot be run: ${version.stderr.text.trim()}`;
      return unavailable(why, bwrap);
    }
    const trial = await run(
      bwrapArgs({ cwd: realpathSync(dir), writable: [], network: false }, ["true"]),
      dir,
    );
    if (trial.exitCode === 0) {
      return {
        available: true,
        level: "bubblewrap",
        bwrap,
        version: version.stdout.text.trim() || undefined,
        fallback: PROCESS_FALLBACK,
      };
    }
    const said = trial.stderr.text.trim().split("\n")[0] ?? "";
    const how = trial.timedOut ? "did not finish in 10 s" : `exited ${trial.exitCode ?? trial.signal}`;
    return unavailable(`bwrap's trial run ${how}${said ? `: ${said}` : ""}${hint(said)}`, bwrap);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a user-namespace refusal usually means, so the reason says what to change. */
function hint(stderr: string): string {
  if (!/uid map|gid map|user namespace|Permission denied|Operation not permitted|No space left/i.test(stderr))
    return "";
  return (
    " (unprivileged user namespaces look disabled or restricted: kernel.unprivileged_userns_clone=0, " +
    "user.max_user_namespaces=0, an AppArmor rule such as Ubuntu's kernel.apparmor_restrict_unprivileged_userns=1, " +
    "or a container that forbids them; see docs/sandbox.md)"
  );
}

function isRealDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function safeRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** Whether `path` is `dir` or below it (both absolute, normalised). */
export function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
}
