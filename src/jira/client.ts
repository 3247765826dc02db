/**
 * The Jira adapter: one jira.js client per process with its circuit breaker (built by the composition
 * root, src/clients.ts), its credentials check, and the mapping of Jira's failures to ToolErrors.
 */
import { Version3Client } from "jira.js";
import { type Config, missingSettings } from "../core/config.js";
import { httpError, retryAfterSeconds, ToolError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import { type Breaker, createBreaker } from "../core/resilience.js";

type Obj = Record<string, unknown>;

export interface JiraDeps {
  client: Version3Client;
  /** Pauses calls while the site keeps failing (5xx, network). */
  breaker: Breaker;
  /** The site URL, without a trailing slash (issue URLs are `<site>/browse/<key>`). */
  site: string;
}

export function createJiraClient(options: { config: Readonly<Config>; log: Logger }): JiraDeps {
  const { url, email, apiToken } = options.config.jira;
  const site = url!.replace(/\/+$/, "");
  return {
    site,
    client: new Version3Client({
      host: site,
      authentication: { basic: { email: email!, apiToken: apiToken! } },
    }),
    breaker: createBreaker(`Jira (${site})`, {
      failures: options.config.server.breakerFailures,
      cooldownMs: options.config.server.breakerCooldownS * 1000,
      onChange: (state) => options.log.warn({ state }, `Jira circuit ${state}`),
    }),
  };
}

export function missingJiraCredentials(jira: Config["jira"]): string | undefined {
  return missingSettings("Jira", {
    JIRA_URL: jira.url,
    JIRA_EMAIL: jira.email,
    JIRA_API_TOKEN: jira.apiToken,
  });
}

/** A Jira failure in the error shape of docs/architecture.md, with Jira's own messages (per field, too). */
function toToolError(err: unknown): ToolError {
  if (err instanceof ToolError) return err;
  const e = err as {
    status?: number;
    response?: { data?: Obj; headers?: Obj };
    message?: string;
    code?: string;
  };
  const status = typeof e.status === "number" ? e.status : undefined;
  if (status === undefined || !e.response || typeof e.response !== "object") {
    return new ToolError("upstream", `Jira is unreachable: ${e.message ?? String(err)}`, { cause: err });
  }
  const data = (e.response.data ?? {}) as { errorMessages?: string[]; errors?: Record<string, string> };
  const parts = [
    ...(data.errorMessages ?? []),
    ...Object.entries(data.errors ?? {}).map(([field, msg]) => `${field}: ${msg}`),
  ];
  const retryAfter = e.response.headers?.["retry-after"];
  return httpError({
    service: "Jira",
    status,
    message: parts.join("; "),
    retryAfterS: retryAfterSeconds(typeof retryAfter === "string" ? retryAfter : undefined),
    ...(data.errors ? { details: { fields: data.errors } } : {}),
  });
}

/** Runs `work` with the client, through the breaker, with Jira's failures as ToolErrors. */
export async function jira<T>(deps: JiraDeps, work: (c: Version3Client) => Promise<T>): Promise<T> {
  return deps.breaker.execute(async () => {
    try {
      return await work(deps.client);
    } catch (err) {
      throw toToolError(err);
    }
  });
}
