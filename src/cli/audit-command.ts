/** `repowright audit`: who called which tool, when, and how it ended, from the audit log in the store. */
import type { Command } from "commander";
import { AppError } from "../core/errors.js";
import type { CliIo } from "./program.js";

/** `90m`, `24h`, `7d` back from now, or an ISO date/time. */
export function parseSince(value: string, now = Date.now()): Date {
  const m = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (m) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
    return new Date(now - Number(m[1]) * unit);
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) {
    throw new AppError(
      "bad_since",
      `--since must be like 90m, 24h, 7d or an ISO time; got ${JSON.stringify(value)}`,
    );
  }
  return new Date(t);
}

export function registerAuditCommand(program: Command, io: CliIo): void {
  const out = (s: string) => io.stdout.write(`${s}\n`);
  program
    .command("audit")
    .description(
      "Show the audit log of tool calls (recorded with REPOWRIGHT_AUTH=jwt or REPOWRIGHT_AUDIT=on).",
    )
    .option("--since <when>", "how far back: 90m, 24h, 7d or an ISO time", "24h")
    .option("--caller <id>", "only this caller (the token's sub)")
    .option("--tool <name>", "only this tool")
    .option("--outcome <outcome>", "only this outcome: ok, forbidden, rate_limited, validation, ...")
    .option("--limit <n>", "at most this many, the newest", (v) => Number.parseInt(v, 10), 100)
    .option("--json", "one JSON record per line")
    .action(
      async (opts: {
        since: string;
        caller?: string;
        tool?: string;
        outcome?: string;
        limit: number;
        json?: boolean;
      }) => {
        if (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > 100_000) {
          throw new AppError("bad_limit", `--limit must be 1-100000, got ${opts.limit}`);
        }
        const [{ loadConfig }, { readAudit }, { openStore }] = await Promise.all([
          import("../core/config.js"),
          import("../mcp/auth.js"),
          import("../store/index.js"),
        ]);
        const config = loadConfig({ env: io.env });
        const store = await openStore(config);
        try {
          const records = await readAudit(store, {
            since: parseSince(opts.since),
            caller: opts.caller,
            tool: opts.tool,
            outcome: opts.outcome,
            limit: opts.limit,
          });
          if (opts.json) {
            for (const r of records) out(JSON.stringify(r));
            return;
          }
          if (records.length === 0) {
            out(`no audit records since ${parseSince(opts.since).toISOString()}`);
            return;
          }
          for (const r of records) {
            out(
              `${r.at}  ${r.caller} [${r.roles.join(",")}]  ${r.tool}  ${r.outcome}  ${r.ms} ms  ${r.args}`,
            );
          }
        } finally {
          await store.close();
        }
      },
    );
}
