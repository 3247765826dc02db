/**
 * Streamable HTTP serving: the MCP endpoint at /mcp (sessions by default, `stateless` for replicas behind a
 * load balancer), plus /healthz, /readyz and /metrics. DNS-rebinding protection validates Host and Origin
 * for every request when bound to a loopback address.
 */
import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type Server as NodeServer,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { type Authenticator, AuthFailure, type Principal } from "./auth.js";
import { createMemoryEventStore } from "./event-store.js";
import type { Host } from "./host.js";
import { createSessionServer } from "./server.js";

export interface HttpServeOptions {
  host: string;
  port: number;
  stateless: boolean;
  allowedHosts: readonly string[];
  /** Path of the MCP endpoint; default /mcp. */
  path?: string;
  /** Largest accepted request body; default 4 MiB. */
  maxBodyBytes?: number;
  /**
   * Reconnection delay the server asks clients to wait after it closes an SSE stream (the `retry:` field of
   * the priming event, SEP-1699); default 1000 ms.
   */
  retryIntervalMs?: number;
  /**
   * A session with no open request for this long is closed and forgotten (clients that vanish without
   * DELETE would otherwise hold memory forever); its client gets 404 and starts a new session. Default 30 min.
   */
  sessionIdleMs?: number;
  /** Events kept per session for resumption (Last-Event-ID); default 1000. */
  eventsPerSession?: number;
  /** Verifies each request's bearer token (REPOWRIGHT_AUTH=jwt); none = open to whoever can connect. */
  authenticator?: Authenticator;
  /**
   * With an authenticator: the authorization servers (token issuers) named in the OAuth 2.0 Protected
   * Resource Metadata (RFC 9728) served at /.well-known/oauth-protected-resource, which MCP clients read
   * to find where to get a token.
   */
  authorizationServers?: readonly string[];
  /**
   * More HTTP handlers (the REST gateway): asked in order for any path other than the MCP endpoint and the
   * health/metrics ones; a handler returns false when the request is not its. Host and Origin checks apply.
   */
  routes?: readonly HttpRoute[];
}

