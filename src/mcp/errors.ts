/**
 * Maps anything a handler throws to the DESIGN.md error shape. Known tiers pass through; zod errors become
 * `validation` with the field paths; everything else is `internal`, logged with its stack and reported to
 * the caller without internals.
 */
import { ZodError } from "zod";
import { AppError, type ErrorPayload, ToolError } from "../core/errors.js";

export function toErrorPayload(err: unknown): ErrorPayload {
  if (err instanceof ToolError) return err.toPayload();
  if (err instanceof ZodError) return { error: formatZodError(err), type: "validation" };
  if (err instanceof AppError) return { error: `${err.code}: ${err.message}`, type: "internal" };
  if (err instanceof RangeError) return { error: err.message, type: "validation" };
  return { error: "internal error; the server log has the details", type: "internal" };
}

export function formatZodError(err: ZodError): string {
  const parts = err.issues.slice(0, 10).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : "(input)";
    return `${path}: ${issue.message}`;
  });
  if (err.issues.length > 10) parts.push(`... and ${err.issues.length - 10} more`);
  return `invalid arguments: ${parts.join("; ")}`;
}
