/**
 * Who may call what, how often, and the record of it: for repowright served to many people over HTTP.
 *
 * - Authentication (`REPOWRIGHT_AUTH=jwt`): every HTTP request carries `Authorization: Bearer <JWT>` from
 *   the organisation's identity provider, verified with jose against its JWKS endpoint, a PEM public key or
 *   a shared HS256 secret, with issuer and audience checks. The token's `sub` is the caller; its roles come
 *   from a configurable claim.
 * - Authorization: read-only tools (readOnlyHint) for `REPOWRIGHT_AUTH_READ_ROLES`, every tool for
 *   `REPOWRIGHT_AUTH_WRITE_ROLES`. A caller sees only the tools it may call.
 * - Rate limits: calls per minute per caller by role, counted in the store (shared by replicas on Redis).
 * - Audit: one record per tool call (caller, roles, tool, outcome, duration, redacted arguments) in the
 *   store, kept `REPOWRIGHT_AUDIT_RETENTION_DAYS`, read with `repowright audit`.
 *
 * Local callers (stdio, `repowright call`) are the machine's owner: never refused nor limited.
 */
import { createPublicKey, type KeyObject, randomBytes } from "node:crypto";
import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from "jose";
import type { Config } from "../core/config.js";
import { ToolError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import type { Redactor } from "../core/redact.js";
import type { Store } from "../store/types.js";
import type { Caller, Tool } from "./tool.js";

// ------------------------------------------------------------------------------------- authentication

export interface Principal {
  id: string;
  roles: string[];
}

/** A request that cannot be let in: 401 (no or bad credentials) or 403 (credentials of someone else). */
export class AuthFailure extends Error {
  constructor(
    message: string,
    readonly status: 401 | 403,
  ) {
    super(message);
    this.name = "AuthFailure";
  }
}

export interface Authenticator {
  /** Verifies an Authorization header value; throws AuthFailure. */
  verify(authorization: string | undefined): Promise<Principal>;
}

const ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
const SYMMETRIC = ["HS256", "HS384", "HS512"];

export function createAuthenticator(auth: Readonly<Config["auth"]>): Authenticator | undefined {
  if (auth.mode === "none") return undefined;
  let key: JWTVerifyGetKey | KeyObject | Uint8Array;
  let algorithms: string[];
  if (auth.jwksUrl) {
    key = createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
    algorithms = ASYMMETRIC;
  } else if (auth.publicKey) {
    key = createPublicKey(auth.publicKey);
    algorithms = ASYMMETRIC;
  } else {
    key = new TextEncoder().encode(auth.jwtSecret!);
    algorithms = SYMMETRIC;
  }
  const rolesPath = auth.rolesClaim.split(".");
  return {
    async verify(authorization) {
      if (!authorization) {
        throw new AuthFailure("missing bearer token: send Authorization: Bearer <JWT>", 401);
      }
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!m) throw new AuthFailure("the Authorization header must be: Bearer <JWT>", 401);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(m[1]!, key as Parameters<typeof jwtVerify>[1], {
          algorithms,
          issuer: auth.issuer,
          audience: auth.audience,
          clockTolerance: 30,
          // A token that never expires is a password that cannot be rotated away.
          requiredClaims: ["exp"],
        }));
      } catch (err) {
        throw new AuthFailure(`invalid token: ${why(err)}`, 401);
      }
      if (typeof payload.sub !== "string" || payload.sub === "") {
        throw new AuthFailure("invalid token: it has no sub claim to name the caller", 401);
      }
      return { id: payload.sub, roles: rolesOf(payload, rolesPath) };
    },
  };
}

