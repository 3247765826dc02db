/**
 * Structured logs to stderr (stdout belongs to the stdio MCP transport), every record redacted.
 */
import { type Logger, pino } from "pino";
import type { Redactor } from "./redact.js";

export type { Logger };

export interface CreateLoggerOptions {
  level: string;
  redactor: Redactor;
  /** Defaults to stderr (fd 2). */
  destination?: NodeJS.WritableStream | number;
  name?: string;
}

const keep = (v: unknown) => v;

export function createLogger(options: CreateLoggerOptions): Logger {
  const { redactor } = options;
  const dest = options.destination ?? 2;
  return pino(
    {
      name: options.name ?? "repowright",
      level: options.level,
      base: { pid: process.pid },
      // The redactor turns errors into plain objects (message, stack, code, errno, syscall, path, cause
      // chain), redacted; pino's own err serializer would then see a plain object and lose the cause.
      formatters: { log: (record) => redactor.redact(record) },
      serializers: { err: keep, error: keep },
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((a) =>
            typeof a === "string" ? redactor.redactString(a) : a,
          ) as typeof args;
          method.apply(this, cleaned);
        },
      },
    },
    typeof dest === "number" ? pino.destination({ fd: dest, sync: true }) : dest,
  );
}

/** A logger that writes nothing, for tests and in-process calls that do not want noise. */
export function createSilentLogger(): Logger {
  return pino({ level: "silent" });
}
