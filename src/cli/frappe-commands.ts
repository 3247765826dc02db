/** `repowright emulate frappe`: the Frappe / ERPNext emulator as a standalone server, to try the frappe toolset safely. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { AppError } from "../core/errors.js";
import { DEMO_FRAPPE_SEED } from "../emulators/frappe/demo.js";
import { createFrappeEmulator, type FrappeSeed } from "../emulators/frappe/server.js";
import type { CliIo } from "./program.js";

export function registerFrappeCommands(program: Command, io: CliIo): void {
  const emulate =
    program.commands.find((c) => c.name() === "emulate") ??
    program.command("emulate").description("Run a local emulator of an external service.");
  emulate
    .command("frappe")
    .description(
      "Serve the Frappe / ERPNext REST emulator (documents, DocType metadata, submit/cancel/amend, files, reports).",
    )
    .option("--port <number>", "port (0 picks a free one)", (v) => Number.parseInt(v, 10), 8793)
    .option("--host <address>", "bind address", "127.0.0.1")
    .option(
      "--seed <file>",
      "JSON seed file: { keys: { key: secret }, doctypes: { Name: { fields, permissions, is_submittable, docs } }, reports } (default: a demo shop)",
    )
    .action(async (opts: { port: number; host: string; seed?: string }) => {
      if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
        throw new AppError("bad_port", `--port must be 0-65535, got ${opts.port}`);
      }
      let seed: FrappeSeed = DEMO_FRAPPE_SEED;
      if (opts.seed) {
        try {
          seed = JSON.parse(readFileSync(opts.seed, "utf8")) as FrappeSeed;
        } catch (err) {
          throw new AppError("bad_seed", `cannot read seed ${opts.seed}: ${(err as Error).message}`);
        }
      }
      const emu = await createFrappeEmulator({ port: opts.port, host: opts.host });
      try {
        emu.seed(seed);
      } catch (err) {
        await emu.close();
        throw new AppError("bad_seed", `the seed does not load: ${(err as Error).message}`);
      }
      const first = Object.entries(seed.keys ?? {})[0];
      const [key, secret] = first
        ? [first[0], typeof first[1] === "string" ? first[1] : first[1].secret]
        : ["any", "any"];
      io.stdout.write(
        `Frappe emulator at ${emu.url}\nFRAPPE_URL=${emu.url} FRAPPE_API_KEY=${key} FRAPPE_API_SECRET=${secret} repowright serve --toolsets frappe\n`,
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await emu.close();
    });
}
