/**
 * The web toolset against a local server: pages as Markdown, JSON, pieces, redirects, errors and limits;
 * the private-network guard (IP literals, DNS names, redirect hops, the metadata address); and search
 * through SearXNG and Brave Search wire formats.
 *
 * No request here can leave the machine, even with the guard broken: every app gets a fake DNS table
 * (`lookup`) and a `dial` that always connects to this test's own 127.0.0.1 server, whatever address it
 * is asked for, and records what it was asked for. Names that look public (docs.example.test) resolve to
 * public-looking addresses; refused URLs are asserted to have dialled nothing.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPublicAddress } from "../../src/web/client.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { fakeNetwork } from "./network.js";

type Obj = Record<string, unknown>;

const PAGE = `<!doctype html><html><head><title>Rate limits | API docs</title>
<style>body { color: red }</style><script>track("visit")</script></head>
<body><h1>Rate limits</h1><p>Each key gets <strong>60</strong> calls a minute. See <a href="/errors">errors</a>.</p>
<ul><li>429 means wait</li><li>Retry-After says how long</li></ul></body></html>`;

describe("web toolset", () => {
  let server: Server;
  let port = 0;
  let base = "";
  const openNet = fakeNetwork(() => port);
  const guardedNet = fakeNetwork(() => port);
  const braveDefaultNet = fakeNetwork(() => port);
  let open: TestApp;
  let guarded: TestApp;
  let braveDefault: TestApp;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const u = new URL(req.url ?? "/", "http://x");
      const send = (status: number, type: string, body: string | Buffer, headers: Obj = {}) => {
        res.writeHead(status, { "content-type": type, ...(headers as Record<string, string>) });
        res.end(body);
      };
      // The search provider's endpoints.
      if (u.pathname === "/search" && u.searchParams.get("format") === "json") {
        return send(
          200,
          "application/json",
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
        if (req.headers["x-subscription-token"] !== "brave-key") return send(401, "application/json", "{}");
        return send(
          200,
          "application/json",
          JSON.stringify({
            web: {
              results: [
                { title: "Brave hit", url: "https://example.org/a", description: "a <strong>match</strong>" },
              ],
            },
          }),
        );
      }
      // The "web sites" (every name the fake DNS knows ends up here).
      if (req.url === "/docs") return send(200, "text/html; charset=utf-8", PAGE);
      if (req.url === "/data") return send(200, "application/json", '{"limits":{"reader":60}}');
      if (req.url === "/moved") return send(301, "text/plain", "", { location: "/docs" });
      if (req.url === "/loop") return send(302, "text/plain", "", { location: "/loop" });
      if (req.url === "/to-metadata")
        return send(302, "text/plain", "", { location: "http://169.254.169.254/latest/meta-data/" });
      if (req.url === "/to-intranet")
        return send(302, "text/plain", "", { location: "http://intranet.example.test/docs" });
      if (req.url === "/long") return send(200, "text/plain", "x".repeat(50_000));
      if (req.url === "/image") return send(200, "image/png", Buffer.from([0x89, 0x50]));
      if (req.url === "/private") return send(401, "text/plain", "log in first");
      if (req.url === "/busy") return send(429, "text/plain", "slow down", { "retry-after": "7" });
      if (req.url === "/down") return send(503, "text/plain", "maintenance");
      return send(404, "text/plain", "no");
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    open = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "web",
        REPOWRIGHT_WEB_ALLOW_PRIVATE: "true",
        REPOWRIGHT_WEB_MAX_BYTES: "20000",
        REPOWRIGHT_WEB_SEARCH: "searxng",
        // A configured endpoint, on loopback: the dial goes to this server whatever it is asked for.
        REPOWRIGHT_WEB_SEARCH_URL: base,
      },
      webNetwork: openNet.network,
    });
    guarded = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "web",
        REPOWRIGHT_WEB_SEARCH: "brave",
        REPOWRIGHT_WEB_SEARCH_URL: base,
        BRAVE_API_KEY: "brave-key",
      },
      webNetwork: guardedNet.network,
    });
    braveDefault = await startTestApp({
      env: { REPOWRIGHT_TOOLSETS: "web", REPOWRIGHT_WEB_SEARCH: "brave", BRAVE_API_KEY: "brave-key" },
      webNetwork: braveDefaultNet.network,
    });
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
    await braveDefault?.close();
    await new Promise<void>((ok) => server?.close(() => ok()));
  });

  it("reads an HTML page as Markdown without scripts or styles, following redirects", async () => {
    const r = await guarded.call("web_fetch", { url: "http://docs.example.test/moved" });
    expect(r.isError).toBe(false);
    const page = r.data as Obj;
    expect(page).toMatchObject({
      url: "http://docs.example.test/docs",
      status: 200,
      content_type: "text/html",
      title: "Rate limits | API docs",
    });
    expect(page["content"]).toContain("# Rate limits");
    expect(page["content"]).toContain("**60** calls a minute");
    expect(page["content"]).toContain("[errors](/errors)");
    expect(page["content"]).not.toMatch(/track|color: red/);
    // The checked address is the one dialled: the public one DNS gave, on the URL's port.
    expect(guardedNet.looked).toContain("docs.example.test");
    expect(guardedNet.dialed).toContainEqual({
      address: "93.184.216.34",
      family: 4,
      port: 80,
      hostname: "docs.example.test",
      tls: false,
    });
    const v6 = await guarded.call("web_fetch", { url: "http://v6.example.test:8080/data" });
    expect(v6.isError, JSON.stringify(v6.data)).toBe(false);
    expect((v6.data as Obj)["content"]).toBe('{\n  "limits": {\n    "reader": 60\n  }\n}');
    expect(guardedNet.dialed).toContainEqual(
      expect.objectContaining({ address: "2606:2800:220:1:248:1893:25c8:1946", family: 6, port: 8080 }),
    );
  });

  it("gives long pages in pieces and stops reading at the byte limit", async () => {
    const first = (await open.call("web_fetch", { url: "http://docs.example.test/long", max_chars: 1000 }))
      .data as Obj;
    expect(String(first["content"])).toHaveLength(1000);
    expect(first["note"]).toMatch(
      /characters 0-1000 of 20000; call again with offset=1000.*larger than 20000 bytes/,
    );
    const next = (
      await open.call("web_fetch", { url: "http://docs.example.test/long", max_chars: 1000, offset: 19_500 })
    ).data as Obj;
    expect(String(next["content"])).toHaveLength(500);
  });

  it("maps what the site answers to the error shape", async () => {
    const cases: [string, Obj][] = [
      ["/nope", { type: "not_found", status_code: 404 }],
      ["/private", { type: "forbidden", status_code: 401 }],
      ["/busy", { type: "rate_limited", status_code: 429, retry_after_s: 7 }],
      ["/down", { type: "upstream", status_code: 503 }],
      ["/image", { type: "validation" }],
      ["/loop", { type: "upstream" }],
    ];
    for (const [path, shape] of cases) {
      const r = await open.call("web_fetch", { url: `http://docs.example.test${path}` });
      expect(r, path).toMatchObject({ isError: true, data: shape });
    }
    expect(await open.call("web_fetch", { url: "file:///etc/passwd" })).toMatchObject({
      isError: true,
      data: { type: "validation" },
    });
    // A name DNS does not know: nothing to dial.
    const before = openNet.dialed.length;
    const unknown = await open.call("web_fetch", { url: "http://nowhere.example.test/" });
    expect(unknown).toMatchObject({ isError: true, data: { type: "upstream" } });
    expect(String((unknown.data as Obj)["error"])).toContain("ENOTFOUND");
    expect(openNet.dialed.slice(before)).toEqual([]);
  });

  it("does not reach loopback, private or metadata addresses, and dials nothing for them", async () => {
    const direct = [
      `${base}/docs`,
      "http://localhost:8080/docs",
      "http://[::1]/docs",
      "http://[::127.0.0.1]/docs",
      "http://169.254.169.254/latest/meta-data/",
      "http://metadata.example.test/latest/meta-data/",
      "http://intranet.example.test/docs",
      "http://mixed.example.test/docs",
      "http://mapped.example.test/docs",
    ];
    // Redirects from a public page: the public hop is dialled, the refused hop is not.
    const viaRedirect = ["http://docs.example.test/to-metadata", "http://docs.example.test/to-intranet"];
    for (const url of [...direct, ...viaRedirect]) {
      const before = guardedNet.dialed.length;
      const r = await guarded.call("web_fetch", { url });
      expect(r, url).toMatchObject({ isError: true, data: { type: "forbidden" } });
      expect(String((r.data as Obj)["error"])).toContain("not a public internet address");
      const dialed = guardedNet.dialed.slice(before);
      if (direct.includes(url)) expect(dialed, url).toEqual([]);
      else
        expect(
          dialed.filter((d) => d.hostname !== "docs.example.test"),
          url,
        ).toEqual([]);
    }
    expect(guardedNet.dialed.every((d) => isPublicAddress(d.address) || d.address === "127.0.0.1")).toBe(
      true,
    );
    // Allowed, a private name is dialled — and the dial still reaches only this test's server.
    const allowed = await open.call("web_fetch", { url: "http://intranet.example.test/docs" });
    expect(allowed.isError, JSON.stringify(allowed.data)).toBe(false);
    expect(openNet.dialed).toContainEqual(
      expect.objectContaining({ address: "10.1.2.3", hostname: "intranet.example.test" }),
    );
  });

  it("judges addresses: loopback, private, link-local and IPv4 inside IPv6 are not public", () => {
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

  it("searches through SearXNG and Brave Search, on the configured endpoint", async () => {
    const sx = (await open.call("web_search", { query: "model context protocol" })).data as Obj;
    expect(sx).toEqual({
      query: "model context protocol",
      provider: "searxng",
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
    // The configured endpoint is an address the guard would refuse: search is not guarded, but it goes
    // through the same network edges.
    expect(guardedNet.dialed).toContainEqual(
      expect.objectContaining({ address: "127.0.0.1", port, hostname: "127.0.0.1" }),
    );
    // Brave's default endpoint is a real name: in a test it resolves to nothing and nothing is dialled.
    const unreachable = await braveDefault.call("web_search", { query: "x" });
    expect(unreachable).toMatchObject({ isError: true, data: { type: "upstream" } });
    expect(braveDefaultNet.looked).toEqual(["api.search.brave.com"]);
    expect(braveDefaultNet.dialed).toEqual([]);
  });
});
