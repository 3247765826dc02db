/**
 * GitHub webhook intake: `POST /webhooks/github` on the HTTP server when GITHUB_WEBHOOK_SECRET is set.
 * Each delivery is verified (X-Hub-Signature-256, constant-time, by @octokit/webhooks), deduplicated (by
 * its delivery id, and by its identity — the event name and the exact body — so a redelivery or a second
 * hook sending the same event runs once), bounded in size, and handed on as one job; GitHub gets 202 at
 * once, before any work. A bad or missing signature is 401 and counted.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Webhooks } from "@octokit/webhooks";
import { Counter, type Registry } from "prom-client";
import type { Logger } from "../core/log.js";
import { type HttpRoute, readBody, sendJson } from "../mcp/http.js";
import type { Store } from "../store/types.js";

export const WEBHOOK_PATH = "/webhooks/github";
const SEEN_NS = "webhook-seen";
/** GitHub redelivers for days at most; a week of memory covers it. */
const SEEN_TTL_MS = 7 * 24 * 3600_000;

export interface GithubDelivery {
  id: string;
  event: string;
  action?: string;
  /** `owner/name` of the repository the event is about, when there is one. */
  repository?: string;
  payload: Record<string, unknown>;
  receivedAt: string;
}

export interface WebhookOptions {
  secret: string;
  store: Store;
  log: Logger;
  registry: Registry;
  maxBodyBytes: number;
  /** Takes an accepted delivery (queues its job); what it returns goes back to GitHub in the 202. */
  accept(delivery: GithubDelivery): Promise<{ job_id: string }>;
}

export function githubWebhookRoute(options: WebhookOptions): HttpRoute {
  const webhooks = new Webhooks({ secret: options.secret });
  const deliveries = new Counter({
    name: "repowright_webhook_deliveries_total",
    help: "GitHub webhook deliveries by outcome (accepted, duplicate, bad_signature, too_large, bad_request, failed).",
    labelNames: ["event", "outcome"] as const,
    registers: [options.registry],
  });
  const refuse = (res: ServerResponse, status: number, event: string, outcome: string, error: string) => {
    deliveries.labels(event, outcome).inc();
    sendJson(res, status, { error, type: status === 401 ? "auth" : "validation", status_code: status });
  };

  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (url.pathname !== WEBHOOK_PATH) return false;
    const event = header(req, "x-github-event") ?? "unknown";
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      refuse(res, 405, event, "bad_request", "GitHub webhooks are POSTed here");
      return true;
    }
    const body = await readBody(req, options.maxBodyBytes);
    if (body === null) {
      refuse(res, 413, event, "too_large", `the delivery is larger than ${options.maxBodyBytes} bytes`);
      return true;
    }
    const signature = header(req, "x-hub-signature-256");
    const valid = signature ? await webhooks.verify(body, signature).catch(() => false) : false;
    if (!valid) {
      options.log.warn(
        { event, delivery: header(req, "x-github-delivery") },
        "webhook with a bad signature refused",
      );
      refuse(
        res,
        401,
        event,
        "bad_signature",
        "the X-Hub-Signature-256 signature does not match the configured secret",
      );
      return true;
    }
    const id = header(req, "x-github-delivery");
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(body) as Record<string, unknown>;
    } catch {
      refuse(
        res,
        400,
        event,
        "bad_request",
        "the body is not JSON (set the hook's content type to application/json)",
      );
      return true;
    }
    if (!id || payload === null || typeof payload !== "object") {
      refuse(res, 400, event, "bad_request", "missing X-GitHub-Delivery, or the body is not a JSON object");
      return true;
    }
    const identity = createHash("sha256").update(`${event}\n${body}`).digest("hex");
    const keys = [`delivery:${id}`, `event:${identity}`];
    const fresh = await options.store.set(SEEN_NS, keys[0]!, "1", { ifNotExists: true, ttlMs: SEEN_TTL_MS });
    const freshEvent =
      fresh && (await options.store.set(SEEN_NS, keys[1]!, id, { ifNotExists: true, ttlMs: SEEN_TTL_MS }));
    if (!fresh || !freshEvent) {
      if (fresh) await options.store.del(SEEN_NS, [keys[0]!]);
      deliveries.labels(event, "duplicate").inc();
      sendJson(res, 200, { duplicate: true, delivery: id });
      return true;
    }
    const repo = (payload["repository"] as { full_name?: string } | undefined)?.full_name;
    const action = typeof payload["action"] === "string" ? payload["action"] : undefined;
    try {
      const job = await options.accept({
        id,
        event,
        ...(action ? { action } : {}),
        ...(repo ? { repository: repo } : {}),
        payload,
        receivedAt: new Date().toISOString(),
      });
      deliveries.labels(event, "accepted").inc();
      sendJson(res, 202, { accepted: true, delivery: id, ...job });
    } catch (err) {
      // Not taken: forget it, so GitHub's redelivery is not mistaken for a duplicate.
      await options.store.del(SEEN_NS, keys).catch(() => {});
      options.log.error({ err, event, delivery: id }, "webhook delivery could not be queued");
      deliveries.labels(event, "failed").inc();
      sendJson(res, 503, {
        error: "the delivery could not be queued; redeliver it",
        type: "upstream",
        status_code: 503,
      });
    }
    return true;
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
