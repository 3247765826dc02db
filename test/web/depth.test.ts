/**
 * The web toolset's depth, against one local server reached only through the fake network
 * (test/web/network.ts): web_fetch_batch (its concurrency limit, results per URL in order), PDF text,
 * the response cache in the store, the per-host rate limit, robots.txt, and search through Google
 * Programmable Search's /customsearch/v1 with the provider chosen per call.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { fakeNetwork } from "./network.js";

type Obj = Record<string, unknown>;

/** A minimal PDF: one page per entry, each line drawn in Helvetica (no compression, real xref offsets). */
function makePdf(pages: string[][]): Buffer {
  const objs: string[] = ["<< /Type /Catalog /Pages 2 0 R >>", ""];
  const kids: string[] = [];
  const font = 3;
  objs.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  for (const lines of pages) {
    const stream = lines.map((l, i) => `BT /F1 12 Tf 72 ${720 - i * 20} Td (${l}) Tj ET`).join("\n");
    objs.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
    const contents = objs.length;
    objs.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${contents} 0 R /Resources << /Font << /F1 ${font} 0 R >> >> >>`,
    );
    kids.push(`${objs.length} 0 R`);
  }
  objs[1] = `<< /Type /Pages /Kids [${kids.join(" ")}] /Count ${pages.length} >>`;
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

describe("web toolset: batch, PDF, cache, rate limit, robots.txt, Google search", () => {
  let server: Server;
  let port = 0;
  const hits = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const googleCalls: URLSearchParams[] = [];
  const mainNet = fakeNetwork(() => port);
  const rateNet = fakeNetwork(() => port);
  let main: TestApp;
  let rate: TestApp;

  beforeAll(async () => {
    const pdf = makePdf([["Quarterly report", "Revenue grew"], ["Second page text"]]);
    server = createServer((req, res) => {
      const host = (req.headers.host ?? "").split(":")[0]!;
      const u = new URL(req.url ?? "/", "http://x");
      const key = `${host}${u.pathname}`;
      hits.set(key, (hits.get(key) ?? 0) + 1);
      const send = (status: number, type: string, body: string | Buffer) => {
        res.writeHead(status, { "content-type": type });
        res.end(body);
      };
      if (u.pathname === "/customsearch/v1") {
        googleCalls.push(u.searchParams);
        if (u.searchParams.get("key") !== "g-key" || u.searchParams.get("cx") !== "engine-1")
          return send(
            400,
            "application/json",
            JSON.stringify({ error: { code: 400, message: "API key not valid" } }),
          );
        const start = Number(u.searchParams.get("start"));
        const num = Number(u.searchParams.get("num"));
        const items = Array.from({ length: Math.min(num, 15 - (start - 1)) }, (_, i) => ({
          title: `Result ${start + i}`,
          link: `https://example.org/${start + i}`,
          snippet: `about ${u.searchParams.get("q")}`,
        }));
        return send(200, "application/json", JSON.stringify({ items }));
      }
      if (u.pathname === "/search" && u.searchParams.get("format") === "json") {
        return send(
          200,
          "application/json",
          JSON.stringify({ results: [{ title: "SX", url: "https://sx.example/", content: "s" }] }),
        );
      }
      if (u.pathname === "/robots.txt") {
        if (host === "robots.example.test")
          return send(
            200,
            "text/plain",
            "User-agent: *\nDisallow: /\n\n# ours\nUser-agent: repowright\nAllow: /public\nDisallow: /private\nDisallow: /*.json$\n",
          );
        if (host === "down-robots.example.test") return send(503, "text/plain", "down");
        return send(404, "text/plain", "none");
      }
      if (u.pathname.startsWith("/slow/")) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        setTimeout(() => {
          inFlight--;
          send(200, "text/plain", `slow ${u.pathname.slice(6)}`);
        }, 60);
        return;
      }
      if (u.pathname === "/counted") return send(200, "text/plain", "y".repeat(3000));
      if (u.pathname === "/doc.pdf") return send(200, "application/pdf", pdf);
      if (u.pathname === "/download/report.pdf") return send(200, "application/octet-stream", pdf);
      if (u.pathname === "/broken.pdf") return send(200, "application/pdf", "not a pdf at all");
      if (
        u.pathname.startsWith("/public") ||
        u.pathname.startsWith("/private") ||
        u.pathname.endsWith(".json")
      )
        return send(200, "text/plain", `page ${u.pathname}`);
      return send(404, "text/plain", "no");
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    port = (server.address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}`;
    main = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "web",
        REPOWRIGHT_WEB_ROBOTS: "true",
        REPOWRIGHT_WEB_BATCH_CONCURRENCY: "3",
        REPOWRIGHT_WEB_SEARCH: "google",
        GOOGLE_CSE_API_KEY: "g-key",
        GOOGLE_CSE_ID: "engine-1",
        REPOWRIGHT_WEB_GOOGLE_URL: base,
        REPOWRIGHT_WEB_SEARXNG_URL: base,
      },
      webNetwork: mainNet.network,
    });
    rate = await startTestApp({
      env: { REPOWRIGHT_TOOLSETS: "web", REPOWRIGHT_WEB_HOST_RATE: "3", REPOWRIGHT_WEB_CACHE_TTL_S: "0" },
      webNetwork: rateNet.network,
    });
  });
  afterAll(async () => {
    await main?.close();
    await rate?.close();
    await new Promise<void>((ok) => server?.close(() => ok()));
  });

  it("fetches a batch a few at a time, each URL with its own result, in order", async () => {
    const urls = [
      ...[1, 2, 3, 4, 5, 6].map((n) => `http://docs.example.test/slow/${n}`),
      "http://docs.example.test/missing",
      "http://intranet.example.test/slow/9",
    ];
    const r = await main.call("web_fetch_batch", { urls, concurrency: 10 });
    expect(r.isError, JSON.stringify(r.data)).toBe(false);
    const out = r.data as { results: Obj[]; fetched: number; failed: number };
    expect(out).toMatchObject({ fetched: 6, failed: 2 });
    expect(out.results.map((x) => x["requested_url"] ?? x["url"])).toEqual(urls);
    expect(out.results[0]).toMatchObject({ ok: true, content: "slow 1", status: 200 });
    expect(out.results[6]).toMatchObject({ ok: false, type: "not_found", status_code: 404 });
    expect(out.results[7]).toMatchObject({ ok: false, type: "forbidden" });
    // Asked for 10 at once; the server's limit is 3, and the batch did use more than one.
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(maxInFlight).toBeGreaterThan(1);
  });

  it("reads a PDF's text, page by page", async () => {
    const r = (await main.call("web_fetch", { url: "http://docs.example.test/doc.pdf" })).data as Obj;
    expect(r).toMatchObject({ content_type: "application/pdf", pages: 2 });
    expect(r["content"]).toBe(
      "--- page 1 ---\nQuarterly report\nRevenue grew\n\n--- page 2 ---\nSecond page text",
    );
    const octet = (await main.call("web_fetch", { url: "http://docs.example.test/download/report.pdf" }))
      .data as Obj;
    expect(String(octet["content"])).toContain("Revenue grew");
    const broken = await main.call("web_fetch", { url: "http://docs.example.test/broken.pdf" });
    expect(broken).toMatchObject({ isError: true, data: { type: "validation" } });
    expect(String((broken.data as Obj)["error"])).toContain("not a readable PDF");
  });

  it("keeps fetched pages in the store: reading on at an offset does not fetch again", async () => {
    const first = (
      await main.call("web_fetch", { url: "http://other.example.test/counted", max_chars: 1000 })
    ).data as Obj;
    expect(first).toMatchObject({ cached: false, total_chars: 3000, next_offset: 1000 });
    const next = (
      await main.call("web_fetch", {
        url: "http://other.example.test/counted",
        max_chars: 1000,
        offset: 1000,
      })
    ).data as Obj;
    expect(next).toMatchObject({ cached: true, next_offset: 2000 });
    expect(String(next["content"])).toHaveLength(1000);
    expect(hits.get("other.example.test/counted")).toBe(1);
  });

  it("limits fetches per host per minute, counted in the store", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await rate.call("web_fetch", { url: "http://docs.example.test/counted" });
      expect(r.isError, JSON.stringify(r.data)).toBe(false);
    }
    const before = rateNet.dialed.length;
    const limited = await rate.call("web_fetch", { url: "http://docs.example.test/counted" });
    expect(limited).toMatchObject({ isError: true, data: { type: "rate_limited" } });
    const wait = Number((limited.data as Obj)["retry_after_s"]);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    expect(rateNet.dialed.length).toBe(before);
    // Another host has its own budget.
    expect((await rate.call("web_fetch", { url: "http://other.example.test/counted" })).isError).toBe(false);
  });

  it("respects robots.txt: our group's rules, wildcards, a failing robots.txt, a missing one", async () => {
    const ok = await main.call("web_fetch", { url: "http://robots.example.test/public/a" });
    expect(ok.isError, JSON.stringify(ok.data)).toBe(false);
    for (const path of ["/private/b", "/public/data.json"]) {
      const r = await main.call("web_fetch", { url: `http://robots.example.test${path}` });
      expect(r, path).toMatchObject({ isError: true, data: { type: "forbidden" } });
      expect(String((r.data as Obj)["error"])).toContain("robots.txt of robots.example.test disallows");
    }
    // Our group replaces the `*` group (which disallows everything): a path it does not name is allowed.
    const elsewhere = await main.call("web_fetch", { url: "http://robots.example.test/elsewhere" });
    expect(elsewhere).toMatchObject({ isError: true, data: { type: "not_found" } });
    // The disallowed pages were never requested, and robots.txt was read once (cached).
    expect(hits.get("robots.example.test/private/b")).toBeUndefined();
    expect(hits.get("robots.example.test/robots.txt")).toBe(1);
    const down = await main.call("web_fetch", { url: "http://down-robots.example.test/public/a" });
    expect(down).toMatchObject({ isError: true, data: { type: "forbidden" } });
    expect(String((down.data as Obj)["error"])).toContain("could not be read");
    // docs.example.test has no robots.txt (404): everything is allowed.
    expect((await main.call("web_fetch", { url: "http://docs.example.test/public/x" })).isError).toBe(false);
  });

  it("searches Google Programmable Search by default, another configured provider when asked", async () => {
    const g = (await main.call("web_search", { query: "mcp servers", count: 12 })).data as Obj;
    expect(g["provider"]).toBe("google");
    const results = g["results"] as Obj[];
    expect(results).toHaveLength(12);
    expect(results[0]).toEqual({
      title: "Result 1",
      url: "https://example.org/1",
      snippet: "about mcp servers",
    });
    expect(results[11]).toMatchObject({ url: "https://example.org/12" });
    // Google gives at most 10 a request: the second page starts at 11 and asks for the rest.
    expect(googleCalls.map((p) => [p.get("start"), p.get("num")])).toEqual([
      ["1", "10"],
      ["11", "2"],
    ]);
    const sx = (await main.call("web_search", { query: "x", provider: "searxng" })).data as Obj;
    expect(sx).toMatchObject({ provider: "searxng", results: [{ title: "SX" }] });
    const brave = await main.call("web_search", { query: "x", provider: "brave" });
    expect(brave).toMatchObject({ isError: true, data: { type: "validation" } });
    expect(String((brave.data as Obj)["error"])).toContain("configured: searxng, google");
  });
});
