/**
 * `repowright resolve`: resolver runs in this process, phases on stderr as they go, outcomes on stdout.
 *
 *   resolve owner/repo#n                     one issue
 *   resolve owner/repo --label bug --limit N  the open issues with a label, a few at a time
 *   resolve --event "$GITHUB_EVENT_PATH"     what a GitHub Action got (issues / issue_comment): the same
 *                                            trigger rules as the webhook (label or `@repowright fix`,
 *                                            by a user with write permission; bots ignored)
 *
 * Exit 0 when every run opened or updated a pull request (or an event asked for nothing), 3 when a run
 * ended without one (its status comment on the issue says why).
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { ResolveRequest, RunRecord } from "../agents/resolver/run.js";
import type { App } from "../app.js";
import { AppError } from "../core/errors.js";
import type { CliIo } from "./program.js";

const ONE = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)#(\d+)$/;
const REPO = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

interface ResolveOptions {
  base?: string;
  json?: boolean;
  event?: string;
  eventName?: string;
  label?: string;
  limit: number;
  concurrency: number;
}

export function registerResolveCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("resolve")
    .description(
      "Resolve GitHub issues: draft pull requests whose change makes the repository's own tests pass, or a comment saying why not.",
    )
    .argument("[target]", "owner/repo#number, or owner/repo with --label")
    .option("--base <branch>", "base branch (default: the repository's default branch)")
    .option("--label <name>", "with owner/repo: resolve the open issues that carry this label")
    .option("--limit <n>", "with --label: at most this many issues", (v) => Number.parseInt(v, 10), 5)
    .option("--concurrency <n>", "with --label: runs at once", (v) => Number.parseInt(v, 10), 2)
    .option("--event <file>", "a GitHub event JSON file (in an Action: $GITHUB_EVENT_PATH)")
    .option("--event-name <name>", "the event's name (default: $GITHUB_EVENT_NAME)")
    .option("--json", "print the run records as JSON")
    .action(async (target: string | undefined, opts: ResolveOptions) => {
      const { createApp } = await import("../app.js");
      const app = await createApp({ env: io.env });
      try {
        const unavailable = app.clients.githubUnavailable() ?? app.clients.models.unavailable();
        if (unavailable) throw new AppError("not_configured", unavailable);
        const requests = await requestsFor(app, io, target, opts);
        const records: RunRecord[] = [];
        const queue = [...requests];
        const worker = async () => {
          for (let next = queue.shift(); next; next = queue.shift())
            records.push(await runOne(app, io, next, opts));
        };
        await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, 8)) }, worker));
        if (opts.json)
          io.stdout.write(`${JSON.stringify(records.length === 1 ? records[0] : records, null, 2)}\n`);
        setExit(records.every((r) => r.outcome?.kind === "pr_opened") ? 0 : 3);
      } finally {
        await app.close();
      }
    });
}

async function requestsFor(
  app: App,
  io: CliIo,
  target: string | undefined,
  opts: ResolveOptions,
): Promise<ResolveRequest[]> {
  const base = opts.base ? { base: opts.base } : {};
  if (opts.event) {
    const name = opts.eventName ?? io.env["GITHUB_EVENT_NAME"];
    if (!name) throw new AppError("bad_event", "--event needs --event-name (or GITHUB_EVENT_NAME)");
    let payload: unknown;
    try {
      payload = JSON.parse(readFileSync(opts.event, "utf8"));
    } catch (err) {
      throw new AppError("bad_event", `cannot read the event file ${opts.event}: ${(err as Error).message}`);
    }
    const id = io.env["GITHUB_RUN_ID"] ? `action-${io.env["GITHUB_RUN_ID"]}` : `event-${Date.now()}`;
    const { triggerFromEvent } = await import("../agents/resolver/trigger.js");
    const decided = await triggerFromEvent(app.host.services, { id, event: name, payload });
    if ("ignored" in decided) {
      io.stderr.write(`repowright resolve: nothing to do (${decided.ignored})\n`);
      return [];
    }
    return [{ ...decided.request, trigger: { ...decided.request.trigger, kind: "action" }, ...base }];
  }
  const one = target ? ONE.exec(target) : null;
  if (one) {
    return [
      {
        owner: one[1] as string,
        repo: one[2] as string,
        issue: Number(one[3]),
        trigger: { kind: "cli" },
        ...base,
      },
    ];
  }
  const repo = target ? REPO.exec(target) : null;
  if (repo && opts.label) {
    const [owner, name] = [repo[1] as string, repo[2] as string];
    const issues = (
      await app.clients.github().octokit.request("GET /repos/{owner}/{repo}/issues", {
        owner,
        repo: name,
        labels: opts.label,
        state: "open",
        per_page: 100,
      })
    ).data as unknown as { number: number; pull_request?: unknown }[];
    const picked = issues.filter((i) => !i.pull_request).slice(0, Math.max(1, opts.limit));
    io.stderr.write(
      `repowright resolve: ${picked.length} open issue(s) labelled ${opts.label} in ${owner}/${name}\n`,
    );
    return picked.map((i) => ({
      owner,
      repo: name,
      issue: i.number,
      trigger: { kind: "cli" as const },
      ...base,
    }));
  }
  throw new AppError("bad_target", "give owner/repo#number, owner/repo --label NAME, or --event FILE");
}

async function runOne(
  app: App,
  io: CliIo,
  request: ResolveRequest,
  opts: ResolveOptions,
): Promise<RunRecord> {
  const name = `${request.owner}/${request.repo}#${request.issue}`;
  const { resolveIssue, resolverDeps } = await import("../agents/resolver/run.js");
  const record = await resolveIssue(request, resolverDeps(app.host), {
    onPhase: (p) => io.stderr.write(`repowright resolve ${name}: ${p.name}…\n`),
  });
  const o = record.outcome;
  if (!opts.json) {
    if (o?.kind === "pr_opened")
      io.stdout.write(`${name}: pull request ${o.updated ? "updated" : "opened"}: ${o.url}\n`);
    else if (o?.kind === "no_pr") io.stdout.write(`${name}: no pull request: ${o.reason}: ${o.detail}\n`);
  }
  return record;
}
