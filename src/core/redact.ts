/**
 * Secret redaction for anything that leaves the process: logs, tool results, audit records.
 *
 * Three layers: values of keys that look secret are replaced wholesale; strings are scrubbed of token
 * shapes we know (GitHub, Slack, AWS, JWT, bearer headers, URL credentials) and of any secret value
 * registered at start-up (the configured tokens themselves) — synchronously, so logs use it too; and tool
 * results, errors and audit records are then also run through secretlint's maintained recommended rule set
 * (`redactDeep`, asynchronous: secretlint is), which knows many more kinds of secret (private keys, npm,
 * OpenAI, Anthropic, Shopify, SendGrid, database URLs...) and is the rule set the agents' secret gate uses.
 */

const SECRET_KEY = /(pass(word)?|secret|token|api[_-]?key|authorization|cookie|private[_-]?key|credential)/i;

const TOKEN_PATTERNS: RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,255}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,255}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g,
  /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g,
  // An AWS secret access key is 40 base64 characters: found by the name it is given next to it.
  /(?<=\baws_?secret_?(access_?)?key\b["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
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

  /** `redact`, then secretlint's recommended rules over every string that could hold a secret. */
  redactDeep<T>(value: T): Promise<T> {
    return scanCopy(this.redact(value));
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

  /**
   * Deep copy with secret-looking keys and token-shaped strings redacted, at any depth: the walk is
   * iterative (an explicit stack), so a value nested 100,000 deep is neither a stack overflow nor a way
   * around redaction. Cycles become "[Circular]". Errors become plain objects with what a reader needs
   * (name, message, stack, code, errno, syscall, path, cause), which their own enumerable properties lack.
   */
  redact<T>(value: T): T {
    if (typeof value === "string") return this.redactString(value) as T;
    if (value === null || typeof value !== "object") return value;
    const root: { v: unknown } = { v: undefined };
    const seen = new WeakSet<object>();
    // Each job: copy `from` into `into[key]`.
    const stack: { from: unknown; into: Record<string | number, unknown>; key: string | number }[] = [
      { from: value, into: root as unknown as Record<string, unknown>, key: "v" },
    ];
    while (stack.length > 0) {
      const { from, into, key } = stack.pop()!;
      if (typeof from === "string") {
        into[key] = this.redactString(from);
        continue;
      }
      if (from === null || typeof from !== "object") {
        into[key] = from;
        continue;
      }
      if (seen.has(from)) {
        into[key] = "[Circular]";
        continue;
      }
      seen.add(from);
      const source = from instanceof Error ? errorFields(from) : from;
      if (Array.isArray(source)) {
        const out: unknown[] = new Array(source.length);
        into[key] = out;
        for (let i = source.length - 1; i >= 0; i--)
          stack.push({ from: source[i], into: out as unknown as Record<number, unknown>, key: i });
        continue;
      }
      const out: Record<string, unknown> = {};
      into[key] = out;
      for (const [k, v] of Object.entries(source as Record<string, unknown>)) {
        if (SECRET_KEY.test(k) && (typeof v === "string" || typeof v === "number")) out[k] = REDACTED;
        else {
          // Claim the key now, so the copy keeps the source's key order although it is filled later.
          out[k] = undefined;
          stack.push({ from: v, into: out, key: k });
        }
      }
    }
    return root.v as T;
  }
}

/** secretlint and its rules, loaded on the first text that may hold a secret (not at start-up). */
type LintSource = typeof import("@secretlint/core").lintSource;
let secretlint:
  | Promise<{ lintSource: LintSource; config: Parameters<LintSource>[0]["options"]["config"] }>
  | undefined;
function loadSecretlint() {
  secretlint ??= Promise.all([
    import("@secretlint/core"),
    import("@secretlint/secretlint-rule-preset-recommend"),
  ]).then(([core, preset]) => ({
    lintSource: core.lintSource,
    config: { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: preset.creator }] },
  }));
  return secretlint;
}

/**
 * What any rule of the preset needs to match: a run of 16 or more token characters, a PEM header, or
 * credentials in a URL. Text without any of these is not handed to secretlint (about 0.1 ms a call), so
 * small plain results (a cache value, a count) stay cheap. Checked against every rule in the tests.
 */
const MAY_HOLD_SECRET = /[A-Za-z0-9+/=_.-]{16,}|-----BEGIN|:\/\/[^\s/:@]*:[^\s@]+@/;

interface StringSlot {
  into: Record<string | number, unknown>;
  key: string | number;
  value: string;
}

/** Every string in a plain JSON-like value (as `redact` returns it), with where it sits. */
function stringSlots(value: unknown): StringSlot[] {
  const out: StringSlot[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== "object") continue;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (typeof v === "string") {
        if (MAY_HOLD_SECRET.test(v)) out.push({ into: node as Record<string, unknown>, key: k, value: v });
      } else if (v !== null && typeof v === "object") stack.push(v);
    }
  }
  return out;
}

/** Ranges secretlint's recommended rules report in `text`, merged and sorted. */
export async function findSecrets(text: string): Promise<[number, number][]> {
  if (!MAY_HOLD_SECRET.test(text)) return [];
  const { lintSource, config } = await loadSecretlint();
  const result = await lintSource({
    source: { filePath: "/repowright-output.txt", content: text, contentType: "text" },
    options: { config },
  });
  const ranges = result.messages.map((m) => [m.range[0], m.range[1]] as [number, number]);
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

function cut(text: string, ranges: [number, number][]): string {
  let out = "";
  let at = 0;
  for (const [start, end] of ranges) {
    out += text.slice(at, start) + REDACTED;
    at = end;
  }
  return out + text.slice(at);
}

/** Runs secretlint's recommended rules over every string of a redacted copy, cutting what they find. */
async function scanCopy<T>(copy: T): Promise<T> {
  if (typeof copy === "string") return cut(copy, await findSecrets(copy)) as T;
  const slots = stringSlots(copy);
  if (slots.length === 0) return copy;
  // One secretlint run for all strings: joined by a line break (no rule matches across one) and mapped back.
  const starts: number[] = [];
  let text = "";
  for (const slot of slots) {
    starts.push(text.length);
    text += `${slot.value}\n`;
  }
  const ranges = await findSecrets(text);
  if (ranges.length === 0) return copy;
  let r = 0;
  slots.forEach((slot, i) => {
    const start = starts[i]!;
    const end = start + slot.value.length;
    const mine: [number, number][] = [];
    while (r < ranges.length && ranges[r]![0] < end) {
      const [a, b] = ranges[r]!;
      mine.push([Math.max(a, start) - start, Math.min(b, end) - start]);
      if (b > end) break; // continues into the next string (cannot, but stay safe): keep it for that one
      r++;
    }
    if (mine.length > 0) slot.into[slot.key] = cut(slot.value, mine);
  });
  return copy;
}

/** The fields of an error worth logging; `cause` is walked like any other value. */
function errorFields(err: Error): Record<string, unknown> {
  const e = err as Error & Record<string, unknown>;
  const out: Record<string, unknown> = { type: err.name, message: err.message, stack: err.stack };
  for (const k of ["code", "errno", "syscall", "path", "status", "statusCode"]) {
    if (e[k] !== undefined) out[k] = e[k];
  }
  for (const [k, v] of Object.entries(e)) if (!(k in out)) out[k] = v;
  if (err.cause !== undefined) out["cause"] = err.cause;
  return out;
}

export const SECRET_KEY_PATTERN = SECRET_KEY;
