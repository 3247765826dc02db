/** What the web toolset's tools share: their context and the mapping of a site's HTTP errors. */
import type { Config } from "../../core/config.js";
import { httpError, retryAfterSeconds, type ToolError } from "../../core/errors.js";
import type { Breaker } from "../../core/resilience.js";
import { toolFor } from "../../mcp/tool.js";
import type { WebClient, WebResponse } from "../../web/client.js";

export interface WebDeps {
  /** The process's web client (services.clients.web()): its Agents, the address guard, the network edges. */
  web: WebClient;
  config: Readonly<Config["web"]>;
  /** Pauses searches while the provider keeps failing (fetching arbitrary sites has no breaker). */
  searchBreaker: Breaker;
}

export const tool = toolFor<WebDeps>();

/** The user agent web_fetch sends; its first word is the robots.txt user agent. */
export const USER_AGENT = "repowright/0.1 (MCP web_fetch)";
export const ROBOTS_AGENT = "repowright";

/**
 * What an HTTP error answer becomes (the one mapping, httpError). A site's 401 stays `forbidden`: the
 * page wants credentials web_fetch does not have, not repowright's own (which `auth` would say).
 */
export function answered(service: string, res: WebResponse, page: boolean): ToolError {
  return httpError({
    service,
    status: res.status,
    retryAfterS: retryAfterSeconds(res.headers.get("retry-after")),
    ...(page && res.status === 401 ? { type: "forbidden" as const } : {}),
  });
}
