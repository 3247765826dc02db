/**
 * `repowright sandbox check`: whether this machine can isolate a repository's commands with bubblewrap,
 * and if not, why and what runs instead. Always exits 0: it reports, it does not judge (CI runs it to put
 * the answer in the log).
 */
import type { Command } from "commander";
import { loadConfig } from "../core/config.js";
import { preflight } from "../sandbox/index.js";
import type { CliIo } from "./program.js";

export function registerSandboxCommand(program: Command, io: CliIo): void {
  const out = (s: string) => io.stdout.write(`${s}\n`);
  program
    .command("sandbox")
    .description("The sandbox for a repository's own install and test commands (docs/sandbox.md).")
    .command("check")
    .description("Try bubblewrap once and say which isolation level commands will get, and why.")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig({ env: io.env });
      const check = await preflight({ hostEnv: io.env });
      const configured = config.sandbox.level;
      // What a run gets with the configured level; null: runs fail (bubblewrap asked for, not available).
      const level =
        configured === "process"
          ? "process"
          : check.available
            ? "bubblewrap"
            : configured === "auto"
              ? "process"
              : null;
      const network = level === "bubblewrap" ? config.sandbox.network : true;
      if (opts.json) {
        const { available, bwrap, version, reason, fallback } = check;
        out(
          JSON.stringify(
            { configured, level, network, bubblewrap: { available, bwrap, version, reason }, fallback },
            null,
            2,
          ),
        );
        return;
      }
      out(
        check.available
          ? `bubblewrap: available (${check.bwrap}${check.version ? `, ${check.version}` : ""})`
          : `bubblewrap: not available: ${check.reason}`,
      );
      out(
        level === null
          ? `level: none: REPOWRIGHT_SANDBOX=bubblewrap, so sandboxed commands will fail until bubblewrap works (or set REPOWRIGHT_SANDBOX=auto)`
          : `level: ${level} (REPOWRIGHT_SANDBOX=${configured})`,
      );
      if (level !== null) out(`network: ${network ? "reachable" : "none (own loopback only)"}`);
      out(`fallback: ${check.fallback}`);
    });
}
