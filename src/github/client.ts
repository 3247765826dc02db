/**
 * The GitHub client: one Octokit per process, built by the composition root (src/clients.ts) from config:
 * - auth: a personal access token, or a GitHub App (app id + private key -> installation tokens that
 *   @octokit/auth-app refreshes before they expire); GitHub Enterprise through GITHUB_API_URL;
 * - @octokit/plugin-retry (5xx, network errors) and @octokit/plugin-throttling (primary and secondary
 *   rate limits, Retry-After, x-ratelimit-reset): waits up to GITHUB_MAX_RETRY_WAIT_S, at most
 *   GITHUB_MAX_RETRIES times; nothing here re-implements what they do;
 * - conditional requests: every GET sends the ETag it last saw (kept in the host's store, so replicas
 *   share it) and a 304, which costs no rate limit, is answered from the stored body;
 * - errors: the outermost hook turns a GitHub failure into the error shape (docs/architecture.md, "Errors") (ToolError).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createAppAuth } from "@octokit/auth-app";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import Bottleneck from "bottleneck";
import type { Config } from "../core/config.js";
import { AppError, httpError, ToolError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import { createBreaker } from "../core/resilience.js";
import type { Store } from "../store/types.js";
import { useImmediateBottleneck } from "./bottleneck.js";
import { type GithubClient, type GithubDeps, isRequestError, type RequestError } from "./deps.js";
import { changedResources } from "./uris.js";

export const GithubOctokit = Octokit.plugin(retry, throttling);
// What the toolsets import lives in deps.ts (no Octokit load); re-exported for the composition root.
export {
  type GithubClient,
  type GithubDeps,
  isRequestError,
  missingCredentials,
  type RequestError,
  withSignal,
} from "./deps.js";

export const ETAG_NAMESPACE = "github-etag";

const ETAG_TTL_MS = 24 * 3600_000;
const ETAG_MAX_BYTES = 512 * 1024;
/** Parsed cached responses kept in memory (by the size of their stored text). */
const ETAG_MEMORY_BYTES = 16 * 1024 * 1024;

export interface CreateClientOptions {
  config: Readonly<Config>;
  store: Store;
  log: Logger;
  fetch?: typeof fetch;
  /**
   * A Redis connection for Bottleneck's clustering mode: then write pacing and concurrency limits are
   * kept in Redis, shared by every replica using the same credentials and key prefix.
   */
  limiterConnection?: InstanceType<typeof Bottleneck.IORedisConnection>;
  /** Told each resource URI a successful write may have changed (see changedResources). */
  resourceUpdated?: (uri: string) => void;
}

