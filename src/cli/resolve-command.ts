/**
 * `repowright resolve owner/repo#n`: one resolver run in this process, phases on stderr as they go, the
 * outcome on stdout (`--json` for the whole run record). Exit 0 when a pull request was opened or
 * updated, 3 when the run ended without one (the status comment on the issue says why).
 */
import type { Command } from "commander";
import { resolveIssue } from "../agents/resolver/run.js";
import { createApp } from "../app.js";
import { AppError } from "../core/errors.js";
import type { CliIo } from "./program.js";

const TARGET = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)#(\d+)$/;

export function registerResolveCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("resolve")
    .description(
      "Resolve a GitHub issue: a draft pull request whose change makes the repository's own tests pass, or a comment saying why not.",
    )
    .argument("<target>", "owner/repo#number")
    .option("--base <branch>", "base branch (default: the repository's default branch)")
    .option("--json", "print the whole run record as JSON")
    .action(async (target: string, opts: { base?: string; json?: boolean }) => {
      const m = TARGET.exec(target);
      if (!m) throw new AppError("bad_target", `expected owner/repo#number, got ${JSON.stringify(target)}`);
      const app = await createApp({ env: io.env });
      try {
        const unavailable = app.clients.githubUnavailable() ?? app.clients.models.unavailable();
        if (unavailable) throw new AppError("not_configured", unavailable);
        const record = await resolveIssue(
          {
            owner: m[1] as string,
            repo: m[2] as string,
            issue: Number(m[3]),
            trigger: { kind: "cli" },
            ...(opts.base ? { base: opts.base } : {}),
          },
          {
            host: app.host,
            config: app.config,
            store: app.store,
            log: app.log,
            github: app.clients.github(),
            model: app.clients.models.get("strong"),
          },
          { onPhase: (p) => io.stderr.write(`repowright resolve: ${p.name}…\n`) },
        );
        const o = record.outcome;
        if (opts.json) io.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
        else if (o?.kind === "pr_opened")
          io.stdout.write(`pull request ${o.updated ? "updated" : "opened"}: ${o.url}\n`);
        else if (o?.kind === "no_pr") io.stdout.write(`no pull request: ${o.reason}: ${o.detail}\n`);
        setExit(o?.kind === "pr_opened" ? 0 : 3);
      } finally {
        await app.close();
      }
    });
}
