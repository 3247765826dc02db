/**
 * The web toolset: fetch a page as readable text, and search the web through a configured provider.
 *
 * web_fetch is a server fetching what a model asks for, so it refuses, by default, every address that is
 * not on the public internet (loopback, private, link-local, unique-local, the cloud metadata address):
 * checked for IP literals in the URL, for every redirect hop, and at connection time on every address DNS
 * returned, before the checked address is dialled, so DNS rebinding cannot slip through. That lives in
 * the process's web client (src/web/client.ts, `services.clients.web()`), whose DNS lookup and dial are
 * injectable, so tests never leave loopback. Pages are
 * read up to REPOWRIGHT_WEB_MAX_BYTES; HTML becomes Markdown (scripts and styles dropped), JSON is
 * pretty-printed, text stays text, anything else is refused.
 */
import { NodeHtmlMarkdown } from "node-html-markdown";
import { z } from "zod";
import type { Config } from "../../core/config.js";
import { httpError, retryAfterSeconds, ToolError, validationError } from "../../core/errors.js";
import { type Breaker, createBreaker } from "../../core/resilience.js";
import { defineTool, defineToolset, REMOTE_READ, type Tool } from "../../mcp/tool.js";
import type { WebClient, WebResponse } from "../../web/client.js";

interface WebDeps {
  /** The process's web client (services.clients.web()): its Agents, the address guard, the network edges. */
  web: WebClient;
  config: Readonly<Config["web"]>;
  /** Pauses searches while the provider keeps failing (fetching arbitrary sites has no breaker). */
  searchBreaker: Breaker;
}

const USER_AGENT = "repowright/0.1 (MCP web_fetch)";

/**
 * What an HTTP error answer becomes (the one mapping, httpError). A site's 401 stays `forbidden`: the
 * page wants credentials web_fetch does not have, not repowright's own (which `auth` would say).
 */
function answered(service: string, res: WebResponse, page: boolean): ToolError {
  return httpError({
    service,
    status: res.status,
    retryAfterS: retryAfterSeconds(res.headers.get("retry-after")),
    ...(page && res.status === 401 ? { type: "forbidden" as const } : {}),
  });
}

/** The body as text, at most maxBytes (and whether it was cut). */
async function readCapped(res: WebResponse, maxBytes: number) {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  if (res.body) {
    for await (const chunk of res.body) {
      const c = chunk as Uint8Array;
      if (size + c.length > maxBytes) {
        chunks.push(c.subarray(0, maxBytes - size));
        size = maxBytes;
        cut = true;
        break;
      }
      chunks.push(c);
      size += c.length;
    }
  }
  return { buf: Buffer.concat(chunks), cut };
}

