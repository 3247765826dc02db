/**
 * web_fetch and web_fetch_batch: a URL as readable text (HTML as Markdown, JSON pretty-printed, text as
 * served, PDF as its text), read through the process's web client and its public-address guard.
 *
 * Around each fetch, in this order: the response cache in the store (REPOWRIGHT_WEB_CACHE_TTL_S, keyed
 * by URL and format, so reading a long page on at an offset does not fetch it again); the per-host rate
 * limit (REPOWRIGHT_WEB_HOST_RATE fetches a minute, counted in the store so replicas share it); robots.txt
 * when REPOWRIGHT_WEB_ROBOTS is on (RFC 9309: a 4xx robots.txt allows everything, a 5xx or unreachable
 * one disallows everything; the file is cached like a page).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { ToolError, validationError } from "../../core/errors.js";
import { REMOTE_READ, type ToolContext } from "../../mcp/tool.js";
import { pdfText } from "../../web/pdf.js";
import { parseRobots, type RobotsRules, robotsAllows } from "../../web/robots.js";
import { answered, ROBOTS_AGENT, tool, USER_AGENT, type WebDeps } from "./common.js";

type Ctx = ToolContext<WebDeps>;

const CACHE_NS = "web_cache";
const RATE_NS = "web_rate";

export interface Page {
  url: string;
  status: number;
  content_type: string;
  title?: string;
  text: string;
  /** Only the first maxBytes of the body were read. */
  cut: boolean;
  pages?: number;
}

const format = z
  .enum(["markdown", "raw"])
  .default("markdown")
  .describe("markdown (readable) or raw (the text as served).");

