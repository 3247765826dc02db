/**
 * The web toolset: fetch pages (one, or a batch) as readable text, and search the web through a
 * configured provider.
 *
 * web_fetch is a server fetching what a model asks for, so it refuses, by default, every address that is
 * not on the public internet (loopback, private, link-local, unique-local, the cloud metadata address):
 * checked for IP literals in the URL, for every redirect hop, and at connection time on every address DNS
 * returned, before the checked address is dialled, so DNS rebinding cannot slip through. That lives in
 * the process's web client (src/web/client.ts, `services.clients.web()`), whose DNS lookup and dial are
 * injectable, so tests never leave loopback. Everything here (pages, robots.txt, search providers) goes
 * through that one client. The response cache, the per-host rate limit and robots.txt are in fetch.ts;
 * the providers in search.ts.
 */
import { createBreaker } from "../../core/resilience.js";
import { defineToolset, type Tool } from "../../mcp/tool.js";
import type { WebDeps } from "./common.js";
import { webFetch, webFetchBatch } from "./fetch.js";
import { webConfigProblem, webSearch } from "./search.js";

export { webConfigProblem } from "./search.js";

export const webToolset = defineToolset<WebDeps>({
  name: "web",
  description:
    "Fetch web pages (one or a batch; HTML, JSON, text, PDF) as readable text, public addresses only by default, and search the web (SearXNG, Brave or Google Programmable Search).",
  tools: [webFetch, webFetchBatch, webSearch] as unknown as Tool<never, WebDeps>[],
  unavailable: (config) => webConfigProblem(config.web),
  init: (services) => ({
    config: services.config.web,
    searchBreaker: createBreaker("the web search provider", {
      failures: services.config.server.breakerFailures,
      cooldownMs: services.config.server.breakerCooldownS * 1000,
      onChange: (state) => services.log.warn({ state }, `web search circuit ${state}`),
    }),
    // The client is the process's (closed by clients.close()), not the toolset's.
    web: services.clients.web(),
  }),
});