export function createGithubClient(options: CreateClientOptions): GithubClient {
  const gh = options.config.github;
  useImmediateBottleneck();
  const maxRetries = gh.maxRetries;
  const maxWait = gh.maxRetryWaitS;
  const auth = gh.token
    ? { auth: gh.token }
    : {
        authStrategy: createAppAuth,
        auth: {
          appId: gh.appId!,
          privateKey: gh.appPrivateKey ?? readKey(gh.appPrivateKeyPath!),
          installationId: gh.appInstallationId!,
          cache: expiringTokenCache(),
        },
      };
  const log = options.log.child({ component: "github" });
  // Identity in cache keys and limiter ids: two credentials never share a cached body or a pacing queue.
  const who = createHash("sha256")
    .update(gh.token ?? `app:${gh.appId}:${gh.appInstallationId}`)
    .digest("hex")
    .slice(0, 16);
  const limiters = limiterGroups(
    gh.writeIntervalMs,
    options.limiterConnection,
    `${options.config.store.redisPrefix}github:${who}`,
  );
  const octokit = new GithubOctokit({
    ...auth,
    baseUrl: gh.apiUrl.replace(/\/+$/, ""),
    userAgent: "repowright",
    request: options.fetch ? { fetch: options.fetch } : {},
    log: {
      debug: () => {},
      info: () => {},
      warn: (msg: string) => log.warn(msg),
      // Octokit reports every non-2xx answer as an error ("GET /x - 404 with id … in 5ms"): a 304 is a
      // cache hit, a 4xx an answer the caller gets as a ToolError; only 5xx and failures are errors here.
      error: (msg: string) => {
        const status = Number(/ - (\d{3})\b/.exec(msg)?.[1] ?? 0);
        if (status === 304) log.debug(msg);
        else if (status >= 400 && status < 500) log.warn(msg);
        else log.error(msg);
      },
    },
    // Only 5xx and network failures are worth retrying: a 4xx (e.g. 406 for a diff too large to render)
    // answers the same again; rate limits (403/429) are the throttling plugin's.
    retry: { retries: maxRetries, doNotRetry: Array.from({ length: 100 }, (_, i) => 400 + i) },
    throttle: {
      // The plugin paces writes (1 s), searches (2 s) and writes that notify people (3 s) with module-wide
      // limiters; ours follow GITHUB_WRITE_INTERVAL_MS, and live in Redis when there is a connection.
      id: `repowright-${gh.writeIntervalMs}`,
      ...limiters,
      onRateLimit: (retryAfter: number, _options: object, _o: unknown, retryCount: number) =>
        retryCount < maxRetries && retryAfter <= maxWait,
      onSecondaryRateLimit: (retryAfter: number, _options: object, _o: unknown, retryCount: number) =>
        retryCount < maxRetries && retryAfter <= maxWait,
    },
  });

  const store = options.store;

  const memory = new EtagMemory(ETAG_MEMORY_BYTES);

  // Outermost, so it sees each request's final outcome after the retry plugin's attempts.
  const breaker = createBreaker(`GitHub (${gh.apiUrl})`, {
    failures: options.config.server.breakerFailures,
    cooldownMs: options.config.server.breakerCooldownS * 1000,
    onChange: (state) => log.warn({ state }, `GitHub circuit ${state}`),
  });
  octokit.hook.wrap("request", (request, reqOptions) =>
    breaker.execute(async () => {
      const method = String(reqOptions.method ?? "GET").toUpperCase();
      const own = (reqOptions.request ?? {}) as { noCache?: boolean; parseSuccessResponseBody?: boolean };
      // Octokit parses every JSON body with json-with-bigint (a regex pass plus a reviver per value: ~13x
      // JSON.parse, 15 ms for a page of 100 issues); GitHub's numbers all fit a double, so the body is read
      // here with JSON.parse instead, and its text goes to the ETag cache without being serialised again.
      // Not for GraphQL, whose errors the plugins look for inside the parsed body.
      const url = String(reqOptions.url ?? "");
      const parseHere = own.parseSuccessResponseBody === undefined && !url.includes("graphql");
      if (parseHere) reqOptions.request = { ...reqOptions.request, parseSuccessResponseBody: false };
      let key: string | undefined;
      let cached: CachedResponse | undefined;
      if (method === "GET" && own.noCache !== true) {
        const parsed = octokit.request.endpoint.parse(
          reqOptions as Parameters<typeof octokit.request.endpoint.parse>[0],
        );
        const accept = String((parsed.headers as Record<string, unknown>)["accept"] ?? "");
        key = createHash("sha256").update(`${who}\n${parsed.url}\n${accept}`).digest("hex");
        cached = memory.get(key);
        if (!cached) {
          const text = await store.get(ETAG_NAMESPACE, key).catch(() => null);
          if (text) {
            cached = JSON.parse(text) as CachedResponse;
            memory.set(key, cached, text.length);
          }
        }
        if (cached) reqOptions.headers = { ...reqOptions.headers, "if-none-match": cached.etag };
      }
      try {
        const res = await request(reqOptions);
        if (options.resourceUpdated && method !== "GET") {
          for (const uri of changedResources(method, url, reqOptions as Record<string, unknown>)) {
            options.resourceUpdated(uri);
          }
        }
        const body: { data: unknown; json?: string } = parseHere
          ? await readBody(res.data, res.headers["content-type"])
          : { data: res.data };
        res.data = body.data;
        const etag = res.headers.etag;
        if (key && etag && res.status === 200) {
          const keep: Record<string, string> = {};
          if (res.headers.link) keep["link"] = res.headers.link;
          const data = body.json ?? JSON.stringify(res.data);
          const text = `{"etag":${JSON.stringify(etag)},"headers":${JSON.stringify(keep)},"data":${data}}`;
          if (Buffer.byteLength(text) <= ETAG_MAX_BYTES) {
            memory.set(key, { etag, data: res.data, headers: keep }, text.length);
            // Not awaited: this process answers from memory; the stored copy is for the next start and for
            // replicas sharing the store, and a lost write only costs one full (charged) read later.
            void store.set(ETAG_NAMESPACE, key, text, { ttlMs: ETAG_TTL_MS }).catch(() => {});
          }
        }
        return res;
      } catch (err) {
        if (cached && isRequestError(err) && err.status === 304) {
          return {
            status: 200,
            url: err.response?.url ?? "",
            headers: { ...err.response?.headers, ...cached.headers, "x-repowright-cache": "hit" },
            data: cached.data,
          } as Awaited<ReturnType<typeof request>>;
        }
        throw toToolError(err);
      }
    }),
  );
  return octokit;
}

