/**
 * `repowright emulate github`: the GitHub emulator as a standalone server, so people can point agents
 * (GITHUB_API_URL) at a safe, stateful GitHub with real git repositories behind it.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { AppError } from "../core/errors.js";
import { createGithubEmulator, type Seed } from "../emulators/github/server.js";
import type { CliIo } from "./program.js";

export function registerGithubCommands(program: Command, io: CliIo): void {
  const emulate =
    program.commands.find((c) => c.name() === "emulate") ??
    program.command("emulate").description("Run a local emulator of an external service.");
  emulate
    .command("github")
    .description("Serve the GitHub REST emulator (real bare git repos + stateful issues, PRs and Actions).")
    .option("--port <number>", "port (0 picks a free one)", (v) => Number.parseInt(v, 10), 8790)
    .option("--host <address>", "bind address", "127.0.0.1")
    .option("--data <dir>", "data directory (repositories and state.json); default: a temporary one")
    .option(
      "--seed <file>",
      "JSON seed file: { users, tokens, repos: [{ owner, name, files, issues, ... }] }",
    )
    .action(async (opts: { port: number; host: string; data?: string; seed?: string }) => {
      if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
        throw new AppError("bad_port", `--port must be 0-65535, got ${opts.port}`);
      }
      let seed: Seed | undefined;
      if (opts.seed) {
        try {
          seed = JSON.parse(readFileSync(opts.seed, "utf8")) as Seed;
        } catch (err) {
          throw new AppError("bad_seed", `cannot read seed ${opts.seed}: ${(err as Error).message}`);
        }
      }
      const emu = await createGithubEmulator({
        port: opts.port,
        host: opts.host,
        dataDir: opts.data ? resolve(opts.data) : undefined,
      });
      if (seed) await emu.seed(seed);
      io.stdout.write(`GitHub emulator at ${emu.url}\n`);
      // With seeded tokens only those are accepted; without, any token acts as the default user.
      const seeded = Object.keys(seed?.tokens ?? {})[0];
      io.stdout.write(
        `use it with: GITHUB_API_URL=${emu.url} GITHUB_TOKEN=${seeded ?? "anything"} repowright serve${seeded ? "   (only the seeded tokens are accepted)" : ""}\n`,
      );
      io.stdout.write(`seed: POST ${emu.url}/_emulator/seed   faults: POST ${emu.url}/_emulator/faults\n`);
      await new Promise<void>((done) => {
        process.once("SIGINT", done);
        process.once("SIGTERM", done);
      });
      await emu.close();
    });
}
