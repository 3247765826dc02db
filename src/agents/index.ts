/**
 * The agents, wired for a worker: the event subscribers they act on and the job handlers they run as.
 * `serve` and `repowright worker` start working with these; everything an agent does goes through the
 * clients of services.clients and the host's tools.
 */
import { repairDeps, repairRun } from "../ci/repair/run.js";
import { REPAIR_JOB, repairSubscriber } from "../ci/repair/trigger.js";
import type { RepairRequest } from "../ci/repair/types.js";
import type { GithubEventSubscriber } from "../jobs/index.js";
import type { Host } from "../mcp/host.js";
import type { JobHandler } from "../queue/index.js";
import { type ResolveRequest, resolveIssue, resolverDeps } from "./resolver/run.js";
import { RESOLVE_JOB, resolverSubscriber } from "./resolver/trigger.js";

export function agentSubscribers(host: Host): GithubEventSubscriber[] {
  const s = host.services;
  // Without GitHub credentials there is nothing the resolver could do with an event.
  if (s.clients.githubUnavailable()) return [];
  return [
    resolverSubscriber({ config: s.config, clients: s.clients, queue: s.queue, log: s.log }),
    // The CI doctor: a failed workflow run becomes a repair job.
    repairSubscriber({ queue: s.queue }),
  ];
}

export function agentHandlers(host: Host): Record<string, JobHandler> {
  return {
    async [RESOLVE_JOB](job) {
      const record = await resolveIssue(job.data as ResolveRequest, resolverDeps(host), {
        signal: job.signal,
        onPhase: (p) => void job.progress({ progress: phaseNumber(p.name), total: 5, message: p.name }),
      });
      return { run: record.id, outcome: record.outcome };
    },
    async [REPAIR_JOB](job) {
      const record = await repairRun(job.data as RepairRequest, repairDeps(host), {
        signal: job.signal,
        onPhase: (p) =>
          void job.progress({
            progress: REPAIR_PHASES.indexOf(p.name) + 1,
            total: REPAIR_PHASES.length,
            message: p.name,
          }),
      });
      return { repair: record.id, outcome: record.outcome };
    },
  };
}

const REPAIR_PHASES = ["watch", "diagnose", "plan", "fix", "push", "rerun", "verify", "report"];

const PHASES = ["gather", "reproduce", "edit", "verify", "report"];
const phaseNumber = (name: string) => PHASES.indexOf(name) + 1;
