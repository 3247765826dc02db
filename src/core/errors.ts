/**
 * Errors in tiers, and the one table of how each error type travels (docs/architecture.md, "Errors").
 *
 * - `ToolError`: something the calling model can act on. The host turns it into an MCP result with
 *   `isError: true` and structured content `{ error, type, status_code?, retry_after_s? }`.
 * - `AppError`: a configuration or programmer fault, with a string code. It stops start-up or, inside a
 *   call, becomes an `internal` error whose message is not leaked beyond its code.
 */

export const ERROR_TYPES = [
  "validation",
  "not_found",
  "auth",
  "forbidden",
  "rate_limited",
  "timeout",
  "conflict",
  "upstream",
  "internal",
] as const;

export type ErrorType = (typeof ERROR_TYPES)[number];

export interface ErrorRendering {
  /** The REST gateway's HTTP status for this type. */
  http: number;
  /** JSON-RPC error code when a protocol request (resources, prompts, completions) fails with it. */
  jsonRpc: number;
  /** `repowright call` exit status: 75 (EX_TEMPFAIL) says "try again later", 1 any other tool error. */
  exit: number;
  /** Whether the same call may succeed later without a change (rate limit, timeout, upstream outage). */
  retryable: boolean;
}

/**
 * The error contract: the one place that says how each type is rendered. MCP carries the payload in an
 * `isError` result (tools) or a JSON-RPC error's `data` (other requests), REST in the body with `http`,
 * the CLI on stdout with `exit`.
 */
export const ERROR_CONTRACT: Readonly<Record<ErrorType, ErrorRendering>> = Object.freeze({
  validation: { http: 400, jsonRpc: -32602, exit: 1, retryable: false },
  not_found: { http: 404, jsonRpc: -32002, exit: 1, retryable: false },
  auth: { http: 401, jsonRpc: -32603, exit: 1, retryable: false },
  forbidden: { http: 403, jsonRpc: -32603, exit: 1, retryable: false },
  rate_limited: { http: 429, jsonRpc: -32603, exit: 75, retryable: true },
  timeout: { http: 504, jsonRpc: -32603, exit: 75, retryable: true },
  conflict: { http: 409, jsonRpc: -32603, exit: 1, retryable: false },
  upstream: { http: 502, jsonRpc: -32603, exit: 75, retryable: true },
  internal: { http: 500, jsonRpc: -32603, exit: 1, retryable: false },
});

export interface ErrorPayload {
  error: string;
  type: ErrorType;
  status_code?: number;
  retry_after_s?: number;
  details?: Record<string, unknown>;
}

export interface ToolErrorOptions {
  statusCode?: number;
  retryAfterS?: number;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class ToolError extends Error {
  readonly type: ErrorType;
  readonly statusCode: number | undefined;
  readonly retryAfterS: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(type: ErrorType, message: string, options: ToolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ToolError";
    this.type = type;
    this.statusCode = options.statusCode;
    this.retryAfterS = options.retryAfterS;
    this.details = options.details;
  }

  /** The error a payload describes (a nested tool call's failure, re-thrown by its caller). */
  static fromPayload(payload: ErrorPayload): ToolError {
    return new ToolError(payload.type, payload.error, {
      statusCode: payload.status_code,
      retryAfterS: payload.retry_after_s,
      details: payload.details,
    });
  }

  toPayload(): ErrorPayload {
    const payload: ErrorPayload = { error: this.message, type: this.type };
    if (this.statusCode !== undefined) payload.status_code = this.statusCode;
    if (this.retryAfterS !== undefined) payload.retry_after_s = this.retryAfterS;
    if (this.details !== undefined) payload.details = this.details;
    return payload;
  }
}

export interface HttpFailure {
  /** Who answered, for the message: "GitHub", "Jira", "https://example.com/x". */
  service: string;
  status: number;
  /** The service's own name for the failure, shown after the status: "417 (MandatoryError)". */
  kind?: string;
  /** What the service said, already cut to something readable; "" when nothing useful. */
  message?: string;
  /** Seconds from Retry-After (or the service's own reset header). */
  retryAfterS?: number;
  /** Replaces the type the status would give (a service that says "conflict" with a 422, say). */
  type?: ErrorType;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The one HTTP status -> ToolError mapping every adapter uses: 401 auth, 403 forbidden, 404/410
 * not_found, 405/409 conflict, 429 rate_limited, 408/504 timeout, other 4xx validation (the same request
 * fails again), 5xx upstream.
 */
export function httpError(failure: HttpFailure): ToolError {
  const { service, status } = failure;
  const type: ErrorType =
    failure.type ??
    (status === 401
      ? "auth"
      : status === 403
        ? "forbidden"
        : status === 404 || status === 410
          ? "not_found"
          : status === 405 || status === 409
            ? "conflict"
            : status === 429
              ? "rate_limited"
              : status === 408 || status === 504
                ? "timeout"
                : status >= 400 && status < 500
                  ? "validation"
                  : "upstream");
  const said = failure.message ? `: ${failure.message}` : "";
  const retry = type === "rate_limited" && failure.retryAfterS !== undefined;
  return new ToolError(
    type,
    `${service} answered ${status}${failure.kind ? ` (${failure.kind})` : ""}${said}${retry ? `; retry after ${failure.retryAfterS} s` : ""}`,
    {
      statusCode: status,
      retryAfterS: failure.retryAfterS ?? (type === "rate_limited" ? 60 : undefined),
      details: failure.details,
      cause: failure.cause,
    },
  );
}

/** Seconds to wait from a Retry-After header (seconds or an HTTP date); undefined when absent or bad. */
export function retryAfterSeconds(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const n = Number(header);
  if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

export function validationError(message: string, details?: Record<string, unknown>): ToolError {
  return new ToolError("validation", message, { details });
}

export function notFoundError(message: string): ToolError {
  return new ToolError("not_found", message, { statusCode: 404 });
}

export function conflictError(message: string, details?: Record<string, unknown>): ToolError {
  return new ToolError("conflict", message, { statusCode: 409, details });
}

export function isToolError(err: unknown): err is ToolError {
  return err instanceof ToolError;
}

/** A configuration or programmer fault. `code` is stable and greppable. */
export class AppError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppError";
    this.code = code;
  }
}