/**
 * The throttling plugin's limiter groups. In-process by default. With a Redis connection, Bottleneck's
 * clustering mode: each group's state is in Redis under `id`, so every replica with the same credentials
 * waits in the same queue, and N replicas together keep one write per interval (the plugin then also
 * gives each job an expiration, so a replica that dies does not hold the queue).
 */
function limiterGroups(
  intervalMs: number,
  connection: InstanceType<typeof Bottleneck.IORedisConnection> | undefined,
  id: string,
) {
  const shared = connection
    ? { datastore: "ioredis" as const, connection, clearDatastore: false, timeout: 2 * 60_000 }
    : {};
  const group = (name: string, options: Bottleneck.ConstructorOptions) =>
    new Bottleneck.Group({ ...options, ...shared, ...(connection ? { id: `${id}:${name}` } : {}) });
  return {
    write: group("write", { maxConcurrent: 1, minTime: intervalMs }),
    search: group("search", { maxConcurrent: 1, minTime: intervalMs * 2 }),
    notifications: group("notifications", { maxConcurrent: 1, minTime: intervalMs * 3 }),
    ...(connection
      ? {
          // The plugin's own module-wide groups are in-process: with clustering, ours replace them.
          global: group("global", { maxConcurrent: 10 }),
          auth: group("auth", { maxConcurrent: 1 }),
          connection,
          Bottleneck,
        }
      : {}),
  };
}

/**
 * Installation tokens cached until shortly before they expire. @octokit/auth-app's own cache keeps a token
 * 59 minutes whatever its `expires_at` says, so a token that lives less (a GitHub Enterprise policy, a
 * future change, clock skew) would be used after it expired and every call would fail with 401. This one
 * reads the expiry auth-app stores with the token and lets it go 5 minutes (or half its life) early.
 */
function expiringTokenCache(max = 1000) {
  const entries = new Map<string, string>();
  return {
    get(key: string): string | undefined {
      const value = entries.get(key);
      if (!value) return undefined;
      const [, createdAt, expiresAt] = value.split("|");
      const expires = Date.parse(expiresAt ?? "");
      const created = Date.parse(createdAt ?? "");
      const margin = Math.min(5 * 60_000, Number.isNaN(created) ? 5 * 60_000 : (expires - created) / 2);
      if (Number.isNaN(expires) || Date.now() >= expires - margin) {
        entries.delete(key);
        return undefined;
      }
      return value;
    },
    set(key: string, value: string): void {
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > max) entries.delete(entries.keys().next().value!);
    },
  };
}

interface CachedResponse {
  etag: string;
  data: unknown;
  headers: Record<string, string>;
}

/**
 * The most recently used cached responses, parsed, so a 304 is answered without reading and parsing the
 * stored copy again. The store stays the source of truth (replicas share it); this only saves work. The
 * data is shared between callers: tools only read it.
 */
class EtagMemory {
  private readonly entries = new Map<string, { value: CachedResponse; size: number }>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): CachedResponse | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: CachedResponse, size: number): void {
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.size;
      this.entries.delete(key);
    }
    this.entries.set(key, { value, size });
    this.bytes += size;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.size;
    }
  }
}