/** The body, at most maxBytes (and whether it was cut). */
async function readCapped(body: AsyncIterable<Uint8Array> | null, maxBytes: number) {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  if (body) {
    for await (const c of body) {
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

/** Counts a fetch against the host's budget for this minute; rate_limited when it is spent. */
async function takeHostSlot(ctx: Ctx, host: string): Promise<void> {
  const limit = ctx.deps.config.hostRatePerMinute;
  if (limit === 0) return;
  const minute = Math.floor(Date.now() / 60_000);
  const key = `${host}:${minute}`;
  const n = await ctx.store.incr(RATE_NS, key);
  if (n === 1) await ctx.store.expire(RATE_NS, key, 120_000);
  if (n > limit) {
    const wait = Math.max(1, Math.ceil(((minute + 1) * 60_000 - Date.now()) / 1000));
    throw new ToolError(
      "rate_limited",
      `${host} was fetched ${limit} times this minute (REPOWRIGHT_WEB_HOST_RATE); retry after ${wait} s`,
      { retryAfterS: wait },
    );
  }
}

async function cached<T>(ctx: Ctx, key: string, make: () => Promise<T>): Promise<{ value: T; hit: boolean }> {
  const ttl = ctx.deps.config.cacheTtlS;
  const id = createHash("sha256").update(key).digest("hex");
  if (ttl > 0) {
    const hit = await ctx.store.get(CACHE_NS, id);
    if (hit !== null) return { value: JSON.parse(hit) as T, hit: true };
  }
  const value = await make();
  if (ttl > 0) await ctx.store.set(CACHE_NS, id, JSON.stringify(value), { ttlMs: ttl * 1000 });
  return { value, hit: false };
}

/** robots.txt of an origin, as rules; `null` rules mean "everything disallowed" (a 5xx or no answer). */
async function robotsOf(ctx: Ctx, origin: string): Promise<RobotsRules | null> {
  const { value } = await cached(ctx, `robots\n${origin}`, async () => {
    const host = new URL(origin).host;
    await takeHostSlot(ctx, host);
    try {
      const { res } = await ctx.deps.web.fetchPage(new URL("/robots.txt", origin), {
        signal: ctx.signal,
        headers: { "user-agent": USER_AGENT, accept: "text/plain,*/*;q=0.5" },
      });
      if (res.status >= 500) {
        await res.body?.cancel();
        return { rules: null };
      }
      if (res.status >= 400) {
        await res.body?.cancel();
        return { rules: { allow: [], disallow: [] } };
      }
      // RFC 9309: at least 500 KiB are parsed.
      const { buf } = await readCapped(res.body as AsyncIterable<Uint8Array> | null, 512 * 1024);
      return { rules: parseRobots(buf.toString("utf8"), ROBOTS_AGENT) };
    } catch (err) {
      if (ctx.signal.aborted || (err instanceof ToolError && err.type === "forbidden")) throw err;
      return { rules: null };
    }
  });
  return value.rules;
}

/** Converts what was read into text, by content type. */
async function toText(url: URL, type: string, buf: Buffer, cut: boolean, fmt: string, maxBytes: number) {
  const isPdf =
    type === "application/pdf" || (type === "application/octet-stream" && /\.pdf$/i.test(url.pathname));
  if (isPdf) {
    if (cut) {
      throw validationError(
        `${url.href} is a PDF larger than ${maxBytes} bytes (REPOWRIGHT_WEB_MAX_BYTES); a PDF cannot be read in part`,
      );
    }
    try {
      const pdf = await pdfText(buf);
      return { text: pdf.text, pages: pdf.pages, type: "application/pdf" };
    } catch (err) {
      throw validationError(`${url.href} is not a readable PDF: ${(err as Error).message}`);
    }
  }
  const textual = type === "" || type.startsWith("text/") || /json|xml|javascript|yaml/.test(type);
  if (!textual)
    throw validationError(`${url.href} is ${type}, not text; web_fetch reads HTML, JSON, text and PDF`);
  let text = buf.toString("utf8");
  let title: string | undefined;
  if (type.includes("html") && fmt === "markdown") {
    title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim() || undefined;
    // Loaded with the first HTML page, not when the tools are listed.
    const { NodeHtmlMarkdown } = await import("node-html-markdown");
    text = NodeHtmlMarkdown.translate(
      text.replace(/<(script|style|noscript|template|svg)\b[\s\S]*?<\/\1>/gi, ""),
    );
  } else if (type.includes("json") && fmt === "markdown") {
    try {
      text = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // not valid JSON after all: leave it as served
    }
  }
  return { text, title, type };
}

/** One page, from the cache or the site (rate limit and robots.txt first). */
export async function readPage(ctx: Ctx, target: string, fmt: string): Promise<Page & { cached: boolean }> {
  const start = new URL(target);
  const { config, web } = ctx.deps;
  const { value, hit } = await cached(ctx, `page\n${fmt}\n${start.href}`, async (): Promise<Page> => {
    if (config.robots && (start.protocol === "http:" || start.protocol === "https:")) {
      const rules = await robotsOf(ctx, start.origin);
      if (!rules || !robotsAllows(rules, `${start.pathname}${start.search}`)) {
        throw new ToolError(
          "forbidden",
          rules
            ? `robots.txt of ${start.host} disallows ${start.pathname} for ${ROBOTS_AGENT}`
            : `robots.txt of ${start.host} could not be read (server error or unreachable), which disallows the whole site`,
          { statusCode: 403 },
        );
      }
    }
    if (start.protocol === "http:" || start.protocol === "https:") await takeHostSlot(ctx, start.host);
    const { res, url } = await web.fetchPage(start, {
      signal: ctx.signal,
      headers: {
        "user-agent": USER_AGENT,
        accept:
          "text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.9,application/pdf;q=0.8,*/*;q=0.5",
      },
    });
    if (res.status >= 400) {
      await res.body?.cancel();
      throw answered(url.href, res, true);
    }
    const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const known =
      type === "" || type.startsWith("text/") || /json|xml|javascript|yaml|pdf|octet-stream/.test(type);
    if (!known) {
      await res.body?.cancel();
      throw validationError(`${url.href} is ${type}, not text; web_fetch reads HTML, JSON, text and PDF`);
    }
    const { buf, cut } = await readCapped(res.body as AsyncIterable<Uint8Array> | null, config.maxBytes);
    const out = await toText(url, type, buf, cut, fmt, config.maxBytes);
    return {
      url: url.href,
      status: res.status,
      content_type: out.type || "unknown",
      ...(out.title ? { title: out.title } : {}),
      text: out.text,
      cut,
      ...(out.pages !== undefined ? { pages: out.pages } : {}),
    };
  });
  return { ...value, cached: hit };
}

/** A piece of a page, with what to do to read on. */
function piece(page: Page & { cached: boolean }, offset: number, maxChars: number, maxBytes: number) {
  const end = Math.min(page.text.length, offset + maxChars);
  const notes: string[] = [];
  if (end < page.text.length)
    notes.push(`characters ${offset}-${end} of ${page.text.length}; call again with offset=${end} for more`);
  if (page.cut) notes.push(`the page is larger than ${maxBytes} bytes; only the first part was read`);
  return {
    url: page.url,
    status: page.status,
    content_type: page.content_type,
    ...(page.title ? { title: page.title } : {}),
    ...(page.pages !== undefined ? { pages: page.pages } : {}),
    content: page.text.slice(offset, end),
    total_chars: page.text.length,
    ...(end < page.text.length ? { next_offset: end } : {}),
    cached: page.cached,
    ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
  };
}

export const webFetch = tool({
  name: "web_fetch",
  title: "Fetch a web page",
  description:
    "Fetch a URL and return its content as readable text: HTML as Markdown (scripts and styles dropped), JSON pretty-printed, text as is, PDF as its text. Long pages come in pieces: pass offset (next_offset) to read on; the page is cached, so reading on does not fetch it again. Public internet addresses only (unless the server allows private ones).",
  input: z.object({
    url: z.string().url().describe("http(s) URL."),
    format,
    max_chars: z.number().int().min(100).max(200_000).default(20_000).describe("Most characters returned."),
    offset: z.number().int().min(0).default(0).describe("Character offset to read on from."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const page = await readPage(ctx, input.url, input.format);
    return piece(page, input.offset, input.max_chars, ctx.deps.config.maxBytes);
  },
});

export const webFetchBatch = tool({
  name: "web_fetch_batch",
  title: "Fetch several web pages",
  description:
    "Fetch up to 20 URLs at once (a few at a time) and return each one's text or its own error, in the order given; one failing URL does not fail the others. Read on in a page with web_fetch and its offset.",
  input: z.object({
    urls: z.array(z.string().url()).min(1).max(20).describe("http(s) URLs."),
    format,
    max_chars: z
      .number()
      .int()
      .min(100)
      .max(50_000)
      .default(5_000)
      .describe("Most characters returned for each URL."),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(32)
      .optional()
      .describe("Most fetches at once (capped by REPOWRIGHT_WEB_BATCH_CONCURRENCY)."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const limit = Math.min(
      input.concurrency ?? ctx.deps.config.batchConcurrency,
      ctx.deps.config.batchConcurrency,
    );
    const results: unknown[] = new Array(input.urls.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < input.urls.length; i = next++) {
        const url = input.urls[i]!;
        try {
          const page = await readPage(ctx, url, input.format);
          results[i] = {
            ...piece(page, 0, input.max_chars, ctx.deps.config.maxBytes),
            requested_url: url,
            ok: true,
          };
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          if (!(err instanceof ToolError)) {
            ctx.log.error({ err, url }, "web_fetch_batch: unexpected failure");
            results[i] = { url, ok: false, type: "internal", error: "an internal error; see the server log" };
            continue;
          }
          results[i] = {
            url,
            ok: false,
            type: err.type,
            error: err.message,
            ...(err.statusCode !== undefined ? { status_code: err.statusCode } : {}),
            ...(err.retryAfterS !== undefined ? { retry_after_s: err.retryAfterS } : {}),
          };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, input.urls.length) }, worker));
    return {
      results,
      fetched: results.filter((r) => (r as { ok: boolean }).ok).length,
      failed: results.filter((r) => !(r as { ok: boolean }).ok).length,
    };
  },
});
