/**
 * Jobs through the server: a long tool run with background: true returns a job at once, which the
 * server's worker runs through the pipeline; its status is read with get_job, the job's resource and
 * GET /api/v1/jobs/<id>; a webhook delivery becomes one job however often GitHub sends it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhooks } from "@octokit/webhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restRoutes } from "../../src/gateway/rest.js";
import { enqueueDelivery, type GithubEventSubscriber, startWorking, TOOL_JOB } from "../../src/jobs/index.js";
import { type HttpServer, serveHttp } from "../../src/mcp/http.js";
import type { QueueWorker } from "../../src/queue/index.js";
import { type GithubDelivery, githubWebhookRoute, WEBHOOK_PATH } from "../../src/webhooks/github.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

type Obj = Record<string, unknown>;
const SECRET = "jobs test secret";

describe("jobs", () => {
  let app: TestApp;
  let http: HttpServer;
  let origin: string;
  let worker: QueueWorker;
  let repo: string;
  const events: GithubDelivery[] = [];

  beforeAll(async () => {
    repo = mkdtempSync(join(tmpdir(), "rw-jobs-repo-"));
    mkdirSync(join(repo, "src"));
    for (let i = 0; i < 20; i++)
      writeFileSync(
        join(repo, "src", `m${i}.ts`),
        `export function f${i}(x: number) {\n  return x + ${i};\n}\n`,
      );
    app = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: "memory,code,jobs" } });
    const subscriber: GithubEventSubscriber = {
      name: "recorder",
      events: ["issues"],
      async handle(event) {
        events.push(event);
        return { seen: event.id };
      },
    };
    worker = startWorking({ host: app.host, queue: app.queue, subscribers: [subscriber] });
    http = await serveHttp(app.host, {
      host: "127.0.0.1",
      port: 0,
      stateless: true,
      allowedHosts: [],
      routes: [
        githubWebhookRoute({
          secret: SECRET,
          store: app.store,
          log: app.log,
          registry: app.host.metrics.registry,
          maxBodyBytes: 64 * 1024,
          accept: enqueueDelivery(app.queue),
        }),
        restRoutes(app.host),
      ],
    });
    origin = http.url.replace(/\/mcp$/, "");
  });
  afterAll(async () => {
    await worker?.close();
    await http?.close();
    await app?.close();
    rmSync(repo, { recursive: true, force: true });
  });

  it("runs index_repository in the background and reports it through get_job, the resource and REST", async () => {
    const started = await app.call("index_repository", { path: repo, embedder: "none", background: true });
    expect(started.isError).toBe(false);
    const ticket = started.data as Obj;
    expect(ticket).toMatchObject({
      kind: TOOL_JOB,
      tool: "index_repository",
      created: true,
      done: false,
      follow: { tool: "get_job", rest: `/api/v1/jobs/${ticket["job_id"]}` },
    });
    const id = ticket["job_id"] as string;
    const done = await app.call("get_job", { job_id: id, wait_s: 60 });
    expect(done.data).toMatchObject({ job_id: id, state: "completed", done: true, attempts: 1 });
    expect((done.data as Obj)["result"]).toMatchObject({ files_indexed: 20 });
    // The index the job built is the one search uses.
    const hits = await app.call("search_codebase", { path: repo, query: "f7" });
    expect(JSON.stringify(hits.data)).toContain("m7.ts");

    const read = await app.client.readResource({ uri: `repowright://jobs/${id}` });
    expect(JSON.parse(String((read.contents[0] as { text?: string })?.text))).toMatchObject({
      job_id: id,
      state: "completed",
    });

    const rest = await fetch(`${origin}/api/v1/jobs/${id}`);
    expect(rest.status).toBe(200);
    expect(await rest.json()).toMatchObject({ job_id: id, state: "completed", tool: "index_repository" });
    const listed = (await (await fetch(`${origin}/api/v1/jobs?state=completed`)).json()) as Obj;
    expect((listed["jobs"] as Obj[]).map((j) => j["job_id"])).toContain(id);
    const missing = await fetch(`${origin}/api/v1/jobs/no-such-job`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ type: "not_found" });
  });

  it("checks a background call like any other: a bad argument ends the job dead, not retried", async () => {
    const { job } = await app.queue.enqueue(TOOL_JOB, {
      tool: "index_repository",
      args: { path: join(repo, "does-not-exist") },
      caller: { id: "test", roles: ["admin"], transport: "in-process" },
    });
    const done = await app.call("get_job", { job_id: job.id, wait_s: 30 });
    expect(done.data).toMatchObject({ state: "dead", attempts: 1 });
    expect(String((done.data as Obj)["error"])).toMatch(/^(validation|not_found): /);
  });

  it("cancels a job over REST", async () => {
    const { job } = await app.queue.enqueue(
      TOOL_JOB,
      { tool: "cache_get", args: { key: "x" }, caller: { id: "test", roles: [], transport: "in-process" } },
      { delayMs: 60_000 },
    );
    const res = await fetch(`${origin}/api/v1/jobs/${job.id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ job_id: job.id, state: "cancelled", done: true });
  });

  it("turns a webhook delivery into one job, however often it is delivered", async () => {
    const signer = new Webhooks({ secret: SECRET });
    const body = JSON.stringify({
      action: "labeled",
      issue: { number: 7 },
      repository: { full_name: "o/r" },
    });
    const send = async () =>
      fetch(`${origin}${WEBHOOK_PATH}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "issues",
          "x-github-delivery": "delivery-jobs-1",
          "x-hub-signature-256": await signer.sign(body),
        },
        body,
      });
    const first = await send();
    expect(first.status).toBe(202);
    const { job_id } = (await first.json()) as { job_id: string };
    expect((await send()).status).toBe(200);
    const done = await app.queue.wait(job_id, { timeoutMs: 20_000 });
    expect(done).toMatchObject({
      state: "completed",
      result: { event: "issues", handled: { recorder: { seen: "delivery-jobs-1" } } },
    });
    expect(events.map((e) => e.id)).toEqual(["delivery-jobs-1"]);
  });
});
