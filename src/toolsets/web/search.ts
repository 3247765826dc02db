/**
 * web_search: SearXNG (its JSON API), Brave Search (/res/v1/web/search) or Google Programmable Search
 * (/customsearch/v1), through the process's web client (its network edges; a configured endpoint, so
 * not the public-address guard). A call may name any configured provider; the default is
 * REPOWRIGHT_WEB_SEARCH, else the first configured one.
 */
import { z } from "zod";
import type { Config } from "../../core/config.js";
import { ToolError, validationError } from "../../core/errors.js";
import { REMOTE_READ } from "../../mcp/tool.js";
import { answered, tool, USER_AGENT } from "./common.js";

export const PROVIDERS = ["searxng", "brave", "google"] as const;
export type Provider = (typeof PROVIDERS)[number];

interface SearchHit {
  title: string;
  url: string;
  snippet: string;
}

type Obj = Record<string, unknown>;

/** The base URL of a provider, or undefined when it is not configured. */
function baseOf(web: Config["web"], p: Provider): string | undefined {
  const own = web.search === p ? web.searchUrl : undefined;
  if (p === "searxng") return own ?? web.searxngUrl;
  if (p === "brave") return web.braveApiKey ? (own ?? web.braveUrl) : undefined;
  return web.googleApiKey && web.googleCx ? (own ?? web.googleUrl) : undefined;
}

export function configuredProviders(web: Config["web"]): Provider[] {
  return PROVIDERS.filter((p) => baseOf(web, p) !== undefined);
}

/** A misconfigured default provider stops start-up with what to set. */
export function webConfigProblem(web: Config["web"]): string | undefined {
  if (web.search === "searxng" && !web.searchUrl && !web.searxngUrl)
    return "REPOWRIGHT_WEB_SEARCH=searxng needs REPOWRIGHT_WEB_SEARXNG_URL (or REPOWRIGHT_WEB_SEARCH_URL)";
  if (web.search === "brave" && !web.braveApiKey) return "REPOWRIGHT_WEB_SEARCH=brave needs BRAVE_API_KEY";
  if (web.search === "google" && !(web.googleApiKey && web.googleCx))
    return "REPOWRIGHT_WEB_SEARCH=google needs GOOGLE_CSE_API_KEY and GOOGLE_CSE_ID";
  return undefined;
}

const endpoint = (base: string, path: string) => new URL(path, `${base.replace(/\/+$/, "")}/`);

export const webSearch = tool({
  name: "web_search",
  title: "Search the web",
  description:
    "Search the web through a configured provider (SearXNG, Brave Search or Google Programmable Search); returns titles, URLs and snippets. Read a result with web_fetch.",
  input: z.object({
    query: z.string().min(1).max(400).describe("What to search for."),
    count: z.number().int().min(1).max(20).default(8).describe("Results to return."),
    provider: z
      .enum(PROVIDERS)
      .optional()
      .describe("Which configured provider to ask (default: the server's default provider)."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const { config, web, searchBreaker } = ctx.deps;
    const available = configuredProviders(config);
    const provider = input.provider ?? (config.search !== "none" ? config.search : available[0]);
    if (!provider) {
      throw validationError(
        "no search provider is configured: set REPOWRIGHT_WEB_SEARXNG_URL, BRAVE_API_KEY, or GOOGLE_CSE_API_KEY with GOOGLE_CSE_ID",
      );
    }
    const base = baseOf(config, provider);
    if (!base) {
      throw validationError(
        `the ${provider} provider is not configured on this server; configured: ${available.join(", ") || "none"}`,
      );
    }
    const getJson = async (url: URL, headers: Record<string, string> = {}) =>
      searchBreaker.execute(async () => {
        const res = await web
          .fetchService(url, {
            signal: ctx.signal,
            headers: { accept: "application/json", "user-agent": USER_AGENT, ...headers },
          })
          .catch((err: unknown) => {
            if (ctx.signal.aborted) throw err;
            const cause = (err as { cause?: Error }).cause;
            throw new ToolError(
              "upstream",
              `the search provider (${provider}) is unreachable: ${cause?.message ?? (err as Error).message}`,
              { cause: err },
            );
          });
        if (res.status >= 400) {
          await res.body?.cancel();
          throw answered(`the search provider (${provider}, ${url.origin})`, res, false);
        }
        return (await res.json()) as Obj;
      });
    let hits: SearchHit[];
    if (provider === "searxng") {
      const url = endpoint(base, "search");
      url.searchParams.set("q", input.query);
      url.searchParams.set("format", "json");
      const body = await getJson(url);
      hits = ((body["results"] as Obj[] | undefined) ?? []).map((r) => ({
        title: String(r["title"] ?? ""),
        url: String(r["url"] ?? ""),
        snippet: String(r["content"] ?? ""),
      }));
    } else if (provider === "brave") {
      const url = endpoint(base, "res/v1/web/search");
      url.searchParams.set("q", input.query);
      url.searchParams.set("count", String(input.count));
      const body = await getJson(url, { "x-subscription-token": config.braveApiKey! });
      const results = ((body["web"] ?? {}) as Obj)["results"] as Obj[] | undefined;
      hits = (results ?? []).map((r) => ({
        title: String(r["title"] ?? ""),
        url: String(r["url"] ?? ""),
        snippet: String(r["description"] ?? "").replace(/<\/?strong>/g, ""),
      }));
    } else {
      // Google returns at most 10 per request: more takes a second page (start=11).
      hits = [];
      for (let start = 1; hits.length < input.count && start <= 11; start += 10) {
        const url = endpoint(base, "customsearch/v1");
        url.searchParams.set("key", config.googleApiKey!);
        url.searchParams.set("cx", config.googleCx!);
        url.searchParams.set("q", input.query);
        url.searchParams.set("num", String(Math.min(10, input.count - hits.length)));
        url.searchParams.set("start", String(start));
        const items = ((await getJson(url))["items"] as Obj[] | undefined) ?? [];
        hits.push(
          ...items.map((r) => ({
            title: String(r["title"] ?? ""),
            url: String(r["link"] ?? ""),
            snippet: String(r["snippet"] ?? ""),
          })),
        );
        if (items.length < 10) break;
      }
    }
    return { query: input.query, provider, results: hits.filter((h) => h.url).slice(0, input.count) };
  },
});
