/**
 * The Jira adapter: one set of jira.js clients per process with its circuit breaker (built by the
 * composition root, src/clients.ts), its credentials check, and the mapping of Jira's failures to
 * ToolErrors.
 *
 * Two deployments, one code path. Jira Cloud speaks REST API v3 (`/rest/api/3`, Basic email + API token,
 * rich text as Atlassian Document Format, accounts by `accountId`, the enhanced JQL search with
 * `nextPageToken`); Jira Data Center / Server speaks REST API v2 (`/rest/api/2`, a personal access token
 * as `Authorization: Bearer`, rich text as plain wiki text, users by `name`, JQL search paged by
 * `startAt`). The platform client is jira.js's Version3Client or Version2Client accordingly, the agile
 * one (`/rest/agile/1.0`, boards and sprints, the same on both) its AgileClient; toolsets name a path
 * relative to the API (`/issue/API-1`) and the helpers here put it under the right version and turn
 * text into the body that deployment takes.
 *
 * The network edge is injected: every request goes through `fetch` (default: the global one), so a test
 * hands in one that reaches only loopback and no Jira call can leave the machine.
 */
import { createRequire } from "node:module";
import type { Config as JiraJsConfig, Version3Client } from "jira.js";
import { type Config, missingSettings } from "../core/config.js";
import { httpError, retryAfterSeconds, ToolError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import { type Breaker, createBreaker } from "../core/resilience.js";
import { adfText, textToAdf } from "./adf.js";

type Obj = Record<string, unknown>;

export type JiraDeployment = "cloud" | "datacenter";

/** What the platform and agile clients have in common and the adapter uses. */
type JiraJsClient = Pick<Version3Client, "sendRequestFullResponse">;

export interface JiraDeps {
  /** Cloud (REST v3, ADF) or Data Center / Server (REST v2, plain text). */
  deployment: JiraDeployment;
  /** jira.js's platform client: Version3Client on Cloud, Version2Client on Data Center. */
  platform: JiraJsClient;
  /** jira.js's AgileClient: boards, sprints, backlog. */
  agile: JiraJsClient;
  /** Pauses calls while the site keeps failing (5xx, network). */
  breaker: Breaker;
  /** The site URL, without a trailing slash (issue URLs are `<site>/browse/<key>`). */
  site: string;
}

export interface CreateJiraClientOptions {
  config: Readonly<Config>;
  log: Logger;
  /** The fetch every request goes through (tests: one that reaches only loopback). */
  fetch?: typeof fetch;
}

export function jiraDeployment(jira: Config["jira"]): JiraDeployment {
  return jira.deployment ?? (jira.personalToken && !jira.apiToken ? "datacenter" : "cloud");
}

/** A fetch that takes what axios's fetch adapter hands it (a Request) and calls `inner` with a URL. */
function urlFetch(inner: typeof fetch): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    if (!(input instanceof Request)) return inner(input, init);
    const body = input.method === "GET" || input.method === "HEAD" ? undefined : await input.arrayBuffer();
    return inner(input.url, {
      method: input.method,
      headers: input.headers,
      body,
      signal: input.signal,
      redirect: init?.redirect ?? input.redirect,
    });
  }) as typeof fetch;
}

