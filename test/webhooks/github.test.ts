/**
 * GitHub webhook intake over real HTTP: signatures checked (a forged one is 401 and counted), each
 * delivery taken once (by delivery id and by identity), a size limit, and a delivery that could not be
 * queued left for GitHub to redeliver.
 */
import { Webhooks } from "@octokit/webhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpServer, serveHttp } from "../../src/mcp/http.js";
import { type GithubDelivery, githubWebhookRoute, WEBHOOK_PATH } from "../../src/webhooks/github.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

const SECRET = "a webhook secret for the tests";

describe("POST /webhooks/github", () => {
  let app: TestApp;
  let http: HttpServer;
  let url: string;
  const accepted: GithubDelivery[] = [];
  let failNext = false;
  const signer = new Webhooks({ secret: SECRET });

  const deliver = async (id: string, body: string, signature?: string, event = "issues") =>
    fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": id,
        ...(signature === undefined
          ? { "x-hub-signature-256": await signer.sign(body) }
          : signature
            ? { "x-hub-signature-256": signature }
            : {}),
      },
      body,
    });

  beforeAll(async () => {
    app = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: "memory" } });
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
          async accept(delivery) {
            if (failNext) {
              failNext = false;
              throw new Error("queue is down");
            }
            accepted.push(delivery);
            return { job_id: `job-${accepted.length}` };
          },
        }),
      ],
    });
    url = `${http.url.replace(/\/mcp$/, "")}${WEBHOOK_PATH}`;
  });
  afterAll(async () => {
    await http?.close();
    await app?.close();
  });

  const labeled = (n: number) =>
    JSON.stringify({
      action: "labeled",
      label: { name: "auto-fix" },
      issue: { number: n, title: "Crash on empty input" },
      repository: { full_name: "acme/api" },
    });

  it("refuses a forged or missing signature with 401 and counts it", async () => {
    const forged = await deliver("d-forged", labeled(1), `sha256=${"0".repeat(64)}`);
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ type: "auth" });
    const missing = await deliver("d-missing", labeled(1), "");
    expect(missing.status).toBe(401);
    expect(accepted).toHaveLength(0);
    const metrics = await app.host.metrics.registry.getSingleMetricAsString(
      "repowright_webhook_deliveries_total",
    );
    expect(metrics).toContain(
      'repowright_webhook_deliveries_total{event="issues",outcome="bad_signature"} 2',
    );
  });

  it("takes a delivery once: 202 with its job, then a redelivery and a copy from a second hook are duplicates", async () => {
    const first = await deliver("d-1", labeled(7));
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ accepted: true, delivery: "d-1", job_id: "job-1" });
    expect(accepted[0]).toMatchObject({
      id: "d-1",
      event: "issues",
      action: "labeled",
      repository: "acme/api",
    });
    const again = await deliver("d-1", labeled(7));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    const copy = await deliver("d-2", labeled(7));
    expect(await copy.json()).toMatchObject({ duplicate: true });
    expect(accepted).toHaveLength(1);
  });

  it("refuses a delivery over the size limit with 413", async () => {
    const big = JSON.stringify({ action: "opened", pad: "x".repeat(70 * 1024) });
    const res = await deliver("d-big", big);
    expect(res.status).toBe(413);
  });

  it("leaves a delivery that could not be queued for GitHub to redeliver", async () => {
    failNext = true;
    const down = await deliver("d-3", labeled(9));
    expect(down.status).toBe(503);
    const redelivered = await deliver("d-3", labeled(9));
    expect(redelivered.status).toBe(202);
    expect(accepted.map((d) => d.id)).toEqual(["d-1", "d-3"]);
  });
});
