/**
 * Runs the command line in-process (runCli) and captures what it prints: the one way tests call it; and,
 * for crash tests, as a child process killed with SIGKILL at a point its stderr shows.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { type CliIo, runCli } from "../../src/cli/program.js";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `repowright <args>` with this environment (and stdin text, for commands that read `-`). */
export async function runCliCaptured(
  args: readonly string[],
  env: Record<string, string | undefined>,
  stdinText?: string,
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const io: CliIo & { stdin?: NodeJS.ReadableStream } = { stdout, stderr, env };
  if (stdinText !== undefined) io.stdin = Readable.from([Buffer.from(stdinText)]);
  const code = await runCli(["node", "repowright", ...args], io);
  return { code, out, err };
}

/**
 * `repowright <args>` as a child process (from the TypeScript sources), SIGKILLed as soon as what it has
 * written to stderr so far satisfies `when`. Resolves true when it died of that SIGKILL, false when it
 * ended first.
 */
export function killCliWhen(
  args: readonly string[],
  env: Record<string, string | undefined>,
  when: (stderr: string) => boolean,
): Promise<boolean> {
  const main = resolve(__dirname, "../../src/cli/main.ts");
  const child = spawn(process.execPath, ["--import", "tsx", main, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise<boolean>((done) => {
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
      if (child.exitCode === null && when(err)) child.kill("SIGKILL");
    });
    child.stdout.resume();
    child.on("exit", (_code, signal) => done(signal === "SIGKILL"));
  });
}