/** A reason a person can act on, never the token itself. */
function why(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return "it has expired";
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim ${err.claim} ${err.reason}`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return "the signature does not verify";
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return "its algorithm is not accepted here";
  if (err instanceof joseErrors.JWKSNoMatchingKey) return "no key of the identity provider matches it";
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid)
    return "the identity provider's keys could not be read";
  if (err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JWSInvalid)
    return "it is not a valid JWT";
  return "it could not be verified";
}

function rolesOf(payload: JWTPayload, path: readonly string[]): string[] {
  let v: unknown = payload;
  for (const p of path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
  if (Array.isArray(v)) return v.filter((r): r is string => typeof r === "string" && r !== "");
  if (typeof v === "string") return v.split(/[\s,]+/).filter(Boolean);
  return [];
}

// ------------------------------------------------------------------ authorization and rate limits

/** What the pipeline asks before a call, and the tool list before showing it. */
export interface CallGuard {
  /** Whether the caller may call the tool at all (tools/list shows only those). */
  allows(tool: Guarded, caller: Caller): boolean;
  /** Throws `forbidden` or `rate_limited` (a ToolError) when this call may not run now. */
  admit(tool: Guarded, caller: Caller): Promise<void>;
}

/** What the guard looks at: a tool, or a protocol request (resources/read is a read). */
export interface Guarded {
  name: string;
  annotations: Pick<Tool["annotations"], "readOnlyHint">;
}

const RATE_NS = "ratelimit";
const WINDOW_MS = 60_000;

const isLocal = (caller: Caller) => caller.transport !== "http";

export function createCallGuard(config: Readonly<Config>, store: Store): CallGuard | undefined {
  const { auth } = config;
  const enforceRoles = auth.mode !== "none";
  const limits = new Map<string, number>();
  for (const rule of auth.rateLimits) {
    const [role, n] = rule.split("=");
    limits.set(role!, Number(n));
  }
  if (!enforceRoles && limits.size === 0) return undefined;
  const inRoles = (allowed: readonly string[], caller: Caller) =>
    allowed.includes("*") || caller.roles.some((r) => allowed.includes(r));
  const allows = (tool: Guarded, caller: Caller) => {
    if (!enforceRoles || isLocal(caller)) return true;
    if (inRoles(auth.writeRoles, caller)) return true;
    return tool.annotations.readOnlyHint === true && inRoles(auth.readRoles, caller);
  };
  const limitOf = (caller: Caller): number | undefined => {
    let best: number | undefined;
    for (const r of caller.roles) {
      const n = limits.get(r);
      if (n !== undefined && (best === undefined || n > best)) best = n;
    }
    return best ?? limits.get("*");
  };
  const countCall = async (caller: Caller): Promise<void> => {
    const limit = limitOf(caller);
    if (limit === undefined) return;
    // A sliding window: this minute's count plus the last minute's, weighted by how much of it still
    // lies within the past 60 s. No burst of twice the limit around a minute boundary.
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    const into = now - window * WINDOW_MS;
    const key = `${caller.id}:${window}`;
    const current = await store.incr(RATE_NS, key);
    if (current === 1) await store.expire(RATE_NS, key, 2 * WINDOW_MS);
    const previous = Number((await store.get(RATE_NS, `${caller.id}:${window - 1}`)) ?? 0);
    const recent = previous * (1 - into / WINDOW_MS) + current;
    if (recent > limit) {
      // When enough of last minute's calls slide out of view; else when this minute's window ends.
      const waitMs =
        current <= limit && previous > 0
          ? (1 - (limit - current) / previous) * WINDOW_MS - into
          : WINDOW_MS - into;
      const retry = Math.max(1, Math.ceil(waitMs / 1000));
      throw new ToolError(
        "rate_limited",
        `rate limit of ${limit} tool calls per minute reached; retry in ${retry} s`,
        {
          statusCode: 429,
          retryAfterS: retry,
        },
      );
    }
  };
  return {
    allows,
    async admit(tool, caller) {
      // Every attempt counts against the rate limit, refused ones too: hammering a forbidden tool is
      // still load.
      if (!isLocal(caller)) await countCall(caller);
      if (!allows(tool, caller)) {
        const roles = caller.roles.length > 0 ? caller.roles.join(", ") : "none";
        const read = tool.annotations.readOnlyHint === true;
        throw new ToolError(
          "forbidden",
          `${tool.name} ${read ? "" : "changes things and "}is not allowed for your roles (${roles}); ask for one of: ${(read ? [...auth.readRoles, ...auth.writeRoles] : auth.writeRoles).join(", ")}`,
          { statusCode: 403 },
        );
      }
    },
  };
}

// ------------------------------------------------------------------------------------------- audit

export const AUDIT_NS = "audit";

export interface AuditRecord {
  /** ISO time the call started. */
  at: string;
  caller: string;
  roles: string[];
  transport: Caller["transport"];
  session?: string;
  tool: string;
  /** ok, or the error type (validation, forbidden, rate_limited, ...). */
  outcome: string;
  ms: number;
  /** The call's arguments, redacted, as JSON cut at 2000 characters. */
  args: string;
}

export interface AuditLog {
  record(entry: Omit<AuditRecord, "args"> & { args: unknown }): Promise<void>;
}

const MAX_ARGS_CHARS = 2000;

export function createAuditLog(
  config: Readonly<Config>,
  store: Store,
  redactor: Redactor,
  log: Logger,
): AuditLog | undefined {
  const on = config.audit.mode === "on" || (config.audit.mode === "auto" && config.auth.mode !== "none");
  if (!on) return undefined;
  const ttlMs = config.audit.retentionDays * 24 * 3600 * 1000;
  return {
    async record(entry) {
      let args = JSON.stringify(await redactor.redactDeep(entry.args ?? {})) ?? "{}";
      if (args.length > MAX_ARGS_CHARS) args = `${args.slice(0, MAX_ARGS_CHARS)}…`;
      const rec: AuditRecord = { ...entry, args };
      // Keys sort by time; the suffix keeps two calls in the same millisecond apart.
      const key = `${rec.at}:${randomBytes(4).toString("hex")}`;
      try {
        await store.set(AUDIT_NS, key, JSON.stringify(rec), { ttlMs });
      } catch (err) {
        // The call has happened; a store outage must not turn its result into an error. Say so loudly.
        log.error({ err, audit: rec }, "audit record not stored");
      }
    },
  };
}

export interface AuditQuery {
  /** Records at or after this time. */
  since: Date;
  caller?: string;
  tool?: string;
  outcome?: string;
  /** At most this many, the newest. */
  limit: number;
}

/** The newest audit records matching the query, oldest first. Scans one day of keys at a time. */
export async function readAudit(store: Store, query: AuditQuery): Promise<AuditRecord[]> {
  const from = query.since.toISOString();
  const days: string[] = [];
  for (let d = new Date(`${from.slice(0, 10)}T00:00:00Z`); d.getTime() <= Date.now(); ) {
    days.push(d.toISOString().slice(0, 10));
    d = new Date(d.getTime() + 24 * 3600 * 1000);
  }
  const out: AuditRecord[] = [];
  // Newest day first, so a small limit reads little.
  for (const day of days.reverse()) {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.scan(AUDIT_NS, { pattern: `${day}T*`, cursor, limit: 1000 });
      keys.push(...page.keys.filter((k) => k >= from));
      cursor = page.cursor ?? undefined;
    } while (cursor);
    keys.sort().reverse();
    for (let i = 0; i < keys.length && out.length < query.limit; i += 500) {
      const values = await store.mget(AUDIT_NS, keys.slice(i, i + 500));
      for (const v of values) {
        if (v === null || out.length >= query.limit) continue;
        const rec = JSON.parse(v) as AuditRecord;
        if (query.caller && rec.caller !== query.caller) continue;
        if (query.tool && rec.tool !== query.tool) continue;
        if (query.outcome && rec.outcome !== query.outcome) continue;
        out.push(rec);
      }
    }
    if (out.length >= query.limit) break;
  }
  return out.reverse();
}
