/** `repowright emulate jira`: the Jira emulator as a standalone server, to try the jira toolset safely. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { AppError } from "../core/errors.js";
import { createJiraEmulator, type JiraSeed } from "../emulators/jira/server.js";
import type { CliIo } from "./program.js";

export function registerJiraCommands(program: Command, io: CliIo): void {
  const emulate =
    program.commands.find((c) => c.name() === "emulate") ??
    program.command("emulate").description("Run a local emulator of an external service.");
  emulate
    .command("jira")
    .description(
      "Serve the Jira emulator: Cloud REST v3, Data Center REST v2 and the agile API (issues, JQL, fields, sprints, ...).",
    )
    .option("--port <number>", "port (0 picks a free one)", (v) => Number.parseInt(v, 10), 8791)
    .option("--host <address>", "bind address", "127.0.0.1")
    .option(
      "--seed <file>",
      "JSON seed file: { users, tokens, personalTokens, projects, customFields, boards, sprints, issues }",
    )
    .action(async (opts: { port: number; host: string; seed?: string }) => {
      if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
        throw new AppError("bad_port", `--port must be 0-65535, got ${opts.port}`);
      }
      let seed: JiraSeed = { projects: [{ key: "DEMO", name: "Demo" }] };
      if (opts.seed) {
        try {
          seed = JSON.parse(readFileSync(opts.seed, "utf8")) as JiraSeed;
        } catch (err) {
          throw new AppError("bad_seed", `cannot read seed ${opts.seed}: ${(err as Error).message}`);
        }
      }
      const emu = await createJiraEmulator({ port: opts.port, host: opts.host });
      emu.seed(seed);
      // With seeded tokens only those are accepted; without, any Basic credentials act as the first user.
      const [email, token] = Object.entries(seed.tokens ?? {})[0] ?? [
        seed.users?.[0]?.email ?? "user@example.test",
        "anything",
      ];
      io.stdout.write(
        `Jira emulator at ${emu.url}\nJIRA_URL=${emu.url} JIRA_EMAIL=${email} JIRA_API_TOKEN=${token} repowright serve\n`,
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await emu.close();
    });
}
