/**
 * The /ui dashboard, in a real headless browser (playwright-core driving Debian's chromium, which .ci/run
 * installs): sign in with a JWT, the runs and jobs on the overview, a run page with its PR link, and a
 * goal's dependency graph with one column per phase and the critical path marked. Screenshots go to
 * test-output/ui/. Without chromium the browser tests skip with a message; the HTTP checks still run.
 * Chromium is started with every host but loopback unresolvable, so no packet leaves the machine.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/agents/resolver/run.js";
import { type App, createApp } from "../../src/app.js";
import { createAuthenticator } from "../../src/mcp/auth.js";
import { type HttpServer, serveHttp } from "../../src/mcp/http.js";
import { goalsToolset } from "../../src/toolsets/goals/index.js";
import { jobsToolset } from "../../src/toolsets/jobs/index.js";
import { dashboardRoute } from "../../src/ui/dashboard.js";
import { REPO_ROOT, tempHome } from "../mcp/serve-process.js";

const SECRET = "a-dashboard-ui-test-secret-of-32-characters-or-more";
const OUT = join(REPO_ROOT, "test-output/ui");
const CHROMIUM = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (p): p is string => !!p && existsSync(p),
);

const token = (roles: string[]) =>
  new SignJWT({ roles })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("ops-viewer")
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(SECRET));

const RUN: RunRecord = {
  id: "acme-api-42-1",
  repository: "acme/api",
  issue: 42,
  trigger: { kind: "label", user: "octocat" },
  startedAt: new Date(Date.now() - 300_000).toISOString(),
  finishedAt: new Date().toISOString(),
  phases: [
    { name: "gather", startedAt: new Date().toISOString(), durationMs: 1200, ok: true },
    {
      name: "reproduce",
      startedAt: new Date().toISOString(),
      durationMs: 8000,
      ok: true,
      detail: "1 failing test",
    },
    { name: "edit", startedAt: new Date().toISOString(), durationMs: 30_000, ok: true },
    { name: "verify", startedAt: new Date().toISOString(), durationMs: 9000, ok: true },
    { name: "report", startedAt: new Date().toISOString(), durationMs: 900, ok: true },
  ],
  base: { branch: "main", sha: "0123456789abcdef0123" },
  tests: {
    command: "npm test",
    source: "package.json",
    base: { summary: "1 failed", passed: 9, failed: 1 },
    change: { summary: "all passed", passed: 10, failed: 0 },
  },
  evidence: { fixed: ["login > rejects expired sessions"], broken: [] },
  model: {
    name: "claude-x",
    turns: 7,
    inputTokens: 12000,
    outputTokens: 900,
    cachedTokens: 4000,
    dollars: 0.0421,
    toolCalls: 11,
  },
  summary: "Compare expiry in UTC.",
  outcome: {
    kind: "pr_opened",
    pr: 77,
    url: "http://127.0.0.1:9/acme/api/pull/77",
    branch: "repowright/issue-42",
    updated: false,
  },
};

describe("the /ui dashboard", () => {
  let app: App;
  let http: HttpServer;
  let origin: string;
  let goalId: string;
  let jwt: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    app = await createApp({
      env: {
        REPOWRIGHT_HOME: tempHome(),
        REPOWRIGHT_LOG_LEVEL: "silent",
        REPOWRIGHT_QUEUE: "sqlite",
        REPOWRIGHT_STORE: "sqlite",
        REPOWRIGHT_AUTH: "jwt",
        REPOWRIGHT_AUTH_JWT_SECRET: SECRET,
      },
      toolsets: [goalsToolset, jobsToolset],
    });
    const authenticator = createAuthenticator(app.config.auth);
    http = await serveHttp(app.host, {
      host: "127.0.0.1",
      port: 0,
      stateless: false,
      allowedHosts: [],
      authenticator,
      routes: [dashboardRoute(app.host, { authenticator })],
    });
    origin = http.url.replace(/\/mcp$/, "");
    jwt = await token(["maintainer"]);
    await app.store.putDoc({ collection: "resolver-runs", id: RUN.id, data: RUN });
    await app.queue.enqueue("github.event", { delivery: "d-1" }, { delayMs: 3_600_000 });
    const caller = { id: "seed", roles: ["admin"], transport: "in-process" as const };
    const goal = await app.host.invoke("create_goal", { title: "Ship login v2" }, { caller });
    if (!goal.ok) throw new Error(goal.error.error);
    goalId = (goal.value as { goal: { id: string } }).goal.id;
    // a -> b -> d, a -> c: three phases; the critical path is a, b, d.
    const tasks = await app.host.invoke(
      "create_tasks",
      {
        goal_id: goalId,
        tasks: [
          { ref: "a", title: "Schema for sessions" },
          { ref: "b", title: "Token refresh", depends_on: ["a"], estimate: 5 },
          { ref: "c", title: "Docs", depends_on: ["a"], estimate: 1 },
          { ref: "d", title: "Roll out", depends_on: ["b"], estimate: 2 },
        ],
      },
      { caller },
    );
    if (!tasks.ok) throw new Error(tasks.error.error);
    mkdirSync(OUT, { recursive: true });
    if (CHROMIUM) {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--no-sandbox",
          "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-domain-reliability",
          "--disable-sync",
          "--no-first-run",
        ],
      });
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await app?.close();
  });

  it("asks for a token, serves nothing from elsewhere, and refuses writes", async () => {
    const anon = await fetch(`${origin}/ui`);
    expect(anon.status).toBe(401);
    expect(await anon.text()).toMatch(/name="token"/);
    const ok = await fetch(`${origin}/ui`, { headers: { authorization: `Bearer ${jwt}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    const html = await ok.text();
    // Every script, stylesheet and image is this server's (links to the PR are plain anchors).
    expect(html).not.toMatch(/<script/);
    for (const [, url] of html.matchAll(/(?:src|<link[^>]*href)="([^"]+)"/g)) expect(url).toMatch(/^\//);
    const css = await fetch(`${origin}/ui/ui.css`);
    expect(css.headers.get("content-type")).toMatch(/text\/css/);
    expect(
      (await fetch(`${origin}/ui`, { method: "POST", headers: { authorization: `Bearer ${jwt}` } })).status,
    ).toBe(405);
    const bad = await fetch(`${origin}/ui/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "token=not-a-jwt",
    });
    expect(bad.status).toBe(401);
  });

  it("signs in in the browser and shows the runs and the jobs", async (ctx) => {
    if (!browser)
      return ctx.skip("no chromium (apt-get install chromium, or set CHROMIUM_PATH): browser test skipped");
    const page = await browser.newPage({ javaScriptEnabled: false, viewport: { width: 1300, height: 900 } });
    await page.goto(`${origin}/ui`);
    await page.fill('input[name="token"]', jwt);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${origin}/ui`);
    await expect.poll(() => page.locator("#runs tbody tr").count()).toBe(1);
    expect(await page.locator("#runs").innerText()).toContain("acme/api#42");
    expect(await page.locator('#jobs [data-state="delayed"]').innerText()).toBe("1");
    expect(await page.locator("#jobs tbody").innerText()).toContain("github.event");
    await page.screenshot({ path: join(OUT, "overview.png"), fullPage: true });

    await page.click(`a[href="/ui/runs/${RUN.id}"]`);
    const pr = page.locator("#outcome a");
    expect(await pr.innerText()).toBe("PR #77");
    expect(await pr.getAttribute("href")).toBe(RUN.outcome!.kind === "pr_opened" ? RUN.outcome!.url : "");
    expect(await page.locator("#cost").innerText()).toBe("$0.0421");
    expect(await page.locator("ul.evidence").innerText()).toContain("rejects expired sessions");
    expect(await page.locator("main table").first().locator("tbody tr").count()).toBe(5);
    await page.screenshot({ path: join(OUT, "run.png"), fullPage: true });
    await page.close();
  });

  it("draws a goal as columns of phases with the critical path", async (ctx) => {
    if (!browser)
      return ctx.skip("no chromium (apt-get install chromium, or set CHROMIUM_PATH): browser test skipped");
    const context = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${jwt}` } });
    const page = await context.newPage();
    await page.goto(`${origin}/ui`);
    await page.click(`a[href="/ui/goals/${goalId}"]`);
    const svg = page.locator("figure.graph svg");
    await svg.waitFor();
    expect(await svg.locator("g.phase-column").count()).toBe(3);
    expect(await svg.locator("g.task").count()).toBe(4);
    expect(await svg.locator("path.edge").count()).toBe(3);
    const critical = await svg
      .locator("g.task.critical")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-task")));
    expect(critical).toHaveLength(3);
    expect(await svg.locator("path.edge.critical").count()).toBe(2);
    // The columns really sit left to right, as a user sees them.
    const xs = await svg
      .locator("g.phase-column rect")
      .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().x));
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    const shot = await page.screenshot({ path: join(OUT, "goal.png"), fullPage: true });
    expect(shot.length).toBeGreaterThan(5000);
    await context.close();
  });
});
