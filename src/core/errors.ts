/**
 * Errors in tiers (STYLE.md §6).
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

  toPayload(): ErrorPayload {
    const payload: ErrorPayload = { error: this.message, type: this.type };
    if (this.statusCode !== undefined) payload.status_code = this.statusCode;
    if (this.retryAfterS !== undefined) payload.retry_after_s = this.retryAfterS;
    if (this.details !== undefined) payload.details = this.details;
    return payload;
  }
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