export type HttpRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface HttpServer {
  url: string;
  port: number;
  server: NodeServer;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

interface Session {
  transport: StreamableHTTPServerTransport;
  /** Who opened it: later requests of the session must come from the same caller. */
  callerId: string;
  close(): Promise<void>;
  /** Requests (POST streams, the GET stream) still open. */
  open: number;
  lastSeen: number;
}

export async function serveHttp(host: Host, options: HttpServeOptions): Promise<HttpServer> {
  const path = options.path ?? "/mcp";
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const idleMs = options.sessionIdleMs ?? 30 * 60 * 1000;
  const sessions = new Map<string, Session>();
  const log = host.services.log;
  const allowed = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const guardHosts = LOOPBACK.has(options.host) || allowed.size > 0;

  const hostAllowed = (value: string | undefined): boolean => {
    if (!value) return false;
    const v = value.toLowerCase();
    if (allowed.has(v)) return true;
    const name = v.startsWith("[") ? v.slice(0, v.indexOf("]") + 1) : v.split(":")[0]!;
    return LOOPBACK.has(name) || allowed.has(name);
  };

  const originAllowed = (origin: string | undefined): boolean => {
    if (!origin) return true;
    try {
      return hostAllowed(new URL(origin).host);
    } catch {
      return false;
    }
  };

  const newSession = async (principal: Principal | undefined) => {
    const callerId = principal?.id ?? "anonymous";
    const server = createSessionServer(host, {
      caller: { id: callerId, roles: principal?.roles ?? [], transport: "http" },
    });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: options.stateless ? undefined : () => randomUUID(),
      // One event store per session: a Last-Event-ID can only replay this session's own events, and they
      // are freed with it.
      eventStore: options.stateless ? undefined : createMemoryEventStore(options.eventsPerSession ?? 1000),
      retryInterval: options.retryIntervalMs ?? 1000,
      enableJsonResponse: false,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, callerId, close: () => server.close(), open: 0, lastSeen: Date.now() });
        host.metrics.httpSessions.set(sessions.size);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      host.metrics.httpSessions.set(sessions.size);
    };
    await server.connect(transport);
    return { server, transport };
  };

  /** Keeps a session alive while a request of it is open, and dates its last activity. */
  const track = (id: string | undefined, res: ServerResponse) => {
    const session = id ? sessions.get(id) : undefined;
    if (!session) return;
    session.lastSeen = Date.now();
    if (res.closed) return;
    session.open++;
    res.on("close", () => {
      session.open--;
      session.lastSeen = Date.now();
    });
  };

  const sweeper = setInterval(
    () => {
      const now = Date.now();
      for (const [id, session] of sessions) {
        if (session.open === 0 && now - session.lastSeen > idleMs) {
          sessions.delete(id);
          host.metrics.httpSessions.set(sessions.size);
          log.debug({ session: id }, "closing idle MCP session");
          void session.close().catch(() => {});
        }
      }
    },
    Math.min(idleMs, 60_000),
  );
  sweeper.unref();

  const handleMcp = async (req: IncomingMessage, res: ServerResponse) => {
    const sessionId = header(req, "mcp-session-id");
    let principal: Principal | undefined;
    if (options.authenticator) {
      const who = await authenticate(req, res, host, options.authenticator, (_status, message) =>
        rpcError(-32001, message),
      );
      if (who === null) return;
      principal = who;
    }
    let body: unknown;
    if (req.method === "POST") {
      const raw = await readBody(req, maxBody);
      if (raw === null)
        return sendJson(res, 413, rpcError(-32600, `request body larger than ${maxBody} bytes`));
      try {
        body = JSON.parse(raw);
      } catch {
        return sendJson(res, 400, rpcError(-32700, "Parse error: the body is not JSON"));
      }
    }
    if (options.stateless) {
      // No session, so nothing could ever be sent on a standalone GET stream, and there is nothing to DELETE.
      if (req.method !== "POST") {
        res.setHeader("allow", "POST");
        return sendJson(
          res,
          405,
          rpcError(-32000, "Method not allowed: this server is stateless; POST only"),
        );
      }
      const { server, transport } = await newSession(principal);
      res.on("close", () => void server.close().catch(() => {}));
      return transport.handleRequest(req, res, body);
    }
    if (sessionId) {
      const session = sessions.get(sessionId);
      if (!session)
        return sendJson(res, 404, rpcError(-32001, "Session not found: start a new session with initialize"));
      if (principal && principal.id !== session.callerId) {
        host.metrics.httpAuthFailures.labels("403").inc();
        return sendJson(res, 403, rpcError(-32001, "Forbidden: this session belongs to another caller"));
      }
      track(sessionId, res);
      return session.transport.handleRequest(req, res, body);
    }
    if (
      req.method === "POST" &&
      (isInitializeRequest(body) || (Array.isArray(body) && body.some(isInitializeRequest)))
    ) {
      const { transport } = await newSession(principal);
      await transport.handleRequest(req, res, body);
      return track(transport.sessionId, res);
    }
    return sendJson(res, 400, rpcError(-32000, "Bad Request: no valid session id; send initialize first"));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (guardHosts && (!hostAllowed(req.headers.host) || !originAllowed(header(req, "origin")))) {
      return sendJson(res, 403, rpcError(-32000, "Forbidden: Host or Origin header not allowed"));
    }
    const done = (err: unknown) => {
      log.error({ err }, "http request failed");
      if (!res.headersSent) sendJson(res, 500, rpcError(-32603, "Internal error"));
      else res.end();
    };
    if (url.pathname === path) return void handleMcp(req, res).catch(done);
    if (options.authenticator && url.pathname.startsWith(PROTECTED_RESOURCE) && req.method === "GET") {
      return sendJson(res, 200, {
        resource: `${originOf(req)}${path}`,
        authorization_servers: options.authorizationServers ?? [],
        bearer_methods_supported: ["header"],
        resource_name: "repowright",
      });
    }
    if (options.routes?.length && !["/healthz", "/readyz", "/metrics"].includes(url.pathname)) {
      return void (async () => {
        for (const route of options.routes!) if (await route(req, res, url)) return;
        sendJson(res, 404, { error: `not found; the MCP endpoint is ${path}` });
      })().catch(done);
    }
    if (req.method !== "GET") return sendJson(res, 405, { error: "method not allowed" });
    if (url.pathname === "/healthz") return sendJson(res, 200, { status: "ok" });
    if (url.pathname === "/readyz") {
      return void host.services.store
        .ping()
        .then(() => sendJson(res, 200, { status: "ready", store: host.services.store.kind }))
        .catch((err: unknown) =>
          sendJson(res, 503, {
            status: "unavailable",
            store: host.services.store.kind,
            error: String((err as Error)?.message ?? err),
          }),
        );
    }
    if (url.pathname === "/metrics") {
      return void host.metrics.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { "content-type": host.metrics.registry.contentType });
          res.end(text);
        })
        .catch(done);
    }
    return sendJson(res, 404, { error: `not found; the MCP endpoint is ${path}` });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost === "0.0.0.0" ? "127.0.0.1" : shownHost}:${port}${path}`,
    port,
    server,
    async close() {
      clearInterval(sweeper);
      await Promise.allSettled([...sessions.values()].map((s) => s.close()));
      sessions.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Verifies a request's bearer token. On failure it answers 401 (with RFC 6750's WWW-Authenticate, saying
 * what was wrong and never echoing the token) or 403, counts it, and returns null.
 */
export async function authenticate(
  req: IncomingMessage,
  res: ServerResponse,
  host: Host,
  authenticator: Authenticator,
  errorBody: (status: number, message: string) => unknown,
): Promise<Principal | null> {
  try {
    return await authenticator.verify(header(req, "authorization"));
  } catch (err) {
    if (!(err instanceof AuthFailure)) throw err;
    if (err.status === 401) {
      // MCP clients follow resource_metadata to find the authorization server (MCP auth spec, RFC 9728).
      res.setHeader(
        "www-authenticate",
        `Bearer realm="repowright", error="invalid_token", error_description="${err.message.replace(/"/g, "'")}", resource_metadata="${originOf(req)}${PROTECTED_RESOURCE}"`,
      );
    }
    host.metrics.httpAuthFailures.labels(String(err.status)).inc();
    sendJson(res, err.status, errorBody(err.status, err.message));
    return null;
  }
}

const PROTECTED_RESOURCE = "/.well-known/oauth-protected-resource";

/** The origin the client used (behind a proxy: X-Forwarded-Proto and Host). */
function originOf(req: IncomingMessage): string {
  const proto = header(req, "x-forwarded-proto")?.split(",")[0]?.trim() || "http";
  return `${proto}://${header(req, "x-forwarded-host") ?? req.headers.host ?? "localhost"}`;
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function rpcError(code: number, message: string) {
  return { jsonrpc: "2.0", error: { code, message }, id: null };
}

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) over = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(over ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
