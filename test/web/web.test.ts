/**
 * The web toolset against local servers: pages as Markdown, JSON, pieces, redirects, errors and limits;
 * the private-network guard (IP literals, DNS names, metadata address); and search through SearXNG and
 * Brave Search wire formats.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPublicAddress } from "../../src/toolsets/web/index.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

type Obj = Record<string, unknown>;

const PAGE = `<!doctype html><html><head><title>Rate limits | API docs</title>
<style>body { color: red }</style><script>track("visit")</script></head>
<body><h1>Rate limits</h1><p>Each key gets <strong>60</strong> calls a minute. See <a href="/errors">errors</a>.</p>
<ul><li>429 means wait</li><li>Retry-After says how long</li></ul></body></html>`;

function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () =>
      ok({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

describe("web toolset", () => {
  let site: { server: Server; base: string };
  let search: { server: Server; base: string };
  let open: TestApp;
  let guarded: TestApp;

  beforeAll(async () => {
    site = await listen((req, res) => {
      const send = (status: number, type: string, body: string | Buffer, headers: Obj = {}) => {
        res.writeHead(status, { "content-type": type, ...(headers as Record<string, string>) });
        res.end(body);
      };
      if (req.url === "/docs") return send(200, "text/html; charset=utf-8", PAGE);
      if (req.url === "/data") return send(200, "application/json", '{"limits":{"reader":60}}');
      if (req.url === "/moved") return send(301, "text/plain", "", { location: "/docs" });
      if (req.url === "/loop") return send(302, "text/plain", "", { location: "/loop" });
      if (req.url === "/long") return send(200, "text/plain", "x".repeat(50_000));
      if (req.url === "/image") return send(200, "image/png", Buffer.from([0x89, 0x50]));
      if (req.url === "/busy") return send(429, "text/plain", "slow down", { "retry-after": "7" });
      if (req.url === "/down") return send(503, "text/plain", "maintenance");
      return send(404, "text/plain", "no");
    });
    search = await listen((req, res) => {
      const u = new URL(req.url ?? "/", "http://x");
      res.setHeader("content-type", "application/json");
      if (u.pathname === "/search" && u.searchParams.get("format") === "json") {
        return res.end(
          JSON.stringify({
            results: [
              {
                title: "MCP spec",
                url: "https://modelcontextprotocol.io/specification",
                content: `About ${u.searchParams.get("q")}`,
              },
              { title: "No URL", content: "dropped" },
            ],
          }),
        );
      }
      if (u.pathname === "/res/v1/web/search") {
        if (req.headers["x-subscription-token"] !== "brave-key") {
          res.statusCode = 401;
          return res.end("{}");
        }
        return res.end(
          JSON.stringify({
            web: {
              results: [
                { title: "Brave hit", url: "https://example.org/a", description: "a <strong>match</strong>" },
              ],
            },
          }),
        );
      }
      res.statusCode = 404;
      res.end("{}");
    });
    open = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "web",
        REPOWRIGHT_WEB_ALLOW_PRIVATE: "true",
        REPOWRIGHT_WEB_MAX_BYTES: "20000",
        REPOWRIGHT_WEB_SEARCH: "searxng",
        REPOWRIGHT_WEB_SEARCH_URL: search.base,
      },
    });
    guarded = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "web",
        REPOWRIGHT_WEB_SEARCH: "brave",
        REPOWRIGHT_WEB_SEARCH_URL: search.base,
        BRAVE_API_KEY: "brave-key",
      },
    });
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
    for (const s of [site, search]) await new Promise<void>((ok) => s?.server.close(() => ok()));
  });

  it("reads an HTML page as Markdown without scripts or styles, following redirects", async () => {
    const r = await open.call("web_fetch", { url: `${site.base}/moved` });
    expect(r.isError).toBe(false);
    const page = r.data as Obj;
    expect(page).toMatchObject({
      url: `${site.base}/docs`,
      status: 200,
      content_type: "text/html",
      title: "Rate limits | API docs",
    });
    expect(page["content"]).toContain("# Rate limits");
    expect(page["content"]).toContain("**60** calls a minute");
    expect(page["content"]).toContain("[errors](/errors)");
    expect(page["content"]).not.toMatch(/track|color: red/);
    const json = (await open.call("web_fetch", { url: `${site.base}/data` })).data as Obj;
    expect(json["content"]).toBe('{\n  "limits": {\n    "reader": 60\n  }\n}');
  });

  it("gives long pages in pieces and stops reading at the byte limit", async () => {
    const first = (await open.call("web_fetch", { url: `${site.base}/long`, max_chars: 1000 })).data as Obj;
    expect(String(first["content"])).toHaveLength(1000);
    expect(first["note"]).toMatch(
      /characters 0-1000 of 20000; call again with offset=1000.*larger than 20000 bytes/,
    );
    const next = (await open.call("web_fetch", { url: `${site.base}/long`, max_chars: 1000, offset: 19_500 }))
      .data as Obj;
    expect(String(next["content"])).toHaveLength(500);
  });

  it("maps what the site answers to the error shape", async () => {
    const cases: [string, Obj][] = [
      ["/nope", { type: "not_found", status_code: 404 }],
      ["/busy", { type: "rate_limited", status_code: 429, retry_after_s: 7 }],
      ["/down", { type: "upstream", status_code: 503 }],
      ["/image", { type: "validation" }],
      ["/loop", { type: "upstream" }],
    ];
    for (const [path, shape] of cases) {
      const r = await open.call("web_fetch", { url: `${site.base}${path}` });
      expect(r, path).toMatchObject({ isError: true, data: shape });
    }
    expect(await open.call("web_fetch", { url: "file:///etc/passwd" })).toMatchObject({
      isError: true,
      data: { type: "validation" },
    });
  });

  it("does not reach loopback, private or metadata addresses unless allowed", async () => {
    const port = new URL(site.base).port;
    for (const url of [
      `${site.base}/docs`,
      `http://localhost:${port}/docs`,
      `http://[::1]:${port}/docs`,
      `http://[::127.0.0.1]:${port}/docs`,
      "http://169.254.169.254/latest/meta-data/",
    ]) {
      const r = await guarded.call("web_fetch", { url });
      expect(r, url).toMatchObject({ isError: true, data: { type: "forbidden" } });
      expect(String((r.data as Obj)["error"])).toContain("not a public internet address");
    }
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "::1",
      "fc00::1",
      "fe80::1",
      "::ffff:10.0.0.1",
      "0.0.0.0",
      "100.64.0.1",
      // IPv4 inside IPv6: judged by the IPv4 address.
      "::127.0.0.1",
      "::7f00:1",
      "::a9fe:a9fe",
      "::10.0.0.1",
      "64:ff9b::a9fe:a9fe",
      "2002:7f00:1::1",
      "2001:0:4136:e378:8000:63bf:80ff:fffe",
    ]) {
      expect(isPublicAddress(a), a).toBe(false);
    }
    for (const a of ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:8.8.8.8", "::808:808"])
      expect(isPublicAddress(a), a).toBe(true);
  });

  it("searches through SearXNG and Brave Search", async () => {
    const sx = (await open.call("web_search", { query: "model context protocol" })).data as Obj;
    expect(sx).toEqual({
      query: "model context protocol",
      results: [
        {
          title: "MCP spec",
          url: "https://modelcontextprotocol.io/specification",
          snippet: "About model context protocol",
        },
      ],
    });
    const brave = (await guarded.call("web_search", { query: "x", count: 3 })).data as Obj;
    expect(brave["results"]).toEqual([
      { title: "Brave hit", url: "https://example.org/a", snippet: "a match" },
    ]);
  });
});
