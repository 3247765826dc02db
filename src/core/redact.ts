/**
 * Secret redaction for anything that leaves the process: logs, tool results, audit records.
 *
 * Two layers: values of keys that look secret are replaced wholesale, and strings are scrubbed of
 * token shapes we know (GitHub, Slack, AWS, JWT, bearer headers, URL credentials) and of any secret value
 * registered at start-up (the configured tokens themselves).
 */

const SECRET_KEY = /(pass(word)?|secret|token|api[_-]?key|authorization|cookie|private[_-]?key|credential)/i;

const TOKEN_PATTERNS: RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,255}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,255}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bsk-(ant-)?[A-Za-z0-9_-]{20,}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
  /\b(Bearer|token)\s+[A-Za-z0-9._~+/=-]{16,}/gi,
  /(?<=:\/\/[^/\s:@]+:)[^@\s/]+(?=@)/g,
];

/** One pass that tells whether any pattern can match, so clean strings (nearly all) cost one scan. */
const ANY_TOKEN = new RegExp(TOKEN_PATTERNS.map((p) => `(?:${p.source})`).join("|"), "i");

export const REDACTED = "[REDACTED]";

export class Redactor {
  private readonly known = new Set<string>();

  /** Registers a concrete secret value (e.g. the configured token) so it is scrubbed anywhere. */
  addSecret(value: string | undefined): void {
    if (value && value.length >= 6) this.known.add(value);
  }

  redactString(input: string): string {
    let out = input;
    for (const secret of this.known) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    if (!ANY_TOKEN.test(out)) return out;
    for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, REDACTED);
    return out;
  }

  /** Deep copy with secret-looking keys and token-shaped strings redacted. */
  redact<T>(value: T, depth = 0): T {
    if (typeof value === "string") return this.redactString(value) as T;
    if (value === null || typeof value !== "object" || depth > 20) return value;
    if (Array.isArray(value)) return value.map((v) => this.redact(v, depth + 1)) as T;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] =
        SECRET_KEY.test(k) && (typeof v === "string" || typeof v === "number")
          ? REDACTED
          : this.redact(v, depth + 1);
    }
    return out as T;
  }
}

export const SECRET_KEY_PATTERN = SECRET_KEY;
