/** The Jira client a toolset gets from init(), its credentials check, and error mapping. */
import { Version3Client } from "jira.js";
import { type Config, missingSettings } from "../../core/config.js";
import { httpError, retryAfterSeconds, ToolError } from "../../core/errors.js";
import { type Breaker, createBreaker } from "../../core/resilience.js";
import type { HostServices, ToolContext } from "../../mcp/tool.js";

type Obj = Record<string, unknown>;

export interface JiraDeps {
  client: Version3Client;
  /** Pauses calls while the site keeps failing (5xx, network). */
  breaker: Breaker;
  /** The site URL, without a trailing slash (issue URLs are `<site>/browse/<key>`). */
  site: string;
}

export function createJiraDeps(services: HostServices): JiraDeps {
  const { url, email, apiToken } = services.config.jira;
  const site = url!.replace(/\/+$/, "");
  return {
    site,
    client: new Version3Client({
      host: site,
      authentication: { basic: { email: email!, apiToken: apiToken! } },
    }),
    breaker: createBreaker(`Jira (${site})`, {
      failures: services.config.server.breakerFailures,
      cooldownMs: services.config.server.breakerCooldownS * 1000,
      onChange: (state) => services.log.warn({ state }, `Jira circuit ${state}`),
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

/** A Jira failure in the DESIGN.md shape, with Jira's own messages (per field, too). */
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

export async function jira<T>(
  ctx: ToolContext<JiraDeps>,
  work: (c: Version3Client) => Promise<T>,
): Promise<T> {
  return ctx.deps.breaker.execute(async () => {
    try {
      return await work(ctx.deps.client);
    } catch (err) {
      throw toToolError(err);
    }
  });
}