export const webFetch = defineTool({
  name: "web_fetch",
  title: "Fetch a web page",
  description:
    "Fetch a URL and return its content as readable text: HTML as Markdown (scripts and styles dropped), JSON pretty-printed, text as is. Long pages come in pieces: pass offset to read on. Public internet addresses only (unless the server allows private ones).",
  input: z.object({
    url: z.string().url().describe("http(s) URL."),
    format: z
      .enum(["markdown", "raw"])
      .default("markdown")
      .describe("markdown (readable) or raw (the text as served)."),
    max_chars: z.number().int().min(100).max(200_000).default(20_000).describe("Most characters returned."),
    offset: z.number().int().min(0).default(0).describe("Character offset to read on from."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const deps = ctx.deps as WebDeps;
    const { res, url } = await deps.web.fetchPage(new URL(input.url), {
      signal: ctx.signal,
      headers: {
        "user-agent": USER_AGENT,
        accept: "text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.9,*/*;q=0.5",
      },
    });
    if (res.status >= 400) {
      await res.body?.cancel();
      throw answered(url.href, res, true);
    }
    const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const textual = type === "" || type.startsWith("text/") || /json|xml|javascript|yaml/.test(type);
    if (!textual) {
      await res.body?.cancel();
      throw validationError(`${url.href} is ${type}, not text; web_fetch reads HTML, JSON and text`);
    }
    const { buf, cut } = await readCapped(res, deps.config.maxBytes);
    let text = buf.toString("utf8");
    let title: string | undefined;
    if (type.includes("html") && input.format === "markdown") {
      title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim() || undefined;
      text = NodeHtmlMarkdown.translate(
        text.replace(/<(script|style|noscript|template|svg)\b[\s\S]*?<\/\1>/gi, ""),
      );
    } else if (type.includes("json") && input.format === "markdown") {
      try {
        text = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // not valid JSON after all: leave it as served
      }
    }
    const end = Math.min(text.length, input.offset + input.max_chars);
    const notes: string[] = [];
    if (end < text.length)
      notes.push(
        `characters ${input.offset}-${end} of ${text.length}; call again with offset=${end} for more`,
      );
    if (cut)
      notes.push(`the page is larger than ${deps.config.maxBytes} bytes; only the first part was read`);
    return {
      url: url.href,
      status: res.status,
      content_type: type || "unknown",
      ...(title ? { title } : {}),
      content: text.slice(input.offset, end),
      ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
    };
  },
});

interface SearchHit {
  title: string;
  url: string;
  snippet: string;
}

export const webSearch = defineTool({
  name: "web_search",
  title: "Search the web",
  description:
    "Search the web through the configured provider (SearXNG or Brave Search); returns titles, URLs and snippets. Read a result with web_fetch.",
  input: z.object({
    query: z.string().min(1).max(400).describe("What to search for."),
    count: z.number().int().min(1).max(20).default(8).describe("Results to return."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const { config, web, searchBreaker } = ctx.deps as WebDeps;
    let hits: SearchHit[] = [];
    const get = (url: URL, headers: Record<string, string> = {}) =>
      searchBreaker.execute(() => getJson(url, headers));
    const getJson = async (url: URL, headers: Record<string, string>) => {
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
            `the search provider is unreachable: ${cause?.message ?? (err as Error).message}`,
            { cause: err },
          );
        });
      if (res.status >= 400) {
        await res.body?.cancel();
        throw answered(`the search provider (${url.origin})`, res, false);
      }
      return (await res.json()) as Record<string, unknown>;
    };
    if (config.search === "searxng") {
      const url = new URL("search", `${config.searchUrl!.replace(/\/+$/, "")}/`);
      url.searchParams.set("q", input.query);
      url.searchParams.set("format", "json");
      const body = await get(url);
      hits = ((body["results"] as Record<string, unknown>[] | undefined) ?? []).map((r) => ({
        title: String(r["title"] ?? ""),
        url: String(r["url"] ?? ""),
        snippet: String(r["content"] ?? ""),
      }));
    } else if (config.search === "brave") {
      const url = new URL(
        "res/v1/web/search",
        `${(config.searchUrl ?? "https://api.search.brave.com").replace(/\/+$/, "")}/`,
      );
      url.searchParams.set("q", input.query);
      url.searchParams.set("count", String(input.count));
      const body = await get(url, { "x-subscription-token": config.braveApiKey! });
      const web = (body["web"] ?? {}) as Record<string, unknown>;
      hits = ((web["results"] as Record<string, unknown>[] | undefined) ?? []).map((r) => ({
        title: String(r["title"] ?? ""),
        url: String(r["url"] ?? ""),
        snippet: String(r["description"] ?? "").replace(/<\/?strong>/g, ""),
      }));
    } else {
      throw validationError(
        "no search provider is configured: set REPOWRIGHT_WEB_SEARCH=searxng with REPOWRIGHT_WEB_SEARCH_URL, or REPOWRIGHT_WEB_SEARCH=brave with BRAVE_API_KEY",
      );
    }
    return { query: input.query, results: hits.filter((h) => h.url).slice(0, input.count) };
  },
});

/** A misconfigured search provider stops start-up with what to set. */
export function webConfigProblem(web: Config["web"]): string | undefined {
  if (web.search === "searxng" && !web.searchUrl)
    return "REPOWRIGHT_WEB_SEARCH=searxng needs REPOWRIGHT_WEB_SEARCH_URL";
  if (web.search === "brave" && !web.braveApiKey) return "REPOWRIGHT_WEB_SEARCH=brave needs BRAVE_API_KEY";
  return undefined;
}

export const webToolset = defineToolset<WebDeps>({
  name: "web",
  description:
    "Fetch web pages as readable text (public addresses only by default) and search the web (SearXNG or Brave).",
  tools: [webFetch, webSearch] as unknown as Tool<never, WebDeps>[],
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
