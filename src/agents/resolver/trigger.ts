/**
 * What starts the resolver from GitHub: an issue labelled with the configured label, or a comment
 * `@repowright fix`, by someone whose permission on the repository is one of the configured ones (bots
 * only when allowed). Anyone else's label or comment does nothing and says nothing. An accepted trigger
 * becomes a `resolve` job keyed by the delivery, so a redelivered event runs once.
 */
import type { Clients } from "../../clients.js";
import type { Config } from "../../core/config.js";
import { isToolError } from "../../core/errors.js";
import type { Logger } from "../../core/log.js";
import type { GithubEventSubscriber } from "../../jobs/index.js";
import type { Queue } from "../../queue/index.js";
import type { ResolveRequest } from "./run.js";

export const RESOLVE_JOB = "resolve";
const MENTION = /(^|\s)@repowright\s+fix\b/i;

type Obj = Record<string, unknown>;

export interface TriggerDeps {
  config: Readonly<Config>;
  clients: Clients;
  queue: Queue;
  log: Logger;
}

/**
 * Whether a GitHub event (a webhook delivery, or the event file of a GitHub Action run) asks for a run,
 * and who may: the request, or why it is ignored. Reads the sender's permission through the GitHub client.
 */
export async function triggerFromEvent(
  deps: Pick<TriggerDeps, "config" | "clients" | "log">,
  event: { id: string; event: string; payload: unknown },
): Promise<{ request: ResolveRequest } | { ignored: string }> {
  const p = event.payload as Obj;
  const issue = p["issue"] as Obj | undefined;
  const full = String((p["repository"] as Obj | undefined)?.["full_name"] ?? "");
  const [owner, repo] = full.split("/");
  if (!issue || !owner || !repo) return { ignored: "no issue or repository in the event" };
  if (issue["pull_request"]) return { ignored: "a pull request, not an issue" };
  let kind: ResolveRequest["trigger"]["kind"];
  let user: Obj | undefined;
  if (event.event === "issues" && p["action"] === "labeled") {
    if ((p["label"] as Obj | undefined)?.["name"] !== deps.config.resolver.label)
      return { ignored: "another label" };
    kind = "label";
    user = p["sender"] as Obj | undefined;
  } else if (event.event === "issue_comment" && p["action"] === "created") {
    const comment = p["comment"] as Obj | undefined;
    if (!MENTION.test(String(comment?.["body"] ?? ""))) return { ignored: "no @repowright fix" };
    kind = "comment";
    user = comment?.["user"] as Obj | undefined;
  } else {
    return { ignored: `${event.event}.${String(p["action"])}` };
  }
  const login = String(user?.["login"] ?? "");
  if (!login) return { ignored: "no sender" };
  const bot = user?.["type"] === "Bot" || login.endsWith("[bot]");
  if (bot && !deps.config.resolver.allowBots) return { ignored: `${login} is a bot` };
  const permission = await permissionOf(deps, owner, repo, login);
  if (!deps.config.resolver.triggerPermissions.includes(permission)) {
    deps.log.info(
      { login, permission, repository: full },
      "resolver trigger by a user without permission ignored",
    );
    return { ignored: `${login} has ${permission} permission` };
  }
  return {
    request: {
      owner,
      repo,
      issue: Number(issue["number"]),
      trigger: { kind, user: login, delivery: event.id },
    },
  };
}

export function resolverSubscriber(deps: TriggerDeps): GithubEventSubscriber {
  return {
    name: "resolver",
    events: ["issues", "issue_comment"],
    async handle(event) {
      const decided = await triggerFromEvent(deps, event);
      if ("ignored" in decided) return decided;
      const { request } = decided;
      const { job, created } = await deps.queue.enqueue(RESOLVE_JOB, request, {
        key: `resolve:${request.owner}/${request.repo}#${request.issue}:${event.id}`,
        attempts: 2,
      });
      return { queued: job.id, created };
    },
  };
}

async function permissionOf(
  deps: Pick<TriggerDeps, "clients">,
  owner: string,
  repo: string,
  username: string,
): Promise<string> {
  try {
    const res = await deps.clients
      .github()
      .octokit.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", {
        owner,
        repo,
        username,
      });
    return String((res.data as unknown as Obj)["permission"] ?? "none");
  } catch (err) {
    if ((isToolError(err) && err.type === "not_found") || (err as { status?: number }).status === 404)
      return "none";
    throw err;
  }
}