export function createJiraClient(options: CreateJiraClientOptions): JiraDeps {
  // jira.js is required when the client is built (the first Jira call), not when the tools are listed.
  const jiraJs = createRequire(import.meta.url)("jira.js") as typeof import("jira.js");
  const { url, email, apiToken, personalToken } = options.config.jira;
  const site = url!.replace(/\/+$/, "");
  const deployment = jiraDeployment(options.config.jira);
  const fetchImpl = urlFetch(options.fetch ?? globalThis.fetch.bind(globalThis));
  const config: JiraJsConfig = {
    host: site,
    authentication:
      deployment === "cloud"
        ? { basic: { email: email!, apiToken: apiToken! } }
        : { oauth2: { accessToken: personalToken! } },
    // Attachment uploads and some writes need it; harmless elsewhere.
    noCheckAtlassianToken: true,
    baseRequestConfig: { adapter: "fetch", env: { fetch: fetchImpl } },
  };
  return {
    site,
    deployment,
    platform: deployment === "cloud" ? new jiraJs.Version3Client(config) : new jiraJs.Version2Client(config),
    agile: new jiraJs.AgileClient(config),
    breaker: createBreaker(`Jira (${site})`, {
      failures: options.config.server.breakerFailures,
      cooldownMs: options.config.server.breakerCooldownS * 1000,
      onChange: (state) => options.log.warn({ state }, `Jira circuit ${state}`),
    }),
  };
}

export function missingJiraCredentials(jira: Config["jira"]): string | undefined {
  if (jiraDeployment(jira) === "datacenter")
    return missingSettings("Jira", { JIRA_URL: jira.url, JIRA_PERSONAL_TOKEN: jira.personalToken });
  const missing = missingSettings("Jira", {
    JIRA_URL: jira.url,
    JIRA_EMAIL: jira.email,
    JIRA_API_TOKEN: jira.apiToken,
  });
  // Data Center / Server sites authenticate with a personal access token instead of an email and API token.
  return missing && `${missing} (Jira Cloud), or JIRA_URL and JIRA_PERSONAL_TOKEN (Data Center / Server)`;
}

/** A Jira failure in the error shape of docs/architecture.md, with Jira's own messages (per field, too). */
function toToolError(err: unknown): ToolError {
  if (err instanceof ToolError) return err;
  const e = err as { response?: { status?: number; data?: unknown; headers?: Obj }; message?: string };
  const status = e.response?.status;
  if (typeof status !== "number") {
    // axios says "Network Error"; what happened is at the end of the cause chain (DNS, refused, TLS).
    let root: unknown = err;
    while ((root as { cause?: unknown })?.cause instanceof Error) root = (root as { cause: unknown }).cause;
    const why = root === err ? (e.message ?? String(err)) : `${e.message}: ${(root as Error).message}`;
    return new ToolError("upstream", `Jira is unreachable: ${why}`, { cause: err });
  }
  const raw = (e.response?.data && typeof e.response.data === "object" ? e.response.data : {}) as Obj;
  // A bulk create where every element failed: `errors` is the list of per-element failures.
  const failed = Array.isArray(raw["errors"]) ? (raw["errors"] as Obj[]) : undefined;
  const data = { ...raw, errors: failed ? undefined : raw["errors"] } as {
    errorMessages?: string[];
    errors?: Record<string, string>;
  };
  const parts = [
    ...(data.errorMessages ?? []),
    ...Object.entries(data.errors ?? {}).map(([field, msg]) => `${field}: ${msg}`),
    ...(failed ?? []).map((f) => `issue ${String(f["failedElementNumber"])}: ${elementError(f)}`),
  ];
  const headers = e.response?.headers as { get?: (k: string) => unknown } & Obj;
  const retryAfter =
    typeof headers?.get === "function" ? headers.get("retry-after") : headers?.["retry-after"];
  return httpError({
    service: "Jira",
    status,
    message: parts.join("; "),
    retryAfterS: retryAfterSeconds(typeof retryAfter === "string" ? retryAfter : undefined),
    ...(data.errors && Object.keys(data.errors).length > 0 ? { details: { fields: data.errors } } : {}),
    ...(failed ? { details: { failed } } : {}),
  });
}

/** The message of one failed element of a bulk request. */
export function elementError(failure: Obj): string {
  const el = (failure["elementErrors"] ?? {}) as {
    errorMessages?: string[];
    errors?: Record<string, string>;
  };
  return [...(el.errorMessages ?? []), ...Object.entries(el.errors ?? {}).map(([k, v]) => `${k}: ${v}`)].join(
    "; ",
  );
}

