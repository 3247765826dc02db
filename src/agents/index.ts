/**
 * The agents, wired for a worker: the event subscribers they act on and the job handlers they run as.
 * `serve` and `repowright worker` start working with these; everything an agent does goes through the
 * clients of services.clients and the host's tools.
 */
import type { GithubEventSubscriber } from "../jobs/index.js";
import type { Host } from "../mcp/host.js";
import type { JobHandler } from "../queue/index.js";
import { type ResolveRequest, resolveIssue, resolverDeps } from "./resolver/run.js";
import { RESOLVE_JOB, resolverSubscriber } from "./resolver/trigger.js";

export function agentSubscribers(host: Host): GithubEventSubscriber[] {
  const s = host.services;
  // Without GitHub credentials there is nothing the resolver could do with an event.
  if (s.clients.githubUnavailable()) return [];
  return [resolverSubscriber({ config: s.config, clients: s.clients, queue: s.queue, log: s.log })];
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
  };
}

const PHASES = ["gather", "reproduce", "edit", "verify", "report"];
const phaseNumber = (name: string) => PHASES.indexOf(name) + 1;
