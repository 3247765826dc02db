/** Runs the command line in-process (runCli) and captures what it prints: the one way tests call it. */
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