export interface JiraRequest {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  /** Relative to the API: `/issue/API-1` (platform) or `/board/1/sprint` (agile). */
  path: string;
  /** `platform` (default): /rest/api/3 on Cloud, /rest/api/2 on Data Center; `agile`: /rest/agile/1.0. */
  api?: "platform" | "agile";
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** `arraybuffer` for downloads; default JSON. */
  responseType?: "json" | "arraybuffer";
  signal?: AbortSignal;
}

/** One Jira request through the breaker, with Jira's failures as ToolErrors. */
export async function jiraRequest<T = Obj>(deps: JiraDeps, req: JiraRequest): Promise<T> {
  const agile = req.api === "agile";
  const prefix = agile ? "/rest/agile/1.0" : `/rest/api/${deps.deployment === "cloud" ? 3 : 2}`;
  const client = agile ? deps.agile : deps.platform;
  return deps.breaker.execute(async () => {
    try {
      const res = await client.sendRequestFullResponse<T>({
        url: `${prefix}${req.path}`,
        method: req.method ?? "GET",
        params: req.query,
        data: req.body,
        headers: req.headers,
        responseType: req.responseType ?? "json",
        signal: req.signal,
      } as never);
      return res.data;
    } catch (err) {
      throw toToolError(err);
    }
  });
}

/** Plain text as the body this deployment takes: ADF on Cloud, the text itself on Data Center. */
export function richText(deps: JiraDeps, text: string): unknown {
  return deps.deployment === "cloud" ? textToAdf(text) : text;
}

/** The plain text of a rich-text value Jira returned (ADF on Cloud, a string on Data Center). */
export function plainText(value: unknown): string {
  if (typeof value === "string") return value;
  return adfText(value);
}

/** A reference to a user in a request body: `{ accountId }` on Cloud, `{ name }` on Data Center. */
export function userRef(deps: JiraDeps, id: string): Obj {
  return deps.deployment === "cloud" ? { accountId: id } : { name: id };
}

/** The id a caller passes back for a user: the accountId on Cloud, the user name on Data Center. */
export function userId(u: unknown): string | null {
  const o = u as Obj | null | undefined;
  return ((o?.["accountId"] ?? o?.["name"]) as string | undefined) ?? null;
}

export interface IssuePage {
  issues: Obj[];
  /** Give back as `page` to read on; null on the last page. */
  next: string | null;
}

/**
 * A page of a JQL search: Cloud's enhanced search (`POST /search/jql`, `nextPageToken`), Data Center's
 * `POST /search` (`startAt`, the page token is the next offset).
 */
export async function searchIssues(
  deps: JiraDeps,
  q: { jql: string; fields: string[]; max: number; page?: string },
): Promise<IssuePage> {
  if (deps.deployment === "cloud") {
    const res = await jiraRequest<{ issues?: Obj[]; nextPageToken?: string; isLast?: boolean }>(deps, {
      method: "POST",
      path: "/search/jql",
      body: { jql: q.jql, maxResults: q.max, nextPageToken: q.page, fields: q.fields },
    });
    return {
      issues: res.issues ?? [],
      next: res.isLast === false && res.nextPageToken ? res.nextPageToken : null,
    };
  }
  const startAt = q.page === undefined ? 0 : Number(q.page);
  if (!Number.isInteger(startAt) || startAt < 0)
    throw new ToolError("validation", `page "${q.page}" is not a page this search gave`);
  const res = await jiraRequest<{ issues?: Obj[]; total?: number }>(deps, {
    method: "POST",
    path: "/search",
    body: { jql: q.jql, startAt, maxResults: q.max, fields: q.fields },
  });
  const issues = res.issues ?? [];
  const end = startAt + issues.length;
  return { issues, next: issues.length > 0 && end < (res.total ?? 0) ? String(end) : null };
}

/** The browse URL of an issue. */
export const browseUrl = (deps: JiraDeps, key: string) => `${deps.site}/browse/${key}`;
