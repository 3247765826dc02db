/**
 * The `ci` command group.
 *
 *   ci diagnose-log FILE... [--json]   why a CI job failed, from its saved log (`-` reads stdin). Offline,
 *                                      no credentials. Streamed through the diagnosis engine line by line,
 *                                      so memory stays bounded whatever the log's size.
 *   ci repair owner/repo --run ID      the CI doctor's repair loop on one failed run (docs/ci-doctor.md)
 *   ci repair --event FILE             the same for a `workflow_run` event (in an Action: $GITHUB_EVENT_PATH)
 *   ci watch owner/repo [--once]       poll the repository's runs and repair each failed run attempt once
 *
 * repair and watch print a Markdown report per repair (the JSON record with --json), append it to
 * $GITHUB_STEP_SUMMARY when that is set, and exit 0 when every repair ended green, 3 otherwise.
 */
import { createReadStream } from "node:fs";
import type { Command } from "commander";
import { type Diagnosis, LogDiagnoser } from "../ci/diagnose/index.js";
import { linesOf } from "../ci/diagnose/lines.js";
import { AppError } from "../core/errors.js";
import type { RepairCliOptions } from "./ci-repair-commands.js";
import type { CliIo } from "./program.js";

/** The CLI's streams; stdin is optional so tests can pass their own. */
type CiIo = CliIo & { stdin?: NodeJS.ReadableStream };

/** Streams one log through the engine: the state kept is the engine's bounded state, not the log. */
export async function diagnoseStream(input: AsyncIterable<Buffer | string>): Promise<Diagnosis> {
  const d = new LogDiagnoser();
  for await (const line of linesOf(input)) d.push(line);
  return d.finish();
}

export function registerCiCommands(program: Command, io: CiIo, setExit?: (code: number) => void): void {
  const ci =
    program.commands.find((c) => c.name() === "ci") ??
    program.command("ci").description("The CI doctor: why a job failed (offline), and the repair loop.");
  registerRepairCommands(ci, io, setExit);
  ci.command("diagnose-log")
    .description(
      "Diagnose failed CI job logs (GitHub Actions raw or `gh run view --log`, Travis, GitLab, Jenkins, or plain tool output): category, the decisive lines, facts and the action. `-` reads stdin.",
    )
    .argument("<files...>", "log files, or - for stdin")
    .option(
      "--json",
      "one JSON object per file and line: file, category, infrastructure, action, lines, facts",
    )
    .action(async (files: string[], opts: { json?: boolean }) => {
      for (const file of files) {
        const input = file === "-" ? (io.stdin ?? process.stdin) : createReadStream(file);
        let d: Diagnosis;
        try {
          d = await diagnoseStream(input as AsyncIterable<Buffer | string>);
        } catch (err) {
          throw new AppError("unreadable_log", `cannot read ${file}: ${(err as Error).message}`);
        }
        io.stdout.write(opts.json ? `${JSON.stringify(jsonOf(file, d))}\n` : human(file, d));
      }
    });
}

function jsonOf(file: string, d: Diagnosis) {
  return {
    file,
    category: d.category,
    infrastructure: d.infrastructure,
    action: d.action,
    lines: d.lines.map((l) => l.line),
    facts: d.facts,
  };
}

function human(file: string, d: Diagnosis): string {
  const out = [
    `${file}: ${d.category} (${d.infrastructure ? "infrastructure" : "code"}, ${d.severity}) -> ${d.action}`,
    `  ${d.cause}`,
  ];
  if (d.step) out.push(`  step: ${d.step}`);
  if (d.fix) out.push(`  fix: ${d.fix}`);
  const facts = Object.entries(d.facts)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`)
    .join(" ");
  if (facts) out.push(`  facts: ${facts}`);
  for (const l of d.lines) out.push(`  ${String(l.line).padStart(6)} | ${l.text}`);
  return `${out.join("\n")}\n`;
}

function registerRepairCommands(ci: Command, io: CiIo, setExit?: (code: number) => void): void {
  const int = (v: string) => Number.parseInt(v, 10);
  ci.command("repair")
    .description(
      "The CI doctor on one failed GitHub Actions run: diagnose, fix what is mechanical (formatter, linter --fix, lockfile, action versions, permissions, time limit) on a branch with a pull request, re-run infrastructure failures once, verify, report.",
    )
    .argument("[repository]", "owner/repo (with --run)")
    .option("--run <id>", "the failed run's id", int)
    .option("--event <file>", "a workflow_run event JSON file (in an Action: $GITHUB_EVENT_PATH)")
    .option("--event-name <name>", "the event's name (default: $GITHUB_EVENT_NAME)")
    .option("--force", "analyse the run attempt again although it was analysed before")
    .option("--json", "print the repair record as JSON instead of the Markdown report")
    .action(async (repository: string | undefined, opts: RepairCliOptions) => {
      const { repairCommand } = await import("./ci-repair-commands.js");
      await repairCommand(io, repository, opts, setExit);
    });

  ci.command("watch")
    .description(
      "Poll a repository's workflow runs (conditional requests: free while nothing changes) and run the CI doctor once per failed run attempt.",
    )
    .argument("<repository>", "owner/repo")
    .option("--branch <name>", "only runs of this branch")
    .option("--once", "one pass over the recent runs, then exit (for a scheduled workflow)")
    .option("--json", "print each repair record as JSON")
    .action(async (repository: string, opts: RepairCliOptions) => {
      const { watchCommand } = await import("./ci-repair-commands.js");
      await watchCommand(io, repository, opts, setExit);
    });
}
