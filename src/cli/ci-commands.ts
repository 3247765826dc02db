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
import { createReadStream, readFileSync } from "node:fs";
import type { Command } from "commander";
import { type App, createApp } from "../app.js";
import { type Diagnosis, LogDiagnoser } from "../ci/diagnose/index.js";
import { linesOf } from "../ci/diagnose/lines.js";
import { markdownReport } from "../ci/repair/report.js";
import { type RepairDeps, repairDeps, repairRun } from "../ci/repair/run.js";
import { repairFromEvent } from "../ci/repair/trigger.js";
import { GOOD, type RepairRecord } from "../ci/repair/types.js";
import { watchRepository } from "../ci/repair/watch.js";
import { AppError } from "../core/errors.js";
import type { CliIo } from "./program.js";

const REPO = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

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

interface RepairCliOptions {
  run?: number;
  event?: string;
  eventName?: string;
  force?: boolean;
  json?: boolean;
  once?: boolean;
  branch?: string;
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
      await withApp(
        io,
        async (app, deps) => {
          let request: Parameters<typeof repairRun>[0];
          if (opts.event) {
            const name = opts.eventName ?? io.env["GITHUB_EVENT_NAME"] ?? "workflow_run";
            let payload: unknown;
            try {
              payload = JSON.parse(readFileSync(opts.event, "utf8"));
            } catch (err) {
              throw new AppError("bad_event", `cannot read ${opts.event}: ${(err as Error).message}`);
            }
            const decided = repairFromEvent({ id: `event:${opts.event}`, event: name, payload });
            if ("ignored" in decided) {
              io.stdout.write(`nothing to repair: ${decided.ignored}\n`);
              return [];
            }
            request = { ...decided.request, trigger: { kind: "action" } };
          } else {
            const m = REPO.exec(repository ?? "");
            if (!m || !opts.run)
              throw new AppError("bad_target", "give owner/repo and --run <id>, or --event <file>");
            request = { owner: m[1]!, repo: m[2]!, run_id: opts.run, trigger: { kind: "cli" } };
          }
          if (opts.force) request.force = true;
          void app;
          const record = await repairRun(request, deps, {
            onPhase: (p) => io.stderr.write(`ci-doctor: ${p.name}\n`),
          });
          print(io, record, opts.json);
          return [record];
        },
        setExit,
      );
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
      const m = REPO.exec(repository);
      if (!m) throw new AppError("bad_target", "give owner/repo");
      await withApp(
        io,
        async (_app, deps) =>
          watchRepository(
            {
              owner: m[1]!,
              repo: m[2]!,
              ...(opts.branch ? { branch: opts.branch } : {}),
              ...(opts.once ? { once: true } : {}),
              onRecord: (r) => print(io, r, opts.json),
            },
            deps,
          ),
        setExit,
      );
    });
}

async function withApp(
  io: CiIo,
  work: (app: App, deps: RepairDeps) => Promise<RepairRecord[]>,
  setExit?: (code: number) => void,
): Promise<void> {
  const app = await createApp({ env: io.env });
  let records: RepairRecord[];
  try {
    const unavailable = app.clients.githubUnavailable();
    if (unavailable) throw new AppError("not_configured", unavailable);
    const summary = io.env["GITHUB_STEP_SUMMARY"];
    records = await work(
      app,
      repairDeps(app.host, {
        ...(summary ? { stepSummary: summary } : {}),
        // In Actions with its own token (no App configured): what it pushes starts no workflow run.
        actionsToken: io.env["GITHUB_ACTIONS"] === "true" && !app.config.github.appId,
      }),
    );
  } finally {
    await app.close();
  }
  const green = records.every(
    (r) => r.outcome && (GOOD.has(r.outcome.kind) || r.outcome.kind === "already_analysed"),
  );
  if (setExit) setExit(green ? 0 : 3);
  else if (!green)
    throw new AppError("ci_not_green", "the CI doctor could not make every run green (see the report)");
}

function print(io: CiIo, record: RepairRecord, json?: boolean): void {
  io.stdout.write(json ? `${JSON.stringify(record, null, 2)}\n` : markdownReport(record));
}