/** A response body as @octokit/request would give it (JSON, text or bytes by content type), read natively. */
async function readBody(
  body: unknown,
  contentType: string | undefined,
): Promise<{ data: unknown; json?: string }> {
  if (!(body instanceof ReadableStream)) return { data: body ?? "" };
  const res = new Response(body);
  if (!contentType) return { data: await res.text().catch(() => "") };
  const [type = "", ...params] = contentType.split(";").map((p) => p.trim().toLowerCase());
  if (type === "application/json" || type === "application/scim+json") {
    const text = await res.text();
    try {
      return { data: JSON.parse(text) as unknown, json: text };
    } catch {
      return { data: text };
    }
  }
  if (type.startsWith("text/") || (params.includes("charset=utf-8") && type !== "application/octet-stream")) {
    return { data: await res.text().catch(() => "") };
  }
  return { data: await res.arrayBuffer().catch(() => new ArrayBuffer(0)) };
}

function readKey(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new AppError(
      "github_app_key",
      `cannot read GITHUB_APP_PRIVATE_KEY_PATH ${path}: ${(err as Error).message}`,
    );
  }
}

interface GithubErrorBody {
  message?: string;
  errors?: (string | { message?: string; field?: string; code?: string; resource?: string })[];
}

function githubMessage(err: RequestError): string {
  const data = err.response?.data as GithubErrorBody | string | undefined;
  if (typeof data === "string" && data.trim()) return data.trim().slice(0, 500);
  if (data && typeof data === "object") {
    const details = (data.errors ?? [])
      .map((e) =>
        typeof e === "string" ? e : (e.message ?? [e.resource, e.field, e.code].filter(Boolean).join(" ")),
      )
      .filter(Boolean);
    const base = (data.message ?? err.message)
      .replace(/\s*\n+\s*/g, " ")
      .replace(/\s+-\s+https:\/\/docs\.github\.com\S*$/, "");
    return details.length > 0 ? `${base}: ${details.join("; ")}` : base;
  }
  return err.message;
}

const CONFLICT_422 =
  /fast forward|already exists|does not match|was modified|no commits between|expected_head_sha|no new commits|merge conflict/i;

/** A GitHub failure as the error shape (docs/architecture.md, "Errors"); anything else passes through unchanged. */
export function toToolError(err: unknown): unknown {
  if (err instanceof ToolError || !isRequestError(err)) return err;
  const status = err.status;
  const headers = (err.response?.headers ?? {}) as Record<string, string | undefined>;
  const route = `${err.request.method} ${new URL(err.request.url).pathname}`;
  if (!err.response) {
    return new ToolError("upstream", `could not reach GitHub (${route}): ${err.message}`, { cause: err });
  }
  const msg = githubMessage(err);
  // "abuse detection" is how GitHub worded secondary limits before 2022 (GHES still does).
  const secondary = /secondary rate limit|abuse detection/i.test(msg);
  if (status === 429 || (status === 403 && (secondary || headers["x-ratelimit-remaining"] === "0"))) {
    const reset = Number(headers["x-ratelimit-reset"]);
    const retryAfter = headers["retry-after"]
      ? Number(headers["retry-after"])
      : Number.isFinite(reset)
        ? Math.max(0, Math.ceil(reset - Date.now() / 1000))
        : 60;
    const at = new Date(Date.now() + retryAfter * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    return new ToolError(
      "rate_limited",
      `GitHub ${secondary ? "secondary " : ""}rate limit hit on ${route}; retry after ${retryAfter} s (at ${at})`,
      { statusCode: status, cause: err, retryAfterS: retryAfter },
    );
  }
  const retries = err.request.request?.retryCount ?? 0;
  const mapped = httpError({
    service: `GitHub (${route})`,
    status,
    message: retries > 0 && status >= 500 ? `${msg} (still failing after ${retries} retries)` : msg,
    type: status === 422 && CONFLICT_422.test(msg) ? "conflict" : undefined,
    cause: err,
  });
  if (mapped.type !== "auth") return mapped;
  return new ToolError("auth", `${mapped.message} (check GITHUB_TOKEN or the GitHub App settings)`, {
    statusCode: status,
    cause: err,
  });
}
