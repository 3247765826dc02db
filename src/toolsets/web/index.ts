/**
 * The web toolset: fetch a page as readable text, and search the web through a configured provider.
 *
 * web_fetch is a server fetching what a model asks for, so it refuses, by default, every address that is
 * not on the public internet (loopback, private, link-local, unique-local, the cloud metadata address):
 * checked for IP literals in the URL, for every redirect hop, and at connection time on the addresses
 * DNS returned (an undici Agent with a checking lookup), so DNS rebinding cannot slip through. Pages are
 * read up to REPOWRIGHT_WEB_MAX_BYTES; HTML becomes Markdown (scripts and styles dropped), JSON is
 * pretty-printed, text stays text, anything else is refused.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import ipaddr from "ipaddr.js";
import { NodeHtmlMarkdown } from "node-html-markdown";
import { Agent, fetch as undiciFetch } from "undici";
import { z } from "zod";
import type { Config } from "../../core/config.js";
import { ToolError, validationError } from "../../core/errors.js";
import { type Breaker, createBreaker } from "../../core/resilience.js";
import { defineTool, defineToolset, REMOTE_READ, type Tool } from "../../mcp/tool.js";

interface WebDeps {
  agent: Agent;
  config: Readonly<Config["web"]>;
  /** Pauses searches while the provider keeps failing (fetching arbitrary sites has no breaker). */
  searchBreaker: Breaker;
}

const MAX_REDIRECTS = 5;
const USER_AGENT = "repowright/0.1 (MCP web_fetch)";

/**
 * Whether an address is on the public internet (what web_fetch may reach by default). ipaddr.js gives
 * IPv4-mapped addresses their IPv4 range and puts NAT64, 6to4 and Teredo in ranges of their own (refused
 * here), but calls an IPv4-compatible address (::/96) written in hex, `::7f00:1` — which is what URL
 * parsing makes of `[::127.0.0.1]` — unicast: such an address is judged by the IPv4 address it carries.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const ip = ipaddr.process(address);
  if (ip.range() !== "unicast") return false;
  if (ip.kind() === "ipv6") {
    const p = (ip as ipaddr.IPv6).parts;
    if (p.slice(0, 6).every((x) => x === 0)) {
      const v4 = new ipaddr.IPv4([p[6]! >> 8, p[6]! & 255, p[7]! >> 8, p[7]! & 255]);
      return v4.range() === "unicast";
    }
  }
  return true;
}

function forbiddenHost(host: string, address: string): ToolError {
  return new ToolError(
    "forbidden",
    `${host} is ${address === host ? "" : `at ${address}, `}not a public internet address; web_fetch does not reach loopback, private or link-local networks (REPOWRIGHT_WEB_ALLOW_PRIVATE=true allows it)`,
    { statusCode: 403 },
  );
}

/** A connection-time check: every address DNS gives for a host must be public. */
function checkedLookup(allowPrivate: boolean) {
  return (
    hostname: string,
    options: object,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const bad = allowPrivate ? undefined : list.find((a) => !isPublicAddress(a.address));
      if (bad) return callback(forbiddenHost(hostname, bad.address) as unknown as NodeJS.ErrnoException, []);
      if ((options as { all?: boolean }).all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

function statusError(status: number, url: string, retryAfter: string | null): ToolError {
  const what = `${url} answered HTTP ${status}`;
  if (status === 404 || status === 410) return new ToolError("not_found", what, { statusCode: status });
  if (status === 401 || status === 403) return new ToolError("forbidden", what, { statusCode: status });
  if (status === 429) {
    const s = Number(retryAfter);
    return new ToolError("rate_limited", what, {
      statusCode: 429,
      ...(Number.isFinite(s) ? { retryAfterS: s } : {}),
    });
  }
  if (status >= 500) return new ToolError("upstream", what, { statusCode: status });
  return new ToolError("validation", what, { statusCode: status });
}

/** Fetches following redirects by hand, so each hop's host is checked. */
async function fetchChecked(deps: WebDeps, start: URL, signal: AbortSignal) {
  let url = start;
  for (let hop = 0; ; hop++) {
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw validationError(`only http and https URLs can be fetched, not ${url.protocol}`);
    }
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (ipaddr.isValid(host) && !deps.config.allowPrivate && !isPublicAddress(host))
      throw forbiddenHost(host, host);
    let res: Awaited<ReturnType<typeof undiciFetch>>;
    try {
      res = await undiciFetch(url, {
        dispatcher: deps.agent,
        redirect: "manual",
        signal,
        headers: {
          "user-agent": USER_AGENT,
          accept: "text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.9,*/*;q=0.5",
        },
      });
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      if (cause instanceof ToolError) throw cause;
      if (signal.aborted) throw err;
      throw new ToolError(
        "upstream",
        `fetching ${url.href} failed: ${(cause as Error)?.message ?? (err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS)
        throw new ToolError("upstream", `more than ${MAX_REDIRECTS} redirects from ${start.href}`);
      url = new URL(location, url);
      continue;
    }
    return { res, url };
  }
}

/** The body as text, at most maxBytes (and whether it was cut). */
async function readCapped(res: Awaited<ReturnType<typeof undiciFetch>>, maxBytes: number) {
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
    const { res, url } = await fetchChecked(deps, new URL(input.url), ctx.signal);
    if (res.status >= 400) {
      await res.body?.cancel();
      throw statusError(res.status, url.href, res.headers.get("retry-after"));
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
    const { config, agent, searchBreaker } = ctx.deps as WebDeps;
    let hits: SearchHit[] = [];
    const get = (url: URL, headers: Record<string, string> = {}) =>
      searchBreaker.execute(() => getJson(url, headers));
    const getJson = async (url: URL, headers: Record<string, string>) => {
      const res = await undiciFetch(url, {
        dispatcher: agent,
        signal: ctx.signal,
        headers: { accept: "application/json", "user-agent": USER_AGENT, ...headers },
      }).catch((err: unknown) => {
        if (ctx.signal.aborted) throw err;
        throw new ToolError("upstream", `the search provider is unreachable: ${(err as Error).message}`);
      });
      if (res.status >= 400) {
        await res.body?.cancel();
        throw statusError(res.status, `the search provider (${url.origin})`, res.headers.get("retry-after"));
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
    agent: new Agent({
      connect: { lookup: checkedLookup(services.config.web.allowPrivate) as never },
      connections: 16,
    }),
  }),
  close: (deps) => deps.agent.close(),
});
