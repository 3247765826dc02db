/**
 * The CI doctor's commands (`ci repair`, `ci watch`; registered in ci-commands.ts), loaded only when one
 * runs: `ci diagnose-log` does not load the app (its streaming path runs under a small heap limit).
 */
import { readFileSync } from "node:fs";
import { type App, createApp } from "../app.js";
import { markdownReport } from "../ci/repair/report.js";
import { type RepairDeps, repairDeps, repairRun } from "../ci/repair/run.js";
import { repairFromEvent } from "../ci/repair/trigger.js";
import { GOOD, type RepairRecord } from "../ci/repair/types.js";
import { watchRepository } from "../ci/repair/watch.js";
import { AppError } from "../core/errors.js";
import type { CliIo } from "./program.js";

type CiIo = CliIo;
const REPO = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

export interface RepairCliOptions {
  run?: number;
  event?: string;
  eventName?: string;
  force?: boolean;
  json?: boolean;
  once?: boolean;
  branch?: string;
}

export async function repairCommand(
  io: CiIo,
  repository: string | undefined,
  opts: RepairCliOptions,
  setExit?: (code: number) => void,
): Promise<void> {
  await withApp(
    io,
    async (_app, deps) => {
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
      const record = await repairRun(request, deps, {
        onPhase: (p) => io.stderr.write(`ci-doctor: ${p.name}\n`),
      });
      print(io, record, opts.json);
      return [record];
    },
    setExit,
  );
}

export async function watchCommand(
  io: CiIo,
  repository: string,
  opts: RepairCliOptions,
  setExit?: (code: number) => void,
): Promise<void> {
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
