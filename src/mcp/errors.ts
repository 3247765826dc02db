/**
 * Maps anything a handler throws to the error shape (docs/architecture.md, "Errors"). Known tiers pass through; zod errors become
 * `validation` with the field paths; everything else is `internal`, logged with its stack and reported to
 * the caller without internals.
 */
import { ZodError } from "zod";
import { AppError, type ErrorPayload, ToolError } from "../core/errors.js";

/** Longest error message a caller gets: messages quote inputs, and an input may be megabytes long. */
export const MAX_ERROR_CHARS = 2000;

function capped(message: string): string {
  if (message.length <= MAX_ERROR_CHARS) return message;
  return `${message.slice(0, MAX_ERROR_CHARS)}… (${message.length - MAX_ERROR_CHARS} more characters)`;
}

export function toErrorPayload(err: unknown): ErrorPayload {
  if (err instanceof ToolError) {
    const payload = err.toPayload();
    return payload.error.length > MAX_ERROR_CHARS ? { ...payload, error: capped(payload.error) } : payload;
  }
  if (err instanceof ZodError) return { error: formatZodError(err), type: "validation" };
  if (err instanceof AppError) return { error: capped(`${err.code}: ${err.message}`), type: "internal" };
  if (err instanceof RangeError) return { error: capped(err.message), type: "validation" };
  return { error: "internal error; the server log has the details", type: "internal" };
}

export function formatZodError(err: ZodError): string {
  const parts = err.issues.slice(0, 10).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : "(input)";
    return `${path}: ${issue.message}`;
  });
  if (err.issues.length > 10) parts.push(`... and ${err.issues.length - 10} more`);
  return capped(`invalid arguments: ${parts.join("; ")}`);
}
