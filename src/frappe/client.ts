/**
 * The Frappe adapter: one client per process for a Frappe / ERPNext site (built by the composition root,
 * src/clients.ts), with its circuit breaker, token auth (`Authorization: token key:secret` of an
 * integration user, so the site's own permissions apply), and the mapping of Frappe's failures to
 * ToolErrors: the HTTP status through the shared `httpError`, Frappe's exception class (`exc_type`) where it
 * says more than the status, and Frappe's own messages (`_server_messages`) kept in the error.
 *
 * Its fetch is injectable (default: undici's), so tests reach only their loopback emulator.
 */
import { type Config, missingSettings } from "../core/config.js";
import { type ErrorType, httpError, retryAfterSeconds, ToolError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import { type Breaker, createBreaker } from "../core/resilience.js";

type Obj = Record<string, unknown>;

export interface FrappeRequest {
  signal: AbortSignal;
  /** Query parameters; non-strings are sent as JSON (Frappe's filters, fields). */
  query?: Obj;
  /** A JSON body. */
  body?: unknown;
  /** A multipart body (upload_file). */
  form?: FormData;
}

export interface FrappeClient {
  /** The site URL, without a trailing slash. */
  readonly site: string;
  /** One call to the site's REST API (`api/resource/...`, `api/method/...`): the JSON answer. */
  request(method: string, path: string, request: FrappeRequest): Promise<Obj>;
}

export interface CreateFrappeClientOptions {
  config: Readonly<Config>;
  log: Logger;
  /** The fetch the client uses (tests: one that reaches only loopback). */
  fetch?: typeof fetch;
}

export function missingFrappeCredentials(frappe: Config["frappe"]): string | undefined {
  return missingSettings("Frappe", {
    FRAPPE_URL: frappe.url,
    FRAPPE_API_KEY: frappe.apiKey,
    FRAPPE_API_SECRET: frappe.apiSecret,
  });
}

/** Frappe's exception classes whose meaning is sharper than their HTTP status. */
const TYPES: Record<string, ErrorType> = {
  AuthenticationError: "auth",
  PermissionError: "forbidden",
  DoesNotExistError: "not_found",
  DuplicateEntryError: "conflict",
  TimestampMismatchError: "conflict",
  DocstatusTransitionError: "conflict",
  UpdateAfterSubmitError: "conflict",
  LinkExistsError: "conflict",
  ValidationError: "validation",
  MandatoryError: "validation",
  LinkValidationError: "validation",
  CharacterLengthExceededError: "validation",
};

/** Frappe's messages: `_server_messages` is a JSON list of JSON objects with a `message`. */
export function frappeMessages(body: Obj): string {
  try {
    const list = JSON.parse(String(body["_server_messages"] ?? "[]")) as string[];
    const msgs = list.map((m) => String((JSON.parse(m) as Obj)["message"] ?? m).replace(/<[^>]+>/g, ""));
    if (msgs.length > 0) return msgs.join("; ");
  } catch {
    // fall through to the exception text
  }
  return String(body["exception"] ?? body["exc_type"] ?? "").replace(/^frappe\.exceptions\.\w+: /, "");
}

export function createFrappeClient(options: CreateFrappeClientOptions): FrappeClient {
  const { url, apiKey, apiSecret } = options.config.frappe;
  const site = url!.replace(/\/+$/, "");
  const authorization = `token ${apiKey}:${apiSecret}`;
  // undici's fetch, loaded with the first request (not when the tools are listed).
  const fetchFn =
    options.fetch ??
    (((input, init) =>
      import("undici").then(({ fetch: undiciFetch }) =>
        (undiciFetch as unknown as typeof fetch)(input, init),
      )) as typeof fetch);
  const breaker: Breaker = createBreaker(`Frappe (${site})`, {
    failures: options.config.server.breakerFailures,
    cooldownMs: options.config.server.breakerCooldownS * 1000,
    onChange: (state) => options.log.warn({ state }, `Frappe circuit ${state}`),
  });

  const send = async (method: string, url: URL, signal: AbortSignal, init: RequestInit = {}) =>
    fetchFn(url, {
      ...init,
      method,
      signal,
      headers: { authorization, accept: "application/json", ...(init.headers as Record<string, string>) },
    }).catch((err: unknown) => {
      if (signal.aborted) throw err;
      const cause = (err as { cause?: Error }).cause;
      throw new ToolError("upstream", `Frappe is unreachable: ${cause?.message ?? (err as Error).message}`, {
        cause: err,
      });
    });

  const failure = async (res: Response): Promise<ToolError> => {
    const text = await res.text();
    let body: Obj = {};
    try {
      body = text ? (JSON.parse(text) as Obj) : {};
    } catch {
      body = { exception: text.slice(0, 200) };
    }
    const exc = String(body["exc_type"] ?? "");
    return httpError({
      service: "Frappe",
      status: res.status,
      kind: exc || undefined,
      message: frappeMessages(body) || res.statusText,
      retryAfterS: retryAfterSeconds(res.headers.get("retry-after")),
      type: TYPES[exc],
    });
  };

  return {
    site,
    request(method, path, request) {
      const url = new URL(path, `${site}/`);
      for (const [k, v] of Object.entries(request.query ?? {})) {
        if (v !== undefined) url.searchParams.set(k, typeof v === "string" ? v : JSON.stringify(v));
      }
      return breaker.execute(async () => {
        const res = await send(
          method,
          url,
          request.signal,
          request.form
            ? { body: request.form }
            : request.body !== undefined
              ? { body: JSON.stringify(request.body), headers: { "content-type": "application/json" } }
              : {},
        );
        if (!res.ok) throw await failure(res);
        const text = await res.text();
        try {
          return text ? (JSON.parse(text) as Obj) : {};
        } catch {
          throw new ToolError("upstream", `Frappe answered ${res.status} with a body that is not JSON`);
        }
      });
    },
  };
}
