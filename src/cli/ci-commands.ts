/**
 * `repowright ci diagnose-log FILE... [--json]`: why a CI job failed, from its saved log (`-` reads
 * stdin). Offline, no credentials. Each file is streamed through the diagnosis engine line by line, so
 * memory stays bounded whatever the log's size; with --json, one JSON object per file per line.
 */
import { createReadStream } from "node:fs";
import type { Command } from "commander";
import { type Diagnosis, LogDiagnoser } from "../ci/diagnose/index.js";
import { linesOf } from "../ci/diagnose/lines.js";
import { AppError } from "../core/errors.js";
import type { CliIo } from "./program.js";

/** The CLI's streams; stdin is optional so tests can pass their own. */
type CiIo = CliIo & { stdin?: NodeJS.ReadableStream };

/** Streams one log through the engine: the state kept is the engine's bounded state, not the log. */
export async function diagnoseStream(input: AsyncIterable<Buffer | string>): Promise<Diagnosis> {
  const d = new LogDiagnoser();
  for await (const line of linesOf(input)) d.push(line);
  return d.finish();
}

export function registerCiCommands(program: Command, io: CiIo): void {
  const ci =
    program.commands.find((c) => c.name() === "ci") ??
    program.command("ci").description("CI logs, offline: why a job failed.");
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
